"""Least-privilege IAM policies for each function, written once and rendered two ways.

The statements are templates: resources are written with `{placeholders}` (`{region}`, `{cluster_id}`, ...) and
each statement carries the name of the condition under which it applies (`UseCluster`, `HasAgent`, ...).

* `function_policy()` renders them for the Python deployer: conditions evaluated on the real configuration,
  placeholders filled in.
* `cfn_statements()` renders them for the SAM template: each conditional statement wrapped in `Fn::If` on a
  CloudFormation condition of the same name (defined by `CFN_CONDITIONS`), placeholders turned into `Fn::Sub`
  references to the template's parameters and pseudo parameters.

A test resolves the template's intrinsics for several configurations and checks that both renderings agree.

Scoping, per AWS's Service Authorization Reference:

* `logs:*` actions are scoped to the function's own log group (`/aws/lambda/<name>` and its streams).
* `redshift-data:ExecuteStatement` is scoped to the cluster (`arn:aws:redshift:R:A:cluster:ID`) or the serverless
  workgroup (`arn:aws:redshift-serverless:R:A:workgroup/WORKGROUP-ID`; the workgroup *id*, a UUID, not its name:
  the deployer looks it up, SAM takes it as a parameter and falls back to `workgroup/*` in the account).
* `redshift-data:DescribeStatement`, `GetStatementResult` and `CancelStatement` support no resource type, so AWS
  only accepts `"Resource": "*"` for them. They are narrowed instead by the condition key
  `redshift-data:statement-owner-iam-userid` = `${aws:userid}`: a function can only read (or cancel, on timeout)
  statements that its own role started.
* Temporary database credentials: `redshift:GetClusterCredentials` on the dbuser and dbname ARNs when
  `REDSHIFT_DB_USER` is set; `redshift:GetClusterCredentialsWithIAM` on the dbname ARN for a cluster without a
  user or secret; `redshift-serverless:GetCredentials` on the workgroup for a workgroup without a secret;
  `secretsmanager:GetSecretValue` on `REDSHIFT_SECRET_ARN` when a secret is used.
* `bedrock:InvokeAgent` on the agent alias ARN; `bedrock:InvokeModel` (what Converse checks) on the foundation
  model and the inference profile of `BEDROCK_MODEL_ID`. A cross-region inference profile (`us.anthropic...`)
  routes each call to the foundation model in one of several regions, and Bedrock checks the call against that
  model too: `foundation-model/*` in any region is granted, but only under the condition
  `bedrock:InferenceProfileArn` = the configured profile, so only what that profile routes to is allowed.
* `sagemaker:InvokeEndpoint` on the endpoint ARN.
* `dynamodb:GetItem` and `PutItem` on the chat sessions table (`CONCERT_SESSIONS_TABLE`), nothing else.
* X-Ray (`xray:PutTraceSegments`, `xray:PutTelemetryRecords`) when active tracing is on: X-Ray supports no
  resource type, so AWS only accepts `"Resource": "*"` for them.
* In a VPC (`vpc_statements`): creating network interfaces only in the configured subnets and security groups,
  deleting and re-addressing them only in those subnets (condition `ec2:Subnet`); only
  `ec2:DescribeNetworkInterfaces`, which supports no resource type, is on `"*"`.

No statement has `"Action": "*"`; the only `"Resource": "*"` are the Data API, X-Ray and Describe statements
above, where AWS allows nothing narrower.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from concert_tools.deploy.spec import (
    AGENT,
    LOGS,
    MODEL,
    PROBES,
    SESSIONS,
    TICKET_ENDPOINT,
    TRACING,
    VENUE_ENDPOINT,
    WAREHOUSE,
    FunctionSpec,
)

POLICY_VERSION = "2012-10-17"
ALWAYS = ""  # the condition of statements that always apply


@dataclass(frozen=True)
class PolicyContext:
    """What the policies are scoped by: the account, the region and the configured resources."""

    region: str
    account: str
    partition: str = "aws"
    cluster_id: str = ""
    workgroup_name: str = ""
    workgroup_id: str = "*"  # the serverless workgroup's id; "*" (any workgroup in the account) if unknown
    database: str = ""
    db_user: str = ""
    secret_arn: str = ""
    agent_id: str = ""
    agent_alias_id: str = ""
    model_id: str = ""
    ticket_endpoint: str = ""
    venue_endpoint: str = ""
    tracing: bool = False  # X-Ray active tracing (the SAM template's `Tracing=Active`)
    sessions_table: str = ""  # the DynamoDB table of chat sessions

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        *,
        region: str,
        account: str,
        partition: str = "aws",
        workgroup_id: str | None = None,
        tracing: bool = False,
    ) -> PolicyContext:
        """A context from the env file's variables (names as in the guide and settings.py)."""
        return cls(
            region=region,
            account=account,
            partition=partition,
            cluster_id=env.get("REDSHIFT_CLUSTER_ID", ""),
            workgroup_name=env.get("REDSHIFT_WORKGROUP_NAME", ""),
            workgroup_id=workgroup_id or "*",
            database=env.get("REDSHIFT_DATABASE", ""),
            db_user=env.get("REDSHIFT_DB_USER", ""),
            secret_arn=env.get("REDSHIFT_SECRET_ARN", ""),
            agent_id=env.get("BEDROCK_AGENT_ID", ""),
            agent_alias_id=env.get("BEDROCK_AGENT_ALIAS_ID", ""),
            model_id=env.get("BEDROCK_MODEL_ID", ""),
            ticket_endpoint=env.get("SAGEMAKER_TICKET_ENDPOINT", "").lower(),  # SageMaker ARNs are lower case
            venue_endpoint=env.get("SAGEMAKER_VENUE_ENDPOINT", "").lower(),
            tracing=tracing,
            sessions_table=env.get("CONCERT_SESSIONS_TABLE", ""),
        )

    def conditions(self) -> dict[str, bool]:
        """The value of every named condition for this configuration (mirrors `CFN_CONDITIONS`)."""
        has_wh = bool(self.database and (self.cluster_id or self.workgroup_name))
        use_cluster = has_wh and bool(self.cluster_id)
        use_workgroup = has_wh and not self.cluster_id and bool(self.workgroup_name)
        use_secret = has_wh and bool(self.secret_arn)
        return {
            ALWAYS: True,
            "HasWarehouse": has_wh,
            "UseCluster": use_cluster,
            "UseWorkgroup": use_workgroup,
            "UseSecret": use_secret,
            "UseDbUser": use_cluster and not use_secret and bool(self.db_user),
            "UseClusterIam": use_cluster and not use_secret and not self.db_user,
            "UseWorkgroupIam": use_workgroup and not use_secret,
            "HasAgent": bool(self.agent_id and self.agent_alias_id),
            "HasModel": bool(self.model_id),
            "HasTicketEndpoint": bool(self.ticket_endpoint),
            "HasVenueEndpoint": bool(self.venue_endpoint),
            "UseTracing": self.tracing,
            "HasSessionsTable": bool(self.sessions_table),
        }


