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


def _below_root(*parts: str) -> property:
    """A path of the job's directory tree, below its root (`/opt/ml`), computed when read."""
    return property(lambda paths: paths.root.joinpath(*parts))


@dataclass(frozen=True)
class TrainingPaths:
    root: Path

    hyperparameters = _below_root("input", "config", "hyperparameters.json")
    # The hosts of the training job (distributed.read_cluster).
    resource_config = _below_root("input", "config", "resourceconfig.json")
    model_dir = _below_root("model")
    checkpoint_dir = _below_root("checkpoints")
    # Training jobs report DescribeTrainingJob.FailureReason from this file.
    failure_file = _below_root("output", "failure")

    def channel(self, name: str) -> Path:
        return self.root / "input" / "data" / name


@dataclass(frozen=True)
class ProcessingPaths:
    root: Path

    # Raw data files, any names, any depth (the S3 prefix as the job downloads it).
    data_input_dir = _below_root("processing", "input", "data")
    # Exactly one dataset contract (*.json).
    contract_input_dir = _below_root("processing", "input", "contract")
    model_tarball = _below_root("processing", "model", "model.tar.gz")
    evaluation_file = _below_root("processing", "evaluation", "evaluation.json")
    # `model.tar.gz` as training wrote it, or the model directory itself.
    model_input_dir = _below_root("processing", "model")
    # bias.json, explainability.json, report.html, drift.json
    explain_dir = _below_root("processing", "explain")
    # The instances of the processing job; same shape as a training job's.
    resource_config = _below_root("config", "resourceconfig.json")
    # The endpoint's data-capture files (*.jsonl at any depth) of the monitored window.
    capture_input_dir = _below_root("processing", "input", "capture")
    # The live model's model.tar.gz (or the unpacked directory), for the monitor step.
    live_model_input_dir = _below_root("processing", "input", "model")
    # drift.json, report.html, metrics.json
    monitor_dir = _below_root("processing", "output", "monitor")
    # The last approved package's bias.json, or the marker saying there is none.
    baseline_bias_dir = _below_root("processing", "input", "baseline-bias")
    # The last approved package's explainability.json, or the marker saying there is none.
    baseline_explainability_dir = _below_root("processing", "input", "baseline-explainability")
    # Processing jobs report DescribeProcessingJob.ExitMessage from this file.
    failure_file = _below_root("output", "message")

    def dir(self, name: str) -> Path:
        return self.root / "processing" / name


def training_paths() -> TrainingPaths:
    return TrainingPaths(opt_ml())


def processing_paths() -> ProcessingPaths:
    return ProcessingPaths(opt_ml())


def serving_model_dir() -> Path:
    return opt_ml() / "model"
