"""`concert-api recommendations ...`: measure the recommendations offline against simple baselines."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from concert_api.settings import get_settings

out = Console(soft_wrap=True)
err = Console(stderr=True)


@click.group(name="recommendations")
def recommendations() -> None:
    """Measure `POST /recommendations` offline on the local warehouse.

    \b
    Quick start:
      concert-api --data-dir /tmp/medium data generate --scale medium
      concert-api --data-dir /tmp/medium recommendations evaluate
    """


@recommendations.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data directory holding warehouse.duckdb (default: CONCERT_DATA_DIR or .concert-data).",
)
@click.option("--users", default=400, show_default=True, type=click.IntRange(1, 100_000), help="Users sampled.")
@click.option(
    "--horizon",
    "horizons",
    multiple=True,
    type=click.IntRange(1, 3650),
    help="Days ahead of the cutoff to look (repeatable; default 60 and 180).",
)
@click.option("--min-history", default=5, show_default=True, type=click.IntRange(1), help="Concerts before the cutoff.")
@click.option("--k", "k", default=10, show_default=True, type=click.IntRange(1, 100), help="List length (top_n).")
@click.option("--seed", default=42, show_default=True, type=int, help="Seed of the user sample and the targets.")
@click.option(
    "--cutoff",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Rewind to this date (default: the last completed concert + 1 day - the longest horizon).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON instead of Markdown tables.")
def evaluate(
    data_dir: Path | None,
    users: int,
    horizons: tuple[int, ...],
    min_history: int,
    k: int,
    seed: int,
    cutoff: dt.datetime | None,
    as_json: bool,
) -> None:
    """Rewind the warehouse to a cutoff, hide the attendance after it, and score the service against the
    popularity, genre-popularity and random baselines: hit rate, NDCG and coverage at k, split by artists the
    user had seen and artists new to them. See docs/recommendations.md."""
    from concert_tools.recommendations import evaluation as ev

    path = (data_dir or get_settings().data_dir) / "warehouse.duckdb"
    if not path.is_file():
        raise click.ClickException(
            f"No warehouse at {path}. Run `concert-api data generate --scale medium` first (or pass --data-dir)."
        )
    settings = ev.Settings(
        horizons=tuple(sorted(set(horizons))) or (60, 180),
        users=users,
        min_history=min_history,
        k=k,
        seed=seed,
        cutoff=cutoff.date() if cutoff else None,
    )
    columns = (TextColumn("{task.description:<24}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    try:
        with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("starting", total=1)

            def progress(step: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=step)

            result = ev.evaluate(path, settings, progress)
    except ValueError as exc:
        raise click.ClickException(f"{exc}. Generate or load a data set with a history first.") from exc
    if as_json:
        out.print_json(json.dumps(result.as_dict()))
    else:
        click.echo(result.markdown())
