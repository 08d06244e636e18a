"""The dataset contract: one JSON file that describes a table once, for every step.

`datasets/contract.schema.json` is the interface; this module checks a contract against it with
the standard library only (the image carries no JSON Schema validator), plus the rules a schema
cannot express: a label column that exists and is a feature type, facets on feature columns of
the right kind, no duplicate names. Every mistake is one line naming the file, the key path and
the value, e.g. `census.json: label.column 'incme' is not a column (columns: age, ...)`.
Defaults are filled in, so `to_dict()` is the normalised contract.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import LgbmopsError

NUMERIC = "numeric"
CATEGORICAL = "categorical"
ID = "id"
IGNORE = "ignore"
COLUMN_TYPES = (NUMERIC, CATEGORICAL, ID, IGNORE)
FEATURE_TYPES = (NUMERIC, CATEGORICAL)

BINARY = "binary"
MULTICLASS = "multiclass"

DEFAULT_DELIMITER = ","
DEFAULT_HEADER = True
DEFAULT_MISSING_VALUES = ("", "NA")

_NAME = re.compile(r"[a-z0-9](-?[a-z0-9]){0,39}")
_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,127}")
# A delimiter the CSV reader could not tell from quoting, line ends or the padding it trims.
_BAD_DELIMITERS = frozenset('"\r\n ')
_SHOWN_COLUMNS = 20

_TOP_KEYS = ("$schema", "name", "description", "format", "columns", "label", "fairness")
_FORMAT_KEYS = ("delimiter", "header", "missingValues")
_COLUMN_KEYS = ("name", "type", "description")
_LABEL_KEYS = ("column", "positive", "classes")
_FACET_KEYS = ("column", "values", "threshold")


class ContractError(LgbmopsError):
    """The contract breaks a rule; the one-line message names the file, key path and value."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str


@dataclass(frozen=True)
class Format:
    delimiter: str = DEFAULT_DELIMITER
    header: bool = DEFAULT_HEADER
    missing_values: tuple[str, ...] = DEFAULT_MISSING_VALUES


@dataclass(frozen=True)
class Label:
    column: str
    positive: str | None = None  # binary
    classes: tuple[str, ...] | None = None  # multiclass, declared; None = inferred

    @property
    def task(self) -> str:
        return BINARY if self.positive is not None else MULTICLASS


@dataclass(frozen=True)
class Facet:
    column: str
    values: tuple[str, ...] | None = None  # categorical facet
    threshold: float | None = None  # numeric facet: the group is the rows above it


