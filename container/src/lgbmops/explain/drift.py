"""Drift against the last approved model package: how this model's explanations and bias moved.

The pipeline hands the explain job the last Approved package's `explainability.json` and
`bias.json` (the deploy function's `resolve-package` finds them). When the group has no
Approved package, or that package registered no such report, the job gets the marker document
`no-approved-package.json` instead, and the comparison is skipped with the reason.

`drift.json`:
- `status`: "compared" or "skipped" (then `reason` says why and nothing else is filled in);
- `feature_ranking`: per output (`label<k>`, matched by class), the top-k features by mean |SHAP|
  before and now, the features that entered and left the top k, and Spearman's rank correlation
  of the two rankings over the features both models know;
- `bias`: per section (pre/post training), facet column and group, each metric's value before and
  now and the change (now - before); null when either side could not be judged. Groups or
  metrics on one side only are listed as such.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LgbmopsError

DRIFT_FILE = "drift.json"
# The document the pipeline stack uploads next to its settings and the deploy function names
# when there is no report to compare with; any other file is a report.
MARKER_FILE = "no-approved-package.json"
DEFAULT_TOP_K = 5
VERSION = "1.0"
SECTIONS = ("pre_training_bias_metrics", "post_training_bias_metrics")
EXPLANATION_METHODS = ("tree_shap", "kernel_shap")


class DriftError(LgbmopsError):
    pass


@dataclass(frozen=True)
class Baseline:
    """The previous package's reports, or why there are none."""
    package: str
    bias: dict[str, Any] | None
    explainability: dict[str, Any] | None
    reason: str = ""

    @property
    def found(self) -> bool:
        return self.bias is not None and self.explainability is not None


def read_baseline(bias_dir: Path, explainability_dir: Path, package: str = "",
                  reason: str = "") -> Baseline:
    """Each directory holds what the job downloaded: one report, or the marker."""
    bias = _read_one(bias_dir, "bias")
    explainability = _read_one(explainability_dir, "explainability")
    if bias is None or explainability is None:
        missing = [name for name, doc in (("bias", bias), ("explainability", explainability))
                   if doc is None]
        why = reason or (f"the last approved package {package} has no {' or '.join(missing)} report"
                         if package else "no approved model package to compare with")
        return Baseline(package, None, None, why)
    return Baseline(package, bias, explainability, reason)


