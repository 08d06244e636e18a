"""Classification metrics shared by training (validation) and evaluation (test).

Binary: F1, precision and recall of the positive class (code 1) at THRESHOLD. Multiclass: the
predicted class is the most probable one; F1, precision and recall are macro averages over the
classes (each class counts the same, however rare), AUC is one-vs-rest, macro-averaged.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
    roc_auc_score,
)

THRESHOLD = 0.5
BINARY_AVERAGE = "binary"  # of the positive class
MACRO_AVERAGE = "macro"
SUMMARY = ("f1", "precision", "recall", "accuracy", "auc", "logloss")


@dataclass(frozen=True)
class ClassMetrics:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class ClassificationMetrics:
    average: str  # how f1, precision and recall summarise the classes
    f1: float
    precision: float
    recall: float
    accuracy: float
    auc: float
    logloss: float
    confusion: tuple[tuple[int, ...], ...]  # [actual code][predicted code] -> rows
    per_class: tuple[ClassMetrics, ...]  # by class code

    def as_dict(self) -> dict[str, float]:
        """The summary numbers, by name."""
        return {name: getattr(self, name) for name in SUMMARY}


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC: of the positive class (scores 1-D) or one-vs-rest macro (scores n x K).
    NaN when a class is absent from `labels`."""
    scores = np.asarray(scores)
    classes = 2 if scores.ndim == 1 else scores.shape[1]
    if len(np.unique(labels)) < classes:
        return float("nan")
    if scores.ndim == 1:
        return float(roc_auc_score(labels, scores))
    return float(roc_auc_score(labels, scores, multi_class="ovr", average="macro",
                               labels=list(range(classes))))


def predicted_classes(probabilities: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    if probabilities.ndim == 1:
        return (probabilities >= threshold).astype(np.int32)
    return np.argmax(probabilities, axis=1).astype(np.int32)


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray) -> ClassificationMetrics:
    """`probabilities`: of the positive class (1-D, binary) or one column per class."""
    probabilities = np.asarray(probabilities)
    binary = probabilities.ndim == 1
    classes = list(range(2 if binary else probabilities.shape[1]))
    predicted = predicted_classes(probabilities)
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=classes, zero_division=0
    )
    if binary:
        average, summary = BINARY_AVERAGE, (f1[1], precision[1], recall[1])
    else:
        average, summary = MACRO_AVERAGE, (f1.mean(), precision.mean(), recall.mean())
    matrix = confusion_matrix(labels, predicted, labels=classes)
    return ClassificationMetrics(
        average=average,
        f1=float(summary[0]),
        precision=float(summary[1]),
        recall=float(summary[2]),
        accuracy=float(accuracy_score(labels, predicted)),
        auc=auc(labels, probabilities),
        logloss=float(log_loss(labels, probabilities, labels=classes)),
        confusion=tuple(tuple(int(v) for v in row) for row in matrix),
        per_class=tuple(
            ClassMetrics(float(p), float(r), float(f), int(s))
            for p, r, f, s in zip(precision, recall, f1, support)
        ),
    )
