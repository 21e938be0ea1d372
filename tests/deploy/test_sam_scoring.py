"""template.yaml's daily venue scoring (issue 18): a Step Functions state machine running the steps of
`concert-api model score --warehouse redshift-data` (UNLOAD -> SageMaker Batch Transform -> COPY), started by an
EventBridge schedule, created only when its parameters are given, with a role allowed exactly what the steps need.

How it is tested:
* The definition is *executed* by moto's Step Functions interpreter (moto's port of LocalStack's ASL
  interpreter: intrinsic functions, Pass/Wait/Choice/Fail, Retry/Catch), after the `${...}` substitutions
  CloudFormation would make. Its aws-sdk tasks reach the project's Data API fake on loopback (recording the
  statements) and moto's S3 and SageMaker, with botocore's clients; the parameters of every task, as Step
  Functions computed them (the execution history), are checked against botocore's service models.
* `model score`'s own path (`aws_scoring.run_batch_scoring`) runs against the same fakes with the same run id,
  and both must send the same statements, the same JSONPaths file and the same transform job.

What AWS does that no test here can show: Step Functions' `.sync` wait on the transform job (the interpreter
has no `.sync` for SageMaker, so the test runs the request-response form of the same call; AWS waits through the
managed EventBridge rule the role may manage); IAM evaluating the role's policy (the test compares it with the
calls the definition makes); CloudFormation resolving `DefinitionSubstitutions` (done here textually, as it
does); EventBridge firing the schedule; Redshift running the UNLOAD and COPY (the fake records them unrun); the
name of the errors Step Functions raises for throttling (the Retry lists follow AWS's ServiceName.ExceptionName
convention).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
import yaml
from botocore.validate import ParamValidator
from moto import mock_aws
from tests.deploy.test_sam import ACCOUNT, _eval_condition, _NoManagedPolicies, _resolve
from tests.fakes.data_api import FakeDataApi

from concert_api.adapters.warehouse.redshift_data import RedshiftDataWarehouse
from concert_tools.deploy import sam_scoring
from concert_tools.deploy.sam import TEMPLATE_PATH, build_template
from concert_tools.model import aws_scoring

REGION = "us-east-1"
REDSHIFT_ROLE = f"arn:aws:iam::{ACCOUNT}:role/redshift-s3"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rs-AbCdEf"
WORKGROUP_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
SCORING = {
    "VenueScoringStageBucket": "concert-stage",
    "VenueScoringModel": "venue-model",
    "VenueScoringRedshiftRole": REDSHIFT_ROLE,
}
# The warehouse configurations the functions support, and the Data API target each must send.
WAREHOUSES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "cluster, db user": (
        {"RedshiftClusterId": "concert-warehouse", "RedshiftDatabase": "concert_data", "RedshiftDbUser": "scorer"},
        {"ClusterIdentifier": "concert-warehouse", "Database": "concert_data", "DbUser": "scorer"},
    ),
    "cluster, IAM": (
        {"RedshiftClusterId": "concert-warehouse", "RedshiftDatabase": "concert_data"},
        {"ClusterIdentifier": "concert-warehouse", "Database": "concert_data",
         "StatementName": "concert-venue-forecasts"},
    ),
    "cluster, secret": (
        {"RedshiftClusterId": "c", "RedshiftDatabase": "d", "RedshiftDbUser": "u", "RedshiftSecretArn": SECRET},
        {"ClusterIdentifier": "c", "Database": "d", "SecretArn": SECRET},
    ),
    "workgroup, IAM": (
        {"RedshiftWorkgroupName": "concert-wg", "RedshiftWorkgroupId": WORKGROUP_ID, "RedshiftDatabase": "d"},
        {"WorkgroupName": "concert-wg", "Database": "d", "StatementName": "concert-venue-forecasts"},
    ),
    "workgroup, secret": (
        {"RedshiftWorkgroupName": "concert-wg", "RedshiftWorkgroupId": WORKGROUP_ID, "RedshiftDatabase": "d",
         "RedshiftSecretArn": SECRET},
        {"WorkgroupName": "concert-wg", "Database": "d", "SecretArn": SECRET},
    ),
}  # fmt: skip
VENUE_RESOURCES = {
    "VenueScoringRole",
    "VenueScoringPolicy",
    "VenueScoringLogGroup",
    "VenueScoringStateMachine",
    "VenueScoringFailedAlarm",
    "VenueScoringTimedOutAlarm",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE_PATH.read_text(encoding="utf-8"))


def _params(template: dict[str, Any], **given: str) -> dict[str, Any]:
    """The template's defaults, the pseudo parameters, and `given`."""
    params: dict[str, Any] = {name: p.get("Default", "") for name, p in template["Parameters"].items()}
    params.update({"NameSuffix": "", "AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT})
    params.update(given)
    return params


def _created(template: dict[str, Any], params: dict[str, Any]) -> set[str]:
    conds = template["Conditions"]
    return {
        name
        for name, res in template["Resources"].items()
        if "Condition" not in res or _eval_condition({"Condition": res["Condition"]}, conds, params)
    }


def _resolved_definition(template: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The definition after CloudFormation's `DefinitionSubstitutions` (a textual `${name}` replacement)."""
    props = template["Resources"]["VenueScoringStateMachine"]["Properties"]
    values = _resolve(copy.deepcopy(props["DefinitionSubstitutions"]), template["Conditions"], params)
    text = re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], json.dumps(props["Definition"]))
    return dict(json.loads(text))


# ---- the schedule and the conditions ------------------------------------------------------------------------


def test_the_schedule_is_daily_by_default(template):
    # given a warehouse and the scoring's three parameters, the schedule left at its default
    params = _params(template, **WAREHOUSES["cluster, db user"][0], **SCORING)
    assert template["Parameters"]["VenueScoringSchedule"]["Default"] == "rate(1 day)"
    # then the state machine and everything it needs are created, and its rule fires daily
    assert _created(template, params) >= VENUE_RESOURCES
    event = template["Resources"]["VenueScoringStateMachine"]["Properties"]["Events"]["Daily"]
    assert event["Type"] == "Schedule"
    rule = _resolve(copy.deepcopy(event["Properties"]), template["Conditions"], params)
    assert (rule["Schedule"], rule["State"]) == ("rate(1 day)", "ENABLED")
    # and another schedule expression is taken as given
    hourly = _resolve(copy.deepcopy(event["Properties"]), template["Conditions"],
                      {**params, "VenueScoringSchedule": "cron(0 4 * * ? *)"})  # fmt: skip
    assert (hourly["Schedule"], hourly["State"]) == ("cron(0 4 * * ? *)", "ENABLED")


def test_an_empty_schedule_disables_the_rule_and_keeps_the_state_machine_for_runs_by_hand(template):
    params = _params(template, **WAREHOUSES["workgroup, IAM"][0], **SCORING, VenueScoringSchedule="")
    assert _created(template, params) >= VENUE_RESOURCES
    event = template["Resources"]["VenueScoringStateMachine"]["Properties"]["Events"]["Daily"]
    rule = _resolve(copy.deepcopy(event["Properties"]), template["Conditions"], params)
    assert rule["State"] == "DISABLED"
    assert re.fullmatch(template["Parameters"]["VenueScoringSchedule"]["AllowedPattern"], "")


@pytest.mark.parametrize(
    "missing",
    ["VenueScoringStageBucket", "VenueScoringModel", "VenueScoringRedshiftRole", "RedshiftDatabase",
     "RedshiftClusterId"],
)  # fmt: skip
def test_nothing_of_the_scoring_is_created_without_its_parameters(template, missing):
    # given every parameter the scoring needs but one (the defaults leave them all empty)
    params = _params(template, **WAREHOUSES["cluster, db user"][0], **SCORING)
    params[missing] = ""
    # then none of its resources or outputs exist, and nothing that exists refers to them
    assert not VENUE_RESOURCES & _created(template, params)
    assert not VENUE_RESOURCES & _created(template, _params(template))
    for name in VENUE_RESOURCES:
        assert template["Resources"][name]["Condition"] == "WithVenueScoring", name
    assert {n for n in template["Resources"] if n.startswith("VenueScoring")} == VENUE_RESOURCES
    assert template["Outputs"]["VenueScoringStateMachineArn"]["Condition"] == "WithVenueScoring"
    for name, res in template["Resources"].items():
        if name not in VENUE_RESOURCES:
            assert "VenueScoring" not in json.dumps(res), name


def test_the_sam_transform_makes_a_standard_state_machine_its_schedule_and_their_roles(monkeypatch):
    from samtranslator.translator.transform import transform

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    template = build_template()
    template["Globals"]["Function"]["CodeUri"] = "s3://bucket/concert-api.zip"
    out = transform(template, {}, _NoManagedPolicies())["Resources"]
    # everything the scoring adds, and only that, carries its condition
    assert {k: r["Type"] for k, r in out.items() if r.get("Condition") == "WithVenueScoring"} == {
        "VenueScoringRole": "AWS::IAM::Role",
        "VenueScoringPolicy": "AWS::IAM::RolePolicy",
        "VenueScoringLogGroup": "AWS::Logs::LogGroup",
        "VenueScoringStateMachine": "AWS::StepFunctions::StateMachine",
        "VenueScoringStateMachineDaily": "AWS::Events::Rule",
        "VenueScoringStateMachineDailyRole": "AWS::IAM::Role",
        "VenueScoringFailedAlarm": "AWS::CloudWatch::Alarm",
        "VenueScoringTimedOutAlarm": "AWS::CloudWatch::Alarm",
    }
    machine = out["VenueScoringStateMachine"]
    props = machine["Properties"]
    assert props["StateMachineType"] == "STANDARD" and machine["DependsOn"] == "VenueScoringPolicy"
    assert props["RoleArn"] == {"Fn::GetAtt": ["VenueScoringRole", "Arn"]}
    assert props["LoggingConfiguration"]["Destinations"] == [
        {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": ["VenueScoringLogGroup", "Arn"]}}}
    ]
    # every ${name} of the definition CloudFormation receives has a substitution
    definition = "\n".join(props["DefinitionString"]["Fn::Join"][1])
    assert set(re.findall(r"\$\{(\w+)\}", definition)) == set(props["DefinitionSubstitutions"])
    # the schedule: an EventBridge rule (under the same condition) whose own role may only start this machine
    rule = out["VenueScoringStateMachineDaily"]
    assert (rule["Type"], rule["Condition"]) == ("AWS::Events::Rule", "WithVenueScoring")
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Ref": "VenueScoringStateMachine"}
    events_role = out["VenueScoringStateMachineDailyRole"]
    assert events_role["Condition"] == "WithVenueScoring"
    [policy] = events_role["Properties"]["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": "VenueScoringStateMachine"}}
    ]


