"""The NumPy evaluator of LightGBM's text model (issue 14, finding 6): LightGBM's own predictions, exactly, on the
trained model and on a model with categorical splits and missing values of every kind."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from concert_api.ml import artefacts
from concert_api.ml.lightgbm_text import Booster
from concert_api.ml.model import BOOSTER_FILE


def test_the_trained_model_predicts_exactly_as_lightgbm(trained_dir):
    path = artefacts.current_version_dir(trained_dir / "models") / BOOSTER_FILE
    reference, ours = lgb.Booster(model_file=str(path)), Booster(model_file=path)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, reference.num_feature()))
    x[rng.random(x.shape) < 0.05] = np.nan
    assert ours.num_trees() == reference.num_trees()
    assert np.array_equal(ours.predict(x), reference.predict(x))


@pytest.mark.parametrize("missing", ["nan", "zero", "none"])
def test_categorical_and_missing_values_follow_lightgbms_rules(missing):
    # given a model trained with a categorical column and gaps in a numeric one
    rng = np.random.default_rng(7)
    n = 3000
    x = np.column_stack([rng.integers(0, 40, n), rng.normal(size=n), rng.normal(size=n)]).astype(float)
    y = np.where(np.isin(x[:, 0], [3, 7, 33]), 2.0, 0.0) + x[:, 1] + rng.normal(scale=0.1, size=n)
    if missing == "nan":
        x[rng.random(n) < 0.2, 1] = np.nan
    elif missing == "zero":
        x[rng.random(n) < 0.2, 1] = 0.0
    params = {"objective": "regression_l1", "verbose": -1, "num_leaves": 15, "min_data_in_leaf": 5,
              "zero_as_missing": missing == "zero", "use_missing": missing != "none", "cat_smooth": 1}  # fmt: skip
    model = lgb.train(params, lgb.Dataset(x, y, categorical_feature=[0]), num_boost_round=30)
    ours = Booster(model_str=model.model_to_string())
    # when both predict rows with unseen, negative and missing categories, and missing or zero numbers
    probe = x[:400].copy()
    probe[::7, 0] = np.nan
    probe[1::7, 0] = -3
    probe[2::7, 0] = 99
    probe[3::7, 1] = np.nan
    probe[4::7, 1] = 0.0
    # then the predictions are LightGBM's
    assert np.array_equal(ours.predict(probe), model.predict(probe))


def test_a_model_it_cannot_evaluate_is_refused():
    x = np.random.default_rng(0).normal(size=(200, 2))
    model = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(x, (x[:, 0] > 0).astype(int)), 5)
    with pytest.raises(NotImplementedError, match="binary"):
        Booster(model_str=model.model_to_string())
