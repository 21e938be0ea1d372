"""The SAM template's daily batch scoring of the venue forecasts (issue 18): a Step Functions state machine that
runs the same three steps as `concert-api model score --warehouse redshift-data` (`model/aws_scoring.py`),
started by an EventBridge schedule.

    Unload        redshiftdata:executeStatement (the UNLOAD), then Wait -> describeStatement -> Choice until it
                  is FINISHED (FAILED or ABORTED end the run in a Fail state with Redshift's error)
    JsonPaths     s3:putObject of the JSONPaths file the COPY reads
    Transform     sagemaker:createTransformJob.sync (Step Functions waits for the job to end)
    Load          redshiftdata:batchExecuteStatement (COPY into staging, swap venue_forecasts: one transaction),
                  then the same wait loop

Every task retries on throttling and catches every other error into a Fail state that carries the cause. No
Lambda function is involved: the tasks are Step Functions' service integrations.

What each task sends comes from `aws_scoring`'s builder, for a run whose id is a marker: in the definition,
every string holding the marker becomes `States.Format(..., $$.Execution.Name)`, so each execution writes
under `<stage>/<execution name>/` and names its transform job `concert-venue-forecasts-<execution name>`.
Deploy-time values (the stage, the model, Redshift's role, the cluster or workgroup) are `${...}` variables of
`DefinitionSubstitutions`. The Data API's target and credential are substituted as *keys* too
(`ClusterIdentifier` or `WorkgroupName`; `SecretArn`, `DbUser`, or - with IAM credentials - a harmless
`StatementName`), so one definition serves every warehouse configuration the functions support.

Created only with `WithVenueScoring`: a warehouse, a stage bucket, a SageMaker model and Redshift's role for
S3. The schedule (`VenueScoringSchedule`, `rate(1 day)` by default) is disabled when the parameter is empty;
the state machine stays, for runs by hand.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from concert_tools.deploy.policy import POLICY_VERSION, cfn_render, warehouse_statement_templates
from concert_tools.deploy.sam_monitoring import alarm
from concert_tools.deploy.spec import SERVICE_NAME
from concert_tools.model import aws_scoring

SCORING_CONDITION = "WithVenueScoring"
SCHEDULE_CONDITION = "HasVenueScoringSchedule"
STATE_MACHINE = "VenueScoringStateMachine"
ROLE = "VenueScoringRole"
POLICY = "VenueScoringPolicy"
LOG_GROUP = "VenueScoringLogGroup"
SCHEDULE_EVENT = "Daily"
DEFAULT_SCHEDULE = "rate(1 day)"
NAME_SUB = "concert-api${NameSuffix}-venue-scoring"

RUN_MARKER = "@@RUN@@"
"""The run id of the template's `BatchScoring`: replaced by the execution's name at run time."""
RUN_ID_PATH = "$$.Execution.Name"
POLL_SECONDS = 30
"""How long the state machine waits between two DescribeStatement calls."""
TIMEOUT_SECONDS = 6 * 3600
"""A run that has not ended after this long fails (the next day's run starts from scratch)."""
STATEMENT_NAME = "concert-venue-forecasts"
"""The Data API statement name: the credential key's stand-in when Redshift is reached with IAM credentials."""

DATA_API = "arn:aws:states:::aws-sdk:redshiftdata:"
TRANSFORM_SYNC = "arn:aws:states:::sagemaker:createTransformJob.sync"
PUT_OBJECT = "arn:aws:states:::aws-sdk:s3:putObject"
SAGEMAKER_EVENTS_RULE = "StepFunctionsGetEventsForSageMakerTransformJobsRule"
"""The EventBridge rule Step Functions manages in the account to learn when a transform job ends (`.sync`)."""

# Errors worth retrying: throttling and the services' transient failures (ServiceName.ExceptionName, as Step
# Functions names the errors of its integrations).
RETRYABLE = {
    "redshiftdata": [
        "RedshiftData.ActiveSessionsExceededException",
        "RedshiftData.ActiveStatementsExceededException",
        "RedshiftData.ActiveWaitingRequestsExceededException",
        "RedshiftData.InternalServerException",
        "RedshiftData.ThrottlingException",
    ],
    "s3": ["S3.SlowDownException", "S3.InternalErrorException"],
    "sagemaker": ["SageMaker.AmazonSageMakerException", "SageMaker.ThrottlingException"],
}

_CFN_VARIABLE = re.compile(r"(\$\{[A-Za-z0-9]+\})")
_INTRINSIC_RESERVED = re.compile(r"([\\'{}])")


def template_run() -> aws_scoring.BatchScoring:
    """The run the definition is built from: deploy-time values as `${...}` variables, the run id a marker."""
    return aws_scoring.BatchScoring(
        stage="s3://${VenueScoringStageBucket}/${VenueScoringStagePrefix}",
        sagemaker_model="${VenueScoringModel}",
        redshift_role="${VenueScoringRedshiftRole}",
        instance_type="${VenueScoringInstanceType}",
        run_id=RUN_MARKER,
    )


def intrinsic_literal(text: str) -> str:
    """`text` as a string literal of an intrinsic function: `'`, `{`, `}` and `\\` escaped with a backslash,
    `${...}` variables left as they are for CloudFormation to substitute."""
    parts = _CFN_VARIABLE.split(text)
    return "'" + "".join(p if _CFN_VARIABLE.fullmatch(p) else _INTRINSIC_RESERVED.sub(r"\\\1", p) for p in parts) \
        + "'"  # fmt: skip


def with_run_id(text: str) -> str:
    """An intrinsic expression for `text`: `States.Format` filling in the execution's name wherever the run id
    stands, or a plain literal when there is none."""
    pieces = text.split(RUN_MARKER)
    if len(pieces) == 1:
        return intrinsic_literal(text)
    template = "{}".join(intrinsic_literal(p)[1:-1] for p in pieces)
    return f"States.Format('{template}', {', '.join([RUN_ID_PATH] * (len(pieces) - 1))})"


def _parameters(request: dict[str, Any]) -> dict[str, Any]:
    """A task's `Parameters` for an API request: strings holding the run id become `key.$` expressions."""
    out: dict[str, Any] = {}
    for key, value in request.items():
        if isinstance(value, dict):
            out[key] = _parameters(value)
        elif isinstance(value, str) and RUN_MARKER in value:
            out[f"{key}.$"] = with_run_id(value)
        else:
            out[key] = value
    return out


def _data_api_target() -> dict[str, str]:
    """The Data API's target and credential, as substituted keys and values."""
    return {
        "${DataApiTarget}": "${DataApiTargetName}",
        "Database": "${RedshiftDatabase}",
        "${DataApiCredential}": "${DataApiCredentialValue}",
    }


def _retry(service: str) -> list[dict[str, Any]]:
    return [{"ErrorEquals": RETRYABLE[service], "IntervalSeconds": 5, "MaxAttempts": 5, "BackoffRate": 2.0,
             "JitterStrategy": "FULL"}]  # fmt: skip


def _task(resource: str, parameters: dict[str, Any], next_state: str, service: str,
          result_path: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "Type": "Task",
        "Resource": resource,
        "Parameters": parameters,
        "ResultPath": result_path,
        "Retry": _retry(service),
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "ScoringFailed"}],
        "Next": next_state,
    }


