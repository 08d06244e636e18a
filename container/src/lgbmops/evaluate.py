"""Score the test split with a trained model and report the metrics the pipeline gates on."""
from __future__ import annotations

from typing import Any

import lightgbm as lgb

from .metrics import ClassificationMetrics, classification_metrics
from .schema import ModelSchema
from .sagemaker_io import LabelledData


def evaluate(booster: lgb.Booster, schema: ModelSchema, test: LabelledData) -> ClassificationMetrics:
    matrix = schema.matrix(test.features, test.source)
    return classification_metrics(test.labels, booster.predict(matrix))


def evaluation_report(scores: ClassificationMetrics, schema: ModelSchema) -> dict[str, Any]:
    """SageMaker model-quality shape: `{"classification_metrics": {"f1": {"value": ...}}}`.

    `f1.average` says what the F1 is: `binary` (of the positive class, code 1) or `macro` (the
    mean over the classes). The confusion matrix is actual class code -> predicted class code
    -> rows; `classes` maps codes to names, `per_class` holds each class's precision, recall,
    F1 and support, by name.
    """
    metrics: dict[str, Any] = {
        name: {"value": getattr(scores, name)}
        for name in ("f1", "precision", "recall", "accuracy", "auc")
    }
    for name in ("f1", "precision", "recall"):
        metrics[name]["average"] = scores.average
    codes = [str(code) for code in range(len(schema.classes))]
    metrics["confusion_matrix"] = {
        actual: dict(zip(codes, row)) for actual, row in zip(codes, scores.confusion)
    }
    return {
        "classification_metrics": metrics,
        "classes": list(schema.classes),
        "per_class": {
            name: {"precision": c.precision, "recall": c.recall, "f1": c.f1, "support": c.support}
            for name, c in zip(schema.classes, scores.per_class)
        },
    }
