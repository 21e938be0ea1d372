"""The IAM policies: exactly the guide's permissions per function, scoped as tightly as AWS allows."""

from __future__ import annotations

from typing import Any

import pytest

from concert_tools.deploy.policy import PolicyContext, function_policy
from concert_tools.deploy.spec import (
    AGENT_ACTION_GROUP,
    ALL_FUNCTIONS,
    FUNCTIONS,
    FUNCTIONS_BY_KEY,
    function_environment,
    select_functions,
)

ACCOUNT = "123456789012"
FULL_ENV = {
    "REDSHIFT_CLUSTER_ID": "concert-warehouse-dev",
    "REDSHIFT_DATABASE": "concert_data",
    "BEDROCK_AGENT_ID": "AGENT123",
    "BEDROCK_AGENT_ALIAS_ID": "ALIAS456",
    "SAGEMAKER_TICKET_ENDPOINT": "Ticket-Sales-Endpoint",
    "SAGEMAKER_VENUE_ENDPOINT": "venue-popularity-endpoint",
}
LOGS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
DATA = {"redshift-data:ExecuteStatement", "redshift-data:DescribeStatement", "redshift-data:GetStatementResult"}
# Beyond the guide: CancelStatement (a timed-out query is cancelled) and the credentials the Data API needs.
DATA_EXTRA = {"redshift-data:CancelStatement", "redshift:GetClusterCredentialsWithIAM"}
# The guide's permissions per function (chatbot also gets the Data API: the guide gives it the Redshift variables).
# Beyond the guide: the health check's ?deep=true probes run
# SELECT 1 on the warehouse and read the SageMaker endpoints' and the Bedrock agent alias's status.
PROBES = {"sagemaker:DescribeEndpoint", "bedrock:GetAgentAlias"}
GUIDE = {
    "chatbot": {"bedrock:InvokeAgent"} | LOGS | DATA | DATA_EXTRA,
    "venue-popularity": DATA | LOGS | DATA_EXTRA,  # forecasts are batch-scored into the warehouse (issue 18)
    "ticket-prediction": {"sagemaker:InvokeEndpoint"} | DATA | LOGS | DATA_EXTRA,
    "price-curve": {"sagemaker:InvokeEndpoint"} | DATA | LOGS | DATA_EXTRA,  # not in the guide: issue 10
    "recommendations": DATA | LOGS | DATA_EXTRA,
    "health-check": LOGS | DATA | DATA_EXTRA | PROBES,
    # Not in the guide: the optional Bedrock Agent action group runs the chat tools (warehouse queries, and the
    # ticket-sales tool may call the ticket model's endpoint). Bedrock invokes it; it invokes no agent itself.
    "agent-action-group": {"sagemaker:InvokeEndpoint"} | DATA | LOGS | DATA_EXTRA,
}
# Actions for which AWS supports no resource type: the only ones allowed on "*".
STAR_ONLY = {"redshift-data:CancelStatement", "redshift-data:DescribeStatement", "redshift-data:GetStatementResult"}
TRACES = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}  # X-Ray: no resource type either


def _ctx(env: dict[str, str], **kw: Any) -> PolicyContext:
    return PolicyContext.from_env(env, region="us-east-1", account=ACCOUNT, **kw)


def _actions(doc: dict[str, Any]) -> set[str]:
    return {a for st in doc["Statement"] for a in st["Action"]}


def _resources(st: dict[str, Any]) -> list[str]:
    r = st["Resource"]
    return r if isinstance(r, list) else [r]


@pytest.mark.parametrize("spec", ALL_FUNCTIONS, ids=lambda s: s.key)
def test_each_function_gets_exactly_the_guides_permissions(spec: Any) -> None:
    doc = function_policy(spec, spec.base_name, _ctx(FULL_ENV))
    assert _actions(doc) == GUIDE[spec.key]


@pytest.mark.parametrize("spec", ALL_FUNCTIONS, ids=lambda s: s.key)
def test_no_wildcard_action_and_star_resource_only_where_aws_requires_it(spec: Any) -> None:
    for env in (FULL_ENV, {**FULL_ENV, "REDSHIFT_DB_USER": "api"}, {**FULL_ENV, "REDSHIFT_SECRET_ARN": "arn:x"}):
        for st in function_policy(spec, spec.base_name, _ctx(env))["Statement"]:
            assert all("*" not in a for a in st["Action"]), st
            if "*" in _resources(st) and set(st["Action"]) <= TRACES:
                continue
            if "*" in _resources(st):
                assert set(st["Action"]) <= STAR_ONLY, st
                # ...and narrowed to the statements this role started.
                assert st["Condition"] == {
                    "StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}
                }


