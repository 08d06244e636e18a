"""Raw files + dataset contract -> stratified splits, dataset.json, a Clarify baseline and the
Clarify analysis documents.

Reading is vectorised: pandas parses every file once, in blocks of whole lines so that memory
holds one block whatever the input's size (numeric columns straight to float64,
missing markers straight to NaN), categorical columns become pandas categoricals, and every
later step works on codes and on the few distinct values. Rows are dropped and counted, never
silently: a wrong field count, a numeric cell that is not a number, a missing label or one
outside the declared classes. Each is reported as `file:line: column: reason`, and the job
fails when they exceed `max_bad_fraction` of the rows, since a file that bad is the wrong file.

Two paths, one result. The fast one asks pandas for float64 numeric columns; when a file holds
a numeric cell pandas cannot parse, that file is read again as text and `pd.to_numeric` finds
the cells. Line numbers are worked out only when there is a bad row to name.
"""
from __future__ import annotations

import csv
import gzip
import io
import math
import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from . import clarify
from .contract import (
    BINARY, CATEGORICAL, ID, IGNORE, MULTICLASS, NUMERIC, Contract,
)
from .dataset import DATASET_FILE, Dataset, DatasetFeature, part_file_name
from .errors import LgbmopsError
from .paths import ProcessingPaths

SPLITS = ("train", "validation", "test")
# The training split is written in parts (train/part-00000.csv, ...) so that a multi-instance
# training job's ShardedByS3Key channel hands each instance some of them; 12 parts spread
# evenly over 1, 2, 3, 4 or 6 instances.
DEFAULT_TRAIN_SHARDS = 12
# Raw text split at once; bounds the job's memory (see _Blocks).
DEFAULT_BLOCK_BYTES = 256 << 20
SHOWN_BAD_ROWS = 20
MIN_ROWS_PER_CLASS = 10  # every class must reach all three stratified splits
_QUOTED = re.compile(r'[,"\r\n]')
_TOO_MANY_FIELDS = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


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
class Instance:
    """One instance of a preprocess job of `count` (ProcessingInstanceCount). The raw data
    input is ShardedByS3Key, so each instance holds some of the files and splits only those.
    Its split files and its dataset description carry its index (`split_files`,
    `dataset.part_file_name`); readers merge the descriptions (`Dataset.merge`). Only the
    first instance writes the Clarify baseline and analysis documents, from its own rows."""
    index: int
    count: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise PreprocessError(f"instance index must be in [0, {self.count}), got {self.index}")

    @property
    def is_leader(self) -> bool:
        return self.index == 0

    @property
    def dataset_file(self) -> str:
        return DATASET_FILE if self.count == 1 else part_file_name(self.index, self.count)


@dataclass(frozen=True)
class BadRow:
    file: str  # relative to the data directory
    line: int  # 1-based physical line
    column: str | None  # None: the row as a whole (its field count)
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: "
        return where + (f"{self.column}: {self.reason}" if self.column else self.reason)


@dataclass
class PreprocessResult:
    rows: int  # rows kept
    bad_rows: int  # rows dropped
    shown_bad_rows: list[BadRow]  # the first SHOWN_BAD_ROWS of them, in file and line order
    dataset: Dataset
    split_rows: dict[str, int] = field(default_factory=dict)
    split_class_counts: dict[str, list[int]] = field(default_factory=dict)
    baseline_rows: int = 0
    clarify_documents: list[str] = field(default_factory=list)


def data_files(directory: Path) -> list[Path]:
    """Every regular file under the data directory, at any depth, in path order."""
    if not directory.is_dir():
        raise PreprocessError(f"data directory {directory} does not exist")
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    if not files:
        raise PreprocessError(f"no data file in {directory}")
    return files


# --- reading ---------------------------------------------------------------------------------

@dataclass
class _FileRows:
    """The rows of one file that passed every check, in contract column order."""
    frame: pd.DataFrame
    bad: int
    shown: list[BadRow]
    total: int  # rows pandas saw plus rows with too many fields
    size: int = 0  # bytes of text read


