"""`concert-api chat`: ask the assistant, evaluate the local assistant, write the agent's action-group schema."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import click

AGENT_SCHEMA_PATH = Path("docs/agent_openapi.json")
CHAT_DOC_PATH = Path("docs/chat.md")
FIGURES_BEGIN = "<!-- chat-evaluation:begin -->"
FIGURES_END = "<!-- chat-evaluation:end -->"


@click.group()
def chat() -> None:
    """The chat assistant: local by default, Bedrock Agent or Converse when configured."""


@chat.command()
@click.argument("message")
@click.option("--session", "session_id", default=None, help="Continue this session (printed after each answer).")
@click.option("--user", "user_id", default=None, help="The user id, for personal recommendations.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole response as JSON.")
def ask(message: str, session_id: str | None, user_id: str | None, as_json: bool) -> None:
    """Ask the configured assistant one MESSAGE; pass --session to continue a conversation."""
    from concert_api import composition
    from concert_api.models import ChatRequest

    response = composition.assistant().reply(ChatRequest(message=message, session_id=session_id, user_id=user_id))
    if as_json:
        click.echo(json.dumps(response.model_dump(mode="json"), indent=2))
        return
    click.echo(response.message)
    if response.suggestions:
        click.echo("\nTry: " + " | ".join(response.suggestions))
    click.echo(f"\n[intent {response.intent}, confidence {response.confidence:.2f}, session {response.session_id}]")


@chat.command()
@click.option("--scale", default=None, help="Generate a fresh data set of this scale (e.g. tiny) to evaluate on; "
              "default: the configured warehouse.")
@click.option("--seed", default=42, show_default=True, type=int, help="Seed of the generated data set.")
@click.option("--fill-seed", default=7, show_default=True, type=int, help="Seed that fills the test templates.")
@click.option("--today", "today_text", default=None, help="Evaluate as of this date (YYYY-MM-DD); default today.")
@click.option("--write-docs/--no-write-docs", default=True, show_default=True,
              help="Write the figures into docs/chat.md.")
@click.option("--show-errors", is_flag=True, help="List every misclassified utterance and failed dialogue.")
def evaluate(scale: str | None, seed: int, fill_seed: int, today_text: str | None, write_docs: bool,
             show_errors: bool) -> None:
    """Score the local assistant on the labelled test set and the scripted dialogues."""
    from concert_api.adapters.sessions.embedded import MemorySessionStore
    from concert_api.services.chat.local.builder import build_local_assistant
    from concert_tools.chat_evaluation.runner import evaluate as run

    today = dt.date.fromisoformat(today_text) if today_text else dt.date.today()
    with tempfile.TemporaryDirectory(prefix="concert-chat-eval-") as tmp:
        if scale:
            warehouse, data_dir = _generated(scale, seed, today, Path(tmp)), Path(tmp)
            source = f"generated `{scale}` (seed {seed})"
        else:
            from concert_api import composition
            from concert_api.settings import get_settings

            warehouse, data_dir, source = composition.warehouse(), get_settings().data_dir, "configured warehouse"
        assistant = build_local_assistant(warehouse=warehouse, data_dir=data_dir, sessions=MemorySessionStore(),
                                          today=lambda: today)
        report = run(assistant, today, seed=fill_seed)
    figures = report.as_dict()
    click.echo(json.dumps(figures, indent=2))
    if show_errors:
        for text, gold, got in report.confusions:
            click.echo(f"intent  {gold:>17} -> {got:<17} {text}")
        for text, kind, want, have in report.entity_errors:
            click.echo(f"entity  {kind:>8}: want {want} got {have}   {text}")
        for name, turn, problem in report.failed_dialogues:
            click.echo(f"dialogue {name} turn {turn}: {problem}")
        for message, numbers in report.ungrounded:
            click.echo(f"ungrounded {numbers}: {message!r}")
    if write_docs:
        path = _write_figures(figures, source=source, today=today, fill_seed=fill_seed)
        click.echo(f"wrote the figures into {path}")


@chat.command("agent-schema")
@click.option("--path", type=click.Path(dir_okay=False, path_type=Path), default=AGENT_SCHEMA_PATH,
              show_default=True)
@click.option("--check", is_flag=True, help="Exit 1 unless the file is current.")
@click.option("--functions", "functions_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the function-details form (functionSchema) to this file.")
def agent_schema(path: Path, check: bool, functions_path: Path | None) -> None:
    """Write the OpenAPI schema of the Bedrock Agent action group, generated from the tool models."""
    from concert_api.services.chat.schemas import function_schema, render_openapi

    text = render_openapi()
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{path} is out of date; run `concert-api chat agent-schema`.")
        click.echo(f"{path} is current")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")
    if functions_path:
        functions_path.write_text(json.dumps(function_schema(), indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote {functions_path}")


def _generated(scale: str, seed: int, today: dt.date, directory: Path) -> Any:
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_tools.data.generator import generate
    from concert_tools.data.loader import load_directory

    generate(scale, seed, directory / "raw", as_of=today)
    warehouse = DuckDBWarehouse(directory / "warehouse.duckdb")
    load_directory(directory / "raw", warehouse)
    return warehouse


def _write_figures(figures: dict[str, Any], *, source: str, today: dt.date, fill_seed: int) -> Path:
    entity_rows = "\n".join(f"| {kind} | {100 * f1:.1f}% |" for kind, f1 in figures["entity_f1"].items())
    accuracy = figures.get("per_intent_accuracy", {})
    intent_rows = "\n".join(f"| {intent} | {figures['per_intent'].get(intent, 0)} | "
                            f"{100 * accuracy.get(intent, 0.0):.1f}% | {100 * f1:.1f}% |"
                            for intent, f1 in figures["per_intent_f1"].items())
    block = f"""{FIGURES_BEGIN}