def _statement_states(name: str, action: str, parameters: dict[str, Any], next_state: str) -> dict[str, Any]:
    """One Data API call, then the wait loop: Wait -> DescribeStatement -> Choice on its status."""
    return {
        name: _task(DATA_API + action, {**_data_api_target(), **parameters}, f"{name}Wait", "redshiftdata",
                    "$.statement"),  # fmt: skip
        f"{name}Wait": {"Type": "Wait", "Seconds": POLL_SECONDS, "Next": f"{name}Status"},
        f"{name}Status": _task(DATA_API + "describeStatement", {"Id.$": "$.statement.Id"}, f"{name}Done",
                               "redshiftdata", "$.statement"),  # fmt: skip
        f"{name}Done": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.statement.Status", "StringEquals": "FINISHED", "Next": next_state},
                {"Variable": "$.statement.Status", "StringEquals": "FAILED", "Next": f"{name}Failed"},
                {"Variable": "$.statement.Status", "StringEquals": "ABORTED", "Next": f"{name}Aborted"},
            ],
            "Default": f"{name}Wait",
        },
        f"{name}Failed": {"Type": "Fail", "Error": f"VenueScoring.{name}Failed", "CausePath": "$.statement.Error"},
        f"{name}Aborted": {"Type": "Fail", "Error": f"VenueScoring.{name}Aborted",
                           "Cause": "The statement was cancelled; venue_forecasts is unchanged."},  # fmt: skip
    }


