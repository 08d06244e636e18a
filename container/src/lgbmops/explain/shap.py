"""Exact SHAP values of a LightGBM model: TreeSHAP, as LightGBM computes it (`pred_contrib`).

The values explain the raw score (log-odds for binary, the per-class score before softmax for
multiclass): there a tree ensemble is a sum of trees, and the Shapley values of the sum are the
sums of each tree's exact values. Each row's contributions plus the expected value add up to its
raw score. Probabilities are not additive, so they are not what is explained.
"""
from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

DEFAULT_MAX_ROWS = 50_000  # rows explained; a larger split is sampled, without replacement
DEFAULT_LOCAL_ROWS = 5  # rows explained one by one in the reports


@dataclass(frozen=True)
class Contributions:
    """SHAP values of `rows` (positions in the split): values[row, output, feature]."""
    rows: np.ndarray  # positions in the explained split, ascending
    values: np.ndarray  # (rows, outputs, features); outputs = 1 (binary) or K (multiclass)
    expected: np.ndarray  # (outputs,): the model's mean raw score over the background
    raw: np.ndarray  # (rows, outputs): the raw scores the values add up to

    @property
    def outputs(self) -> int:
        return self.values.shape[1]


def sample_rows(total: int, max_rows: int, seed: int) -> np.ndarray:
    """All positions when the split fits, else `max_rows` of them, drawn once, ascending."""
    if max_rows < 1:
        raise ValueError(f"max_rows must be >= 1, got {max_rows}")
    if total <= max_rows:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size=max_rows, replace=False))


def contributions(booster: lgb.Booster, matrix: np.ndarray, rows: np.ndarray) -> Contributions:
    """TreeSHAP of `matrix[rows]`; `matrix` is the schema-encoded feature matrix."""
    chosen = matrix[rows]
    features = chosen.shape[1]
    flat = np.asarray(booster.predict(chosen, pred_contrib=True))
    outputs = flat.shape[1] // (features + 1)
    if outputs * (features + 1) != flat.shape[1]:
        raise ValueError(
            f"pred_contrib returned {flat.shape[1]} columns for {features} features"
        )
    per_output = flat.reshape(len(rows), outputs, features + 1)
    raw = np.asarray(booster.predict(chosen, raw_score=True)).reshape(len(rows), outputs)
    # The bias column is the same for every row: the ensemble's expected raw score.
    return Contributions(rows, per_output[:, :, :features], per_output[0, :, features], raw)


def global_importance(values: np.ndarray) -> np.ndarray:
    """Mean |SHAP| per output and feature: (outputs, features)."""
    return np.abs(values).mean(axis=0)


def local_rows(total: int, count: int) -> np.ndarray:
    """Which of the explained rows to show one by one: evenly spread, the first always in."""
    count = min(count, total)
    if count <= 0:
        return np.arange(0)
    return np.unique(np.linspace(0, total - 1, count).round().astype(int))