@dataclass(frozen=True)
class StatementTemplate:
    """One IAM statement with `{placeholder}` resources, applying when `condition` holds."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: str = ALWAYS
    iam_condition: Mapping[str, Any] = field(default_factory=dict)


def _arn(service: str, rest: str, *, region: bool = True, account: bool = True) -> str:
    return f"arn:{{partition}}:{service}:{'{region}' if region else ''}:{'{account}' if account else ''}:{rest}"


_LOG_GROUP = _arn("logs", "log-group:/aws/lambda/{function_name}")
_CLUSTER = _arn("redshift", "cluster:{cluster_id}")
_WORKGROUP = _arn("redshift-serverless", "workgroup/{workgroup_id}")

_STATEMENTS: dict[str, tuple[StatementTemplate, ...]] = {
    LOGS: (
        StatementTemplate(
            "WriteOwnLogs",
            ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"),
            (_LOG_GROUP, _LOG_GROUP + ":*"),
        ),
    ),
    WAREHOUSE: (
        StatementTemplate(
            "RedshiftDataExecuteOnCluster", ("redshift-data:ExecuteStatement",), (_CLUSTER,), "UseCluster"
        ),
        StatementTemplate(
            "RedshiftDataExecuteOnWorkgroup", ("redshift-data:ExecuteStatement",), (_WORKGROUP,), "UseWorkgroup"
        ),
        StatementTemplate(
            "RedshiftDataOwnStatements",
            ("redshift-data:CancelStatement", "redshift-data:DescribeStatement", "redshift-data:GetStatementResult"),
            ("*",),  # these actions support no resource type; narrowed to the role's own statements instead
            "HasWarehouse",
            {"StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}},
        ),
        StatementTemplate(
            "RedshiftDbUserCredentials",
            ("redshift:GetClusterCredentials",),
            (_arn("redshift", "dbuser:{cluster_id}/{db_user}"), _arn("redshift", "dbname:{cluster_id}/{database}")),
            "UseDbUser",
        ),
        StatementTemplate(
            "RedshiftIamCredentials",
            ("redshift:GetClusterCredentialsWithIAM",),
            (_arn("redshift", "dbname:{cluster_id}/{database}"),),
            "UseClusterIam",
        ),
        StatementTemplate(
            "RedshiftServerlessCredentials", ("redshift-serverless:GetCredentials",), (_WORKGROUP,), "UseWorkgroupIam"
        ),
        StatementTemplate("RedshiftSecret", ("secretsmanager:GetSecretValue",), ("{secret_arn}",), "UseSecret"),
    ),
    AGENT: (
        StatementTemplate(
            "InvokeBedrockAgent",
            ("bedrock:InvokeAgent",),
            (_arn("bedrock", "agent-alias/{agent_id}/{agent_alias_id}"),),
            "HasAgent",
        ),
    ),
    MODEL: (
        StatementTemplate(
            "InvokeBedrockModel",
            ("bedrock:InvokeModel",),
            (
                _arn("bedrock", "foundation-model/{model_id}", account=False),
                _arn("bedrock", "inference-profile/{model_id}"),
            ),
            "HasModel",
        ),
        StatementTemplate(
            "InvokeBedrockModelThroughProfile",
            ("bedrock:InvokeModel",),
            ("arn:{partition}:bedrock:*::foundation-model/*",),  # the regions and model the profile routes to
            "HasModel",
            {"StringEquals": {"bedrock:InferenceProfileArn": _arn("bedrock", "inference-profile/{model_id}")}},
        ),
    ),
    SESSIONS: (
        StatementTemplate(
            "ChatSessions",
            ("dynamodb:GetItem", "dynamodb:PutItem"),
            (_arn("dynamodb", "table/{sessions_table}"),),
            "HasSessionsTable",
        ),
    ),
    TRACING: (
        StatementTemplate(
            "WriteTraces",
            ("xray:PutTelemetryRecords", "xray:PutTraceSegments"),
            ("*",),  # X-Ray supports no resource type
            "UseTracing",
        ),
    ),
    TICKET_ENDPOINT: (
        StatementTemplate(
            "InvokeTicketEndpoint",
            ("sagemaker:InvokeEndpoint",),
            (_arn("sagemaker", "endpoint/{ticket_endpoint}"),),
            "HasTicketEndpoint",
        ),
    ),
    VENUE_ENDPOINT: (
        StatementTemplate(
            "InvokeVenueEndpoint",
            ("sagemaker:InvokeEndpoint",),
            (_arn("sagemaker", "endpoint/{venue_endpoint}"),),
            "HasVenueEndpoint",
        ),
    ),
    PROBES: (
        StatementTemplate(
            "DescribeTicketEndpoint",
            ("sagemaker:DescribeEndpoint",),
            (_arn("sagemaker", "endpoint/{ticket_endpoint}"),),
            "HasTicketEndpoint",
        ),
        StatementTemplate(
            "DescribeVenueEndpoint",
            ("sagemaker:DescribeEndpoint",),
            (_arn("sagemaker", "endpoint/{venue_endpoint}"),),
            "HasVenueEndpoint",
        ),
        StatementTemplate(
            "GetBedrockAgentAlias",
            ("bedrock:GetAgentAlias",),
            (_arn("bedrock", "agent-alias/{agent_id}/{agent_alias_id}"),),
            "HasAgent",
        ),
    ),
}

# CloudFormation conditions over the template's parameters, mirroring PolicyContext.conditions().
CFN_CONDITIONS: dict[str, Any] = {
    "HasDatabase": {"Fn::Not": [{"Fn::Equals": [{"Ref": "RedshiftDatabase"}, ""]}]},
    "HasClusterId": {"Fn::Not": [{"Fn::Equals": [{"Ref": "RedshiftClusterId"}, ""]}]},
    "HasWorkgroupName": {"Fn::Not": [{"Fn::Equals": [{"Ref": "RedshiftWorkgroupName"}, ""]}]},
    "HasSecretArn": {"Fn::Not": [{"Fn::Equals": [{"Ref": "RedshiftSecretArn"}, ""]}]},
    "HasDbUserName": {"Fn::Not": [{"Fn::Equals": [{"Ref": "RedshiftDbUser"}, ""]}]},
    "HasWarehouse": {
        "Fn::And": [
            {"Condition": "HasDatabase"},
            {"Fn::Or": [{"Condition": "HasClusterId"}, {"Condition": "HasWorkgroupName"}]},
        ]
    },
    "UseCluster": {"Fn::And": [{"Condition": "HasDatabase"}, {"Condition": "HasClusterId"}]},
    "UseWorkgroup": {
        "Fn::And": [
            {"Condition": "HasDatabase"},
            {"Fn::Not": [{"Condition": "HasClusterId"}]},
            {"Condition": "HasWorkgroupName"},
        ]
    },
    "UseSecret": {"Fn::And": [{"Condition": "HasWarehouse"}, {"Condition": "HasSecretArn"}]},
    "UseDbUser": {
        "Fn::And": [
            {"Condition": "UseCluster"},
            {"Fn::Not": [{"Condition": "HasSecretArn"}]},
            {"Condition": "HasDbUserName"},
        ]
    },
    "UseClusterIam": {
        "Fn::And": [
            {"Condition": "UseCluster"},
            {"Fn::Not": [{"Condition": "HasSecretArn"}]},
            {"Fn::Not": [{"Condition": "HasDbUserName"}]},
        ]
    },
    "UseWorkgroupIam": {"Fn::And": [{"Condition": "UseWorkgroup"}, {"Fn::Not": [{"Condition": "HasSecretArn"}]}]},
    "HasAgent": {
        "Fn::And": [
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "BedrockAgentId"}, ""]}]},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "BedrockAgentAliasId"}, ""]}]},
        ]
    },
    "HasModel": {"Fn::Not": [{"Fn::Equals": [{"Ref": "BedrockModelId"}, ""]}]},
    "HasTicketEndpoint": {"Fn::Not": [{"Fn::Equals": [{"Ref": "SageMakerTicketEndpoint"}, ""]}]},
    "HasVenueEndpoint": {"Fn::Not": [{"Fn::Equals": [{"Ref": "SageMakerVenueEndpoint"}, ""]}]},
    "UseTracing": {"Fn::Equals": [{"Ref": "Tracing"}, "Active"]},
    "HasSessionsTable": {"Fn::Equals": [{"Ref": "ChatSessionStore"}, "DynamoDB"]},
}

# Placeholders as CloudFormation `Fn::Sub` variables (template parameters and pseudo parameters).
CFN_PLACEHOLDERS: dict[str, str] = {
    "partition": "${AWS::Partition}",
    "region": "${AWS::Region}",
    "account": "${AWS::AccountId}",
    "cluster_id": "${RedshiftClusterId}",
    "workgroup_id": "${RedshiftWorkgroupId}",
    "database": "${RedshiftDatabase}",
    "db_user": "${RedshiftDbUser}",
    "secret_arn": "${RedshiftSecretArn}",
    "agent_id": "${BedrockAgentId}",
    "agent_alias_id": "${BedrockAgentAliasId}",
    "model_id": "${BedrockModelId}",
    "ticket_endpoint": "${SageMakerTicketEndpoint}",
    "venue_endpoint": "${SageMakerVenueEndpoint}",
    "sessions_table": "${SessionsTable}",
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def statement_templates(spec: FunctionSpec) -> list[StatementTemplate]:
    """Every statement a function may need, in a fixed order, before conditions are applied."""
    out: list[StatementTemplate] = []
    for cap in spec.capabilities:
        out.extend(_STATEMENTS.get(cap, ()))
    return out


def _render(st: StatementTemplate, resources: list[Any], fill: Any = None) -> dict[str, Any]:
    """One statement; `fill` renders a `{placeholder}` string (resources are already rendered)."""
    doc: dict[str, Any] = {
        "Sid": st.sid,
        "Effect": "Allow",
        "Action": list(st.actions),
        "Resource": resources[0] if len(resources) == 1 else resources,
    }
    if st.iam_condition:
        doc["Condition"] = {
            op: {key: fill(value) if fill else value for key, value in pairs.items()}
            for op, pairs in st.iam_condition.items()
        }
    return doc


def function_policy(spec: FunctionSpec, function_name: str, ctx: PolicyContext) -> dict[str, Any]:
    """The inline policy document for one function, for the configuration in `ctx`."""
    values = {name: str(getattr(ctx, name)) for name in CFN_PLACEHOLDERS}
    values["function_name"] = function_name
    holds = ctx.conditions()

    def fill(template: str) -> str:
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)

    statements = [
        _render(st, [fill(r) for r in st.resources], fill) for st in statement_templates(spec) if holds[st.condition]
    ]
    return {"Version": POLICY_VERSION, "Statement": statements}


def _cfn_string(template: str, function_name_sub: str) -> Any:
    if not _PLACEHOLDER.search(template):
        return template
    mapping = dict(CFN_PLACEHOLDERS, function_name=function_name_sub)
    return {"Fn::Sub": _PLACEHOLDER.sub(lambda m: mapping[m.group(1)], template)}


def cfn_statements(spec: FunctionSpec, function_name_sub: str) -> list[Any]:
    """The statements for the SAM template: `Fn::If` per conditional statement, `Fn::Sub` per resource.

    `function_name_sub` is the function's name as a `Fn::Sub` string (e.g. `concert-api-chatbot${NameSuffix}`).
    """
    return cfn_render(statement_templates(spec), function_name_sub)


def warehouse_statement_templates() -> tuple[StatementTemplate, ...]:
    """The warehouse's statements (Data API, temporary credentials, secret), for the template's other principals
    that reach Redshift the way the functions do (the venue-scoring state machine, `sam_scoring.py`)."""
    return _STATEMENTS[WAREHOUSE]


def cfn_render(templates: Sequence[StatementTemplate], function_name_sub: str = "") -> list[Any]:
    """`templates` rendered for the SAM template, as `cfn_statements` renders a function's."""
    out: list[Any] = []
    for st in templates:
        doc = _render(
            st,
            [_cfn_string(r, function_name_sub) for r in st.resources],
            lambda value: _cfn_string(value, function_name_sub),
        )
        out.append(doc if st.condition == ALWAYS else {"Fn::If": [st.condition, doc, {"Ref": "AWS::NoValue"}]})
    return out


