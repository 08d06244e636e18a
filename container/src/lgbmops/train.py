"""Train a LightGBM classifier (binary, or multiclass with softmax) with native categorical
features, resumable from checkpoints.

Spot training can stop the job at any moment. Every `checkpoint_every` rounds the booster and
the early-stopping state are written to the checkpoint directory (SageMaker syncs it to S3 and
restores it on restart); a restarted job continues from there with `init_model` for the
remaining rounds, so the run ends at the same total number of rounds it would have reached.
Row and feature sampling restart their random streams on resume, so a resumed model is an
equally valid model, not a bit-identical one (with the default sampling it is identical).
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import lightgbm as lgb
import numpy as np
import pandas as pd

from .hyperparameters import Hyperparameters
from .metrics import auc, classification_metrics
from .sagemaker_io import LabelledData, replace_atomically
from .schema import ModelSchema

log = logging.getLogger(__name__)

VALIDATION = "validation"


def stopping_metric(num_classes: int) -> str:
    """The validation log loss LightGBM reports (lower is better)."""
    return "binary_logloss" if num_classes == 2 else "multi_logloss"


@dataclass
class EarlyStopping:
    """Patience-based early stopping on validation log loss whose state survives a restart."""

    rounds: int  # 0 = never stop early
    best_score: float = math.inf
    best_iteration: int = -1  # 0-based round index of the best score so far
    stopped: bool = False

    def update(self, iteration: int, score: float) -> None:
        if score < self.best_score:
            self.best_score = score
            self.best_iteration = iteration
        elif self.rounds and iteration - self.best_iteration >= self.rounds:
            self.stopped = True


@dataclass
class Checkpoint:
    iteration: int  # rounds contained in the model file
    model_file: str
    fingerprint: str
    early_stopping: dict[str, Any] = field(default_factory=dict)


class Checkpoints:
    """Checkpoint files in one directory, named after the run's fingerprint (data and
    hyperparameters): `checkpoint-<fp>.json` and its model `checkpoint-<fp>-NNNNNN.txt`.

    Jobs that share a checkpoint location (as tuning jobs may) therefore never resume, or
    overwrite, each other's work. The state file is replaced atomically after its model file
    is complete, so a job killed mid-write still finds the previous consistent checkpoint.
    """

    def __init__(self, directory: Path, fingerprint: str, every: int):
        self.directory = directory
        self.fingerprint = fingerprint
        self.every = every
        self.state_path = directory / f"checkpoint-{fingerprint}.json"

    def load(self) -> Checkpoint | None:
        if not self.state_path.exists():
            return None
        try:
            checkpoint = Checkpoint(**json.loads(self.state_path.read_text(encoding="utf-8")))
        except (TypeError, ValueError) as err:
            log.warning("ignoring unreadable checkpoint %s: %s", self.state_path, err)
            return None
        if checkpoint.fingerprint != self.fingerprint:
            log.warning("ignoring checkpoint %s: made for another run", self.state_path)
            return None
        if not (self.directory / checkpoint.model_file).exists():
            log.warning("ignoring checkpoint: %s is missing", checkpoint.model_file)
            return None
        return checkpoint

    def model_path(self, checkpoint: Checkpoint) -> Path:
        return self.directory / checkpoint.model_file

    def save(self, booster: lgb.Booster, iteration: int, stopping: EarlyStopping) -> None:
        model_file = f"checkpoint-{self.fingerprint}-{iteration:06d}.txt"
        booster.save_model(self.directory / model_file, num_iteration=iteration)
        state = Checkpoint(iteration, model_file, self.fingerprint, asdict(stopping))
        replace_atomically(self.state_path, json.dumps(asdict(state)))
        for old in self.directory.glob(f"checkpoint-{self.fingerprint}-*.txt"):
            if old.name != model_file:
                old.unlink(missing_ok=True)


class _Monitor:
    """LightGBM callback: tracks early stopping and writes checkpoints."""

    def __init__(self, stopping: EarlyStopping, checkpoints: Checkpoints | None, metric: str):
        self.stopping = stopping
        self.metric = metric
        self.checkpoints = checkpoints
        self.rounds_run = 0

    def __call__(self, env: lgb.callback.CallbackEnv) -> None:
        self.rounds_run += 1
        score = next(
            value for data, name, value, _ in env.evaluation_result_list
            if data == VALIDATION and name == self.metric
        )
        self.stopping.update(env.iteration, score)
        done = env.iteration + 1
        if self.checkpoints and self.checkpoints.every and done % self.checkpoints.every == 0:
            self.checkpoints.save(env.model, done, self.stopping)
        if self.stopping.stopped:
            raise lgb.callback.EarlyStopException(
                self.stopping.best_iteration,
                [(VALIDATION, self.metric, self.stopping.best_score, False)],
            )


@dataclass
class TrainResult:
    booster: lgb.Booster
    schema: ModelSchema
    metrics: dict[str, float | int]
    f1_average: str  # "binary" (of the positive class) or "macro" (over the classes)
    best_iteration: int  # rounds kept in the saved model
    total_iterations: int  # rounds boosted in all, this run and the checkpointed ones
    resumed_from: int  # rounds taken from a checkpoint (0 = fresh start)
    rounds_run: int  # rounds boosted by this run
    validation_probabilities: np.ndarray  # at the best round, as predict() gives them


@dataclass(frozen=True)
class Network:
    """One host of a distributed run: LightGBM's network parameters for it (see
    distributed.Cluster) and what identifies the whole run's data.

    Every host boosts the same trees, so every host writes the same checkpoint under the same
    name (from `data_identity`, not from its own rows): a restarted job resumes every host from
    the same round whether SageMaker restores each instance's own checkpoints or all of them."""

    params: dict[str, Any]
    data_identity: str


