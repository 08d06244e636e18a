"""Bias metrics against values worked out by hand on a table with known group rates.

The facet group d has 40 rows: 10 labelled positive, 8 predicted positive, 6 of them rightly
(so 2 false positives, 4 false negatives, 28 true negatives: 34 correct). The rest a has 60
rows: 30 labelled, 36 predicted, 27 rightly (9 FP, 3 FN, 21 TN: 48 correct). Hence
CI = (60-40)/100 = 0.2, DPL = 30/60 - 10/40 = 0.25, DPPL = 36/60 - 8/40 = 0.4,
DI = 0.2/0.6 = 1/3, AD = 48/60 - 34/40 = -0.05, RD = 27/30 - 6/10 = 0.3,
DAR = 27/36 - 6/8 = 0.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lgbmops.contract import Facet
from lgbmops.explain import bias

FACET = Facet("sex", values=("Female",))


def _rows(tp: int, fp: int, fn: int, tn: int) -> tuple[list[int], list[int]]:
    labels = [1] * tp + [0] * fp + [1] * fn + [0] * tn
    predicted = [1] * tp + [1] * fp + [0] * fn + [0] * tn
    return labels, predicted


def _table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d_labels, d_predicted = _rows(6, 2, 4, 28)
    a_labels, a_predicted = _rows(27, 9, 3, 21)
    in_group = np.array([True] * 40 + [False] * 60)
    order = np.random.default_rng(0).permutation(100)  # the metrics must not depend on order
    return (in_group[order], np.array(d_labels + a_labels)[order],
            np.array(d_predicted + a_predicted)[order])


def test_facetBias_matchesHandComputedValues():
    in_group, labels, predicted = _table()
    found = bias.facet_bias(FACET, in_group, labels, predicted, positive=1, min_rows=5)
    expected = {"CI": 0.2, "DPL": 0.25, "DPPL": 0.4, "DI": 1 / 3, "AD": -0.05, "RD": 0.3,
                "DAR": 0.0}
    assert {m.name: m.value for m in (*found.pre_training, *found.post_training)} == \
        pytest.approx(expected, abs=1e-12)
    assert found.facet_group == bias.GroupCounts(40, 10, 8, 6, 34)
    assert found.rest == bias.GroupCounts(60, 30, 36, 27, 48)
    assert found.group_name == "sex=Female"


def test_facetBias_otherClassOfInterest_swapsTheRates():
    in_group, labels, predicted = _table()
    found = bias.facet_bias(FACET, in_group, labels, predicted, positive=0, min_rows=5)
    # Predicted class 0: d 32/40 = 0.8, a 24/60 = 0.4.
    assert found.metric("DPPL").value == pytest.approx(0.4 - 0.8)
    assert found.metric("DI").value == pytest.approx(0.8 / 0.4)


def test_facetBias_tooSmallRates_sayWhyInsteadOfANumber():
    in_group, labels, predicted = _table()
    found = bias.facet_bias(FACET, in_group, labels, predicted, positive=1, min_rows=30)
    assert found.metric("DPPL").value == pytest.approx(0.4)
    recall = found.metric("RD")
    assert recall.value is None
    assert recall.error == "too small to judge: sex=Female has 10 labelled positives (< 30)"
    assert found.metric("DAR").value is None and "8 predicted positives" in found.metric("DAR").error

    tiny = bias.facet_bias(FACET, in_group, labels, predicted, positive=1, min_rows=50)
    assert all(m.value is None for m in (*tiny.pre_training, *tiny.post_training))
    assert tiny.metric("CI").error == "too small to judge: sex=Female has 40 rows (< 50)"


def test_facetBias_noPredictedPositiveInTheRest_noDisparateImpact():
    in_group = np.array([True] * 40 + [False] * 40)
    labels = np.array([1, 0] * 40)
    predicted = np.array([1] * 10 + [0] * 70)
    found = bias.facet_bias(FACET, in_group, labels, predicted, positive=1, min_rows=5)
    assert found.metric("DI").value is None
    assert "no predicted positive" in found.metric("DI").error
    assert found.metric("DPPL").value == pytest.approx(0 - 10 / 40)


def test_facetMask_categoricalValuesAsText_numericAboveThreshold_missingNeverIn():
    column = pd.Series(["Female", " Female", "Male", None, np.nan])
    assert list(bias.facet_mask(FACET, column)) == [True, True, False, False, False]
    numbers = pd.Series([60.0, 61.0, np.nan, 70.0])
    assert list(bias.facet_mask(Facet("age", threshold=60), numbers)) == [False, True, False, True]
    assert bias.value_or_threshold(Facet("age", threshold=60)) == ">60"
    levels = pd.Series([1.0, 2.0, 3.0])
    assert list(bias.facet_mask(Facet("grade", values=("2",)), levels)) == [False, True, False]


def test_gate_worstFacetPerMetric_andParityWhenNothingIsMeasured():
    in_group, labels, predicted = _table()
    strong = bias.facet_bias(FACET, in_group, labels, predicted, 1, min_rows=5)
    mild = bias.facet_bias(Facet("age", threshold=60), ~in_group, labels, predicted, 1, min_rows=5)
    gate = bias.gate([mild, strong], "no facet")
    assert gate.worst_di == pytest.approx(1 / 3) and gate.worst_di_facet == "sex=Female"
    assert gate.worst_abs_dppl == pytest.approx(0.4)
    assert gate.measured and gate.reason == ""
    # age>60 here is the complement: DPPL -0.4, DI 3; its |DPPL| ties, its DI is not the worst.
    assert mild.metric("DI").value == pytest.approx(3.0)

    none = bias.gate([], "dataset census declares no fairness facet")
    assert (none.worst_di, none.worst_abs_dppl, none.measured) == (1.0, 0.0, False)
    assert none.worst_di_facet == "none" and none.reason == "dataset census declares no fairness facet"

    small = bias.facet_bias(FACET, in_group, labels, predicted, 1, min_rows=50)
    unmeasured = bias.gate([small], "unused")
    assert not unmeasured.measured and unmeasured.worst_di == 1.0
    assert unmeasured.reason.startswith("sex=Female: too small to judge")
