"""The SageMaker Clarify analysis documents, computed by preprocess from the contract and the data.

Four documents, at fixed paths under the `clarify` output (the pipeline's ClarifyCheck steps and
the registered model package point at them):

- `model-bias/analysis_config.json`: post-training bias (DPPL) of the model's predictions on
  the baseline sample, across every facet of the contract's `fairness`;
- `model-bias/monitoring_analysis_config.json`: what a ModelBiasMonitor needs to recheck it;
- `model-explainability/analysis_config.json`: SHAP against one baseline record (median of
  each numeric feature, most frequent level of each categorical one, over the data);
- `model-explainability/monitoring_analysis_config.json`: the same for a
  ModelExplainabilityMonitor (feature headers only; live requests carry no label).

The analysed data is `baseline/baseline.csv`: headerless, label first as the class code, then
the features. Hence the label values below are codes too:

- binary: the model answers one probability (of the positive class) per line; Clarify turns it
  into a label with `probability_threshold` 0.5 and `label_values_or_threshold` is `[1]`;
- multiclass: the model answers one probability per class per line, in code order;
  `predictor.label_headers` is `[0, 1, ..., K-1]` (the values the label takes in the analysed
  data, as Clarify requires), so Clarify picks the class of the highest probability.
  A multiclass contract names no favourable class, so bias is measured for class 0 (the
  first class in dataset.json's `label.classes`).

A contract without `fairness` declares no sensitive attribute, and Clarify cannot measure bias
without a facet: then the two model-bias documents are not written, and `checks.json` says so
(`{"model_bias": false, ...}`) for the pipeline to skip that check.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .contract import BINARY, Contract
from .dataset import Dataset
from .errors import LgbmopsError

DEFAULT_INSTANCE_TYPE = "ml.m5.xlarge"
INSTANCE_TYPE = re.compile(r"ml\.[a-z0-9]+\.[a-z0-9]+")

MODEL_BIAS = "model-bias/analysis_config.json"
MODEL_BIAS_MONITORING = "model-bias/monitoring_analysis_config.json"
MODEL_EXPLAINABILITY = "model-explainability/analysis_config.json"
MODEL_EXPLAINABILITY_MONITORING = "model-explainability/monitoring_analysis_config.json"
CHECKS = "checks.json"

PROBABILITY_THRESHOLD = 0.5  # binary: a probability above it is the positive class
MULTICLASS_BIAS_CLASS = 0


class ClarifyError(LgbmopsError):
    pass


def check_instance_type(value: str) -> str:
    if not INSTANCE_TYPE.fullmatch(value):
        raise ClarifyError(
            f"--clarify-instance-type must look like ml.m5.xlarge, got {value!r}"
        )
    return value


def analysis_documents(dataset: Dataset, contract: Contract, shap_baseline: list[Any],
                       instance_type: str) -> dict[str, dict[str, Any]]:
    """Relative path -> document; the bias pair only when the contract declares facets."""
    features = dataset.feature_names
    headers = [dataset.label, *features]
    binary = dataset.task == BINARY
    predictor: dict[str, Any] = {
        "content_type": "text/csv",
        "accept_type": "text/csv",
        "instance_type": instance_type,
        "initial_instance_count": 1,
    }
    if not binary:
        predictor["label_headers"] = list(range(len(dataset.classes)))
    data = {"version": "1.0", "dataset_type": "text/csv", "headers": headers,
            "label": dataset.label}
    shap = {
        "baseline": [shap_baseline],
        "num_samples": 100,
        "agg_method": "mean_abs",
        "use_logit": False,
        "save_local_shap_values": False,
    }
    report = {"name": "report", "title": "Analysis Report"}
    documents: dict[str, dict[str, Any]] = {}
    facets = [
        {"name_or_index": facet.column,
         "value_or_threshold": list(facet.values) if facet.values is not None
         else [facet.threshold]}
        for facet in contract.fairness
    ]
    bias_class = 1 if binary else MULTICLASS_BIAS_CLASS
    if facets:
        bias = {**data,
                "label_values_or_threshold": [bias_class],
                "facet": facets,
                "methods": {"post_training_bias": {"methods": ["DPPL"]}, "report": report},
                "predictor": predictor}
        if binary:
            bias["probability_threshold"] = PROBABILITY_THRESHOLD
        documents[MODEL_BIAS] = bias
        documents[MODEL_BIAS_MONITORING] = {
            "label_values_or_threshold": [bias_class],
            "facet": facets,
            "headers": headers,
            "label": dataset.label,
        }
    documents[MODEL_EXPLAINABILITY] = {**data, "methods": {"shap": shap, "report": report},
                                       "predictor": predictor}
    documents[MODEL_EXPLAINABILITY_MONITORING] = {
        "methods": {"shap": shap},
        "predictor": predictor,
        "headers": features,
    }
    documents[CHECKS] = {
        "model_bias": bool(facets),
        "model_explainability": True,
        "bias_label_class": dataset.classes[bias_class],
        "reason": "" if facets else f"{contract.source} declares no fairness facet",
    }
    return documents


def write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
