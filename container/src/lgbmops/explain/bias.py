"""Bias metrics of labels and predictions across the facets of the dataset contract.

Clarify's definitions and names (SageMaker Clarify, "pre-training" and "post-training bias
metrics"): for a facet, `d` is its group (the rows whose value is one of the facet's values, or
above its threshold) and `a` is the rest of the rows, missing values included. For the class of
interest (binary: the positive class; multiclass: one named class):

- CI   = (n_a - n_d) / (n_a + n_d)                 class imbalance
- DPL  = q_a - q_d, q = share of labels in the class    difference in proportions of labels
- DPPL = q^_a - q^_d, q^ = share of predictions in it   ... in predicted labels
- DI   = q^_d / q^_a                               disparate impact
- AD   = accuracy_a - accuracy_d                   accuracy difference
- RD   = recall_a - recall_d                       recall difference
- DAR  = precision_a - precision_d                 difference in acceptance rates (precision)

A rate measured on fewer than `min_rows` rows says little; such a metric gets no value, and
the reason instead (a group too small, no labelled positives, ...).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..contract import Facet

DEFAULT_MIN_GROUP_ROWS = 30

DESCRIPTIONS = {
    "CI": "Class Imbalance (CI)",
    "DPL": "Difference in Positive Proportions in Labels (DPL)",
    "DPPL": "Difference in Positive Proportions in Predicted Labels (DPPL)",
    "DI": "Disparate Impact (DI)",
    "AD": "Accuracy Difference (AD)",
    "RD": "Recall Difference (RD)",
    "DAR": "Difference in Acceptance Rates (DAR)",
}
PRE_TRAINING = ("CI", "DPL")
POST_TRAINING = ("DPPL", "DI", "AD", "RD", "DAR")


@dataclass(frozen=True)
class GroupCounts:
    rows: int
    labelled: int  # labels in the class of interest
    predicted: int  # predictions in it
    true_positive: int  # both
    correct: int  # prediction == label (any class)

    @classmethod
    def of(cls, mask: np.ndarray, labelled: np.ndarray, predicted: np.ndarray,
           correct: np.ndarray) -> "GroupCounts":
        return cls(int(mask.sum()), int(labelled[mask].sum()), int(predicted[mask].sum()),
                   int((labelled & predicted)[mask].sum()), int(correct[mask].sum()))

    def to_dict(self) -> dict[str, int | float | None]:
        return {
            "rows": self.rows,
            "labelled_positive": self.labelled,
            "predicted_positive": self.predicted,
            "true_positive": self.true_positive,
            "correct": self.correct,
            "labelled_positive_rate": _ratio(self.labelled, self.rows),
            "predicted_positive_rate": _ratio(self.predicted, self.rows),
        }


@dataclass(frozen=True)
class Metric:
    name: str
    value: float | None
    error: str | None = None  # why there is no value


@dataclass(frozen=True)
class FacetBias:
    column: str
    value_or_threshold: str  # Clarify's spelling: values comma-joined, or the threshold
    facet_group: GroupCounts  # d
    rest: GroupCounts  # a
    pre_training: tuple[Metric, ...]
    post_training: tuple[Metric, ...]

    @property
    def group_name(self) -> str:
        """`sex=Female`, `age>60`: how messages and the gate name the group."""
        if self.value_or_threshold.startswith(">"):
            return f"{self.column}{self.value_or_threshold}"
        return f"{self.column}={self.value_or_threshold}"

    def metric(self, name: str) -> Metric:
        return next(m for m in (*self.pre_training, *self.post_training) if m.name == name)


def facet_mask(facet: Facet, column: pd.Series) -> np.ndarray:
    """The rows of the facet's group: a value among its values (compared as trimmed text), or a
    number above its threshold. A missing value is never in the group."""
    if facet.values is not None:
        text = column.astype(object).where(column.notna(), None)
        text = text.map(_as_text, na_action="ignore")
        return text.isin(set(facet.values)).to_numpy(dtype=bool)
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return numbers > facet.threshold


def value_or_threshold(facet: Facet) -> str:
    if facet.values is not None:
        return ",".join(facet.values)
    return f">{_number(facet.threshold)}"


def facet_bias(facet: Facet, in_group: np.ndarray, labels: np.ndarray, predicted: np.ndarray,
               positive: int, min_rows: int = DEFAULT_MIN_GROUP_ROWS) -> FacetBias:
    """The metrics of one facet; `labels` and `predicted` are class codes, `positive` the
    class of interest."""
    if min_rows < 1:
        raise ValueError(f"min_rows must be >= 1, got {min_rows}")
    in_group = np.asarray(in_group, dtype=bool)
    labelled = np.asarray(labels) == positive
    predicted_positive = np.asarray(predicted) == positive
    correct = np.asarray(labels) == np.asarray(predicted)
    d = GroupCounts.of(in_group, labelled, predicted_positive, correct)
    a = GroupCounts.of(~in_group, labelled, predicted_positive, correct)
    name = FacetBias(facet.column, value_or_threshold(facet), d, a, (), ()).group_name
    calc = _Calculator(name, d, a, min_rows)
    return FacetBias(
        facet.column, value_or_threshold(facet), d, a,
        tuple(calc.metric(m) for m in PRE_TRAINING),
        tuple(calc.metric(m) for m in POST_TRAINING),
    )


@dataclass(frozen=True)
class Gate:
    """What the pipeline's bias condition reads: the worst DI and |DPPL| over the facets."""
    worst_di: float
    worst_di_facet: str
    worst_abs_dppl: float
    worst_abs_dppl_facet: str
    measured: bool
    reason: str  # why nothing was measured, or which groups were too small

    def to_dict(self) -> dict[str, object]:
        return {
            "worst_di": self.worst_di, "worst_di_facet": self.worst_di_facet,
            "worst_abs_dppl": self.worst_abs_dppl,
            "worst_abs_dppl_facet": self.worst_abs_dppl_facet,
            "measured": self.measured, "reason": self.reason,
        }


