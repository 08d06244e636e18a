"""Request bodies -> float64 feature matrix in schema order (categories as codes, NaN = missing).

The CSV path is the hot one: it splits the whole body at once, converts column by column with
C-level `map`s, and only when that fails walks the values one by one to name the bad row and
column. Quoted CSV takes the `csv` module's path. Pandas stays off this path: it costs more to
build a frame for one row than to predict it.
"""
from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np

from ..schema import CATEGORICAL, ModelSchema

NAN = math.nan


class PayloadError(Exception):
    """The request cannot be scored; `status` is the HTTP status, the message says where."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class _Levels(dict):
    """Category level -> code; anything else (unseen level, missing) -> NaN, as LightGBM does."""

    def __missing__(self, key: Any) -> float:
        return NAN


class Decoder:
    def __init__(self, schema: ModelSchema):
        self.schema = schema
        self.names = schema.names
        self.known_names = frozenset(self.names)
        self.width = len(self.names)
        # An empty field, or one of the dataset's missing-value markers (schema.json).
        self.missing = frozenset(m.encode("utf-8") for m in schema.missing_values) | {b""}
        self.numeric = [j for j, f in enumerate(schema.features) if f.kind != CATEGORICAL]
        self.categorical: list[tuple[int, _Levels, _Levels]] = []
        for j, feature in enumerate(schema.features):
            if feature.kind != CATEGORICAL:
                continue
            as_bytes, as_text = _Levels(), _Levels()
            for code, level in enumerate(feature.categories):
                as_bytes[level.encode("utf-8")] = float(code)
                as_text[level] = float(code)
            self.categorical.append((j, as_bytes, as_text))

    # --- CSV ------------------------------------------------------------------------------

    def csv(self, body: bytes) -> np.ndarray:
        """Headerless rows in schema order, one per line; quoted fields allowed."""
        if b"\r" in body:
            body = body.replace(b"\r\n", b"\n")
        body = body.rstrip(b"\n")  # one trailing newline (or several) is not an extra row
        if not body.strip():
            raise PayloadError(400, "empty request body: expected at least one CSV row")
        if b'"' in body:
            return self._quoted_csv(body)
        lines = body.split(b"\n")
        separators = self.width - 1
        counts = list(map(bytes.count, lines, [b","] * len(lines)))
        if counts.count(separators) != len(lines):
            row = next(i for i, c in enumerate(counts) if c != separators)
            raise PayloadError(400, self._width_message(row, counts[row] + 1))
        fields = body.replace(b"\n", b",").split(b",")
        if b" " in body or b"\t" in body:
            fields = list(map(bytes.strip, fields))
        return self._columns(fields, len(lines))

    def _quoted_csv(self, body: bytes) -> np.ndarray:
        try:
            text = body.decode("utf-8")
            rows = list(csv.reader(io.StringIO(text, newline=""), skipinitialspace=True))
        except (UnicodeDecodeError, csv.Error) as err:
            raise PayloadError(400, f"malformed CSV: {err}") from None
        fields: list[bytes] = []
        for i, row in enumerate(rows):
            if len(row) != self.width:
                raise PayloadError(400, self._width_message(i, len(row)))
            fields.extend(value.strip().encode("utf-8") for value in row)
        return self._columns(fields, len(rows))

    def _width_message(self, row: int, got: int) -> str:
        return f"row {row + 1}: expected {self.width} columns ({', '.join(self.names)}), got {got}"

    def _columns(self, fields: list[bytes], rows: int) -> np.ndarray:
        out = np.empty((self.width, rows), dtype=np.float64)  # column-major: columns fill fast
        width = self.width
        for j in self.numeric:
            column = fields[j::width]
            try:
                out[j] = np.fromiter(map(float, column), dtype=np.float64, count=rows)
            except ValueError:
                out[j] = [self._number(value, i, j) for i, value in enumerate(column)]
        for j, levels, _ in self.categorical:
            out[j] = np.fromiter(map(levels.__getitem__, fields[j::width]), np.float64, rows)
        return out.T  # Fortran-ordered view; LightGBM reads it without a copy

    def _number(self, value: bytes, row: int, column: int) -> float:
        if value.strip() in self.missing:
            return NAN
        try:
            return float(value)
        except ValueError:
            shown = value.decode("utf-8", errors="replace")
            raise PayloadError(
                400,
                f"row {row + 1}, column {column + 1} ({self.names[column]}): "
                f"{shown!r} is not a number",
            ) from None

    # --- JSON -----------------------------------------------------------------------------

    def json(self, body: bytes) -> np.ndarray:
        """`{"instances": [...]}` or a bare list; each instance is a list in schema order or an
        object keyed by feature name (absent keys are missing values)."""
        if not body.strip():
            raise PayloadError(400, "empty request body: expected a JSON document")
        try:
            document = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise PayloadError(400, f"malformed JSON: {err}") from None
        instances = document.get("instances") if isinstance(document, dict) else document
        if not isinstance(instances, list) or not instances:
            raise PayloadError(
                400, 'expected {"instances": [...]} or a list of instances, with at least one'
            )
        out = np.empty((len(instances), self.width), dtype=np.float64)
        for i, instance in enumerate(instances):
            out[i] = self._instance(instance, i)
        return out

    def _instance(self, instance: Any, row: int) -> list[float]:
        if isinstance(instance, dict):
            unknown = [key for key in instance if key not in self.known_names]
            if unknown:
                raise PayloadError(400, f"row {row + 1}: unknown feature {unknown[0]!r}")
            values = [instance.get(name) for name in self.names]
        elif isinstance(instance, list):
            if len(instance) != self.width:
                raise PayloadError(400, self._width_message(row, len(instance)))
            values = instance
        else:
            raise PayloadError(
                400, f"row {row + 1}: expected a list or an object, got {type(instance).__name__}"
            )
        converted = [NAN] * self.width
        for j in self.numeric:
            converted[j] = self._json_number(values[j], row, j)
        for j, _, levels in self.categorical:
            value = values[j]
            if value is None:
                continue
            if isinstance(value, (dict, list, bool)):
                raise PayloadError(
                    400, f"row {row + 1}, column {j + 1} ({self.names[j]}): "
                    f"expected a category, got {json.dumps(value)}"
                )
            converted[j] = levels[value.strip() if isinstance(value, str) else str(value)]
        return converted

    def _json_number(self, value: Any, row: int, column: int) -> float:
        if value is None:
            return NAN
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            return self._number(value.encode("utf-8"), row, column)
        raise PayloadError(
            400,
            f"row {row + 1}, column {column + 1} ({self.names[column]}): "
            f"{json.dumps(value)} is not a number",
        )
