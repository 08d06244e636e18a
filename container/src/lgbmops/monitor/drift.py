"""Captured rows against the reference profile: PSI, KS, score drift, data-quality rates.

PSI buckets: a numeric feature's reference quantile bins plus `missing`; a categorical
feature's levels plus `missing` and `unseen` (a level the model never saw, which LightGBM
scores as missing). The score is the live model's, recomputed on the decoded rows: what the
endpoint answered depends on each request's custom attributes (probabilities, labels,
thresholds), and a window may span a deployment, while the live model's scores on the current
rows are what will be compared with its validation scores.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np

from ..contract import NUMERIC
from ..schema import ModelSchema
from .decode import MISSING_CODE, UNSEEN_CODE, Decoded
from .profile import POSITIVE_PROBABILITY, bin_counts, psi

MISSING = "missing"
UNSEEN = "unseen"


@dataclass(frozen=True)
class Thresholds:
    psi_alarm: float = 0.2  # the alarm's limit; drift.json flags features above it


def bin_labels(edges: list[float]) -> list[str]:
    if not edges:
        return ["all values"]
    labels = [f"<= {edges[0]:.4g}"]
    labels += [f"({low:.4g}, {high:.4g}]" for low, high in zip(edges, edges[1:])]
    labels.append(f"> {edges[-1]:.4g}")
    return labels


def compare(schema: ModelSchema, profile: dict[str, Any], decoded: Decoded,
            booster: lgb.Booster, thresholds: Thresholds) -> dict[str, Any]:
    """The drift of the decoded rows from `profile`; at least one row."""
    rows = decoded.rows
    features = []
    categorical_values = categorical_unseen = 0
    for feature, reference in zip(schema.features, profile["features"]):
        if feature.kind == NUMERIC:
            values = decoded.numeric[feature.name]
            present = values[~np.isnan(values)]
            edges = reference["bins"]["edges"]
            labels = [*bin_labels(edges), MISSING]
            expected = [*reference["bins"]["proportions"], reference["missing_rate"]]
            actual = [*(bin_counts(present, edges) / rows), 1 - present.size / rows]
            entry = {"ks": ks_statistic(reference["cdf"], present, rows)}
        else:
            levels = reference["levels"]
            codes = decoded.codes[feature.name]
            counts = np.bincount(codes + 2, minlength=len(levels) + 2)  # unseen, missing, levels
            labels = [*levels, MISSING, UNSEEN]
            expected = [*levels.values(), reference["missing_rate"], 0.0]
            actual = [*(counts[2:] / rows), counts[2 + MISSING_CODE] / rows,
                      counts[2 + UNSEEN_CODE] / rows]
            categorical_values += rows - int(counts[2 + MISSING_CODE])
            categorical_unseen += int(counts[2 + UNSEEN_CODE])
            entry = {"unseen_rate": counts[2 + UNSEEN_CODE] / rows,
                     "top_unseen": {str(k): v for k, v in
                                    decoded.unseen[feature.name].most_common(5)}}
        value = psi(expected, actual)
        features.append({
            "name": feature.name, "kind": feature.kind, "psi": value,
            "drifted": value > thresholds.psi_alarm,
            "missing_rate": float(actual[labels.index(MISSING)]),
            "reference_missing_rate": float(reference["missing_rate"]),
            **{k: (float(v) if isinstance(v, (float, np.floating)) else v)
               for k, v in entry.items()},
            "buckets": [{"bucket": label, "reference": float(e), "current": float(a)}
                        for label, e, a in zip(labels, expected, actual)],
        })
    worst = max(features, key=lambda f: f["psi"])
    cells = rows * len(schema.features)
    missing_cells = sum(f["missing_rate"] * rows for f in features)
    return {
        "features": features,
        "max_feature_psi": worst["psi"],
        "max_feature_psi_feature": worst["name"],
        "drifted_features": [f["name"] for f in features if f["drifted"]],
        "missing_rate": missing_cells / cells,
        "reference_missing_rate": float(np.mean(
            [f["reference_missing_rate"] for f in features])),
        "unseen_category_rate": (categorical_unseen / categorical_values
                                 if categorical_values else 0.0),
        "prediction": prediction_drift(profile["prediction"], decoded, booster, thresholds),
    }


def ks_statistic(cdf: dict[str, list[float]], present: np.ndarray, rows: int) -> float:
    """Largest gap between the reference's and the current rows' distribution functions, at
    the reference's quantile points. Both count a missing value nowhere, so a change in the
    missing rate shows here too."""
    points = np.asarray(cdf["points"], dtype=np.float64)
    if points.size == 0:
        return 0.0
    current = np.searchsorted(np.sort(present), points, side="right") / rows
    return float(np.max(np.abs(current - np.asarray(cdf["values"]))))


def prediction_drift(reference: dict[str, Any], decoded: Decoded, booster: lgb.Booster,
                     thresholds: Thresholds) -> dict[str, Any]:
    scores = booster.predict(decoded.matrix())
    rows = decoded.rows
    if reference["kind"] == POSITIVE_PROBABILITY:
        edges = reference["edges"]
        labels = bin_labels(edges)
        expected = reference["proportions"]
        actual = bin_counts(scores, edges) / rows
        extra = {"mean_score": float(np.mean(scores))}
    else:
        labels = list(reference["levels"])
        expected = list(reference["levels"].values())
        actual = np.bincount(np.argmax(scores, axis=1), minlength=len(labels)) / rows
        extra = {}
    value = psi(expected, actual)
    return {
        "kind": reference["kind"], "psi": value, "drifted": value > thresholds.psi_alarm,
        **extra,
        "buckets": [{"bucket": label, "reference": float(e), "current": float(a)}
                    for label, e, a in zip(labels, expected, actual)],
    }