NOT_MEASURED = "none"


def gate(facets: list[FacetBias], no_facet_reason: str) -> Gate:
    """Parity (DI 1, DPPL 0) where nothing could be measured, so any policy passes; `measured`
    and `reason` say so."""
    di = [(f.metric("DI").value, f.group_name) for f in facets if f.metric("DI").value is not None]
    dppl = [(abs(f.metric("DPPL").value), f.group_name)
            for f in facets if f.metric("DPPL").value is not None]
    unmeasured = [f"{f.group_name}: {f.metric('DPPL').error}"
                  for f in facets if f.metric("DPPL").value is None]
    if not facets:
        reason = no_facet_reason
    else:
        reason = "; ".join(unmeasured)
    worst_di = min(di, default=(1.0, NOT_MEASURED))
    worst_dppl = max(dppl, default=(0.0, NOT_MEASURED))
    return Gate(worst_di[0], worst_di[1], worst_dppl[0], worst_dppl[1],
                bool(di or dppl), reason)


class _Calculator:
    def __init__(self, name: str, d: GroupCounts, a: GroupCounts, min_rows: int):
        self.name, self.d, self.a, self.min_rows = name, d, a, min_rows

    def metric(self, method: str) -> Metric:
        d, a = self.d, self.a
        small = self._too_small("rows", d.rows, a.rows)
        if small:
            return Metric(method, None, small)
        if method == "CI":
            return Metric(method, (a.rows - d.rows) / (a.rows + d.rows))
        if method == "DPL":
            return Metric(method, a.labelled / a.rows - d.labelled / d.rows)
        if method == "DPPL":
            return Metric(method, a.predicted / a.rows - d.predicted / d.rows)
        if method == "DI":
            if a.predicted == 0:
                return Metric(method, None, f"the rest of {self.name} has no predicted positive")
            return Metric(method, (d.predicted / d.rows) / (a.predicted / a.rows))
        if method == "AD":
            return Metric(method, a.correct / a.rows - d.correct / d.rows)
        if method == "RD":
            small = self._too_small("labelled positives", d.labelled, a.labelled)
            if small:
                return Metric(method, None, small)
            return Metric(method, a.true_positive / a.labelled - d.true_positive / d.labelled)
        if method == "DAR":
            small = self._too_small("predicted positives", d.predicted, a.predicted)
            if small:
                return Metric(method, None, small)
            return Metric(method, a.true_positive / a.predicted - d.true_positive / d.predicted)
        raise ValueError(f"unknown bias metric {method!r}")

    def _too_small(self, what: str, in_group: int, in_rest: int) -> str | None:
        if in_group < self.min_rows:
            return f"too small to judge: {self.name} has {in_group} {what} (< {self.min_rows})"
        if in_rest < self.min_rows:
            return (f"too small to judge: the rest of {self.name} has {in_rest} {what} "
                    f"(< {self.min_rows})")
        return None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and math.isfinite(value) else repr(value)
