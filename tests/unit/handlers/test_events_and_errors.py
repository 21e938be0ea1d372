"""The entry-point contract, independent of data: event shapes, CORS, the one error format, 405/413/503."""

from __future__ import annotations

import base64
import json

import api_lambda_handlers
import pytest
from tests.conftest import body_of, load_event

from concert_api.errors import BadRequest
from concert_api.handlers.events import parse_event

ERROR_KEYS = {"error", "details", "timestamp"}


def test_rest_and_http_events_give_the_same_request():
    # Given the same venue request as a REST (v1) and an HTTP API (v2) event
    rest = parse_event(
        load_event("rest_venue_popularity.json"), default_method="POST", default_path="/x", max_body_bytes=1000
    )
    http = parse_event(
        load_event("http_venue_popularity.json"), default_method="POST", default_path="/x", max_body_bytes=1000
    )
    # Then both are parsed with their method, path and source
    assert (rest.method, rest.path, rest.source) == ("POST", "/venues/popularity", "rest")
    assert (http.method, http.path, http.source) == ("POST", "/venues/popularity", "http")
    assert rest.json_body() == {"top_n": 10, "min_events": 5}
    assert rest.request_id == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def test_base64_body_is_decoded():
    event = load_event("http_recommendations_base64.json")
    request = parse_event(event, default_method="POST", default_path="/recommendations", max_body_bytes=1000)
    assert request.json_body() == {"artist_preferences": ["pop"], "top_n": 5}


def test_guide_direct_invocation_and_bare_payload_are_accepted():
    direct = parse_event(
        load_event("direct_chat.json"), default_method="POST", default_path="/chat", max_body_bytes=1000
    )
    bare = parse_event({"message": "Hi"}, default_method="POST", default_path="/chat", max_body_bytes=1000)
    assert (direct.source, direct.json_body()) == ("direct", {"message": "Hello"})
    assert bare.json_body() == {"message": "Hi"}


def test_missing_or_empty_body_is_an_empty_object():
    for event in ({}, {"body": None}, {"body": ""}, load_event("rest_venue_popularity_no_body.json")):
        assert parse_event(event, default_method="POST", default_path="/v", max_body_bytes=10).json_body() == {}


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "42"])
def test_body_that_is_not_a_json_object_is_rejected(raw):
    request = parse_event({"body": raw}, default_method="POST", default_path="/v", max_body_bytes=100)
    with pytest.raises(BadRequest):
        request.json_body()


def test_invalid_base64_is_a_400():
    with pytest.raises(BadRequest, match="base64"):
        parse_event(
            {"body": "%%%", "isBase64Encoded": True}, default_method="POST", default_path="/v", max_body_bytes=100
        )


def test_malformed_json_gets_the_guide_error_body(lambda_context):
    response = api_lambda_handlers.venue_popularity_handler({"body": "{oops"}, lambda_context)
    body = body_of(response)
    assert response["statusCode"] == 400
    assert set(body) == ERROR_KEYS
    assert "not valid JSON" in body["details"]
    assert body["timestamp"].endswith("Z")


def test_invalid_fields_are_each_named(lambda_context):
    event = {"body": json.dumps({"top_n": 0, "min_events": -1, "colour": "red"})}
    body = body_of(api_lambda_handlers.venue_popularity_handler(event, lambda_context))
    assert body["error"] == "Invalid request"
    for field in ("top_n", "min_events", "colour: unknown field"):
        assert field in body["details"]


def test_union_location_error_names_the_branch_that_applies(lambda_context):
    event = {"body": json.dumps({"location": {"latitude": 40.7}})}
    body = body_of(api_lambda_handlers.recommendations_handler(event, lambda_context))
    assert body["details"] == "location: latitude and longitude must be given together"


def test_unknown_genre_is_a_400_naming_the_field(lambda_context):
    event = {"body": json.dumps({"artist_preferences": ["rock", "polka"]})}
    response = api_lambda_handlers.recommendations_handler(event, lambda_context)
    assert response["statusCode"] == 400
    assert "artist_preferences.1" in body_of(response)["details"]


def test_wrong_method_is_a_405_with_allow_header(lambda_context):
    response = api_lambda_handlers.venue_popularity_handler(
        load_event("http_venue_popularity_wrong_method.json"), lambda_context
    )
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "POST,OPTIONS"
    assert set(body_of(response)) == ERROR_KEYS


def test_options_preflight_answers_204_with_cors(lambda_context):
    event = load_event("rest_venue_popularity.json") | {"httpMethod": "OPTIONS", "body": None}
    response = api_lambda_handlers.venue_popularity_handler(event, lambda_context)
    assert response["statusCode"] == 204
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["headers"]["Access-Control-Allow-Methods"]


def test_oversized_body_is_a_413(lambda_context, monkeypatch):
    monkeypatch.setenv("CONCERT_MAX_BODY_BYTES", "100")
    from concert_api.settings import get_settings

    get_settings.cache_clear()
    event = {"body": json.dumps({"message": "x" * 200})}
    response = api_lambda_handlers.chatbot_handler(event, lambda_context)
    assert response["statusCode"] == 413
    assert body_of(response)["error"] == "Payload too large"


