"""The image's entry points: `preprocess`, `train`, `evaluate`, `explain`, `select`, `monitor`, `serve`.

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
from typing import TYPE_CHECKING, Callable, Sequence

from . import paths
from .errors import LgbmopsError
from .sagemaker_io import write_failure

if TYPE_CHECKING:
    from .distributed import Cluster

log = logging.getLogger("lgbmops")

# Errors whose message is the whole story; anything else is a bug and gets a traceback too.
EXPECTED_ERRORS = (LgbmopsError, OSError)


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
        from .clarify import check_instance_type
        from .contract import load_contract
        from .distributed import read_cluster
        from .preprocess import (
            DEFAULT_BLOCK_BYTES, DEFAULT_TRAIN_SHARDS, Instance, SplitRatios, preprocess,
        )

        parser = _Parser(prog="preprocess",
                         description="raw files + dataset contract -> stratified splits")
        parser.add_argument("--train-ratio", type=float, default=0.7)
        parser.add_argument("--validation-ratio", type=float, default=0.15)
        parser.add_argument("--test-ratio", type=float, default=0.15)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--baseline-rows", type=int, default=1000)
        parser.add_argument("--max-bad-fraction", type=float, default=0.01)
        # Only the clarify explainability mode passes it: then the Clarify documents are written.
        parser.add_argument("--clarify-instance-type", default=None,
                            help="write the SageMaker Clarify analysis documents for this "
                                 "shadow-endpoint instance type (clarify mode only)")
        parser.add_argument("--train-shards", type=int, default=DEFAULT_TRAIN_SHARDS)
        parser.add_argument("--block-mb", type=int, default=DEFAULT_BLOCK_BYTES >> 20,
                            help="raw text split at once; bounds the memory used")
        args = parser.parse_args(argv)
        ratios = SplitRatios(args.train_ratio, args.validation_ratio, args.test_ratio)
        if args.baseline_rows < 1:
            raise UsageError(f"--baseline-rows must be >= 1, got {args.baseline_rows}")
        if not 1 <= args.train_shards <= 100_000:
            raise UsageError(f"--train-shards must be in [1, 100000], got {args.train_shards}")
        if not 1 <= args.block_mb <= 65_536:
            raise UsageError(f"--block-mb must be in [1, 65536], got {args.block_mb}")
        if not 0 <= args.max_bad_fraction < 1:
            raise UsageError(f"--max-bad-fraction must be in [0, 1), got {args.max_bad_fraction}")
        instance_type = (None if args.clarify_instance_type is None
                         else check_instance_type(args.clarify_instance_type))
        out = paths.processing_paths()
        contract = load_contract(_the_contract(out.contract_input_dir))
        cluster = read_cluster(out.resource_config)
        if cluster.is_distributed:
            log.info("%s: preprocessing its share of the raw data", cluster.describe())
        result = preprocess(
            contract, out.data_input_dir, out, ratios, args.seed, args.baseline_rows,
            args.max_bad_fraction, instance_type, args.train_shards,
            Instance(cluster.rank, cluster.size), args.block_mb << 20,
        )
        for bad in result.shown_bad_rows:
            log.warning("dropped row %s", bad)
        if result.bad_rows > len(result.shown_bad_rows):
            log.warning("... and %d more", result.bad_rows - len(result.shown_bad_rows))
        dataset = result.dataset
        log.info("dataset %s: %s, classes %s", dataset.name, dataset.task, list(dataset.classes))
        print(f"rows={result.rows}", flush=True)
        print(f"dropped_lines={result.bad_rows}", flush=True)
        for name, rows in result.split_rows.items():
            counts = result.split_class_counts[name]
            print(f"{name}_rows={rows}", flush=True)
            print(f"{name}_class_counts={','.join(map(str, counts))}", flush=True)
            if dataset.task == "binary":
                print(f"{name}_positive_rate={counts[1] / rows:.4f}", flush=True)
        print(f"baseline_rows={result.baseline_rows}", flush=True)

    return _run(job, lambda: paths.processing_paths().failure_file)


# --- select -----------------------------------------------------------------------------------

def select_main(argv: Sequence[str] | None = None) -> int:
    def job() -> None:
        from .contract import load_contract
        from .select import Rule, check_bad_rows, select, write

        parser = _Parser(prog="select",
                         description="transform output -> the top rows by score and a summary")
        parser.add_argument("--top-k", type=int, default=0, help="most rows selected (0: no limit)")
        parser.add_argument("--min-score", type=float, default=0.0)
        parser.add_argument("--max-bad-row-fraction", type=float, default=0.0)
        args = parser.parse_args(argv)
        rule = Rule(args.top_k, args.min_score, args.max_bad_row_fraction)
        out = paths.processing_paths()
        contract = load_contract(_the_contract(out.contract_input_dir))
        result = select(contract, out.dir("input") / "scores", rule)
        for bad in result.shown_bad_rows:
            log.warning("row not scored: %s line %s: %s", bad["file"], bad["line"], bad["reason"])
        if result.bad_rows > len(result.shown_bad_rows):
            log.warning("... and %d more", result.bad_rows - len(result.shown_bad_rows))
        write(result, contract.ids, out.dir("selection"))
        print(f"rows_scored={result.rows_scored}", flush=True)
        print(f"bad_rows={result.bad_rows}", flush=True)
        print(f"rows_selected={len(result.selected)}", flush=True)
        check_bad_rows(result, rule)

    return _run(job, lambda: paths.processing_paths().failure_file)


def _the_contract(directory: Path) -> Path:
    from .contract import ContractError

    found = sorted(p for p in directory.glob("*.json") if p.is_file()) if directory.is_dir() else []
    if len(found) != 1:
        listed = ", ".join(p.name for p in found) or "none"
        raise ContractError(
            f"{directory}: expected exactly one dataset contract (*.json), found {listed}"
        )
    return found[0]


# --- train ------------------------------------------------------------------------------------

def train_main(argv: Sequence[str] | None = None) -> int:
    def job() -> None:
        from .distributed import read_cluster

        _Parser(prog="train", description="train on the train/validation channels").parse_args(argv)
        where = paths.training_paths()
        cluster = read_cluster(where.resource_config)
        if cluster.is_distributed:
            _train_distributed(where, cluster)
        else:
            _train(where)

    return _run(job, lambda: paths.training_paths().failure_file)


def _train(where: paths.TrainingPaths) -> None:
    from .model import save_model
    from .monitor.profile import build_profile
    from .sagemaker_io import read_hyperparameters
    from .schema import ModelSchema
    from .train import train

    hp = read_hyperparameters(where.hyperparameters)
    log.info("hyperparameters: %s", hp)
    dataset = _channel_dataset(where, train_channel_required=True)
    data = {channel: _read_channel(where, channel, dataset) for channel in ("train", "validation")}
    started = time.perf_counter()
    result = train(
        hp, ModelSchema.from_dataset(dataset), data["train"], data["validation"],
        where.checkpoint_dir, checkpoint_every=_checkpoint_every(),
    )
    seconds = time.perf_counter() - started
    profile = build_profile(result.schema, data["train"].features,
                            result.validation_probabilities, dataset.name, "channel train")
    save_model(result.booster, result.best_iteration, result.schema, result.metrics,
               where.model_dir, profile)
    log.info("%s: %s with %d classes; validation_f1 is the %s F1", dataset.name,
             dataset.task, len(dataset.classes), _f1_meaning(result.f1_average))
    _print_metrics("", {**result.metrics, "train_seconds": seconds})


def _train_distributed(where: paths.TrainingPaths, cluster: "Cluster") -> None:
    """One host of LightGBM's distributed learning (see distributed.py). Only the leader
    writes the model and prints the metrics; every host fails, with its
    reason, when another one fails or stalls."""
    import json

    import lightgbm as lgb

    from .distributed import Watchdog, check_listen_port, resolve
    from .model import save_model
    from .monitor.profile import build_profile
    from .sagemaker_io import read_hyperparameters, write_failure
    from .schema import ModelSchema
    from .train import Network, train

    hp = read_hyperparameters(where.hyperparameters)
    log.info("%s, leader %s; hyperparameters: %s", cluster.describe(), cluster.leader, hp)
    # The train channel is sharded: dataset.json (one object) reaches one host at most, while
    # the validation channel is whole on every host.
    dataset = _channel_dataset(where, train_channel_required=False)
    shard = _read_channel(where, "train", dataset, f"{cluster.describe()}: channel train")
    validation = _read_channel(where, "validation", dataset)
    log.info("%s: %d training rows in its shard", cluster.describe(), len(shard.labels))
    watchdog = Watchdog(hp.network_timeout_seconds, cluster.describe(),
                        lambda reason: write_failure(where.failure_file, reason))
    with watchdog:
        cluster = resolve(cluster, hp.network_timeout_seconds)
        check_listen_port(cluster)
        network = Network(
            params=cluster.lightgbm_params(hp.network_timeout_seconds),
            data_identity=json.dumps([dataset.rows, list(cluster.hosts)], sort_keys=True),
        )
        log.info("%s: machines %s", cluster.describe(), network.params["machines"])
        watchdog.beat("connecting to the other hosts and building the data set")

        def progress(env: lgb.callback.CallbackEnv) -> None:
            watchdog.beat(f"boosting round {env.iteration + 2}")  # the one under way

        started = time.perf_counter()
        try:
            result = train(
                hp, ModelSchema.from_dataset(dataset), shard, validation, where.checkpoint_dir,
                checkpoint_every=_checkpoint_every(), callbacks=[progress], network=network,
            )
        except lgb.basic.LightGBMError as err:
            hint = ": another host failed or was stopped" if "Socket" in str(err) else ""
            raise DistributedTrainingError(f"{cluster.describe()}: LightGBM: {err}{hint}") from None
        seconds = time.perf_counter() - started
        result.booster.free_network()
        watchdog.beat("writing the model")
    log.info("%s: boosted %d rounds, best %d", cluster.describe(), result.total_iterations,
             result.best_iteration)
    if not cluster.is_leader:
        return
    # The leader holds only its shard of the training split: the profile is of that shard,
    # a random part of the split (preprocess shuffles before it cuts the parts).
    profile = build_profile(result.schema, shard.features, result.validation_probabilities,
                            dataset.name, f"{cluster.describe()}: channel train")
    save_model(result.booster, result.best_iteration, result.schema, result.metrics,
               where.model_dir, profile)
    log.info("%s: %s with %d classes; validation_f1 is the %s F1; train_auc is of the leader's "
             "shard", dataset.name, dataset.task, len(dataset.classes),
             _f1_meaning(result.f1_average))
    _print_metrics("", {**result.metrics, "train_seconds": seconds, "hosts": cluster.size})


class DistributedTrainingError(LgbmopsError):
    pass


def _channel_dataset(where: paths.TrainingPaths, train_channel_required: bool):
    """The dataset description (dataset.json, or the merged parts of a multi-instance
    preprocess) of the train and validation channels, which must agree. A sharded train
    channel holds some of the train split's descriptions, or none: the validation channel's,
    whole on every host, is then the one."""
    from .dataset import Dataset, DatasetError

    train_dir = where.channel("train")
    if not train_channel_required:
        # Sharded: this host holds some of the train channel's dataset descriptions, or none.
        return Dataset.load(where.channel("validation"))
    dataset = Dataset.load(train_dir)
    if Dataset.load(where.channel("validation")).to_dict() != dataset.to_dict():
        raise DatasetError(
            "the validation channel's dataset.json differs from the train channel's: "
            "the two splits come from different preprocess runs"
        )
    return dataset


def _read_channel(where: paths.TrainingPaths, channel: str, dataset, source: str | None = None):
    from .sagemaker_io import channel_files, read_labelled_csv

    return read_labelled_csv(channel_files(where.channel(channel)), dataset,
                             source or f"channel {channel}")


def _checkpoint_every() -> int:
    import os

    return int(os.environ.get(paths.CHECKPOINT_EVERY_ENV, paths.DEFAULT_CHECKPOINT_EVERY))


def _f1_meaning(average: str) -> str:
    return "positive-class (binary)" if average == "binary" else f"{average}-averaged"


# --- evaluate ---------------------------------------------------------------------------------

def evaluate_main(argv: Sequence[str] | None = None) -> int:
    def job() -> None:
        from .dataset import Dataset
        from .evaluate import evaluate, evaluation_report
        from .model import load_model
        from .sagemaker_io import channel_files, extract_model, read_labelled_csv, write_json
        from .schema import ModelSchema, SchemaError

        _Parser(prog="evaluate", description="score the test split").parse_args(argv)
        where = paths.processing_paths()
        with tempfile.TemporaryDirectory(prefix="model-") as tmp:
            booster, schema = load_model(extract_model(where.model_tarball, Path(tmp)))
        dataset = Dataset.load(where.dir("test"))
        if ModelSchema.from_dataset(dataset).to_dict() != schema.to_dict():
            raise SchemaError(
                f"the test split's dataset.json ({dataset.name}) does not describe the model's "
                f"features and classes: the model was trained on another preprocess run"
            )
        test = read_labelled_csv(channel_files(where.dir("test")), dataset, "test split")
        scores = evaluate(booster, schema, test)
        write_json(where.evaluation_file, evaluation_report(scores, schema))
        log.info("test_f1 is the %s F1", _f1_meaning(scores.average))
        _print_metrics("test_", {
            k: v for k, v in scores.as_dict().items() if k != "logloss"
        })

    return _run(job, lambda: paths.processing_paths().failure_file)


# --- explain ----------------------------------------------------------------------------------

def explain_main(argv: Sequence[str] | None = None) -> int:
    def job() -> None:
        from .dataset import Dataset
        from .explain import bias, drift, html, shap
        from .explain.reports import Settings, explain, write_reports
        from .sagemaker_io import channel_files, read_labelled_csv

        parser = _Parser(prog="explain",
                         description="exact SHAP and bias metrics of the model on the test split")
        parser.add_argument("--max-rows", type=int, default=shap.DEFAULT_MAX_ROWS,
                            help="rows to explain; a larger split is sampled")
        parser.add_argument("--local-rows", type=int, default=shap.DEFAULT_LOCAL_ROWS)
        parser.add_argument("--min-group-rows", type=int, default=bias.DEFAULT_MIN_GROUP_ROWS,
                            help="a rate over fewer rows is reported as too small to judge")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--min-disparate-impact", type=float,
                            help="the pipeline's policy, shown in the HTML report")
        parser.add_argument("--max-abs-dppl", type=float,
                            help="the pipeline's policy, shown in the HTML report")
        parser.add_argument("--top-k", type=int, default=drift.DEFAULT_TOP_K,
                            help="features compared with the last approved package's ranking")
        parser.add_argument("--baseline-package", default="",
                            help="the last approved package, whose reports are the job's baseline inputs")
        parser.add_argument("--baseline-reason", default="",
                            help="why there is no baseline, when the inputs are the marker")
        args = parser.parse_args(argv)
        for name in ("max_rows", "min_group_rows", "top_k"):
            if getattr(args, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
        if args.local_rows < 0:
            raise UsageError(f"--local-rows must be >= 0, got {args.local_rows}")
        where = paths.processing_paths()
        booster, schema = _load_model_input(where.model_input_dir)
        dataset = _checked_dataset(Dataset.load(where.dir("test")), schema)
        test = read_labelled_csv(channel_files(where.dir("test")), dataset, "test split")
        started = time.perf_counter()
        result = explain(booster, schema, dataset, test,
                         Settings(args.max_rows, args.local_rows, args.min_group_rows, args.seed))
        seconds = time.perf_counter() - started
        policy = {key: value for key, value in (("min_di", args.min_disparate_impact),
                                                ("max_abs_dppl", args.max_abs_dppl))
                  if value is not None}
        drifted = _drift(where, result, args.top_k, args.baseline_package, args.baseline_reason)
        page = html.render(f"{dataset.name}: explainability and bias", result.explainability,
                           result.bias, policy, drifted)
        for path in write_reports(result, page, where.explain_dir, drifted):
            log.info("wrote %s", path)
        log.info("drift against the last approved package: %s%s", drifted["status"],
                 f" ({drifted['reason']})" if drifted["reason"] else "")
        gate = result.gate
        log.info("bias gate: worst DI %.4f (%s), worst |DPPL| %.4f (%s)%s", gate.worst_di,
                 gate.worst_di_facet, gate.worst_abs_dppl, gate.worst_abs_dppl_facet,
                 f"; {gate.reason}" if gate.reason else "")
        _print_metrics("", {"rows_explained": len(result.contributions.rows),
                            "worst_di": gate.worst_di, "worst_abs_dppl": gate.worst_abs_dppl,
                            "explain_seconds": seconds})

    return _run(job, lambda: paths.processing_paths().failure_file)


def _drift(where: paths.ProcessingPaths, result, top_k: int, package: str, reason: str) -> dict:
    from .explain import drift

    if not (where.baseline_bias_dir.exists() or where.baseline_explainability_dir.exists()):
        return drift.skipped(reason or "the job was given no previous reports to compare with", package)
    baseline = drift.read_baseline(where.baseline_bias_dir, where.baseline_explainability_dir,
                                   package, reason)
    return drift.compare(result.bias, result.explainability, baseline, top_k)


def _load_model_input(directory: Path):
    """The model from `model.tar.gz` as training wrote it, or from the unpacked directory."""
    from .model import MODEL_FILE, load_model
    from .sagemaker_io import InputError, extract_model

    tarball = directory / "model.tar.gz"
    if tarball.is_file():
        with tempfile.TemporaryDirectory(prefix="model-") as tmp:
            return load_model(extract_model(tarball, Path(tmp)))
    if (directory / MODEL_FILE).is_file():
        return load_model(directory)
    raise InputError(f"{directory}: neither model.tar.gz nor {MODEL_FILE} is there")


def _checked_dataset(dataset, schema):
    from .schema import ModelSchema, SchemaError

    if ModelSchema.from_dataset(dataset).to_dict() != schema.to_dict():
        raise SchemaError(
            f"the test split's dataset.json ({dataset.name}) does not describe the model's "
            f"features and classes: the model was trained on another preprocess run"
        )
    return dataset


# --- monitor ----------------------------------------------------------------------------------

def monitor_main(argv: Sequence[str] | None = None) -> int:
    def job() -> None:
        from .model import load_model
        from .monitor.capture import parse_time
        from .monitor.job import DEFAULT_MIN_ROWS, DEFAULT_PSI_ALARM, Settings, monitor, write_outputs
        from .monitor.profile import load_profile

        parser = _Parser(prog="monitor",
                         description="drift of an endpoint's captured requests from the live "
                                     "model's training data")
        parser.add_argument("--window-start", required=True, help="ISO 8601, inclusive")
        parser.add_argument("--window-end", required=True, help="ISO 8601, exclusive")
        parser.add_argument("--endpoint-name", required=True, help="the metrics' dimension")
        parser.add_argument("--min-rows", type=int, default=DEFAULT_MIN_ROWS)
        parser.add_argument("--psi-alarm", type=float, default=DEFAULT_PSI_ALARM)
        args = parser.parse_args(argv)
        start = parse_time(args.window_start, "--window-start")
        end = parse_time(args.window_end, "--window-end")
        if not start < end:
            raise UsageError(f"--window-start {args.window_start} must be before "
                             f"--window-end {args.window_end}")
        if args.min_rows < 1:
            raise UsageError(f"--min-rows must be >= 1, got {args.min_rows}")
        if not args.psi_alarm > 0:
            raise UsageError(f"--psi-alarm must be > 0, got {args.psi_alarm}")
        if not args.endpoint_name.strip():
            raise UsageError("--endpoint-name must not be empty")
        where = paths.processing_paths()
        with tempfile.TemporaryDirectory(prefix="model-") as tmp:
            model_dir = _model_directory(where.live_model_input_dir, Path(tmp))
            booster, schema = load_model(model_dir)
            profile = load_profile(model_dir, schema)
        log.info("model of %s, %d features; window %s to %s", profile["dataset"],
                 len(schema.features), start.isoformat(), end.isoformat())
        started = time.perf_counter()
        result = monitor(where.capture_input_dir, booster, schema, profile,
                         Settings(start, end, args.endpoint_name, args.min_rows, args.psi_alarm))
        for path in write_outputs(result, where.monitor_dir):
            log.info("wrote %s", path)
        seconds = time.perf_counter() - started
        log.info("%s", result.get("reason") or (
            f"drifted features: {', '.join(result['drifted_features']) or 'none'}; "
            f"prediction PSI {result['prediction']['psi']:.4f}"))
        figures: dict[str, float | int] = {
            "captured_rows": result["rows"]["decoded"],
            "schema_violations": result["rows"]["schema_violations"],
        }
        if result["status"] == "ok":
            figures.update(max_feature_psi=result["max_feature_psi"],
                           prediction_psi=result["prediction"]["psi"],
                           drifted_features=len(result["drifted_features"]))
        _print_metrics("", {**figures, "monitor_seconds": seconds})

    return _run(job, lambda: paths.processing_paths().failure_file)


def _model_directory(directory: Path, scratch: Path) -> Path:
    """`model.tar.gz` (any depth: the S3 key's folders) unpacked into `scratch`, or the
    unpacked model directory itself."""
    from .model import MODEL_FILE
    from .sagemaker_io import InputError, extract_model

    tarballs = sorted(directory.rglob("model.tar.gz")) if directory.is_dir() else []
    if len(tarballs) == 1:
        return extract_model(tarballs[0], scratch)
    if len(tarballs) > 1:
        raise InputError(f"{directory}: {len(tarballs)} model.tar.gz files; expected one")
    if (directory / MODEL_FILE).is_file():
        return directory
    raise InputError(f"{directory}: neither model.tar.gz nor {MODEL_FILE} is there")


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
