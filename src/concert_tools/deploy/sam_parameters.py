"""The SAM template's parameters, conditions and rules: what a stack can be configured with, and the secure
defaults (authorization required, logs that expire, active tracing, a workgroup named by its id)."""

from __future__ import annotations

from typing import Any

from concert_tools.deploy.policy import CFN_CONDITIONS

# Template parameter of each environment variable.
ENV_PARAMETERS: dict[str, str] = {
    "REDSHIFT_CLUSTER_ID": "RedshiftClusterId",
    "REDSHIFT_WORKGROUP_NAME": "RedshiftWorkgroupName",
    "REDSHIFT_DATABASE": "RedshiftDatabase",
    "REDSHIFT_DB_USER": "RedshiftDbUser",
    "REDSHIFT_SECRET_ARN": "RedshiftSecretArn",
    "BEDROCK_AGENT_ID": "BedrockAgentId",
    "BEDROCK_AGENT_ALIAS_ID": "BedrockAgentAliasId",
    "BEDROCK_MODEL_ID": "BedrockModelId",
    "SAGEMAKER_TICKET_ENDPOINT": "SageMakerTicketEndpoint",
    "SAGEMAKER_VENUE_ENDPOINT": "SageMakerVenueEndpoint",
    "LOG_LEVEL": "LogLevel",
}

AUTH_TYPES = ["API_KEY", "IAM", "COGNITO", "LAMBDA", "NONE"]
DEFAULT_AUTH_TYPE = "API_KEY"
"""Data endpoints need an API key (REST API with a usage plan) unless another mode, or NONE, is asked for."""
LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653]  # fmt: skip
DEFAULT_LOG_RETENTION_DAYS = 30


def _param(description: str, default: str = "", **extra: Any) -> dict[str, Any]:
    return {"Type": "String", "Default": default, "Description": description, **extra}


def parameters() -> dict[str, Any]:
    """The template's parameters."""
    from concert_tools.deploy.sam_console import console_parameter

    return {
        "ConsoleSite": console_parameter(),
        "NameSuffix": _param(
            "Suffix of every function name: empty for the default stage, -dev for a dev stage",
            AllowedPattern="^(-[a-z0-9-]{1,20})?$",
        ),
        "Architecture": _param(
            "Lambda architecture; must match the package's wheels", "x86_64", AllowedValues=["x86_64", "arm64"]
        ),
        "LogLevel": _param("LOG_LEVEL of the functions", "INFO", AllowedValues=["DEBUG", "INFO", "WARNING", "ERROR"]),
        "LogRetentionDays": {
            "Type": "Number",
            "Default": DEFAULT_LOG_RETENTION_DAYS,
            "AllowedValues": LOG_RETENTION_DAYS,
            "Description": "Days the functions' log groups keep their events",
        },
        "Tracing": _param(
            "X-Ray tracing of the functions: Active (Powertools Tracer on) or PassThrough (tracer not loaded)",
            "Active",
            AllowedValues=["Active", "PassThrough"],
        ),
        "RedshiftClusterId": _param("Provisioned Redshift cluster identifier (or leave empty for a workgroup)"),
        "RedshiftWorkgroupName": _param("Redshift Serverless workgroup name (used when no cluster is given)"),
        "RedshiftWorkgroupId": _param(
            "Redshift Serverless workgroup id (a UUID: aws redshift-serverless get-workgroup); required with "
            "RedshiftWorkgroupName, ExecuteStatement is scoped to it",
            AllowedPattern="^([0-9a-f-]{36})?$",
        ),
        "RedshiftDatabase": _param("Redshift database name"),
        "RedshiftDbUser": _param(
            "Database user for temporary credentials (GetClusterCredentials); empty uses the function's IAM identity"
        ),
        "RedshiftSecretArn": _param("Secrets Manager secret ARN with the database credentials (optional)"),
        "BedrockAgentId": _param(
            "Bedrock agent id for the chatbot, and the only agent allowed to invoke the action group (optional)"
        ),
        "BedrockAgentAliasId": _param("Bedrock agent alias id (optional)"),
        "BedrockModelId": _param(
            "Bedrock model id or (cross-region) inference profile id, e.g. us.anthropic..., for the Converse "
            "backend (optional)"
        ),
        "SageMakerTicketEndpoint": _param(
            "SageMaker endpoint of the ticket-sales model, lower case (optional)",
            AllowedPattern="^([a-z0-9](-*[a-z0-9]){0,62})?$",
        ),
        "SageMakerVenueEndpoint": _param(
            "SageMaker endpoint of the venue attendance model, lower case (optional)",
            AllowedPattern="^([a-z0-9](-*[a-z0-9]){0,62})?$",
        ),
        "ProvisionedConcurrency": {
            "Type": "Number",
            "Default": 0,
            "MinValue": 0,
            "Description": "Provisioned concurrency on each live alias (0: none)",
        },
        "AuthType": _param(
            "API authorization of the data endpoints (GET /health stays open): API_KEY (key + usage plan, on a "
            "REST API), IAM (SigV4), COGNITO (user pool JWT), LAMBDA (your authorizer) on an HTTP API; NONE leaves "
            "them open to anyone",
            DEFAULT_AUTH_TYPE,
            AllowedValues=AUTH_TYPES,
        ),
        # The default "none" (rather than "") keeps the value a valid function name for cfn-lint; the rule
        # LambdaAuthorizerNeedsArn requires a real ARN when AuthType is LAMBDA.
        "LambdaAuthorizerFunctionArn": _param(
            "ARN of the authorizer function when AuthType is LAMBDA (none otherwise)",
            "none",
            AllowedPattern="^(none|arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?)$",
        ),
        "ApiThrottleRateLimit": {"Type": "Number", "Default": 50, "Description": "Steady requests per second"},
        "ApiThrottleBurstLimit": {"Type": "Number", "Default": 100, "Description": "Burst requests"},
        "AlarmTopicArn": _param("SNS topic notified by the alarms (optional)"),
        "ChatSessionStore": _param(
            "Where the local and Converse assistants keep conversations: DynamoDB (a table with TTL, shared by "
            "every container) or Memory (per container: a follow-up may land on one that forgot)",
            "DynamoDB",
            AllowedValues=["DynamoDB", "Memory"],
        ),
        "DeployAgentActionGroup": _param(
            "Also deploy the Bedrock Agent action-group function (concert-api-agent-actions), invocable by the "
            "agent BedrockAgentId (or any agent of the account when empty)",
            "false",
            AllowedValues=["true", "false"],
        ),
    }


