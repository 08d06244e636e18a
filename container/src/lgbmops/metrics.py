"""Binary classification metrics shared by training (validation) and evaluation (test)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

THRESHOLD = 0.5


@dataclass(frozen=True)
class BinaryMetrics:
    f1: float  # of the positive class, at THRESHOLD
    precision: float
    recall: float
    accuracy: float
    auc: float
    logloss: float
    true_negatives: int
    false_positives: int
    false_negatives: int
    true_positives: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def binary_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve; NaN when only one class is present."""
    if len(np.unique(labels)) < 2:
        return float("nan")
    return float(roc_auc_score(labels, scores))


def binary_metrics(labels: np.ndarray, probabilities: np.ndarray) -> BinaryMetrics:
    predicted = (probabilities >= THRESHOLD).astype(np.int32)
    tn, fp, fn, tp = confusion_matrix(labels, predicted, labels=[0, 1]).ravel()
    return BinaryMetrics(
        f1=float(f1_score(labels, predicted, zero_division=0)),
        precision=float(precision_score(labels, predicted, zero_division=0)),
        recall=float(recall_score(labels, predicted, zero_division=0)),
        accuracy=float(accuracy_score(labels, predicted)),
        auc=binary_auc(labels, probabilities),
        logloss=float(log_loss(labels, probabilities, labels=[0, 1])),
        true_negatives=int(tn),
        false_positives=int(fp),
        false_negatives=int(fn),
        true_positives=int(tp),
    )