class _Reader:
    def __init__(self, contract: Contract, data_dir: Path):
        self.contract = contract
        self.data_dir = data_dir
        fmt = contract.format
        self.delimiter = fmt.delimiter
        self.missing = list(fmt.missing_values)
        self.missing_set = frozenset(fmt.missing_values)
        kept = [c for c in contract.columns if c.type != IGNORE]
        self.kept = [c.name for c in kept]
        self.label = contract.label.column
        self.numeric = [c.name for c in kept if c.type == NUMERIC and c.name != self.label]
        # Parsed straight into categoricals: the label too (its values are class names), and
        # ignored columns, which cost least that way until they are dropped.
        self.categorical = [c.name for c in contract.columns
                            if c.type in (CATEGORICAL, IGNORE) or c.name == self.label]
        self.ids = [c.name for c in kept if c.type == ID]
        self.label_numeric = contract.column(self.label).type == NUMERIC
        self.declared = (frozenset(contract.label.classes)
                         if contract.label.classes is not None else None)

    def read(self, path: Path, block_bytes: int) -> Iterator[_FileRows]:
        """The file's good rows, in pieces of whole lines of about `block_bytes` each (so
        that no more than that of the file is in memory at once); nothing for a file with
        nothing in it (not even a header)."""
        name = path.relative_to(self.data_dir).as_posix()
        names: list[str] | None = None
        lines_before = 0
        for raw, first in self._pieces(path, name, block_bytes):
            if first:
                if not raw.strip():
                    continue
                names, body_start = self._header(raw, name)
            elif names is None or not raw.strip():
                continue
            else:
                body_start = 0
            yield self._read_piece(raw, name, names, body_start, lines_before)
            lines_before += raw.count(b"\n")

    def _read_piece(self, raw: bytes, name: str, names: list[str], body_start: int,
                    lines_before: int) -> _FileRows:
        """`raw`: whole lines of the file, after `lines_before` lines; the header is in the first."""
        width = len(names)
        try:
            frame, too_many = self._parse(raw, name, names, body_start, numbers_as_text=False)
            text_numbers = False
        except ValueError:  # a numeric cell pandas cannot read as a number: find it
            frame, too_many = self._parse(raw, name, names, body_start, numbers_as_text=True)
            text_numbers = True
        too_many = [(line + lines_before, expected, saw) for line, expected, saw in too_many]
        short = frame[names[-1]].isna().to_numpy()
        frame = frame[self.kept]

        problems = _Problems(len(frame))
        # pandas trims leading blanks only; trailing ones are trimmed on the few distinct
        # values of a categorical, and on id values.
        for column in self.kept:
            if column in self.categorical:
                frame[column] = _clean_levels(frame[column].array, self.missing_set)
            elif column in self.ids:
                frame[column] = _clean_text(frame[column], self.missing_set)
        self._check_numbers(frame, text_numbers, problems)
        labels = frame[self.label]
        problems.add(labels.isna().to_numpy(), self.label, lambda i: "label is missing")
        if self.label_numeric:
            spelling = _canonical_numbers(labels.array.categories)
            not_numbers = [level for level, text in spelling.items() if text is None]
            problems.add(labels.isin(not_numbers).to_numpy(), self.label,
                         lambda i, raw=labels: f"{raw.iloc[i]!r} is not a number")
            frame[self.label] = labels = pd.Series(_recode(labels.array, spelling),
                                                   index=labels.index)
        if self.declared is not None:
            outside = (~labels.isin(self.declared) & labels.notna()).to_numpy()
            listed = ", ".join(self.contract.label.classes)
            problems.add(outside, self.label,
                         lambda i, raw=labels: f"{raw.iloc[i]!r} is not one of the classes ({listed})")

        lines = None
        if short.any() or problems.any() or too_many:
            lines = _RowLines(raw, body_start, too_many, lines_before)
            if short.any():
                # Candidates only: a row whose last field is absent or missing. Its raw line
                # tells the two apart (pandas fills absent fields with NaN as well).
                wrong = np.zeros(len(frame), bool)
                counts: dict[int, int] = {}
                for row in np.flatnonzero(short):
                    got = lines.field_count(int(row), self.delimiter)
                    if got is not None and got != width:
                        wrong[row] = True
                        counts[int(row)] = got
                problems.add_first(wrong, None,
                                   lambda i: f"expected {width} fields, got {counts[i]}")
        bad_mask = problems.mask
        shown: list[BadRow] = []
        if lines is not None:
            shown = [BadRow(name, line, None, f"expected {expected} fields, got {saw}")
                     for line, expected, saw in too_many]
            for row in np.flatnonzero(bad_mask)[:SHOWN_BAD_ROWS]:
                column, reason = problems.first(int(row))
                shown.append(BadRow(name, lines.line_of(int(row)), column, reason))
            shown.sort(key=lambda b: b.line)
            shown = shown[:SHOWN_BAD_ROWS]
        kept = frame[~bad_mask] if bad_mask.any() else frame
        bad = int(bad_mask.sum()) + len(too_many)
        return _FileRows(kept, bad, shown, len(frame) + len(too_many), len(raw))

    def _pieces(self, path: Path, name: str, block_bytes: int) -> Iterator[tuple[bytes, bool]]:
        """(whole lines, is the first piece) of the file, decompressed, without a BOM. A piece
        ends at a line break outside quotes, so a quoted field with line breaks stays whole."""
        try:
            handle = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
        except OSError as err:
            raise PreprocessError(f"{name}: cannot open: {err}") from None
        with handle:
            rest = b""
            first = True
            while True:
                try:
                    chunk = handle.read(block_bytes)
                except (OSError, EOFError) as err:
                    what = "not a valid gzip file" if path.suffix == ".gz" else "cannot read"
                    raise PreprocessError(f"{name}: {what}: {err}") from None
                data = rest + chunk
                if first and data.startswith(b"\xef\xbb\xbf"):
                    data = data[3:]
                cut = _line_end_outside_quotes(data) if chunk else len(data)
                if cut <= 0 and chunk:
                    rest = data  # no complete line yet: read on
                    continue
                rest = data[cut:]
                yield data[:cut], first
                first = False
                if not chunk:
                    return

    def _header(self, raw: bytes, name: str) -> tuple[list[str], int]:
        contract = self.contract
        if not contract.format.header:
            return contract.names, 0
        end = raw.find(b"\n")
        first = raw if end < 0 else raw[:end]
        try:
            text = first.decode("utf-8")
        except UnicodeDecodeError as err:
            raise PreprocessError(f"{name}:1: header is not UTF-8 text: {err}") from None
        fields = [f.strip() for f in next(csv.reader([text.rstrip("\r")],
                                                      delimiter=self.delimiter), [])]
        seen: set[str] = set()
        for field_name in fields:
            if field_name in seen:
                raise PreprocessError(f"{name}:1: header names column {field_name!r} twice")
            seen.add(field_name)
        expected = contract.names
        missing = [c for c in expected if c not in seen]
        unexpected = [f for f in fields if f not in set(expected)]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if unexpected:
                parts.append(f"not in the contract: {', '.join(unexpected)}")
            raise PreprocessError(
                f"{name}:1: header does not match {contract.source} ({'; '.join(parts)})"
            )
        return fields, (len(raw) if end < 0 else end + 1)

    def _parse(self, raw: bytes, name: str, names: list[str], body_start: int,
               numbers_as_text: bool) -> tuple[pd.DataFrame, list[tuple[int, int, int]]]:
        dtype: dict[str, Any] = {c: str for c in names}
        dtype.update({c: "category" for c in self.categorical})
        if not numbers_as_text:
            dtype.update({c: "float64" for c in self.numeric})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            try:
                frame = pd.read_csv(
                    io.BytesIO(raw), sep=self.delimiter, header=None, names=names,
                    skiprows=1 if body_start else 0, dtype=dtype, na_values=self.missing,
                    keep_default_na=False, skipinitialspace=True, skip_blank_lines=True,
                    on_bad_lines="warn", encoding="utf-8", engine="c", index_col=False,
                )
            except (pd.errors.ParserError, UnicodeDecodeError) as err:
                raise PreprocessError(f"{name}: cannot parse: {err}") from None
            except pd.errors.EmptyDataError:
                frame = pd.DataFrame({c: pd.Series(dtype=object if dtype[c] is str else dtype[c])
                                      for c in names})
        too_many = [
            (int(line), int(expected), int(saw))
            for warning in caught
            for line, expected, saw in _TOO_MANY_FIELDS.findall(str(warning.message))
        ]
        return frame, too_many

    def _check_numbers(self, frame: pd.DataFrame, text_numbers: bool,
                       problems: "_Problems") -> None:
        for column in self.numeric:
            if text_numbers:
                text = _clean_text(frame[column], self.missing_set)
                numbers = pd.to_numeric(text, errors="coerce")
                frame[column] = numbers = numbers.astype(np.float64)
            else:
                numbers = frame[column]
                text = None
            values = numbers.to_numpy()
            bad = ~np.isfinite(values)
            if text is not None:
                bad &= text.notna().to_numpy()
            else:
                bad &= ~np.isnan(values)
            if bad.any():
                shown = text if text is not None else numbers
                problems.add(bad, column,
                             lambda i, shown=shown: f"{shown.iloc[i]!r} is not a number")


