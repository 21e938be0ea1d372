"""Bulk loading Redshift: Parquet to S3, `COPY ... FORMAT AS PARQUET` into staging tables, one swap transaction.

`concert-api data load DIR --warehouse redshift-data --stage s3://bucket/prefix --iam-role ARN` validates the
files as every load does (`loader.load_directory`), then this warehouse's `replace_all`:

1. uploads each table's clean Parquet to `s3://bucket/prefix/<load id>/<table>.parquet`;
2. one Data API batch (`BatchExecuteStatement`: one transaction) creates any missing table and, per table, a
   staging table `<table>_staging (LIKE <table>)` filled by `COPY ... IAM_ROLE '<role>' FORMAT AS PARQUET`:
   Redshift's slices read the files in parallel, nothing goes row by row over the wire;
3. a second batch, one transaction, swaps the data in: `DELETE` every table, `INSERT ... SELECT` from the
   staging tables, rebuild the summary tables (`REFRESH_STATEMENTS`). Readers see the old data until it commits;
   a failure anywhere leaves the warehouse exactly as it was;
4. drops the staging tables and deletes the staged objects (best effort), and counts the rows.

The statements are polled until they finish (`DescribeStatement`), with progress reported at each step. The
role in `IAM_ROLE` is Redshift's (associated with the cluster or the namespace), allowed `s3:GetObject` and
`s3:ListBucket` on the stage; docs/warehouse.md lists what the caller needs. The stage and the role are checked
against strict patterns before they are written into the COPY statement (COPY takes no bound parameters).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.base import QueryAborted, QueryFailed, QueryTimeout
from concert_api.adapters.warehouse.queries.refresh import REFRESH_STATEMENTS

STAGE_PATTERN = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<prefix>[A-Za-z0-9!_.*()/-]*))?$")
ROLE_PATTERN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
STAGING_SUFFIX = "_staging"

Progress = Callable[[str], None]


def parse_stage(stage: str) -> tuple[str, str]:
    """`(bucket, prefix)` of an `s3://bucket/prefix` stage; `ValueError` saying what is expected otherwise."""
    match = STAGE_PATTERN.match(stage)
    if not match:
        raise ValueError(f"--stage {stage!r}: expected s3://bucket/prefix (letters, digits, '-', '_', '.', '/')")
    return match.group("bucket"), (match.group("prefix") or "").strip("/")


def check_role(role_arn: str) -> str:
    """The IAM role ARN for COPY, if it is one; `ValueError` otherwise."""
    if not ROLE_PATTERN.match(role_arn):
        raise ValueError(f"--iam-role {role_arn!r}: expected arn:aws:iam::<account>:role/<name>")
    return role_arn


def staging_statements(tables: Mapping[str, str], role_arn: str) -> list[str]:
    """Batch 1: every table exists, and each loaded table has a staging copy filled from its S3 object."""
    sqls = schema.ddl("redshift")
    for name, uri in tables.items():
        stage = name + STAGING_SUFFIX
        sqls += [
            f"DROP TABLE IF EXISTS {stage}",
            f"CREATE TABLE {stage} (LIKE {name})",
            f"COPY {stage} FROM '{uri}' IAM_ROLE '{role_arn}' FORMAT AS PARQUET",
        ]
    return sqls


def swap_statements(tables: Mapping[str, str]) -> list[str]:
    """Batch 2, one transaction: every table emptied, refilled from its staging copy, summaries rebuilt.

    DELETE, not TRUNCATE: Redshift's TRUNCATE commits the transaction it runs in."""
    names = [t.name for t in schema.TABLES]
    sqls = [f"DELETE FROM {name}" for name in reversed(names)]
    sqls += [f"INSERT INTO {name} SELECT * FROM {name}{STAGING_SUFFIX}" for name in tables]
    return sqls + schema.recreate_summaries_sql("redshift") + list(REFRESH_STATEMENTS)


def count_statement() -> str:
    """The rows of every table, in one statement."""
    return " UNION ALL ".join(f"SELECT '{t.name}' AS table_name, COUNT(*) AS n FROM {t.name}" for t in schema.TABLES)


