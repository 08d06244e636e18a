"""SHAP values against Shapley values computed from their definition.

For each row, every subset S of the features is enumerated; the value of S is the tree-path
conditional expectation of the raw score (walk each tree of `booster.dump_model()`: at a split on
a feature in S follow the row, otherwise average both children weighted by their data counts),
and phi_i = sum over S not holding i of |S|!(M-|S|-1)!/M! (v(S + i) - v(S)). Nothing of
LightGBM's own SHAP code is used for the reference.
"""
from __future__ import annotations

import itertools
import math

import lightgbm as lgb
import numpy as np
import pytest

from lgbmops.explain import shap

FEATURES = 7
ROWS = 12


def _goes_left(node: dict, value: float) -> bool:
    if node["decision_type"] == "==":
        if math.isnan(value) or value < 0:
            return False
        return int(value) in {int(c) for c in str(node["threshold"]).split("||")}
    missing = node["missing_type"]
    if math.isnan(value) and missing != "NaN":
        value = 0.0
    if (missing == "NaN" and math.isnan(value)) or (missing == "Zero" and value == 0.0):
        return node["default_left"]
    return value <= node["threshold"]


def _count(node: dict) -> int:
    return node["leaf_count"] if "leaf_value" in node else node["internal_count"]


def _expectation(node: dict, row: np.ndarray, known: frozenset[int]) -> float:
    if "leaf_value" in node:
        return node["leaf_value"]
    left, right = node["left_child"], node["right_child"]
    feature = node["split_feature"]
    if feature in known:
        return _expectation(left if _goes_left(node, row[feature]) else right, row, known)
    total = _count(left) + _count(right)
    return (_count(left) * _expectation(left, row, known)
            + _count(right) * _expectation(right, row, known)) / total


def exact_shapley(booster: lgb.Booster, row: np.ndarray, outputs: int) -> np.ndarray:
    trees = booster.dump_model()["tree_info"]
    m = len(row)

    def value(subset: frozenset[int], output: int) -> float:
        return sum(_expectation(t["tree_structure"], row, subset)
                   for i, t in enumerate(trees) if i % outputs == output)

    phi = np.zeros((outputs, m))
    for output in range(outputs):
        values = {frozenset(s): value(frozenset(s), output)
                  for size in range(m + 1) for s in itertools.combinations(range(m), size)}
        for i in range(m):
            for subset, v in values.items():
                if i in subset:
                    continue
                weight = (math.factorial(len(subset)) * math.factorial(m - len(subset) - 1)
                          / math.factorial(m))
                phi[output, i] += weight * (values[subset | {i}] - v)
    return phi


def _data(seed: int, rows: int = 600) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, FEATURES))
    x[:, 0] = rng.integers(0, 5, size=rows)  # categorical codes
    x[rng.random(rows) < 0.1, 2] = np.nan
    score = x[:, 1] + 0.8 * (x[:, 0] == 3) - 0.5 * np.nan_to_num(x[:, 2]) * x[:, 3]
    return x, score


def _train(x: np.ndarray, y: np.ndarray, params: dict) -> lgb.Booster:
    data = lgb.Dataset(x, y, categorical_feature=[0], free_raw_data=False)
    return lgb.train({"num_leaves": 7, "min_data_in_leaf": 10, "verbose": -1, "seed": 1,
                      "deterministic": True, **params}, data, num_boost_round=15)


@pytest.fixture(scope="module")
def binary_model() -> tuple[lgb.Booster, np.ndarray]:
    x, score = _data(1)
    booster = _train(x, (score > np.median(score)).astype(int), {"objective": "binary"})
    return booster, x


@pytest.fixture(scope="module")
def multiclass_model() -> tuple[lgb.Booster, np.ndarray]:
    x, score = _data(2)
    y = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    booster = _train(x, y, {"objective": "multiclass", "num_class": 3})
    return booster, x


@pytest.mark.parametrize("model,outputs", [("binary_model", 1), ("multiclass_model", 3)])
def test_contributions_equalShapleyValuesFromTheDefinition(model, outputs, request):
    booster, x = request.getfixturevalue(model)
    missing = np.flatnonzero(np.isnan(x[:, 2]))[:4]  # missing values take the default branch
    rows = np.union1d(np.arange(ROWS - len(missing)), missing)
    found = shap.contributions(booster, x, rows)
    assert found.values.shape == (ROWS, outputs, FEATURES)
    for position, row in enumerate(rows):
        reference = exact_shapley(booster, x[row], outputs)
        np.testing.assert_allclose(found.values[position], reference, rtol=0, atol=1e-6)


@pytest.mark.parametrize("model,outputs", [("binary_model", 1), ("multiclass_model", 3)])
def test_contributions_addUpToTheRawScore(model, outputs, request):
    booster, x = request.getfixturevalue(model)
    rows = np.arange(200)
    found = shap.contributions(booster, x, rows)
    raw = np.asarray(booster.predict(x[rows], raw_score=True)).reshape(len(rows), outputs)
    np.testing.assert_allclose(found.values.sum(axis=2) + found.expected, raw, rtol=0, atol=1e-9)
    np.testing.assert_allclose(found.raw, raw)


def test_expectedValue_isTheEmptyCoalitionsValue(binary_model):
    booster, x = binary_model
    empty = sum(_expectation(t["tree_structure"], x[0], frozenset())
                for t in booster.dump_model()["tree_info"])
    assert shap.contributions(booster, x, np.arange(3)).expected[0] == pytest.approx(empty, abs=1e-9)


def test_globalImportance_isMeanAbsolutePerOutputAndFeature():
    values = np.array([[[1.0, -2.0]], [[-3.0, 0.0]]])  # 2 rows, 1 output, 2 features
    np.testing.assert_array_equal(shap.global_importance(values), [[2.0, 1.0]])


def test_sampleRows_allWhenTheSplitFits_elseABoundedSortedSample():
    np.testing.assert_array_equal(shap.sample_rows(5, 10, 0), np.arange(5))
    sample = shap.sample_rows(1000, 50, 3)
    assert len(sample) == 50 and len(set(sample)) == 50
    assert list(sample) == sorted(sample) and sample.max() < 1000
    np.testing.assert_array_equal(sample, shap.sample_rows(1000, 50, 3))
    with pytest.raises(ValueError, match="max_rows"):
        shap.sample_rows(10, 0, 0)


def test_localRows_spreadOverTheExplainedRows():
    assert list(shap.local_rows(100, 3)) == [0, 50, 99]
    assert list(shap.local_rows(2, 5)) == [0, 1]
    assert list(shap.local_rows(10, 0)) == []
