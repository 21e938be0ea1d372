"""The deployer's audit findings (issue 14), each pinned down: an offline dry run, errors printed and never a
traceback, paths from the caller's directory, region and credentials from the standard AWS chain, stale API
Gateway permissions removed, and `--output json`.

AWS calls go to moto on loopback or to botocore's Stubber (both validate requests against AWS's own service
models). What they cannot show: real IAM evaluation (an AccessDenied here is injected, as AWS would answer it) and
the instance metadata service (disabled in the subprocess runs, as on a laptop without one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from tests.deploy.conftest import REGION, Recorder

from concert_api.routes import ROUTES
from concert_tools.cli.deploy_commands import main

ROOT = Path(__file__).resolve().parents[2]
PY_ENTRY = ROOT / "infrastructure" / "deploy_api_lambdas.py"
SH_ENTRY = ROOT / "infrastructure" / "deploy_api_lambdas.sh"
ENV = """\
REDSHIFT_CLUSTER_ID=concert-warehouse-dev
REDSHIFT_DATABASE=concert_data
BEDROCK_AGENT_ID=AGENT123
BEDROCK_AGENT_ALIAS_ID=ALIAS456
"""
IDENTITY = {"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/dev"}


def _no_aws_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A process environment with no AWS credentials, config, region or metadata service, and a proxy that
    refuses every connection, so any call to AWS would fail loudly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("PYTHONPATH", None)
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        HTTPS_PROXY="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
        PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin",
        **extra,
    )
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=False)


def test_dry_run_without_credentials_plans_offline_and_says_what_it_could_not_check(tmp_path: Path) -> None:
    # Given no AWS credentials at all and a network that refuses every connection
    (tmp_path / "deploy.env").write_text(ENV)
    env = _no_aws_environment(tmp_path)
    # When the guide's script plans a deployment
    cmd = [sys.executable, str(PY_ENTRY), "--dry-run", "--region", REGION, "--env-file", "deploy.env"]
    proc = _run(cmd, tmp_path, env)
    # Then the plan comes from the spec, says what it could not check, calls nothing, and is not "complete"
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    assert "create or update concert-api-chatbot: handler api_lambda_handlers.chatbot_handler" in out
    assert '"bedrock:InvokeAgent"' in out
    assert "Could not check (the plan is incomplete):" in out
    assert "the account id (no AWS credentials found" in out
    assert "whether concert-api-health-check exists (offline: no AWS identity)" in out
    assert "STS" not in out  # no call was even attempted
    assert "Dry run: nothing was changed." in out


def test_dry_run_offline_as_json_is_one_document_that_is_not_ok(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(ENV)
    proc = _run(
        [sys.executable, str(PY_ENTRY), "--dry-run", "--region", REGION, "--output", "json"],
        tmp_path,
        _no_aws_environment(tmp_path),
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is False and doc["dry_run"] is True and doc["region"] == REGION
    assert [f["function_name"] for f in doc["plan"]] == [r.function_name for r in ROUTES]
    assert any("no AWS credentials" in u for u in doc["unchecked"])


def _stubbed(**services: Stubber) -> Callable[[str], Any]:
    def factory(service: str) -> Any:
        return services[service].client

    return factory


def test_dry_run_prints_what_aws_refused_and_exits_non_zero(
    small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given credentials that STS refuses
    sts = Stubber(boto3.client("sts", region_name=REGION))
    sts.add_client_error("get_caller_identity", "ExpiredToken", "The security token included in the request is expired")
    # When planning
    with sts:
        rc = main(
            ["--dry-run", "--region", REGION, "--env-file", str(env_file(ENV)), "--functions", "health-check"],
            client_factory=_stubbed(sts=sts),
        )
    out = capsys.readouterr().out
    # Then the error is printed, not dropped, and the run fails
    assert rc == 1
    assert "ExpiredToken: The security token included in the request is expired (refresh your AWS credentials)" in out
    assert "create or update concert-api-health-check" in out
    assert "whether concert-api-health-check exists (offline: no AWS identity)" in out  # no Lambda call was tried


def test_get_function_access_denied_is_one_line_in_the_plan_never_a_traceback(
    env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an identity that may not read Lambda functions
    sts = Stubber(boto3.client("sts", region_name=REGION))
    sts.add_response("get_caller_identity", IDENTITY)
    lam = Stubber(boto3.client("lambda", region_name=REGION))
    message = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: lambda:GetFunction"
    lam.add_client_error("get_function", "AccessDeniedException", message, http_status_code=403)
    # When planning
    with sts, lam:
        rc = main(
            ["--dry-run", "--region", REGION, "--env-file", str(env_file(ENV)), "--functions", "chatbot"],
            client_factory=_stubbed(**{"sts": sts, "lambda": lam}),
        )
    captured = capsys.readouterr()
    # Then the plan names the refusal in one line and the status is non-zero
    assert rc == 1
    assert f"whether concert-api-chatbot exists, and its permissions (AccessDeniedException: {message}" in captured.out
    assert "(account 123456789012)" in captured.out
    assert "Traceback" not in captured.err


def test_a_real_run_with_sts_refused_is_one_error_line(
    small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    sts = Stubber(boto3.client("sts", region_name=REGION))
    sts.add_client_error("get_caller_identity", "InvalidClientTokenId", "The security token is invalid")
    with sts:
        rc = main(
            ["--package", str(small_zip), "--region", REGION, "--env-file", str(env_file(ENV))],
            client_factory=_stubbed(sts=sts),
        )
    err = capsys.readouterr().err
    assert rc == 1
    assert err.strip().splitlines() == [
        "error: could not identify the AWS account (STS GetCallerIdentity): InvalidClientTokenId: The security token"
        " is invalid (check your AWS credentials and --profile)"
    ]


def test_an_unknown_profile_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(ENV)
    proc = _run(
        [sys.executable, str(PY_ENTRY), "--dry-run", "--profile", "nope"], tmp_path, _no_aws_environment(tmp_path)
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: The config profile (nope) could not be found (list your profiles with `aws configure list-profiles`)"
    ]


def test_the_shell_entry_reads_a_relative_env_file_from_the_callers_directory(tmp_path: Path) -> None:
    # Given an env file beside the caller, not in the repository
    (tmp_path / "deploy.env").write_text(ENV)
    # When the shell script runs from there with a relative --env-file
    proc = _run(
        ["bash", str(SH_ENTRY), "--dry-run", "--region", REGION, "--env-file", "deploy.env", "--functions", "chatbot"],
        tmp_path,
        _no_aws_environment(tmp_path),
    )
    # Then the plan carries the file's settings (names only)
    assert "Traceback" not in proc.stderr
    assert "does not exist" not in proc.stderr
    assert "environment (names only): BEDROCK_AGENT_ALIAS_ID, BEDROCK_AGENT_ID, LOG_LEVEL" in proc.stdout
    assert "REDSHIFT_CLUSTER_ID, REDSHIFT_DATABASE" in proc.stdout


def test_a_real_run_without_an_env_file_refuses_instead_of_stripping_settings(tmp_path: Path, small_zip: Path) -> None:
    # Given a caller's directory with no .env (the live functions have REDSHIFT_*/BEDROCK_* settings)
    env = _no_aws_environment(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    # When deploying from there
    proc = _run([sys.executable, str(PY_ENTRY), "--region", REGION, "--package", str(small_zip)], tmp_path, env)
    # Then nothing is deployed: one line says where it looked and what to do
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: no env file at {tmp_path.resolve() / '.env'}") or proc.stderr.startswith(
        f"error: no env file at {tmp_path / '.env'}"
    )
    assert "--no-env-file" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("extra_env", "config", "args", "expected"),
    [
        ({"AWS_DEFAULT_REGION": "eu-west-1"}, "", [], "eu-west-1"),
        ({"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-west-1"}, "", [], "eu-central-1"),
        ({}, "[profile dev]\nregion = ap-southeast-2\n", ["--profile", "dev"], "ap-southeast-2"),
        ({"AWS_PROFILE": "dev"}, "[profile dev]\nregion = ap-southeast-2\n", [], "ap-southeast-2"),
        ({"AWS_DEFAULT_REGION": "eu-west-1"}, "", ["--region", "us-west-2"], "us-west-2"),
    ],
    ids=["AWS_DEFAULT_REGION", "AWS_REGION first", "--profile", "AWS_PROFILE", "--region wins"],
)
def test_region_comes_from_the_standard_aws_chain(
    tmp_path: Path, extra_env: dict[str, str], config: str, args: list[str], expected: str
) -> None:
    (tmp_path / ".env").write_text(ENV + "AWS_REGION=us-east-1\n")  # the guide's .env: the chain goes first
    env = _no_aws_environment(tmp_path, **extra_env)
    if config:
        (tmp_path / "no-config").write_text(config)
    proc = _run([sys.executable, str(PY_ENTRY), "--dry-run", "--functions", "chatbot", *args], tmp_path, env)
    assert f"Plan for stage 'prod' in {expected} " in proc.stdout, proc.stdout + proc.stderr
    assert f"arn:aws:logs:{expected}:ACCOUNT_ID:log-group:/aws/lambda/concert-api-chatbot" in proc.stdout


def test_the_env_files_region_applies_when_the_chain_has_none(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(ENV + "AWS_REGION=ca-central-1\n")
    proc = _run(
        [sys.executable, str(PY_ENTRY), "--dry-run", "--functions", "chatbot"], tmp_path, _no_aws_environment(tmp_path)
    )
    assert "Plan for stage 'prod' in ca-central-1 " in proc.stdout


def test_credentials_come_from_the_profile(tmp_path: Path, moto_endpoint: str) -> None:
    # Given credentials only in a named profile, and moto standing in for AWS
    (tmp_path / ".env").write_text(ENV)
    (tmp_path / "no-credentials").write_text("[dev]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = s\n")
    env = _no_aws_environment(tmp_path)
    for key in ("HTTPS_PROXY", "HTTP_PROXY"):
        env.pop(key)
    cmd = [sys.executable, str(PY_ENTRY), "--dry-run", "--region", REGION, "--profile", "dev"]
    proc = _run([*cmd, "--endpoint-url", moto_endpoint, "--functions", "chatbot"], tmp_path, env)
    # Then the plan is complete: STS answered with the profile's credentials, and the function was looked up
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(account 123456789012)" in proc.stdout and "create concert-api-chatbot" in proc.stdout


def _statement_ids(endpoint: str, name: str) -> list[str]:
    lam = boto3.client("lambda", region_name=REGION, endpoint_url=endpoint)
    return sorted(s["Sid"] for s in json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"])


def test_a_new_api_gateway_id_removes_the_old_apis_invoke_permissions(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    env = str(env_file(ENV))
    base = ["--package", str(small_zip), "--env-file", env, "--region", REGION, "--functions", "recommendations"]
    # Given a deployment behind API old111
    assert main([*base, "--api-gateway-id", "old111"], client_factory=recorder) == 0
    # When it moves to API new222
    recorder.reset()
    assert main([*base, "--api-gateway-id", "new222"], client_factory=recorder) == 0
    # Then only new222 may invoke, on the function and on its alias
    name = "concert-api-recommendations"
    assert _statement_ids(recorder.endpoint or "", name) == [
        "concert-api-apigw-new222-recommendations",
        "concert-api-apigw-new222-recommendations-live",
    ]
    assert [op for _s, op in recorder.writes()].count("RemovePermission") == 2
    out = capsys.readouterr().out
    assert "removed stale permission concert-api-apigw-old111-recommendations on function" in out
    assert "removed stale permission concert-api-apigw-old111-recommendations-live on live" in out
    # And a re-run with the same API writes nothing
    recorder.reset()
    assert main([*base, "--api-gateway-id", "new222"], client_factory=recorder) == 0
    assert recorder.writes() == []
    capsys.readouterr()


def test_the_dry_run_plans_the_removal_of_stale_permissions(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    env = str(env_file(ENV))
    base = ["--package", str(small_zip), "--env-file", env, "--region", REGION, "--functions", "health-check"]
    assert main([*base, "--api-gateway-id", "old111"], client_factory=recorder) == 0
    capsys.readouterr()
    recorder.reset()
    assert main([*base, "--api-gateway-id", "new222", "--dry-run"], client_factory=recorder) == 0
    out = capsys.readouterr().out
    assert recorder.writes() == []
    assert "remove stale permission concert-api-apigw-old111-health-check on function" in out
    assert "remove stale permission concert-api-apigw-old111-health-check-live on live" in out


def test_output_json_reports_every_function(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(
        ["--package", str(small_zip), "--env-file", str(env_file(ENV)), "--region", REGION, "--output", "json"],
        client_factory=recorder,
    )
    captured = capsys.readouterr()
    assert rc == 0
    doc = json.loads(captured.out)  # stdout is the JSON document alone; progress went to stderr
    assert doc["ok"] is True and doc["dry_run"] is False and doc["account"] == "123456789012"
    assert [(f["key"], f["status"]) for f in doc["functions"]] == [(r.key, "SUCCESS") for r in ROUTES]
    assert doc["functions"][0]["function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:concert-api-chatbot"
    assert "created function" in doc["functions"][0]["actions"]
    assert "Deploying concert-api-chatbot ..." in captured.err


def test_output_json_carries_a_failure(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(
        [
            *("--package", str(small_zip), "--env-file", str(env_file(ENV)), "--region", REGION),
            *("--role-arn", "arn:aws:iam::123456789012:role/missing", "--functions", "health-check"),
            *("--s3-bucket", "no-such-bucket", "--output", "json"),
        ],
        client_factory=recorder,
    )
    doc = json.loads(capsys.readouterr().out)
    assert rc == 1 and doc["ok"] is False
    assert doc["functions"][0]["status"] == "FAILED" and doc["functions"][0]["error"]


def test_a_real_run_without_credentials_is_one_line_before_any_build(tmp_path: Path) -> None:
    # Given an env file but no AWS credentials anywhere in the chain
    (tmp_path / ".env").write_text(ENV)
    # When deploying for real
    proc = _run([sys.executable, str(PY_ENTRY), "--region", REGION], tmp_path, _no_aws_environment(tmp_path))
    # Then it stops at once with what to do, without building the package first
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "error: no AWS credentials found (configure them with `aws configure`, AWS_PROFILE or --profile, or "
        "environment variables; --dry-run plans without them)"
    ]
    assert "Deployment package" not in proc.stdout
