"""The `explain` entry point on real preprocess -> train runs, as the Processing step runs it."""
from __future__ import annotations

import json
import re
import shutil
import tarfile

import lightgbm as lgb
import numpy as np
import pytest

from conftest import PipelineRun, parse_metric_lines, run_script

from lgbmops.explain.drift import DRIFT_FILE, MARKER_FILE
from lgbmops.explain.reports import BIAS_FILE, EXPLAINABILITY_FILE, REPORT_FILE


def _explain(run: PipelineRun, *args: str):
    done = run_script("explain", run.opt_ml, *args)
    assert done.returncode == 0, done.stderr
    out = run.opt_ml / "processing" / "explain"
    return (done, json.loads((out / BIAS_FILE).read_text()),
            json.loads((out / EXPLAINABILITY_FILE).read_text()), (out / REPORT_FILE).read_text())


@pytest.fixture(scope="module")
def census(pipeline: PipelineRun):
    return _explain(pipeline, "--min-disparate-impact", "0.8", "--max-abs-dppl", "0.1")


def test_explain_census_biasOfSexFemale_inClarifyLayoutAndGateSummary(census):
    done, bias, _, _ = census
    post = bias["post_training_bias_metrics"]
    assert post["label"] == "income" and post["label_value_or_threshold"] == ">50K"
    [female] = post["facets"]["sex"]
    assert female["value_or_threshold"] == "Female"
    metrics = {m["name"]: m["value"] for m in female["metrics"]}
    assert set(metrics) == {"DPPL", "DI", "AD", "RD", "DAR"}
    pre = {m["name"]: m["value"] for m in bias["pre_training_bias_metrics"]["facets"]["sex"][0]["metrics"]}
    assert set(pre) == {"CI", "DPL"}
    [group] = bias["groups"]["sex"]
    d, a = group["facet_group"], group["rest"]
    assert metrics["DPPL"] == pytest.approx(a["predicted_positive_rate"] - d["predicted_positive_rate"])
    assert pre["CI"] == pytest.approx((a["rows"] - d["rows"]) / (a["rows"] + d["rows"]))
    # Census: women are a third of the rows and far fewer are predicted above 50K.
    assert 0.1 < metrics["DPPL"] < 0.35 and metrics["DI"] < 0.5 and pre["CI"] > 0.2
    gate = bias["gate"]
    assert gate["measured"] and gate["worst_di_facet"] == gate["worst_abs_dppl_facet"] == "sex=Female"
    assert gate["worst_di"] == metrics["DI"] and gate["worst_abs_dppl"] == abs(metrics["DPPL"])
    printed = parse_metric_lines(done.stdout)
    assert float(printed["worst_abs_dppl"]) == pytest.approx(gate["worst_abs_dppl"], abs=1e-6)


def test_explain_census_shapAddsUpToTheModelsRawScore(census, pipeline: PipelineRun):
    _, _, explained, _ = census
    [label] = explained["explanations"]["tree_shap"].values()
    assert label["class"] == ">50K"
    assert explained["rows_explained"] == explained["rows_in_split"] > 4000
    booster = lgb.Booster(model_file=str(pipeline.model_dir / "model.txt"))
    ranked = sorted(label["global_shap_values"], key=label["global_shap_values"].get, reverse=True)
    assert set(ranked) == set(booster.feature_name())
    # Census income is explained by relationship/marital status, capital gain, age, education.
    assert set(ranked[:4]) & {"relationship", "marital_status", "capital_gain"}
    assert len(explained["local_explanations"]) == 5
    for item in explained["local_explanations"]:
        output = item["outputs"]["label0"]
        total = label["expected_value"] + sum(output["shap_values"].values())
        assert total == pytest.approx(output["raw_score"], abs=1e-9)


def test_explain_census_htmlReport_selfContainedWithPictures(census):
    _, _, _, page = census
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 3
    assert "sex=Female" in page and "FAIL" in page  # the default policy fails census
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<script" not in page


def test_explain_sampledSplit_explainsAtMostMaxRows(pipeline: PipelineRun):
    _, _, explained, _ = _explain(pipeline, "--max-rows", "300", "--local-rows", "2", "--seed", "4")
    assert explained["rows_explained"] == 300 and len(explained["local_explanations"]) == 2


def test_explain_multiclass_perClassImportance(penguins_pipeline: PipelineRun):
    _, bias, explained, _ = _explain(penguins_pipeline)
    labels = explained["explanations"]["tree_shap"]
    assert sorted(labels) == ["label0", "label1", "label2"]
    assert [labels[k]["class"] for k in sorted(labels)] == ["Adelie", "Chinstrap", "Gentoo"]
    # penguins' test split is small: the female group's recall has too few rows to judge.
    [female] = bias["post_training_bias_metrics"]["facets"]["sex"]
    assert any(m["value"] is None and m["error"].startswith("too small to judge")
               for m in female["metrics"])