def test_every_response_is_json_with_cors(lambda_context):
    for name in ("rest_health.json", "http_venue_popularity_wrong_method.json"):
        event = load_event(name)
        handler = (
            api_lambda_handlers.health_check_handler
            if "health" in name
            else api_lambda_handlers.venue_popularity_handler
        )
        response = handler(event, lambda_context)
        assert response["headers"]["Content-Type"] == "application/json"
        assert response["headers"]["Access-Control-Allow-Origin"] == "*"
        assert response["isBase64Encoded"] is False


def test_unexpected_exception_is_a_500_without_internal_detail(lambda_context, monkeypatch):
    from concert_api.services import venue_popularity

    def explode(*_args, **_kwargs):
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr(venue_popularity, "rank_venues", explode)
    monkeypatch.setattr("concert_api.composition.warehouse", lambda: object())
    response = api_lambda_handlers.venue_popularity_handler({"body": "{}"}, lambda_context)
    assert response["statusCode"] == 500
    assert "secret" not in response["body"] and "Traceback" not in response["body"]
    assert set(body_of(response)) == ERROR_KEYS


def test_chat_and_prediction_validate_their_bodies(lambda_context):
    bad_chat = api_lambda_handlers.chatbot_handler({"body": json.dumps({"message": ""})}, lambda_context)
    bad_prediction = api_lambda_handlers.ticket_prediction_handler(
        {
            "body": json.dumps(
                {"artist_id": "artist_001", "venue_id": "venue_001", "event_date": "2025-02-30", "ticket_price": 0}
            )
        },
        lambda_context,
    )
    assert bad_chat["statusCode"] == 400 and "message" in body_of(bad_chat)["details"]
    details = body_of(bad_prediction)["details"]
    assert bad_prediction["statusCode"] == 400 and "event_date" in details and "ticket_price" in details


def test_guide_direct_invocation_with_mock_context_works(trained_env):
    class MockContext:
        request_id = "test-123"

    response = api_lambda_handlers.health_check_handler({"body": ""}, MockContext())
    assert response["statusCode"] == 200


def test_base64_event_reaches_the_handler(lambda_context):
    event = load_event("http_recommendations_base64.json")
    event["body"] = base64.b64encode(b'{"top_n": 0}').decode()
    response = api_lambda_handlers.recommendations_handler(event, lambda_context)
    assert response["statusCode"] == 400 and "top_n" in body_of(response)["details"]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"body": '{"top_n": ' + "1" * 5000 + "}"}, "number out of range"),
        ({"body": "[" * 30000 + "]" * 30000}, "nested too deeply"),
        ({"requestContext": "x", "body": "{}"}, "requestContext must be an object"),
        ({"httpMethod": "POST", "queryStringParameters": ["a"]}, "queryStringParameters must be an object"),
        ({"body": '{"city": "\ud800"}'}, "city"),
        ({"top_n": 1, "version": "x"}, "version: unknown field"),
    ],
    ids=["huge-int", "deep-nesting", "context-not-object", "query-not-object", "lone-surrogate", "bare-payload"],
)
def test_malformed_events_are_400s_not_500s(event, expected, lambda_context):
    response = api_lambda_handlers.venue_popularity_handler(event, lambda_context)
    assert response["statusCode"] == 400
    assert expected in body_of(response)["details"]


def test_response_model_rejecting_data_is_a_500_not_the_clients_fault(lambda_context, monkeypatch):
    from concert_api.models import VenueRanking
    from concert_api.services import venue_popularity

    def bad_row(*_args, **_kwargs):
        return VenueRanking.model_validate({"venue_id": "v", "name": None})  # a NULL name from the warehouse

    monkeypatch.setattr(venue_popularity, "rank_venues", bad_row)
    monkeypatch.setattr("concert_api.composition.warehouse", lambda: object())
    response = api_lambda_handlers.venue_popularity_handler({"body": "{}"}, lambda_context)
    assert response["statusCode"] == 500 and "name" not in body_of(response)["details"]


def test_string_false_is_not_base64(lambda_context):
    response = api_lambda_handlers.venue_popularity_handler(
        {"body": '{"top_n": 0}', "isBase64Encoded": "false"}, lambda_context
    )
    assert response["statusCode"] == 400 and "top_n" in body_of(response)["details"]


def test_a_bad_chat_body_is_rejected_before_the_assistant_is_built(lambda_context, monkeypatch):
    # Given an assistant that would take long to build (or fail), when the body is not valid JSON,
    def never(*_args, **_kwargs):
        raise AssertionError("the assistant was built for a request that is rejected anyway")

    monkeypatch.setattr("concert_api.composition.assistant", never)
    response = api_lambda_handlers.chatbot_handler({"body": "{not json"}, lambda_context)
    # then the answer is the 400, without building it.
    assert response["statusCode"] == 400