def test_the_definition_passes_cfn_lints_state_machine_validation(tmp_path):
    # cfn-lint validates a definition given as an object (rule E3601), not the Fn::Join SAM turns it into: lint it
    # in a plain CloudFormation state machine
    def lint(definition: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "machine.json"
        substitutions = {name: "value" for name in sam_scoring.definition_substitutions()}
        machine = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/r", "Definition": definition,
                   "DefinitionSubstitutions": substitutions}  # fmt: skip
        path.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09",
                                    "Resources": {"Machine": {"Type": "AWS::StepFunctions::StateMachine",
                                                              "Properties": machine}}}))  # fmt: skip
        exe = Path(sys.executable).parent / "cfn-lint"
        return subprocess.run([str(exe), str(path)], capture_output=True, text=True, timeout=300)

    clean = lint(sam_scoring.definition())
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # and the check is real: a broken state is reported
    broken = sam_scoring.definition()
    broken["States"]["UnloadWait"]["Type"] = "Wiat"
    assert "E3601" in lint(broken).stdout


# ---- what the state machine sends ---------------------------------------------------------------------------


@pytest.mark.parametrize("warehouse", list(WAREHOUSES), ids=list(WAREHOUSES))
def test_every_warehouse_configuration_sends_a_valid_data_api_target(template, warehouse):
    # given the configuration, resolved as CloudFormation would
    config, target = WAREHOUSES[warehouse]
    definition = _resolved_definition(template, _params(template, **config, **SCORING))
    validator = ParamValidator()
    model = _service_model("redshift-data")
    for state, operation, sql in (("Unload", "ExecuteStatement", {"Sql": "SELECT 1"}),
                                  ("Load", "BatchExecuteStatement", {"Sqls": ["SELECT 1"]})):  # fmt: skip
        params = {k: v for k, v in definition["States"][state]["Parameters"].items() if not k.endswith(".$")}
        # then the target is the one the functions' adapter would use for it, and the request is valid
        assert params == target, state
        report = validator.validate({**params, **sql}, model.operation_model(operation).input_shape)
        assert not report.has_errors(), report.generate_report()


