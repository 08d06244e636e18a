"""The reference profile: what the training data and the model's validation scores looked like.

Training writes it into the model directory (`reference-profile.json`, so it travels inside
`model.tar.gz` with the model it describes); the monitor step compares captured requests with it.
Feature order and kinds come from the model's schema. Per numeric feature: quantile bin edges and
the share of rows in each bin, plus a finer table of the empirical distribution function for the
KS statistic; per categorical feature: the share of each level. Every share is of all rows, so a
feature's bins (or levels) and its missing rate sum to one. The score distribution is of the
validation split: the positive class's probability in quantile bins for a binary model, the
predicted class's share for a multiclass one.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..contract import CATEGORICAL, NUMERIC
from ..errors import LgbmopsError
from ..schema import ModelSchema

PROFILE_FILE = "reference-profile.json"
FORMAT_VERSION = 1
DEFAULT_BINS = 10
CDF_POINTS = 100  # quantiles kept for the KS statistic: it is then exact to about 1 %
POSITIVE_PROBABILITY = "positive_class_probability"
PREDICTED_CLASS = "predicted_class"


class ProfileError(LgbmopsError):
    """The reference profile is absent, unreadable or made for another model."""


def quantile_edges(values: np.ndarray, bins: int) -> list[float]:
    """Inner bin edges at the quantiles 1/bins .. (bins-1)/bins, repeats dropped.

    Bins are right-closed, (edge[i-1], edge[i]], with the outer ones open-ended, so a value
    that most rows share (a capital gain of 0) is a bin of its own instead of several empty ones.
    """
    if values.size == 0:
        return []
    inner = np.quantile(values, np.arange(1, bins) / bins)
    return sorted({float(v) for v in inner})


def bin_counts(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Rows per bin of non-missing `values` (len(edges) + 1 bins)."""
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), values, side="left")
    return np.bincount(index, minlength=len(edges) + 1)


def cdf_at(values: np.ndarray, points: np.ndarray, rows: int) -> np.ndarray:
    """Share of all `rows` whose value is <= each point (missing values count nowhere)."""
    ordered = np.sort(values)
    return np.searchsorted(ordered, points, side="right") / max(rows, 1)


def build_profile(schema: ModelSchema, features: pd.DataFrame, scores: np.ndarray,
                  dataset: str, source: str, bins: int = DEFAULT_BINS) -> dict[str, Any]:
    """The profile of the training rows `features` and the validation `scores` (predict()'s
    output: 1-D positive-class probabilities, or rows x classes)."""
    frame = schema.training_frame(features, source)
    rows = len(frame)
    if rows == 0:
        raise ProfileError(f"{source}: no rows to profile")
    described = []
    for feature in schema.features:
        column = frame[feature.name]
        if feature.kind == NUMERIC:
            values = column.to_numpy(dtype=np.float64)
            present = values[~np.isnan(values)]
            edges = quantile_edges(present, bins)
            points = (np.unique(np.quantile(present, np.linspace(0, 1, CDF_POINTS + 1)))
                      if present.size else np.array([]))
            described.append({
                "name": feature.name, "kind": NUMERIC,
                "missing_rate": 1.0 - present.size / rows,
                "bins": {"edges": edges,
                         "proportions": (bin_counts(present, edges) / rows).tolist()},
                "cdf": {"points": points.tolist(),
                        "values": cdf_at(present, points, rows).tolist()},
            })
        else:
            codes = column.cat.codes.to_numpy()
            counts = np.bincount(codes[codes >= 0], minlength=len(feature.categories))
            described.append({
                "name": feature.name, "kind": CATEGORICAL,
                "missing_rate": float(np.mean(codes < 0)),
                "levels": dict(zip(feature.categories, (counts / rows).tolist())),
            })
    return {
        "format_version": FORMAT_VERSION,
        "dataset": dataset,
        "rows": rows,
        "features": described,
        "prediction": score_profile(schema, scores, bins),
    }


def score_profile(schema: ModelSchema, scores: np.ndarray, bins: int = DEFAULT_BINS,
                  ) -> dict[str, Any]:
    scores = np.asarray(scores, dtype=np.float64)
    if schema.binary:
        edges = quantile_edges(scores, bins)
        return {"kind": POSITIVE_PROBABILITY, "rows": int(scores.size), "edges": edges,
                "proportions": (bin_counts(scores, edges) / max(scores.size, 1)).tolist()}
    predicted = np.argmax(scores, axis=1)
    counts = np.bincount(predicted, minlength=len(schema.classes))
    return {"kind": PREDICTED_CLASS, "rows": int(len(scores)),
            "levels": dict(zip(schema.classes, (counts / max(len(scores), 1)).tolist()))}


def save_profile(profile: dict[str, Any], model_dir: Path) -> Path:
    path = Path(model_dir) / PROFILE_FILE
    path.write_text(json.dumps(profile, indent=1) + "\n", encoding="utf-8")
    return path


def load_profile(model_dir: Path, schema: ModelSchema) -> dict[str, Any]:
    """The profile next to a model, checked against the model's schema."""
    path = Path(model_dir) / PROFILE_FILE
    if not path.is_file():
        raise ProfileError(
            f"the model has no {PROFILE_FILE}: it was trained before training recorded the "
            f"reference profile; retrain it to monitor it"
        )
    try:
        profile = json.loads(path.read_text(encoding="utf-8"))
        absent = [key for key in ("format_version", "dataset", "rows", "features", "prediction")
                  if key not in profile]
        if absent:
            raise ProfileError(f"{PROFILE_FILE}: not a valid reference profile: no {absent}")
        version = profile["format_version"]
        names = [(f["name"], f["kind"]) for f in profile["features"]]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as err:
        raise ProfileError(f"{PROFILE_FILE}: not a valid reference profile: {err}") from None
    if version != FORMAT_VERSION:
        raise ProfileError(f"{PROFILE_FILE}: unsupported format_version {version!r}")
    expected = [(f.name, f.kind) for f in schema.features]
    if names != expected:
        raise ProfileError(
            f"{PROFILE_FILE} describes features {names}, the model's schema {expected}"
        )
    return profile


def psi(reference: np.ndarray, current: np.ndarray, floor: float = 1e-4) -> float:
    """Population stability index of two distributions over the same buckets.

    An empty bucket on either side is floored (else one unseen value would make it infinite);
    the floor is far below the share any real bucket holds, so it only bounds the term.
    """
    expected = np.maximum(np.asarray(reference, dtype=np.float64), floor)
    actual = np.maximum(np.asarray(current, dtype=np.float64), floor)
    value = float(np.sum((actual - expected) * np.log(actual / expected)))
    return 0.0 if math.isclose(value, 0.0, abs_tol=1e-12) else value
