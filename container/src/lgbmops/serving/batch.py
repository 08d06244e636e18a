"""Batch transform's mini-batches when a row may be bad: one answer line per input line, always.

A real-time client gets a 400 for a payload with a bad row and fixes it. A batch transform
cannot: one bad row would fail its whole mini-batch and so the job, and dropping the row would
shift every later score onto the wrong id when SageMaker joins the answers back to the input.
So with `LGBMOPS_ROW_ERRORS=inline` (the batch pipeline's Transform step sets it) a CSV body
that does not decode as a whole is scored line by line: a good line gets its scores, a bad one
gets `error: <reason>` in the first output column, and a line that is the contract's feature
header gets the output's column names. The selection step counts and reports the errors by
file and line and fails the job above its bad-row limit.
"""
from __future__ import annotations

import numpy as np

from .decode import PayloadError
from .encode import CSV, LABEL, PROBABILITY, OutputSpec, _csv_field, encode
from .predict import Predictor

ERROR_PREFIX = "error: "


def output_names(spec: OutputSpec, classes: tuple[str, ...]) -> list[str]:
    """The CSV output's column names: what a header line is answered with."""
    names: list[str] = []
    for field in spec.fields:
        if field == PROBABILITY and len(classes) > 2:
            names.extend(classes)
        else:
            names.append(field)
    return names


def score_lines(predictor: Predictor, body: bytes, spec: OutputSpec) -> bytes:
    """Every line of `body` answered in order (CSV, no trailing newline)."""
    decoder = predictor.decoder
    names = output_names(spec, predictor.schema.classes)
    header = ",".join(decoder.names).encode("utf-8")
    lines = body.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n")
    answers: list[str | None] = [None] * len(lines)
    good: list[int] = []
    rows: list[np.ndarray] = []
    for i, line in enumerate(lines):
        if not line.strip():
            answers[i] = _csv_field(ERROR_PREFIX + "empty line") + "," * (len(names) - 1)
            continue
        if line.replace(b" ", b"") == header:
            answers[i] = ",".join(_csv_field(name) for name in names)
            continue
        try:
            rows.append(decoder.csv(line))
            good.append(i)
        except PayloadError as err:
            reason = err.message.removeprefix("row 1: ").removeprefix("row 1, ")
            answers[i] = _csv_field(ERROR_PREFIX + reason) + "," * (len(names) - 1)
    if good:
        scored = encode(predictor.predict(np.vstack(rows)), spec, CSV, predictor.schema.classes)
        for i, answer in zip(good, scored.decode("utf-8").split("\n")):
            answers[i] = answer
    return "\n".join(answers).encode("utf-8")  # type: ignore[arg-type]