def _service_model(service: str) -> Any:
    return boto3.session.Session()._session.get_service_model(service)


def _execution_parameters(sfn: Any, execution_arn: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(service, action, parameters) of every task the execution scheduled, as Step Functions computed them."""
    events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return [
        (e["taskScheduledEventDetails"]["resourceType"], e["taskScheduledEventDetails"]["resource"],
         json.loads(e["taskScheduledEventDetails"]["parameters"]))
        for e in events if e["type"] == "TaskScheduled"
    ]  # fmt: skip


@pytest.fixture
def data_api(tmp_path, monkeypatch):
    """The Data API fake in recording mode (UNLOAD and COPY exist only on Redshift)."""
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with FakeDataApi(db, latency=0.0, execute=False) as api:
        monkeypatch.setenv("AWS_ENDPOINT_URL_REDSHIFT_DATA", api.url)
        yield api


@pytest.fixture
def interpreter(monkeypatch):
    """moto's Step Functions interpreter, told the boto3 name of the `redshiftdata` SDK integration."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )

    monkeypatch.setitem(StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES, "redshiftdata", "redshift-data")
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


def _aws_world(bucket: bool = True) -> tuple[Any, Any]:
    s3 = boto3.client("s3", region_name=REGION)
    if bucket:
        s3.create_bucket(Bucket="concert-stage")
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    sagemaker.create_model(ModelName="venue-model", ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/sagemaker",
                           PrimaryContainer={"Image": "sklearn:1.4-2-cpu-py3",
                                             "ModelDataUrl": "s3://concert-stage/model.tar.gz"})  # fmt: skip
    return s3, sagemaker


def _execute(template: dict[str, Any], config: dict[str, str], name: str) -> tuple[Any, str, dict[str, Any]]:
    """Run the state machine once (waits shortened, the transform job's `.sync` replaced by its request-response
    form, which the interpreter can run); return the client, the execution ARN and its description."""
    definition = _resolved_definition(template, _params(template, **config, **SCORING))
    for state in definition["States"].values():
        if state["Type"] == "Wait":
            state["Seconds"] = 0
    transform = definition["States"]["Transform"]
    assert transform["Resource"] == "arn:aws:states:::sagemaker:createTransformJob.sync"
    transform["Resource"] = transform["Resource"].removesuffix(".sync")
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(name="concert-api-venue-scoring", definition=json.dumps(definition),
                                       roleArn=f"arn:aws:iam::{ACCOUNT}:role/scoring")["stateMachineArn"]  # fmt: skip
    # the input EventBridge gives a scheduled execution
    event = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    execution = sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps(event))["executionArn"]
    deadline = time.monotonic() + 60
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not end"
        time.sleep(0.05)
    return sfn, execution, described


