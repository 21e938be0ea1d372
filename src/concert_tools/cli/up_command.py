"""`concert-api up`: the whole local platform in one command.

Generates the data set when the warehouse is missing, trains the ticket model when there is none, then serves
the API. Each step is skipped when its result is already there.
"""

from __future__ import annotations

from pathlib import Path

import click

from concert_api.settings import get_settings


@click.command(name="up")
@click.option(
    "--scale",
    type=click.Choice(["tiny", "small", "medium", "large"]),
    default="small",
    show_default=True,
    help="Size of the data set generated when there is none.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of the generated data set.")
@click.option("--regenerate", is_flag=True, help="Generate and load a new data set even if one exists.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.pass_context
def up(ctx: click.Context, scale: str, seed: int, regenerate: bool, host: str, port: int) -> None:
    """Bring up the whole platform locally: data, model, and the API server on HOST:PORT."""
    from concert_tools.cli import data_commands
    from concert_tools.cli.main import serve

    get_settings.cache_clear()
    settings = get_settings()
    if regenerate or not settings.duckdb_path.exists():
        click.echo(f"Generating the {scale} data set into {settings.data_dir} ...")
        ctx.invoke(data_commands.generate, scale=scale, seed=seed, as_of=None, out_dir=None, db_path=None, load=True)
    else:
        click.echo(f"Using the warehouse at {settings.duckdb_path} (--regenerate for a new one).")
        _refresh_summaries_if_outdated(ctx)
    _train_model_if_missing(ctx, settings.model_dir, force=regenerate)
    ctx.invoke(serve, host=host, port=port, workers=1, metrics=False, log_level=None)


def _train_model_if_missing(ctx: click.Context, model_dir: Path, *, force: bool) -> None:
    from concert_api.ml import artefacts
    from concert_tools.cli import model_commands
    if artefacts.current_version_dir(model_dir) is not None and not force:
        click.echo(f"Using the model in {model_dir}.")
        if _forecasts_missing():
            click.echo("Scoring the venue forecasts ...")
            ctx.invoke(model_commands.score)
        return
    click.echo("Training the ticket-sales model ...")
    ctx.invoke(model_commands.train)


def _refresh_summaries_if_outdated(ctx: click.Context) -> None:
    """A warehouse an older version wrote may lack the summary tables' current columns: rebuild them."""
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_tools.cli import data_commands

    warehouse = DuckDBWarehouse(get_settings().duckdb_path)
    try:
        outdated = warehouse.outdated_summaries()
    finally:
        warehouse.close()
    if outdated:
        click.echo(f"Rebuilding the summary tables written by an older version ({', '.join(outdated)}) ...")
        ctx.invoke(data_commands.refresh, db_path=None)


def _forecasts_missing() -> bool:
    """The local warehouse has no `venue_forecasts` table yet (built before batch scoring existed)."""
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse

    warehouse = DuckDBWarehouse(get_settings().duckdb_path)
    try:
        rows = warehouse.query("SELECT COUNT(*) AS n FROM duckdb_tables() WHERE table_name = 'venue_forecasts'")
        return not rows[0]["n"]
    finally:
        warehouse.close()
