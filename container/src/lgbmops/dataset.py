"""`dataset.json`: what preprocess learned about the data, next to every split it writes.

The normalised contract plus what only the data can tell: the task, the classes in code order
(binary: negative, positive), the features with their category levels from the training split,
and the id columns. Train and evaluate read it from their channel, so no later step re-derives
anything from a contract or a column name.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .contract import BINARY, CATEGORICAL, MULTICLASS, NUMERIC
from .errors import LgbmopsError

DATASET_FILE = "dataset.json"
FORMAT_VERSION = 1


class DatasetError(LgbmopsError):
    """dataset.json is absent, unreadable or inconsistent; the message names the file."""


@dataclass(frozen=True)
class DatasetFeature:
    name: str
    type: str  # NUMERIC or CATEGORICAL
    categories: tuple[str, ...] = ()  # CATEGORICAL: levels of the training split, in code order


@dataclass(frozen=True)
class Dataset:
    name: str
    contract: dict[str, Any]  # normalised, defaults filled in
    task: str  # BINARY or MULTICLASS
    label: str
    classes: tuple[str, ...]  # code order; binary: (negative, positive)
    features: tuple[DatasetFeature, ...]
    ids: tuple[str, ...]
    missing_values: tuple[str, ...]
    rows: dict[str, int]

    @property
    def columns(self) -> list[str]:
        """Header of every split CSV: label (class code), features, ids."""
        return [self.label, *(f.name for f in self.features), *self.ids]

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    def to_dict(self) -> dict[str, Any]:
        label: dict[str, Any] = {"column": self.label, "classes": list(self.classes)}
        if self.task == BINARY:
            label["positive"] = self.classes[1]
        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "task": self.task,
            "label": label,
            "features": [
                {"name": f.name, "type": f.type,
                 **({"categories": list(f.categories)} if f.type == CATEGORICAL else {})}
                for f in self.features
            ],
            "ids": list(self.ids),
            "columns": self.columns,
            "missing_values": list(self.missing_values),
            "rows": dict(self.rows),
            "contract": self.contract,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str) -> "Dataset":
        try:
            if data["format_version"] != FORMAT_VERSION:
                raise DatasetError(
                    f"{source}: unsupported format_version {data['format_version']!r}"
                )
            task = data["task"]
            classes = tuple(data["label"]["classes"])
            if task not in (BINARY, MULTICLASS) or len(classes) < 2 or (
                    (task == BINARY) != (len(classes) == 2)):
                raise DatasetError(f"{source}: task {task!r} does not fit classes {list(classes)}")
            features = tuple(
                DatasetFeature(f["name"], f["type"], tuple(f.get("categories", ())))
                for f in data["features"]
            )
            for feature in features:
                if feature.type not in (NUMERIC, CATEGORICAL):
                    raise DatasetError(
                        f"{source}: feature {feature.name!r} has unknown type {feature.type!r}"
                    )
            return cls(
                name=data["name"], contract=data["contract"], task=task,
                label=data["label"]["column"], classes=classes, features=features,
                ids=tuple(data["ids"]), missing_values=tuple(data["missing_values"]),
                rows={k: int(v) for k, v in data["rows"].items()},
            )
        except (KeyError, TypeError, AttributeError) as err:
            raise DatasetError(f"{source}: not a valid dataset description: missing or bad {err}") from None

    def save(self, directory: Path) -> Path:
        path = Path(directory) / DATASET_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: Path) -> "Dataset":
        """The dataset.json of a channel or split directory (searched recursively: SageMaker
        may nest the prefix); exactly one must be there."""
        directory = Path(directory)
        found = sorted(directory.rglob(DATASET_FILE)) if directory.is_dir() else []
        if not found:
            raise DatasetError(
                f"no {DATASET_FILE} in {directory}: the channel must be a preprocess output "
                f"(its split CSV and {DATASET_FILE})"
            )
        if len(found) > 1:
            raise DatasetError(
                f"{len(found)} {DATASET_FILE} files in {directory}: "
                f"{', '.join(str(p) for p in found)}; expected one"
            )
        path = found[0]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise DatasetError(f"{path}: not valid JSON: {err}") from None
        if not isinstance(data, dict):
            raise DatasetError(f"{path}: not a valid dataset description: expected an object")
        return cls.from_dict(data, str(path))
