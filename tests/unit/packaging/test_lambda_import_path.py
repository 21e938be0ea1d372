"""The Lambda import path stays within what the runtime declares: importing a handler, or invoking the health
check on AWS configuration, loads only the standard library, `concert_api` and the declared dependencies (the one
list, `concert_tools.deploy.lambda_dependencies.lambda_importable`, which the package builder uses too). DuckDB,
numpy, scikit-learn and the other local-only libraries live in extras and never qualify."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

from concert_api.routes import EXTRA_HANDLERS, ROUTES
from concert_tools.deploy.lambda_dependencies import lambda_importable, outside_lambda

ROOT = Path(__file__).resolve().parents[3]

# `-S`: no site module, so no .pth file (editable finders, setuptools' distutils hack) loads anything before the
# handler; the interpreter sees the repository, the sources and site-packages, nothing else.
PROBE = """
import json, sys
sys.path[:0] = json.loads(sys.argv[4])
import api_lambda_handlers
handler = getattr(api_lambda_handlers, sys.argv[1])
if sys.argv[2] == "invoke":
    handler({"body": sys.argv[3]}, None)
loaded = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps(loaded))
"""


def _loaded_modules(handler: str, mode: str, body: str = "{}") -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDSHIFT", "SAGEMAKER", "BEDROCK", "CONCERT"))}
    env.pop("PYTHONPATH", None)
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
        }
    )
    paths = [str(ROOT), str(ROOT / "src"), *site.getsitepackages()]
    out = subprocess.run(
        [sys.executable, "-S", "-c", PROBE, handler, mode, body, json.dumps(paths)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_lambda_list_is_the_declared_dependencies_and_nothing_local() -> None:
    allowed = lambda_importable()
    assert {"concert_api", "api_lambda_handlers", "pydantic", "aws_lambda_powertools", "boto3", "json"} <= allowed
    for local_only in ("duckdb", "numpy", "sklearn", "lightgbm", "pyarrow", "uvicorn", "click", "concert_tools"):
        assert local_only not in allowed, local_only


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.key)
def test_importing_a_handler_loads_only_what_lambda_may_import(route):
    loaded = _loaded_modules(route.handler, "import")
    assert "concert_api" in loaded  # the probe did import the handler
    assert outside_lambda(loaded) == []


@pytest.mark.parametrize("handler", sorted(EXTRA_HANDLERS))
def test_importing_a_non_route_handler_loads_only_what_lambda_may_import(handler):
    # e.g. the Bedrock Agent action group: resolved by the shim, deployed as an optional function
    assert outside_lambda(_loaded_modules(handler, "import")) == []


def test_health_invocation_on_aws_configuration_loads_only_what_lambda_may_import():
    assert outside_lambda(_loaded_modules("health_check_handler", "invoke")) == []
