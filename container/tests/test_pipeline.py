"""preprocess -> train -> evaluate over the real census file, through the console scripts."""
from __future__ import annotations

import csv
import json
import re

import lightgbm as lgb
import pandas as pd

from lgbmops.contract import NUMERIC, load_contract
from lgbmops.schema import CATEGORICAL, ModelSchema

from conftest import DATASETS_DIR, PipelineRun, parse_metric_lines

TUNER_REGEX = re.compile(r"validation_f1=([0-9\.]+)")
CENSUS = load_contract(DATASETS_DIR / "census.json")
FEATURES = tuple(c.name for c in CENSUS.features)
NUMERIC_FEATURES = {c.name for c in CENSUS.features if c.type == NUMERIC}


def test_preprocess_writesLabelledSplits_labelFirstAsZeroOne(pipeline: PipelineRun):
    sizes = {}
    for name in ("train", "validation", "test"):
        rows = []
        for path in pipeline.split_files(name):
            with open(path, newline="") as handle:
                header, *body = csv.reader(handle)
            assert tuple(header) == ("income",) + FEATURES
            rows.extend(body)
        rows.insert(0, header)
        assert {r[0] for r in rows[1:]} == {"0", "1"}
        assert all(len(r) == 15 for r in rows[1:])
        assert not any("?" in r for r in rows[1:]), "missing values must be written empty"
        sizes[name] = len(rows) - 1
    assert sum(sizes.values()) == 32561
    assert abs(sizes["train"] / 32561 - 0.7) < 0.001
    assert abs(sizes["validation"] - sizes["test"]) <= 1


def test_preprocess_stratifies_positiveRateEqualAcrossSplits(pipeline: PipelineRun):
    rates = [pipeline.split_frame(n)["income"].astype(int).mean()
             for n in ("train", "validation", "test")]
    assert max(rates) - min(rates) < 0.002
    assert abs(rates[0] - 7841 / 32561) < 0.002


def test_preprocess_writesHeaderlessBaseline_labelFirst(pipeline: PipelineRun):
    path = pipeline.opt_ml / "processing" / "baseline" / "baseline.csv"
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 1000
    assert rows[0][0] in ("0", "1"), "no header row: the first field is a label"
    assert all(len(r) == 15 for r in rows)
    positive = sum(r[0] == "1" for r in rows) / len(rows)
    assert abs(positive - 0.2408) < 0.01


def test_train_printsMetricsForTheTuner(pipeline: PipelineRun):
    match = TUNER_REGEX.search(pipeline.train.stdout)
    assert match, pipeline.train.stdout
    f1 = float(match.group(1))
    assert 0.6 < f1 < 0.9
    metrics = parse_metric_lines(pipeline.train.stdout)
    assert float(metrics["validation_auc"]) > 0.9
    assert float(metrics["validation_auc"]) < float(metrics["train_auc"]) <= 1.0
    assert float(metrics["validation_logloss"]) < 0.35
    assert 1 <= int(metrics["best_iteration"]) <= 80
    assert float(metrics["train_seconds"]) > 0


def test_train_writesModelSchemaAndMetrics(pipeline: PipelineRun):
    model_dir = pipeline.model_dir
    booster = lgb.Booster(model_file=str(model_dir / "model.txt"))
    schema = ModelSchema.load(model_dir)
    assert schema.names == list(FEATURES)
    assert set(schema.categorical_names) == set(FEATURES) - NUMERIC_FEATURES
    assert schema.classes == ("<=50K", ">50K")
    # LightGBM's own record of the levels must be the schema's, in the same order.
    schema.check_model(booster.feature_name(), booster.pandas_categorical)
    workclass = next(f for f in schema.features if f.name == "workclass")
    assert workclass.kind == CATEGORICAL and "Private" in workclass.categories
    assert "?" not in workclass.categories and "" not in workclass.categories
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["best_iteration"] == booster.current_iteration()
    printed = parse_metric_lines(pipeline.train.stdout)
    assert abs(metrics["validation_f1"] - float(printed["validation_f1"])) < 1e-6


def test_train_usesNativeCategoricalSplits_noOneHot(pipeline: PipelineRun):
    booster = lgb.Booster(model_file=str(pipeline.model_dir / "model.txt"))
    dump = booster.dump_model()
    assert dump["feature_names"] == list(FEATURES)  # 14 columns, not one-hot expanded
    decision_types = set()

    def walk(node):
        if "decision_type" in node:
            decision_types.add(node["decision_type"])
            walk(node["left_child"])
            walk(node["right_child"])

    for tree in dump["tree_info"]:
        walk(tree["tree_structure"])
    assert "==" in decision_types, "no categorical split in the model"


def test_evaluate_writesEvaluationReport(pipeline: PipelineRun):
    report = json.loads(
        (pipeline.opt_ml / "processing" / "evaluation" / "evaluation.json").read_text()
    )
    metrics = report["classification_metrics"]
    assert 0.6 < metrics["f1"]["value"] < 0.9
    for name in ("precision", "recall", "accuracy", "auc"):
        assert 0 < metrics[name]["value"] <= 1, name
    matrix = metrics["confusion_matrix"]
    total = sum(matrix[a][p] for a in ("0", "1") for p in ("0", "1"))
    assert total == sum(1 for _ in open(pipeline.split_files("test")[0])) - 1
    tp, fp, fn = matrix["1"]["1"], matrix["0"]["1"], matrix["1"]["0"]
    assert abs(metrics["f1"]["value"] - 2 * tp / (2 * tp + fp + fn)) < 1e-9
    printed = parse_metric_lines(pipeline.evaluate.stdout)
    assert abs(float(printed["test_f1"]) - metrics["f1"]["value"]) < 1e-6


def test_schema_formatVersion1_stillLoads(pipeline: PipelineRun, tmp_path):
    """Models trained before the dataset contract carry a binary format-1 schema."""
    current = ModelSchema.load(pipeline.model_dir)
    v1 = {
        "format_version": 1,
        "features": current.to_dict()["features"],
        "label": {"name": "income", "classes": {"0": "<=50K", "1": ">50K"}, "positive_class": 1},
    }
    (tmp_path / "schema.json").write_text(json.dumps(v1))
    old = ModelSchema.load(tmp_path)
    assert old.classes == ("<=50K", ">50K") and old.binary
    assert old.features == current.features
    assert old.missing_values == ("", "?"), "what format-1 models were served with"
    assert ModelSchema.from_dict(current.to_dict()) == current