def definition() -> dict[str, Any]:
    """The state machine's definition (Amazon States Language)."""
    run = template_run()
    bucket, key = run.jsonpaths_uri.removeprefix("s3://").split("/", 1)
    loads = "States.Array(" + ", ".join(with_run_id(sql) for sql in aws_scoring.load_statements(run)) + ")"
    states: dict[str, Any] = {
        **_statement_states("Unload", "executeStatement", {"Sql.$": with_run_id(aws_scoring.unload_sql(run))},
                            "JsonPaths"),  # fmt: skip
        "JsonPaths": _task(PUT_OBJECT, _parameters({"Bucket": bucket, "Key": key, "ContentType": "application/json",
                                                    "Body": aws_scoring.JSONPATHS_BODY}),
                           "Transform", "s3"),  # fmt: skip
        "Transform": {
            **_task(TRANSFORM_SYNC, _parameters(aws_scoring.transform_job_request(run)), "Load", "sagemaker"),
            "ResultSelector": {"TransformJobName.$": "$.TransformJobName", "TransformJobStatus.$": "$.TransformJobStatus"},
            "ResultPath": "$.transform",
        },
        **_statement_states("Load", "batchExecuteStatement", {"Sqls.$": loads}, "Scored"),
        "Scored": {"Type": "Succeed"},
        "ScoringFailed": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"},
    }
    return {
        "Comment": "concert-api: score the venue forecasts (UNLOAD -> SageMaker Batch Transform -> COPY); "
        "the same steps as `concert-api model score --warehouse redshift-data`",
        "StartAt": "Unload",
        "TimeoutSeconds": TIMEOUT_SECONDS,
        "States": states,
    }


def definition_substitutions() -> dict[str, Any]:
    """The values of the definition's `${...}` variables, resolved when the stack deploys."""

    def ref(name: str) -> dict[str, str]:
        return {"Ref": name}

    return {
        "VenueScoringStageBucket": ref("VenueScoringStageBucket"),
        "VenueScoringStagePrefix": ref("VenueScoringStagePrefix"),
        "VenueScoringModel": ref("VenueScoringModel"),
        "VenueScoringRedshiftRole": ref("VenueScoringRedshiftRole"),
        "VenueScoringInstanceType": ref("VenueScoringInstanceType"),
        "RedshiftDatabase": ref("RedshiftDatabase"),
        "DataApiTarget": {"Fn::If": ["UseCluster", "ClusterIdentifier", "WorkgroupName"]},
        "DataApiTargetName": {"Fn::If": ["UseCluster", ref("RedshiftClusterId"), ref("RedshiftWorkgroupName")]},
        "DataApiCredential": {"Fn::If": ["UseSecret", "SecretArn", {"Fn::If": ["UseDbUser", "DbUser",
                                                                                "StatementName"]}]},  # fmt: skip
        "DataApiCredentialValue": {
            "Fn::If": ["UseSecret", ref("RedshiftSecretArn"), {"Fn::If": ["UseDbUser", ref("RedshiftDbUser"),
                                                                          STATEMENT_NAME]}]  # fmt: skip
        },
    }