def _read_one(directory: Path, what: str) -> dict[str, Any] | None:
    found = sorted(p for p in directory.rglob("*.json") if p.is_file()) if directory.is_dir() else []
    if len(found) != 1:
        listed = ", ".join(p.name for p in found) or "none"
        raise DriftError(f"{directory}: expected the previous {what} report or {MARKER_FILE}, "
                         f"found {listed}")
    if found[0].name == MARKER_FILE:
        return None
    try:
        document = json.loads(found[0].read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DriftError(f"{found[0]}: the previous {what} report is not JSON: {err}") from None
    if not isinstance(document, dict):
        raise DriftError(f"{found[0]}: the previous {what} report is not a JSON object")
    return document


def skipped(reason: str, package: str = "") -> dict[str, Any]:
    return {"version": VERSION, "status": "skipped", "reason": reason, "baseline_package": package}


def compare(bias: dict[str, Any], explainability: dict[str, Any], baseline: Baseline,
            top_k: int = DEFAULT_TOP_K) -> dict[str, Any]:
    """`drift.json` for this model's reports against the baseline's."""
    if not baseline.found:
        return skipped(baseline.reason, baseline.package)
    return {
        "version": VERSION,
        "status": "compared",
        "reason": "",
        "baseline_package": baseline.package,
        "top_k": top_k,
        "feature_ranking": ranking_change(explainability, baseline.explainability, top_k),
        "bias": bias_change(bias, baseline.bias),
    }


# --- feature ranking ----------------------------------------------------------------------------

def _global_values(document: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """`label<k>` -> {class, values}: tree_shap from our reports, kernel_shap from Clarify's."""
    explanations = document.get("explanations")
    if not isinstance(explanations, dict):
        raise DriftError(f"{where}: no 'explanations' object")
    for method in EXPLANATION_METHODS:
        if method in explanations:
            labels = explanations[method]
            break
    else:
        raise DriftError(f"{where}: 'explanations' has none of {', '.join(EXPLANATION_METHODS)}")
    found = {}
    for key, label in labels.items():
        values = label.get("global_shap_values") if isinstance(label, dict) else None
        if not isinstance(values, dict):
            raise DriftError(f"{where}: explanations {key} has no 'global_shap_values'")
        found[key] = {"class": label.get("class", key), "values": values}
    return found


def ranked(values: dict[str, float]) -> list[str]:
    """Features by mean |SHAP|, largest first; ties by name, so the order is stable."""
    return sorted(values, key=lambda name: (-float(values[name]), name))


def spearman(before: dict[str, float], now: dict[str, float]) -> float | None:
    """Rank correlation over the features both know (average ranks for ties); None below 2."""
    common = sorted(set(before) & set(now))
    if len(common) < 2:
        return None
    a = _ranks(np.array([float(before[n]) for n in common]))
    b = _ranks(np.array([float(now[n]) for n in common]))
    if a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def ranking_change(now_doc: dict[str, Any], before_doc: dict[str, Any], top_k: int) -> dict[str, Any]:
    now = _global_values(now_doc, "this model's explainability report")
    before = _global_values(before_doc, "the approved package's explainability report")
    before_by_class = {str(entry["class"]): entry for entry in before.values()}
    outputs = {}
    for key, entry in now.items():
        previous = before_by_class.get(str(entry["class"]))
        if previous is None:
            outputs[key] = {"class": entry["class"], "status": "new output",
                            "reason": f"the approved package explains no class {entry['class']!r}"}
            continue
        top_now = ranked(entry["values"])[:top_k]
        top_before = ranked(previous["values"])[:top_k]
        outputs[key] = {
            "class": entry["class"],
            "status": "compared",
            "top_k_before": top_before,
            "top_k_now": top_now,
            "entered": [n for n in top_now if n not in top_before],
            "left": [n for n in top_before if n not in top_now],
            "rank_changes": {n: top_before.index(n) - top_now.index(n)
                             for n in top_now if n in top_before and top_before.index(n) != top_now.index(n)},
            "spearman": spearman(previous["values"], entry["values"]),
            "features_only_now": sorted(set(entry["values"]) - set(previous["values"])),
            "features_only_before": sorted(set(previous["values"]) - set(entry["values"])),
        }
    return outputs


# --- bias ---------------------------------------------------------------------------------------

def _metrics(document: dict[str, Any], section: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(column, group) -> {metric name: value} of one section; empty when the section is absent."""
    facets = (document.get(section) or {}).get("facets") or {}
    found = {}
    for column, groups in facets.items():
        for group in groups:
            key = (str(column), str(group.get("value_or_threshold")))
            found[key] = {m["name"]: m.get("value") for m in group.get("metrics", [])}
    return found


def bias_change(now_doc: dict[str, Any], before_doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for section in SECTIONS:
        now = _metrics(now_doc, section)
        before = _metrics(before_doc, section)
        facets: dict[str, list[dict[str, Any]]] = {}
        for column, group in sorted(set(now) | set(before)):
            entry: dict[str, Any] = {"value_or_threshold": group}
            if (column, group) not in before:
                entry["status"] = "new group"
            elif (column, group) not in now:
                entry["status"] = "group no longer measured"
            else:
                entry["status"] = "compared"
                entry["metrics"] = [
                    _metric_change(name, before[(column, group)].get(name), now[(column, group)].get(name))
                    for name in sorted(set(now[(column, group)]) | set(before[(column, group)]))
                ]
            facets.setdefault(column, []).append(entry)
        result[section] = {"facets": facets}
    return result


def _metric_change(name: str, before: Any, now: Any) -> dict[str, Any]:
    change = None
    if isinstance(before, (int, float)) and isinstance(now, (int, float)):
        change = float(now) - float(before)
    return {"name": name, "before": before, "now": now, "change": change}
