"""`concert-api data ...`: generate the data set, load or check your own files, inspect the warehouse."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from concert_api.settings import get_settings
from concert_tools.cli.failures import os_error_message, require_writable
from concert_tools.cli.locking import data_dir_lock, lock_timeout_option

if TYPE_CHECKING:
    from concert_tools.data.loader import LoadResult
    from concert_tools.data.validation import ValidationReport

_SCALES = ("tiny", "small", "medium", "large")
_TABLE_FILES = "artists, venues, concerts (required); cities, ticket_sales, users, attendance (optional)"

out = Console()
err = Console(stderr=True)


def _default_db() -> Path:
    return get_settings().duckdb_path


def _default_out() -> Path:
    return get_settings().data_dir / "generated"


_db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The DuckDB warehouse file (default: <data dir>/warehouse.duckdb).",
)


@click.group(name="data")
def data() -> None:
    """Generate the synthetic concert data set, load your own CSV/Parquet files, inspect the local warehouse.

    \b
    Quick start:
      concert-api data generate --scale small     # realistic data set, loaded into DuckDB
      concert-api data info                       # what the warehouse holds
      concert-api data load ./my-data             # your own files instead (one per table)
    """


@data.command()
@click.option(
    "--scale",
    type=click.Choice(_SCALES),
    default="small",
    show_default=True,
    help="Size: tiny (tests, ~2.5k concerts), small (30k), medium (250k), large (1.2M).",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed: same seed, same data.")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The 'today' of the data set: history before it, scheduled concerts after it [default: today].",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the Parquet files go (default: <data dir>/generated).",
)
@_db_option
@click.option(
    "--load/--no-load",
    default=True,
    show_default=True,
    help="Load the files into the DuckDB warehouse after writing them.",
)
@lock_timeout_option
def generate(scale: str, seed: int, as_of: dt.datetime | None, out_dir: Path | None, db_path: Path | None,
             load: bool, lock_timeout: float) -> None:  # fmt: skip
    """Generate a realistic, deterministic concert data set as Parquet, then load it into the warehouse.

    Also writes expected_demand.parquet (each concert's noise-free demand, the noise floor for the ticket
    model; never loaded) and generation.json. See docs/data.md for every parameter. Holds the data dir's lock
    (one writer at a time; see --lock-timeout)."""
    from concert_tools.data.generator import generate as run_generate

    db_option = _db_args(db_path)
    out_dir = out_dir or _default_out()
    db_path = db_path or _default_db()
    day = as_of.date() if as_of else dt.date.today()
    started = time.perf_counter()
    with data_dir_lock(db_path.parent, "concert-api data generate", lock_timeout), \
            _progress(total=7 + (4 if load else 0)) as advance:  # fmt: skip
        require_writable(out_dir, "the generated files")
        if load:
            require_writable(db_path.parent, "the warehouse")
        try:
            files = run_generate(scale, seed, out_dir, as_of=day, progress=advance(0))
        except OSError as exc:
            raise click.ClickException(
                f"Cannot write the generated files to {out_dir}: {os_error_message(exc)}. Free space, or choose "
                "another directory with --out; the files already there are unchanged."
            ) from None
        result = _load(out_dir, db_path, advance(7), db_option) if load else None
    elapsed = time.perf_counter() - started
    _hint(f"Generated [bold]{scale}[/] (seed {seed}, as of {day}) in {escape(str(out_dir))} in {elapsed:.1f} s.")
    if result is None:
        _hint(f"Not loaded. Load it with: {_command('load', str(out_dir), *db_option)}")
        out.print(_counts_table({name: _parquet_rows(path) for name, path in files.items()}))
        return
    out.print(_counts_table(result.counts))
    _hint(
        f"Warehouse: {escape(str(db_path))}. Next: `concert-api serve`, or {_command('info', *db_option)}."
    )


@data.command()
@click.argument("directory", type=click.Path(path_type=Path))
@_db_option
@lock_timeout_option
@click.option("--warehouse", type=click.Choice(["duckdb", "redshift-data"]), default="duckdb", show_default=True,
              help="Where to load: the local DuckDB file, or Redshift (REDSHIFT_* settings) by COPY from S3.")
@click.option("--stage", default=None, metavar="s3://BUCKET/PREFIX",
              help="redshift-data: where the Parquet files are staged for COPY (deleted after the load).")
@click.option("--iam-role", "iam_role", envvar="REDSHIFT_COPY_ROLE_ARN", default=None, metavar="ARN",
              help="redshift-data: the role Redshift assumes to read the stage (env REDSHIFT_COPY_ROLE_ARN).")
def load(directory: Path, db_path: Path | None, lock_timeout: float, warehouse: str, stage: str | None,
         iam_role: str | None) -> None:  # fmt: skip
    """Load your own files from DIRECTORY into the warehouse, replacing what it holds: all tables or nothing.

    One file per table, named <table>.csv or <table>.parquet, with a header row of the schema's column
    names: artists, venues, concerts (required); cities, ticket_sales, users, attendance (optional).
    Every row is checked first (types, keys, ranges, references); if any is bad, the problems are listed
    and the warehouse is left exactly as it was. Holds the data dir's lock (see --lock-timeout).

    \b
    At scale, into Redshift (docs/warehouse.md, "Bulk loading Redshift"):
      concert-api data load DIR --warehouse redshift-data --stage s3://bucket/prefix --iam-role ARN"""
    db_option = _db_args(db_path)
    db_path = db_path or _default_db()
    if not directory.is_dir():
        raise click.ClickException(
            f"{directory} is not a directory. Pass a directory holding one file per table ({_TABLE_FILES})."
        )
    if warehouse == "redshift-data":
        _load_redshift(directory, stage, iam_role)
        return
    with data_dir_lock(db_path.parent, "concert-api data load", lock_timeout), _progress(total=4) as advance:
        require_writable(db_path.parent, "the warehouse")
        result = _load(directory, db_path, advance(0), db_option)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    out.print(_counts_table(result.counts))
    _hint(f"Loaded {escape(str(directory))} into {escape(str(db_path))}.")


