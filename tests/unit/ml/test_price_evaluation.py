"""The price evaluation: the truth file read back as demand curves, and the model scored on them beside the
constant and in-range-only baselines (on the tiny data set's trained model)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from concert_api.adapters.predictors import dataset
from concert_api.ml import artefacts
from concert_api.ml.model import TicketModel
from concert_api.services.price_curve import price_grid
from concert_tools.model import price_evaluation


@pytest.fixture(scope="module")
def held_out(trained_dir):
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse

    version_dir = artefacts.current_version_dir(trained_dir / "models")
    model = TicketModel.load(version_dir)
    split = {k: dt.date.fromisoformat(v) for k, v in artefacts.read_metadata(version_dir)["split"].items()}
    warehouse = DuckDBWarehouse(trained_dir / "warehouse.duckdb")
    concerts = dataset.load_concerts(warehouse, split["end"])
    test = concerts.take(concerts.event_date >= np.datetime64(split["test_start"]))
    cols = dataset.point_in_time_columns(warehouse, test, period_days=91, anchor=split["first"])
    warehouse.close()
    truth = price_evaluation.read_truth(trained_dir / "generated" / "expected_demand.parquet", test.concert_id)
    return model, cols, truth, test.concert_id


def test_the_truth_read_back_gives_each_concerts_noise_free_demand_at_its_list_price(trained_dir, held_out):
    # given the held-out concerts' demand curves read back from the truth file
    _model, cols, truth, ids = held_out
    table = pq.read_table(trained_dir / "generated" / "expected_demand.parquet").to_pydict()
    lookup = dict(zip(table["concert_id"], table["expected_demand_capped"], strict=True))
    # when each curve is read at the concert's list price
    on_curve = truth.sales(np.asarray(cols["ticket_price"], dtype=np.float64))
    # then it is the noise-free (capped) demand the generator wrote for that concert
    assert np.allclose(on_curve, [lookup[c] for c in ids], rtol=1e-3, atol=1e-2)


def test_the_model_follows_the_truth_beyond_its_range_where_the_baselines_cannot(trained_dir, held_out):
    model, cols, truth, _ids = held_out
    noise = json.loads((trained_dir / "generated" / "generation.json").read_text())["noise_sigma"]
    result = price_evaluation.evaluate_prices(model, cols, truth, noise_sigma=noise)
    ours, held, constant = result["model"], result["in_range"], result["constant"]
    # the constant baseline never moves; the model held at the range's edge goes flat beyond it; ours does not
    assert constant["flat_step_share"] == 1.0
    assert held["flat_step_share"] > 0.2 and ours["flat_step_share"] < 0.05
    # beyond the range (3x, 5x) the response keeps the error bounded where holding the price explodes
    for multiple in ("3", "5"):
        assert ours["mape_by_multiple"][multiple] < held["mape_by_multiple"][multiple] / 3
    # inside it the model is the trees: identical to the in-range-only model
    assert ours["mape_by_multiple"]["1"] == held["mape_by_multiple"]["1"]
    # and its best price loses far less revenue than the baselines' (which price at the top of the grid)
    assert ours["regret_median"] < 5.0 < constant["regret_median"]
    assert 0.0 <= ours["coverage_in_range"] <= 1.0 and ours["coverage_out_of_range"] is not None


def test_the_grid_is_log_spaced_rounded_to_cents_and_has_no_repeats():
    grid = price_grid(10.0, 1000.0, 5)
    assert grid == [10.0, 31.62, 100.0, 316.23, 1000.0]
    assert price_grid(10.0, 10.02, 25) == [10.0, 10.01, 10.02]
