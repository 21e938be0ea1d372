"""Bulk loading Redshift by COPY (issue 14, finding 7): Parquet staged in S3 (moto), statements sent through a Data
API fake that sits at botocore's `before-send` hook of a real `redshift-data` client, so every request is
serialised, and every answer parsed, by botocore's service model. The fake records the statements and plays
Redshift's transactions: a batch's changes apply only when the whole batch succeeds.

What the fakes cannot show is Redshift itself: COPY's type mapping from Parquet and the cluster's role reaching the
bucket. The fake reads the COPY's object from moto S3, so the URI, bucket and key must be the ones uploaded.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path
from typing import Any

import boto3
import pyarrow.parquet as pq
import pytest
from botocore.awsrequest import AWSResponse
from click.testing import CliRunner
from moto import mock_aws

from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.base import QueryFailed
from concert_api.adapters.warehouse.queries.refresh import REFRESH_STATEMENTS
from concert_tools.data.loader import load_directory
from concert_tools.data.redshift_copy import RedshiftCopyWarehouse, parse_stage

BUCKET = "concert-stage"
ROLE = "arn:aws:iam::123456789012:role/redshift-copy"
TARGET = {"Database": "concert_data", "WorkgroupName": "concert-wg"}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


class DataApiFake:
    """The Redshift Data API at the HTTP boundary of a real botocore client (see the module docstring)."""

    def __init__(self, s3: Any, *, fail_sql: str | None = None) -> None:
        self.s3 = s3
        self.fail_sql = fail_sql  # a batch holding a statement that matches this regex fails there
        self.batches: list[list[str]] = []
        self.tables: dict[str, int] = {t.name: 7 for t in schema.TABLES}  # what Redshift held before the load
        self.statements: dict[str, dict[str, Any]] = {}
        self.polls = 0

    def client(self) -> Any:
        client = boto3.client("redshift-data", region_name="us-east-1")
        from moto.core.models import botocore_stubber

        client.meta.events.unregister("before-send", botocore_stubber)  # moto answers S3 only, this fake the rest
        client.meta.events.register("before-send.redshift-data", self.handle)
        return client

    def handle(self, request: Any, **_: Any) -> AWSResponse:
        operation = request.headers["X-Amz-Target"].decode().rsplit(".", 1)[-1]
        body = json.loads(request.body or b"{}")
        answer = getattr(self, operation)(body)
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"},
                           _Raw(json.dumps(answer).encode()))  # fmt: skip

    # --- operations -------------------------------------------------------------------------------------

    def BatchExecuteStatement(self, body: dict[str, Any]) -> dict[str, Any]:
        assert {k: body[k] for k in TARGET} == TARGET
        self.batches.append(body["Sqls"])
        return {"Id": self._run(body["Sqls"])}

    def ExecuteStatement(self, body: dict[str, Any]) -> dict[str, Any]:
        assert {k: body[k] for k in TARGET} == TARGET
        statement_id = self._run([body["Sql"]])
        if body["Sql"].startswith("SELECT 'cities'"):
            rows = [[{"stringValue": t.name}, {"longValue": self.tables[t.name]}] for t in schema.TABLES]
            self.statements[statement_id]["records"] = rows
        return {"Id": statement_id}

    def DescribeStatement(self, body: dict[str, Any]) -> dict[str, Any]:
        self.polls += 1
        statement = self.statements[body["Id"]]
        statement["polls"] += 1
        if statement["polls"] == 1:
            return {"Id": body["Id"], "Status": "STARTED"}  # the loader must poll
        return {"Id": body["Id"], "Status": statement["status"], "Error": statement.get("error", ""),
                "SubStatements": statement["subs"]}  # fmt: skip

    def GetStatementResult(self, body: dict[str, Any]) -> dict[str, Any]:
        records = self.statements[body["Id"]]["records"]
        return {"Records": records, "TotalNumRows": len(records),
                "ColumnMetadata": [{"name": "table_name", "typeName": "varchar"}, {"name": "n", "typeName": "int8"}]}

    def CancelStatement(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"Status": True}

    # --- Redshift's side ---------------------------------------------------------------------------------

    def _run(self, sqls: list[str]) -> str:
        """Run a batch as one transaction on the fake's table sizes; apply it only if every statement works."""
        statement_id = str(uuid.uuid4())
        tables = dict(self.tables)
        subs, status, error = [], "FINISHED", ""
        for i, sql in enumerate(sqls):
            if status != "FINISHED":
                subs.append({"Id": f"{statement_id}:{i + 1}", "Status": "ABORTED", "QueryString": sql})
                continue
            if self.fail_sql and re.search(self.fail_sql, sql):
                status, error = "FAILED", "ERROR: Spectrum Scan Error (the COPY failed)"
                subs.append({"Id": f"{statement_id}:{i + 1}", "Status": "FAILED", "QueryString": sql})
                continue
            subs.append({"Id": f"{statement_id}:{i + 1}", "Status": "FINISHED", "QueryString": sql})
            if m := re.fullmatch(r"COPY (\w+) FROM 's3://([^/]+)/(.+)' IAM_ROLE '([^']+)' FORMAT AS PARQUET", sql):
                table, bucket, key, role = m.groups()
                assert role == ROLE
                data = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                tables[table] = pq.read_table(io.BytesIO(data)).num_rows
            elif m := re.fullmatch(r"INSERT INTO (\w+) SELECT \* FROM (\w+)_staging", sql):
                assert m.group(1) == m.group(2)
                tables[m.group(1)] = tables[m.group(2) + "_staging"]
            elif m := re.fullmatch(r"DROP TABLE IF EXISTS (\w+)", sql):
                tables.pop(m.group(1), None)
            elif m := re.fullmatch(r"DELETE FROM (\w+)", sql):
                tables[m.group(1)] = 0
            elif "INSERT INTO venue_metrics" in sql:
                tables["venue_metrics"] = tables["venues"]
        if status == "FINISHED":
            self.tables = tables
        self.statements[statement_id] = {"status": status, "error": error, "subs": subs, "polls": 0}
        return statement_id