@dataclass
class RedshiftCopyWarehouse:
    """A `LoadableWarehouse` that replaces Redshift's tables by COPY from S3 (see the module's docstring).

    `target` holds the Data API's connection fields (`Database` and `ClusterIdentifier` or `WorkgroupName`, and
    `DbUser` or `SecretArn` when used), as `RedshiftDataWarehouse` sends them."""

    stage: str
    role_arn: str
    target: dict[str, str]
    s3: Any
    data_api: Any
    progress: Progress = field(default=lambda _message: None)
    timeout_seconds: float = 3600.0
    poll_seconds: tuple[float, float] = (0.5, 5.0)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.bucket, self.prefix = parse_stage(self.stage)
        check_role(self.role_arn)

    @classmethod
    def from_settings(cls, settings: Any, *, stage: str, role_arn: str, progress: Progress | None = None,
                      region: str | None = None) -> RedshiftCopyWarehouse:  # fmt: skip
        """A loader for the Redshift the settings name (REDSHIFT_*), with boto3 clients for the region."""
        import boto3

        if not settings.redshift_configured:
            raise ValueError("set REDSHIFT_DATABASE and REDSHIFT_CLUSTER_ID or REDSHIFT_WORKGROUP_NAME (.env)")
        cluster = settings.redshift_cluster_id
        fields = {
            "ClusterIdentifier": cluster,
            "WorkgroupName": None if cluster else settings.redshift_workgroup_name,
            "DbUser": settings.redshift_db_user,
            "SecretArn": settings.redshift_secret_arn,
        }
        target = {"Database": str(settings.redshift_database)}
        target.update({key: str(value) for key, value in fields.items() if value})
        region = region or settings.aws_region
        return cls(stage=stage, role_arn=role_arn, target=target, s3=boto3.client("s3", region_name=region),
                   data_api=boto3.client("redshift-data", region_name=region),
                   progress=progress or (lambda _message: None))  # fmt: skip

    # --- the LoadableWarehouse protocol ------------------------------------------------------------------

    def replace_all(self, parquet_files: Mapping[str, Path]) -> dict[str, int]:
        """Replace every loaded table from its Parquet file (all at once, or nothing) and return the row counts."""
        load_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
        base = "/".join(p for p in (self.prefix, load_id) if p)
        uris: dict[str, str] = {}
        keys: list[str] = []
        loaded = [t.name for t in schema.LOADED_TABLES if t.name in parquet_files]
        try:
            for i, name in enumerate(loaded, start=1):
                key = f"{base}/{name}.parquet"
                self.progress(f"uploading {name} to s3://{self.bucket}/{key} ({i}/{len(loaded)})")
                self.s3.upload_file(str(parquet_files[name]), self.bucket, key)
                keys.append(key)
                uris[name] = f"s3://{self.bucket}/{key}"
            self.progress(f"copying {len(uris)} tables into staging tables (COPY ... FORMAT AS PARQUET)")
            self._batch(staging_statements(uris, self.role_arn), "staging")
            self.progress("swapping the new data in and refreshing the summary tables (one transaction)")
            self._batch(swap_statements(uris), "swap")
        finally:
            self._clean_up(uris, keys)
        self.progress("counting rows")
        return self._counts()

    # --- the Data API ------------------------------------------------------------------------------------

    def _batch(self, sqls: list[str], what: str) -> None:
        response = self.data_api.batch_execute_statement(Sqls=sqls, StatementName=f"concert-api-load-{what}",
                                                         **self.target)  # fmt: skip
        self._wait(response["Id"], what)

    def _wait(self, statement_id: str, what: str) -> dict[str, Any]:
        ends = self.clock() + self.timeout_seconds
        delay, ceiling = self.poll_seconds
        while True:
            description: dict[str, Any] = self.data_api.describe_statement(Id=statement_id)
            status = description.get("Status")
            if status == "FINISHED":
                return description
            if status in ("FAILED", "ABORTED"):
                failed = [s for s in description.get("SubStatements", []) if s.get("Status") in ("FAILED", "ABORTED")]
                where = f" at: {failed[0].get('QueryString', '')[:200]}" if failed else ""
                internal = f"{what} {status}{where}: {description.get('Error', '')}"
                error = QueryAborted if status == "ABORTED" else QueryFailed
                raise error("Loading Redshift failed; the previous data is unchanged.", internal=internal,
                            statement_id=statement_id)  # fmt: skip
            if self.clock() + delay > ends:
                self.data_api.cancel_statement(Id=statement_id)
                raise QueryTimeout("Loading Redshift took too long and was cancelled; the previous data is "
                                   "unchanged.", statement_id=statement_id)  # fmt: skip
            self.sleep(delay)
            delay = min(ceiling, delay * 2)

    def _counts(self) -> dict[str, int]:
        response = self.data_api.execute_statement(Sql=count_statement(), **self.target)
        self._wait(response["Id"], "count")
        result = self.data_api.get_statement_result(Id=response["Id"])
        counts = {row[0]["stringValue"]: int(row[1]["longValue"]) for row in result["Records"]}
        return {t.name: counts.get(t.name, 0) for t in schema.TABLES}

    def _clean_up(self, uris: Mapping[str, str], keys: list[str]) -> None:
        """Drop the staging tables and delete the staged objects; a failure here is reported, not raised."""
        try:
            if uris:
                drops = [f"DROP TABLE IF EXISTS {name}{STAGING_SUFFIX}" for name in uris]
                self._batch(drops, "clean-up")
            if keys:
                self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in keys]})
        except Exception as exc:  # the load itself has succeeded or failed already; leftovers are only noise
            self.progress(f"warning: could not clean up the staging tables or objects ({exc})")
