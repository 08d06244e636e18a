"""The three sample tables end to end: preprocess -> train -> evaluate (and serve for the
multiclass one), each driven by nothing but its contract.

Expected figures (rows, baselines) are recomputed here from the raw files with the csv module,
independently of preprocess.
"""
from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from lgbmops.contract import CATEGORICAL, NUMERIC, load_contract
from lgbmops.schema import ModelSchema

from conftest import (DATASETS_DIR, PipelineRun, dataset_files, parse_metric_lines, run_script,
                      serving_root, stage_input, start_server, stop_server)

SPLITS = ("train", "validation", "test")


def raw_table(name: str) -> tuple[list[str], list[dict[str, str]]]:
    """Every data row of a sample table as {column: trimmed text}, missing markers as None."""
    contract = load_contract(DATASETS_DIR / f"{name}.json")
    _, files = dataset_files(name)
    rows = []
    for path in files:
        with open(path, newline="") as handle:
            reader = csv.reader(handle, delimiter=contract.format.delimiter)
            header = [h.strip() for h in next(reader)] if contract.format.header else contract.names
            for record in reader:
                if not any(v.strip() for v in record):
                    continue
                values = [v.strip() for v in record]
                rows.append({h: (None if v in contract.format.missing_values else v)
                             for h, v in zip(header, values)})
    return contract.names, rows


def expected_baseline(name: str) -> list:
    contract = load_contract(DATASETS_DIR / f"{name}.json")
    _, rows = raw_table(name)
    baseline = []
    for feature in contract.features:
        present = [r[feature.name] for r in rows if r[feature.name] is not None]
        if feature.type == NUMERIC:
            median = statistics.median(float(v) for v in present)
            baseline.append(int(median) if median.is_integer() else median)
        else:
            counts = Counter(present)
            top = max(counts.values())
            baseline.append(min(level for level, n in counts.items() if n == top))
    return baseline


def read_rows(paths) -> list[list[str]]:
    """The rows of one or several CSV files with one header (the first file's)."""
    rows: list[list[str]] = []
    for path in [paths] if isinstance(paths, Path) else paths:
        with open(path, newline="") as handle:
            header, *body = csv.reader(handle)
        rows = rows or [header]
        rows.extend(body)
    return rows


def clarify_doc(opt_ml: Path, relative: str) -> dict:
    return json.loads((opt_ml / "processing" / "clarify" / relative).read_text())


def report(name: str, run: PipelineRun) -> None:
    metrics = run.evaluation["classification_metrics"]
    print(f"\n{name}: rows={parse_metric_lines(run.preprocess.stdout)['rows']} "
          f"test_f1={metrics['f1']['value']:.4f} ({metrics['f1']['average']}) "
          f"test_auc={metrics['auc']['value']:.4f} "
          f"preprocess+train+evaluate={run.seconds:.1f}s")


@pytest.fixture(params=["census", "churn", "penguins"])
def table(request) -> tuple[str, PipelineRun]:
    fixture = {"census": "pipeline", "churn": "churn_pipeline",
               "penguins": "penguins_pipeline"}[request.param]
    return request.param, request.getfixturevalue(fixture)


EXPECTED = {
    # rows, task, classes in code order, F1 average, lowest acceptable test F1 and AUC
    "census": (32561, "binary", ["<=50K", ">50K"], "binary", 0.65, 0.9),
    "churn": (5000, "binary", ["no", "yes"], "binary", 0.7, 0.85),
    "penguins": (344, "multiclass", ["Adelie", "Chinstrap", "Gentoo"], "macro", 0.9, 0.95),
}


def test_splits_allRowsStratifiedWithHeaderAndCodes(table):
    name, run = table
    rows, _, classes, _, _, _ = EXPECTED[name]
    _, raw = raw_table(name)
    assert len(raw) == rows
    contract = load_contract(DATASETS_DIR / f"{name}.json")
    header = [contract.label.column, *(f.name for f in contract.features), *contract.ids]
    sizes = {}
    for split in SPLITS:
        content = read_rows(run.split_files(split))
        assert content[0] == header
        assert {r[0] for r in content[1:]} == {str(c) for c in range(len(classes))}
        assert all(len(r) == len(header) for r in content[1:])
        sizes[split] = len(content) - 1
    assert sum(sizes.values()) == rows
    assert parse_metric_lines(run.preprocess.stdout)["rows"] == str(rows)
    report(name, run)


