"""The census (UCI Adult) data: its columns and how a raw line becomes a clean record."""
from __future__ import annotations

import math
from dataclasses import dataclass

LABEL = "income"
FEATURES = (
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
)
NUMERIC = frozenset(
    {"age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"}
)
RAW_COLUMNS = FEATURES + (LABEL,)  # file order: the label comes last in the raw data
NEGATIVE_LABEL = "<=50K"
POSITIVE_LABEL = ">50K"
CLASSES = {0: NEGATIVE_LABEL, 1: POSITIVE_LABEL}
MISSING_MARKERS = frozenset({"", "?"})


class BadRecord(ValueError):
    """A raw line that cannot become a record; the message says why."""


@dataclass(frozen=True)
class Record:
    label: int  # 1 = >50K
    features: tuple[str, ...]  # cleaned text in FEATURES order; "" = missing


def parse_line(line: str) -> Record | None:
    """Parse one raw census line. None for lines that carry no record (blank, `|` comment).

    Fields are separated by ',' and surrounding blanks; '?' means missing. Labels may end in a
    period, as they do in the census test file (`>50K.`).
    """
    text = line.strip()
    if not text or text.startswith("|"):
        return None
    fields = [f.strip() for f in text.split(",")]
    if len(fields) != len(RAW_COLUMNS):
        raise BadRecord(f"expected {len(RAW_COLUMNS)} fields, got {len(fields)}")
    label_text = fields[-1].rstrip(".")
    if label_text == POSITIVE_LABEL:
        label = 1
    elif label_text == NEGATIVE_LABEL:
        label = 0
    else:
        raise BadRecord(
            f"column {len(RAW_COLUMNS)} ({LABEL}): expected {NEGATIVE_LABEL!r} or "
            f"{POSITIVE_LABEL!r}, got {fields[-1]!r}"
        )
    features = fields[:-1]
    for index, (name, value) in enumerate(zip(FEATURES, features)):
        if value in MISSING_MARKERS:
            features[index] = ""
        elif name in NUMERIC and not _is_number(value):
            raise BadRecord(f"column {index + 1} ({name}): {value!r} is not a number")
    return Record(label, tuple(features))


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
