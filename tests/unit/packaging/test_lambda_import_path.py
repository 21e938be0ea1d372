"""The Lambda import path stays lean: no DuckDB, numpy, scikit-learn or other local-only library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from concert_api.routes import EXTRA_HANDLERS, ROUTES

ROOT = Path(__file__).resolve().parents[3]
FORBIDDEN = (
    "duckdb",
    "numpy",
    "sklearn",
    "lightgbm",
    "pyarrow",
    "pandas",
    "scipy",
    "uvicorn",
    "starlette",
    "rapidfuzz",
    "psycopg",
    "matplotlib",
)

PROBE = """
import json, sys
import api_lambda_handlers
handler = getattr(api_lambda_handlers, sys.argv[1])
if sys.argv[2] == "invoke":
    handler({"body": sys.argv[3]}, None)
loaded = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps(loaded))
"""


def _loaded_modules(handler: str, mode: str, body: str = "{}") -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDSHIFT", "SAGEMAKER", "BEDROCK", "CONCERT"))}
    # Configured as on AWS, so no local backend is chosen.
    env.update(
        {
            "REDSHIFT_CLUSTER_ID": "concert-warehouse-dev",
            "REDSHIFT_DATABASE": "concert_data",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "CONCERT_ENV_FILE": "",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "LOG_LEVEL": "ERROR",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
        }
    )
    out = subprocess.run(
        [sys.executable, "-c", PROBE, handler, mode, body],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.key)
def test_importing_a_handler_loads_no_local_only_library(route):
    loaded = _loaded_modules(route.handler, "import")
    assert not loaded.intersection(FORBIDDEN), sorted(loaded.intersection(FORBIDDEN))


@pytest.mark.parametrize("handler", sorted(EXTRA_HANDLERS))
def test_importing_a_non_route_handler_loads_no_local_only_library(handler):
    # e.g. the Bedrock Agent action group: resolved by the shim, deployed as an optional function
    loaded = _loaded_modules(handler, "import")
    assert not loaded.intersection(FORBIDDEN), sorted(loaded.intersection(FORBIDDEN))


def test_health_invocation_on_aws_configuration_stays_lean():
    loaded = _loaded_modules("health_check_handler", "invoke")
    assert not loaded.intersection(FORBIDDEN)
