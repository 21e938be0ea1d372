"""LightGBM's text model file (`booster.txt`) evaluated with NumPy alone, for the SageMaker endpoint.

The scikit-learn container has NumPy but not LightGBM, and an endpoint in a VPC without internet access cannot
`pip install` it at start-up. The trained model is plain text, and predicting with it is walking its trees:
this module reads the file and walks every tree of a batch at once, following LightGBM's own rules
(`tree.h`: `NumericalDecision`, `CategoricalDecision`):

* numerical split: missing type None/Zero/NaN (bits 2-3 of `decision_type`), `default_left` (bit 1) for a
  missing value; otherwise `value <= threshold` goes left. NaN counts as 0 unless the missing type is NaN.
* categorical split (bit 0): the category (the value truncated to an int) goes left when its bit is set in the
  node's bitset (`cat_threshold[cat_boundaries[i]:cat_boundaries[i + 1]]`); NaN and negatives go right.
* the prediction is the sum of the leaf values, tree by tree in order (as LightGBM adds them), for the
  regression objectives whose output is the raw score (the model here is `regression_l1`).

`Booster(model_file=...)` and `.predict(x)` are the only parts of LightGBM the model uses; `install_as_lightgbm`
makes this module answer `import lightgbm` where LightGBM is absent. tests/unit/ml/test_lightgbm_text.py checks
it against LightGBM itself.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import numpy as np

IDENTITY_OBJECTIVES = ("regression", "regression_l1", "huber", "fair", "quantile", "mape")
ZERO_THRESHOLD = 1e-35  # LightGBM's kZeroThreshold
_CATEGORICAL, _DEFAULT_LEFT = 1, 2
_MISSING_ZERO, _MISSING_NAN = 1, 2


def _parse(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The header's `key=value` pairs and one such dict per `Tree=` block."""
    header: dict[str, str] = {}
    trees: list[dict[str, str]] = []
    current = header
    for line in text.splitlines():
        if line.startswith("end of trees"):
            break
        if line.startswith("Tree="):
            current = {}
            trees.append(current)
            continue
        key, sep, value = line.partition("=")
        if sep:
            current[key.strip()] = value.strip()
    return header, trees


def _numbers(tree: dict[str, str], key: str, kind: type) -> np.ndarray:
    return np.array(tree[key].split(), dtype=kind) if tree.get(key) else np.array([], dtype=kind)


