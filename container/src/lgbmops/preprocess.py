"""Raw census files -> clean, stratified train/validation/test splits and a Clarify baseline.

Malformed lines (wrong field count, a label that is neither class, text in a numeric column)
are dropped and counted, never silently: each is reported as `file:line: reason`, and the job
fails when they exceed `max_bad_fraction` of the lines, since a file that bad is the wrong file.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from . import census
from .errors import LgbmopsError
from .paths import ProcessingPaths

RAW_SUFFIXES = (".data", ".csv")
SPLITS = ("train", "validation", "test")
SHOWN_BAD_LINES = 20


class PreprocessError(LgbmopsError):
    """The input cannot be turned into splits; the message says why."""


@dataclass(frozen=True)
class SplitRatios:
    train: float = 0.7
    validation: float = 0.15
    test: float = 0.15

    def __post_init__(self) -> None:
        for name in SPLITS:
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 < value < 1):
                raise PreprocessError(f"{name} ratio must be in (0, 1), got {value}")
        total = self.train + self.validation + self.test
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise PreprocessError(
                f"train, validation and test ratios must sum to 1, got "
                f"{self.train} + {self.validation} + {self.test} = {total:g}"
            )


@dataclass(frozen=True)
class BadLine:
    file: Path
    line: int  # 1-based
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class PreprocessResult:
    rows: int
    bad_lines: list[BadLine]
    split_rows: dict[str, int] = field(default_factory=dict)
    split_positive_rate: dict[str, float] = field(default_factory=dict)
    baseline_rows: int = 0


def read_raw(files: list[Path]) -> tuple[list[census.Record], list[BadLine]]:
    records: list[census.Record] = []
    bad: list[BadLine] = []
    for path in files:
        with open(path, encoding="utf-8", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    record = census.parse_line(line)
                except census.BadRecord as err:
                    bad.append(BadLine(path, number, str(err)))
                    continue
                if record is not None:
                    records.append(record)
    return records, bad


def preprocess(
    files: list[Path],
    out: ProcessingPaths,
    ratios: SplitRatios = SplitRatios(),
    seed: int = 42,
    baseline_rows: int = 1000,
    max_bad_fraction: float = 0.01,
) -> PreprocessResult:
    records, bad = read_raw(files)
    total = len(records) + len(bad)
    if bad and len(bad) > max_bad_fraction * total:
        shown = "; ".join(str(b) for b in bad[:5])
        raise PreprocessError(
            f"{len(bad)} of {total} lines are malformed (more than {max_bad_fraction:.1%}); "
            f"first: {shown}"
        )
    if not records:
        raise PreprocessError(f"no records in {', '.join(map(str, files))}")
    labels = np.fromiter((r.label for r in records), dtype=np.int8, count=len(records))
    for cls in (0, 1):
        if (labels == cls).sum() < 10:
            raise PreprocessError(
                f"need at least 10 records of class {census.CLASSES[cls]} to stratify, "
                f"got {(labels == cls).sum()}"
            )

    indices = np.arange(len(records))
    held_out = ratios.validation + ratios.test
    train_idx, rest_idx = train_test_split(
        indices, test_size=held_out, stratify=labels, random_state=seed
    )
    validation_idx, test_idx = train_test_split(
        rest_idx, test_size=ratios.test / held_out, stratify=labels[rest_idx], random_state=seed
    )
    if baseline_rows >= len(test_idx):
        baseline_idx = test_idx
    else:
        baseline_idx, _ = train_test_split(
            test_idx, train_size=baseline_rows, stratify=labels[test_idx], random_state=seed
        )

    result = PreprocessResult(rows=len(records), bad_lines=bad)
    header = (census.LABEL,) + census.FEATURES
    for name, idx in zip(SPLITS, (train_idx, validation_idx, test_idx)):
        _write_rows(out.dir(name) / f"{name}.csv", header, records, idx)
        result.split_rows[name] = len(idx)
        result.split_positive_rate[name] = float(labels[idx].mean())
    # Clarify reads the baseline without a header: label first, then features.
    _write_rows(out.dir("baseline") / "baseline.csv", None, records, baseline_idx)
    result.baseline_rows = len(baseline_idx)
    return result


def _write_rows(
    path: Path, header: tuple[str, ...] | None, records: list[census.Record], idx: np.ndarray
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if header:
            writer.writerow(header)
        for i in idx:
            record = records[i]
            writer.writerow((record.label,) + record.features)
