"""Score the test split with a trained model and report the metrics the pipeline gates on."""
from __future__ import annotations

from typing import Any

import lightgbm as lgb

from .metrics import BinaryMetrics, binary_metrics
from .schema import ModelSchema
from .sagemaker_io import LabelledData


def evaluate(booster: lgb.Booster, schema: ModelSchema, test: LabelledData) -> BinaryMetrics:
    matrix = schema.matrix(test.features, test.source)
    return binary_metrics(test.labels, booster.predict(matrix))


def evaluation_report(scores: BinaryMetrics) -> dict[str, Any]:
    """SageMaker model-quality shape: `{"classification_metrics": {"f1": {"value": ...}}}`.

    The confusion matrix uses the model-quality layout: actual class -> predicted class -> count.
    """
    metric_names = ("f1", "precision", "recall", "accuracy", "auc")
    report: dict[str, Any] = {name: {"value": getattr(scores, name)} for name in metric_names}
    report["confusion_matrix"] = {
        "0": {"0": scores.true_negatives, "1": scores.false_positives},
        "1": {"0": scores.false_negatives, "1": scores.true_positives},
    }
    return {"classification_metrics": report}