def test_an_execution_sends_what_model_score_sends_for_the_same_run(template, data_api, interpreter):
    # given the CLI's path run with a run id...
    config, target = WAREHOUSES["cluster, db user"]
    run_id = "3f0c2a1e-8d4b-4c6f-9a7e-5b1d2c3e4f50"  # what EventBridge names a scheduled execution: a UUID
    run = aws_scoring.BatchScoring("s3://concert-stage/venue-forecasts", "venue-model", REDSHIFT_ROLE, run_id=run_id)
    with mock_aws():
        s3, sagemaker = _aws_world()
        warehouse = RedshiftDataWarehouse(cluster_identifier="concert-warehouse", database="concert_data",
                                          db_user="scorer", region=REGION)  # fmt: skip
        aws_scoring.run_batch_scoring(run, warehouse, s3=s3, sagemaker=sagemaker, poll_seconds=0)
        warehouse.close()
        cli_job = sagemaker.describe_transform_job(TransformJobName=run.job_name)
        cli_jsonpaths = s3.get_object(Bucket="concert-stage", Key="venue-forecasts/" + run_id + "/jsonpaths.json")
        cli_jsonpaths_body = cli_jsonpaths["Body"].read()
    cli_sqls, cli_batches = list(data_api.sqls), list(data_api.batches)
    data_api.sqls.clear()
    data_api.batches.clear()
    data_api.calls.clear()

    # when the state machine runs as an execution of that name
    s3, sagemaker = _aws_world()
    sfn, execution, described = _execute(template, config, run_id)

    # then it succeeds, sending the same statements, in the same order and transactions...
    assert described["status"] == "SUCCEEDED", described
    assert data_api.sqls == cli_sqls and data_api.batches == cli_batches
    assert data_api.sqls[0] == aws_scoring.unload_sql(run) and data_api.batches == [aws_scoring.load_statements(run)]
    # (the window and the time scored come from the warehouse: nothing in the definition but the run id varies)
    assert "CAST(CURRENT_DATE AS DATE)" in data_api.sqls[0] and "SYSDATE" in data_api.batches[0][-2]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", json.dumps(sam_scoring.definition()))
    assert data_api.calls == ["ExecuteStatement", "DescribeStatement", "BatchExecuteStatement", "DescribeStatement"]
    # ...the same JSONPaths file and the same transform job
    body = s3.get_object(Bucket="concert-stage", Key=f"venue-forecasts/{run_id}/jsonpaths.json")["Body"].read()
    assert body == cli_jsonpaths_body == aws_scoring.JSONPATHS_BODY.encode()
    job = sagemaker.describe_transform_job(TransformJobName=run.job_name)
    request = aws_scoring.transform_job_request(run)
    for key in request:
        assert job[key] == cli_job[key] == request[key], key
    # and every task's parameters, as Step Functions computed them, are a valid request for its API
    tasks = _execution_parameters(sfn, execution)
    operations = {("aws-sdk:redshiftdata", "executeStatement"): ("redshift-data", "ExecuteStatement"),
                  ("aws-sdk:redshiftdata", "describeStatement"): ("redshift-data", "DescribeStatement"),
                  ("aws-sdk:redshiftdata", "batchExecuteStatement"): ("redshift-data", "BatchExecuteStatement"),
                  ("aws-sdk:s3", "putObject"): ("s3", "PutObject"),
                  ("sagemaker", "createTransformJob"): ("sagemaker", "CreateTransformJob")}  # fmt: skip
    assert [operations[(kind, action)][1] for kind, action, _ in tasks] == [
        "ExecuteStatement", "DescribeStatement", "PutObject", "CreateTransformJob", "BatchExecuteStatement",
        "DescribeStatement"]  # fmt: skip
    for kind, action, params in tasks:
        service, operation = operations[(kind, action)]
        report = ParamValidator().validate(params, _service_model(service).operation_model(operation).input_shape)
        assert not report.has_errors(), (operation, report.generate_report())
        if service == "redshift-data" and operation != "DescribeStatement":
            assert {k: v for k, v in params.items() if k not in ("Sql", "Sqls")} == target


