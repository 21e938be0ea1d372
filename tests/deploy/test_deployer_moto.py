"""The deployer end to end against moto in server mode on loopback (AWS's own API models, real HTTP)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.deploy.conftest import REGION, Recorder

from concert_tools.cli.deploy_commands import main
from concert_tools.deploy.spec import FUNCTIONS

ENV = """\
# the guide's .env
AWS_REGION=us-east-1
REDSHIFT_CLUSTER_ID=concert-warehouse-dev
REDSHIFT_DATABASE=concert_data
BEDROCK_AGENT_ID=AGENT123
BEDROCK_AGENT_ALIAS_ID=ALIAS456
SAGEMAKER_VENUE_ENDPOINT=venue-popularity-endpoint
SAGEMAKER_TICKET_ENDPOINT=ticket-sales-endpoint
CONCERT_POSTGRES_DSN=postgresql://app:s3cr3t-pw@db/concert
AWS_SECRET_ACCESS_KEY=do-not-ship-me
"""
GUIDE_CONFIG = {  # name: (handler, memory, timeout)
    "concert-api-chatbot": ("api_lambda_handlers.chatbot_handler", 512, 30),
    "concert-api-venue-popularity": ("api_lambda_handlers.venue_popularity_handler", 512, 60),
    "concert-api-ticket-prediction": ("api_lambda_handlers.ticket_prediction_handler", 512, 30),
    "concert-api-recommendations": ("api_lambda_handlers.recommendations_handler", 512, 60),
    "concert-api-health-check": ("api_lambda_handlers.health_check_handler", 256, 10),
}
ROUTE_CONFIG = {  # the guide's five and the routes added since (issue 10: the price curve)
    **GUIDE_CONFIG,
    "concert-api-price-curve": ("api_lambda_handlers.price_curve_handler", 512, 30),
}


def _deploy(recorder: Recorder, small_zip: Path, env: Path, *extra: str) -> int:
    return main(
        ["--package", str(small_zip), "--env-file", str(env), "--region", REGION, *extra], client_factory=recorder
    )


def _client(endpoint: str, service: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def test_deploys_all_five_functions_as_the_guide_specifies(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rc = _deploy(recorder, small_zip, env_file(ENV), "--api-gateway-id", "abc123xyz")
    out = capsys.readouterr().out
    assert rc == 0, out
    lam = _client(recorder.endpoint or "", "lambda")
    iam = _client(recorder.endpoint or "", "iam")
    for name, (handler, memory, timeout) in GUIDE_CONFIG.items():
        cfg = lam.get_function_configuration(FunctionName=name)
        assert (cfg["Handler"], cfg["MemorySize"], cfg["Timeout"], cfg["Runtime"]) == (
            handler,
            memory,
            timeout,
            "python3.12",
        )
        env = cfg["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == "concert-api" and env["LOG_LEVEL"] == "INFO"
        # X-Ray active tracing by default, as the template's Tracing=Active, with the Powertools tracer on
        assert cfg["TracingConfig"]["Mode"] == "Active" and env["POWERTOOLS_TRACE_DISABLED"] == "false"
        assert "CONCERT_POSTGRES_DSN" not in env and "AWS_SECRET_ACCESS_KEY" not in env and "AWS_REGION" not in env
        # alias "live" on a published version
        alias = lam.get_alias(FunctionName=name, Name="live")
        assert alias["FunctionVersion"] == "1"
        # one role per function, holding one inline policy: that function's
        role_name = cfg["Role"].split("/")[-1]
        assert role_name.startswith("ConcertAPILambdaRole-")
        assert iam.list_role_policies(RoleName=role_name)["PolicyNames"] == [f"{name}-policy"]
        trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
        assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
        doc = iam.get_role_policy(RoleName=role_name, PolicyName=f"{name}-policy")["PolicyDocument"]
        for st in doc["Statement"]:
            assert all("*" not in a for a in st["Action"])
        logs = next(st for st in doc["Statement"] if st["Sid"] == "WriteOwnLogs")
        assert logs["Resource"][0].endswith(f":log-group:/aws/lambda/{name}")
        # API Gateway may invoke the function and its alias, for its own route only. (moto answers GetPolicy with
        # the statements of every qualifier; AWS keeps one policy per qualifier.)
        statements = json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]
        key = name.removeprefix("concert-api-").replace("chatbot", "chatbot")
        assert sorted(st["Sid"] for st in statements) == [
            f"concert-api-apigw-abc123xyz-{key}",
            f"concert-api-apigw-abc123xyz-{key}-live",
        ]
        assert sorted(st["Resource"].rsplit(":", 1)[-1] for st in statements) == [name, "live"]
        route = {s.base_name: f"{s.method}{s.path}" for s in FUNCTIONS}[name]
        for st in statements:
            assert st["Principal"] == {"Service": "apigateway.amazonaws.com"}
            assert json.dumps(st["Condition"]).count(f"abc123xyz/*/{route}") == 1
    assert (
        lam.get_function_configuration(FunctionName="concert-api-chatbot")["Environment"]["Variables"][
            "BEDROCK_AGENT_ID"
        ]
        == "AGENT123"
    )
    assert (
        "SAGEMAKER_TICKET_ENDPOINT"
        in lam.get_function_configuration(FunctionName="concert-api-ticket-prediction")["Environment"]["Variables"]
    )
    assert (
        "BEDROCK_AGENT_ID"
        not in lam.get_function_configuration(FunctionName="concert-api-venue-popularity")["Environment"]["Variables"]
    )
    # the guide's summary, and no secret value anywhere in the output
    assert "DEPLOYMENT SUMMARY" in out
    for spec in FUNCTIONS:
        assert (
            f"{spec.key}: SUCCESS\n  Function Name: {spec.base_name}\n  Function ARN: "
            f"arn:aws:lambda:us-east-1:123456789012:function:{spec.base_name}\n"
        ) in out
    assert "s3cr3t-pw" not in out and "do-not-ship-me" not in out


def test_rerun_changes_nothing_and_duplicates_no_permission(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    env = env_file(ENV)
    assert _deploy(recorder, small_zip, env, "--api-gateway-id", "abc123xyz") == 0
    recorder.reset()
    assert _deploy(recorder, small_zip, env, "--api-gateway-id", "abc123xyz") == 0
    assert recorder.writes() == []  # not one write: roles, policies, code, config, versions, alias, permissions
    lam = _client(recorder.endpoint or "", "lambda")
    for name in GUIDE_CONFIG:
        assert len(json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]) == 2  # function + alias
        assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST", "1"]
    capsys.readouterr()


def test_every_function_gets_the_templates_alarms_and_a_rerun_leaves_them(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a deployment (issue 14: the deployer's functions had no alarms at all),
    from concert_tools.deploy.alarms import alarm_requests

    env = env_file(ENV)
    assert _deploy(recorder, small_zip, env) == 0
    # then each function has the template's five alarms: Lambda's Errors, Throttles and p99 Duration, and the
    # app's own ServerErrors and p99 Latency, on the metrics the handlers emit.
    cloudwatch = _client(recorder.endpoint or "", "cloudwatch")
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    for spec in FUNCTIONS:
        for wanted in alarm_requests(spec, spec.base_name):
            alarm = alarms[wanted["AlarmName"]]
            assert (alarm["Namespace"], alarm["MetricName"], alarm["Threshold"]) == (
                wanted["Namespace"], wanted["MetricName"], wanted["Threshold"])
    assert {a["MetricName"] for a in alarms.values()} == {"Errors", "Throttles", "Duration", "ServerErrors", "Latency"}
    # and a re-run puts none again.
    recorder.reset()
    assert _deploy(recorder, small_zip, env) == 0
    assert "PutMetricAlarm" not in [op for _s, op in recorder.writes()]
    capsys.readouterr()


def test_changed_setting_updates_configuration_then_publishes_and_moves_alias(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _deploy(recorder, small_zip, env_file(ENV), "--functions", "venue-popularity") == 0
    recorder.reset()
    assert _deploy(recorder, small_zip, env_file(ENV + "LOG_LEVEL=DEBUG\n"), "--functions", "venue-popularity") == 0
    ops = [op for _s, op in recorder.writes()]
    assert ops == ["UpdateFunctionConfiguration", "PublishVersion", "UpdateAlias"]
    lam = _client(recorder.endpoint or "", "lambda")
    name = "concert-api-venue-popularity"
    assert lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]["LOG_LEVEL"] == "DEBUG"
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "2"
    # the other functions were not touched
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="concert-api-chatbot")
    capsys.readouterr()


def test_new_code_is_uploaded_then_published(
    recorder: Recorder,
    small_zip: Path,
    tmp_path: Path,
    env_file: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = env_file(ENV)
    assert _deploy(recorder, small_zip, env, "--functions", "health-check") == 0
    other = tmp_path / "other.zip"
    other.write_bytes(small_zip.read_bytes() + b"")  # same bytes: no update
    recorder.reset()
    assert _deploy(recorder, other, env, "--functions", "health-check") == 0
    assert recorder.writes() == []
    import zipfile

    with zipfile.ZipFile(other, "a") as zf:
        zf.writestr("extra.txt", "changed")
    recorder.reset()
    assert _deploy(recorder, other, env, "--functions", "health-check") == 0
    assert [op for _s, op in recorder.writes()] == ["UpdateFunctionCode", "PublishVersion", "UpdateAlias"]
    capsys.readouterr()


def test_dry_run_makes_no_write_call(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rc = _deploy(
        recorder,
        small_zip,
        env_file(ENV),
        "--dry-run",
        "--api-gateway-id",
        "abc123xyz",
        "--provisioned-concurrency",
        "2",
        "--kms-key-arn",
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert recorder.calls, "the plan reads AWS (identity, existing functions)"
    assert recorder.writes() == []
    assert "create concert-api-chatbot" in out and "Dry run: nothing was changed." in out
    assert '"bedrock:InvokeAgent"' in out and "kms:Decrypt" in out
    assert "s3cr3t-pw" not in out and "AGENT123\n" not in out.replace('"', "")


def test_existing_role_s3_upload_stage_and_subset(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = recorder.endpoint or ""
    iam = _client(endpoint, "iam")
    role = iam.create_role(
        RoleName="LambdaRole",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    _client(endpoint, "s3").create_bucket(Bucket="my-lambda-deployments")
    rc = _deploy(
        recorder,
        small_zip,
        env_file(ENV),
        "--role-arn",
        role,
        "--s3-bucket",
        "my-lambda-deployments",
        "--stage",
        "dev",
        "--functions",
        "chatbot",
    )
    assert rc == 0, capsys.readouterr().out
    lam = _client(endpoint, "lambda")
    cfg = lam.get_function_configuration(FunctionName="concert-api-chatbot-dev")
    assert cfg["Role"] == role
    assert [op for _s, op in recorder.writes() if _s == "iam"] == []  # the given role is not modified
    keys = [o["Key"] for o in _client(endpoint, "s3").list_objects_v2(Bucket="my-lambda-deployments")["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("concert-api/") and keys[0].endswith(".zip")
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["concert-api-chatbot-dev"]
    capsys.readouterr()


def test_failure_is_reported_in_the_summary_and_exits_non_zero(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rc = _deploy(
        recorder,
        small_zip,
        env_file(ENV),
        "--role-arn",
        "arn:aws:iam::123456789012:role/missing",
        "--functions",
        "health-check",
        "--s3-bucket",
        "no-such-bucket",
    )
    out = capsys.readouterr().out
    assert rc == 1
    assert "health-check: FAILED\n  Function Name: concert-api-health-check\n  Error: " in out


AGENT_NAME = "concert-api-agent-actions"


def _statements(lam: Any, name: str, qualifier: str | None = None) -> list[dict[str, Any]]:
    q = {"Qualifier": qualifier} if qualifier else {}
    try:
        return list(json.loads(lam.get_policy(FunctionName=name, **q)["Policy"])["Statement"])
    except lam.exceptions.ResourceNotFoundException:
        return []


def test_default_run_deploys_exactly_the_routes_functions(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _deploy(recorder, small_zip, env_file(ENV)) == 0
    out = capsys.readouterr().out
    lam = _client(recorder.endpoint or "", "lambda")
    assert sorted(f["FunctionName"] for f in lam.list_functions()["Functions"]) == sorted(ROUTE_CONFIG)
    assert "agent-action-group" not in out and AGENT_NAME not in out
    assert out.count(": SUCCESS\n") == len(ROUTE_CONFIG)


def test_agent_action_group_gets_a_bedrock_permission_and_no_api_gateway_one(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    env = env_file(ENV)
    rc = _deploy(recorder, small_zip, env, "--functions", "agent-action-group", "--api-gateway-id", "abc123xyz")
    out = capsys.readouterr().out
    assert rc == 0, out
    assert (
        "agent-action-group: SUCCESS\n  Function Name: concert-api-agent-actions\n  Function ARN: "
        "arn:aws:lambda:us-east-1:123456789012:function:concert-api-agent-actions\n"
    ) in out
    endpoint = recorder.endpoint or ""
    lam, iam = _client(endpoint, "lambda"), _client(endpoint, "iam")
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == [AGENT_NAME]
    cfg = lam.get_function_configuration(FunctionName=AGENT_NAME)
    assert (cfg["Handler"], cfg["MemorySize"], cfg["Timeout"], cfg["Runtime"]) == (
        "api_lambda_handlers.agent_action_group_handler",
        512,
        30,
        "python3.12",
    )
    assert cfg["Description"] == "concert-api Bedrock Agent action group (agent-action-group)"
    assert set(cfg["Environment"]["Variables"]) == {
        "LOG_LEVEL",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_TRACE_DISABLED",
        "REDSHIFT_CLUSTER_ID",
        "REDSHIFT_DATABASE",
        "SAGEMAKER_TICKET_ENDPOINT",
    }
    assert lam.get_alias(FunctionName=AGENT_NAME, Name="live")["FunctionVersion"] == "1"
    # its own role: logs, the warehouse and the ticket model's endpoint; nothing of Bedrock
    role = cfg["Role"].split("/")[-1]
    assert role == "ConcertAPILambdaRole-agent-action-group"
    doc = iam.get_role_policy(RoleName=role, PolicyName=f"{AGENT_NAME}-policy")["PolicyDocument"]
    assert [st["Sid"] for st in doc["Statement"]] == [
        "WriteOwnLogs",
        "RedshiftDataExecuteOnCluster",
        "RedshiftDataOwnStatements",
        "RedshiftIamCredentials",
        "InvokeTicketEndpoint",
        "WriteTraces",  # X-Ray active tracing, on by default
    ]
    # Bedrock, for the configured agent only, may invoke the live alias; API Gateway may not invoke anything.
    # (moto answers GetPolicy with the statements of every qualifier; AWS keeps one policy per qualifier.)
    statements = _statements(lam, AGENT_NAME, "live")
    assert len(statements) == 1, statements
    (st,) = statements
    assert st["Sid"] == "concert-api-bedrock-agent-action-group-live"
    assert st["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert st["Action"] == "lambda:InvokeFunction"
    assert st["Resource"].endswith(f":function:{AGENT_NAME}:live")
    assert "arn:aws:bedrock:us-east-1:123456789012:agent/AGENT123" in json.dumps(st["Condition"])
    assert "123456789012" in json.dumps(st["Condition"].get("StringEquals", {}))  # AWS:SourceAccount
    assert not any("apigateway" in json.dumps(s) for s in _statements(lam, AGENT_NAME))

    # A re-run writes nothing and adds no second statement.
    recorder.reset()
    assert _deploy(recorder, small_zip, env, "--functions", "agent-action-group", "--api-gateway-id", "abc123xyz") == 0
    assert recorder.writes() == []
    assert len(_statements(lam, AGENT_NAME, "live")) == 1
    capsys.readouterr()


def test_agent_action_group_without_agent_id_allows_the_accounts_agents_then_narrows(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    no_agent = "\n".join(line for line in ENV.splitlines() if not line.startswith("BEDROCK_")) + "\n"
    assert _deploy(recorder, small_zip, env_file(no_agent), "--functions", "agent-action-group") == 0
    lam = _client(recorder.endpoint or "", "lambda")
    (st,) = _statements(lam, AGENT_NAME, "live")
    assert "arn:aws:bedrock:us-east-1:123456789012:agent/*" in json.dumps(st["Condition"])
    # Once the agent is known, the same statement id is replaced, not duplicated.
    recorder.reset()
    assert _deploy(recorder, small_zip, env_file(ENV), "--functions", "agent-action-group") == 0
    assert [op for _s, op in recorder.writes()] == ["RemovePermission", "AddPermission"]
    (st,) = _statements(lam, AGENT_NAME, "live")
    assert st["Sid"] == "concert-api-bedrock-agent-action-group-live"
    assert "agent/AGENT123" in json.dumps(st["Condition"]) and "agent/*" not in json.dumps(st["Condition"])
    capsys.readouterr()


def test_with_agent_actions_adds_the_agent_function_to_the_routes(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    env = env_file(ENV)
    assert _deploy(recorder, small_zip, env, "--api-gateway-id", "abc123xyz") == 0
    capsys.readouterr()
    recorder.reset()
    rc = _deploy(recorder, small_zip, env, "--api-gateway-id", "abc123xyz", "--with-agent-actions")
    out = capsys.readouterr().out
    assert rc == 0, out
    lam = _client(recorder.endpoint or "", "lambda")
    assert sorted(f["FunctionName"] for f in lam.list_functions()["Functions"]) == sorted([*ROUTE_CONFIG, AGENT_NAME])
    assert out.count(": SUCCESS\n") == len(ROUTE_CONFIG) + 1 and "agent-action-group: SUCCESS" in out
    # the five were already deployed and stay as they were: only the new function and its role were written
    assert sorted({op for _s, op in recorder.writes()}) == sorted(
        {"CreateRole", "PutRolePolicy", "CreateFunction", "PublishVersion", "CreateAlias", "AddPermission",
         "PutMetricAlarm"}
    )
    assert [op for _s, op in recorder.writes()].count("CreateFunction") == 1
    for name in GUIDE_CONFIG:
        assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST", "1"]
        assert len(_statements(lam, name)) == 2  # the routes' API Gateway permissions, untouched


def test_dry_run_plans_the_bedrock_permission(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rc = _deploy(recorder, small_zip, env_file(ENV), "--dry-run", "--with-agent-actions", "--api-gateway-id", "x1")
    out = capsys.readouterr().out
    assert rc == 0 and recorder.writes() == []
    assert f"create {AGENT_NAME}: handler api_lambda_handlers.agent_action_group_handler" in out
    assert (
        "permission concert-api-bedrock-agent-action-group-live for bedrock.amazonaws.com on live: "
        "arn:aws:bedrock:us-east-1:123456789012:agent/AGENT123"
    ) in out
    assert "concert-api-apigw-x1-agent-action-group" not in out
    assert "concert-api-apigw-x1-chatbot-live" in out


def test_the_sessions_table_it_is_given_is_created_once_in_the_templates_shape(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an env file naming a chat sessions table that does not exist yet
    # (moto stands in for DynamoDB: it does not expire items, so the time to live is checked as configured only)
    env = env_file(ENV + "CONCERT_SESSIONS_TABLE=concert-api-chat-sessions\n")
    # when the functions are deployed
    assert _deploy(recorder, small_zip, env) == 0
    # then the table exists as the template makes it: on demand, keyed on session_id, encrypted, expiring items
    dynamodb = _client(recorder.endpoint or "", "dynamodb")
    table = dynamodb.describe_table(TableName="concert-api-chat-sessions")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "session_id", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["Status"] == "ENABLED"
    ttl = dynamodb.describe_time_to_live(TableName="concert-api-chat-sessions")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    # and the chatbot is pointed at it; a re-run reads it and writes nothing to DynamoDB
    lam = _client(recorder.endpoint or "", "lambda")
    variables = lam.get_function_configuration(FunctionName="concert-api-chatbot")["Environment"]["Variables"]
    assert variables["CONCERT_SESSIONS_TABLE"] == "concert-api-chat-sessions"
    recorder.reset()
    assert _deploy(recorder, small_zip, env) == 0
    assert [op for service, op in recorder.writes() if service == "dynamodb"] == []
    capsys.readouterr()


def test_a_sessions_table_keyed_otherwise_fails_the_chatbot_only(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an existing table of the same name keyed on something else
    dynamodb = _client(recorder.endpoint or "", "dynamodb")
    dynamodb.create_table(TableName="other", BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])  # fmt: skip
    # when the deployment is told to use it
    rc = _deploy(recorder, small_zip, env_file(ENV + "CONCERT_SESSIONS_TABLE=other\n"))
    out = capsys.readouterr().out
    # then the chatbot fails with the reason and the other functions are deployed
    assert rc != 0 and "not keyed on session_id" in out
    lam = _client(recorder.endpoint or "", "lambda")
    assert lam.get_function(FunctionName="concert-api-health-check")


def test_the_dry_run_names_the_sessions_table_and_creates_nothing(
    recorder: Recorder, small_zip: Path, env_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    env = env_file(ENV + "CONCERT_SESSIONS_TABLE=concert-api-chat-sessions\n")
    assert _deploy(recorder, small_zip, env, "--dry-run") == 0
    assert "chat sessions table: concert-api-chat-sessions (created when missing" in capsys.readouterr().out
    assert recorder.writes() == []
