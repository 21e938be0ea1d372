"""The Bedrock Agent action-group Lambda on both event formats, with AWS's documented response shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import load_event

from concert_api.adapters.warehouse.base import QueryFailed, QueryTimeout, WarehouseThrottled
from concert_api.handlers.agent_action_group import agent_action_group_handler, convert

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def on_tiny_data(monkeypatch, chat_data_dir):
    monkeypatch.setenv("CONCERT_DATA_DIR", str(chat_data_dir))
    from concert_api import composition

    composition.reset()


def test_openapi_format(on_tiny_data, lambda_context):
    event = load_event("bedrock_agent_openapi_event.json")
    out = agent_action_group_handler(event, lambda_context)
    assert out["messageVersion"] == "1.0"
    response = out["response"]
    assert {k: response[k] for k in ("actionGroup", "apiPath", "httpMethod", "httpStatusCode")} == {
        "actionGroup": "concert-tools", "apiPath": "/tools/venue_rankings", "httpMethod": "POST",
        "httpStatusCode": 200}
    body = json.loads(response["responseBody"]["application/json"]["body"])
    assert body["tool"] == "venue_rankings" and body["parameters"]["top_n"] == 3
    assert all(v["city"] == "Chicago" for v in body["result"]["venues"])
    assert out["sessionAttributes"] == {"user_id": "user_001"}


def test_function_details_format(on_tiny_data, lambda_context):
    event = load_event("bedrock_agent_function_event.json")
    out = agent_action_group_handler(event, lambda_context)
    response = out["response"]
    assert (response["actionGroup"], response["function"]) == ("concert-tools", "recommendations")
    assert "responseState" not in response["functionResponse"]
    body = json.loads(response["functionResponse"]["responseBody"]["TEXT"]["body"])
    assert body["parameters"]["genres"] == ["rock", "pop"]
    assert body["parameters"]["user_id"] == "user_001"  # from the session attribute the chat backend sets
    assert len(body["result"]["recommendations"]) <= 3


def test_bad_parameters_reprompt_and_are_400s(on_tiny_data):
    event = {**load_event("bedrock_agent_function_event.json"),
             "parameters": [{"name": "top_n", "type": "integer", "value": "0"}]}
    fn = agent_action_group_handler(event)["response"]["functionResponse"]
    assert fn["responseState"] == "REPROMPT" and "top_n" in json.loads(fn["responseBody"]["TEXT"]["body"])["details"]
    event = {**load_event("bedrock_agent_openapi_event.json"), "apiPath": "/tools/no_such_tool"}
    assert agent_action_group_handler(event)["response"]["httpStatusCode"] == 404


def test_an_unavailable_warehouse_reprompts_on_both_formats(monkeypatch, tmp_path):
    """503 (no warehouse yet): transient, so the model gets the error body (REPROMPT) instead of the session
    failing with DependencyFailedException (FAILURE)."""
    monkeypatch.setenv("CONCERT_DATA_DIR", str(tmp_path / "empty"))
    from concert_api import composition

    composition.reset()
    fn = agent_action_group_handler(load_event("bedrock_agent_function_event.json"))["response"]["functionResponse"]
    body = json.loads(fn["responseBody"]["TEXT"]["body"])
    assert fn["responseState"] == "REPROMPT" and body["retryable"] is True and body["details"]
    response = agent_action_group_handler(load_event("bedrock_agent_openapi_event.json"))["response"]
    assert response["httpStatusCode"] == 503 and "responseState" not in response
    assert json.loads(response["responseBody"]["application/json"]["body"])["retryable"] is True


@pytest.mark.parametrize(("error", "status", "state"), [
    (QueryTimeout("The warehouse did not answer in time."), 504, "REPROMPT"),
    (WarehouseThrottled("Too many statements."), 503, "REPROMPT"),
    (QueryFailed("The statement failed."), 502, "FAILURE"),
    (RuntimeError("a bug"), 500, "FAILURE"),
])
def test_transient_errors_reprompt_and_genuine_failures_fail(monkeypatch, on_tiny_data, error, status, state):
    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr("concert_api.handlers.agent_action_group.run_tool", failing)
    fn = agent_action_group_handler(load_event("bedrock_agent_function_event.json"))["response"]["functionResponse"]
    body = json.loads(fn["responseBody"]["TEXT"]["body"])
    assert fn["responseState"] == state and body["error"]
    assert body.get("retryable", False) is (state == "REPROMPT")
    response = agent_action_group_handler(load_event("bedrock_agent_openapi_event.json"))["response"]
    assert response["httpStatusCode"] == status and "responseState" not in response
    openapi_body = json.loads(response["responseBody"]["application/json"]["body"])
    assert openapi_body["error"] == body["error"] and "a bug" not in openapi_body["details"]


@pytest.mark.parametrize(("value", "kind", "expected"), [
    ("3", "integer", 3), ("2.5", "number", 2.5), ("true", "boolean", True), ('["rock","pop"]', "array",
                                                                                 ["rock", "pop"]),
    ("[rock, 'pop']", "array", ["rock", "pop"]), ("x", "integer", "x"),
])
def test_values_are_converted_to_their_declared_type(value, kind, expected):
    assert convert(value, kind) == expected


def test_the_committed_agent_schema_is_current():
    from concert_api.services.chat.schemas import render_openapi

    assert (ROOT / "docs" / "agent_openapi.json").read_text(encoding="utf-8") == render_openapi(), \
        "run `concert-api chat agent-schema`"


def test_schemas_are_plain_enough_for_bedrock():
    from concert_api.services.chat.schemas import action_group_openapi, function_schema

    text = json.dumps(action_group_openapi())
    assert "$ref" not in text and "anyOf" not in text and '"null"' not in text
    for fn in function_schema()["functions"]:
        assert all(p["type"] in {"string", "number", "integer", "boolean", "array"} for p in fn["parameters"].values())
