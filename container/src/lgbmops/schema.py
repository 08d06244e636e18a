"""The model's input schema: feature names and order, kinds, category levels, classes.

Training takes the features, category levels (those of the training split) and classes from
the dataset description preprocess wrote (`dataset.json`) and saves them next to the model
(`schema.json`). Every consumer encodes inputs through this schema, so a level means the same
code at training, evaluation and serving time. LightGBM itself sees categorical features as
float codes (the index of the level); a level the model never saw, and a missing value, become
NaN, which is what LightGBM does with an unseen category.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .contract import CATEGORICAL, NUMERIC
from .dataset import Dataset
from .errors import LgbmopsError

SCHEMA_FILE = "schema.json"
FORMAT_VERSION = 2  # 2: K classes and the missing-value markers; 1 (binary census) still loads
V1_MISSING_VALUES = ("", "?")  # what format 1 models were served with


class SchemaError(LgbmopsError):
    """Data or a model does not match the schema; the message says where."""


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str  # NUMERIC or CATEGORICAL
    categories: tuple[str, ...] = ()  # CATEGORICAL only, in code order

    def __post_init__(self) -> None:
        if self.kind not in (NUMERIC, CATEGORICAL):
            raise SchemaError(f"feature {self.name}: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class ModelSchema:
    features: tuple[Feature, ...]
    label: str
    classes: tuple[str, ...]  # in code order; binary: (negative, positive)
    missing_values: tuple[str, ...] = V1_MISSING_VALUES  # request values that mean missing

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def categorical_names(self) -> list[str]:
        return [f.name for f in self.features if f.kind == CATEGORICAL]

    @property
    def binary(self) -> bool:
        return len(self.classes) == 2

    # --- building -------------------------------------------------------------------------

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> "ModelSchema":
        return cls(
            tuple(Feature(f.name, f.type, f.categories) for f in dataset.features),
            dataset.label,
            dataset.classes,
            tuple(dataset.missing_values),
        )

    # --- persistence ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        label: dict[str, Any] = {"name": self.label, "classes": list(self.classes)}
        if self.binary:
            label["positive_class"] = 1
        return {
            "format_version": FORMAT_VERSION,
            "features": [
                {"name": f.name, "type": f.kind, **({"categories": list(f.categories)}
                                                    if f.kind == CATEGORICAL else {})}
                for f in self.features
            ],
            "label": label,
            "missing_values": list(self.missing_values),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelSchema":
        version = data.get("format_version")
        if version not in (1, FORMAT_VERSION):
            raise SchemaError(f"unsupported schema format_version {version!r}")
        features = tuple(
            Feature(f["name"], f["type"], tuple(f.get("categories", ()))) for f in data["features"]
        )
        classes = data["label"]["classes"]
        if version == 1:  # {"0": negative, "1": positive}
            return cls(features, data["label"]["name"], (classes["0"], classes["1"]))
        if not isinstance(classes, list) or len(classes) < 2:
            raise SchemaError(f"label.classes must list at least two classes, got {classes!r}")
        return cls(features, data["label"]["name"], tuple(classes),
                   tuple(data["missing_values"]))

    def save(self, model_dir: Path) -> Path:
        path = Path(model_dir) / SCHEMA_FILE
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, model_dir: Path) -> "ModelSchema":
        path = Path(model_dir) / SCHEMA_FILE
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise SchemaError(f"{path} is missing: the model directory has no schema") from None
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as err:
            raise SchemaError(f"{path} is not a valid schema: {err}") from None

    # --- encoding -------------------------------------------------------------------------

    def select(self, features: pd.DataFrame, source: str) -> pd.DataFrame:
        """The schema's columns of `features`, in schema order."""
        missing = [n for n in self.names if n not in features.columns]
        if missing:
            raise SchemaError(f"{source}: missing feature columns {missing}")
        return features[self.names]

    def training_frame(self, features: pd.DataFrame, source: str) -> pd.DataFrame:
        """Typed frame for LightGBM: numeric float64, categorical with the fixed levels.

        Missing values may come as NaN or as empty text; a level outside the schema's becomes
        missing, as LightGBM treats a category it never saw.
        """
        features = self.select(features, source)
        typed = {}
        for feature in self.features:
            column = features[feature.name]
            if feature.kind == NUMERIC:
                typed[feature.name] = (
                    column.astype(np.float64) if _is_number_column(column)
                    else _to_float(column, feature.name, source)
                )
            else:
                if column.dtype != object:
                    column = column.map(_as_text, na_action="ignore")
                typed[feature.name] = pd.Categorical(column, categories=list(feature.categories))
        return pd.DataFrame(typed, index=features.index)

    def matrix(self, features: pd.DataFrame, source: str) -> np.ndarray:
        """Float64 matrix in schema order with categories as codes (NaN = missing/unseen)."""
        frame = self.training_frame(features, source)
        out = np.empty(frame.shape, dtype=np.float64)
        for j, feature in enumerate(self.features):
            column = frame[feature.name]
            if feature.kind == NUMERIC:
                out[:, j] = column.to_numpy(dtype=np.float64)
            else:
                codes = column.cat.codes.to_numpy(dtype=np.float64)
                codes[codes < 0] = math.nan
                out[:, j] = codes
        return out

    def check_model(self, feature_names: Iterable[str], pandas_categorical: Any) -> None:
        """Fail unless a LightGBM model was trained on exactly this schema."""
        names = list(feature_names)
        if names != self.names:
            raise SchemaError(f"model features {names} differ from schema features {self.names}")
        model_levels = [list(levels) for levels in (pandas_categorical or [])]
        schema_levels = [list(f.categories) for f in self.features if f.kind == CATEGORICAL]
        if model_levels != schema_levels:
            raise SchemaError("model category levels differ from the schema's")


def _is_number_column(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _as_text(value: Any) -> str:
    """A level as text; an integral float (a number column with gaps) without its `.0`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _to_float(column: pd.Series, name: str, source: str) -> pd.Series:
    text = column.astype(object).where(column.notna(), "")
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = numbers.isna() & (text != "")
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(
            f"{source}: data row {position + 1}, column {name}: "
            f"{text.iloc[position]!r} is not a number"
        )
    return numbers.astype(np.float64)
