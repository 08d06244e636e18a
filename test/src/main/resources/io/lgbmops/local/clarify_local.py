"""Local stand-in for the SageMaker Clarify processing container.

Reads a Clarify analysis configuration and the dataset, asks a model endpoint for predictions
(as Clarify does through its shadow endpoint) and writes `analysis.json` in Clarify's layout:

- post-training bias (MODEL_BIAS): DPPL, DI, AD, RD of the predicted labels across the facet;
- pre-training bias (DATA_BIAS): CI and DPL of the observed labels;
- explainability (MODEL_EXPLAINABILITY): Kernel SHAP against the configured baseline record(s),
  with `num_samples` coalitions, aggregated over the dataset with `agg_method`.

The endpoint answers one line per row: one probability (binary: the predicted label is positive
when it exceeds `probability_threshold`), or one probability per class (multiclass: the predicted
label is `predictor.label_headers[argmax]`, else the argmax index). A row counts as positive when
its (predicted) label is one of `label_values_or_threshold`. SHAP is computed for every output
column: `label0` for a single probability, else one entry per label header.

The runner checks beforehand that the configuration asks only for these; this script refuses
anything else rather than leaving it out.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
from lgbmops.explain.bias import DESCRIPTIONS, PRE_TRAINING

# Metric names and descriptions are the container's (its bias report is in Clarify's layout too);
# of the post-training metrics this stand-in computes these four, and "all" means them.
POST_TRAINING = ("DPPL", "DI", "AD", "RD")
BATCH_ROWS = 5000


def read_dataset(config: dict, data_dir: Path) -> pd.DataFrame:
    files = sorted(p for p in data_dir.rglob("*") if p.is_file())
    if not files:
        raise SystemExit(f"no dataset files in {data_dir}")
    headers = config["headers"]
    frames = [pd.read_csv(f, header=None, names=headers, dtype=str, keep_default_na=False) for f in files]
    return pd.concat(frames, ignore_index=True)


def predict(endpoint: str, rows: list[list[str]]) -> np.ndarray:
    """The endpoint's answer as an (n rows, k outputs) array."""
    scores: list[list[float]] = []
    for start in range(0, len(rows), BATCH_ROWS):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows[start:start + BATCH_ROWS])
        request = urllib.request.Request(
            endpoint, data=buffer.getvalue().encode("utf-8"), method="POST",
            headers={"Content-Type": "text/csv", "Accept": "text/csv"})
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read().decode("utf-8")
        scores.extend([float(v) for v in line.split(",")] for line in body.splitlines() if line.strip())
    if len(scores) != len(rows):
        raise SystemExit(f"the endpoint returned {len(scores)} lines for {len(rows)} rows")
    if len({len(s) for s in scores}) > 1:
        raise SystemExit("the endpoint returned lines with different numbers of values")
    return np.asarray(scores, dtype=float).reshape(len(rows), -1)


def output_names(config: dict, k: int) -> list[str]:
    headers = config.get("predictor", {}).get("label_headers")
    if k == 1:
        return ["label0"]
    if headers and len(headers) == k:
        return [str(h) for h in headers]
    return [f"label{j}" for j in range(k)]


def predicted_positive(config: dict, scores: np.ndarray, positive: set[str]) -> np.ndarray:
    if scores.shape[1] == 1:
        return scores[:, 0] > float(config.get("probability_threshold", 0.5))
    headers = config.get("predictor", {}).get("label_headers")
    index = scores.argmax(axis=1)
    labels = np.asarray([str(h) for h in headers], dtype=object)[index] if headers else index.astype(str)
    return np.isin(labels, list(positive))


def _methods(value) -> list[str]:
    return list(value) if isinstance(value, list) else list(value.get("methods", [])) if isinstance(value, dict) else []


def bias(config: dict, data: pd.DataFrame, endpoint: str | None, post_training: bool) -> dict:
    label = config["label"]
    positive = {str(v) for v in config["label_values_or_threshold"]}
    observed = data[label].isin(positive).to_numpy()
    methods = _methods(config["methods"]["post_training_bias" if post_training else "pre_training_bias"])
    wanted = list(POST_TRAINING if post_training else PRE_TRAINING) if methods == ["all"] else methods
    predicted = None
    if post_training:
        features = [h for h in config["headers"] if h != label]
        predicted = predicted_positive(config, predict(endpoint, data[features].values.tolist()), positive)
    facets = {}
    for facet in config["facet"]:
        name = facet["name_or_index"]
        values = [str(v) for v in facet["value_or_threshold"]]
        disadvantaged = data[name].isin(values).to_numpy()
        advantaged = ~disadvantaged
        metrics = []
        for method in wanted:
            value = _metric(method, observed, predicted, advantaged, disadvantaged)
            metrics.append({"name": method, "description": DESCRIPTIONS[method], "value": value})
        facets[name] = [{"value_or_threshold": ",".join(values), "metrics": metrics}]
    key = "post_training_bias_metrics" if post_training else "pre_training_bias_metrics"
    return {key: {"label": label, "facets": facets, "label_value_or_threshold": ",".join(sorted(positive))}}


