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
import sys
from typing import Any

import numpy as np

from ..schema import CATEGORICAL, ModelSchema

NAN = math.nan
ECHO_CHARS = 80  # of client input quoted in an error message


def quoted(value: str | bytes) -> str:
    """Client input as an error message shows it: quoted, non-printables escaped, at most
    ECHO_CHARS characters (then an ellipsis). A message must never carry a payload back."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value[: 4 * ECHO_CHARS]).decode("utf-8", "backslashreplace")
    shown: list[str] = []
    used = 0
    for char in value:
        if not char.isprintable():
            char = char.encode("unicode_escape").decode("ascii")
        elif char == "'":
            char = "\\'"
        used += len(char)
        if used > ECHO_CHARS:
            return "'" + "".join(shown) + "…'"
        shown.append(char)
    return "'" + "".join(shown) + "'"


def _json_kind(value: Any) -> str:
    """A JSON value named without rendering it (it may be huge or deeply nested)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"the string {quoted(value)}"
    return quoted(str(value))


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
        self.missing_strings = frozenset(schema.missing_values) | {""}  # the same in a JSON string
        self.missing_as_nan = dict.fromkeys(self.missing, b"nan")
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

    def csv(self, body: bytes, strip: bool | None = None) -> np.ndarray:
        """Headerless rows in schema order, one per line; quoted fields allowed. Blanks around
        unquoted fields are trimmed if the body has any (`strip` decides for a part of one)."""
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
        if strip or (strip is None and (b" " in body or b"\t" in body)):
            fields = list(map(bytes.strip, fields))
        return self._columns(fields, len(lines))

    def _quoted_csv(self, body: bytes) -> np.ndarray:
        try:
            text = body.decode("utf-8")
            rows = list(csv.reader(io.StringIO(text, newline=""), skipinitialspace=True))
        except (UnicodeDecodeError, csv.Error) as err:
            raise PayloadError(400, f"malformed CSV: {_first_line(err)}") from None
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
                # Missing values: still one C-level pass, `get(value, value)` turning each
                # marker into "nan". Only a column that still fails is walked to name the cell.
                try:
                    marked = map(self.missing_as_nan.get, column, column)
                    out[j] = np.fromiter(map(float, marked), dtype=np.float64, count=rows)
                except ValueError:
                    out[j] = [self._number(value, i, j) for i, value in enumerate(column)]
        for j, levels, _ in self.categorical:
            out[j] = np.fromiter(map(levels.__getitem__, fields[j::width]), np.float64, rows)
        return out.T  # Fortran-ordered view; LightGBM reads it without a copy

    def _number(self, value: bytes | str, row: int, column: int) -> float:
        stripped = value.strip()
        if stripped in self.missing or stripped in self.missing_strings:
            return NAN
        try:
            return float(value)
        except ValueError:
            raise PayloadError(
                400,
                f"row {row + 1}, column {column + 1} ({self.names[column]}): "
                f"{quoted(value)} is not a number",
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
            raise PayloadError(400, f"malformed JSON: {_first_line(err)}") from None
        except ValueError:  # an integer literal longer than Python converts
            raise PayloadError(
                400, f"malformed JSON: a number has more than {sys.get_int_max_str_digits()} digits"
            ) from None
        except RecursionError:
            raise PayloadError(400, "malformed JSON: nested too deeply") from None
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
                raise PayloadError(400, f"row {row + 1}: unknown feature {quoted(unknown[0])}")
            values = [instance.get(name) for name in self.names]
        elif isinstance(instance, list):
            if len(instance) != self.width:
                raise PayloadError(400, self._width_message(row, len(instance)))
            values = instance
        else:
            raise PayloadError(
                400, f"row {row + 1}: expected a list or an object, got {_json_kind(instance)}"
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
                    f"expected a category, got {_json_kind(value)}"
                )
            converted[j] = levels[value.strip() if isinstance(value, str) else str(value)]
        return converted

    def _json_number(self, value: Any, row: int, column: int) -> float:
        if value is None:
            return NAN
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:  # an integer beyond float's range
                raise PayloadError(
                    400,
                    f"row {row + 1}, column {column + 1} ({self.names[column]}): "
                    f"{quoted(str(value))} is out of range for a number",
                ) from None
        if isinstance(value, str):
            return self._number(value, row, column)
        raise PayloadError(
            400,
            f"row {row + 1}, column {column + 1} ({self.names[column]}): "
            f"{_json_kind(value)} is not a number",
        )


def _first_line(err: Exception) -> str:
    return str(err).split("\n", 1)[0][: 2 * ECHO_CHARS]
