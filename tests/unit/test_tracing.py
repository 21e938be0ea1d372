"""X-Ray tracing (issue 14, finding 3): Powertools Tracer when active tracing is on, nothing loaded when it is off.

A loopback UDP socket plays the X-Ray daemon Lambda runs beside the function: the SDK sends it the subsegments as
JSON datagrams. What the fake cannot show is X-Ray itself (sampling, the service map): Lambda's own segment is
given by `_X_AMZN_TRACE_ID`, as Lambda sets it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import api_lambda_handlers
api_lambda_handlers.health_check_handler({"httpMethod": "GET", "path": "/health"}, None)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _invoke_health(trace_disabled: str, daemon_port: int) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDSHIFT", "SAGEMAKER", "BEDROCK", "CONCERT"))}
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": "concert-api-health-check",
            "LAMBDA_TASK_ROOT": str(ROOT),
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon_port}",
            "POWERTOOLS_TRACE_DISABLED": trace_disabled,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "AWS_DEFAULT_REGION": "us-east-1",
            "CONCERT_ENV_FILE": "",
            "LOG_LEVEL": "ERROR",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
        }
    )
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=ROOT,
                         check=True, timeout=60)  # fmt: skip
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _daemon() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    return sock


def test_with_active_tracing_each_request_is_a_subsegment():
    with _daemon() as daemon:
        loaded = _invoke_health("false", daemon.getsockname()[1])
        header, _, body = daemon.recv(65536).decode().partition("\n")
    assert json.loads(header) == {"format": "json", "version": 1}
    subsegment = json.loads(body)
    assert subsegment["name"] == "## health-check"
    assert subsegment["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert "aws_xray_sdk" in loaded


@pytest.mark.parametrize("trace_disabled", ["true", ""])
def test_with_tracing_off_the_tracer_is_never_imported(trace_disabled):
    with _daemon() as daemon:
        loaded = _invoke_health(trace_disabled, daemon.getsockname()[1])
        daemon.settimeout(0.5)
        try:
            sent = daemon.recv(65536)
        except TimeoutError:
            sent = b""
    assert sent == b""
    assert "aws_xray_sdk" not in loaded
