"""The model directory SageMaker tars into `model.tar.gz`: what training writes, what others load."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import lightgbm as lgb

from .monitor.profile import save_profile
from .sagemaker_io import write_json
from .schema import ModelSchema

MODEL_FILE = "model.txt"  # LightGBM text model, best rounds only
METRICS_FILE = "metrics.json"


def save_model(
    booster: lgb.Booster,
    rounds: int,
    schema: ModelSchema,
    metrics: dict[str, Any],
    model_dir: Path,
    profile: dict[str, Any],
) -> None:
    """`profile`: the training data's reference profile (monitor.profile), which the
    monitoring step compares live requests with."""
    model_dir.mkdir(parents=True, exist_ok=True)
    booster.save_model(model_dir / MODEL_FILE, num_iteration=rounds)
    schema.save(model_dir)
    write_json(model_dir / METRICS_FILE, metrics)
    save_profile(profile, model_dir)


def load_model(model_dir: Path) -> tuple[lgb.Booster, ModelSchema]:
    """The booster and its schema, checked against each other."""
    schema = ModelSchema.load(model_dir)
    booster = lgb.Booster(model_file=str(Path(model_dir) / MODEL_FILE))
    schema.check_model(booster.feature_name(), booster.pandas_categorical)
    return booster, schema
