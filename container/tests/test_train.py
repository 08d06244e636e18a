"""Hyperparameters, failure reporting and checkpoint resume of the training job."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from lgbmops.dataset import Dataset
from lgbmops.metrics import auc, classification_metrics
from lgbmops.hyperparameters import HyperparameterError, Hyperparameters, parse_hyperparameters
from lgbmops.sagemaker_io import channel_files, read_labelled_csv
from lgbmops.schema import ModelSchema
from lgbmops.train import train as train_model

from conftest import PipelineRun, run_script


# --- hyperparameters ---------------------------------------------------------------------------

def test_parse_sagemakerStrings_typedValues():
    hp = parse_hyperparameters({
        "num_iterations": "300", "learning_rate": "0.1", "feature_fraction": "1",
        "seed": "-3", "early_stopping_rounds": "0", "_tuning_objective_metric": "validation:f1",
        "sagemaker_container_log_level": "20",
    })
    assert hp.num_iterations == 300 and isinstance(hp.num_iterations, int)
    assert hp.learning_rate == 0.1 and hp.feature_fraction == 1.0
    assert hp.seed == -3 and hp.early_stopping_rounds == 0
    assert hp.num_leaves == Hyperparameters().num_leaves  # unset keys keep their defaults


def test_parse_integralFloatForInteger_accepted():
    assert parse_hyperparameters({"num_leaves": "64.0"}).num_leaves == 64


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ({"learning_rate": "fast"}, "hyperparameter learning_rate must be a number in (0, 1], got 'fast'"),
        ({"num_leaves": "31.5"}, "hyperparameter num_leaves must be an integer in [2, 131072], got '31.5'"),
        ({"learning_rate": "1.5"}, "learning_rate must be a number in (0, 1], got '1.5'"),
        ({"bagging_fraction": "0"}, "bagging_fraction must be a number in (0, 1], got '0'"),
        ({"num_iterations": "0"}, "num_iterations must be an integer in [1, 100000], got '0'"),
        ({"lambda_l2": "-1"}, "lambda_l2 must be a number >= 0, got '-1'"),
        ({"lambda_l1": "nan"}, "lambda_l1 must be a number >= 0, got 'nan'"),
        ({"num_leaf": "31"}, "unknown hyperparameter 'num_leaf'"),
        ({"tree_learner": "feature"}, "tree_learner must be one of data, voting, got 'feature'"),
        ({"network_timeout_seconds": "1"},
         "network_timeout_seconds must be an integer in [5, 86400], got '1'"),
    ],
)
def test_parse_badValue_namesTheHyperparameter(raw, fragment):
    with pytest.raises(HyperparameterError) as caught:
        parse_hyperparameters(raw)
    assert fragment in str(caught.value)


def test_parse_severalProblems_allNamed():
    with pytest.raises(HyperparameterError) as caught:
        parse_hyperparameters({"max_bin": "1", "colour": "red"})
    assert "max_bin" in str(caught.value) and "'colour'" in str(caught.value)


# --- failure file ------------------------------------------------------------------------------

def test_trainJob_badHyperparameter_failureFileAndNonZeroExit(pipeline: PipelineRun, tmp_path):
    opt_ml = tmp_path / "opt_ml"
    for channel in ("train", "validation"):
        (opt_ml / "input" / "data" / channel).mkdir(parents=True)
        for file in pipeline.split_files(channel):
            (opt_ml / "input" / "data" / channel / file.name).symlink_to(file)
    (opt_ml / "input" / "config").mkdir(parents=True)
    (opt_ml / "input" / "config" / "hyperparameters.json").write_text(
        json.dumps({"learning_rate": "2", "num_leaves": "many"})
    )
    result = run_script("train", opt_ml)
    assert result.returncode != 0
    reason = (opt_ml / "output" / "failure").read_text()
    assert "learning_rate must be a number in (0, 1], got '2'" in reason
    assert "num_leaves must be an integer" in reason
    assert not (opt_ml / "model" / "model.txt").exists()


def test_trainJob_missingChannel_failureNamesIt(tmp_path):
    (tmp_path / "input" / "config").mkdir(parents=True)
    (tmp_path / "input" / "config" / "hyperparameters.json").write_text("{}")
    result = run_script("train", tmp_path)
    assert result.returncode != 0
    reason = (tmp_path / "output" / "failure").read_text()
    assert str(tmp_path / "input" / "data" / "train") in reason


def test_evaluateJob_missingModel_messageFileAndNonZeroExit(tmp_path):
    result = run_script("evaluate", tmp_path)
    assert result.returncode != 0
    assert "model.tar.gz" in (tmp_path / "output" / "message").read_text()


# --- checkpoints -------------------------------------------------------------------------------

class SpotInterruption(Exception):
    """Stands in for the instance going away in the middle of training."""


def interrupt_after(rounds: int):
    def callback(env: lgb.callback.CallbackEnv) -> None:
        if env.iteration + 1 == rounds:
            raise SpotInterruption

    return callback


@pytest.fixture(scope="module")
def splits(pipeline: PipelineRun):
    dataset = Dataset.load(pipeline.split("train"))

    def read(name: str):
        return read_labelled_csv(channel_files(pipeline.split(name)), dataset, name)

    return read("train"), read("validation")


@pytest.fixture(scope="module")
def schema(pipeline: PipelineRun) -> ModelSchema:
    return ModelSchema.from_dataset(Dataset.load(pipeline.split("train")))


@pytest.fixture
def train(schema):
    """The training function with the census schema filled in."""
    def run(hp, train_data, validation_data, *args, **kwargs):
        return train_model(hp, schema, train_data, validation_data, *args, **kwargs)

    return run


# No sampling, so an interrupted-and-resumed run must equal an uninterrupted one.
RESUME_HP = Hyperparameters(
    num_iterations=40, learning_rate=0.1, early_stopping_rounds=0, feature_fraction=1.0
)


def test_resume_continuesFromCheckpoint_sameTotalRounds(train, splits, tmp_path: Path):
    train_data, validation_data = splits
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    with pytest.raises(SpotInterruption):
        train(RESUME_HP, train_data, validation_data, checkpoints, checkpoint_every=10,
              callbacks=[interrupt_after(25)])
    [state_file] = checkpoints.glob("checkpoint-*.json")
    state = json.loads(state_file.read_text())
    assert state["iteration"] == 20  # the last multiple of 10 before the interruption
    saved = lgb.Booster(model_file=str(checkpoints / state["model_file"]))
    assert saved.current_iteration() == 20

    resumed = train(RESUME_HP, train_data, validation_data, checkpoints, checkpoint_every=10)
    assert resumed.resumed_from == 20
    assert resumed.rounds_run == 20, "a resumed run boosts only the remaining rounds"
    assert resumed.total_iterations == 40 and resumed.booster.current_iteration() == 40
    train_frame = resumed.schema.training_frame(train_data.features, "train")
    assert resumed.metrics["train_auc"] == pytest.approx(
        auc(train_data.labels, resumed.booster.predict(train_frame)), abs=1e-6
    )
    # The first 20 trees are the checkpoint's: the run did not start from scratch.
    assert resumed.booster.dump_model()["tree_info"][:20] == saved.dump_model()["tree_info"]

    uninterrupted = train(RESUME_HP, train_data, validation_data, None)
    assert uninterrupted.total_iterations == 40
    frame = uninterrupted.schema.training_frame(validation_data.features, "validation")
    np.testing.assert_allclose(
        resumed.booster.predict(frame), uninterrupted.booster.predict(frame), rtol=0, atol=1e-9
    )


def test_resume_keepsEarlyStoppingState(train, splits, tmp_path: Path):
    """Patience counts across the restart, so both runs stop at the same round."""
    train_data, validation_data = splits
    hp = replace(RESUME_HP, num_iterations=400, learning_rate=0.3, early_stopping_rounds=5)
    uninterrupted = train(hp, train_data, validation_data, None)
    stop = uninterrupted.total_iterations
    assert stop < 400, "the test needs a run that stops early"
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    # Interrupted one round before the stop: a resumed run that forgot its patience would
    # boost at least 5 more rounds instead of 1.
    with pytest.raises(SpotInterruption):
        train(hp, train_data, validation_data, checkpoints, checkpoint_every=1,
              callbacks=[interrupt_after(stop - 1)])
    resumed = train(hp, train_data, validation_data, checkpoints, checkpoint_every=1)
    assert resumed.resumed_from == stop - 1 and resumed.rounds_run == 1
    assert resumed.total_iterations == stop
    assert resumed.best_iteration == uninterrupted.best_iteration


def test_earlyStopped_metricsAreThoseOfTheSavedBestRound(train, splits):
    train_data, validation_data = splits
    hp = replace(RESUME_HP, num_iterations=400, learning_rate=0.3, early_stopping_rounds=5)
    result = train(hp, train_data, validation_data, None)
    assert result.best_iteration < result.total_iterations < 400
    frame = result.schema.training_frame(validation_data.features, "validation")
    expected = classification_metrics(
        validation_data.labels, result.booster.predict(frame, num_iteration=result.best_iteration)
    )
    assert result.metrics["validation_f1"] == pytest.approx(expected.f1, abs=1e-12)
    # The running validation scores differ from a fresh prediction by float noise, which can
    # reorder two near-tied rows: AUC agrees to 1e-6, as train_auc below.
    assert result.metrics["validation_auc"] == pytest.approx(expected.auc, abs=1e-6)
    assert result.metrics["validation_logloss"] == pytest.approx(expected.logloss, abs=1e-9)
    # LightGBM's running training scores and a fresh prediction agree to float noise only.
    train_frame = result.schema.training_frame(train_data.features, "train")
    assert result.metrics["train_auc"] == pytest.approx(
        auc(train_data.labels, result.booster.predict(train_frame,
                                                             num_iteration=result.best_iteration)),
        abs=1e-6,
    )


def test_resume_checkpointOfOtherHyperparameters_ignored(train, splits, tmp_path: Path):
    train_data, validation_data = splits
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    small = replace(RESUME_HP, num_iterations=10)
    train(small, train_data, validation_data, checkpoints, checkpoint_every=5)
    other = replace(small, num_leaves=15)
    result = train(other, train_data, validation_data, checkpoints, checkpoint_every=5)
    assert result.resumed_from == 0 and result.rounds_run == 10
    # Both runs keep their own checkpoint side by side (a shared location cannot clobber).
    assert len(list(checkpoints.glob("checkpoint-*.json"))) == 2
    again = train(small, train_data, validation_data, checkpoints, checkpoint_every=5)
    assert again.resumed_from == 10 and again.rounds_run == 0


def _channels(opt_ml: Path, pipeline: PipelineRun) -> None:
    for channel in ("train", "validation"):
        target = opt_ml / "input" / "data" / channel
        target.mkdir(parents=True)
        for item in pipeline.split(channel).iterdir():
            (target / item.name).symlink_to(item)


def test_trainJob_channelWithoutDatasetJson_failsNamingIt(pipeline: PipelineRun, tmp_path):
    _channels(tmp_path, pipeline)
    (tmp_path / "input" / "data" / "validation" / "dataset.json").unlink()
    result = run_script("train", tmp_path)
    assert result.returncode != 0
    reason = (tmp_path / "output" / "failure").read_text()
    assert reason.startswith(f"no dataset.json in {tmp_path / 'input' / 'data' / 'validation'}")


def test_trainJob_channelsFromDifferentRuns_fail(pipeline: PipelineRun, tmp_path):
    _channels(tmp_path, pipeline)
    validation = tmp_path / "input" / "data" / "validation" / "dataset.json"
    other = json.loads(validation.read_text())
    other["label"]["classes"] = other["label"]["classes"][::-1]
    validation.unlink()
    validation.write_text(json.dumps(other))
    result = run_script("train", tmp_path)
    assert result.returncode != 0
    assert (tmp_path / "output" / "failure").read_text().strip() == (
        "the validation channel's dataset.json differs from the train channel's: "
        "the two splits come from different preprocess runs"
    )
    assert not (tmp_path / "model" / "model.txt").exists()