@pytest.fixture
def aws(monkeypatch) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield s3


def _warehouse(s3: Any, fake: DataApiFake, progress: list[str]) -> RedshiftCopyWarehouse:
    return RedshiftCopyWarehouse(stage=f"s3://{BUCKET}/loads", role_arn=ROLE, target=dict(TARGET), s3=s3,
                                 data_api=fake.client(), progress=progress.append, sleep=lambda _s: None)  # fmt: skip


def _source_rows(directory: Path) -> dict[str, int]:
    return {p.stem: pq.read_metadata(p).num_rows for p in directory.glob("*.parquet") if p.stem in
            {t.name for t in schema.LOADED_TABLES}}  # fmt: skip


def test_files_go_to_s3_and_into_redshift_by_copy_in_one_swap(aws, tiny_data_dir):
    # given the tiny data set and a Redshift holding older data
    fake, progress = DataApiFake(aws), []
    # when it is loaded by COPY
    result = load_directory(tiny_data_dir / "generated", _warehouse(aws, fake, progress))
    # then every loaded table came through a staging table filled by COPY from its S3 object...
    staging, swap, clean_up = fake.batches
    copies = [s for s in staging if s.startswith("COPY ")]
    assert len(copies) == len(schema.LOADED_TABLES)
    assert all(f"IAM_ROLE '{ROLE}' FORMAT AS PARQUET" in s and f"s3://{BUCKET}/loads/" in s for s in copies)
    assert all(f"CREATE TABLE {t.name}_staging (LIKE {t.name})" in staging for t in schema.LOADED_TABLES)
    # ...swapped in by one batch (one transaction): every table emptied, refilled, the summaries rebuilt
    leading = swap[: len(schema.TABLES)]
    assert sorted(leading) == sorted(f"DELETE FROM {t.name}" for t in schema.TABLES)
    assert [s for s in swap if s.startswith("INSERT INTO") and "_staging" in s] == [
        f"INSERT INTO {t.name} SELECT * FROM {t.name}_staging" for t in schema.LOADED_TABLES
    ]
    assert swap[-len(REFRESH_STATEMENTS) :] == list(REFRESH_STATEMENTS)
    # ...the summary tables recreated in the current shape before they are refilled (an older version's
    # columns do not survive a load)
    rebuilt = swap[-len(REFRESH_STATEMENTS) - 2 * len(schema.SUMMARY_TABLES) : -len(REFRESH_STATEMENTS)]
    assert rebuilt == schema.recreate_summaries_sql("redshift")
    assert f"DROP TABLE IF EXISTS {schema.VENUE_METRICS.name}" in rebuilt
    # ...and the row counts are those of the files (read back from the objects COPY named)
    source = _source_rows(tiny_data_dir / "generated")
    for name, rows in source.items():
        assert result.counts[name] == rows, name
    assert result.counts["venue_metrics"] == result.counts["venues"]
    # staging tables dropped and staged objects deleted afterwards; progress reported along the way
    assert all(s.startswith("DROP TABLE IF EXISTS ") and s.endswith("_staging") for s in clean_up)
    assert aws.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    assert any(m.startswith("uploading artists") for m in progress) and "counting rows" in progress
    assert fake.polls > len(fake.statements)  # each statement was polled until it finished