def trust_policy() -> dict[str, Any]:
    """The execution role's trust policy: only the Lambda service may assume it."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }


def vpc_statements(
    *, region: str, account: str, subnet_ids: list[str], security_group_ids: list[str], partition: str = "aws"
) -> list[dict[str, Any]]:
    """The network-interface permissions a function in a VPC needs, scoped to its subnets and security groups.

    Lambda creates the interfaces under ids unknown in advance, so `network-interface/*` is granted, but creating
    one needs the subnet and security group ARNs too (only the configured ones are listed), and deleting or
    re-addressing one holds only in the configured subnets (condition `ec2:Subnet`). Only
    `ec2:DescribeNetworkInterfaces` supports no resource type and stays on `"*"`."""
    ec2 = f"arn:{partition}:ec2:{region}:{account}"
    subnets = [f"{ec2}:subnet/{s}" for s in subnet_ids]
    return [
        {
            "Sid": "VpcCreateNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface"],
            "Resource": [
                f"{ec2}:network-interface/*",
                *subnets,
                *(f"{ec2}:security-group/{g}" for g in security_group_ids),
            ],
        },
        {
            "Sid": "VpcManageNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:AssignPrivateIpAddresses", "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"],
            "Resource": f"{ec2}:network-interface/*",
            "Condition": {"ArnEquals": {"ec2:Subnet": subnets}},
        },
        {
            "Sid": "VpcDescribeNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:DescribeNetworkInterfaces"],
            "Resource": "*",  # no resource type
        },
    ]


def kms_statement(key_arn: str) -> dict[str, Any]:
    """Decrypt permission on the customer managed key that encrypts the function's environment."""
    return {"Sid": "DecryptEnvironment", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key_arn}
