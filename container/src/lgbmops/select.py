"""The batch pipeline's last step: from the Transform output, the rows to target and a summary.

Input: Transform's output files (`<input file>.out`, one line per input line, in order, as the
Transform step's OutputFilter leaves them: the contract's id columns, then the score columns).
A line whose first score is `error: <reason>` is a row the server could not score (see
serving/batch.py): it is reported by input file and line, counted, and the job fails when the
share of such rows is above `max_bad_row_fraction`. A first line whose ids are the id column
names is the header the server answered for a header line; it is not a row.

Every selected row is named by its input file and line (`source_file`, `source_line`) and by
its id columns; a contract without id columns still gets the file and line.

Selection: rows with a score >= `min_score`, the `top_k` highest of them (0 = all), highest
first; equal scores keep input order. The score is the first score column: the positive class's
probability of a binary model.
"""
from __future__ import annotations

import csv
import heapq
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .contract import Contract
from .errors import LgbmopsError

TRANSFORM_SUFFIX = ".out"  # what batch transform appends to each input file's name
ERROR_PREFIX = "error: "  # serving/batch.py's marker of a row it could not score
SELECTED_FILE = "selected.csv"
SUMMARY_FILE = "summary.json"
SHOWN_BAD_ROWS = 20
QUANTILES = (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)


class SelectionError(LgbmopsError):
    pass


@dataclass(frozen=True)
class Rule:
    top_k: int  # 0 = no limit
    min_score: float
    max_bad_row_fraction: float

    def __post_init__(self) -> None:
        if self.top_k < 0:
            raise SelectionError(f"--top-k must be >= 0, got {self.top_k}")
        if not 0.0 <= self.min_score <= 1.0:
            raise SelectionError(f"--min-score must be in [0, 1], got {self.min_score}")
        if not 0.0 <= self.max_bad_row_fraction < 1.0:
            raise SelectionError(
                f"--max-bad-row-fraction must be in [0, 1), got {self.max_bad_row_fraction}")


@dataclass
class Result:
    rows_scored: int = 0
    bad_rows: int = 0
    shown_bad_rows: list[dict[str, object]] = field(default_factory=list)
    files: int = 0
    selected: list[tuple[float, int, list[str]]] = field(default_factory=list)
    summary: dict[str, object] = field(default_factory=dict)


def transform_outputs(directory: Path) -> list[Path]:
    found = sorted(p for p in directory.rglob("*" + TRANSFORM_SUFFIX) if p.is_file())
    if not found:
        raise SelectionError(f"{directory}: no transform output (*{TRANSFORM_SUFFIX}) to select from")
    return found


def select(contract: Contract, scores_dir: Path, rule: Rule) -> Result:
    ids = contract.ids
    result = Result()
    scores: list[float] = []
    # Min-heap of the best (score, -order) so far: top-K of millions without sorting them all.
    best: list[tuple[float, int, list[str]]] = []
    order = 0
    for path in transform_outputs(scores_dir):
        result.files += 1
        source = str(path.relative_to(scores_dir))[: -len(TRANSFORM_SUFFIX)]
        with path.open(newline="", encoding="utf-8") as handle:
            for line_number, row in enumerate(csv.reader(handle), start=1):
                if line_number == 1 and ids and row[: len(ids)] == ids:
                    continue
                if line_number == 1 and not ids and row and not _is_number(row[0]) \
                        and not row[0].startswith(ERROR_PREFIX):
                    continue  # the header line's answer: the output's column names
                if len(row) <= len(ids):
                    _bad(result, source, line_number,
                         f"no score after the {len(ids)} id column(s) ({len(row)} field(s) kept): the row "
                         f"does not have the contract's columns, so its answer is not where the "
                         f"Transform step's OutputFilter keeps it")
                    continue
                value = row[len(ids)]
                if value.startswith(ERROR_PREFIX):
                    _bad(result, source, line_number, value[len(ERROR_PREFIX):])
                    continue
                try:
                    score = float(value)
                except ValueError:
                    _bad(result, source, line_number, f"score {value[:80]!r} is not a number")
                    continue
                result.rows_scored += 1
                scores.append(score)
                if score >= rule.min_score:
                    entry = (score, -order, [source, str(line_number), *row[: len(ids)], value])
                    if rule.top_k == 0 or len(best) < rule.top_k:
                        heapq.heappush(best, entry)
                    elif entry > best[0]:
                        heapq.heapreplace(best, entry)
                    order += 1
    total = result.rows_scored + result.bad_rows
    result.selected = sorted(best, reverse=True)
    result.summary = _summary(result, np.asarray(scores, dtype=np.float64), rule, ids)
    if total == 0:
        raise SelectionError(f"{scores_dir}: the transform output has no rows")
    return result


def check_bad_rows(result: Result, rule: Rule) -> None:
    """Fails the job when too many rows could not be scored (after the summary is written)."""
    total = result.rows_scored + result.bad_rows
    if result.bad_rows / total > rule.max_bad_row_fraction:
        first = result.shown_bad_rows[0]
        raise SelectionError(
            f"{result.bad_rows} of {total} rows ({result.bad_rows / total:.2%}) could not be scored, "
            f"above --max-bad-row-fraction {rule.max_bad_row_fraction}; first: "
            f"{first['file']} line {first['line']}: {first['reason']}")


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _bad(result: Result, source: str, line: int, reason: str) -> None:
    result.bad_rows += 1
    if len(result.shown_bad_rows) < SHOWN_BAD_ROWS:
        result.shown_bad_rows.append({"file": source, "line": line, "reason": reason})


def _summary(result: Result, scores: np.ndarray, rule: Rule, ids: list[str]) -> dict[str, object]:
    distribution: dict[str, object] = {"count": int(scores.size)}
    if scores.size:
        distribution.update(
            min=float(scores.min()), max=float(scores.max()), mean=float(scores.mean()),
            quantiles={f"p{round(q * 100)}": float(v)
                       for q, v in zip(QUANTILES, np.quantile(scores, QUANTILES))},
            histogram=np.histogram(scores, bins=10, range=(0.0, 1.0))[0].tolist(),
        )
    return {
        "files": result.files,
        "rows_scored": result.rows_scored,
        "bad_rows": result.bad_rows,
        "bad_row_examples": result.shown_bad_rows,
        "score_distribution": distribution,
        "rule": {"top_k": rule.top_k, "min_score": rule.min_score,
                 "max_bad_row_fraction": rule.max_bad_row_fraction},
        "rows_selected": len(result.selected),
        "id_columns": ids,
    }


def write(result: Result, ids: list[str], output_dir: Path) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source_file", "source_line", *ids, "score"])
    writer.writerows(row for _, _, row in result.selected)
    (output_dir / SELECTED_FILE).write_text(buffer.getvalue(), encoding="utf-8")
    (output_dir / SUMMARY_FILE).write_text(json.dumps(result.summary, indent=2) + "\n", encoding="utf-8")