def test_resources_are_scoped_to_the_configured_arns() -> None:
    chat = function_policy(FUNCTIONS_BY_KEY["chatbot"], "concert-api-chatbot", _ctx(FULL_ENV))
    by_sid = {st["Sid"]: st for st in chat["Statement"]}
    assert by_sid["WriteOwnLogs"]["Resource"] == [
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/concert-api-chatbot",
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/concert-api-chatbot:*",
    ]
    agent = "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT123/ALIAS456"
    assert by_sid["InvokeBedrockAgent"]["Resource"] == agent
    assert by_sid["RedshiftDataExecuteOnCluster"]["Resource"] == (
        "arn:aws:redshift:us-east-1:123456789012:cluster:concert-warehouse-dev"
    )
    tix = function_policy(FUNCTIONS_BY_KEY["ticket-prediction"], "t", _ctx(FULL_ENV))
    endpoint = next(st for st in tix["Statement"] if st["Sid"] == "InvokeTicketEndpoint")
    assert endpoint["Resource"] == "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ticket-sales-endpoint"


def test_database_user_secret_and_workgroup_variants() -> None:
    spec = FUNCTIONS_BY_KEY["venue-popularity"]
    user = function_policy(spec, "v", _ctx({**FULL_ENV, "REDSHIFT_DB_USER": "api_user"}))
    st = next(s for s in user["Statement"] if s["Sid"] == "RedshiftDbUserCredentials")
    assert st["Action"] == ["redshift:GetClusterCredentials"]
    assert st["Resource"] == [
        "arn:aws:redshift:us-east-1:123456789012:dbuser:concert-warehouse-dev/api_user",
        "arn:aws:redshift:us-east-1:123456789012:dbname:concert-warehouse-dev/concert_data",
    ]
    secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift-AbCdEf"
    sec = function_policy(spec, "v", _ctx({**FULL_ENV, "REDSHIFT_SECRET_ARN": secret_arn}))
    assert {"secretsmanager:GetSecretValue"} < _actions(sec)
    assert not _actions(sec) & {"redshift:GetClusterCredentials", "redshift:GetClusterCredentialsWithIAM"}
    wg_env = {"REDSHIFT_WORKGROUP_NAME": "concert", "REDSHIFT_DATABASE": "dev"}
    wg_id = "0123abcd-0000-1111-2222-333344445555"
    wg = function_policy(spec, "v", _ctx(wg_env, workgroup_id=wg_id))
    execute = next(s for s in wg["Statement"] if s["Sid"] == "RedshiftDataExecuteOnWorkgroup")
    assert execute["Resource"] == f"arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/{wg_id}"
    assert "redshift-serverless:GetCredentials" in _actions(wg)


def test_unconfigured_services_get_no_permissions() -> None:
    for spec in ALL_FUNCTIONS:
        assert _actions(function_policy(spec, spec.base_name, _ctx({}))) == LOGS


def test_environment_holds_only_known_names_for_each_function() -> None:
    env = {**FULL_ENV, "AWS_SECRET_ACCESS_KEY": "nope", "CONCERT_POSTGRES_DSN": "postgresql://u:pw@h/db"}
    venue = function_environment(FUNCTIONS_BY_KEY["venue-popularity"], env)
    assert venue == {
        "LOG_LEVEL": "INFO",
        "POWERTOOLS_SERVICE_NAME": "concert-api",
        "REDSHIFT_CLUSTER_ID": "concert-warehouse-dev",
        "REDSHIFT_DATABASE": "concert_data",
    }  # no SAGEMAKER_VENUE_ENDPOINT: the ranking reads batch-scored forecasts (issue 18)
    health = function_environment(FUNCTIONS_BY_KEY["health-check"], env)
    assert "SAGEMAKER_VENUE_ENDPOINT" in health and "AWS_SECRET_ACCESS_KEY" not in health


def test_select_functions() -> None:
    assert [f.key for f in select_functions(["health-check,chatbot"])] == ["chatbot", "health-check"]
    assert [f.key for f in select_functions(["concert-api-recommendations"])] == ["recommendations"]
    with pytest.raises(ValueError, match="unknown function"):
        select_functions(["nope"])


def test_the_agent_action_group_is_optional() -> None:
    five = [f.key for f in FUNCTIONS]
    assert [f.key for f in select_functions(None)] == five  # the default run: the guide's five
    assert [f.key for f in select_functions([])] == five
    assert [f.key for f in select_functions(None, with_agent_actions=True)] == [*five, "agent-action-group"]
    assert [f.key for f in select_functions(["agent-action-group"])] == ["agent-action-group"]
    assert [f.key for f in select_functions(["concert-api-agent-actions"])] == ["agent-action-group"]
    assert [f.key for f in select_functions(["chatbot"], with_agent_actions=True)] == ["chatbot", "agent-action-group"]
    with pytest.raises(ValueError, match=r"choose from: chatbot, .*, agent-action-group"):
        select_functions(["nope"])


