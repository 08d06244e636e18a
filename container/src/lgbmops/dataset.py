"""`dataset.json`: what preprocess learned about the data, next to every split it writes.

The normalised contract plus what only the data can tell: the task, the classes in code order
(binary: negative, positive), the features with their category levels from the training split,
and the id columns. Train and evaluate read it from their channel, so no later step re-derives
anything from a contract or a column name.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .contract import BINARY, CATEGORICAL, MULTICLASS, NUMERIC
from .errors import LgbmopsError

DATASET_FILE = "dataset.json"
FORMAT_VERSION = 1
# A preprocess job of several instances: each writes the part of what it saw, and every reader
# merges the parts (see `Dataset.merge`). Instance index and count are in the name, so two
# instances never write the same object and a missing or stray part is noticed.
PART_FILE = re.compile(r"dataset-(\d{5})-of-(\d{5})\.json")


def part_file_name(index: int, count: int) -> str:
    return f"dataset-{index:05d}-of-{count:05d}.json"


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

    def save(self, directory: Path, file_name: str = DATASET_FILE) -> Path:
        path = Path(directory) / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: Path) -> "Dataset":
        """The dataset description of a channel or split directory (searched recursively:
        SageMaker may nest the prefix): one dataset.json, or the complete set of parts a
        multi-instance preprocess wrote, merged."""
        directory = Path(directory)
        found = sorted(directory.rglob(DATASET_FILE)) if directory.is_dir() else []
        parts = sorted(p for p in directory.rglob("dataset-*.json")
                       if PART_FILE.fullmatch(p.name)) if directory.is_dir() else []
        if not found and not parts:
            raise DatasetError(
                f"no {DATASET_FILE} in {directory}: the channel must be a preprocess output "
                f"(its split CSV and {DATASET_FILE})"
            )
        if len(found) + (1 if parts else 0) > 1:
            listed = ", ".join(str(p) for p in [*found, *parts[:1]])
            raise DatasetError(
                f"{len(found) + len(parts)} dataset descriptions in {directory}: {listed}; "
                f"expected one {DATASET_FILE} or the parts of one preprocess run"
            )
        if found:
            return cls._read(found[0])
        counts = {int(PART_FILE.fullmatch(p.name).group(2)) for p in parts}
        indices = sorted(int(PART_FILE.fullmatch(p.name).group(1)) for p in parts)
        if len(counts) != 1 or indices != list(range(next(iter(counts)))):
            raise DatasetError(
                f"{directory}: dataset parts {', '.join(p.name for p in parts)} are not the "
                f"complete set of one preprocess run"
            )
        return cls.merge([cls._read(p) for p in parts], str(directory))

    @classmethod
    def _read(cls, path: Path) -> "Dataset":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise DatasetError(f"{path}: not valid JSON: {err}") from None
        if not isinstance(data, dict):
            raise DatasetError(f"{path}: not a valid dataset description: expected an object")
        return cls.from_dict(data, str(path))

    @classmethod
    def merge(cls, parts: list["Dataset"], source: str) -> "Dataset":
        """One description of the data several preprocess instances saw, in instance order.

        A category level gets its code from its position in the sorted union of the levels
        every instance found in its training rows, so train, evaluate, explain and serving
        encode it alike whichever instance's rows it came from. Classes are codes in the
        split files already, so the instances must have found the same ones."""
        first = parts[0]
        for index, part in enumerate(parts[1:], start=1):
            for name in ("name", "task", "label", "ids", "missing_values", "contract"):
                if getattr(part, name) != getattr(first, name):
                    raise DatasetError(f"{source}: dataset part {index} differs from part 0 in {name}")
            if part.classes != first.classes:
                raise DatasetError(
                    f"{source}: preprocess instance {index} found classes {list(part.classes)}, "
                    f"instance 0 {list(first.classes)}; declare label.classes in the contract "
                    f"so that every instance codes them alike"
                )
            if [(f.name, f.type) for f in part.features] != [(f.name, f.type) for f in first.features]:
                raise DatasetError(f"{source}: dataset part {index} differs from part 0 in its features")
        features = tuple(
            DatasetFeature(f.name, f.type,
                           tuple(sorted({level for part in parts
                                         for level in part.features[i].categories})))
            for i, f in enumerate(first.features)
        )
        rows: dict[str, int] = {}
        for part in parts:
            for split, count in part.rows.items():
                rows[split] = rows.get(split, 0) + count
        return cls(name=first.name, contract=first.contract, task=first.task, label=first.label,
                   classes=first.classes, features=features, ids=first.ids,
                   missing_values=first.missing_values, rows=rows)
