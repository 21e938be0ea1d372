"""Every in-memory cache follows the data: the first request after a reload or a retrain answers from the new
warehouse and the new model, exactly as a freshly started process would (issue 13, item 1)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import api_lambda_handlers
from tests.conftest import body_of
from tests.faults.swaps import publish_model_copy, reload_warehouse

from concert_api import composition
from concert_api.services.chat.local.catalog import Catalog

FUTURE = (dt.date.today() + dt.timedelta(days=40)).isoformat()
PREDICTION = {"artist_id": "artist_001", "venue_id": "venue_001", "event_date": FUTURE, "ticket_price": 75.0}


def _post(handler: str, body: dict[str, Any], context: Any) -> dict[str, Any]:
    response = getattr(api_lambda_handlers, handler)({"httpMethod": "POST", "body": json.dumps(body)}, context)
    assert response["statusCode"] == 200, response["body"]
    return dict(body_of(response))


def _fresh_process_answer(handler: str, body: dict[str, Any], context: Any) -> dict[str, Any]:
    """What a newly started server would answer: every adapter and cache built from scratch."""
    composition.reset()
    return _post(handler, body, context)


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "timestamp"}


def test_first_prediction_after_a_retrain_comes_from_the_new_model(own_data_dir, lambda_context):
    before = _post("ticket_prediction_handler", PREDICTION, lambda_context)

    publish_model_copy(own_data_dir, "29990101T000000Z-retrained")
    after = _post("ticket_prediction_handler", PREDICTION, lambda_context)

    assert before["model_version"] != "29990101T000000Z-retrained"
    assert after["model_version"] == "29990101T000000Z-retrained"


def test_first_prediction_after_a_reload_uses_the_new_features(own_data_dir, lambda_context):
    before = _post("ticket_prediction_handler", PREDICTION, lambda_context)

    reload_warehouse(own_data_dir, seed=99)
    after = _post("ticket_prediction_handler", PREDICTION, lambda_context)

    assert _comparable(after) == _comparable(_fresh_process_answer("ticket_prediction_handler", PREDICTION,
                                                                   lambda_context))
    assert after["features_used"] != before["features_used"]  # seed 99's artist_001 is another artist


def test_venue_forecasts_after_a_reload_are_those_of_the_new_data(own_data_dir, lambda_context):
    request = {"top_n": 20, "min_events": 1}
    before = _post("venue_popularity_handler", request, lambda_context)
    assert any("forecast_attendance_rate" in v for v in before["venues"])

    reload_warehouse(own_data_dir, seed=99)
    after = _post("venue_popularity_handler", request, lambda_context)

    assert _comparable(after) == _comparable(_fresh_process_answer("venue_popularity_handler", request,
                                                                   lambda_context))
    assert after["venues"] != before["venues"]
    loaded_at = composition.warehouse().load_metadata()["loaded_at"]
    scored = [v for v in after["venues"] if "forecast_attendance_rate" in v]
    assert scored and all(dt.datetime.fromisoformat(v["forecast_scored_at"]) >= dt.datetime.fromisoformat(loaded_at)
                          for v in scored)  # scored by the load, from the new data


def test_venue_forecasts_after_a_retrain_come_from_the_new_model_once_scored(own_data_dir, lambda_context):
    from click.testing import CliRunner

    from concert_tools.cli.main import cli

    publish_model_copy(own_data_dir, "29990101T000000Z-retrained")
    stale = _post("venue_popularity_handler", {"top_n": 20}, lambda_context)
    health = body_of(api_lambda_handlers.health_check_handler(
        {"httpMethod": "GET", "queryStringParameters": {"deep": "true"}}, lambda_context))

    result = CliRunner().invoke(cli, ["model", "score", "--data-dir", str(own_data_dir)])
    fresh = _post("venue_popularity_handler", {"top_n": 20}, lambda_context)

    assert {v.get("forecast_model_version") for v in stale["venues"]} - {None} == {_served_before(own_data_dir)}
    assert health["probes"]["venue_forecasts"]["status"] == "error"
    assert "not the current model 29990101T000000Z-retrained" in health["probes"]["venue_forecasts"]["details"]
    assert result.exit_code == 0, result.output
    assert {v.get("forecast_model_version") for v in fresh["venues"]} - {None} == {"29990101T000000Z-retrained"}


def _served_before(data_dir) -> str:
    """The version the trained data dir's model had before the copy was published (the other one)."""
    from concert_api.ml import artefacts

    return next(v for v in artefacts.versions(data_dir / "models") if v != "29990101T000000Z-retrained")


def test_the_assistant_catalog_after_a_reload_names_the_new_artists(own_data_dir, lambda_context):
    old_names = {a["name"] for a in composition.assistant().catalog.artists}

    reload_warehouse(own_data_dir, seed=99)
    reply = body_of(api_lambda_handlers.chatbot_handler(
        {"httpMethod": "POST", "body": json.dumps({"message": "Tell me about popular artists"})}, lambda_context))

    new_names = {a["name"] for a in composition.assistant().catalog.artists}
    assert new_names == {a["name"] for a in Catalog.load(composition.warehouse()).artists}
    assert new_names != old_names and reply["message"]


def test_the_chat_keeps_its_sessions_across_a_reload(own_data_dir, lambda_context):
    first = body_of(api_lambda_handlers.chatbot_handler(
        {"httpMethod": "POST", "body": json.dumps({"message": "top venues in Chicago"})}, lambda_context))

    reload_warehouse(own_data_dir, seed=99)
    follow_up = body_of(api_lambda_handlers.chatbot_handler(
        {"httpMethod": "POST", "body": json.dumps({"message": "what about Austin?", "session_id":
                                                   first["session_id"]})}, lambda_context))

    assert follow_up["session_id"] == first["session_id"] and follow_up["intent"] == first["intent"]


def test_an_unchanged_data_dir_keeps_the_same_adapters(own_data_dir, lambda_context):
    _post("ticket_prediction_handler", PREDICTION, lambda_context)
    predictor, assistant = composition.ticket_predictor(), composition.assistant()

    _post("ticket_prediction_handler", PREDICTION, lambda_context)

    assert composition.ticket_predictor() is predictor and composition.assistant() is assistant