def test_the_agent_action_group_spec() -> None:
    from concert_api.routes import EXTRA_HANDLERS, ROUTES

    spec = AGENT_ACTION_GROUP
    assert (spec.key, spec.base_name, spec.handler, spec.memory_mb, spec.timeout_s) == (
        "agent-action-group",
        "concert-api-agent-actions",
        "api_lambda_handlers.agent_action_group_handler",
        512,
        30,
    )
    assert spec.invoker == "bedrock.amazonaws.com" and not spec.is_route and spec not in FUNCTIONS
    # the shim resolves it, but it is not an HTTP route
    handler = spec.handler.removeprefix("api_lambda_handlers.")
    assert handler in EXTRA_HANDLERS and handler not in {r.handler for r in ROUTES}
    import api_lambda_handlers

    assert callable(getattr(api_lambda_handlers, handler))
    env = {**FULL_ENV, "AWS_SECRET_ACCESS_KEY": "nope", "BEDROCK_MODEL_ID": "m"}
    assert function_environment(spec, env) == {
        "LOG_LEVEL": "INFO",
        "POWERTOOLS_SERVICE_NAME": "concert-api",
        "REDSHIFT_CLUSTER_ID": "concert-warehouse-dev",
        "REDSHIFT_DATABASE": "concert_data",
        "SAGEMAKER_TICKET_ENDPOINT": "Ticket-Sales-Endpoint",
    }
    doc = function_policy(spec, spec.base_name, _ctx(FULL_ENV))
    invoke = next(s for s in doc["Statement"] if s["Sid"] == "InvokeTicketEndpoint")
    assert invoke["Resource"] == "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ticket-sales-endpoint"
    assert not any(a.startswith("bedrock:") for a in _actions(doc))


# ---- a small IAM evaluator: Allow statements, `*` wildcards in resources, StringEquals/ArnEquals conditions ----


def _allows(doc: dict[str, Any], action: str, resource: str, context: dict[str, Any] | None = None) -> bool:
    from fnmatch import fnmatchcase

    context = context or {}
    for st in doc["Statement"]:
        if action not in st["Action"] or not any(fnmatchcase(resource, r) for r in _resources(st)):
            continue
        ok = True
        for op, pairs in st.get("Condition", {}).items():
            assert op in ("StringEquals", "ArnEquals"), op
            for key, wanted in pairs.items():
                values = wanted if isinstance(wanted, list) else [wanted]
                ok = ok and context.get(key) in values
        if ok:
            return True
    return False


PROFILE_ID = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
PROFILE_ARN = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{PROFILE_ID}"


def test_converse_through_a_cross_region_inference_profile_is_allowed() -> None:
    """Issue 14, finding 4: Bedrock checks the profile and the foundation model in the region it routes to."""
    # given the chatbot configured with a cross-region inference profile id
    doc = function_policy(FUNCTIONS_BY_KEY["chatbot"], "c", _ctx({"BEDROCK_MODEL_ID": PROFILE_ID}))
    # then calling the profile is allowed...
    assert _allows(doc, "bedrock:InvokeModel", PROFILE_ARN)
    # ...and so is the model in every region the profile routes to, when reached through that profile
    for region in ("us-east-1", "us-east-2", "us-west-2"):
        model = f"arn:aws:bedrock:{region}::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"
        assert _allows(doc, "bedrock:InvokeModel", model, {"bedrock:InferenceProfileArn": PROFILE_ARN}), region
        # but not directly, nor through another profile
        assert not _allows(doc, "bedrock:InvokeModel", model)
        other = PROFILE_ARN.replace("haiku", "opus")
        assert not _allows(doc, "bedrock:InvokeModel", model, {"bedrock:InferenceProfileArn": other})


def test_a_plain_foundation_model_id_is_allowed_in_the_region() -> None:
    doc = function_policy(FUNCTIONS_BY_KEY["chatbot"], "c", _ctx({"BEDROCK_MODEL_ID": "amazon.nova-lite-v1:0"}))
    assert _allows(doc, "bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0")
    assert not _allows(doc, "bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0")


@pytest.mark.parametrize("tracing", [True, False])
def test_traces_may_be_written_only_with_active_tracing(tracing: bool) -> None:
    for spec in ALL_FUNCTIONS:
        doc = function_policy(spec, spec.base_name, _ctx({}, tracing=tracing))
        assert (_actions(doc) >= TRACES) is tracing


def test_vpc_network_interfaces_are_scoped_to_the_configured_subnets() -> None:
    """Issue 14, finding 3: the old VPC statement let a function delete any network interface in the account."""
    from concert_tools.deploy.policy import vpc_statements

    doc = {"Statement": vpc_statements(region="us-east-1", account=ACCOUNT, subnet_ids=["subnet-1", "subnet-2"],
                                       security_group_ids=["sg-1"])}  # fmt: skip
    eni = f"arn:aws:ec2:us-east-1:{ACCOUNT}:network-interface/eni-0abc"
    ours = {"ec2:Subnet": f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/subnet-1"}
    theirs = {"ec2:Subnet": f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/subnet-9"}
    assert _allows(doc, "ec2:DeleteNetworkInterface", eni, ours)
    assert not _allows(doc, "ec2:DeleteNetworkInterface", eni, theirs)
    assert _allows(doc, "ec2:CreateNetworkInterface", f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/subnet-2")
    assert not _allows(doc, "ec2:CreateNetworkInterface", f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/subnet-9")
    assert not _allows(doc, "ec2:CreateNetworkInterface", f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-9")
    star = [st for st in doc["Statement"] if "*" in _resources(st)]
    assert [st["Action"] for st in star] == [["ec2:DescribeNetworkInterfaces"]]