def test_explain_noFacet_gateRecordsItAndPasses(churn_pipeline: PipelineRun):
    _, bias, _, page = _explain(churn_pipeline)
    assert bias["gate"] == {"measured": False, "reason": "dataset churn declares no fairness facet",
                            "worst_di": 1.0, "worst_di_facet": "none",
                            "worst_abs_dppl": 0.0, "worst_abs_dppl_facet": "none"}
    assert bias["post_training_bias_metrics"]["facets"] == {}
    assert "Nothing measured" in page


def test_explain_modelDirectory_asWellAsTarball(pipeline: PipelineRun, tmp_path):
    opt_ml = tmp_path / "opt_ml"
    shutil.copytree(pipeline.opt_ml / "processing" / "test", opt_ml / "processing" / "test")
    with tarfile.open(pipeline.opt_ml / "processing" / "model" / "model.tar.gz") as archive:
        archive.extractall(opt_ml / "processing" / "model", filter="data")
    done = run_script("explain", opt_ml, "--max-rows", "50")
    assert done.returncode == 0, done.stderr
    assert (opt_ml / "processing" / "explain" / BIAS_FILE).is_file()


def test_explain_fails_withOneLineReason(pipeline: PipelineRun, tmp_path):
    opt_ml = tmp_path / "opt_ml"
    (opt_ml / "processing" / "model").mkdir(parents=True)
    done = run_script("explain", opt_ml)
    assert done.returncode == 1
    message = (opt_ml / "output" / "message").read_text().strip()
    assert message.endswith("neither model.tar.gz nor model.txt is there") and "\n" not in message
    assert not (opt_ml / "processing" / "explain").exists()

    bad = run_script("explain", opt_ml, "--max-rows", "0")
    assert bad.returncode == 1
    assert (opt_ml / "output" / "message").read_text().strip() == "--max-rows must be >= 1, got 0"


def test_explain_withoutBaselineInputs_driftSkippedWithReason(census):
    _, _, _, page = census
    assert "Not compared: the job was given no previous reports to compare with." in page


def _opt_ml_with_model_and_test(pipeline: PipelineRun, opt_ml):
    shutil.copytree(pipeline.opt_ml / "processing" / "test", opt_ml / "processing" / "test")
    shutil.copytree(pipeline.opt_ml / "processing" / "model", opt_ml / "processing" / "model")
    return opt_ml


def test_explain_againstApprovedReports_writesDriftJson(pipeline: PipelineRun, census, tmp_path):
    opt_ml = _opt_ml_with_model_and_test(pipeline, tmp_path / "opt_ml")
    _, previous_bias, previous_explainability, _ = census  # the same model, all rows
    for name, file, document in (("baseline-bias", BIAS_FILE, previous_bias),
                                 ("baseline-explainability", EXPLAINABILITY_FILE, previous_explainability)):
        (opt_ml / "processing" / "input" / name).mkdir(parents=True)
        (opt_ml / "processing" / "input" / name / file).write_text(json.dumps(document))
    done = run_script("explain", opt_ml, "--baseline-package", "arn:aws:sagemaker:us-east-1:111122223333:model-package/g/1")
    assert done.returncode == 0, done.stderr

    out = opt_ml / "processing" / "explain"
    drifted = json.loads((out / DRIFT_FILE).read_text())
    assert drifted["status"] == "compared" and drifted["baseline_package"].endswith("model-package/g/1")
    ranking = drifted["feature_ranking"]["label0"]
    assert ranking["entered"] == ranking["left"] == [] and ranking["spearman"] == pytest.approx(1.0)
    [female] = drifted["bias"]["post_training_bias_metrics"]["facets"]["sex"]
    assert {m["name"]: m["change"] for m in female["metrics"]}["DPPL"] == pytest.approx(0.0)
    assert "Change since the last approved model" in (out / REPORT_FILE).read_text()


def test_explain_markerInputs_driftSkippedWithTheLambdasReason(pipeline: PipelineRun, tmp_path):
    opt_ml = _opt_ml_with_model_and_test(pipeline, tmp_path / "opt_ml")
    for name in ("baseline-bias", "baseline-explainability"):
        (opt_ml / "processing" / "input" / name).mkdir(parents=True)
        (opt_ml / "processing" / "input" / name / MARKER_FILE).write_text("{}")
    done = run_script("explain", opt_ml, "--max-rows", "50",
                      "--baseline-reason", "no Approved model package in group lgbmops-dev-models")
    assert done.returncode == 0, done.stderr
    drifted = json.loads((opt_ml / "processing" / "explain" / DRIFT_FILE).read_text())
    assert drifted["status"] == "skipped"
    assert drifted["reason"] == "no Approved model package in group lgbmops-dev-models"