class _Problems:
    """Bad rows of one file and, per row, the first reason found (checks run in order)."""

    def __init__(self, rows: int):
        self.mask = np.zeros(rows, bool)
        self.reasons: list[tuple[np.ndarray, str | None, Any]] = []

    def add(self, bad: np.ndarray, column: str | None, reason) -> None:
        if bad.any():
            self.mask |= bad
            self.reasons.append((bad, column, reason))

    def add_first(self, bad: np.ndarray, column: str | None, reason) -> None:
        """A row-level problem: named before any cell problem of the same row."""
        if bad.any():
            self.mask |= bad
            self.reasons.insert(0, (bad, column, reason))

    def any(self) -> bool:
        return bool(self.mask.any())

    def first(self, row: int) -> tuple[str | None, str]:
        for bad, column, reason in self.reasons:
            if bad[row]:
                return column, reason(row)
        raise AssertionError(f"row {row} is not bad")


class _RowLines:
    """Maps frame rows back to physical lines (only built when a bad row must be named).

    pandas skips blank lines and the lines it reported as having too many fields; every other
    line after the header is one row. (A quoted field spanning lines shifts the numbers given
    to the rows after it: they count physical lines.)
    """

    def __init__(self, raw: bytes, body_start: int, too_many: list[tuple[int, int, int]],
                 lines_before: int = 0):
        skipped = {line for line, _, _ in too_many}
        first_line = lines_before + (2 if body_start else 1)
        self.raw_lines = raw[body_start:].split(b"\n")
        self.numbers: list[int] = []
        self.index: list[int] = []
        for offset, line in enumerate(self.raw_lines):
            number = first_line + offset
            if not line.strip(b" \t\r") or number in skipped:
                continue
            self.numbers.append(number)
            self.index.append(offset)

    def line_of(self, row: int) -> int:
        return self.numbers[row] if row < len(self.numbers) else -1

    def field_count(self, row: int, delimiter: str) -> int | None:
        if row >= len(self.index):
            return None
        text = self.raw_lines[self.index[row]].decode("utf-8", errors="replace").rstrip("\r")
        return len(next(csv.reader([text], delimiter=delimiter, skipinitialspace=True), []))