def test_a_failed_copy_leaves_redshift_unchanged(aws, tiny_data_dir):
    # given a COPY that fails (say the cluster's role cannot read the stage)
    fake = DataApiFake(aws, fail_sql=r"^COPY concerts_staging")
    before = dict(fake.tables)
    # when the load runs
    with pytest.raises(QueryFailed) as caught:
        load_directory(tiny_data_dir / "generated", _warehouse(aws, fake, []))
    # then no swap was sent, the tables hold what they held, and the error says where it failed
    assert not any(s.startswith("INSERT INTO artists SELECT") for batch in fake.batches for s in batch)
    assert {k: v for k, v in fake.tables.items() if not k.endswith("_staging")} == before
    assert "previous data is unchanged" in caught.value.details
    assert "COPY concerts_staging" in str(caught.value.internal)
    assert aws.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0  # staged objects still cleaned up


@pytest.mark.parametrize(
    ("stage", "role"),
    [("s3://Bad_Bucket/x", ROLE), ("https://bucket/x", ROLE), (f"s3://{BUCKET}/x", "arn:aws:iam::1:role/r'; --")],
)
def test_a_stage_or_role_that_could_break_the_copy_statement_is_refused(aws, stage, role):
    with pytest.raises(ValueError, match=r"--stage|--iam-role"):
        RedshiftCopyWarehouse(stage=stage, role_arn=role, target=dict(TARGET), s3=aws, data_api=None)


def test_parse_stage():
    assert parse_stage("s3://bucket-1/a/b/") == ("bucket-1", "a/b")
    assert parse_stage("s3://bucket-1") == ("bucket-1", "")


def test_the_cli_loads_redshift_by_copy(aws, tiny_data_dir, monkeypatch):
    from concert_tools.cli.data_commands import data

    fake = DataApiFake(aws)
    real = RedshiftCopyWarehouse.from_settings

    def with_fake(*args: Any, **kwargs: Any) -> RedshiftCopyWarehouse:
        warehouse = real(*args, **kwargs)
        warehouse.data_api, warehouse.sleep = fake.client(), lambda _s: None
        return warehouse

    monkeypatch.setattr(RedshiftCopyWarehouse, "from_settings", with_fake)
    monkeypatch.setenv("REDSHIFT_DATABASE", TARGET["Database"])
    monkeypatch.setenv("REDSHIFT_WORKGROUP_NAME", TARGET["WorkgroupName"])
    from concert_api.settings import get_settings

    get_settings.cache_clear()
    args = ["load", str(tiny_data_dir / "generated"), "--warehouse", "redshift-data", "--stage", f"s3://{BUCKET}/l"]
    result = CliRunner().invoke(data, [*args, "--iam-role", ROLE])
    assert result.exit_code == 0, result.output
    assert "COPY" in result.output and "artists" in result.output
    missing = CliRunner().invoke(data, args)
    assert missing.exit_code != 0 and "--iam-role" in missing.output
