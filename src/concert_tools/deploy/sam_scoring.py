"""The SAM template's daily batch scoring of the venue forecasts (issue 18): a Step Functions state machine that
runs the same three steps as `concert-api model score --warehouse redshift-data` (`model/aws_scoring.py`),
started by an EventBridge schedule.

    Unload        redshiftdata:executeStatement (the UNLOAD), then Wait -> describeStatement -> Choice until it
                  is FINISHED (FAILED or ABORTED end the run in a Fail state with Redshift's error)
    JsonPaths     s3:putObject of the JSONPaths file the COPY reads
    Transform     sagemaker:createTransformJob.sync (Step Functions waits for the job to end)
    Load          redshiftdata:batchExecuteStatement (COPY into staging, swap venue_forecasts: one transaction),
                  then the same wait loop

Every task retries on throttling and catches every other error into a Fail state that carries the error and
its cause. No Lambda function is involved: the tasks are Step Functions' service integrations.

What each task sends comes from `aws_scoring`'s builder, for a run whose id is a marker: in the definition,
every string holding the marker becomes `States.Format(..., $$.Execution.Name)`, so each execution writes
under `<stage>/<execution name>/` and names its transform job `concert-venue-forecasts-<execution name>`.
The SQL is carried as plain JSON by a first Pass state (`Texts`) and reached by path, never written inside
an intrinsic function, so it needs no escaping.
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
from concert_tools.deploy.sam_monitoring import alarm, log_group
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

STAGE_OBJECTS = "arn:${AWS::Partition}:s3:::${VenueScoringStageBucket}/${VenueScoringStagePrefix}/*"
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

_RESERVED = re.compile(r"[\\'{}]")
"""Characters an intrinsic function's string literal would need escaped: text holding any is passed by path."""
_CFN_VARIABLE = re.compile(r"\$\{[A-Za-z0-9]+\}")
"""A `DefinitionSubstitutions` variable: replaced before Step Functions reads the definition, by values whose
parameters' patterns exclude the reserved characters."""


def _reserved(piece: str) -> bool:
    return bool(_RESERVED.search(_CFN_VARIABLE.sub("", piece)))


def template_run() -> aws_scoring.BatchScoring:
    """The run the definition is built from: deploy-time values as `${...}` variables, the run id a marker."""
    return aws_scoring.BatchScoring(
        stage="s3://${VenueScoringStageBucket}/${VenueScoringStagePrefix}",
        sagemaker_model="${VenueScoringModel}",
        redshift_role="${VenueScoringRedshiftRole}",
        instance_type="${VenueScoringInstanceType}",
        run_id=RUN_MARKER,
    )


class _Texts:
    """The texts the definition carries, and intrinsic expressions that put the execution's name into them.

    A piece of text with a character an intrinsic literal reserves (`'`, `{`, `}`, `\\`: every SQL statement)
    is not written into an intrinsic function: it goes into the `Texts` Pass state's result (plain JSON) and is
    referred to by its path (`$.texts.<name>`), so no escaping rule is involved. Other pieces (S3 URIs, the job
    name) are written in as literals."""

    def __init__(self) -> None:
        self.result: dict[str, str] = {}

    def _argument(self, name: str, piece: str) -> str:
        if not _reserved(piece):
            return f"'{piece}'"
        self.result[name] = piece
        return f"$.texts.{name}"

    def expression(self, name: str, text: str) -> str:
        """`text` as an intrinsic expression: `States.Format` with the execution's name where the run id stands."""
        pieces = text.split(RUN_MARKER)
        if len(pieces) == 1:
            return self._argument(name, text)
        if not any(_reserved(p) for p in pieces):
            return f"States.Format('{'{}'.join(pieces)}', {', '.join([RUN_ID_PATH] * (len(pieces) - 1))})"
        args = []
        for i, piece in enumerate(pieces):
            args += [self._argument(f"{name}_{i}", piece)] + ([RUN_ID_PATH] if i < len(pieces) - 1 else [])
        return f"States.Format('{'{}' * len(args)}', {', '.join(args)})"

    def parameters(self, name: str, request: dict[str, Any]) -> dict[str, Any]:
        """A task's `Parameters` for an API request: strings holding the run id become `key.$` expressions."""
        out: dict[str, Any] = {}
        for key, value in request.items():
            if isinstance(value, dict):
                out[key] = self.parameters(f"{name}_{key}", value)
            elif isinstance(value, str) and RUN_MARKER in value:
                out[f"{key}.$"] = self.expression(f"{name}_{key}", value)
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
    return [
        {
            "ErrorEquals": RETRYABLE[service],
            "IntervalSeconds": 5,
            "MaxAttempts": 5,
            "BackoffRate": 2.0,
            "JitterStrategy": "FULL",
        }
    ]