def _load_redshift(directory: Path, stage: str | None, iam_role: str | None) -> None:
    """`data load --warehouse redshift-data`: validate, stage Parquet in S3, COPY, swap (redshift_copy)."""
    from concert_api.adapters.warehouse.base import WarehouseError
    from concert_tools.data.loader import LoadRejected, load_directory
    from concert_tools.data.redshift_copy import RedshiftCopyWarehouse

    if not stage or not iam_role:
        raise click.ClickException("--warehouse redshift-data needs --stage s3://BUCKET/PREFIX and --iam-role ARN "
                                   "(the role Redshift uses to read the stage; see docs/warehouse.md).")  # fmt: skip
    try:
        target = RedshiftCopyWarehouse.from_settings(get_settings(), stage=stage, role_arn=iam_role,
                                                     progress=lambda message: err.print(escape(message)))  # fmt: skip
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        result = load_directory(directory, target, progress=lambda step, done, total: err.print(
            f"[{done}/{total}] {escape(step)}"))  # fmt: skip
    except LoadRejected as rejected:
        _print_rejection(rejected.report, directory, db_option=("--warehouse", "redshift-data"))
        raise SystemExit(1) from None
    except WarehouseError as exc:
        raise click.ClickException(f"{exc.details} ({exc.internal})") from None
    except Exception as exc:  # botocore: no credentials, access denied, unknown bucket
        raise click.ClickException(f"Loading Redshift failed: {exc}. Nothing was changed; check the "
                                   "credentials, the stage and the IAM policy in docs/warehouse.md.") from None
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    out.print(_counts_table(result.counts))
    _hint(f"Loaded {escape(str(directory))} into Redshift by COPY from {escape(stage)}.")


@data.command()
@click.argument("directory", type=click.Path(path_type=Path))
def validate(directory: Path) -> None:
    """Check the files in DIRECTORY as `data load` would, without loading anything."""
    from concert_tools.data.validation import validate_directory

    report = validate_directory(directory)
    if not report.ok:
        _print_rejection(report, directory, db_option=None)
        raise SystemExit(1)
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    out.print(_counts_table(report.row_counts))
    _hint(f"{escape(report.summary())} Load them with: {_command('load', str(directory))}")


@data.command()
@_db_option
@lock_timeout_option
def refresh(db_path: Path | None, lock_timeout: float) -> None:
    """Rebuild the summary tables (venue_metrics, user_artists, artist_similarity) from the loaded data, in their
    current shape: after upgrading concert-api over a warehouse an older version wrote (`concert-api up` does it
    by itself). The loaded tables and the venue forecasts are kept. Holds the data dir's lock."""
    from concert_api.adapters.warehouse.base import WarehouseError
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse

    db_path = db_path or _default_db()
    with data_dir_lock(db_path.parent, "concert-api data refresh", lock_timeout):
        warehouse = DuckDBWarehouse(db_path)
        try:
            counts = warehouse.refresh_summaries()
        except WarehouseError as exc:
            raise click.ClickException(f"{exc.details} (warehouse: {db_path})") from None
        finally:
            warehouse.close()
    out.print(_counts_table(counts))
    _hint(f"Rebuilt the summary tables of {escape(str(db_path))}.")