Measured with `concert-api chat evaluate` on the {source} data set, as of {today.isoformat()}, templates filled
with seed {fill_seed}: {figures['examples']} test utterances and {figures['dialogues']} scripted dialogues.

| Measure | Value | Target |
| --- | --- | --- |
| Intent accuracy | {100 * figures['intent_accuracy']:.1f}% | >= 97% |
| Intent macro-F1 | {100 * figures['macro_f1']:.1f}% | |
| Out-of-scope recall (all) | {100 * figures['oos_recall']:.1f}% | >= 95% |
| Out-of-scope recall, near misses ({figures.get('near_misses', 0)}) | \
{100 * figures.get('near_miss_recall', 0.0):.1f}% | >= 90% |
| Out-of-scope recall, other topics | {100 * figures.get('generic_oos_recall', 0.0):.1f}% | |
| In-scope messages rejected as out of scope | {100 * figures['false_rejection_rate']:.1f}% | <= 2% |
| Entity F1 (micro, in-scope utterances) | {100 * figures['entity_micro_f1']:.1f}% | >= 90% |
| Dialogue success (every turn right, facts said, numbers grounded) | \
{100 * figures['dialogue_success']:.1f}% | >= 90% |
| Replies whose every number is in `data` | {100 * figures['grounded_rate']:.1f}% | 100% |
| Reply latency p50 / p95 (tools included) | {figures['latency_ms_p50']:.1f} ms / \
{figures['latency_ms_p95']:.1f} ms | p50 <= 30 ms |

| Intent | Test utterances | Accuracy | F1 |
| --- | --- | --- | --- |
{intent_rows}

| Entity type | F1 |
| --- | --- |
{entity_rows}
{FIGURES_END}"""
    text = CHAT_DOC_PATH.read_text(encoding="utf-8") if CHAT_DOC_PATH.exists() else ""
    if FIGURES_BEGIN in text and FIGURES_END in text:
        head, _, rest = text.partition(FIGURES_BEGIN)
        _, _, tail = rest.partition(FIGURES_END)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n## Evaluation figures\n\n" + block + "\n"
    CHAT_DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    CHAT_DOC_PATH.write_text(text, encoding="utf-8")
    return CHAT_DOC_PATH