def scoring_parameters() -> dict[str, Any]:
    """The template parameters of the scheduled scoring."""

    def param(description: str, default: str = "", **extra: Any) -> dict[str, Any]:
        return {"Type": "String", "Default": default, "Description": description, **extra}

    return {
        "VenueScoringStageBucket": param(
            "S3 bucket where the daily venue scoring stages its files (empty: no scheduled scoring)",
            AllowedPattern="^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$",
        ),
        "VenueScoringStagePrefix": param(
            "Key prefix of the staged files in that bucket; each run writes under <prefix>/<execution name>/",
            "venue-forecasts",
            AllowedPattern="^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$",
        ),
        "VenueScoringModel": param(
            "SageMaker model (made from the venue model's package) that scores the scheduled concerts (empty: no "
            "scheduled scoring)",
            AllowedPattern="^([a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})?$",
        ),
        "VenueScoringRedshiftRole": param(
            "IAM role ARN Redshift assumes to UNLOAD to and COPY from the stage (empty: no scheduled scoring)",
            AllowedPattern="^(arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+)?$",
        ),
        "VenueScoringInstanceType": param("Instance type of the SageMaker transform job", "ml.m5.large",
                                          AllowedPattern="^ml\\.[a-z0-9]+\\.[a-z0-9]+$"),  # fmt: skip
        "VenueScoringSchedule": param(
            "When the venue scoring runs: an EventBridge schedule expression (empty: never on its own; start it by "
            "hand with aws stepfunctions start-execution)",
            DEFAULT_SCHEDULE,
            AllowedPattern="^((rate|cron)\\(.+\\))?$",
        ),
    }


def scoring_conditions() -> dict[str, Any]:
    """`WithVenueScoring` (a warehouse, a stage bucket, a model, Redshift's role) and its schedule's switch."""

    def given(param: str) -> dict[str, Any]:
        return {"Fn::Not": [{"Fn::Equals": [{"Ref": param}, ""]}]}

    return {
        SCORING_CONDITION: {
            "Fn::And": [
                {"Condition": "HasWarehouse"},
                given("VenueScoringStageBucket"),
                given("VenueScoringModel"),
                given("VenueScoringRedshiftRole"),
            ]
        },
        SCHEDULE_CONDITION: {"Fn::And": [{"Condition": SCORING_CONDITION}, given("VenueScoringSchedule")]},
    }


def _arn(service: str, rest: str, *, region: bool = True, account: bool = True) -> dict[str, str]:
    where = f"{'${AWS::Region}' if region else ''}:{'${AWS::AccountId}' if account else ''}"
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:{service}:{where}:{rest}"}