def _line_end_outside_quotes(data: bytes) -> int:
    """Just past the last line break of `data` that is not inside a quoted field (`data`
    starts outside quotes); 0 when there is none."""
    end = data.rfind(b"\n")
    while end >= 0 and data.count(b'"', 0, end) % 2:
        end = data.rfind(b"\n", 0, end)
    return end + 1


def _clean_text(values: pd.Series, missing: frozenset[str]) -> pd.Series:
    """Text cells trimmed, missing markers (also once trimmed) as NaN."""
    stripped = values.str.strip()
    return stripped.where(~stripped.isin(missing))


def _clean_levels(values: pd.Categorical, missing: frozenset[str]) -> pd.Categorical:
    """Trim the levels (not the rows) of a categorical; a level that trims to another level is
    merged with it, one that trims to a missing marker becomes missing."""
    levels = [str(level) for level in values.categories]
    trimmed = [level.strip() for level in levels]
    if trimmed == levels and not missing.intersection(levels):
        return values
    return _recode(values, {level: (None if text in missing else text)
                            for level, text in zip(levels, trimmed)})


def _recode(values: pd.Categorical, spelling: dict[str, str | None]) -> pd.Categorical:
    """Rename the levels of a categorical through `spelling` (None: missing), merging levels
    that get the same name; works on codes, so its cost does not grow with the rows."""
    targets = sorted({text for text in spelling.values() if text is not None})
    position = {text: code for code, text in enumerate(targets)}
    table = np.array([-1 if spelling[str(level)] is None else position[spelling[str(level)]]
                      for level in values.categories] + [-1], dtype=np.int64)
    return pd.Categorical.from_codes(table[values.codes], categories=targets)


def _canonical_numbers(levels) -> dict[str, str | None]:
    """Numeric label levels -> one spelling per number ("1", "1.0" and "1e0" are one class);
    None for a level that is not a number."""
    spelling: dict[str, str | None] = {}
    for level in map(str, levels):
        try:
            number = float(level)
        except ValueError:
            number = math.nan
        spelling[level] = _number_text(number) if math.isfinite(number) else None
    return spelling


def _number_text(number: float) -> str:
    return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)


# --- the job -----------------------------------------------------------------------------------