class Booster:
    """The trees of a LightGBM text model, flattened into arrays so that a batch walks all trees at once."""

    def __init__(self, model_file: str | Path | None = None, model_str: str | None = None) -> None:
        text = Path(model_file).read_text() if model_file is not None else model_str
        if text is None:
            raise ValueError("give model_file or model_str")
        header, trees = _parse(text)
        objective = header.get("objective", "").split()[0] if header.get("objective") else ""
        if objective not in IDENTITY_OBJECTIVES or int(header.get("num_class", "1")) != 1:
            raise NotImplementedError(f"only single-output regression models are supported, not {objective!r}")
        self.num_features = int(header["max_feature_idx"]) + 1
        features: list[np.ndarray] = []
        thresholds: list[np.ndarray] = []
        decisions: list[np.ndarray] = []
        lefts: list[np.ndarray] = []
        rights: list[np.ndarray] = []
        cat_rows: list[np.ndarray] = []
        leaf_values: list[np.ndarray] = []
        bitsets: list[np.ndarray] = []
        roots: list[int] = []
        nodes = leaves = 0
        for tree in trees:
            if tree.get("is_linear", "0") != "0":
                raise NotImplementedError("linear trees are not supported")
            values = _numbers(tree, "leaf_value", np.float64)
            splits = int(tree["num_leaves"]) - 1
            roots.append(nodes if splits > 0 else -(leaves + 1))
            if splits > 0:
                decision = _numbers(tree, "decision_type", np.int64)
                threshold = _numbers(tree, "threshold", np.float64)
                boundaries = _numbers(tree, "cat_boundaries", np.int64)
                words = _numbers(tree, "cat_threshold", np.int64)
                rows = np.full(splits, -1, dtype=np.int64)
                for node in np.flatnonzero(decision & _CATEGORICAL):
                    index = int(threshold[node])
                    rows[node] = len(bitsets)
                    bitsets.append(words[boundaries[index] : boundaries[index + 1]])
                for child, out in ((_numbers(tree, "left_child", np.int64), lefts),
                                   (_numbers(tree, "right_child", np.int64), rights)):  # fmt: skip
                    out.append(np.where(child >= 0, child + nodes, -(leaves + ~child) - 1))
                features.append(_numbers(tree, "split_feature", np.int64))
                thresholds.append(threshold)
                decisions.append(decision)
                cat_rows.append(rows)
            leaf_values.append(values)
            nodes += splits
            leaves += len(values)
        empty_i, empty_f = np.array([], dtype=np.int64), np.array([], dtype=np.float64)
        self.feature = np.concatenate(features) if features else empty_i
        self.threshold = np.concatenate(thresholds) if thresholds else empty_f
        self.decision = np.concatenate(decisions) if decisions else empty_i
        self.left = np.concatenate(lefts) if lefts else empty_i
        self.right = np.concatenate(rights) if rights else empty_i
        self.cat_row = np.concatenate(cat_rows) if cat_rows else empty_i
        self.leaf_value = np.concatenate(leaf_values) if leaf_values else empty_f
        self.roots = np.array(roots, dtype=np.int64)
        width = 32 * max((len(b) for b in bitsets), default=0)
        self.categories = np.zeros((len(bitsets), max(width, 1)), dtype=bool)
        for row, words in enumerate(bitsets):
            for category in range(32 * len(words)):
                self.categories[row, category] = bool((int(words[category // 32]) >> (category % 32)) & 1)

    def num_trees(self) -> int:
        """The number of trees."""
        return len(self.roots)

    def predict(self, data: Any, **_: Any) -> np.ndarray:
        """The raw score of each row of `data` (rows by features), as `lightgbm.Booster.predict` gives it."""
        x = np.asarray(data, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"expected rows of {self.num_features} features, got shape {x.shape}")
        state = np.tile(self.roots, (len(x), 1))  # per row and tree: a node (>= 0) or a leaf (-(index + 1))
        while True:
            rows, trees = np.nonzero(state >= 0)
            if not len(rows):
                break
            node = state[rows, trees]
            state[rows, trees] = np.where(self._goes_left(x[rows, self.feature[node]], node),
                                          self.left[node], self.right[node])  # fmt: skip
        values = self.leaf_value[-state - 1]
        out = np.zeros(len(x), dtype=np.float64)
        for tree in range(values.shape[1]):  # in order, as LightGBM adds the trees' outputs
            out += values[:, tree]
        return out

    def _goes_left(self, value: np.ndarray, node: np.ndarray) -> np.ndarray:
        decision = self.decision[node]
        missing = (decision >> 2) & 3
        nan = np.isnan(value)
        numeric = np.where(nan & (missing != _MISSING_NAN), 0.0, value)
        is_missing = ((missing == _MISSING_ZERO) & (np.abs(numeric) <= ZERO_THRESHOLD)) | (
            (missing == _MISSING_NAN) & nan
        )
        with np.errstate(invalid="ignore"):
            numeric_left = np.where(is_missing, (decision & _DEFAULT_LEFT) != 0, numeric <= self.threshold[node])
        categorical = (decision & _CATEGORICAL) != 0
        if not categorical.any():
            return numeric_left
        category = np.where(nan, -1, np.trunc(np.where(nan, -1, value))).astype(np.int64)
        inside = (category >= 0) & (category < self.categories.shape[1])
        row = np.maximum(self.cat_row[node], 0)
        category_left = inside & self.categories[row, np.clip(category, 0, self.categories.shape[1] - 1)]
        return np.where(categorical, category_left, numeric_left)


def install_as_lightgbm() -> None:
    """Make `import lightgbm` give this module's `Booster` (where LightGBM is not installed)."""
    module = types.ModuleType("lightgbm")
    module.Booster = Booster  # type: ignore[attr-defined]
    module.__doc__ = "NumPy stand-in for LightGBM's Booster (concert_api.ml.lightgbm_text)"
    sys.modules["lightgbm"] = module
