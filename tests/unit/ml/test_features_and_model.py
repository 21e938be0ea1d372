"""The model's building blocks: instances, the design matrix, point-in-time features, conformal calibration."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from concert_api import models
from concert_api.adapters.predictors import dataset
from concert_api.adapters.warehouse.queries import features as q
from concert_api.ml import features, transform
from concert_api.ml.model import calibrate, conformal_quantile


def test_standalone_vocabularies_match_the_api_models():
    assert features.GENRES == models.GENRES
    assert features.VENUE_TYPES == models.VENUE_TYPES


def test_feature_sql_columns_are_the_instance_aggregates():
    assert q.AGGREGATE_COLUMNS == features.AGGREGATE_FIELDS


@pytest.mark.parametrize(
    ("predicted", "low", "high", "expected"),
    [(1000, 800, 1200, 0.8), (1000, 1000, 1000, 1.0), (1000, 0, 5000, 0.0), (0, 0, 10, 0.0), (500, 450, 500, 0.95),
     (-1, 0, 10, 0.0), (float("nan"), 0, 10, 0.0)],
)
def test_confidence_rule(predicted, low, high, expected):
    assert features.confidence(predicted, low, high) == pytest.approx(expected)
    assert features.confidence(predicted, low, high, 1.0) == features.confidence(predicted, low, high)


def test_the_extrapolation_factor_scales_the_interval_confidence():
    assert features.confidence(1000, 800, 1200, 0.5) == 0.4
    assert features.confidence(1000, 800, 1200, 0.0) == 0.0
    assert features.confidence(1000, 800, 1200, 3.0) == 0.8  # never raised above the interval's


def _row(**overrides):
    row = {"artist_id": "a", "genre": "rock", "popularity": 60.0, "venue_id": "v", "city": "Austin", "state": "TX",
           "capacity": 3000, "venue_type": "theater", "city_population": 961_855}
    row.update({name: (0 if name.endswith("_n") else None) for name in features.AGGREGATE_FIELDS})
    row.update(overrides)
    return row


def test_an_instance_without_history_has_zero_counts_and_a_finite_design_row():
    inst = features.instance(_row(), event_date=dt.date(2026, 7, 4), ticket_price=49.5)
    assert inst["a_n"] == 0 and inst["a_sum_st"] is None and inst["event_date"] == "2026-07-04"
    x = transform.design_matrix(transform.columns_from_instances([inst]), transform.TransformParams())
    assert x.shape == (1, len(transform.FEATURE_NAMES))
    by_name = dict(zip(transform.FEATURE_NAMES, x[0], strict=True))
    assert by_name["weekday"] == 5  # a Saturday
    assert by_name["season"] == pytest.approx(np.cos(2 * np.pi * (185 - 196) / 365.25))
    assert by_name["a_mean_st"] == pytest.approx(transform.TransformParams().prior_st)  # shrunk to the prior
    assert np.isnan(by_name["price_vs_artist"])  # no history: unknown, LightGBM routes NaN


def test_shrinkage_moves_a_short_history_toward_the_prior():
    params = transform.TransformParams(prior_st=0.5)
    few = features.instance(_row(a_n=1, a_sum_st=1.0), event_date="2026-01-01", ticket_price=10)
    many = features.instance(_row(a_n=100, a_sum_st=100.0), event_date="2026-01-01", ticket_price=10)
    x = transform.design_matrix(transform.columns_from_instances([few, many]), params)
    col = transform.FEATURE_NAMES.index("a_mean_st")
    assert 0.5 < x[0, col] < x[1, col] < 1.0


def test_conformal_quantile_is_the_finite_sample_order_statistic():
    scores = np.arange(1, 10, dtype=float)  # n = 9: ceil(10 * 0.8) = 8th smallest
    assert conformal_quantile(scores, 0.8) == 8.0
    assert conformal_quantile(scores[:3], 0.8) == float("inf")


def test_mondrian_calibration_covers_each_bin_on_exchangeable_data():
    rng = np.random.default_rng(1)
    m = rng.uniform(-2, 0, 40_000)
    noise_scale = np.where(m > -0.5, 0.05, 0.3)  # a narrow bin and a wide one
    actual = m + rng.normal(0, 1, len(m)) * noise_scale
    cal = calibrate(m[:20_000], actual[:20_000], 0.8)
    assert len(cal.quantiles) == 4
    q_test = cal.half_width(m[20_000:])
    inside = np.abs(actual[20_000:] - m[20_000:]) <= q_test
    assert abs(inside.mean() - 0.8) < 0.015
    assert min(cal.quantiles) < max(cal.quantiles) / 3  # narrow where the model is sure


def test_point_in_time_features_never_see_the_concert_or_later(trained_dir):
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse

    warehouse = DuckDBWarehouse(trained_dir / "warehouse.duckdb")
    try:
        concerts = dataset.load_concerts(warehouse, dt.date.today())
        cols = dataset.point_in_time_columns(warehouse, concerts, period_days=91)
        first = concerts.event_date[0]
        block_start = first + ((concerts.event_date - first).astype(np.int64) // 91) * 91
        # Every concert's artist count equals that artist's completed concerts before its period started
        for i in np.random.default_rng(0).choice(len(concerts), 25, replace=False):
            n = warehouse.query(
                "SELECT COUNT(*) AS n FROM concerts c JOIN ticket_sales s ON s.concert_id = c.concert_id "
                "WHERE c.status = 'completed' AND c.artist_id = :a AND c.event_date < CAST(:d AS DATE)",
                {"a": concerts.artist_id[i], "d": block_start[i].astype(dt.date)},
            )[0]["n"]
            assert cols["a_n"][i] == n
            assert block_start[i] <= concerts.event_date[i]
        assert np.all(cols["a_n"][concerts.event_date < first + 91] == 0)  # the first period has no history
    finally:
        warehouse.close()


@pytest.mark.parametrize(
    ("raw", "capacity", "served"),
    [((950.04, 900.06, 1000.0), 1000, (950.0, 900.1, 1000.0)),
     ((1200.0, 1100.0, 1300.0), 1000, (1000.0, 1000.0, 1000.0)),  # capped at capacity
     ((-5.0, -10.0, 3.0), 1000, (0.0, 0.0, 3.0)),
     ((500.0, 520.0, 480.0), 1000, (500.0, 500.0, 500.0))],  # low <= sales <= high
)
def test_served_interval_clamps_and_rounds_like_the_api(raw, capacity, served):
    assert features.served_interval(*raw, capacity) == served


def test_label_conditional_calibration_covers_sell_outs_and_the_rest_alike():
    """Censored data like ticket sales: demand above capacity is seen as exactly capacity. Each outcome class
    (sold out or not) is covered at the nominal level, where one pooled quantile over-covers sell-outs."""
    rng = np.random.default_rng(3)
    m_true = rng.uniform(-1.5, 0.3, 80_000)
    actual = np.minimum(0.0, m_true + rng.normal(0, 0.2, len(m_true)))
    m = np.minimum(0.0, m_true)  # the median of the capped outcome
    cal = calibrate(m[:40_000], actual[:40_000], 0.8, min_per_bin=5000)
    assert cal.sold_out_quantiles is not None and len(cal.sold_out_quantiles) == len(cal.quantiles) == 4
    capacity = np.full(40_000, 1000.0)
    low, high = cal.bounds(m[40_000:], capacity)
    tickets = np.round(capacity * np.exp(actual[40_000:]))
    inside = (tickets >= np.round(low, 1)) & (tickets <= np.round(high, 1))
    sold_out = tickets >= capacity
    assert abs(inside[sold_out].mean() - 0.8) < 0.02
    assert abs(inside[~sold_out].mean() - 0.8) < 0.02
    assert np.all(high <= capacity) and np.all(low <= capacity * np.exp(m[40_000:]))


def test_a_calibration_without_sold_out_quantiles_caps_at_capacity():
    from concert_api.ml.model import Calibration

    cal = Calibration(0.8, [], [0.2])
    _, high = cal.bounds(np.array([-0.1, -1.0]), np.array([100.0, 100.0]))
    assert high[0] == 100.0 and high[1] == pytest.approx(100 * np.exp(-0.8))


def test_the_model_derives_confidence_with_the_one_rule(trained_dir):
    from concert_api.ml import artefacts
    from concert_api.ml.model import TicketModel

    model = TicketModel.load(artefacts.current_version_dir(trained_dir / "models"))
    row = {"genre": "rock", "popularity": 70.0, "city": "Austin", "state": "TX", "capacity": 2000,
           "venue_type": "theater", "city_population": 961_855, "a_n": 4, "a_sum_st": 3.9, "v_n": 0}  # fmt: skip
    instances = [features.instance(row, event_date="2026-08-01", ticket_price=p) for p in (10.0, 60.0, 400.0)]
    for p in model.predict(instances):
        assert p["confidence"] == features.confidence(p["predicted_sales"], p["low"], p["high"],
                                                      p["confidence_factor"])  # fmt: skip
        assert p["low"] <= p["predicted_sales"] <= p["high"] <= 2000