def preprocess(
    contract: Contract,
    data_dir: Path,
    out: ProcessingPaths,
    ratios: SplitRatios = SplitRatios(),
    seed: int = 42,
    baseline_rows: int = 1000,
    max_bad_fraction: float = 0.01,
    clarify_instance_type: str | None = None,
    train_shards: int = DEFAULT_TRAIN_SHARDS,
    instance: Instance | None = None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> PreprocessResult:
    """`instance`: this job's share of a multi-instance job (see `Instance`); None for one.
    `block_bytes`: how much raw text is split at once (see `_Blocks`).
    `clarify_instance_type`: the Clarify documents' shadow endpoint instance type; None (the
    pipeline's native explainability mode) writes no Clarify documents."""
    instance = instance or Instance(0, 1)
    if instance.count > 1 and data_dir.is_dir() and not any(p.is_file() for p in data_dir.rglob("*")):
        raise PreprocessError(
            f"instance {instance.index} of {instance.count} received no data file: the raw data "
            f"prefix must hold at least as many files as ProcessingInstanceCount"
        )
    files = data_files(data_dir)
    writer = _SplitWriter()
    outputs = (*SPLITS, "baseline", *(("clarify",) if clarify_instance_type else ()))
    new_dirs = [d for d in map(out.dir, outputs) if not d.exists()]
    try:
        return _Blocks(contract, out, ratios, seed, baseline_rows, max_bad_fraction,
                       clarify_instance_type, train_shards, instance, writer).run(
            files, _Reader(contract, data_dir), block_bytes)
    except BaseException:
        writer.remove()  # nothing half-written
        for directory in new_dirs:
            shutil.rmtree(directory, ignore_errors=True)
        raise


class _SplitWriter:
    """Appends rows to split files, the header once, and remembers what it wrote."""

    def __init__(self) -> None:
        self.written: list[Path] = []

    def write(self, path: Path, header: list[str] | None,
              columns: list[tuple[list[str], np.ndarray]], idx: np.ndarray, quote: bool) -> None:
        new = path not in self.written
        _write_csv(path, header if new else None, columns, idx, quote, append=not new)
        if new:
            self.written.append(path)

    def remove(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)


class _Blocks:
    """Splits the rows block by block, so that memory holds one block (about `block_bytes` of
    raw text and what pandas makes of it) whatever the size of the input.

    Each block is split on its own (stratified, its own random stream) and appended to the
    split files; what must hold over all rows is gathered as the blocks go: the counts, the
    bad rows, which features have a value, the category levels of the training rows (merged
    as `Dataset.merge` merges the instances'). The classes are those of the first block; a
    block with another class fails, asking for `label.classes` in the contract. The Clarify
    baseline sample and the SHAP baseline record come from the first block. An input of one
    block (256 MiB of text by default) is split exactly as if it were read whole.
    """

    def __init__(self, contract: Contract, out: ProcessingPaths, ratios: SplitRatios, seed: int,
                 baseline_rows: int, max_bad_fraction: float, clarify_instance_type: str | None,
                 train_shards: int, instance: Instance, writer: _SplitWriter):
        self.contract = contract
        self.out = out
        self.ratios = ratios
        self.seed = seed
        self.baseline_rows = baseline_rows
        self.max_bad_fraction = max_bad_fraction
        self.clarify_instance_type = clarify_instance_type
        self.train_shards = train_shards
        self.instance = instance
        self.writer = writer
        self.total = 0
        self.bad = 0
        self.shown: list[BadRow] = []
        self.kept = 0
        self.classes: list[str] | None = None
        self.with_values: set[str] = set()
        self.datasets: list[Dataset] = []
        self.split_class_counts: dict[str, np.ndarray] = {}
        self.baseline_rows_written = 0
        self.shap_baseline: list[Any] = []

    def run(self, files: list[Path], reader: _Reader, block_bytes: int) -> PreprocessResult:
        block: list[_FileRows] = []
        for path in files:
            for piece in reader.read(path, block_bytes):
                block.append(piece)
                if sum(p.size for p in block) >= block_bytes:
                    self._block(block)
                    block = []
        if block or not self.total:
            self._block(block)
        if not self.kept:
            raise PreprocessError(f"no rows in {', '.join(str(f) for f in files)}")
        return self._finish()

    def _block(self, parts: list[_FileRows]) -> None:
        contract = self.contract
        self.total += sum(p.total for p in parts)
        self.bad += sum(p.bad for p in parts)
        self.shown = (self.shown + [b for p in parts for b in p.shown])[:SHOWN_BAD_ROWS]
        # Checked on the rows read so far: a file that bad is the wrong file, found early.
        if self.bad and self.bad > self.max_bad_fraction * self.total:
            first = "; ".join(str(b) for b in self.shown[:5])
            raise PreprocessError(
                f"{self.bad} of {self.total} rows are malformed (more than "
                f"{self.max_bad_fraction:.1%}); first: {first}"
            )
        parts = [p for p in parts if len(p.frame)]
        if not parts:
            return
        frame = _concat([p.frame for p in parts])
        number = len(self.datasets)
        classes, codes = _label_codes(contract, frame[contract.label.column], self.classes)
        self.classes = classes

        rng = np.random.default_rng(self.seed if number == 0 else [self.seed, number])
        ratios = self.ratios
        train_idx, validation_idx, test_idx = stratified_split(
            np.arange(len(frame)), codes, (ratios.train, ratios.validation, ratios.test), rng
        )
        baseline_idx = test_idx
        if number == 0 and self.baseline_rows < len(test_idx):
            share = self.baseline_rows / len(test_idx)
            baseline_idx, _ = stratified_split(test_idx, codes[test_idx], (share, 1 - share), rng)

        columns = _Columns(contract, frame, train_idx)
        self.with_values.update(f.name for f in contract.features if not columns.all_missing(f.name))
        split_idx = dict(zip(SPLITS, (train_idx, validation_idx, test_idx)))
        dataset = Dataset(
            name=contract.name,
            contract=contract.to_dict(),
            task=BINARY if contract.label.task == BINARY else MULTICLASS,
            label=contract.label.column,
            classes=tuple(classes),
            features=tuple(columns.features),
            ids=tuple(contract.ids),
            missing_values=contract.format.missing_values,
            rows={name: len(idx) for name, idx in split_idx.items()},
        )
        self.datasets.append(dataset)
        self.kept += len(frame)
        label_column = ([str(code) for code in range(len(classes))], codes)
        split_columns = [label_column, *columns.text(dataset.feature_names + list(dataset.ids))]
        quote = columns.need_quotes(dataset.feature_names + list(dataset.ids))
        for name, idx in split_idx.items():
            directory = self.out.dir(name)
            for path, part in split_files(name, idx, self.train_shards, self.instance):
                self.writer.write(directory / path, dataset.columns, split_columns, part, quote)
            counts = np.bincount(codes[idx], minlength=len(classes))
            self.split_class_counts[name] = self.split_class_counts.get(name, 0) + counts
        if number == 0 and self.instance.is_leader:
            # Clarify reads the baseline without a header: label first, then features (no ids).
            self.writer.write(self.out.dir("baseline") / "baseline.csv", None,
                              split_columns[:1 + len(dataset.features)], baseline_idx,
                              columns.need_quotes(dataset.feature_names))
            self.baseline_rows_written = len(baseline_idx)
            # A feature without any value here fails the job in _finish, if not in a later block.
            self.shap_baseline = [None if columns.all_missing(name) else columns.typical(name)
                                  for name in dataset.feature_names]

    def _check_values(self) -> None:
        for feature in self.contract.features:
            if feature.name not in self.with_values:
                raise PreprocessError(
                    f"feature column {feature.name!r} has no value in any row; "
                    f"mark it ignore in {self.contract.source}"
                )

    def _finish(self) -> PreprocessResult:
        """Checks of all the rows (a failure removes what the blocks wrote), then what is
        written once: the dataset descriptions and the Clarify documents."""
        totals = sum(self.split_class_counts.values())
        for code, name in enumerate(self.classes):
            if totals[code] < MIN_ROWS_PER_CLASS:
                raise PreprocessError(
                    f"need at least {MIN_ROWS_PER_CLASS} rows of class {name!r} to stratify, "
                    f"got {int(totals[code])}"
                )
        self._check_values()
        dataset = (self.datasets[0] if len(self.datasets) == 1
                   else Dataset.merge(self.datasets, "the blocks of the input"))
        result = PreprocessResult(rows=self.kept, bad_rows=self.bad, shown_bad_rows=self.shown,
                                  dataset=dataset)
        for name in SPLITS:
            path = dataset.save(self.out.dir(name), self.instance.dataset_file)
            self.writer.written.append(path)
            result.split_rows[name] = dataset.rows[name]
            result.split_class_counts[name] = self.split_class_counts[name].tolist()
        if not self.instance.is_leader:
            return result
        result.baseline_rows = self.baseline_rows_written
        if self.clarify_instance_type is None:
            return result
        documents = clarify.analysis_documents(dataset, self.contract, self.shap_baseline,
                                               self.clarify_instance_type)
        for relative, document in documents.items():
            path = self.out.dir("clarify") / relative
            clarify.write(path, document)
            self.writer.written.append(path)
        result.clarify_documents = sorted(documents)
        return result


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows of every file; categoricals keep being categoricals (over the union of levels)."""
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    columns: dict[str, Any] = {}
    for name in frames[0].columns:
        parts = [frame[name] for frame in frames]
        if isinstance(parts[0].dtype, pd.CategoricalDtype):
            columns[name] = union_categoricals([p.array for p in parts], sort_categories=True)
        else:
            columns[name] = np.concatenate([p.to_numpy() for p in parts])
    return pd.DataFrame(columns)


def stratified_split(rows: np.ndarray, codes: np.ndarray, fractions: tuple[float, ...],
                     rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffle each class's rows and cut them in the given fractions (largest remainders get
    the leftover rows), so every part holds every class in the same proportion, to one row.

    What scikit-learn's stratified `train_test_split` does, in a few array operations: on a
    million rows, importing `sklearn.model_selection` alone took a quarter of the job.
    """
    order = rng.permutation(len(rows))
    grouped = order[np.argsort(codes[order], kind="stable")]  # by class, shuffled within
    counts = np.bincount(codes, minlength=1)
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    start = 0
    for count in counts:
        members = grouped[start:start + count]
        start += count
        wanted = np.array(fractions) * count
        sizes = np.floor(wanted).astype(np.int64)
        leftover = count - int(sizes.sum())
        sizes[np.argsort(sizes - wanted, kind="stable")[:leftover]] += 1
        edges = np.concatenate(([0], np.cumsum(sizes)))
        for part, (begin, end) in zip(parts, zip(edges[:-1], edges[1:])):
            part.append(members[begin:end])
    # Shuffled again so the classes interleave in each part.
    return [rows[rng.permutation(np.concatenate(part))] for part in parts]


def _label_codes(contract: Contract, labels: pd.Series,
                 known: list[str] | None = None) -> tuple[list[str], np.ndarray]:
    """Classes in code order and each row's code. Binary: [negative, positive]. With `known`
    (the classes of an earlier block), the codes of those classes."""
    label = contract.label
    levels = labels.array.remove_unused_categories()
    present = [str(v) for v in levels.categories]
    if known is not None:
        other = [v for v in present if v not in known]
        if other:
            raise PreprocessError(
                f"column {label.column!r} holds {', '.join(map(repr, other[:5]))} after the "
                f"first block of rows, which held only the classes {', '.join(known)}; declare "
                f"label.classes (or label.positive) in {contract.source}"
            )
        lookup = {name: code for code, name in enumerate(known)}
        codes = np.array([lookup[v] for v in present], dtype=np.int64)[levels.codes]
        return list(known), codes
    numeric = contract.column(label.column).type == NUMERIC
    shown = ", ".join(present[:10]) + (", ..." if len(present) > 10 else "")
    if label.task == BINARY:
        positive = _number_text(float(label.positive)) if numeric else label.positive
        if positive not in present:
            raise PreprocessError(
                f"{contract.source}: label.positive {label.positive!r} does not occur in column "
                f"{label.column!r} (values: {shown})"
            )
        if len(present) != 2:
            raise PreprocessError(
                f"column {label.column!r} has {len(present)} distinct values ({shown}); "
                f"a binary label (label.positive) needs exactly two"
            )
        negative = next(v for v in present if v != positive)
        positive_code = present.index(positive)
        return [negative, positive], (levels.codes == positive_code).astype(np.int64)
    if label.classes is not None:
        classes = list(label.classes)
        if numeric:
            classes = [_number_text(float(c)) for c in classes]
        absent = [c for c in classes if c not in present]
        if absent:
            raise PreprocessError(
                f"{contract.source}: label.classes {', '.join(map(repr, absent))} never occur in "
                f"column {label.column!r} (values: {shown})"
            )
    else:
        classes = sorted(present, key=float) if numeric else sorted(present)
        if len(classes) < 3:
            raise PreprocessError(
                f"column {label.column!r} has {len(classes)} distinct value(s) ({shown}); "
                f"declare label.positive in {contract.source} for a binary label"
            )
    lookup = {name: code for code, name in enumerate(classes)}
    codes = np.array([lookup[str(v)] for v in levels.categories], dtype=np.int64)[levels.codes]
    return classes, codes


class _Columns:
    """The kept columns as categoricals or floats, and their text for the output files.

    Text is made once per distinct value and then taken by index, so writing a million rows
    formats a few hundred numbers, not a million.
    """

    def __init__(self, contract: Contract, frame: pd.DataFrame, train_idx: np.ndarray):
        self.contract = contract
        self.frame = frame
        self.kinds = {c.name: c.type for c in contract.columns}
        self.categoricals: dict[str, pd.Categorical] = {}
        self.features: list[DatasetFeature] = []
        for column in contract.features:
            values = frame[column.name]
            if column.type == CATEGORICAL:
                cat = values.array
                self.categoricals[column.name] = cat
                in_train = np.unique(cat.codes[train_idx])
                levels = sorted(str(cat.categories[c]) for c in in_train if c >= 0)
                self.features.append(DatasetFeature(column.name, CATEGORICAL, tuple(levels)))
            else:
                self.features.append(DatasetFeature(column.name, NUMERIC))

    def all_missing(self, name: str) -> bool:
        return bool(self.frame[name].isna().all())

    def need_quotes(self, names: list[str]) -> bool:
        """Whether any value of these columns holds a comma, quote or line break."""
        for name in names:
            kind = self.kinds[name]
            if kind == NUMERIC:
                continue
            values = (self.categoricals[name].categories if kind == CATEGORICAL
                      else self.frame[name].dropna().unique())
            if any(_QUOTED.search(str(v)) for v in values):
                return True
        return False

    def text(self, names: list[str]) -> list[tuple[list[str], np.ndarray]]:
        return [self._text(name) for name in names]

    def _text(self, name: str) -> tuple[list[str], np.ndarray]:
        """(texts, codes): row i reads texts[codes[i]]; code -1 reads the trailing "", which
        is how a missing value is written."""
        kind = self.kinds[name]
        if kind == CATEGORICAL:
            cat = self.categoricals[name]
            return [*map(str, cat.categories), ""], cat.codes
        if kind == ID:
            return self.frame[name].fillna("").tolist(), np.arange(len(self.frame))
        values = self.frame[name].to_numpy(dtype=np.float64)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return [*map(_number_text, uniques.tolist()), ""], codes

    def typical(self, name: str) -> Any:
        """SHAP baseline value: the median of a numeric feature, the most frequent level of a
        categorical one (ties: the first in level order), missing values not counted."""
        if self.kinds[name] == CATEGORICAL:
            cat = self.categoricals[name]
            counts = np.bincount(cat.codes[cat.codes >= 0], minlength=len(cat.categories))
            return str(cat.categories[int(np.argmax(counts))])
        median = float(np.nanmedian(self.frame[name].to_numpy(dtype=np.float64)))
        return int(median) if median.is_integer() and abs(median) < 2**53 else median


def split_files(name: str, idx: np.ndarray, train_shards: int,
                instance: "Instance | None" = None) -> list[tuple[str, np.ndarray]]:
    """(file name, rows) of one split: the training split in consecutive, equal parts (never
    an empty one), the others in one file. Every instance of a multi-instance job writes its
    own files, named after its index, and as many training parts as a single one would."""
    tag = "" if instance is None or instance.count == 1 else f"-{instance.index:05d}"
    if name != "train":
        return [(f"{name}{tag}.csv", idx)]
    parts = np.array_split(idx, max(1, min(train_shards, len(idx))))
    return [(f"part{tag}-{number:05d}.csv", part) for number, part in enumerate(parts)]


def _write_csv(path: Path, header: list[str] | None,
               columns: list[tuple[list[str], np.ndarray]], idx: np.ndarray, quote: bool,
               append: bool = False) -> None:
    """Comma-separated, `\\n` line ends; the csv module (quoting) only when a value needs it.

    Each cell is a list lookup by code, in C (`map`): no per-column arrays of a million
    strings are built, and short texts are shared.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not quote:
        columns = _merge_columns(columns)
    rows = zip(*(map(texts.__getitem__, codes[idx].tolist()) for texts, codes in columns))
    with open(path, "a" if append else "w", encoding="utf-8", newline="") as handle:
        if quote:
            writer = csv.writer(handle, lineterminator="\n")
            if header:
                writer.writerow(header)
            writer.writerows(rows)
            return
        if header:
            handle.write(",".join(header) + "\n")
        if len(idx):
            handle.write("\n".join(map(",".join, rows)))
            handle.write("\n")


MERGED_TEXTS_LIMIT = 1 << 16


def _merge_columns(columns: list[tuple[list[str], np.ndarray]]) -> list[tuple[list[str], np.ndarray]]:
    """Adjacent columns with few distinct texts become one: the texts of every combination,
    joined by commas, indexed by a combined code computed with array arithmetic. Joining a row
    then handles a handful of pieces instead of one per column (values hold no comma here)."""
    merged: list[tuple[list[str], np.ndarray]] = []
    for texts, codes in columns:
        codes = np.where(codes < 0, len(texts) - 1, codes).astype(np.int64)
        if merged and len(merged[-1][0]) * len(texts) <= MERGED_TEXTS_LIMIT:
            left, left_codes = merged[-1]
            merged[-1] = ([f"{a},{b}" for a in left for b in texts],
                          left_codes * len(texts) + codes)
        else:
            merged.append((texts, codes))
    return merged
