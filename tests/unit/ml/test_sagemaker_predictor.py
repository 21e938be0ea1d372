"""The SageMaker path: the real botocore model (moto), error mapping (Stubber), and the handler end to end."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ReadTimeoutError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws
from tests.conftest import body_of, load_event

from concert_api.adapters.predictors.sagemaker import SageMakerTicketPredictor, client_config
from concert_api.errors import DependencyError, DependencyThrottled, DependencyTimeout, error_response
from concert_api.ml import features

ENDPOINT = "ticket-sales-endpoint"
INSTANCE = features.instance(
    {"genre": "rock", "popularity": 60.0, "city": "Austin", "state": "TX", "capacity": 3000,
     "venue_type": "theater", "city_population": 961_855},
    event_date="2026-07-04", ticket_price=49.5,
)  # fmt: skip
PREDICTION = {"sell_through": 0.9, "predicted_sales": 2700.0, "low": 2200.0, "high": 3000.0, "coverage": 0.8,
              "confidence": 0.85, "model_version": "v-test"}  # fmt: skip


def _queue_endpoint_results(*bodies: Any) -> None:
    """moto's documented way to give `invoke_endpoint` its answers."""
    results = [{"Body": json.dumps(b), "ContentType": "application/json"} for b in bodies]
    response = requests.post(
        "http://motoapi.amazonaws.com/moto-api/static/sagemaker/endpoint-results",
        json={"account_id": "123456789012", "region": "us-east-1", "results": results},
        timeout=5,
    )
    response.raise_for_status()


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def test_predict_through_the_real_botocore_model(aws):
    _queue_endpoint_results({"predictions": [PREDICTION]})
    predictor = SageMakerTicketPredictor(ENDPOINT, region="us-east-1")
    assert predictor.predict([INSTANCE]) == [PREDICTION]


def test_a_malformed_endpoint_answer_is_a_502_without_internals(aws):
    _queue_endpoint_results({"oops": "no predictions"})
    predictor = SageMakerTicketPredictor(ENDPOINT, region="us-east-1")
    with pytest.raises(DependencyError) as caught:
        predictor.predict([INSTANCE])
    status, body, _ = error_response(caught.value)
    assert status == 502 and "oops" not in body["details"]


def test_the_client_uses_json_and_short_timeouts():
    client = boto3.client("sagemaker-runtime", region_name="us-east-1", config=client_config())
    stubber = Stubber(client)
    stubber.add_response(
        "invoke_endpoint",
        {"Body": StreamingBody(io.BytesIO(b'{"predictions": []}'), 19), "ContentType": "application/json"},
        {"EndpointName": ENDPOINT, "ContentType": "application/json", "Accept": "application/json",
         "Body": b'{"instances": []}'},
    )  # fmt: skip
    with stubber:
        SageMakerTicketPredictor(ENDPOINT, region="us-east-1", client=client).ping()
    assert client.meta.config.read_timeout + client.meta.config.connect_timeout <= 10
    assert client.meta.config.retries["total_max_attempts"] == 2


@pytest.mark.parametrize(
    ("code", "status", "error_type"),
    [
        ("ModelError", 502, DependencyError),
        ("ThrottlingException", 503, DependencyThrottled),
        ("ValidationError", 502, DependencyError),
        ("InternalFailure", 502, DependencyError),
    ],
)
def test_endpoint_errors_map_to_the_one_error_format(code, status, error_type):
    client = boto3.client("sagemaker-runtime", region_name="us-east-1", config=client_config())
    stubber = Stubber(client)
    stubber.add_client_error("invoke_endpoint", service_error_code=code,
                             service_message="secret stack trace at /opt/ml/model", http_status_code=400)  # fmt: skip
    with stubber, pytest.raises(error_type) as caught:
        SageMakerTicketPredictor(ENDPOINT, region="us-east-1", client=client).predict([INSTANCE])
    got_status, body, headers = error_response(caught.value)
    assert got_status == status
    assert "secret" not in body["details"] and "/opt/ml" not in body["details"]
    if status == 503:
        assert headers.get("Retry-After")


def test_a_read_timeout_is_a_504():
    class SlowClient:
        def invoke_endpoint(self, **_: Any) -> Any:
            raise ReadTimeoutError(endpoint_url="https://runtime.sagemaker.us-east-1.amazonaws.com")

    with pytest.raises(DependencyTimeout) as caught:
        SageMakerTicketPredictor(ENDPOINT, region="us-east-1", client=SlowClient()).predict([INSTANCE])
    assert error_response(caught.value)[0] == 504


@pytest.mark.parametrize("price", [None, 99_999.0])
def test_handler_on_the_sagemaker_path_reads_features_from_the_warehouse(aws, trained_env, monkeypatch,
                                                                         lambda_context, price):  # fmt: skip
    import api_lambda_handlers

    from concert_api.adapters.predictors.local import LocalTicketPredictor
    from concert_api.ml.sagemaker_inference import input_fn, output_fn, predict_fn

    # Given the endpoint answers what the packaged model answers for the instance the warehouse yields
    event = load_event("http_ticket_prediction.json")
    request = json.loads(event["body"])
    if price is not None:  # far above any list price the model was trained on
        request["ticket_price"] = price
        event["body"] = json.dumps(request)
    local = LocalTicketPredictor.from_model_dir(trained_env / "models")
    from concert_api import composition

    row = local.feature_row(composition.warehouse(), request["artist_id"], request["venue_id"],
                            __import__("datetime").date.today())  # fmt: skip
    inst = features.instance(row, event_date=request["event_date"], ticket_price=request["ticket_price"])
    payload = json.dumps({"instances": [inst]})
    answer, _ = output_fn(predict_fn(input_fn(payload, "application/json"), local.model))
    _queue_endpoint_results(json.loads(answer))
    monkeypatch.setenv("SAGEMAKER_TICKET_ENDPOINT", ENDPOINT)
    composition.reset()

    # When the guide's request is made
    response = api_lambda_handlers.ticket_prediction_handler(event, lambda_context)

    # Then the endpoint's prediction comes back in the guide's shape
    body = body_of(response)
    assert response["statusCode"] == 200, body
    expected = json.loads(answer)["predictions"][0]
    assert body["predicted_sales"] == pytest.approx(expected["predicted_sales"], abs=0.1)
    assert body["predicted_sales"] <= body["features_used"]["venue_capacity"]
    assert body["model_version"] == local.model_version
    # and so do the warnings the packaged model gives outside its training range, and the confidence they lower
    assert body.get("warnings") == (expected["warnings"] or None)
    if price is not None:
        assert body["warnings"][0].startswith("ticket_price $99,999 is above the list prices")
        assert body["confidence"] == features.confidence(body["predicted_sales"], body["prediction_interval"]["low"],
                                                         body["prediction_interval"]["high"],
                                                         expected["confidence_factor"])  # fmt: skip
    assert composition.backends(composition.get_settings())["predictor"] == "sagemaker"
