"""Local backends (DuckDB, the local model, the local assistant) are optional: the Lambda package does not carry
the `local` extra, so choosing one there must say what to configure instead of failing with a missing module."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from concert_api.errors import ServiceNotConfigured

WAREHOUSE_HINT = "set REDSHIFT_DATABASE and REDSHIFT_CLUSTER_ID (or REDSHIFT_WORKGROUP_NAME)"
ASSISTANT_HINT = "set BEDROCK_AGENT_ID and BEDROCK_AGENT_ALIAS_ID, or BEDROCK_MODEL_ID"


@contextmanager
def local_backend(what: str, hint: str) -> Iterator[None]:
    """Turn a local backend missing from this installation into a 503 that says what to configure.

    Only the import of a local backend runs inside the block, so a missing module there means the `local` extra
    is not installed (as on Lambda), never a bug elsewhere."""
    try:
        yield
    except ModuleNotFoundError:
        raise ServiceNotConfigured(f"No {what} is configured for this deployment: {hint}.") from None
