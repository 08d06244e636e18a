"""The model a worker serves: loaded once, checked against its schema, predicting probabilities."""
from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np

from ..model import load_model
from .decode import Decoder, PayloadError
from .threads import MeasuredChoice, Plan

PIPELINE_MIN_ROWS = 256  # smaller CSV bodies are decoded whole, then predicted
PIPELINE_PARTS = 4


class Predictor:
    def __init__(self, model_dir: Path, threads_for: Callable[[int], int] = lambda rows: 1):
        """`threads_for(rows)` is the most threads LightGBM may use for a request of that many
        rows; how many it uses, and whether a CSV body is decoded while LightGBM predicts, is
        what has been fastest (threads.py)."""
        self.booster, self.schema = load_model(model_dir)
        self.decoder = Decoder(self.schema)
        self.threads_for = threads_for
        self.matrix_choice = MeasuredChoice()
        self.csv_choice = MeasuredChoice()
        self._lightgbm_thread: ThreadPoolExecutor | None = None

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """Probabilities for each row of a schema-ordered float matrix: of the positive class
        (1-D) for a binary model, one column per class (rows x classes) for a multiclass one."""
        rows = matrix.shape[0]
        allowed = self.threads_for(rows)
        if allowed <= 1:
            return self.booster.predict(matrix, num_threads=1)
        plan = self.matrix_choice.choose((Plan(allowed), Plan(allowed // 2)), rows)
        began = time.perf_counter()
        probabilities = self.booster.predict(matrix, num_threads=plan.threads)
        self.matrix_choice.scored(plan, rows, time.perf_counter() - began)
        return probabilities

    def score_csv(self, body: bytes) -> np.ndarray:
        """Decode a CSV body (Decoder.csv) and predict it, as `predict` answers."""
        rows = body.count(b"\n") + 1
        allowed = self.threads_for(rows)
        if allowed <= 1:
            return self.booster.predict(self.decoder.csv(body), num_threads=1)
        plans = (Plan(allowed), Plan(allowed // 2))
        if rows >= PIPELINE_MIN_ROWS and b'"' not in body:  # quoted fields may hold newlines
            plans += (Plan(allowed - 1, pipelined=True),)  # one core decodes, the rest predict
        plan = self.csv_choice.choose(plans, rows)
        began = time.perf_counter()
        if plan.pipelined:
            probabilities = self._pipelined(body, plan.threads)
        else:
            probabilities = self.booster.predict(self.decoder.csv(body), num_threads=plan.threads)
        self.csv_choice.scored(plan, rows, time.perf_counter() - began)
        return probabilities

    def _pipelined(self, body: bytes, threads: int) -> np.ndarray:
        """Decode the body in parts on this thread while LightGBM, which releases the GIL,
        predicts the part before on another."""
        if b"\r" in body:
            body = body.replace(b"\r\n", b"\n")
        body = body.rstrip(b"\n")
        if b"\n\n" in body or body[:1] == b"\n":  # a blank line: let the whole-body decode say so
            return self.booster.predict(self.decoder.csv(body), num_threads=threads)
        strip = b" " in body or b"\t" in body  # decided once, as for the whole body
        if self._lightgbm_thread is None:
            self._lightgbm_thread = ThreadPoolExecutor(1, thread_name_prefix="lightgbm")
        pending: Future | None = None
        parts = []
        try:
            for part in _line_aligned_parts(body, PIPELINE_PARTS):
                matrix = self.decoder.csv(part, strip=strip)
                if pending is not None:
                    parts.append(pending.result())
                pending = self._lightgbm_thread.submit(self.booster.predict, matrix,
                                                       num_threads=threads)
        except PayloadError:
            if pending is not None:
                pending.result()
            self.decoder.csv(body)  # the same error, its row numbered within the whole body
            raise
        parts.append(pending.result())
        return np.concatenate(parts)


def _line_aligned_parts(body: bytes, count: int) -> list[bytes]:
    """`body` cut into about `count` equal parts, each after a newline."""
    cuts = [0]
    for i in range(1, count):
        at = body.find(b"\n", len(body) * i // count)
        if at >= 0 and at + 1 > cuts[-1]:
            cuts.append(at + 1)
    cuts.append(len(body))
    return [body[start:end] for start, end in zip(cuts, cuts[1:]) if start < end]
