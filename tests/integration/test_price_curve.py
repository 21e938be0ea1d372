"""`POST /tickets/price-curve` on the tiny data set: the curve, the best price, one model batch, errors; and the
SageMaker path, where the whole grid is one InvokeEndpoint call answered by the packaged inference script."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json

import api_lambda_handlers
import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from tests.conftest import body_of, load_event

from concert_api.adapters.predictors.sagemaker import SageMakerTicketPredictor, client_config
from concert_api.ml import artefacts, features, sagemaker_inference
from concert_api.models import PriceCurveRequest
from concert_api.services import price_curve

REQUEST = {"artist_id": "artist_001", "venue_id": "venue_001", "event_date": "2026-07-18"}


def _curve(body, context):
    event = load_event("http_ticket_prediction.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/tickets/price-curve"
    event["body"] = json.dumps(body)
    return api_lambda_handlers.price_curve_handler(event, context)


def test_the_default_curve_has_25_prices_and_names_the_revenue_maximising_one(trained_env, lambda_context):
    response = _curve(REQUEST, lambda_context)
    body = body_of(response)
    assert response["statusCode"] == 200, body
    curve = body["curve"]
    prices = [p["ticket_price"] for p in curve]
    # 25 prices, rising, from half to three times the artist's usual price
    assert len(curve) == 25 and prices == sorted(prices)
    assert prices[0] == pytest.approx(body["usual_price"] * 0.5, abs=0.01)
    assert prices[-1] == pytest.approx(body["usual_price"] * 3.0, abs=0.01)
    for p in curve:
        assert 0 <= p["predicted_sales"] <= body["capacity"]
        assert p["prediction_interval"]["low"] <= p["predicted_sales"] <= p["prediction_interval"]["high"]
        assert p["expected_revenue"] == pytest.approx(p["ticket_price"] * p["predicted_sales"], abs=0.01)
        assert 0 <= p["sell_out_probability"] <= 1
    # the best price is the curve's highest expected revenue
    assert body["best_price"]["expected_revenue"] == max(p["expected_revenue"] for p in curve)
    assert body["best_price"] in curve
    # sales fall as the price rises, all the way to the top of the grid (no flat tail beyond the trained prices)
    assert curve[-1]["predicted_sales"] < curve[len(curve) // 2]["predicted_sales"] or curve[-1]["predicted_sales"] \
        == body["capacity"]


def test_prices_beyond_the_trained_range_are_flagged_less_sure_and_still_move(trained_env, lambda_context):
    body = body_of(_curve({**REQUEST, "min_price": 1.0, "max_price": 5000.0, "points": 10}, lambda_context))
    curve = body["curve"]
    outside = [p for p in curve if p["extrapolated"]]
    assert outside and body["warnings"] and "outside what the model was trained on" in body["warnings"][0]
    high = [p for p in curve if p["ticket_price"] > 1000]
    assert all(a["predicted_sales"] > b["predicted_sales"] for a, b in itertools.pairwise(high))
    assert all(p["confidence"] < 0.5 for p in high)


def test_explicit_prices_are_predicted_in_one_model_batch(trained_env, lambda_context, monkeypatch):
    from concert_api import composition

    predictor = composition.ticket_predictor()
    calls = []
    original = predictor.predict
    monkeypatch.setattr(predictor, "predict", lambda instances: calls.append(len(instances)) or original(instances))
    body = body_of(_curve({**REQUEST, "prices": [80.0, 20.0, 40.0, 40.0]}, lambda_context))
    assert [p["ticket_price"] for p in body["curve"]] == [20.0, 40.0, 80.0]
    assert calls == [3]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"points": 51}, "points"), ({"points": 1}, "points"), ({"min_price": 50, "max_price": 40}, "max_price"),
     ({"prices": [10.0] * 51}, "prices"), ({"prices": [20.0], "min_price": 10.0}, "prices"),
     ({"prices": [-1.0]}, "prices"), ({"min_price": 0}, "min_price"), ({"event_date": "2026-13-45"}, "event_date"),
     ({"ticket_price": 50}, "ticket_price")],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(trained_env, lambda_context, overrides, field):
    response = _curve({**REQUEST, **overrides}, lambda_context)
    body = body_of(response)
    assert response["statusCode"] == 400 and field in body["details"]
    assert set(body) == {"error", "details", "timestamp"}


def test_a_min_price_above_the_default_top_is_a_400_naming_it(trained_env, lambda_context):
    response = _curve({**REQUEST, "min_price": 99_000.0}, lambda_context)
    assert response["statusCode"] == 400 and "min_price" in body_of(response)["details"]


@pytest.mark.parametrize("overrides", [{"artist_id": "artist_nope"}, {"venue_id": "venue_nope"}])
def test_unknown_artist_or_venue_is_a_404(trained_env, lambda_context, overrides):
    response = _curve({**REQUEST, **overrides}, lambda_context)
    assert response["statusCode"] == 404 and next(iter(overrides.values())) in body_of(response)["details"]


def test_on_aws_the_grid_is_one_invoke_endpoint_call_answered_by_the_inference_script(trained_env):
    # given the SageMaker predictor (botocore's real sagemaker-runtime model, stubbed at the wire) whose endpoint
    # runs the packaged inference script on the trained model
    from concert_api import composition

    warehouse = composition.warehouse()
    model = sagemaker_inference.model_fn(str(artefacts.current_version_dir(trained_env / "models")))
    request = PriceCurveRequest(**REQUEST, points=25)
    client = boto3.client("sagemaker-runtime", region_name="us-east-1", config=client_config())
    predictor = SageMakerTicketPredictor("ticket-sales", region="us-east-1", client=client)
    today = dt.date(2026, 1, 1)
    row = predictor.feature_row(warehouse, request.artist_id, request.venue_id, today)
    prices = price_curve.prices_for(request, price_curve.usual_price(row))
    instances = [features.instance(row, event_date=request.event_date, ticket_price=p) for p in prices]
    sent = json.dumps({"instances": instances}).encode()
    answer, _ = sagemaker_inference.output_fn(sagemaker_inference.predict_fn(sagemaker_inference.input_fn(sent),
                                                                             model))  # fmt: skip
    stubber = Stubber(client)
    stubber.add_response(
        "invoke_endpoint",
        {"Body": StreamingBody(io.BytesIO(answer.encode()), len(answer.encode())), "ContentType": "application/json"},
        {"EndpointName": "ticket-sales", "ContentType": "application/json", "Accept": "application/json",
         "Body": sent},
    )  # fmt: skip
    # when the price curve is asked for
    with stubber:
        response = price_curve.price_curve(request, warehouse=warehouse, predictor=predictor, today=today)
    # then exactly one call carried the 25 prices, and the answer is the script's
    stubber.assert_no_pending_responses()
    assert len(response.curve) == 25
    assert response.best_price.sell_out_probability is not None
    assert response.best_price.expected_revenue == max(p.expected_revenue for p in response.curve)
