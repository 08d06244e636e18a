"""Where SageMaker puts things inside the container, and the environment names we read.

Everything hangs off one root, `/opt/ml` in SageMaker. Tests and the local pipeline runner point
`LGBMOPS_OPT_ML` at a temporary directory of the same shape. Paths are computed when asked for,
so a change of the environment (as tests do) is always seen.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

OPT_ML_ENV = "LGBMOPS_OPT_ML"
DEFAULT_OPT_ML = "/opt/ml"

# Serving.
PORT_ENV = "SAGEMAKER_BIND_TO_PORT"
DEFAULT_PORT = 8080
BIND_HOST_ENV = "LGBMOPS_BIND_HOST"
DEFAULT_BIND_HOST = "0.0.0.0"
WORKERS_ENV = "SAGEMAKER_MODEL_SERVER_WORKERS"
MAX_PAYLOAD_MB_ENV = "SAGEMAKER_MAX_PAYLOAD_IN_MB"  # set by batch transform
MAX_PAYLOAD_BYTES_ENV = "LGBMOPS_MAX_PAYLOAD_BYTES"  # ours; wins over the one above
DEFAULT_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # what a real-time endpoint accepts
READ_TIMEOUT_ENV = "LGBMOPS_READ_TIMEOUT_SECONDS"
DEFAULT_READ_TIMEOUT_SECONDS = 60.0  # for a started request's head, and again for its body
# "inline": a CSV line that cannot be scored is answered with its error instead of failing the
# request (serving/batch.py); the batch pipeline's Transform step sets it.
ROW_ERRORS_ENV = "LGBMOPS_ROW_ERRORS"
ROW_ERRORS_INLINE = "inline"

# Training.
CHECKPOINT_EVERY_ENV = "LGBMOPS_CHECKPOINT_EVERY"
DEFAULT_CHECKPOINT_EVERY = 25  # boosting rounds between two checkpoints


def opt_ml() -> Path:
    return Path(os.environ.get(OPT_ML_ENV, DEFAULT_OPT_ML))


@dataclass(frozen=True)
class TrainingPaths:
    root: Path

    @property
    def hyperparameters(self) -> Path:
        return self.root / "input" / "config" / "hyperparameters.json"

    @property
    def resource_config(self) -> Path:
        # The hosts of the training job (distributed.read_cluster).
        return self.root / "input" / "config" / "resourceconfig.json"

    def channel(self, name: str) -> Path:
        return self.root / "input" / "data" / name

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def checkpoint_dir(self) -> Path:
        return self.root / "checkpoints"

    @property
    def failure_file(self) -> Path:
        # Training jobs report DescribeTrainingJob.FailureReason from this file.
        return self.root / "output" / "failure"


@dataclass(frozen=True)
class ProcessingPaths:
    root: Path

    def dir(self, name: str) -> Path:
        return self.root / "processing" / name

    @property
    def data_input_dir(self) -> Path:
        # Raw data files, any names, any depth (the S3 prefix as the job downloads it).
        return self.dir("input") / "data"

    @property
    def contract_input_dir(self) -> Path:
        # Exactly one dataset contract (*.json).
        return self.dir("input") / "contract"

    @property
    def model_tarball(self) -> Path:
        return self.dir("model") / "model.tar.gz"

    @property
    def evaluation_file(self) -> Path:
        return self.dir("evaluation") / "evaluation.json"

    @property
    def model_input_dir(self) -> Path:
        # `model.tar.gz` as training wrote it, or the model directory itself.
        return self.dir("model")

    @property
    def explain_dir(self) -> Path:
        # bias.json, explainability.json, report.html, drift.json
        return self.dir("explain")

    @property
    def resource_config(self) -> Path:
        # The instances of the processing job; same shape as a training job's.
        return self.root / "config" / "resourceconfig.json"

    @property
    def capture_input_dir(self) -> Path:
        # The endpoint's data-capture files (*.jsonl at any depth) of the monitored window.
        return self.dir("input") / "capture"

    @property
    def live_model_input_dir(self) -> Path:
        # The live model's model.tar.gz (or the unpacked directory), for the monitor step.
        return self.dir("input") / "model"

    @property
    def monitor_dir(self) -> Path:
        # drift.json, report.html, metrics.json
        return self.dir("output") / "monitor"

    @property
    def baseline_bias_dir(self) -> Path:
        # The last approved package's bias.json, or the marker saying there is none.
        return self.dir("input") / "baseline-bias"

    @property
    def baseline_explainability_dir(self) -> Path:
        # The last approved package's explainability.json, or the marker saying there is none.
        return self.dir("input") / "baseline-explainability"

    @property
    def failure_file(self) -> Path:
        # Processing jobs report DescribeProcessingJob.ExitMessage from this file.
        return self.root / "output" / "message"


def training_paths() -> TrainingPaths:
    return TrainingPaths(opt_ml())


def processing_paths() -> ProcessingPaths:
    return ProcessingPaths(opt_ml())


def serving_model_dir() -> Path:
    return opt_ml() / "model"
