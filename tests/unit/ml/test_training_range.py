"""The training range: recorded at training, checked at prediction (warnings, lower confidence, prices clamped),
absent from older artefacts without harm."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil

import numpy as np
import pytest

from concert_api.adapters.predictors.local import LocalTicketPredictor
from concert_api.ml import artefacts, features, training_range
from concert_api.ml.model import MODEL_FILE, TicketModel
from concert_api.ml.training_range import TrainingRange, VenueTypeRange

RANGE = TrainingRange(
    first_date=dt.date(2022, 1, 1),
    last_date=dt.date(2026, 6, 30),
    venue_types={"stadium": VenueTypeRange(400, (108.0, 382.0), (0.8, 2.0), (0.6, 1.7)),
                 "club": VenueTypeRange(9000, (14.5, 73.0), None, None)},
)  # fmt: skip


def _inst(price, venue_type="stadium", event_date="2026-08-01", **aggregates):
    row = {"genre": "pop", "popularity": 80.0, "city": "Chicago", "state": "IL", "capacity": 60_000,
           "venue_type": venue_type, "city_population": 2_746_388, **aggregates}  # fmt: skip
    return features.instance(row, event_date=event_date, ticket_price=price)


# --- the rule, on a range given by hand ------------------------------------------------------------------


def test_inside_every_range_there_is_no_warning_and_the_factor_is_exactly_one():
    for price in (108.0, 200.0, 382.0):
        assert RANGE.assess(_inst(price)) == ([], 1.0)
    assert RANGE.assess(_inst(40.0, "club", a_n=4, a_sum_log_price=4 * math.log(40.0))) == ([], 1.0)


def test_a_price_above_the_range_warns_naming_the_field_and_the_bound():
    warnings, factor = RANGE.assess(_inst(2000.0))
    assert warnings == [
        "ticket_price $2,000 is above the list prices the model was trained on for stadiums ($108–$382): the "
        "prediction is an extrapolation and is capped at what it predicts for $382; fewer tickets may sell at a "
        "higher price."
    ]
    assert factor == pytest.approx(382 / 2000)  # exp(-distance in log price)


def test_a_price_below_the_range_warns_and_lowers_confidence_with_the_distance():
    warnings, factor = RANGE.assess(_inst(7.25, "club"))
    assert len(warnings) == 1 and warnings[0].startswith("ticket_price $7.25 is below the list prices")
    assert "clubs ($14.50–$73)" in warnings[0] and "what it predicts for $14.50" in warnings[0]
    assert factor == pytest.approx(0.5)  # half the lowest price seen


def test_a_price_far_from_the_artists_usual_one_warns_even_inside_the_list_price_range():
    usual = 50.0  # a club act at a stadium: $300 is 6 times its usual price
    warnings, factor = RANGE.assess(_inst(300.0, a_n=3, a_sum_log_price=3 * math.log(usual)))
    assert len(warnings) == 1 and "6.00 times the artist's usual price ($50)" in warnings[0]
    assert "0.80–2.00 times" in warnings[0]
    assert factor == pytest.approx(2.0 / 6.0)


def test_dates_before_the_data_or_beyond_eighteen_months_warn():
    far, factor = RANGE.assess(_inst(200.0, event_date="2099-01-01"))
    assert len(far) == 1 and far[0].startswith("event_date 2099-01-01 is more than 18 months after")
    assert factor < 1e-10
    limit = RANGE.last_date + dt.timedelta(days=training_range.HORIZON_DAYS)
    assert RANGE.assess(_inst(200.0, event_date=limit.isoformat())) == ([], 1.0)
    one_year_on = (limit + dt.timedelta(days=365)).isoformat()
    assert RANGE.assess(_inst(200.0, event_date=one_year_on))[1] == pytest.approx(0.5)
    early, factor = RANGE.assess(_inst(200.0, event_date="2020-01-01"))
    assert early[0].startswith("event_date 2020-01-01 is before the earliest concert") and factor < 0.5


def test_an_unseen_venue_type_warns_and_halves():
    warnings, factor = RANGE.assess(_inst(60.0, "arena"))
    assert "no arena concerts" in warnings[0] and factor == 0.5


def test_clamping_moves_only_prices_outside_their_venue_types_range():
    cols = {"venue_type": np.array(["stadium", "stadium", "club", "arena", "stadium"], dtype=object),
            "ticket_price": np.array([2000.0, 150.123456789, 5.0, 9999.0, 50.0])}  # fmt: skip
    clamped = RANGE.clamp_prices(cols)["ticket_price"]
    assert clamped.tolist() == [382.0, 150.123456789, 14.5, 9999.0, 108.0]
    assert cols["ticket_price"][0] == 2000.0  # a copy


def test_the_range_round_trips_through_json_and_an_absent_one_is_none():
    assert TrainingRange.from_dict(json.loads(json.dumps(RANGE.to_dict()))) == RANGE
    assert TrainingRange.from_dict(None) is None and TrainingRange.from_dict({}) is None


def test_fit_records_quantiles_per_venue_type():
    rng = np.random.default_rng(0)
    prices = np.concatenate([rng.uniform(100, 400, 1000), rng.uniform(10, 80, 1000)])
    cols = {"ticket_price": prices, "venue_type": np.array(["stadium"] * 1000 + ["club"] * 1000, dtype=object),
            "a_n": np.full(2000, 2.0), "a_sum_log_price": 2 * np.log(prices / 1.5),
            "v_n": np.zeros(2000), "v_sum_log_price": np.full(2000, np.nan)}  # fmt: skip
    seen = training_range.fit(cols, first_date=dt.date(2022, 1, 1), last_date=dt.date(2026, 1, 1))
    assert set(seen.venue_types) == {"stadium", "club"}
    lo, hi = seen.venue_types["stadium"].ticket_price
    assert lo == round(float(np.quantile(prices[:1000], 0.01)), 2) and 100 < lo < hi < 400
    assert seen.venue_types["club"].price_vs_artist == (1.5, 1.5)
    assert seen.venue_types["club"].price_vs_venue is None  # no venue history


# --- the trained model -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model(trained_dir):
    return TicketModel.load(artefacts.current_version_dir(trained_dir / "models"))


def _without_range(model):
    return TicketModel(model.booster, model.params, model.calibration, model.version)


def _a_stadium_or_the_widest(model):
    seen = model.training_range.venue_types
    return "stadium" if "stadium" in seen else max(seen, key=lambda t: seen[t].ticket_price[1])


def test_training_records_the_range_in_model_json_and_metadata(trained_dir, model):
    version_dir = artefacts.current_version_dir(trained_dir / "models")
    metadata = artefacts.read_metadata(version_dir)
    assert model.training_range is not None
    assert metadata["training_range"] == model.training_range.to_dict()
    assert metadata["training_range"]["event_date"]["first"] == metadata["split"]["first"]
    for r in model.training_range.venue_types.values():
        assert 0 < r.ticket_price[0] <= r.ticket_price[1]
    assert len(json.dumps(metadata["training_range"])) < 2000  # small


def _typical(model, vtype):
    from concert_api.ml import transform

    return float(transform.typical_price(transform.columns_from_instances([_inst(1.0, vtype, a_n=0)]), model.params)[0])


def test_inside_the_range_the_prediction_is_identical_to_a_model_without_one(model):
    # given prices inside both the venue type's list-price range and the range of price / typical price
    vtype = _a_stadium_or_the_widest(model)
    lo, hi = model.training_range.venue_types[vtype].ticket_price
    fit = model.price_response.venue_types.get(vtype, model.price_response.pooled)
    r_lo, r_hi = fit["low"], fit["high"]
    typical = _typical(model, vtype)
    prices = [p for p in np.linspace(max(lo, typical * r_lo), min(hi, typical * r_hi), 5)]
    assert prices[0] < prices[-1]
    instances = [_inst(p, vtype, a_n=0) for p in prices]
    # then the trees answer alone: exactly what a model without a range or a price response predicts
    with_range, before = model.predict(instances), _without_range(model).predict(instances)
    assert with_range == before
    assert all(p["warnings"] == [] and p["confidence_factor"] == 1.0 for p in with_range)


@pytest.mark.parametrize("side", ["above", "below"])
def test_outside_the_price_range_the_answer_warns_moves_with_the_price_and_is_less_sure(model, side):
    # given the edge of the prices the trees were fit on (price / typical price) and prices 2x and 4x beyond it
    vtype = _a_stadium_or_the_widest(model)
    fit = model.price_response.venue_types.get(vtype, model.price_response.pooled)
    bound_ratio = fit["high" if side == "above" else "low"]
    step = 2.0 if side == "above" else 0.5
    bound = round(_typical(model, vtype) * bound_ratio, 2)
    at_bound, beyond, further = model.predict([_inst(bound * (1.0 + (1e-3 if side == "below" else -1e-3)), vtype),
                                               _inst(bound * step, vtype), _inst(bound * step**2, vtype)])
    # then the answer keeps moving with the price: fewer tickets above the range, at least as many below it
    if side == "above":
        assert at_bound["predicted_sales"] > beyond["predicted_sales"] > further["predicted_sales"]
    else:
        assert at_bound["predicted_sales"] <= beyond["predicted_sales"] <= further["predicted_sales"]
    # and it warns, naming the price, with a wider interval and a lower confidence the further out it is
    for p in (beyond, further):
        assert any(w.startswith("ticket_price ") for w in p["warnings"])
        assert p["confidence"] == features.confidence(p["predicted_sales"], p["low"], p["high"],
                                                      p["confidence_factor"])  # fmt: skip
    assert beyond["confidence_factor"] <= 1 / (step if side == "above" else 1 / step) + 1e-4
    assert further["confidence_factor"] < beyond["confidence_factor"] < 1.0
    assert further["confidence"] < at_bound["confidence"]
    if side == "above" and further["predicted_sales"] > 0:
        width = lambda p: (p["high"] - p["low"]) / p["predicted_sales"]  # noqa: E731
        assert width(further) > width(at_bound)


def test_an_artefact_saved_before_the_price_response_holds_a_price_at_the_bound_as_before(trained_dir, tmp_path):
    source = artefacts.current_version_dir(trained_dir / "models")
    old = tmp_path / "before-response"
    shutil.copytree(source, old)
    data = json.loads((old / MODEL_FILE).read_text())
    data.pop("price_response")
    (old / MODEL_FILE).write_text(json.dumps(data))
    model = LocalTicketPredictor(old).model
    vtype = _a_stadium_or_the_widest(model)
    hi = model.training_range.venue_types[vtype].ticket_price[1]
    at_bound, outside = model.predict([_inst(hi, vtype), _inst(hi * 4, vtype)])
    assert outside["predicted_sales"] == at_bound["predicted_sales"]
    assert any("capped at what it predicts for" in w for w in outside["warnings"])


def test_a_far_future_date_warns_and_lowers_confidence_without_changing_the_prediction(model):
    vtype = _a_stadium_or_the_widest(model)
    lo, hi = model.training_range.venue_types[vtype].ticket_price
    inst = _inst((lo + hi) / 2, vtype, event_date="2099-01-01")
    [got], [before] = model.predict([inst]), _without_range(model).predict([inst])
    assert len(got["warnings"]) == 1 and got["warnings"][0].startswith("event_date 2099-01-01")
    assert got["predicted_sales"] == before["predicted_sales"] and got["confidence"] < before["confidence"]


def test_an_artefact_saved_before_the_range_still_loads_and_predicts_without_warnings(trained_dir, tmp_path):
    source = artefacts.current_version_dir(trained_dir / "models")
    old = tmp_path / "old-version"
    shutil.copytree(source, old)
    for name in (MODEL_FILE, artefacts.METADATA_FILE):
        data = json.loads((old / name).read_text())
        data.pop("training_range")
        data.pop("price_response", None)  # recorded later still
        (old / name).write_text(json.dumps(data))
    predictor = LocalTicketPredictor(old)
    assert predictor.model.training_range is None
    [p] = predictor.predict([_inst(100_000.0, "club", event_date="2099-01-01")])
    assert p["warnings"] == [] and p["confidence_factor"] == 1.0
    assert p["confidence"] == features.confidence(p["predicted_sales"], p["low"], p["high"])
