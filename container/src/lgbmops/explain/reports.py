"""`explain` end to end, as pure functions: model + test split -> the three reports.

`bias.json` keeps Clarify's analysis layout (`pre_training_bias_metrics` /
`post_training_bias_metrics` -> `facets` -> column -> `[{value_or_threshold, metrics: [{name,
description, value}]}]`); a metric that cannot be judged has `value` null and an `error`. Our
additions: each group's counts under `groups`, and `gate`, the summary the pipeline's condition
step reads with JsonGet (`gate.worst_di`, `gate.worst_abs_dppl`, and the groups they belong to).

`explainability.json` keeps Clarify's `explanations` -> method -> `label<k>` ->
`global_shap_values` / `expected_value`; the method is `tree_shap` (exact), not Clarify's
`kernel_shap` (estimated), and the values are in raw-score units (`output`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from ..clarify import MULTICLASS_BIAS_CLASS
from ..contract import BINARY, Facet, parse_contract
from ..dataset import Dataset
from ..metrics import THRESHOLD, predicted_classes
from ..sagemaker_io import LabelledData, write_json
from ..schema import ModelSchema
from . import bias, shap
from .drift import DRIFT_FILE

BIAS_FILE = "bias.json"
EXPLAINABILITY_FILE = "explainability.json"
REPORT_FILE = "report.html"
VERSION = "1.0"
METHOD = "tree_shap"
SHOWN_LOCAL_FEATURES = 8


@dataclass(frozen=True)
class Settings:
    max_rows: int = shap.DEFAULT_MAX_ROWS
    local_rows: int = shap.DEFAULT_LOCAL_ROWS
    min_group_rows: int = bias.DEFAULT_MIN_GROUP_ROWS
    seed: int = 0


@dataclass(frozen=True)
class Explained:
    bias: dict[str, Any]
    explainability: dict[str, Any]
    facets: tuple[bias.FacetBias, ...]
    gate: bias.Gate
    contributions: shap.Contributions


def bias_class(dataset: Dataset) -> int:
    """The class whose share the bias metrics compare: binary the positive one; multiclass
    the one Clarify's documents name too (preprocess's `clarify` module owns the choice)."""
    return 1 if dataset.task == BINARY else MULTICLASS_BIAS_CLASS


def explain(booster: lgb.Booster, schema: ModelSchema, dataset: Dataset, test: LabelledData,
            settings: Settings = Settings()) -> Explained:
    matrix = schema.matrix(test.features, test.source)
    probabilities = np.asarray(booster.predict(matrix))
    predicted = predicted_classes(probabilities, THRESHOLD)
    facets = _facets(dataset)
    positive = bias_class(dataset)
    biases = tuple(
        bias.facet_bias(facet, bias.facet_mask(facet, test.features[facet.column]), test.labels,
                        predicted, positive, settings.min_group_rows)
        for facet in facets
    )
    source = dataset.contract.get("name", dataset.name)
    summary = bias.gate(list(biases), f"dataset {source} declares no fairness facet")
    rows = shap.sample_rows(len(matrix), settings.max_rows, settings.seed)
    contributions = shap.contributions(booster, matrix, rows)
    return Explained(
        bias_document(dataset, biases, summary, positive, settings.min_group_rows),
        explainability_document(dataset, schema, test, contributions, settings.local_rows),
        biases, summary, contributions,
    )


def _facets(dataset: Dataset) -> tuple[Facet, ...]:
    # dataset.json carries the contract preprocess checked; parse it again for typed facets.
    return parse_contract(dataset.contract, f"dataset {dataset.name}").fairness


def bias_document(dataset: Dataset, facets: tuple[bias.FacetBias, ...], summary: bias.Gate,
                  positive: int, min_rows: int) -> dict[str, Any]:
    label_value = dataset.classes[positive]

    def section(which: str) -> dict[str, Any]:
        by_column: dict[str, list[dict[str, Any]]] = {}
        for facet in facets:
            metrics = facet.pre_training if which == "pre" else facet.post_training
            by_column.setdefault(facet.column, []).append({
                "value_or_threshold": facet.value_or_threshold,
                "metrics": [_metric(m) for m in metrics],
            })
        return {"label": dataset.label, "label_value_or_threshold": label_value,
                "facets": by_column}

    groups: dict[str, list[dict[str, Any]]] = {}
    for facet in facets:
        groups.setdefault(facet.column, []).append({
            "value_or_threshold": facet.value_or_threshold,
            "group": facet.group_name,
            "facet_group": facet.facet_group.to_dict(),
            "rest": facet.rest.to_dict(),
        })
    return {
        "version": VERSION,
        "pre_training_bias_metrics": section("pre"),
        "post_training_bias_metrics": section("post"),
        "groups": groups,
        "min_group_rows": min_rows,
        "predicted_label": (f"probability of {label_value!r} >= {THRESHOLD}"
                            if dataset.task == BINARY else "the most probable class"),
        "gate": summary.to_dict(),
    }


def _metric(metric: bias.Metric) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": metric.name, "description": bias.DESCRIPTIONS[metric.name],
                             "value": metric.value}
    if metric.error is not None:
        entry["error"] = metric.error
    return entry


def output_names(dataset: Dataset) -> list[str]:
    """What each SHAP output explains: binary one raw score (of the positive class)."""
    if dataset.task == BINARY:
        return [dataset.classes[1]]
    return list(dataset.classes)


def explainability_document(dataset: Dataset, schema: ModelSchema, test: LabelledData,
                            found: shap.Contributions, local_count: int) -> dict[str, Any]:
    names = schema.names
    importance = shap.global_importance(found.values)
    classes = output_names(dataset)
    labels = {
        f"label{k}": {
            "class": classes[k],
            "global_shap_values": {n: float(v) for n, v in zip(names, importance[k])},
            "expected_value": float(found.expected[k]),
        }
        for k in range(found.outputs)
    }
    local = []
    for position in shap.local_rows(len(found.rows), local_count):
        row = int(found.rows[position])
        values = test.features.iloc[row]
        local.append({
            "row": row,
            "label": dataset.classes[int(test.labels[row])],
            "features": {n: _text(values[n]) for n in names},
            "outputs": {
                f"label{k}": {
                    "raw_score": float(found.raw[position, k]),
                    "shap_values": {n: float(v) for n, v in zip(names, found.values[position, k])},
                }
                for k in range(found.outputs)
            },
        })
    return {
        "version": VERSION,
        "explanations": {METHOD: labels},
        "method": "TreeSHAP, exact (LightGBM pred_contrib)",
        "output": "raw_score",
        "output_meaning": ("log-odds of the positive class" if dataset.task == BINARY
                           else "per-class score before softmax"),
        "agg_method": "mean_abs",
        "rows_in_split": int(len(test.labels)),
        "rows_explained": int(len(found.rows)),
        "local_explanations": local,
    }


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def write_reports(explained: Explained, html: str, directory: Path,
                  drift: dict[str, Any] | None = None) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    write_json(directory / BIAS_FILE, explained.bias)
    write_json(directory / EXPLAINABILITY_FILE, explained.explainability)
    (directory / REPORT_FILE).write_text(html, encoding="utf-8")
    written = [directory / BIAS_FILE, directory / EXPLAINABILITY_FILE, directory / REPORT_FILE]
    if drift is not None:
        write_json(directory / DRIFT_FILE, drift)
        written.append(directory / DRIFT_FILE)
    return written
