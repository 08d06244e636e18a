"""The model a worker serves: loaded once, checked against its schema, predicting probabilities."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ..model import load_model
from .decode import Decoder


class Predictor:
    def __init__(self, model_dir: Path, threads_for: Callable[[int], int] = lambda rows: 1):
        """`threads_for(rows)` picks LightGBM's thread count for a request of that many rows."""
        self.booster, self.schema = load_model(model_dir)
        self.decoder = Decoder(self.schema)
        self.threads_for = threads_for

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """Probabilities for each row of a schema-ordered float matrix: of the positive class
        (1-D) for a binary model, one column per class (rows x classes) for a multiclass one."""
        return self.booster.predict(matrix, num_threads=self.threads_for(matrix.shape[0]))
