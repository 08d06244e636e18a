"""Probabilities -> response body, one line (CSV) or one object (JSON) per input row, in order.

What each line holds is chosen with SageMaker's custom-attributes header
(`X-Amzn-SageMaker-Custom-Attributes`), because it passes through InvokeEndpoint, batch
transform and Clarify untouched: `output=probability` (default), `output=label`,
`output=probability,label`, and optionally `threshold=0.5` for the label, separated by `;`.
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
    threshold: float = 0.5


DEFAULT_OUTPUT = OutputSpec()


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


def encode(probabilities: np.ndarray, spec: OutputSpec, content_type: str) -> bytes:
    values = probabilities.tolist()
    if content_type == JSON:
        rows = []
        for p in values:
            row = {}
            for name in spec.fields:
                row[name] = p if name == PROBABILITY else int(p >= spec.threshold)
            rows.append(row)
        return json.dumps({"predictions": rows}).encode()
    # CSV without a trailing newline: batch transform's AssembleWith=Line adds one per response.
    if spec.fields == (PROBABILITY,):
        return "\n".join(map(repr, values)).encode()
    threshold = spec.threshold
    columns = {PROBABILITY: repr, LABEL: lambda p: "1" if p >= threshold else "0"}
    makers = [columns[name] for name in spec.fields]
    return "\n".join(",".join(make(p) for make in makers) for p in values).encode()