def _rate(mask: np.ndarray, within: np.ndarray) -> float:
    return float(mask[within].mean()) if within.any() else float("nan")


def _metric(method, observed, predicted, a, d) -> float:
    if method == "CI":
        return float((a.sum() - d.sum()) / (a.sum() + d.sum()))
    if method == "DPL":
        return _rate(observed, a) - _rate(observed, d)
    if method == "DPPL":
        return _rate(predicted, a) - _rate(predicted, d)
    if method == "DI":
        qa = _rate(predicted, a)
        return _rate(predicted, d) / qa if qa else float("nan")
    if method == "AD":
        correct = predicted == observed
        return _rate(correct, a) - _rate(correct, d)
    if method == "RD":
        return _rate(predicted, a & observed) - _rate(predicted, d & observed)
    raise SystemExit(f"no local implementation of bias metric {method}")


def kernel_shap(config: dict, data: pd.DataFrame, endpoint: str, seed: int) -> dict:
    shap = config["methods"]["shap"]
    label = config.get("label")
    features = [h for h in config["headers"] if h != label]
    rows = data[features].astype(str).to_numpy()
    baselines = [[str(v) for v in record] for record in shap["baseline"]]
    if any(len(b) != len(features) for b in baselines):
        raise SystemExit(f"a SHAP baseline record does not have {len(features)} features")
    m = len(features)
    k = int(shap.get("num_samples", 2 * m + 2048))
    rng = np.random.default_rng(int(shap.get("seed", seed)))
    sizes = np.arange(1, m)
    size_weights = (m - 1) / (sizes * (m - sizes))
    coalitions = np.zeros((k, m), dtype=bool)
    for i, size in enumerate(rng.choice(sizes, size=k, p=size_weights / size_weights.sum())):
        coalitions[i, rng.choice(m, size=size, replace=False)] = True

    n = len(rows)
    full = predict(endpoint, rows.tolist())
    outputs = full.shape[1]
    contributions = np.zeros((outputs, n, m))
    expected = np.zeros(outputs)
    z_last = coalitions[:, -1].astype(float)
    design = coalitions[:, :-1].astype(float) - z_last[:, None]
    for baseline in baselines:
        base = np.asarray(baseline, dtype=object)
        f_base = predict(endpoint, [baseline])[0]
        synthetic = np.where(coalitions[None, :, :], rows[:, None, :], base[None, None, :]).reshape(n * k, m)
        f_coalitions = predict(endpoint, synthetic.tolist()).reshape(n, k, outputs)
        for j in range(outputs):
            total = full[:, j] - f_base[j]
            # Efficiency constraint: the attributions add up to f(x) - f(baseline); eliminate the last one.
            target = (f_coalitions[:, :, j] - f_base[j]) - z_last[None, :] * total[:, None]
            solved = np.linalg.lstsq(design, target.T, rcond=None)[0].T
            phi = np.concatenate([solved, (total - solved.sum(axis=1))[:, None]], axis=1)
            contributions[j] += phi / len(baselines)
        expected += f_base / len(baselines)
    method = shap.get("agg_method", "mean_abs")
    if method == "mean_abs":
        global_values = np.abs(contributions).mean(axis=1)
    elif method == "median":
        global_values = np.median(contributions, axis=1)
    elif method == "mean_sq":
        global_values = (contributions ** 2).mean(axis=1)
    else:
        raise SystemExit(f"no local implementation of SHAP agg_method {method}")
    return {"explanations": {"kernel_shap": {
        name: {"global_shap_values": {f: float(v) for f, v in zip(features, global_values[j])},
               "expected_value": float(expected[j])}
        for j, name in enumerate(output_names(config, outputs))}}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--check-type", required=True, choices=["DATA_BIAS", "MODEL_BIAS", "MODEL_EXPLAINABILITY"])
    parser.add_argument("--endpoint")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = json.loads(args.config.read_text(encoding="utf-8"))
    data = read_dataset(config, args.data)
    analysis: dict = {"version": "1.0"}
    if args.check_type == "DATA_BIAS":
        analysis.update(bias(config, data, None, post_training=False))
    elif args.check_type == "MODEL_BIAS":
        analysis.update(bias(config, data, args.endpoint, post_training=True))
    else:
        analysis.update(kernel_shap(config, data, args.endpoint, args.seed))
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "analysis.json").write_text(json.dumps(analysis, indent=2) + "\n", encoding="utf-8")
    print(f"rows={len(data)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
