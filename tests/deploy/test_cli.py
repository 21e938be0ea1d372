"""Every command has --help; the shell wrapper passes flags through."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "cmd",
    [
        [sys.executable, str(ROOT / "infrastructure" / "deploy_api_lambdas.py"), "--help"],
        ["bash", str(ROOT / "infrastructure" / "deploy_api_lambdas.sh"), "--help"],
        [sys.executable, "-m", "concert_tools.deploy.sam", "--help"],
        [sys.executable, str(ROOT / "bench" / "bench_package.py"), "--help"],
        [sys.executable, "-m", "concert_tools.cli.main", "deploy", "--help"],
        [sys.executable, "-m", "concert_tools.cli.main", "deploy", "package", "--help"],
    ],
    ids=["deploy.py", "deploy.sh", "sam", "bench", "concert-api deploy", "concert-api deploy package"],
)
def test_help(cmd: list[str]) -> None:
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage:" in proc.stdout.lower()  # click writes "Usage:", argparse "usage:"


def test_deploy_help_lists_every_flag_of_the_guide_and_the_issue() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "infrastructure" / "deploy_api_lambdas.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for flag in (
        "--region",
        "--role-arn",
        "--s3-bucket",
        "--api-gateway-id",
        "--dry-run",
        "--functions",
        "--stage",
        "--env-file",
        "--provisioned-concurrency",
        "--kms-key-arn",
        "--subnet-ids",
        "--security-group-ids",
        "--architecture",
        "--include-boto3",
        "--profile",
        "--output",
        "--no-env-file",
    ):
        assert flag in out


def test_bad_function_name_says_what_to_do() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "infrastructure" / "deploy_api_lambdas.py"), "--dry-run", "--functions", "nope"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "choose from: chatbot, venue-popularity" in proc.stderr


def test_package_only_builds_without_an_env_file_or_credentials(tmp_path: Path) -> None:
    # Given a directory with no .env, and no AWS configuration
    env = {"PATH": "/usr/bin:/bin", "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true"}
    # When only the package is asked for, with a relative zip path
    proc = subprocess.run(
        [
            *(sys.executable, str(ROOT / "infrastructure" / "deploy_api_lambdas.py"), "--package-only"),
            *("--skip-deps", "--no-bytecode", "--zip-path", "out/lambda.zip"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    # Then the zip is written where the caller said, relative to the caller's directory
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "lambda.zip").is_file()
    assert "Deployment package out/lambda.zip" in proc.stdout