OPTIONAL_CONDITION = "WithAgentActionGroup"
"""The condition of every resource of an optional function (only the agent action group is optional)."""


def conditions() -> dict[str, Any]:
    """The template's conditions: the policy builder's, plus API, auth and monitoring switches."""

    def eq(param: str, value: str) -> dict[str, Any]:
        return {"Fn::Equals": [{"Ref": param}, value]}

    return {
        **CFN_CONDITIONS,
        "UseRestApi": eq("AuthType", "API_KEY"),
        "UseHttpApi": {"Fn::Not": [eq("AuthType", "API_KEY")]},
        "UseIamAuth": eq("AuthType", "IAM"),
        "UseCognito": eq("AuthType", "COGNITO"),
        "UseLambdaAuth": eq("AuthType", "LAMBDA"),
        "HasProvisionedConcurrency": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ProvisionedConcurrency"}, 0]}]},
        "HasAlarmTopic": {"Fn::Not": [eq("AlarmTopicArn", "")]},
        OPTIONAL_CONDITION: eq("DeployAgentActionGroup", "true"),
        "HasAgentId": {"Fn::Not": [eq("BedrockAgentId", "")]},
    }


def rules() -> dict[str, Any]:
    """Checks CloudFormation runs on the parameters before creating anything."""

    def unless(condition: Any, param: str, empty: str, message: str) -> dict[str, Any]:
        return {
            "RuleCondition": condition,
            "Assertions": [
                {"Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": param}, empty]}]}, "AssertDescription": message}
            ],
        }

    return {
        "LambdaAuthorizerNeedsArn": unless(
            {"Fn::Equals": [{"Ref": "AuthType"}, "LAMBDA"]},
            "LambdaAuthorizerFunctionArn",
            "none",
            "AuthType LAMBDA needs LambdaAuthorizerFunctionArn",
        ),
        "WorkgroupNeedsId": unless(
            {
                "Fn::And": [
                    {"Fn::Not": [{"Fn::Equals": [{"Ref": "RedshiftWorkgroupName"}, ""]}]},
                    {"Fn::Equals": [{"Ref": "RedshiftClusterId"}, ""]},
                ]
            },
            "RedshiftWorkgroupId",
            "",
            "RedshiftWorkgroupName needs RedshiftWorkgroupId (aws redshift-serverless get-workgroup "
            "--workgroup-name NAME --query workgroup.workgroupId), to scope the functions' access to it",
        ),
    }
