"""`concert-api`: serve the API locally, invoke a handler, manage data, models and the OpenAPI document.

Every command calls the same handlers and services as Lambda; none holds a business rule.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from concert_api.openapi import OPENAPI_PATH
from concert_api.routes import ROUTES, load_handler, route


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="concert-api")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CONCERT_DATA_DIR",
    help="Where the local warehouse, data files and models live (default .concert-data).",
)
def cli(data_dir: Path | None) -> None:
    """The Concert Data Platform API: run it locally on embedded parts, or call its handlers directly."""
    if data_dir is not None:
        os.environ["CONCERT_DATA_DIR"] = str(data_dir)


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity; the machine's count where that cannot be read):
    `serve`'s default number of worker processes, since one worker runs Python on one core at a time."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=lambda: usable_cores(),
    show_default="one per usable core",
    type=click.IntRange(min=1),
    help="Worker processes, each with its own copy of the model and caches in memory; `--workers 1` to save memory.",
)
@click.option(
    "--metrics/--no-metrics",
    default=False,
    show_default=True,
    help="Print CloudWatch EMF metrics documents to stdout, as on Lambda.",
)
@click.option("--log-level", default=None, help="LOG_LEVEL for the handlers (DEBUG adds request summaries).")
def serve(host: str, port: int, workers: int, metrics: bool, log_level: str | None) -> None:
    """Serve the five endpoints over HTTP by calling the Lambda handlers with API Gateway events."""
    import uvicorn

    from concert_api.server.app import describe

    _prepare_environment(metrics=metrics, log_level=log_level)
    _default_to_own_origin(host, port)
    _check_port_free(host, port)
    click.echo(describe(host, port))
    uvicorn.run(
        "concert_api.server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


@cli.command()
@click.argument("handler", metavar="HANDLER")
@click.option("--body", default=None, help="JSON request body, e.g. '{\"top_n\": 5}'.")
@click.option("--query", "query", multiple=True, metavar="KEY=VALUE", help="Query string parameter (repeatable).")
@click.option("--method", default=None, help="HTTP method (default: the route's).")
@click.option(
    "--event",
    "event_file",
    type=click.File("r"),
    default=None,
    help="A whole API Gateway event from a JSON file ('-' for stdin) instead of --body.",
)
def invoke(handler: str, body: str | None, query: tuple[str, ...], method: str | None, event_file: Any) -> None:
    """Call one Lambda handler in-process and print its proxy response.

    HANDLER is one of: chatbot, venue-popularity, ticket-prediction, recommendations, health-check
    (or a handler name such as venue_popularity_handler)."""
    from concert_api.server.lambda_bridge import LocalContext, rest_event

    try:
        r = route(handler)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="HANDLER") from None
    _prepare_environment(metrics=False, log_level=None)
    if event_file is not None:
        event = json.load(event_file)
    else:
        pairs = [tuple(q.split("=", 1)) for q in query]
        if any(len(p) != 2 for p in pairs):
            raise click.BadParameter("use KEY=VALUE", param_hint="--query")
        event = rest_event(
            r,
            method=(method or r.method).upper(),
            path=r.path,
            headers={"content-type": "application/json"},
            query=[(k, v) for k, v in pairs],
            body=(body or "").encode(),
        )
    response = load_handler(r)(event, LocalContext.for_route(r))
    with contextlib.suppress(json.JSONDecodeError):
        response = {**response, "body": json.loads(response["body"])} if response.get("body") else response
    click.echo(json.dumps(response, indent=2))
    sys.exit(0 if response["statusCode"] < 400 else 1)


@cli.command()
@click.option(
    "--write/--check",
    default=True,
    show_default=True,
    help="Write docs/openapi.json, or check that it is current (exit 1 if not).",
)
@click.option(
    "--path", type=click.Path(dir_okay=False, path_type=Path), default=OPENAPI_PATH, show_default=True
)
def openapi(write: bool, path: Path) -> None:
    """Generate the OpenAPI document from the request and response models."""
    from concert_api import openapi as doc

    if write:
        click.echo(f"wrote {doc.write(path)}")
        return
    if not path.exists() or path.read_text(encoding="utf-8") != doc.render():
        raise click.ClickException(f"{path} is out of date; run `concert-api openapi --write`.")
    click.echo(f"{path} is current")


@cli.command()
def routes() -> None:
    """List the endpoints and their Lambda functions."""
    for r in ROUTES:
        click.echo(f"{r.method:<5} {r.path:<22} {r.function_name:<32} api_lambda_handlers.{r.handler}")


def _check_port_free(host: str, port: int) -> None:
    """Fail with what to do next when the address is taken, before printing that the server is up."""
    import errno
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise click.ClickException(f"Cannot listen on {host}:{port}: {exc.strerror}.") from None
            raise click.ClickException(
                f"Port {port} on {host} is already in use (is the API already running?). Stop that process, or "
                f"pick another port: `concert-api serve --port {port + 1}` (with make: `make up PORT={port + 1}`)."
            ) from None


def _default_to_own_origin(host: str, port: int) -> None:
    """Unless configured (environment or .env), the server answers only its own console: CORS for
    http://127.0.0.1:PORT and http://localhost:PORT (and --host's own name), and those Host headers, so no other
    web page a user visits can read the answers. CONCERT_CORS_ALLOW_ORIGIN / CONCERT_ALLOWED_HOSTS widen it."""
    from concert_api.settings import get_settings

    names = ["127.0.0.1", "localhost"] + ([host] if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::") else [])
    configured = get_settings().model_fields_set
    if "cors_allow_origin" not in configured:
        os.environ["CONCERT_CORS_ALLOW_ORIGIN"] = ",".join(f"http://{name}:{port}" for name in names)
    if "allowed_hosts" not in configured:
        os.environ["CONCERT_ALLOWED_HOSTS"] = ",".join(f"{name}:{port}" for name in names)
    get_settings.cache_clear()


def _prepare_environment(*, metrics: bool, log_level: str | None) -> None:
    """Settings for the handlers run in this process, before their modules are imported."""
    if not metrics:
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    if log_level:
        os.environ["LOG_LEVEL"] = log_level.upper()


def _mount_optional_groups() -> None:
    """Command groups that live beside their features (data, model, chat)."""
    import importlib

    for module, name in (
        ("concert_tools.cli.data_commands", "data"),
        ("concert_tools.cli.model_commands", "model"),
        ("concert_tools.cli.chat_commands", "chat"),
        ("concert_tools.cli.up_command", "up"),
        ("concert_tools.cli.loadtest_command", "loadtest"),
        ("concert_tools.cli.recommendations_commands", "recommendations"),
        ("concert_tools.cli.deploy_commands", "deploy"),
    ):
        try:
            command = getattr(importlib.import_module(module), name)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        cli.add_command(command, name)


_mount_optional_groups()


def main() -> None:
    """Entry point of the `concert-api` console script. A failure no command foresaw still ends in one line
    naming the cause and what to do (the traceback with CONCERT_DEBUG=1), never in a traceback."""
    os.environ.setdefault("CONCERT_LOG_STREAM", "stderr")
    try:
        code = cli(prog_name="concert-api", standalone_mode=False)  # an exit code when a command calls ctx.exit
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("CONCERT_DEBUG"):
            raise
        from concert_tools.cli.failures import os_error_message

        cause = os_error_message(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
        click.echo(f"Error: {cause}. Check the path and free space if a file is named; run again with "
                   "CONCERT_DEBUG=1 to see where it failed, and report it if it persists.", err=True)  # fmt: skip
        sys.exit(1)
    if isinstance(code, int) and code:
        sys.exit(code)


if __name__ == "__main__":
    main()