@dataclass(frozen=True)
class Contract:
    source: str  # the file, as named in messages
    name: str
    description: str | None
    format: Format
    columns: tuple[Column, ...]
    label: Label
    fairness: tuple[Facet, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def features(self) -> list[Column]:
        """Feature columns in file order: numeric and categorical, the label excepted."""
        return [c for c in self.columns if c.type in FEATURE_TYPES and c.name != self.label.column]

    @property
    def ids(self) -> list[str]:
        return [c.name for c in self.columns if c.type == ID]

    def to_dict(self) -> dict[str, Any]:
        """The normalised contract in the file's own spelling, every default filled in."""
        data: dict[str, Any] = {"name": self.name}
        if self.description is not None:
            data["description"] = self.description
        data["format"] = {
            "delimiter": self.format.delimiter,
            "header": self.format.header,
            "missingValues": list(self.format.missing_values),
        }
        data["columns"] = [{"name": c.name, "type": c.type} for c in self.columns]
        label: dict[str, Any] = {"column": self.label.column}
        if self.label.positive is not None:
            label["positive"] = self.label.positive
        if self.label.classes is not None:
            label["classes"] = list(self.label.classes)
        data["label"] = label
        facets = []
        for facet in self.fairness:
            entry: dict[str, Any] = {"column": facet.column}
            if facet.values is not None:
                entry["values"] = list(facet.values)
            else:
                entry["threshold"] = facet.threshold
            facets.append(entry)
        data["fairness"] = facets
        return data


def load_contract(path: Path) -> Contract:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ContractError(f"{path.name}: not UTF-8 text: {err}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ContractError(f"{path.name}: not valid JSON: {err}") from None
    return parse_contract(data, path.name)


def parse_contract(data: Any, source: str) -> Contract:
    """Check a decoded contract and fill in its defaults."""
    return _Checker(source).contract(data)


class _Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, message: str) -> ContractError:
        return ContractError(f"{self.source}: {message}")

    # --- generic shapes -------------------------------------------------------------------

    def object(self, value: Any, path: str, keys: tuple[str, ...], required: tuple[str, ...],
               ) -> dict[str, Any]:
        where = f"{path} " if path else ""
        if not isinstance(value, dict):
            raise self.fail(f"{where or 'the contract '}must be a JSON object, got {_show(value)}")
        for key in value:
            if key not in keys:
                raise self.fail(
                    f"unknown key {_join(path, key)!r} (known: {', '.join(keys)})"
                )
        for key in required:
            if key not in value:
                raise self.fail(f"{_join(path, key)} is required")
        return value

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(f"{path} must be a string, got {_show(value)}")
        return value

    def strings(self, value: Any, path: str, min_items: int) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(f"{path} must be a list of strings, got {_show(value)}")
        if len(value) < min_items:
            raise self.fail(f"{path} needs at least {min_items} item(s), got {len(value)}")
        seen: dict[str, int] = {}
        for index, item in enumerate(value):
            item = self.string(item, f"{path}[{index}]")
            if item in seen:
                raise self.fail(f"{path}[{index}] {item!r} repeats {path}[{seen[item]}]")
            seen[item] = index
        return tuple(value)

    # --- the contract ---------------------------------------------------------------------

    def contract(self, data: Any) -> Contract:
        data = self.object(data, "", _TOP_KEYS, ("name", "columns", "label"))
        name = self.string(data["name"], "name")
        if not _NAME.fullmatch(name):
            raise self.fail(
                f"name {name!r} must be lowercase letters, digits and single hyphens, "
                f"at most 40 characters"
            )
        description = None
        if "description" in data:
            description = self.string(data["description"], "description")
        if "$schema" in data:
            self.string(data["$schema"], "$schema")
        fmt = self.format(data.get("format", {}))
        columns = self.columns(data["columns"])
        label = self.label(data["label"], columns, fmt)
        fairness = self.fairness(data.get("fairness", []), columns, label)
        return Contract(self.source, name, description, fmt, columns, label, fairness)

    def format(self, value: Any) -> Format:
        value = self.object(value, "format", _FORMAT_KEYS, ())
        delimiter = DEFAULT_DELIMITER
        if "delimiter" in value:
            delimiter = self.string(value["delimiter"], "format.delimiter")
            if len(delimiter) != 1:
                raise self.fail(f"format.delimiter {delimiter!r} must be one character")
            if delimiter in _BAD_DELIMITERS:
                raise self.fail(
                    f"format.delimiter {delimiter!r} cannot separate fields "
                    f"(not a quote, a space or a line break)"
                )
        header = value.get("header", DEFAULT_HEADER)
        if not isinstance(header, bool):
            raise self.fail(f"format.header must be true or false, got {_show(header)}")
        missing = DEFAULT_MISSING_VALUES
        if "missingValues" in value:
            missing = self.strings(value["missingValues"], "format.missingValues", 0)
            for index, marker in enumerate(missing):
                if marker != marker.strip():
                    raise self.fail(
                        f"format.missingValues[{index}] {marker!r} has surrounding blanks; "
                        f"values are trimmed before they are compared"
                    )
                if delimiter in marker:
                    raise self.fail(
                        f"format.missingValues[{index}] {marker!r} contains the delimiter "
                        f"{delimiter!r}"
                    )
        return Format(delimiter, header, tuple(missing))

    def columns(self, value: Any) -> tuple[Column, ...]:
        if not isinstance(value, list):
            raise self.fail(f"columns must be a list of columns, got {_show(value)}")
        if len(value) < 2:
            raise self.fail(f"columns needs at least 2 columns (a label and a feature), got {len(value)}")
        columns: list[Column] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(value):
            path = f"columns[{index}]"
            item = self.object(item, path, _COLUMN_KEYS, ("name", "type"))
            name = self.string(item["name"], f"{path}.name")
            if not _COLUMN_NAME.fullmatch(name):
                raise self.fail(
                    f"{path}.name {name!r} must start with a letter or '_' and hold only "
                    f"letters, digits, '_', '.' and '-' (at most 128 characters)"
                )
            if name in seen:
                raise self.fail(f"{path}.name {name!r} repeats columns[{seen[name]}].name")
            seen[name] = index
            kind = item["type"]
            if kind not in COLUMN_TYPES:
                raise self.fail(
                    f"{path}.type {_show(kind)} is not one of {', '.join(COLUMN_TYPES)}"
                )
            if "description" in item:
                self.string(item["description"], f"{path}.description")
            columns.append(Column(name, kind))
        return tuple(columns)

    def column_ref(self, value: Any, path: str, columns: tuple[Column, ...]) -> Column:
        name = self.string(value, path)
        for column in columns:
            if column.name == name:
                return column
        raise self.fail(f"{path} {name!r} is not a column (columns: {_names(columns)})")

    def label(self, value: Any, columns: tuple[Column, ...], fmt: Format) -> Label:
        value = self.object(value, "label", _LABEL_KEYS, ("column",))
        column = self.column_ref(value["column"], "label.column", columns)
        if column.type not in FEATURE_TYPES:
            raise self.fail(
                f"label.column {column.name!r} is of type {column.type}; "
                f"the label must be numeric or categorical"
            )
        if "positive" in value and "classes" in value:
            raise self.fail(
                "label has both positive and classes: give positive for a binary label, "
                "classes (or neither) for a multiclass one"
            )
        positive = None
        if "positive" in value:
            positive = self.string(value["positive"], "label.positive")
            self.label_value(positive, "label.positive", column, fmt)
        classes = None
        if "classes" in value:
            classes = self.strings(value["classes"], "label.classes", 3)
            for index, name in enumerate(classes):
                self.label_value(name, f"label.classes[{index}]", column, fmt)
        if not [c for c in columns if c.type in FEATURE_TYPES and c.name != column.name]:
            raise self.fail(
                f"columns has no feature (numeric or categorical) besides the label {column.name!r}"
            )
        return Label(column.name, positive, classes)

    def label_value(self, text: str, path: str, column: Column, fmt: Format) -> None:
        if text == "" or text in fmt.missing_values:
            raise self.fail(
                f"{path} {text!r} is a missing value (format.missingValues: "
                f"{', '.join(map(repr, fmt.missing_values))}); name a class"
            )
        if text != text.strip():
            raise self.fail(f"{path} {text!r} has surrounding blanks; values are trimmed")
        if column.type == NUMERIC and not _is_number(text):
            raise self.fail(f"{path} {text!r} is not a number, and {column.name!r} is numeric")

    def fairness(self, value: Any, columns: tuple[Column, ...], label: Label,
                 ) -> tuple[Facet, ...]:
        if not isinstance(value, list):
            raise self.fail(f"fairness must be a list of facets, got {_show(value)}")
        facets: list[Facet] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(value):
            path = f"fairness[{index}]"
            item = self.object(item, path, _FACET_KEYS, ("column",))
            column = self.column_ref(item["column"], f"{path}.column", columns)
            if column.name == label.column:
                raise self.fail(f"{path}.column {column.name!r} is the label; a facet must be a feature")
            if column.type not in FEATURE_TYPES:
                raise self.fail(
                    f"{path}.column {column.name!r} is of type {column.type}; "
                    f"a facet must be a numeric or categorical feature"
                )
            if column.name in seen:
                raise self.fail(
                    f"{path}.column {column.name!r} repeats fairness[{seen[column.name]}].column"
                )
            seen[column.name] = index
            has_values, has_threshold = "values" in item, "threshold" in item
            if has_values == has_threshold:
                raise self.fail(
                    f"{path} needs exactly one of values (categorical facet) or threshold "
                    f"(numeric facet)"
                )
            if has_values:
                if column.type == NUMERIC:
                    raise self.fail(
                        f"{path}.values is for categorical facets; {column.name!r} is numeric: "
                        f"use threshold"
                    )
                values = self.strings(item["values"], f"{path}.values", 1)
                for position, text in enumerate(values):
                    if text != text.strip():
                        raise self.fail(
                            f"{path}.values[{position}] {text!r} has surrounding blanks; "
                            f"values are trimmed"
                        )
                facets.append(Facet(column.name, values=values))
            else:
                if column.type == CATEGORICAL:
                    raise self.fail(
                        f"{path}.threshold is for numeric facets; {column.name!r} is categorical: "
                        f"use values"
                    )
                threshold = item["threshold"]
                if (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                        or not math.isfinite(threshold)):
                    raise self.fail(f"{path}.threshold must be a number, got {_show(threshold)}")
                facets.append(Facet(column.name, threshold=threshold))
        return tuple(facets)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _names(columns: tuple[Column, ...]) -> str:
    names = [c.name for c in columns]
    if len(names) <= _SHOWN_COLUMNS:
        return ", ".join(names)
    return ", ".join(names[:_SHOWN_COLUMNS]) + f", ... ({len(names)} in all)"


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
