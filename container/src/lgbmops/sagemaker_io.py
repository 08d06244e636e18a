"""Files the jobs exchange with SageMaker: channels, hyperparameters, model and failure files."""
from __future__ import annotations

import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .contract import NUMERIC
from .dataset import Dataset
from .errors import LgbmopsError
from .hyperparameters import HyperparameterError, Hyperparameters, parse_hyperparameters

CSV_SUFFIXES = (".csv",)


class InputError(LgbmopsError):
    """An input file or channel is missing or malformed; the message names it."""


@dataclass(frozen=True)
class LabelledData:
    labels: np.ndarray  # class codes 0..K-1
    features: pd.DataFrame  # as pandas parsed them; NaN = missing
    source: str  # names the data in messages


def read_hyperparameters(path: Path) -> Hyperparameters:
    """SageMaker always writes the file (`{}` when none are set); a local run may omit it."""
    if not path.exists():
        return Hyperparameters()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise HyperparameterError(f"{path} is not valid JSON: {err}") from None
    return parse_hyperparameters(raw)


def channel_files(directory: Path, suffixes: tuple[str, ...] = CSV_SUFFIXES) -> list[Path]:
    """The data files of a channel (SageMaker may deliver several shards), in name order."""
    if not directory.is_dir():
        raise InputError(f"channel directory {directory} does not exist")
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in suffixes)
    if not files:
        raise InputError(f"no {'/'.join(suffixes)} file in {directory}")
    return files


def read_labelled_csv(paths: list[Path], dataset: Dataset, source: str) -> LabelledData:
    """Read split CSVs as preprocess wrote them: header `dataset.columns`, the label first as
    its class code, an empty field for a missing value. Each column gets the type dataset.json
    gives it, so a category such as "007" stays text."""
    names = dataset.columns
    dtype: dict[str, Any] = {name: str for name in names}
    dtype.update({f.name: np.float64 for f in dataset.features if f.type == NUMERIC})
    dtype[dataset.label] = str
    frames = []
    for path in paths:
        try:
            frame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=[""])
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
                ValueError) as err:
            raise InputError(f"{path}: {err}") from None
        columns = list(frame.columns)
        if columns != names:
            raise InputError(
                f"{path}: header {columns} differs from dataset.json's columns {names}"
            )
        codes = pd.to_numeric(frame[dataset.label], errors="coerce")
        bad = ~codes.isin(range(len(dataset.classes)))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{path}: line {row + 2}: label {frame[dataset.label].iloc[row]!r} is not a "
                f"class code 0..{len(dataset.classes) - 1}"
            )
        frame[dataset.label] = codes
        frames.append(frame)
    data = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if data.empty:
        raise InputError(f"{', '.join(map(str, paths))}: no data rows")
    return LabelledData(
        data[dataset.label].to_numpy(dtype=np.int32), data[dataset.feature_names], source
    )


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_failure(path: Path, message: str) -> None:
    """SageMaker shows the first 1 KB of this file as the job's failure reason."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(message + "\n", encoding="utf-8")


def replace_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def extract_model(tarball: Path, destination: Path) -> Path:
    """Unpack `model.tar.gz` (as SageMaker writes it) into `destination`."""
    if not tarball.is_file():
        raise InputError(f"model archive {tarball} does not exist")
    destination.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            archive.extractall(destination, filter="data")
    except (tarfile.TarError, OSError) as err:
        raise InputError(f"{tarball}: cannot unpack: {err}") from None
    return destination
