"""On Lambda, with no AWS service configured, every handler answers 503 "Service not configured", never a 500.

The deployment package leaves out DuckDB, the local model and the local assistant (see `deploy.package`); this
test hides those modules the same way, in a fresh interpreter, and invokes each handler with nothing set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from concert_api.examples import VALID
from concert_api.routes import ROUTES

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, sys
for hidden in ("duckdb", "numpy", "sklearn", "lightgbm", "rapidfuzz", "pyarrow",
               "concert_api.adapters.warehouse.duckdb", "concert_api.services.chat.local.builder",
               "concert_api.services.chat.local.assistant", "concert_api.adapters.predictors.local"):
    sys.modules[hidden] = None  # what the Lambda package does not carry
import api_lambda_handlers
response = getattr(api_lambda_handlers, sys.argv[1])({"body": sys.argv[2]}, None)
print(json.dumps({"status": response["statusCode"], "body": json.loads(response["body"])}))
"""


@pytest.mark.parametrize("route", [r for r in ROUTES if r.key != "health-check"], ids=lambda r: r.key)
def test_unconfigured_service_on_lambda_is_a_503_naming_what_to_set(route, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDSHIFT", "SAGEMAKER", "BEDROCK", "CONCERT"))}
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": route.function_name,
            "AWS_DEFAULT_REGION": "us-east-1",
            "CONCERT_ENV_FILE": "",
            "CONCERT_DATA_DIR": str(tmp_path),
            "POWERTOOLS_METRICS_DISABLED": "true",
            "LOG_LEVEL": "CRITICAL",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
        }
    )
    out = subprocess.run(
        [sys.executable, "-c", PROBE, route.handler, json.dumps(VALID[route.key])],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 503, result
    assert result["body"]["error"] == "Service not configured"
    assert "set " in result["body"]["details"]