def test_datasetJson_sameInEverySplit_describesTheData(table):
    name, run = table
    rows, task, classes, _, _, _ = EXPECTED[name]
    documents = [json.loads((run.opt_ml / "processing" / s / "dataset.json").read_text())
                 for s in SPLITS]
    assert documents[0] == documents[1] == documents[2]
    dataset = documents[0]
    contract = load_contract(DATASETS_DIR / f"{name}.json")
    assert dataset["task"] == task and dataset["label"]["classes"] == classes
    assert dataset["contract"] == contract.to_dict()
    assert sum(dataset["rows"].values()) == rows
    train = read_rows(run.split_files("train"))
    header = train[0]
    for feature in dataset["features"]:
        assert feature["type"] == contract.column(feature["name"]).type
        if feature["type"] == CATEGORICAL:
            column = header.index(feature["name"])
            levels = sorted({r[column] for r in train[1:]} - {""})
            assert feature["categories"] == levels, "levels are the training split's"


def test_clarifyDocuments_onlyWhenTheClarifyModeAsks(table):
    _, run = table
    assert not (run.opt_ml / "processing" / "clarify").exists()


@pytest.mark.parametrize("name", ["census", "churn", "penguins"])
def test_clarifyDocuments_fromContractAndData(name, tmp_path):
    stage_input(tmp_path, name)
    pre = run_script("preprocess", tmp_path, "--clarify-instance-type", "ml.m5.xlarge")
    assert pre.returncode == 0, pre.stderr
    _, task, classes, _, _, _ = EXPECTED[name]
    contract = load_contract(DATASETS_DIR / f"{name}.json")
    features = [f.name for f in contract.features]
    explain = clarify_doc(tmp_path, "model-explainability/analysis_config.json")
    assert explain["headers"] == [contract.label.column, *features]
    assert explain["label"] == contract.label.column
    assert explain["methods"]["shap"]["baseline"] == [expected_baseline(name)]
    assert explain["predictor"]["instance_type"] == "ml.m5.xlarge"
    monitoring = clarify_doc(tmp_path, "model-explainability/monitoring_analysis_config.json")
    assert monitoring["headers"] == features
    assert monitoring["methods"]["shap"] == explain["methods"]["shap"]
    if task == "multiclass":
        assert explain["predictor"]["label_headers"] == list(range(len(classes)))
    else:
        assert "label_headers" not in explain["predictor"]

    bias_path = tmp_path / "processing" / "clarify" / "model-bias" / "analysis_config.json"
    checks = clarify_doc(tmp_path, "checks.json")
    if not contract.fairness:
        assert not bias_path.exists()
        assert checks["model_bias"] is False
        return
    assert checks["model_bias"] is True
    bias = json.loads(bias_path.read_text())
    facet = contract.fairness[0]
    assert bias["facet"] == [{"name_or_index": facet.column,
                              "value_or_threshold": list(facet.values)}]
    assert bias["label_values_or_threshold"] == ([1] if task == "binary" else [0])
    assert bias["methods"]["post_training_bias"] == {"methods": ["DPPL"]}
    assert ("probability_threshold" in bias) == (task == "binary")
    bias_monitoring = clarify_doc(tmp_path, "model-bias/monitoring_analysis_config.json")
    assert bias_monitoring["facet"] == bias["facet"]
    assert bias_monitoring["headers"] == bias["headers"]


def test_baseline_headerlessSampleOfLabelAndFeatures(table):
    name, run = table
    contract = load_contract(DATASETS_DIR / f"{name}.json")
    rows = read_rows(run.opt_ml / "processing" / "baseline" / "baseline.csv")
    assert 0 < len(rows) <= 1000
    assert all(len(r) == 1 + len(contract.features) for r in rows)
    assert rows[0][0].isdigit(), "no header: the first field is a class code"