def test_a_failed_statement_ends_the_run_with_redshifts_error_and_loads_nothing(template, tmp_path, monkeypatch,
                                                                                interpreter):  # fmt: skip
    # given a Data API that runs the statements (on DuckDB, which has no UNLOAD: the statement FAILS)
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with FakeDataApi(db, latency=0.0, execute=True) as api:
        monkeypatch.setenv("AWS_ENDPOINT_URL_REDSHIFT_DATA", api.url)
        _s3, sagemaker = _aws_world()
        _sfn, _execution, described = _execute(template, WAREHOUSES["workgroup, secret"][0], "unload-fails")
    # then the run fails in the UNLOAD's Fail state with the warehouse's message; no job, no load
    assert described["status"] == "FAILED"
    assert described["error"] == "VenueScoring.UnloadFailed"
    assert "UNLOAD" in described["cause"] or "syntax" in described["cause"].lower(), described["cause"]
    assert sagemaker.list_transform_jobs()["TransformJobSummaries"] == []
    assert api.batches == [] and api.calls.count("ExecuteStatement") == 1


def test_a_failing_task_ends_the_run_in_a_fail_state_with_its_error_and_cause(template, data_api, interpreter):
    # given a stage bucket that does not exist (the JSONPaths file cannot be written)
    _s3, sagemaker = _aws_world(bucket=False)
    _sfn, _execution, described = _execute(template, WAREHOUSES["cluster, IAM"][0], "no-bucket")
    # then the Catch ends the run in ScoringFailed, its cause naming S3's error; nothing after it ran
    assert described["status"] == "FAILED" and described["error"] == "VenueScoring.Failed"
    assert "NoSuchBucket" in described["cause"], described["cause"]
    assert sagemaker.list_transform_jobs()["TransformJobSummaries"] == []
    assert data_api.batches == []


# ---- what the role may do -----------------------------------------------------------------------------------

