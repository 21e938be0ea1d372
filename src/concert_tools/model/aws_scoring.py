"""Batch scoring of the venue forecasts on AWS: Redshift UNLOAD -> SageMaker Batch Transform -> Redshift COPY.

    1. UNLOAD   the scheduled concerts' features (`SCHEDULED_CONCERT_FEATURES`, one JSON object per line) to
                <stage>/<run>/features/                                          (one Data API statement)
    2. CreateTransformJob over the SageMaker model made from the model package: each line is one request to the
                inference script (`SplitType=Line`, `BatchStrategy=SingleRecord`: the script takes a JSON object or
                list, not JSON Lines), joined with its input (`JoinSource=Input`), filtered to the venue and the
                prediction, written to <stage>/<run>/scores/; polled until it ends, with progress
    3. one BatchExecuteStatement (a single transaction): COPY the scores into a staging table with a JSONPaths
                file, replace `venue_forecasts` with their mean per venue, empty the staging table

The same rows as the local scoring (`scoring.local_scorer`): mean predicted sell-through of each venue's
scheduled concerts in the next `HORIZON_DAYS` days, the model version the endpoint reports, the time scored.
Requests never call SageMaker: the ranking reads the table.

`unload_sql`, `transform_job_request`, `load_statements` and `JSONPATHS` are the one builder of what the three
steps send: `model score` (here) and the SAM template's daily state machine (`deploy/sam_scoring.py`) both use
them. Only the run id differs between two runs: the SQL reads the date (`CURRENT_DATE`) and the time scored
(`SYSDATE`, the load transaction's start, UTC) from the warehouse, so the state machine's definition is static
but for the run id, which it takes from the execution's name.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from concert_api.adapters.predictors.venue_forecast import HORIZON_DAYS
from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.base import to_driver_style
from concert_api.adapters.warehouse.queries import features as q

STAGING_TABLE = "venue_forecast_scores"
FINISHED = ("Completed", "Failed", "Stopped")

Progress = Callable[[str], None]
"""Called with one line saying what the batch scoring is doing."""


class BatchScoringFailed(Exception):
    """A step of the batch scoring failed; the message says which and what to check. `venue_forecasts` is as it was."""


@dataclass
class BatchScoring:
    """One batch scoring run: where its files go, which SageMaker model scores, which role Redshift uses for S3."""

    stage: str
    """`s3://bucket/prefix`: the run writes under `<stage>/<run_id>/`."""
    sagemaker_model: str
    redshift_role: str
    """The IAM role ARN Redshift assumes to write (UNLOAD) and read (COPY) the stage."""
    instance_type: str = "ml.m5.large"
    instance_count: int = 1
    today: dt.date | None = None
    """The first day of the scoring window; None (the default): the warehouse's `CURRENT_DATE` when it runs."""
    run_id: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-"
                        + uuid.uuid4().hex[:6])  # fmt: skip
    """Names the run's S3 prefix and its transform job (the state machine uses its execution's name)."""

    def __post_init__(self) -> None:
        if not self.stage.startswith("s3://") or len(self.stage.rstrip("/")) <= len("s3://"):
            raise ValueError(f"--stage must be an S3 URI such as s3://bucket/prefix, not {self.stage!r}")
        self.stage = self.stage.rstrip("/")

    @property
    def run_uri(self) -> str:
        return f"{self.stage}/{self.run_id}"

    @property
    def features_uri(self) -> str:
        return f"{self.run_uri}/features/"

    @property
    def scores_uri(self) -> str:
        return f"{self.run_uri}/scores/"

    @property
    def jsonpaths_uri(self) -> str:
        return f"{self.run_uri}/jsonpaths.json"

    @property
    def job_name(self) -> str:
        return f"{JOB_NAME_PREFIX}{self.run_id}"[:63]


JOB_NAME_PREFIX = "concert-venue-forecasts-"
"""Every transform job of the batch scoring is named so (the state machine's IAM is scoped to it)."""
SCORED_AT_SQL = """TO_CHAR(SYSDATE, 'YYYY-MM-DD') || 'T' || TO_CHAR(SYSDATE, 'HH24:MI:SS') || 'Z'"""
"""`scored_at` as the local scoring writes it (ISO 8601 UTC, seconds), from the load transaction's start time
(Redshift's `SYSDATE`: UTC unless the session's time zone was changed)."""


JSONPATHS = {"jsonpaths": [
    "$['venue_id']",
    "$['SageMakerOutput']['predictions'][0]['sell_through']",
    "$['SageMakerOutput']['predictions'][0]['model_version']",
]}  # fmt: skip
"""What COPY reads from each joined output line: the venue, and the prediction's sell-through and model version."""
JSONPATHS_BODY = json.dumps(JSONPATHS)
"""The JSONPaths file as written to `<run>/jsonpaths.json`."""


