"""The model a worker serves: loaded once, checked against its schema, predicting probabilities."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from ..model import load_model
from .decode import Decoder
from .threads import ThreadChoice


class Predictor:
    def __init__(self, model_dir: Path, threads_for: Callable[[int], int] = lambda rows: 1):
        """`threads_for(rows)` is the most threads LightGBM may use for a request of that many
        rows; the predictor uses that many or half as many, whichever has been faster."""
        self.booster, self.schema = load_model(model_dir)
        self.decoder = Decoder(self.schema)
        self.threads_for = threads_for
        self.thread_choice = ThreadChoice()

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """Probabilities for each row of a schema-ordered float matrix: of the positive class
        (1-D) for a binary model, one column per class (rows x classes) for a multiclass one."""
        rows = matrix.shape[0]
        allowed = self.threads_for(rows)
        if allowed <= 1:
            return self.booster.predict(matrix, num_threads=1)
        threads = self.thread_choice.threads(allowed, rows)
        began = time.perf_counter()
        probabilities = self.booster.predict(matrix, num_threads=threads)
        self.thread_choice.scored(threads, rows, time.perf_counter() - began)
        return probabilities
