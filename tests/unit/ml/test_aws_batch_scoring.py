"""`concert-api model score --warehouse redshift-data`: UNLOAD -> SageMaker Batch Transform -> COPY (issue 18).

S3 and SageMaker are moto (CreateTransformJob, DescribeTransformJob checked against botocore's service models);
the Data API is the loopback fake in recording mode (the real botocore client and adapter, statements recorded,
not run). What AWS does that these cannot: moto completes a transform job at once without running the inference
container or writing its output, and the fake runs no UNLOAD or COPY; the SQL's shape is asserted here and its
Redshift syntax is documented in docs/model.md.
"""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws
from tests.fakes.data_api import FakeDataApi

from concert_api import composition
from concert_api.adapters.warehouse.queries.features import SCHEDULED_CONCERT_FEATURES
from concert_tools.cli.main import cli
from concert_tools.model import aws_scoring

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/redshift-s3"


@pytest.fixture
def aws(monkeypatch, tiny_data_dir):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION, "CONCERT_WAREHOUSE": "redshift-data",
                        "REDSHIFT_CLUSTER_ID": "concert-warehouse-dev", "REDSHIFT_DATABASE": "concert_data"}.items():
        monkeypatch.setenv(name, value)
    with FakeDataApi(tiny_data_dir / "warehouse.duckdb", latency=0.0, execute=False) as api, mock_aws():
        monkeypatch.setenv("AWS_ENDPOINT_URL_REDSHIFT_DATA", api.url)
        composition.reset()
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="concert-stage")
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        sagemaker.create_model(ModelName="ticket-sales", ExecutionRoleArn="arn:aws:iam::123456789012:role/sm",
                               PrimaryContainer={"Image": "sklearn:1.4-2-cpu-py3",
                                                 "ModelDataUrl": "s3://concert-stage/model.tar.gz"})  # fmt: skip
        yield api, s3, sagemaker
    composition.reset()


def test_the_aws_scoring_unloads_transforms_and_copies_back_in_one_transaction(aws):
    api, s3, sagemaker = aws

    result = CliRunner().invoke(cli, ["model", "score", "--warehouse", "redshift-data", "--stage",
                                      "s3://concert-stage/forecasts/", "--sagemaker-model", "ticket-sales",
                                      "--redshift-role", ROLE])  # fmt: skip

    assert result.exit_code == 0, result.output
    unload, *rest = api.sqls
    assert unload.startswith("UNLOAD ('") and f"IAM_ROLE '{ROLE}'" in unload and "FORMAT JSON" in unload
    assert "''scheduled''" in unload and "CAST(CURRENT_DATE AS DATE)" in unload  # the warehouse's date
    job_name = next(line for line in result.output.split() if line.startswith("concert-venue-forecasts-"))
    job = sagemaker.describe_transform_job(TransformJobName=job_name)
    run_uri = job["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"].removesuffix("features/")
    assert run_uri.startswith("s3://concert-stage/forecasts/") and f"TO '{run_uri}features/'" in unload
    assert job["ModelName"] == "ticket-sales" and job["TransformInput"]["SplitType"] == "Line"
    assert job["DataProcessing"]["JoinSource"] == "Input"
    assert len(api.batches) == 1 and api.batches[0] == rest  # the load: one transaction, after the job
    copy = next(sql for sql in rest if sql.startswith("COPY"))
    assert f"FROM '{run_uri}scores/'" in copy and f"FORMAT JSON '{run_uri}jsonpaths.json'" in copy
    assert rest.index(copy) < rest.index("DELETE FROM venue_forecasts") < next(
        i for i, sql in enumerate(rest) if sql.startswith("INSERT INTO venue_forecasts"))
    paths = s3.get_object(Bucket="concert-stage", Key=f"{run_uri.removeprefix('s3://concert-stage/')}jsonpaths.json")
    assert json.loads(paths["Body"].read()) == aws_scoring.JSONPATHS
    assert "transform job completed" in result.output


def test_a_failed_transform_job_loads_nothing(aws):
    api, s3, sagemaker = aws
    run = aws_scoring.BatchScoring("s3://concert-stage/forecasts", "ticket-sales", ROLE)
    warehouse = composition.warehouse()

    class Failing:
        def __getattr__(self, name):
            return getattr(sagemaker, name)

        def describe_transform_job(self, **kwargs):
            return {**sagemaker.describe_transform_job(**kwargs), "TransformJobStatus": "Failed",
                    "FailureReason": "ClientError: model container exited"}  # fmt: skip

    with pytest.raises(aws_scoring.BatchScoringFailed, match="ended Failed: ClientError"):
        aws_scoring.run_batch_scoring(run, warehouse, s3=s3, sagemaker=Failing(), poll_seconds=0)

    assert len(api.sqls) == 1 and api.sqls[0].startswith("UNLOAD") and api.batches == []


def test_the_unloaded_query_is_the_local_scorings_feature_query():
    run = aws_scoring.BatchScoring("s3://b/p", "m", ROLE, today=dt.date(2027, 1, 2))
    inner = aws_scoring.unload_sql(run).split("('", 1)[1].rsplit("') TO", 1)[0].replace("''", "'")
    expected = aws_scoring.one_line(SCHEDULED_CONCERT_FEATURES)  # the same query, on one line
    for name, value in {"as_of": "'2027-01-02'", "start": "'2027-01-02'", "end": "'2027-07-01'",
                        "venue_ids": "''"}.items():  # fmt: skip
        expected = expected.replace(f":{name}", value)
    assert inner == expected


def test_a_stage_that_is_not_s3_is_refused():
    with pytest.raises(ValueError, match="S3 URI"):
        aws_scoring.BatchScoring("bucket/prefix", "m", ROLE)