def _task(
    resource: str, parameters: dict[str, Any], next_state: str, service: str, result_path: str | None = None
) -> dict[str, Any]:
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
        name: _task(
            DATA_API + action, {**_data_api_target(), **parameters}, f"{name}Wait", "redshiftdata", "$.statement"
        ),
        f"{name}Wait": {"Type": "Wait", "Seconds": POLL_SECONDS, "Next": f"{name}Status"},
        f"{name}Status": _task(
            DATA_API + "describeStatement", {"Id.$": "$.statement.Id"}, f"{name}Done", "redshiftdata", "$.statement"
        ),
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
        f"{name}Aborted": {
            "Type": "Fail",
            "Error": f"VenueScoring.{name}Aborted",
            "Cause": "The statement was cancelled; venue_forecasts is unchanged.",
        },
    }


def definition() -> dict[str, Any]:
    """The state machine's definition (Amazon States Language)."""
    run = template_run()
    texts = _Texts()
    bucket, key = run.jsonpaths_uri.removeprefix("s3://").split("/", 1)
    unload = {"Sql.$": texts.expression("unload", aws_scoring.unload_sql(run))}
    jsonpaths = texts.parameters(
        "jsonpaths",
        {"Bucket": bucket, "Key": key, "ContentType": "application/json", "Body": aws_scoring.JSONPATHS_BODY},
    )
    transform = texts.parameters("transform", aws_scoring.transform_job_request(run))
    loads = [texts.expression(f"load_{i}", sql) for i, sql in enumerate(aws_scoring.load_statements(run))]
    states: dict[str, Any] = {
        "Texts": {"Type": "Pass", "Result": texts.result, "ResultPath": "$.texts", "Next": "Unload"},
        **_statement_states("Unload", "executeStatement", unload, "JsonPaths"),
        "JsonPaths": _task(PUT_OBJECT, jsonpaths, "Transform", "s3"),
        "Transform": _task(TRANSFORM_SYNC, transform, "Load", "sagemaker", "$.transform"),
        **_statement_states("Load", "batchExecuteStatement", {"Sqls.$": f"States.Array({', '.join(loads)})"}, "Scored"),
        "Scored": {"Type": "Succeed"},
        "ScoringFailed": {
            "Type": "Fail",
            "Error": "VenueScoring.Failed",
            "CausePath": "States.Format('{}: {}', $.error.Error, $.error.Cause)",
        },
    }
    return {
        "Comment": "concert-api: score the venue forecasts (UNLOAD -> SageMaker Batch Transform -> COPY); "
        "the same steps as `concert-api model score --warehouse redshift-data`",
        "StartAt": "Texts",
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
        "DataApiCredential": {
            "Fn::If": ["UseSecret", "SecretArn", {"Fn::If": ["UseDbUser", "DbUser", "StatementName"]}]
        },
        "DataApiCredentialValue": {
            "Fn::If": [
                "UseSecret",
                ref("RedshiftSecretArn"),
                {"Fn::If": ["UseDbUser", ref("RedshiftDbUser"), STATEMENT_NAME]},
            ]
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
        "VenueScoringInstanceType": param(
            "Instance type of the SageMaker transform job", "ml.m5.large", AllowedPattern="^ml\\.[a-z0-9]+\\.[a-z0-9]+$"
        ),
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
            st = dataclasses.replace(
                st, actions=("redshift-data:BatchExecuteStatement", "redshift-data:ExecuteStatement")
            )
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
            "Resource": {"Fn::Sub": STAGE_OBJECTS},
        },
        {
            "Sid": "RunTransformJobs",
            "Effect": "Allow",
            "Action": [
                "sagemaker:CreateTransformJob",
                "sagemaker:DescribeTransformJob",
                "sagemaker:ListTags",
                "sagemaker:StopTransformJob",
            ],
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
        LOG_GROUP: log_group({"Fn::Sub": f"/aws/vendedlogs/states/{NAME_SUB}"}),
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
                            "Schedule": {
                                "Fn::If": [SCHEDULE_CONDITION, {"Ref": "VenueScoringSchedule"}, DEFAULT_SCHEDULE]
                            },
                            "State": {"Fn::If": [SCHEDULE_CONDITION, "ENABLED", "DISABLED"]},
                            "Description": "Scores the venue forecasts (VenueScoringSchedule)",
                        },
                    }
                },
                "Tags": {"project": SERVICE_NAME},
            },
        },
    }
    for label, metric, what in (
        ("Failed", "ExecutionsFailed", "failed runs"),
        ("TimedOut", "ExecutionsTimedOut", "timed-out runs"),
    ):
        resources[f"VenueScoring{label}Alarm"] = alarm(
            f"{NAME_SUB}-{label.lower()}",
            f"venue scoring: {what} >= 1 over 5 minutes (the state machine's log group says why)",
            "AWS/States",
            metric,
            [{"Name": "StateMachineArn", "Value": {"Ref": STATE_MACHINE}}],
            {"Statistic": "Sum"},
            1,
        )
    return {
        name: {"Type": res["Type"], "Condition": SCORING_CONDITION, **{k: v for k, v in res.items() if k != "Type"}}
        for name, res in resources.items()
    }


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