@data.command()
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def info(db_path: Path | None, as_json: bool) -> None:
    """Show what the local warehouse holds (rows per table), where its data came from and, for generated
    data, how it was generated (recorded in the warehouse file by the load that built it)."""
    from concert_api.adapters.warehouse.base import WarehouseError, WarehouseUnavailable
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse

    db_option = _db_args(db_path)
    db_path = db_path or _default_db()
    warehouse = DuckDBWarehouse(db_path)
    try:
        counts = warehouse.table_counts()
        loaded = warehouse.load_metadata()
    except WarehouseUnavailable:
        if db_path.exists():
            raise click.ClickException(
                f"The warehouse {db_path} cannot be opened: rebuild it with {_command('generate', *db_option)} (or "
                f"{_command('load', 'DIR', *db_option)} with your own files)."
            ) from None
        raise click.ClickException(
            f"No warehouse at {db_path} yet: run {_command('generate', *db_option)} (or "
            f"{_command('load', 'DIR', *db_option)} with your own files)."
        ) from None
    except WarehouseError as exc:
        raise click.ClickException(f"{exc.details} (warehouse: {db_path})") from None
    finally:
        warehouse.close()
    generation = loaded.get("generation")
    if as_json:
        load = {k: v for k, v in loaded.items() if k != "generation"} or None
        document = {"warehouse": str(db_path), "counts": counts, "load": load, "generation": generation}
        click.echo(json.dumps(document, indent=2))
        return
    _hint(f"Warehouse: {escape(str(db_path))} ({db_path.stat().st_size / 1e6:.1f} MB)")
    out.print(_counts_table(counts))
    if loaded.get("source"):
        _hint(f"Loaded from {escape(str(loaded['source']))} at {loaded.get('loaded_at', '?')}.")
    if isinstance(generation, dict):
        _hint(
            f"Generated: scale {generation.get('scale')}, seed {generation.get('seed')}, as of "
            f"{generation.get('as_of')} (generator {generation.get('generator_version')})."
        )


# --- helpers ----------------------------------------------------------------------------------------

Advance = Callable[[int], Callable[[str, int, int], None]]


@contextmanager
def _progress(total: int) -> Iterator[Advance]:
    """A rich progress bar; `advance(offset)` gives a `progress(step, done, total)` callback for one stage."""
    columns = (TextColumn("{task.description:<45}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("starting", total=total)

        def advance(offset: int) -> Callable[[str, int, int], None]:
            def callback(step: str, done: int, _total: int) -> None:
                bar.update(task, completed=offset + done, description=step)

            return callback

        yield advance


def _load(
    directory: Path, db_path: Path, progress: Callable[[str, int, int], None], db_option: tuple[str, ...]
) -> LoadResult:
    from concert_api.adapters.warehouse.base import WarehouseError
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_tools.data.loader import LoadRejected, load_directory
    from concert_tools.model.scoring import current_model, local_scorer

    warehouse = DuckDBWarehouse(db_path, read_only=False)
    try:
        model = current_model(db_path.parent / "models")
    except ValueError as exc:  # a model of other features: the load goes on, without forecasts
        err.print(f"[yellow]warning:[/] no venue forecasts scored: {escape(str(exc))}")
        model = None
    try:
        # The current model scores the new data's venue forecasts inside the same swap (none without a model).
        return load_directory(directory, warehouse, progress=progress,
                              forecasts=None if model is None else local_scorer(model))  # fmt: skip
    except LoadRejected as rejected:
        _print_rejection(rejected.report, directory, db_option=db_option)
        raise SystemExit(1) from None
    except WarehouseError as exc:
        cause = str(getattr(exc, "internal", "") or "").splitlines()
        because = f" Cause: {cause[0].removeprefix(f'{db_path}: ')}" if cause else ""
        step = "" if "writable" in exc.details else (
            f" Check that {db_path.parent} is writable and has free space, then run the command again.")
        raise click.ClickException(f"{exc.details}{because} (warehouse: {db_path}).{step}") from None
    finally:
        warehouse.close()


def _print_rejection(report: ValidationReport, directory: Path, *, db_option: tuple[str, ...] | None) -> None:
    """The problems as a table, then what to do. `db_option` is the `--db` the user gave to `load` or
    `generate` (kept in the suggested command); None when nothing was being loaded (`validate`)."""
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    table = Table(title=escape(report.summary()), title_justify="left")
    for name in ("file", "row", "column", "reason"):
        table.add_column(name, overflow="fold")
    for issue in report.issues:
        row = "" if issue.row is None else str(issue.row)
        table.add_row(escape(issue.file), row, escape(issue.column or ""), escape(issue.reason))
    err.print(table)
    _hint("Rows are numbered from 1 after the header (CSV line = row + 1).", console=err)
    if db_option is not None:
        _hint("[bold]Nothing was loaded; the warehouse is unchanged.[/] Fix the rows above and run "
              f"{_command('load', str(directory), *db_option)} again ({_command('validate', str(directory))} "
              "checks without loading).", console=err)  # fmt: skip
    else:
        _hint(f"Fix the rows above, then load with {_command('load', str(directory))}.", console=err)


def _db_args(db_path: Path | None) -> tuple[str, ...]:
    """The `--db` option as the user gave it (nothing when they did not), for the commands we suggest."""
    return () if db_path is None else ("--db", str(db_path))


def _command(*args: str) -> str:
    """A `concert-api data ...` command to suggest, shell-quoted and marked up as code (escaped for rich)."""
    return escape(f"`{shlex.join(['concert-api', 'data', *args])}`")


def _hint(text: str, *, console: Console | None = None) -> None:
    """Print a line of guidance without wrapping it (a command cut in two cannot be copied)."""
    (console or out).print(text, soft_wrap=True)


def _counts_table(counts: dict[str, int]) -> Table:
    table = Table("table", "rows")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    return table


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.read_metadata(path).num_rows)
