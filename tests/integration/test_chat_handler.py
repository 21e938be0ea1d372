"""`POST /chat` through the Lambda handler on the tiny data set, the factory's backend choice, the CLI, and the
lean import path of the chat and action-group handlers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.conftest import body_of, load_event
from tests.unit.chat.chat_data import build_tiny_warehouse

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("duckdb", "numpy", "sklearn", "rapidfuzz", "pandas", "pyarrow", "scipy")


@pytest.fixture(scope="module")
def tiny_data_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("chat-handler-data")
    build_tiny_warehouse(directory).close()
    return directory


@pytest.fixture
def local_chat(monkeypatch, tiny_data_dir):
    from concert_api import composition

    monkeypatch.setenv("CONCERT_DATA_DIR", str(tiny_data_dir))
    composition.reset()
    yield
    composition.reset()


def test_chat_handler_answers_the_guides_request_and_continues_the_session(local_chat, lambda_context):
    from concert_api.handlers.chatbot import chatbot_handler

    response = chatbot_handler(load_event("rest_chat.json"), lambda_context)
    assert response["statusCode"] == 200, response["body"]
    body = body_of(response)
    assert set(body) == {"message", "session_id", "intent", "confidence", "data", "suggestions", "timestamp"}
    follow = chatbot_handler({"body": json.dumps({"message": "what about rock?", "session_id": body["session_id"]})},
                             lambda_context)
    assert body_of(follow)["session_id"] == body["session_id"]


def test_chat_handler_rejects_a_bad_request(local_chat, lambda_context):
    from concert_api.handlers.chatbot import chatbot_handler

    response = chatbot_handler({"body": json.dumps({"message": ""})}, lambda_context)
    assert response["statusCode"] == 400 and "message" in body_of(response)["details"]


def test_the_factory_chooses_the_backend_from_the_settings(monkeypatch):
    from concert_api.composition.assistants import backend_name
    from concert_api.settings import Settings

    assert backend_name(Settings()) == "local"
    monkeypatch.setenv("BEDROCK_MODEL_ID", "anthropic.claude-3-haiku-20240307-v1:0")
    assert backend_name(Settings()) == "bedrock-converse"
    monkeypatch.setenv("BEDROCK_AGENT_ID", "AGENT12345")
    monkeypatch.setenv("BEDROCK_AGENT_ALIAS_ID", "ALIAS12345")
    assert backend_name(Settings()) == "bedrock-agent"


def test_cli_ask_continues_a_session_across_processes(local_chat, tiny_data_dir):
    from concert_tools.cli.chat_commands import chat

    runner = CliRunner()
    first = runner.invoke(chat, ["ask", "Tell me about popular artists", "--json"])
    assert first.exit_code == 0, first.output
    session = _printed_response(first.output)["session_id"]
    from concert_api import composition

    composition.reset()  # a new process: only the SQLite session file carries the state
    second = runner.invoke(chat, ["ask", "what about pop?", "--session", session, "--json"])
    reply = _printed_response(second.output)
    assert reply["intent"] == "artist_lookup" and reply["data"]["follow_up"]
    assert (tiny_data_dir / "chat_sessions.sqlite3").exists()


def test_the_requests_user_id_reaches_the_recommendations(local_chat, lambda_context):
    """`{"message": ..., "user_id": ...}` over HTTP and `chat ask --user` personalise; an unknown user is said."""
    from concert_api.handlers.chatbot import chatbot_handler
    from concert_tools.cli.chat_commands import chat

    response = chatbot_handler({"body": json.dumps({"message": "any concerts you'd recommend for me?",
                                                    "user_id": "user_001"})}, lambda_context)
    body = body_of(response)
    assert body["intent"] == "recommendations" and body["data"]["parameters"]["user_id"] == "user_001"
    printed = CliRunner().invoke(chat, ["ask", "any concerts you'd recommend for me?", "--user", "user_999999",
                                        "--json"])
    reply = _printed_response(printed.output)
    assert reply["message"].startswith("I don't know user user_999999") and reply["data"]["result"]


def _printed_response(output: str) -> dict:
    """The response `ask --json` printed (indented JSON), after any log lines that went to the same stdout (the
    entry point sends logs to stderr, but this test calls the command group directly)."""
    start = output.rfind("\n{\n") + 1 if not output.startswith("{\n") else 0
    return json.loads(output[start:])


@pytest.mark.parametrize("module", ["concert_api.handlers.chatbot", "concert_api.handlers.agent_action_group"])
def test_importing_the_chat_handlers_stays_lean(module):
    probe = f"import sys, json, {module}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}", "CONCERT_ENV_FILE": ""}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True,
                         timeout=60)
    assert not set(json.loads(out.stdout.strip().splitlines()[-1])) & set(FORBIDDEN)