def unload_sql(run: BatchScoring) -> str:
    """The UNLOAD of the scheduled concerts' features (one JSON object per line). Its query is a string literal,
    so the window is written into it rather than bound: `CURRENT_DATE` (and `HORIZON_DAYS` after it) by
    default, or the dates of `run.today` (computed here, never caller text)."""
    if run.today is None:
        start = "CURRENT_DATE"
        end = f"DATEADD(day, {HORIZON_DAYS}, CURRENT_DATE)"
    else:
        start = f"'{run.today.isoformat()}'"
        end = f"'{(run.today + dt.timedelta(days=HORIZON_DAYS)).isoformat()}'"
    values = {"as_of": start, "start": start, "end": end, "venue_ids": "''"}
    inner = to_driver_style(q.SCHEDULED_CONCERT_FEATURES, "dollar")
    for name in sorted(values, key=len, reverse=True):
        inner = inner.replace(f"${name}", values[name])
    return (f"UNLOAD ('{_quoted(one_line(inner))}') TO '{_quoted(run.features_uri)}' "
            f"IAM_ROLE '{_quoted(run.redshift_role)}' FORMAT JSON ALLOWOVERWRITE")  # fmt: skip


def load_statements(run: BatchScoring) -> list[str]:
    """The statements of the final transaction: COPY the scores into the staging table, replace
    `venue_forecasts` with their mean per venue, and empty the staging table."""
    spec = schema.VENUE_FORECASTS
    return [
        f"CREATE TABLE IF NOT EXISTS {STAGING_TABLE} (venue_id VARCHAR(64), sell_through DOUBLE PRECISION, "
        "model_version VARCHAR(64))",
        f"DELETE FROM {STAGING_TABLE}",
        f"COPY {STAGING_TABLE} (venue_id, sell_through, model_version) FROM '{_quoted(run.scores_uri)}' "
        f"IAM_ROLE '{_quoted(run.redshift_role)}' FORMAT JSON '{_quoted(run.jsonpaths_uri)}'",
        one_line(schema.create_table_sql(spec, "redshift")),
        f"DELETE FROM {spec.name}",
        f"INSERT INTO {spec.name} ({', '.join(spec.column_names)}) "
        f"SELECT venue_id, {HORIZON_DAYS}, ROUND(AVG(sell_through), 4), MAX(model_version), "
        f"{SCORED_AT_SQL} FROM {STAGING_TABLE} GROUP BY venue_id",
        f"DELETE FROM {STAGING_TABLE}",
    ]


def transform_job_request(run: BatchScoring) -> dict[str, Any]:
    """CreateTransformJob's request: one line per request, each output joined with its input and filtered."""
    return {
        "TransformJobName": run.job_name,
        "ModelName": run.sagemaker_model,
        "BatchStrategy": "SingleRecord",
        "MaxPayloadInMB": 6,
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": run.features_uri}},
            "ContentType": "application/json",
            "SplitType": "Line",
            "CompressionType": "None",
        },
        "TransformOutput": {"S3OutputPath": run.scores_uri, "Accept": "application/json", "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": run.instance_type, "InstanceCount": run.instance_count},
        "DataProcessing": {"JoinSource": "Input", "OutputFilter": "$['venue_id','SageMakerOutput']"},
    }


def run_batch_scoring(run: BatchScoring, warehouse: Any, *, s3: Any, sagemaker: Any,
                      progress: Progress | None = None, poll_seconds: float = 30.0,
                      sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:  # fmt: skip
    """Run the three steps; return the transform job's final description. `warehouse` is a
    `RedshiftDataWarehouse` (its `query` and `execute_in_transaction`); `s3` and `sagemaker` boto3 clients.
    Raises `BatchScoringFailed` when the job does not complete (nothing is loaded then)."""
    say = progress or (lambda _line: None)
    say(f"unloading the scheduled concerts' features to {run.features_uri}")
    warehouse.query(unload_sql(run))
    bucket, key = _split(run.jsonpaths_uri)
    s3.put_object(Bucket=bucket, Key=key, Body=JSONPATHS_BODY.encode(), ContentType="application/json")
    say(f"starting the SageMaker transform job {run.job_name} on model {run.sagemaker_model}")
    sagemaker.create_transform_job(**transform_job_request(run))
    started = time.monotonic()
    while True:
        job = sagemaker.describe_transform_job(TransformJobName=run.job_name)
        status = job["TransformJobStatus"]
        say(f"transform job {status.lower()} ({time.monotonic() - started:.0f} s)")
        if status in FINISHED:
            break
        sleep(poll_seconds)
    if status != "Completed":
        raise BatchScoringFailed(
            f"The transform job {run.job_name} ended {status}: {job.get('FailureReason') or 'no reason given'}. "
            "Its logs are in CloudWatch (/aws/sagemaker/TransformJobs); venue_forecasts is unchanged."
        )
    say(f"loading the scores from {run.scores_uri} into venue_forecasts (one transaction)")
    warehouse.execute_in_transaction(load_statements(run))
    return dict(job)


def one_line(sql: str) -> str:
    """`sql` on one line (its lines stripped and joined by a space): Step Functions' intrinsic functions, which
    carry the statements in the state machine, take no control characters in their string literals. The
    project's statements have no `--` comments and no line breaks inside string literals, so the meaning is
    unchanged."""
    return " ".join(line.strip() for line in sql.splitlines() if line.strip())


def _quoted(text: str) -> str:
    """`text` inside a single-quoted SQL literal."""
    return text.replace("'", "''")


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key
