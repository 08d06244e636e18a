"""Drift against the last approved package, on hand-built reports."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lgbmops.explain import drift, html
from lgbmops.explain.drift import MARKER_FILE, Baseline, DriftError


def explainability(values: dict[str, float], cls: str = ">50K", method: str = "tree_shap") -> dict:
    return {"explanations": {method: {"label0": {"class": cls, "global_shap_values": values,
                                                 "expected_value": -1.0}}}}


def bias(post: dict[str, dict[str, float | None]], pre: dict[str, dict[str, float]] | None = None) -> dict:
    def section(groups):
        facets: dict[str, list] = {}
        for name, metrics in groups.items():
            column, group = name.split("=")
            facets.setdefault(column, []).append({
                "value_or_threshold": group,
                "metrics": [{"name": m, "value": v} for m, v in metrics.items()]})
        return {"label": "income", "label_value_or_threshold": ">50K", "facets": facets}
    return {"pre_training_bias_metrics": section(pre or {}), "post_training_bias_metrics": section(post)}


BEFORE_SHAP = {"relationship": 0.9, "capital_gain": 0.7, "age": 0.5, "education": 0.3,
               "hours": 0.2, "occupation": 0.1, "race": 0.01}
BEFORE_BIAS = bias({"sex=Female": {"DPPL": 0.24, "DI": 0.30, "RD": None}},
                   {"sex=Female": {"CI": 0.33, "DPL": 0.20}})


def test_compare_rankingChange_entersLeavesAndRankCorrelation():
    now = dict(BEFORE_SHAP, race=0.95, hours=0.05)  # race jumps to first, hours drops out
    result = drift.compare(BEFORE_BIAS, explainability(now),
                           Baseline("arn:pkg/1", BEFORE_BIAS, explainability(BEFORE_SHAP)), top_k=5)

    assert result["status"] == "compared" and result["baseline_package"] == "arn:pkg/1"
    ranking = result["feature_ranking"]["label0"]
    assert ranking["top_k_before"] == ["relationship", "capital_gain", "age", "education", "hours"]
    assert ranking["top_k_now"] == ["race", "relationship", "capital_gain", "age", "education"]
    assert ranking["entered"] == ["race"] and ranking["left"] == ["hours"]
    assert ranking["rank_changes"] == {"relationship": -1, "capital_gain": -1, "age": -1, "education": -1}
    # Spearman's rho from its textbook formula (no ties here).
    before_rank = {n: i + 1 for i, n in enumerate(drift.ranked(BEFORE_SHAP))}
    now_rank = {n: i + 1 for i, n in enumerate(drift.ranked(now))}
    n = len(before_rank)
    d2 = sum((before_rank[f] - now_rank[f]) ** 2 for f in before_rank)
    assert ranking["spearman"] == pytest.approx(1 - 6 * d2 / (n * (n * n - 1)), abs=1e-12)
    assert ranking["spearman"] < 0.5


def test_compare_sameRanking_nothingEntersAndCorrelationIsOne():
    scaled = {k: v * 2 for k, v in BEFORE_SHAP.items()}
    result = drift.compare(BEFORE_BIAS, explainability(scaled),
                           Baseline("arn:pkg/1", BEFORE_BIAS, explainability(BEFORE_SHAP)))

    ranking = result["feature_ranking"]["label0"]
    assert ranking["entered"] == ranking["left"] == [] and ranking["rank_changes"] == {}
    assert ranking["spearman"] == pytest.approx(1.0)


def test_compare_biasDelta_perFacetAndMetric():
    now = bias({"sex=Female": {"DPPL": 0.09, "DI": 0.85, "RD": 0.02}, "race=Black": {"DPPL": 0.05}},
               {"sex=Female": {"CI": 0.33, "DPL": 0.20}})
    result = drift.compare(now, explainability(BEFORE_SHAP),
                           Baseline("arn:pkg/1", BEFORE_BIAS, explainability(BEFORE_SHAP)))

    post = result["bias"]["post_training_bias_metrics"]["facets"]
    [female] = post["sex"]
    changes = {m["name"]: m for m in female["metrics"]}
    assert changes["DPPL"]["change"] == pytest.approx(0.09 - 0.24)
    assert changes["DI"]["change"] == pytest.approx(0.85 - 0.30)
    assert changes["DI"]["before"] == 0.30 and changes["DI"]["now"] == 0.85
    assert changes["RD"]["before"] is None and changes["RD"]["change"] is None  # not judged before
    assert post["race"] == [{"value_or_threshold": "Black", "status": "new group"}]
    pre = {m["name"]: m["change"]
           for m in result["bias"]["pre_training_bias_metrics"]["facets"]["sex"][0]["metrics"]}
    assert pre == {"CI": pytest.approx(0.0), "DPL": pytest.approx(0.0)}


def test_compare_clarifyBaseline_readsKernelShapAndMatchesByClass():
    before = explainability(BEFORE_SHAP, method="kernel_shap")
    result = drift.compare(BEFORE_BIAS, explainability(BEFORE_SHAP),
                           Baseline("arn:pkg/1", BEFORE_BIAS, before))
    assert result["feature_ranking"]["label0"]["status"] == "compared"

    other_class = explainability(BEFORE_SHAP, cls="<=50K")
    result = drift.compare(BEFORE_BIAS, explainability(BEFORE_SHAP),
                           Baseline("arn:pkg/1", BEFORE_BIAS, other_class))
    assert result["feature_ranking"]["label0"]["status"] == "new output"


def write(directory: Path, name: str, document: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(json.dumps(document))
    return directory


def test_readBaseline_marker_skipsWithTheGivenReason(tmp_path):
    marker = {"no_report": True}
    baseline = drift.read_baseline(write(tmp_path / "b", MARKER_FILE, marker),
                                   write(tmp_path / "e", MARKER_FILE, marker), "",
                                   "no Approved model package in group lgbmops-dev-models")
    result = drift.compare(BEFORE_BIAS, explainability(BEFORE_SHAP), baseline)

    assert result == {"version": "1.0", "status": "skipped", "baseline_package": "",
                      "reason": "no Approved model package in group lgbmops-dev-models"}
    page = html.render("t", {"method": "m", "rows_explained": 1, "rows_in_split": 1, "output_meaning": "x",
                             "explanations": {"tree_shap": {}}, "local_explanations": []},
                       {"gate": {"measured": False, "reason": "none"}, "post_training_bias_metrics":
                        {"label": "y", "label_value_or_threshold": 1}, "predicted_label": "p",
                        "min_group_rows": 1, "groups": {}, "pre_training_bias_metrics": {"facets": {}}},
                       None, result)
    assert "Not compared: no Approved model package in group lgbmops-dev-models." in page


def test_readBaseline_packageWithoutBiasReport_skipsNamingIt(tmp_path):
    baseline = drift.read_baseline(write(tmp_path / "b", MARKER_FILE, {}),
                                   write(tmp_path / "e", "explainability.json", explainability(BEFORE_SHAP)),
                                   "arn:aws:sagemaker:us-east-1:1:model-package/g/3")
    assert not baseline.found
    assert baseline.reason == "the last approved package arn:aws:sagemaker:us-east-1:1:model-package/g/3 has no bias report"


def test_readBaseline_reports_areRead(tmp_path):
    baseline = drift.read_baseline(write(tmp_path / "b", "bias.json", BEFORE_BIAS),
                                   write(tmp_path / "e", "explainability.json", explainability(BEFORE_SHAP)),
                                   "arn:pkg/2")
    assert baseline.found and baseline.bias == BEFORE_BIAS


def test_readBaseline_emptyOrAmbiguousInput_failsNamingTheDirectory(tmp_path):
    (tmp_path / "b").mkdir()
    with pytest.raises(DriftError, match=r"/b: expected the previous bias report or no-approved-package.json, found none"):
        drift.read_baseline(tmp_path / "b", tmp_path / "e")
    write(tmp_path / "b", "bias.json", {})
    write(tmp_path / "b", "other.json", {})
    with pytest.raises(DriftError, match=r"found bias.json, other.json"):
        drift.read_baseline(tmp_path / "b", tmp_path / "e")


def test_readBaseline_notJson_failsNamingTheFile(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "bias.json").write_text("{nope")
    write(tmp_path / "e", MARKER_FILE, {})
    with pytest.raises(DriftError, match=r"bias.json: the previous bias report is not JSON"):
        drift.read_baseline(tmp_path / "b", tmp_path / "e")
