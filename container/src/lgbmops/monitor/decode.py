"""Captured request bodies -> the rows they carried, in the model's feature order.

The serving decoder turns a request into codes and refuses it whole at the first bad value;
here every row is kept or counted: a row with the wrong number of columns, a numeric value that
is not a number, or a JSON instance naming an unknown feature is a schema violation, and the
raw category text is kept so that a level the model never saw can be told from a missing one.
CSV rows are in schema order; a line that names the features (a header) is skipped. JSON is
`{"instances": [...]}` or a bare list of lists in schema order or objects keyed by name, as
serving accepts it.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..contract import NUMERIC
from ..schema import ModelSchema

WRONG_COLUMN_COUNT = "wrong_column_count"
NOT_A_NUMBER = "not_a_number"
UNKNOWN_FEATURE = "unknown_feature"
MALFORMED_BODY = "malformed_body"
UNSUPPORTED_CONTENT_TYPE = "unsupported_content_type"
VIOLATIONS = (WRONG_COLUMN_COUNT, NOT_A_NUMBER, UNKNOWN_FEATURE, MALFORMED_BODY,
              UNSUPPORTED_CONTENT_TYPE)
KEEP_EXAMPLES = 10


@dataclass
class DecodedRows:
    """The rows of many requests: one list of raw values per feature, plus what was refused."""

    schema: ModelSchema
    columns: list[list[Any]] = field(default_factory=list)
    violations: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VIOLATIONS, 0))
    examples: list[str] = field(default_factory=list)  # the first few, `where: reason`

    def __post_init__(self) -> None:
        self.columns = [[] for _ in self.schema.features]
        self._names = self.schema.names
        self._known = frozenset(self._names)
        self._width = len(self._names)

    @property
    def rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    @property
    def violating_rows(self) -> int:
        return sum(self.violations.values())

    def violate(self, kind: str, where: str, reason: str, rows: int = 1) -> None:
        self.violations[kind] += rows
        if len(self.examples) < KEEP_EXAMPLES:
            self.examples.append(f"{where}: {reason}")

    # --- one request ------------------------------------------------------------------------

    def add(self, content_type: str, body: bytes, where: str) -> None:
        media = content_type.split(";", 1)[0].strip().lower()
        if media == "text/csv":
            self._csv(body, where)
        elif media == "application/json":
            self._json(body, where)
        else:
            self.violate(UNSUPPORTED_CONTENT_TYPE, where,
                         f"content type {content_type!r} is neither text/csv nor application/json")

    def _csv(self, body: bytes, where: str) -> None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            self.violate(MALFORMED_BODY, where, "request body is not UTF-8")
            return
        lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
        if '"' in text:
            try:
                rows = list(csv.reader(io.StringIO("\n".join(lines)), skipinitialspace=True))
            except csv.Error as err:
                self.violate(MALFORMED_BODY, where, f"malformed CSV: {err}", len(lines))
                return
        else:
            rows = [line.split(",") for line in lines]
        for number, row in enumerate(rows, 1):
            if len(row) != self._width:
                self.violate(WRONG_COLUMN_COUNT, f"{where} row {number}",
                             f"expected {self._width} columns, got {len(row)}")
                continue
            row = [value.strip() for value in row]
            if number == 1 and row == self._names:
                continue  # a header line
            for column, value in zip(self.columns, row):
                column.append(value)

    def _json(self, body: bytes, where: str) -> None:
        try:
            document = json.loads(body)
        except (ValueError, RecursionError) as err:
            self.violate(MALFORMED_BODY, where, f"malformed JSON: {str(err)[:120]}")
            return
        instances = document.get("instances") if isinstance(document, dict) else document
        if not isinstance(instances, list):
            self.violate(MALFORMED_BODY, where,
                         'expected {"instances": [...]} or a list of instances')
            return
        for number, instance in enumerate(instances, 1):
            if isinstance(instance, dict):
                unknown = [key for key in instance if key not in self._known]
                if unknown:
                    self.violate(UNKNOWN_FEATURE, f"{where} row {number}",
                                 f"unknown feature {str(unknown[0])[:80]!r}")
                    continue
                values = [instance.get(name) for name in self._names]
            elif isinstance(instance, list) and len(instance) == self._width:
                values = instance
            else:
                got = len(instance) if isinstance(instance, list) else type(instance).__name__
                self.violate(WRONG_COLUMN_COUNT, f"{where} row {number}",
                             f"expected a list of {self._width} values or an object, got {got}")
                continue
            for column, value in zip(self.columns, values):
                column.append(value)

    # --- all requests -----------------------------------------------------------------------

    def frame(self) -> pd.DataFrame:
        """The rows as a frame: numeric features float64 (NaN = missing), categorical ones text
        (None = missing). Rows with a value that is not a number are dropped and counted."""
        missing = set(self.schema.missing_values) | {""}
        data: dict[str, Any] = {}
        bad = np.zeros(self.rows, dtype=bool)
        first_bad: tuple[int, str, Any] | None = None
        for feature, values in zip(self.schema.features, self.columns):
            raw = pd.Series(values, dtype=object)
            is_missing = raw.isna() | raw.isin(missing)
            if feature.kind == NUMERIC:
                # JSON may bring true/false, objects or lists where a number belongs.
                odd = raw.map(type).isin((bool, dict, list))
                numbers = pd.to_numeric(raw.where(~is_missing & ~odd), errors="coerce")
                wrong = (numbers.isna() & ~is_missing).to_numpy()
                if wrong.any() and first_bad is None:
                    row = int(np.flatnonzero(wrong)[0])
                    first_bad = (row, feature.name, values[row])
                bad |= wrong
                data[feature.name] = numbers.to_numpy(dtype=np.float64)
            else:
                text = raw.map(_as_level, na_action="ignore")
                data[feature.name] = text.where(~is_missing, None).to_numpy(dtype=object)
        frame = pd.DataFrame(data, columns=self.schema.names)
        if bad.any():
            row, name, value = first_bad
            self.violate(NOT_A_NUMBER, f"decoded row {row + 1}",
                         f"column {name}: {str(value)[:80]!r} is not a number", int(bad.sum()))
            frame = frame[~bad].reset_index(drop=True)
        return frame


def _as_level(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.strip() if isinstance(value, str) else str(value)