def test_trainAndEvaluate_qualityAndF1Average(table):
    name, run = table
    _, task, classes, average, min_f1, min_auc = EXPECTED[name]
    trained = parse_metric_lines(run.train.stdout)
    assert float(trained["validation_f1"]) >= min_f1
    assert f"validation_f1 is the {'positive-class (binary)' if average == 'binary' else 'macro-averaged'} F1" in run.train.stderr
    metrics = run.evaluation["classification_metrics"]
    assert metrics["f1"]["average"] == average
    assert metrics["f1"]["value"] >= min_f1 and metrics["auc"]["value"] >= min_auc
    matrix = metrics["confusion_matrix"]
    codes = [str(c) for c in range(len(classes))]
    assert list(matrix) == codes and all(list(row) == codes for row in matrix.values())
    per_class = run.evaluation["per_class"]
    assert list(per_class) == classes
    if average == "macro":
        mean = np.mean([per_class[c]["f1"] for c in classes])
        assert metrics["f1"]["value"] == pytest.approx(mean, abs=1e-12)
    else:
        tp, fp, fn = matrix["1"]["1"], matrix["0"]["1"], matrix["1"]["0"]
        assert metrics["f1"]["value"] == pytest.approx(2 * tp / (2 * tp + fp + fn), abs=1e-12)
    schema = ModelSchema.load(run.model_dir)
    assert list(schema.classes) == classes


# --- multiclass serving -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def penguins_server(penguins_pipeline: PipelineRun, tmp_path_factory):
    live = start_server(serving_root(penguins_pipeline, tmp_path_factory.mktemp("penguins-serve")),
                        workers=1)
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def penguin_rows(penguins_pipeline: PipelineRun) -> list[str]:
    with open(penguins_pipeline.split_files("test")[0]) as handle:
        next(handle)
        return [line.rstrip("\n").split(",", 1)[1] for line in handle]


def test_penguins_serve_oneProbabilityPerClass_sumsToOne(penguins_server, penguins_pipeline,
                                                          penguin_rows):
    import lightgbm as lgb

    status, body, _ = penguins_server.invoke("\n".join(penguin_rows).encode())
    assert status == 200, body
    got = np.array([[float(v) for v in line.split(",")] for line in body.decode().split("\n")])
    assert got.shape == (len(penguin_rows), 3)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-12)
    schema = ModelSchema.load(penguins_pipeline.model_dir)
    booster = lgb.Booster(model_file=str(penguins_pipeline.model_dir / "model.txt"))
    import pandas as pd
    frame = pd.DataFrame([r.split(",") for r in penguin_rows], columns=schema.names)
    np.testing.assert_allclose(got, booster.predict(schema.training_frame(frame, "reference")),
                               rtol=0, atol=1e-12)


def test_penguins_serve_missingMarkerAndLabelsOnRequest(penguins_server, penguin_rows):
    row = penguin_rows[0].split(",")
    row[1] = "NA"  # the contract's missing marker in a numeric column
    status, body, _ = penguins_server.invoke(
        ",".join(row).encode(), **{"X-Amzn-SageMaker-Custom-Attributes": "output=probability,label"}
    )
    assert status == 200, body
    *probabilities, label = body.decode().split(",")
    classes = ["Adelie", "Chinstrap", "Gentoo"]
    assert label == classes[int(np.argmax([float(p) for p in probabilities]))]

    status, body, headers = penguins_server.invoke(
        "\n".join(penguin_rows[:3]).encode(), Accept="application/json",
        **{"X-Amzn-SageMaker-Custom-Attributes": "output=probability,label"},
    )
    assert status == 200 and headers["Content-Type"] == "application/json"
    predictions = json.loads(body)["predictions"]
    for prediction in predictions:
        assert list(prediction["probabilities"]) == classes
        assert sum(prediction["probabilities"].values()) == pytest.approx(1.0)
        best = max(prediction["probabilities"], key=prediction["probabilities"].get)
        assert prediction["label"] == best

    status, body, _ = penguins_server.invoke(
        penguin_rows[0].encode(), **{"X-Amzn-SageMaker-Custom-Attributes": "threshold=0.3"})
    assert status == 400 and b"threshold applies to binary models" in body
