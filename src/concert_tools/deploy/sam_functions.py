"""Per-function resources of the SAM template: the least-privilege role, the function, its log group with a
retention, the permission that lets API Gateway (or Bedrock) invoke its `live` alias, and its alarms."""

from __future__ import annotations

from typing import Any

from concert_tools.deploy.policy import POLICY_VERSION, cfn_statements, trust_policy
from concert_tools.deploy.sam_console import CONSOLE_CONDITION, CONSOLE_ORIGIN
from concert_tools.deploy.sam_monitoring import NO_VALUE, function_alarms, log_group, name_sub
from concert_tools.deploy.sam_parameters import ENV_PARAMETERS, OPTIONAL_CONDITION
from concert_tools.deploy.spec import ALIAS_NAME, BEDROCK, FUNCTIONS, SERVICE_NAME, FunctionSpec


def alias_logical_id(spec: FunctionSpec) -> str:
    """The logical id SAM gives the function's `live` alias."""
    return f"{spec.logical_id}Alias{ALIAS_NAME}"


def role_logical_id(spec: FunctionSpec) -> str:
    """The logical id of the function's execution role."""
    return spec.logical_id.removesuffix("Function") + "Role"


def is_optional(spec: FunctionSpec) -> bool:
    """Whether the function is deployed only on request (the agent action group)."""
    return spec not in FUNCTIONS


def bedrock_permission(spec: FunctionSpec) -> dict[str, Any]:
    """Bedrock may invoke the function's `live` alias, for the agent BedrockAgentId (any agent when empty)."""
    agent_arn = "arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:agent/"
    return {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": alias_logical_id(spec)},
            "Principal": BEDROCK,
            "SourceAccount": {"Ref": "AWS::AccountId"},
            "SourceArn": {
                "Fn::If": ["HasAgentId", {"Fn::Sub": agent_arn + "${BedrockAgentId}"}, {"Fn::Sub": agent_arn + "*"}]
            },
        },
    }


def environment(spec: FunctionSpec) -> dict[str, Any]:
    """The function's environment: its parameters, Powertools' service name, and the tracer's switch."""
    env: dict[str, Any] = {name: {"Ref": ENV_PARAMETERS[name]} for name in spec.env_names() if name in ENV_PARAMETERS}
    if "CONCERT_SESSIONS_TABLE" in spec.env_names():
        env["CONCERT_SESSIONS_TABLE"] = {"Fn::If": ["HasSessionsTable", {"Ref": "SessionsTable"}, NO_VALUE]}
    if spec.is_route:  # the console's static site, when there is one, may call the API from its own origin
        env["CONCERT_CORS_ALLOW_ORIGIN"] = {"Fn::If": [CONSOLE_CONDITION, CONSOLE_ORIGIN, NO_VALUE]}
    env["POWERTOOLS_SERVICE_NAME"] = SERVICE_NAME
    env["POWERTOOLS_TRACE_DISABLED"] = {"Fn::If": ["UseTracing", "false", "true"]}
    env["LOG_LEVEL"] = {"Ref": "LogLevel"}
    return dict(sorted(env.items()))


def sessions_table() -> dict[str, Any]:
    """The chat sessions table: on-demand, encrypted, items expiring by TTL on `expires_at` (see
    `adapters/sessions/dynamodb.py`). Sessions are short-lived working state: deleting the stack deletes them."""
    return {
        "Type": "AWS::DynamoDB::Table",
        "Condition": "HasSessionsTable",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "TableName": {"Fn::Sub": "concert-api${NameSuffix}-chat-sessions"},
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "session_id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "session_id", "KeyType": "HASH"}],
            "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "Tags": [{"Key": "project", "Value": SERVICE_NAME}],
        },
    }


def function_resources(spec: FunctionSpec) -> dict[str, Any]:
    """The role, the log group, the function, its invoke permissions (API Gateway, or Bedrock) and its alarms."""
    base = spec.logical_id.removesuffix("Function")
    resources: dict[str, Any] = {
        role_logical_id(spec): {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": {"Fn::Sub": f"Execution role of {name_sub(spec)} (least privilege)"},
                "AssumeRolePolicyDocument": trust_policy(),
                "Policies": [
                    {
                        "PolicyName": {"Fn::Sub": name_sub(spec) + "-policy"},
                        "PolicyDocument": {
                            "Version": POLICY_VERSION,
                            "Statement": cfn_statements(spec, name_sub(spec)),
                        },
                    }
                ],
                "Tags": [{"Key": "project", "Value": SERVICE_NAME}],
            },
        },
        f"{base}LogGroup": log_group({"Fn::Sub": f"/aws/lambda/{name_sub(spec)}"}),
        spec.logical_id: {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "FunctionName": {"Fn::Sub": name_sub(spec)},
                "Description": spec.description,
                "Handler": spec.handler,
                "MemorySize": spec.memory_mb,
                "Timeout": spec.timeout_s,
                "Role": {"Fn::GetAtt": [role_logical_id(spec), "Arn"]},
                "LoggingConfig": {"LogGroup": {"Ref": f"{base}LogGroup"}},
                "Environment": {"Variables": environment(spec)},
                "ProvisionedConcurrencyConfig": {
                    "Fn::If": [
                        "HasProvisionedConcurrency",
                        {"ProvisionedConcurrentExecutions": {"Ref": "ProvisionedConcurrency"}},
                        NO_VALUE,
                    ]
                },
            },
        },
    }
    route = f"{spec.method}{spec.path}"
    if spec.invoker == BEDROCK:
        resources[f"{base}BedrockPermission"] = bedrock_permission(spec)
    for api, cond in (("HttpApi", "UseHttpApi"), ("RestApi", "UseRestApi")) if spec.is_route else ():
        resources[f"{base}{api}Permission"] = {
            "Type": "AWS::Lambda::Permission",
            "Condition": cond,
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": alias_logical_id(spec)},
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {
                    "Fn::Sub": f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:"
                    f"${{{api}}}/*/{route}"
                },
            },
        }
    resources.update(function_alarms(spec, base))
    if is_optional(spec):
        return {
            name: {
                "Type": res["Type"],
                "Condition": OPTIONAL_CONDITION,
                **{k: v for k, v in res.items() if k != "Type"},
            }
            for name, res in resources.items()
        }
    return resources
