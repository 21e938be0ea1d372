"""X-Ray tracing with Powertools Tracer, loaded only when it is on.

With active tracing (the SAM template's `Tracing=Active`, which sets `POWERTOOLS_TRACE_DISABLED=false`), each
request is a subsegment `## <function>` of Lambda's segment, and every boto3 call inside it (Redshift Data API,
SageMaker, Bedrock) a subsegment of its own. When tracing is off (the default off Lambda, and
unless `POWERTOOLS_TRACE_DISABLED` is explicitly false), neither Powertools' tracer nor the X-Ray SDK is ever
imported: the cold start pays nothing for it. Off unless asked for, because a function deployed without active
tracing (the Python deployer's default) has no X-Ray segment to attach to.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_FALSE = {"0", "false", "no", "off"}


def enabled() -> bool:
    """Tracing is on: running on Lambda and `POWERTOOLS_TRACE_DISABLED` explicitly false (the template's switch)."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and (
        os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in _FALSE
    )


@functools.cache
def tracer() -> Any:
    """The one Powertools Tracer (X-Ray SDK); patches botocore so AWS calls appear as subsegments."""
    from aws_lambda_powertools import Tracer

    from concert_api.observability import SERVICE_NAME

    return Tracer(service=SERVICE_NAME, patch_modules=("botocore",))


@contextmanager
def traced(name: str) -> Iterator[None]:
    """The block as the subsegment `## name` when tracing is on; nothing at all otherwise."""
    if not enabled():
        yield
        return
    with tracer().provider.in_subsegment(name=f"## {name}"):
        yield