def policy_statements() -> list[Any]:
    """The state machine's permissions, each scoped as narrowly as the service allows.

    * Redshift: the functions' warehouse statements (`policy.py`), with BatchExecuteStatement beside
      ExecuteStatement on the cluster or workgroup, and DescribeStatement alone - on `*`, where AWS allows
      nothing narrower - limited to statements this role started (any of its sessions: Step Functions names
      them itself).
    * S3: PutObject of the JSONPaths file under the stage prefix, the one object the state machine writes.
      Redshift (UNLOAD, COPY) and SageMaker (the transform job) reach the stage with their own roles.
    * SageMaker: create, describe, stop and list the tags of the transform jobs named `concert-venue-forecasts-*`
      (what `.sync` calls); no iam:PassRole, since the job runs as the model's own execution role.
    * EventBridge: the rule Step Functions manages to hear that a transform job ended (`.sync`).
    * CloudWatch Logs: the log-delivery actions Step Functions needs to log to a group; they support no
      resource type.
    """
    warehouse = []
    for st in warehouse_statement_templates():
        if "redshift-data:ExecuteStatement" in st.actions:
            st = dataclasses.replace(st, actions=("redshift-data:BatchExecuteStatement",
                                                  "redshift-data:ExecuteStatement"))  # fmt: skip
        elif any(a.startswith("redshift-data:") for a in st.actions):
            continue  # replaced by OwnStatements below
        warehouse.append(st)
    own_statements = {
        "Sid": "RedshiftDataOwnStatements",
        "Effect": "Allow",
        "Action": ["redshift-data:DescribeStatement"],
        "Resource": "*",
        "Condition": {"StringLike": {"redshift-data:statement-owner-iam-userid": {"Fn::Sub": f"${{{ROLE}.RoleId}}:*"}}},
    }
    job = _arn("sagemaker", f"transform-job/{aws_scoring.JOB_NAME_PREFIX}*")
    return [
        *cfn_render(warehouse),
        own_statements,
        {
            "Sid": "WriteJsonPaths",
            "Effect": "Allow",
            "Action": ["s3:PutObject"],
            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${VenueScoringStageBucket}/${VenueScoringStagePrefix}/*"},
        },
        {
            "Sid": "RunTransformJobs",
            "Effect": "Allow",
            "Action": ["sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob", "sagemaker:ListTags",
                       "sagemaker:StopTransformJob"],  # fmt: skip
            "Resource": job,
        },
        {
            "Sid": "HearTransformJobsEnd",
            "Effect": "Allow",
            "Action": ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
            "Resource": _arn("events", f"rule/{SAGEMAKER_EVENTS_RULE}"),
        },
        {
            "Sid": "DeliverLogs",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies",
                "logs:GetLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:UpdateLogDelivery",
            ],
            "Resource": "*",  # these actions support no resource type
        },
    ]


def scoring_resources() -> dict[str, Any]:
    """The role, its policy, the log group, the state machine (with its schedule) and its alarms."""
    tags = [{"Key": "project", "Value": SERVICE_NAME}]
    resources: dict[str, Any] = {
        ROLE: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": {"Fn::Sub": f"Role of the state machine {NAME_SUB} (least privilege)"},
                "AssumeRolePolicyDocument": {
                    "Version": POLICY_VERSION,
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "states.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }
                    ],
                },
                "Tags": tags,
            },
        },
        POLICY: {
            "Type": "AWS::IAM::RolePolicy",
            "Properties": {
                "RoleName": {"Ref": ROLE},
                "PolicyName": {"Fn::Sub": f"{NAME_SUB}-policy"},
                "PolicyDocument": {"Version": POLICY_VERSION, "Statement": policy_statements()},
            },
        },
        LOG_GROUP: {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "LogGroupName": {"Fn::Sub": f"/aws/vendedlogs/states/{NAME_SUB}"},
                "RetentionInDays": {"Ref": "LogRetentionDays"},
                "Tags": tags,
            },
        },
        STATE_MACHINE: {
            "Type": "AWS::Serverless::StateMachine",
            "DependsOn": POLICY,  # the first scheduled run needs the permissions in place
            "Properties": {
                "Name": {"Fn::Sub": NAME_SUB},
                "Type": "STANDARD",
                "Role": {"Fn::GetAtt": [ROLE, "Arn"]},
                "Definition": definition(),
                "DefinitionSubstitutions": definition_substitutions(),
                "Logging": {
                    "Level": "ALL",
                    "IncludeExecutionData": True,
                    "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": [LOG_GROUP, "Arn"]}}}],
                },
                "Events": {
                    SCHEDULE_EVENT: {
                        "Type": "Schedule",
                        "Properties": {
                            "Schedule": {"Fn::If": [SCHEDULE_CONDITION, {"Ref": "VenueScoringSchedule"},
                                                    DEFAULT_SCHEDULE]},  # fmt: skip
                            "State": {"Fn::If": [SCHEDULE_CONDITION, "ENABLED", "DISABLED"]},
                            "Description": "Scores the venue forecasts (VenueScoringSchedule)",
                        },
                    }
                },
                "Tags": {"project": SERVICE_NAME},
            },
        },
    }
    for label, metric, what in (("Failed", "ExecutionsFailed", "failed runs"),
                                ("TimedOut", "ExecutionsTimedOut", "timed-out runs")):  # fmt: skip
        resources[f"VenueScoring{label}Alarm"] = alarm(
            f"{NAME_SUB}-{label.lower()}",
            f"venue scoring: {what} >= 1 over 5 minutes (the state machine's log group says why)",
            "AWS/States",
            metric,
            [{"Name": "StateMachineArn", "Value": {"Ref": STATE_MACHINE}}],
            {"Statistic": "Sum"},
            1,
        )
    return {name: {"Type": res["Type"], "Condition": SCORING_CONDITION,
                   **{k: v for k, v in res.items() if k != "Type"}} for name, res in resources.items()}  # fmt: skip


def scoring_outputs() -> dict[str, Any]:
    """The state machine's ARN, for `aws stepfunctions start-execution`."""
    return {
        "VenueScoringStateMachineArn": {
            "Condition": SCORING_CONDITION,
            "Description": "State machine of the venue scoring (aws stepfunctions start-execution "
            "--state-machine-arn ARN)",
            "Value": {"Ref": STATE_MACHINE},
        }
    }

