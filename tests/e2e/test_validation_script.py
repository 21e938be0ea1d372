"""The guide's `python validate_api_lambda_handlers.py` works on a fresh machine (no data yet) and fails when a
handler breaks its contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDSHIFT", "SAGEMAKER", "BEDROCK", "CONCERT"))}
    env.update({"CONCERT_DATA_DIR": str(tmp_path / "empty"), "CONCERT_ENV_FILE": ""})
    return subprocess.run(
        [sys.executable, str(ROOT / "validate_api_lambda_handlers.py"), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_validation_script_checks_every_handler_from_an_empty_data_dir(tmp_path):
    result = _run(tmp_path, "--json")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    checks = json.loads(result.stdout[: result.stdout.rindex("]") + 1])
    assert {c["handler"] for c in checks} == {
        "chatbot",
        "venue-popularity",
        "ticket-prediction",
        "price-curve",  # issue 10
        "recommendations",
        "health-check",
    }
    assert all(c["ok"] and not c["skipped"] for c in checks)
    assert not (tmp_path / "empty").exists()  # the scratch data set was temporary
