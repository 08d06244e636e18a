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
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
class RequestRows:
    """The rows of many requests as they came (one list of raw values per feature), plus what
    was refused; `decoded()` turns them into arrays."""

    schema: ModelSchema
    columns: list[list[Any]] = field(default_factory=list)
    violations: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VIOLATIONS, 0))
    examples: list[str] = field(default_factory=list)  # the first few, `where: reason`
    json_rows: int = 0  # rows whose values may be JSON numbers, booleans, null: not just text

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
        if lines and lines[0].lstrip().startswith(self._names[0]) and (
                [v.strip() for v in lines[0].split(",")] == self._names):
            lines = lines[1:]  # a header line
        if not lines:
            return
        if '"' not in text and all(line.count(",") == self._width - 1 for line in lines):
            # The common case, column by column: one split for the whole request.
            fields = ",".join(lines).split(",")
            if " " in text or "\t" in text:
                fields = [value.strip() for value in fields]
            for j, column in enumerate(self.columns):
                column.extend(fields[j::self._width])
            return
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), skipinitialspace=True))
        except csv.Error as err:
            self.violate(MALFORMED_BODY, where, f"malformed CSV: {err}", len(lines))
            return
        for number, row in enumerate(rows, 1):
            if len(row) != self._width:
                self.violate(WRONG_COLUMN_COUNT, f"{where} row {number}",
                             f"expected {self._width} columns, got {len(row)}")
                continue
            for column, value in zip(self.columns, row):
                column.append(value.strip())

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
            self.json_rows += 1
            for column, value in zip(self.columns, values):
                column.append(value)

    # --- all requests -----------------------------------------------------------------------

    def decoded(self) -> "Decoded":
        """The rows as arrays; rows with a numeric value that is not a number are dropped and
        counted."""
        text_only = self.json_rows == 0
        missing = frozenset(self.schema.missing_values) | {""}
        numeric: dict[str, np.ndarray] = {}
        codes: dict[str, np.ndarray] = {}
        unseen: dict[str, Counter] = {}
        levels: dict[str, list[Any]] = {}
        bad = np.zeros(self.rows, dtype=bool)
        first_bad: tuple[int, str, Any] | None = None
        for feature, values in zip(self.schema.features, self.columns):
            if feature.kind == NUMERIC:
                numbers, wrong = _numbers(values, missing, text_only)
                if wrong is not None:
                    row = int(np.flatnonzero(wrong)[0])
                    if first_bad is None:
                        first_bad = (row, feature.name, values[row])
                    bad |= wrong
                numeric[feature.name] = numbers
            else:
                table = _Codes({level: code for code, level in enumerate(feature.categories)})
                table.update(dict.fromkeys(missing, MISSING_CODE))
                levels[feature.name] = values if text_only else [_as_level(v) for v in values]
                codes[feature.name] = np.fromiter(map(table.__getitem__, levels[feature.name]),
                                                  np.int64, len(values))
        keep = ~bad
        if bad.any():
            row, name, value = first_bad
            self.violate(NOT_A_NUMBER, f"decoded row {row + 1}",
                         f"column {name}: {str(value)[:80]!r} is not a number", int(bad.sum()))
            numeric = {name: numbers[keep] for name, numbers in numeric.items()}
        for name, found in codes.items():
            unseen[name] = Counter(levels[name][i]
                                   for i in np.flatnonzero((found == UNSEEN_CODE) & keep))
            codes[name] = found[keep]
        return Decoded(self.schema, int(keep.sum()), numeric, codes, unseen)


MISSING_CODE = -1
UNSEEN_CODE = -2


class _Codes(dict):
    """Level -> code; a missing-value marker -> MISSING_CODE; anything else -> UNSEEN_CODE."""

    def __missing__(self, key: Any) -> int:
        return MISSING_CODE if key is None else UNSEEN_CODE


@dataclass(frozen=True)
class Decoded:
    """Decoded rows: numeric features as float64 (NaN = missing), categorical ones as codes
    of the schema's levels (MISSING_CODE, UNSEEN_CODE), and the unseen levels counted."""

    schema: ModelSchema
    rows: int
    numeric: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    unseen: dict[str, Counter]

    def matrix(self) -> np.ndarray:
        """What LightGBM scores: categories as codes, missing and unseen as NaN (as serving)."""
        out = np.empty((self.rows, len(self.schema.features)), dtype=np.float64, order="F")
        for j, feature in enumerate(self.schema.features):
            if feature.kind == NUMERIC:
                out[:, j] = self.numeric[feature.name]
            else:
                column = self.codes[feature.name].astype(np.float64)
                column[column < 0] = np.nan
                out[:, j] = column
        return out


def _numbers(values: list[Any], missing: frozenset[str], text_only: bool,
             ) -> tuple[np.ndarray, np.ndarray | None]:
    """float64 values (NaN = missing) and the mask of values that are not numbers, or None."""
    if text_only:
        try:  # every value a number: the usual case, at C speed
            return np.fromiter(map(float, values), np.float64, len(values)), None
        except ValueError:
            pass
    out = np.empty(len(values), dtype=np.float64)
    wrong = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        if value is None or (isinstance(value, str) and value.strip() in missing):
            out[i] = np.nan
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            try:
                out[i] = float(value)
            except (ValueError, OverflowError):
                wrong[i] = True
        else:
            wrong[i] = True
    return out, (wrong if wrong.any() else None)


def _as_level(value: Any) -> Any:
    """A JSON value as the level text serving would look up (None stays missing)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
