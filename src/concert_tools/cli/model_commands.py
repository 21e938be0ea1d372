"""`concert-api model ...`: train the ticket-sales model, evaluate it into a report, package it for SageMaker."""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from concert_api.settings import get_settings
from concert_tools.cli.failures import os_error_message, require_writable
from concert_tools.cli.locking import data_dir_lock, lock_timeout_option

out = Console(soft_wrap=True)
err = Console(stderr=True)


def _data_dir_option(fn: Any) -> Any:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Data directory holding warehouse.duckdb, generated/ and models/ (default: CONCERT_DATA_DIR or "
        ".concert-data).",
    )(fn)


def _dirs(data_dir: Path | None) -> tuple[Path, Path]:
    """(data dir, model dir), from --data-dir or the settings."""
    settings = get_settings()
    data_dir = data_dir or settings.data_dir
    return data_dir, data_dir / "models"


def _open_warehouse(data_dir: Path) -> Any:
    """The warehouse the settings choose; with --data-dir and the embedded backend, that directory's DuckDB."""
    from concert_api.composition import build_warehouse

    settings = get_settings()
    if settings.warehouse_backend == "duckdb":
        from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse

        path = data_dir / "warehouse.duckdb"
        if not path.is_file():
            raise click.ClickException(
                f"No warehouse at {path}. Run `concert-api data generate --scale small` first (or `--data-dir`)."
            )
        return DuckDBWarehouse(path)
    return build_warehouse(settings)


@click.group(name="model")
def model() -> None:
    """Train, evaluate and package the ticket-sales model (which also drives the venue forecast).

    \b
    Quick start:
      concert-api data generate --scale medium
      concert-api model train          # versioned under <data dir>/models/ticket_sales/, made current
      concert-api model evaluate       # <data dir>/reports/model.md and model_pred_vs_actual.png
      concert-api model package        # model.tar.gz for a SageMaker endpoint
      concert-api model score          # venue forecasts again (train and data load already score them)
    """


@model.command()
@_data_dir_option
@click.option("--no-current", is_flag=True, help="Save the new version without making it the one served.")
@lock_timeout_option
def train(data_dir: Path | None, no_current: bool, lock_timeout: float) -> None:
    """Train on every completed concert in the warehouse, with a time-based hold-out, and save a new version.

    The oldest 70% of concerts fit the trees, the next 15% calibrate the 80% interval, the latest 15% are the
    hold-out whose figures go into the version's metadata.json. Holds the data dir's lock (see --lock-timeout)."""
    data_dir, model_dir = _dirs(data_dir)
    with data_dir_lock(data_dir, "concert-api model train", lock_timeout):
        _train(data_dir, model_dir, no_current)