# The IAM actions behind each task of the definition (`.sync` per AWS's "IAM policies for SageMaker" page:
# the job's create/describe/stop/tags and the managed EventBridge rule it waits through).
TASK_ACTIONS = {
    "arn:aws:states:::aws-sdk:redshiftdata:executeStatement": {"redshift-data:ExecuteStatement"},
    "arn:aws:states:::aws-sdk:redshiftdata:batchExecuteStatement": {"redshift-data:BatchExecuteStatement"},
    "arn:aws:states:::aws-sdk:redshiftdata:describeStatement": {"redshift-data:DescribeStatement"},
    "arn:aws:states:::aws-sdk:s3:putObject": {"s3:PutObject"},
    "arn:aws:states:::sagemaker:createTransformJob.sync": {
        "sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob",
        "sagemaker:ListTags", "events:PutTargets", "events:PutRule", "events:DescribeRule"},
}  # fmt: skip
LOG_DELIVERY = {
    "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
}  # fmt: skip
CREDENTIALS = {
    "cluster, db user": {"redshift:GetClusterCredentials"},
    "cluster, IAM": {"redshift:GetClusterCredentialsWithIAM"},
    "cluster, secret": {"secretsmanager:GetSecretValue"},
    "workgroup, IAM": {"redshift-serverless:GetCredentials"},
    "workgroup, secret": {"secretsmanager:GetSecretValue"},
}


def _policy(template: dict[str, Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    params = {**params, "VenueScoringRole.RoleId": "AROAEXAMPLEROLEID"}
    doc = template["Resources"]["VenueScoringPolicy"]["Properties"]["PolicyDocument"]
    return list(_resolve(copy.deepcopy(doc), template["Conditions"], params)["Statement"])


@pytest.mark.parametrize("warehouse", list(WAREHOUSES), ids=list(WAREHOUSES))
def test_the_role_may_do_exactly_what_the_steps_need(template, warehouse):
    config, _target = WAREHOUSES[warehouse]
    params = _params(template, **config, **SCORING)
    statements = _policy(template, params)
    granted = {a for st in statements for a in st["Action"]}
    needed = {a for st in sam_scoring.definition()["States"].values() if st["Type"] == "Task"
              for a in TASK_ACTIONS[st["Resource"]]}  # fmt: skip
    assert granted == needed | LOG_DELIVERY | CREDENTIALS[warehouse]
    assert not any("iam:PassRole" in st["Action"] for st in statements)  # the job runs as the model's own role
    by_action = {a: st for st in statements for a in st["Action"]}
    # each scoped to what this stack's runs touch
    target = (f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:{config['RedshiftClusterId']}" if "cluster" in warehouse
              else f"arn:aws:redshift-serverless:{REGION}:{ACCOUNT}:workgroup/{WORKGROUP_ID}")  # fmt: skip
    assert by_action["redshift-data:ExecuteStatement"]["Resource"] == target
    assert by_action["redshift-data:BatchExecuteStatement"]["Resource"] == target
    describe = by_action["redshift-data:DescribeStatement"]
    assert describe["Condition"] == {
        "StringLike": {"redshift-data:statement-owner-iam-userid": "AROAEXAMPLEROLEID:*"}  # this role's statements
    }
    assert by_action["s3:PutObject"]["Resource"] == "arn:aws:s3:::concert-stage/venue-forecasts/*"
    assert by_action["sagemaker:CreateTransformJob"]["Resource"] == (
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:transform-job/{aws_scoring.JOB_NAME_PREFIX}*"
    )
    assert by_action["events:PutRule"]["Resource"] == (
        f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerTransformJobsRule"
    )
    stars = {a for a, st in by_action.items() if st["Resource"] == "*"}
    assert stars == LOG_DELIVERY | {"redshift-data:DescribeStatement"}  # no resource type exists for these
    trust = template["Resources"]["VenueScoringRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "states.amazonaws.com"}]


def test_the_state_machine_logs_to_a_group_with_a_retention_and_its_failures_raise_an_alarm(template):
    resources = template["Resources"]
    group = resources["VenueScoringLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert group["LogGroupName"] == {"Fn::Sub": "/aws/vendedlogs/states/concert-api${NameSuffix}-venue-scoring"}
    for label, metric in (("Failed", "ExecutionsFailed"), ("TimedOut", "ExecutionsTimedOut")):
        alarm = resources[f"VenueScoring{label}Alarm"]["Properties"]
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Threshold"]) == ("AWS/States", metric, 1)
        assert alarm["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": "VenueScoringStateMachine"}}]
        assert alarm["AlarmActions"] == {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}],
                                                    {"Ref": "AWS::NoValue"}]}  # fmt: skip
