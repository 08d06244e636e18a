"""Probabilities -> response body, one line (CSV) or one object (JSON) per input row, in order.

What each line holds is chosen with SageMaker's custom-attributes header
(`X-Amzn-SageMaker-Custom-Attributes`), because it passes through InvokeEndpoint, batch
transform and Clarify untouched: `output=probability` (default), `output=label`,
`output=probability,label`, and for a binary model optionally `threshold=0.5` for the label,
separated by `;`.

Binary model: the probability of the positive class; the label is its code, 1 or 0.
Multiclass model: one probability per class, in the model's class order (schema.json); the
label is the name of the most probable class. CSV: `p0,p1,...[,label]`; JSON:
`{"probabilities": {"<class>": p, ...}, "label": "<class>"}`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .decode import PayloadError

PROBABILITY = "probability"
LABEL = "label"
CSV = "text/csv"
JSON = "application/json"


@dataclass(frozen=True)
class OutputSpec:
    fields: tuple[str, ...] = (PROBABILITY,)
    threshold: float | None = None  # binary label cut-off; None = DEFAULT_THRESHOLD


DEFAULT_OUTPUT = OutputSpec()
DEFAULT_THRESHOLD = 0.5
CSV_NUMBER = "%.17g"  # as many digits as a double needs to be read back unchanged


def parse_custom_attributes(header: str | None) -> OutputSpec:
    """`output=probability,label; threshold=0.3` -> OutputSpec; other keys are not ours."""
    if not header:
        return DEFAULT_OUTPUT
    fields, threshold = DEFAULT_OUTPUT.fields, DEFAULT_OUTPUT.threshold
    for item in header.split(";"):
        key, _, value = item.partition("=")
        key = key.strip().lower()
        if key == "output":
            chosen = [v.strip().lower() for v in value.split(",") if v.strip()]
            if not chosen or any(v not in (PROBABILITY, LABEL) for v in chosen):
                raise PayloadError(
                    400,
                    f"custom attribute output={value.strip()!r}: expected probability, label "
                    f"or probability,label",
                )
            fields = tuple(dict.fromkeys(chosen))
        elif key == "threshold":
            try:
                threshold = float(value)
            except ValueError:
                threshold = -1.0
            if not 0.0 <= threshold <= 1.0:
                raise PayloadError(
                    400, f"custom attribute threshold={value.strip()!r}: expected a number in [0, 1]"
                )
    return OutputSpec(fields, threshold)


def encode(probabilities: np.ndarray, spec: OutputSpec, content_type: str,
           classes: tuple[str, ...]) -> bytes:
    if probabilities.ndim == 2:
        return _encode_multiclass(probabilities, spec, content_type, classes)
    values = probabilities.tolist()
    threshold = DEFAULT_THRESHOLD if spec.threshold is None else spec.threshold
    if content_type == JSON:
        rows = []
        for p in values:
            row = {}
            for name in spec.fields:
                row[name] = p if name == PROBABILITY else int(p >= threshold)
            rows.append(row)
        return json.dumps({"predictions": rows}).encode()
    # CSV without a trailing newline: batch transform's AssembleWith=Line adds one per response.
    if spec.fields == (PROBABILITY,):
        return _csv_numbers(probabilities, 1)
    columns = {PROBABILITY: CSV_NUMBER.__mod__, LABEL: lambda p: "1" if p >= threshold else "0"}
    makers = [columns[name] for name in spec.fields]
    return "\n".join(",".join(make(p) for make in makers) for p in values).encode()


def _encode_multiclass(probabilities: np.ndarray, spec: OutputSpec, content_type: str,
                       classes: tuple[str, ...]) -> bytes:
    if spec.threshold is not None:
        raise PayloadError(
            400, "custom attribute threshold applies to binary models; this model has "
                 f"{len(classes)} classes and answers the most probable one"
        )
    if content_type != JSON and spec.fields == (PROBABILITY,):
        return _csv_numbers(probabilities, probabilities.shape[1])
    rows = probabilities.tolist()
    labels = [classes[i] for i in np.argmax(probabilities, axis=1).tolist()]
    if content_type == JSON:
        predictions = []
        for row, label in zip(rows, labels):
            prediction = {}
            for name in spec.fields:
                prediction["probabilities" if name == PROBABILITY else LABEL] = (
                    dict(zip(classes, row)) if name == PROBABILITY else label
                )
            predictions.append(prediction)
        return json.dumps({"predictions": predictions}).encode()
    makers = {
        PROBABILITY: lambda row, label: ",".join(map(CSV_NUMBER.__mod__, row)),
        LABEL: lambda row, label: _csv_field(label),
    }
    chosen = [makers[name] for name in spec.fields]
    return "\n".join(
        ",".join(make(row, label) for make in chosen) for row, label in zip(rows, labels)
    ).encode()


def _csv_numbers(values: np.ndarray, per_line: int) -> bytes:
    """`per_line` numbers a line, comma-separated, in one C-level formatting call: twice as
    fast as repr() per number. 17 significant digits read back as the same double."""
    template = (",".join([CSV_NUMBER] * per_line) + "\n") * (values.size // per_line)
    return (template[:-1] % tuple(values.ravel().tolist())).encode()


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