def _train(data_dir: Path, model_dir: Path, no_current: bool) -> None:
    from concert_api.adapters.warehouse.base import WarehouseError
    from concert_api.ml import artefacts
    from concert_tools.model import training

    warehouse = _open_warehouse(data_dir)
    require_writable(artefacts.model_root(model_dir), "the model")  # before training, not after
    generated = data_dir / "generated"
    snapshot = _read_json(generated / "generation.json")
    expected = generated / "expected_demand.parquet"
    columns = (TextColumn("{task.description:<30}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    try:
        with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("starting", total=len(training.STEPS) - 1)

            def progress(step: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=step)

            result = training.train(warehouse, data_snapshot=snapshot,
                                    expected_demand_file=expected if expected.is_file() else None,
                                    progress=progress)  # fmt: skip
    except training.NotEnoughData as exc:
        raise click.ClickException(f"Cannot train: {exc}. Generate or load more data first.") from None
    except KeyError as exc:
        raise click.ClickException(f"{exc.args[0]}; regenerate the data (`concert-api data generate`).") from None
    except WarehouseError as exc:
        raise click.ClickException(exc.details or str(exc)) from None
    finally:
        warehouse.close()
    try:
        directory = training.save(result, model_dir, make_current=not no_current)
    except OSError as exc:
        raise click.ClickException(
            f"Saving the model failed: {os_error_message(exc)}. Free space or make {model_dir} writable, then train "
            "again; the model served is unchanged."
        ) from None
    m = result.metadata["metrics"]
    out.print(f"Trained [bold]{result.model.version}[/] in {result.metadata['timings_seconds']['total']:.1f} s "
              f"on {result.metadata['rows']['train']:,} concerts -> {directory}")  # fmt: skip
    out.print(_metrics_line(m))
    out.print("Served now." if not no_current else "Saved; not made current.")
    if not no_current:
        _score_forecasts(data_dir, model_dir)


@model.command()
@_data_dir_option
@click.option("--endpoint", default=None,
              help="Score on this SageMaker endpoint running the model package (a one-off scoring; default: the "
                   "local current model). `--endpoint ''` with SAGEMAKER_VENUE_ENDPOINT set uses that endpoint.")
@click.option("--warehouse", "warehouse_backend", type=click.Choice(["redshift-data"]), default=None,
              help="Score in AWS instead: Redshift UNLOAD to --stage, a SageMaker Batch Transform job, COPY back "
                   "(the REDSHIFT_* settings name the cluster or workgroup).")
@click.option("--stage", default=None, help="With --warehouse redshift-data: s3://bucket/prefix for the features "
                                            "and scores (each run under its own folder).")
@click.option("--sagemaker-model", envvar="CONCERT_SCORING_SAGEMAKER_MODEL", default=None,
              help="With --warehouse redshift-data: the SageMaker model made from `model package`'s archive "
                   "(env CONCERT_SCORING_SAGEMAKER_MODEL).")
@click.option("--redshift-role", envvar="CONCERT_SCORING_REDSHIFT_ROLE", default=None,
              help="With --warehouse redshift-data: the IAM role ARN Redshift uses to write and read --stage "
                   "(env CONCERT_SCORING_REDSHIFT_ROLE).")
@click.option("--instance-type", default="ml.m5.large", show_default=True, help="Transform job instance type.")
@click.option("--instance-count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Transform job instances.")
@lock_timeout_option
def score(data_dir: Path | None, endpoint: str | None, warehouse_backend: str | None, stage: str | None,
          sagemaker_model: str | None, redshift_role: str | None, instance_type: str, instance_count: int,
          lock_timeout: float) -> None:  # fmt: skip
    """Score the venue forecasts: every scheduled concert of the next 180 days in one pass, averaged per venue,
    written to the warehouse's `venue_forecasts` table (swapped in whole; the ranking reads it).

    `model train` and `data load` already do this for the current model; run it after changing the model by
    hand, or daily so that the 180-day window follows the calendar. Holds the data dir's lock.

    \b
    On AWS (docs/model.md, "Venue forecasts: batch scoring"):
      concert-api model score --warehouse redshift-data --stage s3://bucket/prefix \\
          --sagemaker-model ticket-sales --redshift-role arn:aws:iam::123456789012:role/redshift-s3
    """
    data_dir, model_dir = _dirs(data_dir)
    if warehouse_backend == "redshift-data":
        _score_on_aws(stage, sagemaker_model, redshift_role, instance_type, instance_count)
        return
    if stage:
        raise click.UsageError("--stage goes with --warehouse redshift-data.")
    with data_dir_lock(data_dir, "concert-api model score", lock_timeout):
        _score_forecasts(data_dir, model_dir, endpoint=endpoint, required=True)


def _score_on_aws(stage: str | None, sagemaker_model: str | None, redshift_role: str | None, instance_type: str,
                  instance_count: int) -> None:  # fmt: skip
    """UNLOAD -> Batch Transform -> COPY, printing each step."""
    import boto3

    from concert_api.adapters.warehouse.base import WarehouseError
    from concert_api.adapters.warehouse.redshift_data import RedshiftDataWarehouse
    from concert_tools.model import aws_scoring

    missing = [name for name, value in (("--stage", stage), ("--sagemaker-model", sagemaker_model),
                                        ("--redshift-role", redshift_role)) if not value]  # fmt: skip
    if missing:
        raise click.UsageError(f"--warehouse redshift-data needs {', '.join(missing)}.")
    assert stage and sagemaker_model and redshift_role
    try:
        run = aws_scoring.BatchScoring(stage, sagemaker_model, redshift_role, instance_type=instance_type,
                                       instance_count=instance_count)  # fmt: skip
        settings = get_settings()
        warehouse = RedshiftDataWarehouse.from_settings(settings, default_timeout=3600.0)
    except ValueError as exc:
        raise click.ClickException(f"{exc}. Set the REDSHIFT_* variables (docs/warehouse.md).") from None
    region = settings.aws_region
    started = time.perf_counter()
    try:
        job = aws_scoring.run_batch_scoring(
            run, warehouse, s3=boto3.client("s3", region_name=region),
            sagemaker=boto3.client("sagemaker", region_name=region),
            progress=lambda line: err.print(f"[{time.perf_counter() - started:6.0f} s] {line}"),
        )  # fmt: skip
    except aws_scoring.BatchScoringFailed as exc:
        raise click.ClickException(str(exc)) from None
    except WarehouseError as exc:
        raise click.ClickException(f"{exc.details or exc.error} ({exc.internal}); venue_forecasts is unchanged.") \
            from None
    except Exception as exc:  # botocore's ClientError and friends: one line, the next step
        raise click.ClickException(f"{type(exc).__name__}: {exc}. Check the AWS credentials and permissions "
                                   "(docs/model.md); venue_forecasts is unchanged.") from None  # fmt: skip
    finally:
        warehouse.close()
    out.print(f"Scored the venue forecasts on AWS with transform job {job['TransformJobName']} in "
              f"{time.perf_counter() - started:.0f} s.")  # fmt: skip


def _score_forecasts(data_dir: Path, model_dir: Path, *, endpoint: str | None = None, required: bool = False) -> None:
    """Write the venue forecasts of the current model (or of `endpoint`) into the warehouse, with progress.
    Not `required` (after training): a warehouse that cannot take them is a warning, not a failure."""
    from concert_api.adapters.warehouse.base import WarehouseError
    from concert_api.errors import ApiError
    from concert_tools.model import scoring

    def fail(message: str) -> None:
        if required:
            raise click.ClickException(message)
        err.print(f"[yellow]warning:[/] venue forecasts not scored: {message}")

    warehouse = _open_warehouse(data_dir)
    try:
        if not hasattr(warehouse, "replace_forecasts"):
            return fail("this warehouse backend cannot be written from here; on Redshift run the batch scoring "
                        "(docs/model.md, 'Venue forecasts').")
        columns = (TextColumn("{task.description:<45}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"))
        summary = scoring.ScoringSummary("", scoring.now_iso())
        started = time.perf_counter()
        with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("venue forecasts", total=3)

            def progress(step: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=step)

            if endpoint is not None:
                from concert_api.composition.predictors import build_venue_scoring_endpoint

                predict = build_venue_scoring_endpoint(get_settings(), endpoint or None)
                scorer = scoring.endpoint_scorer(predict, endpoint or "sagemaker", progress=progress, summary=summary)
            else:
                try:
                    model = scoring.current_model(model_dir)
                except ValueError as exc:
                    return fail(str(exc))
                if model is None:
                    return fail(f"no trained model in {model_dir}: run `concert-api model train` first.")
                scorer = scoring.local_scorer(model, progress=progress, summary=summary)
            written = warehouse.replace_forecasts(scorer)
    except (WarehouseError, ApiError) as exc:
        return fail(exc.details or exc.error)
    finally:
        warehouse.close()
    out.print(f"Scored {summary.concerts:,} scheduled concerts into {written:,} venue forecasts with model "
              f"{summary.model_version} in {time.perf_counter() - started:.1f} s.")  # fmt: skip


@model.command()
@_data_dir_option
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the Markdown report goes (default: <data dir>/reports/model.md; the project's own report "
                   "is regenerated with --report docs/model.md).")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the predicted-vs-actual plot goes (default: model_pred_vs_actual.png beside the default "
                   "report; the project's: --plot docs/model_pred_vs_actual.png).")
@click.option("--latency-requests", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Warm local predictions timed for the report (0: skip).")
def evaluate(data_dir: Path | None, report: Path | None, plot: Path | None, latency_requests: int) -> None:
    """Re-score the current model on its hold-out and write the report (MAE, MAPE, R² against two baselines and
    the noise floor; interval coverage, overall and by sold-out status; the training range and the extrapolation
    rule; warm prediction latency) and the predicted-vs-actual plot.

    Both go under <data dir>/reports/ unless --report/--plot say otherwise, so evaluating never touches a clone's
    files; the project's docs/model.md is regenerated with
    `--report docs/model.md --plot docs/model_pred_vs_actual.png`.

    The report names the data snapshot the model was trained on (generation.json, kept in its metadata); a
    warning is printed, and stated in the report, when the data directory's generation.json differs from it."""
    from concert_api.adapters.warehouse.base import WarehouseError
    from concert_api.ml import artefacts
    from concert_tools.model import reporting

    if importlib.util.find_spec("matplotlib") is None:
        raise click.ClickException(
            "`model evaluate` draws a plot with matplotlib, which is the `plot` extra: "
            "run `.venv/bin/pip install -e '.[plot]'` (`make test` installs every extra)."
        )
    data_dir, model_dir = _dirs(data_dir)
    report = report or data_dir / "reports" / "model.md"
    plot = plot or data_dir / "reports" / "model_pred_vs_actual.png"
    version_dir = artefacts.current_version_dir(model_dir)
    if version_dir is None:
        raise click.ClickException(f"No trained model in {model_dir}: run `concert-api model train` first.")
    current = _read_json(data_dir / "generated" / "generation.json")
    differences = reporting.snapshot_differences(artefacts.read_metadata(version_dir).get("data_snapshot"), current)
    for difference in differences:
        err.print(f"[yellow]warning:[/] data snapshot differs from the model's: {difference}")
    warehouse = _open_warehouse(data_dir)
    expected = data_dir / "generated" / "expected_demand.parquet"
    try:
        evaluation, metadata = reporting.evaluate_version(
            warehouse, version_dir, expected_demand_file=expected if expected.is_file() else None
        )
        latency = (reporting.measure_latency(warehouse, version_dir, requests=latency_requests)
                   if latency_requests else None)  # fmt: skip
    except KeyError as exc:
        raise click.ClickException(f"{exc.args[0]}; regenerate the data or retrain.") from None
    except WarehouseError as exc:
        raise click.ClickException(exc.details or str(exc)) from None
    finally:
        warehouse.close()
    reporting.write_report(evaluation, metadata, report, plot, data_differences=differences, latency=latency,
                           data_dir=data_dir)
    out.print(_metrics_line(evaluation.summary()))
    for part, f in ((p, v["model"]) for p, v in (evaluation.pricing or {}).items()):
        mape = f["mape_by_multiple"]
        out.print(f"pricing, {part}: MAPE {mape['0.5']:.1f}% at 0.5x, {mape['2']:.1f}% at 2x, {mape['3']:.1f}% at 3x; "
                  f"flat steps {f['flat_step_share'] * 100:.1f}%; revenue regret median {f['regret_median']:.2f}%, "
                  f"p90 {f['regret_p90']:.2f}%")  # fmt: skip
    if latency:
        out.print(f"warm local prediction p50 {latency['p50_ms']:.3f} ms, p99 {latency['p99_ms']:.3f} ms "
                  f"(load average {', '.join(f'{x:.2f}' for x in latency['load_average'])})")  # fmt: skip
    if evaluation.noise_floor is None:
        err.print(f"[yellow]warning:[/] no {expected}: the report has no noise floor.")
    out.print(f"Wrote {report} and {plot}.")


@model.command()
@_data_dir_option
@click.option("--version", "version", default=None, help="The version to package (default: the current one).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: <data dir>/models/ticket_sales/<version>/model.tar.gz).")
def package(data_dir: Path | None, version: str | None, out_path: Path | None) -> None:
    """Build model.tar.gz for a SageMaker endpoint (scikit-learn container, entry point inference.py).

    Made for the SKLearn framework container 1.4-2 (py3, Python 3.10); it installs nothing at start-up (the model
    file is evaluated with the container's numpy), so the endpoint needs no internet access. Upload it to S3 and
    create the model with that image (docs/model.md has the SDK and boto3 steps); the same package serves
    SAGEMAKER_TICKET_ENDPOINT and SAGEMAKER_VENUE_ENDPOINT."""
    from concert_api.ml import artefacts
    from concert_tools.model.packaging import CONTAINER_PYTHON, SKLEARN_FRAMEWORK_VERSION
    from concert_tools.model.packaging import package as build

    _, model_dir = _dirs(data_dir)
    if version:
        version_dir: Path | None = artefacts.model_root(model_dir) / version
        if not (version_dir / artefacts.METADATA_FILE).is_file():  # type: ignore[operator]
            known = ", ".join(artefacts.versions(model_dir)) or "none"
            raise click.ClickException(f"No model version {version!r} in {model_dir} (versions: {known}).")
    else:
        version_dir = artefacts.current_version_dir(model_dir)
        if version_dir is None:
            raise click.ClickException(f"No trained model in {model_dir}: run `concert-api model train` first.")
    assert version_dir is not None
    path = build(version_dir, out_path or version_dir / "model.tar.gz")
    out.print(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB).")
    out.print(f"Deploy with the SageMaker scikit-learn container, framework_version {SKLEARN_FRAMEWORK_VERSION!r}, "
              f"py_version 'py3' (Python {CONTAINER_PYTHON}), entry point inference.py; it installs nothing at "
              "start-up (see docs/model.md, 'Deploying to SageMaker').")  # fmt: skip


def _metrics_line(m: dict[str, Any]) -> str:
    floor = m.get("noise_floor")
    parts = [
        f"hold-out MAE {m['model']['mae']:.1f}",
        f"MAPE {m['model']['mape']:.1f}%",
        f"R² {m['model']['r2']:.3f}",
        f"vs better baseline {m['mae_vs_better_baseline'] * 100:+.0f}%",
    ]
    if floor:
        parts.append(f"{m['model']['mae'] / floor['mae']:.3f}x noise floor")
    by = m.get("coverage_by_outcome") or {}
    split = (f" (sold out {by['sold_out']['coverage'] * 100:.1f}%, not {by['not_sold_out']['coverage'] * 100:.1f}%)"
             if by.get("sold_out", {}).get("rows") and by.get("not_sold_out", {}).get("rows") else "")  # fmt: skip
    parts.append(f"{m['nominal_coverage'] * 100:.0f}% interval covers {m['coverage'] * 100:.1f}%{split}")
    return ", ".join(parts)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        return data
    except (FileNotFoundError, ValueError):
        return None
