"""The image's entry points: `preprocess`, `train`, `evaluate`, `serve`.

Each one reads its arguments and SageMaker's files, calls a pure function, and writes results.
Any failure ends with the reason in SageMaker's failure file and a non-zero exit status.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable, Sequence

from . import census, paths
from .errors import LgbmopsError
from .sagemaker_io import write_failure

log = logging.getLogger("lgbmops")

# Errors whose message is the whole story; anything else is a bug and gets a traceback too.
EXPECTED_ERRORS = (LgbmopsError, OSError)
MAX_SHOWN_BAD_LINES = 20


class UsageError(LgbmopsError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit(2) without a failure file
        raise UsageError(f"{self.prog}: {message}")


def _setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _run(job: Callable[[], None], failure_file: Callable[[], Path]) -> int:
    _setup_logging()
    try:
        job()
        return 0
    except EXPECTED_ERRORS as err:
        reason = str(err)
        log.error("%s", reason)
    except Exception as err:  # noqa: BLE001 - the job must report whatever went wrong
        reason = f"{type(err).__name__}: {err}"
        log.error("%s\n%s", reason, traceback.format_exc())
    try:
        write_failure(failure_file(), reason)
    except OSError as err:
        log.error("cannot write failure file: %s", err)
    return 1


def _print_metrics(prefix: str, metrics: dict[str, float | int]) -> None:
    # One `name=value` per line, plain decimals: the tuner's regex is `validation_f1=([0-9\.]+)`.
    for name, value in metrics.items():
        text = str(value) if isinstance(value, int) else f"{value:.6f}"
        print(f"{prefix}{name}={text}", flush=True)


# --- preprocess -------------------------------------------------------------------------------

def preprocess_main(argv: Sequence[str] | None = None) -> int:
    def job() -> None:
        from .preprocess import RAW_SUFFIXES, SplitRatios, preprocess
        from .sagemaker_io import channel_files

        parser = _Parser(prog="preprocess", description="census CSV -> stratified splits")
        parser.add_argument("--train-ratio", type=float, default=0.7)
        parser.add_argument("--validation-ratio", type=float, default=0.15)
        parser.add_argument("--test-ratio", type=float, default=0.15)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--baseline-rows", type=int, default=1000)
        parser.add_argument("--max-bad-fraction", type=float, default=0.01)
        args = parser.parse_args(argv)
        ratios = SplitRatios(args.train_ratio, args.validation_ratio, args.test_ratio)
        if args.baseline_rows < 1:
            raise UsageError(f"--baseline-rows must be >= 1, got {args.baseline_rows}")
        out = paths.processing_paths()
        files = channel_files(out.input_dir, RAW_SUFFIXES)
        result = preprocess(
            files, out, ratios, args.seed, args.baseline_rows, args.max_bad_fraction
        )
        for bad in result.bad_lines[:MAX_SHOWN_BAD_LINES]:
            log.warning("dropped malformed line %s", bad)
        if len(result.bad_lines) > MAX_SHOWN_BAD_LINES:
            log.warning("... and %d more", len(result.bad_lines) - MAX_SHOWN_BAD_LINES)
        print(f"rows={result.rows}", flush=True)
        print(f"dropped_lines={len(result.bad_lines)}", flush=True)
        for name, rows in result.split_rows.items():
            rate = result.split_positive_rate[name]
            print(f"{name}_rows={rows}\n{name}_positive_rate={rate:.4f}", flush=True)
        print(f"baseline_rows={result.baseline_rows}", flush=True)

    return _run(job, lambda: paths.processing_paths().failure_file)


# --- train ------------------------------------------------------------------------------------

def train_main(argv: Sequence[str] | None = None) -> int:
    def job() -> None:
        import os

        from .sagemaker_io import channel_files, read_hyperparameters, read_labelled_csv
        from .model import save_model
        from .train import train

        _Parser(prog="train", description="train on the train/validation channels").parse_args(argv)
        where = paths.training_paths()
        hp = read_hyperparameters(where.hyperparameters)
        log.info("hyperparameters: %s", hp)
        data = {
            channel: read_labelled_csv(
                channel_files(where.channel(channel)), census.LABEL, f"channel {channel}"
            )
            for channel in ("train", "validation")
        }
        every = int(os.environ.get(paths.CHECKPOINT_EVERY_ENV, paths.DEFAULT_CHECKPOINT_EVERY))
        started = time.perf_counter()
        result = train(
            hp, data["train"], data["validation"], where.checkpoint_dir, checkpoint_every=every
        )
        seconds = time.perf_counter() - started
        save_model(
            result.booster, result.best_iteration, result.schema, result.metrics, where.model_dir
        )
        _print_metrics("", {**result.metrics, "train_seconds": seconds})

    return _run(job, lambda: paths.training_paths().failure_file)


# --- evaluate ---------------------------------------------------------------------------------

def evaluate_main(argv: Sequence[str] | None = None) -> int:
    def job() -> None:
        from .evaluate import evaluate, evaluation_report
        from .model import load_model
        from .sagemaker_io import channel_files, extract_model, read_labelled_csv, write_json

        _Parser(prog="evaluate", description="score the test split").parse_args(argv)
        where = paths.processing_paths()
        with tempfile.TemporaryDirectory(prefix="model-") as tmp:
            booster, schema = load_model(extract_model(where.model_tarball, Path(tmp)))
        test = read_labelled_csv(channel_files(where.dir("test")), schema.label, "test split")
        scores = evaluate(booster, schema, test)
        write_json(where.evaluation_file, evaluation_report(scores))
        _print_metrics("test_", {
            k: v for k, v in scores.as_dict().items()
            if k in ("f1", "precision", "recall", "accuracy", "auc")
        })

    return _run(job, lambda: paths.processing_paths().failure_file)


# --- serve ------------------------------------------------------------------------------------

def serve_main(argv: Sequence[str] | None = None) -> int:
    _setup_logging()
    from .serving.server import ServerConfig, run

    parser = argparse.ArgumentParser(prog="serve", description="SageMaker inference server")
    parser.add_argument("--host", help=f"default: ${paths.BIND_HOST_ENV} or 0.0.0.0")
    parser.add_argument("--port", type=int, help=f"default: ${paths.PORT_ENV} or 8080")
    parser.add_argument("--workers", type=int, help=f"default: ${paths.WORKERS_ENV} or cores")
    parser.add_argument("--model-dir", type=Path, help="default: /opt/ml/model")
    args = parser.parse_args(argv)
    try:
        config = ServerConfig.from_environment(
            host=args.host, port=args.port, workers=args.workers, model_dir=args.model_dir
        )
        return run(config)
    except (LgbmopsError, OSError, ValueError) as err:
        log.error("cannot serve: %s", err)
        return 1