def fingerprint(hp: Hyperparameters, schema: ModelSchema, train: LabelledData,
                data_identity: str | None = None) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(asdict(hp), sort_keys=True).encode())
    digest.update(json.dumps(schema.to_dict(), sort_keys=True).encode())
    if data_identity is None:
        digest.update(str(len(train.labels)).encode())
        digest.update(np.ascontiguousarray(train.labels).tobytes())
    else:
        digest.update(data_identity.encode())
    return digest.hexdigest()[:16]


def train(
    hp: Hyperparameters,
    schema: ModelSchema,
    train_data: LabelledData,
    validation_data: LabelledData,
    checkpoint_dir: Path | None = None,
    checkpoint_every: int = 25,
    callbacks: Sequence[Callable[[lgb.callback.CallbackEnv], None]] = (),
    network: Network | None = None,
) -> TrainResult:
    """Pure training: data in, booster and metrics out; files only in `checkpoint_dir`.

    `schema` (from dataset.json) fixes the features, their category levels and the classes.
    With `network`, this is one host of LightGBM's distributed learning: `train_data` is its
    shard, `validation_data` the whole validation split. Every host builds the same trees and
    scores the same validation rows, so every host sees the same validation log loss and stops
    at the same round; the training metrics are of this host's shard.
    """
    num_classes = len(schema.classes)
    train_frame = schema.training_frame(train_data.features, train_data.source)
    validation_frame = schema.training_frame(validation_data.features, validation_data.source)

    checkpoints = None
    checkpoint = None
    if checkpoint_dir is not None and checkpoint_dir.is_dir():
        checkpoints = Checkpoints(
            checkpoint_dir,
            fingerprint(hp, schema, train_data, network and network.data_identity),
            checkpoint_every,
        )
        checkpoint = checkpoints.load()
    stopping = EarlyStopping(hp.early_stopping_rounds)
    resumed_from = 0
    init_model = None
    if checkpoint is not None:
        resumed_from = checkpoint.iteration
        stopping = EarlyStopping(**checkpoint.early_stopping)
        init_model = checkpoints.model_path(checkpoint)
        log.info("resuming from checkpoint at round %d", resumed_from)

    monitor = _Monitor(stopping, checkpoints, stopping_metric(num_classes))
    remaining = hp.num_iterations - resumed_from
    params = hp.lightgbm_params(num_classes)
    if network is not None:
        params.update(network.params, tree_learner=hp.tree_learner)
    train_set = lgb.Dataset(
        train_frame, label=train_data.labels, categorical_feature=schema.categorical_names
    )
    if remaining > 0 and not stopping.stopped:
        validation_set = lgb.Dataset(
            validation_frame, label=validation_data.labels, reference=train_set
        )
        booster = lgb.train(
            params,
            train_set,
            num_boost_round=remaining,
            valid_sets=[validation_set],
            valid_names=[VALIDATION],
            init_model=init_model,
            callbacks=[monitor, *callbacks],
            keep_training_booster=True,  # its training scores give train_auc for free below
        )
    else:
        booster = lgb.Booster(model_file=init_model)
    total = resumed_from + monitor.rounds_run
    if hp.early_stopping_rounds and stopping.best_iteration >= 0:
        best = stopping.best_iteration + 1
    else:
        best = total

    train_p, validation_p = _predictions_at(
        booster, best, total - best, monitor.rounds_run, train_frame, validation_frame
    )
    scores = classification_metrics(validation_data.labels, validation_p)
    metrics: dict[str, float | int] = {f"validation_{k}": v for k, v in scores.as_dict().items()}
    metrics["train_auc"] = auc(train_data.labels, train_p)
    metrics.update(best_iteration=best, total_iterations=total, resumed_from_iteration=resumed_from)
    return TrainResult(booster, schema, metrics, scores.average, best, total, resumed_from,
                       monitor.rounds_run, validation_p)


def _predictions_at(
    booster: lgb.Booster, best: int, extra: int, boosted: int,
    train_frame: pd.DataFrame, validation_frame: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities for the training and validation rows at the best round.

    The booster LightGBM trained keeps its score of every training and validation row; rolling
    back the rounds past the best one updates them, so no second pass over the data is needed.
    Only when those rounds were not boosted by this run (a resumed, finished checkpoint) do we
    predict instead.
    """
    if not (0 < boosted and extra <= boosted):
        return (booster.predict(train_frame, num_iteration=best),
                booster.predict(validation_frame, num_iteration=best))
    for _ in range(extra):
        booster.rollback_one_iter()
    captured: list[np.ndarray] = []

    def capture(preds: np.ndarray, _data: lgb.Dataset) -> tuple[str, float, bool]:
        captured.append(np.array(preds))
        return "captured", 0.0, True

    booster.eval_train(capture)
    booster.eval_valid(capture)
    return _by_class(captured[0], train_frame), _by_class(captured[1], validation_frame)


def _by_class(predictions: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    """A multiclass evaluation may see its scores flat, class by class; predict()'s layout is
    one row per data row."""
    if predictions.ndim == 1 and predictions.size != len(frame):
        return predictions.reshape(-1, len(frame)).T
    return predictions
