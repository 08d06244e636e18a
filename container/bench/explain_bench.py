"""Time the `explain` step on the census test split next to the local runner's Kernel SHAP.

    .venv/bin/python container/bench/explain_bench.py [--runs 3] [--exact-rows 20] [--report-copy PATH]

One run, one machine: preprocess -> train -> evaluate on census (default hyperparameters), then
  * ours: exact TreeSHAP (`shap.contributions`, LightGBM's pred_contrib) on every test row,
    in process (median of --runs), and the whole `explain` console script (process start,
    bias metrics and the three reports included);
  * reference: the Kernel SHAP that stands in for Clarify in the local runner
    (test/src/main/resources/io/lgbmops/local/clarify_local.py, loaded as it is and called with
    the explainability analysis configuration preprocess wrote: one baseline record, 100
    coalitions per row), asking our `serve` on 127.0.0.1 for predictions as Clarify asks its
    shadow endpoint, on the same rows;
  * exactness: ours adds up to the raw score on every row (its equality with Shapley values
    from their definition is `tests/test_explain_shap.py`); Kernel SHAP's estimate is set
    against the exact Shapley values of the very game it estimates (the probability, features
    outside the coalition at the baseline record), every one of the 2^14 coalitions
    enumerated, for --exact-rows rows: with the configured 100 coalitions, and with the
    stand-in's own default when none is configured (2M + 2048 = 2076), timed per row too.
Prints rows/s of each, the ratio per explained row (goal >= 100x), the errors, and census's
sex=Female bias table. Only 127.0.0.1 is contacted.
"""
from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import BIN, evaluate, free_port, log, metric_lines, prepare, run, stop, wait_until  # noqa: E402

from lgbmops.dataset import Dataset  # noqa: E402
from lgbmops.explain import shap  # noqa: E402
from lgbmops.explain.reports import BIAS_FILE, REPORT_FILE  # noqa: E402
from lgbmops.model import load_model  # noqa: E402
from lgbmops.sagemaker_io import read_labelled_csv  # noqa: E402

REPOSITORY = HERE.parent.parent
KERNEL_SHAP = REPOSITORY / "test" / "src" / "main" / "resources" / "io" / "lgbmops" / "local" / "clarify_local.py"
EXPLAINABILITY_CONFIG = Path("processing") / "clarify" / "model-explainability" / "analysis_config.json"


def load_kernel_shap():
    spec = importlib.util.spec_from_file_location("clarify_local", KERNEL_SHAP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exact_single_baseline(booster, schema, row: list[str], baseline: list[str]) -> np.ndarray:
    """Shapley values of v(S) = f(x_S, baseline elsewhere), f the probability, by enumeration."""
    m = len(row)
    masks = np.array(list(itertools.product([False, True], repeat=m)))
    synthetic = np.where(masks, np.array(row, dtype=object), np.array(baseline, dtype=object))
    frame = pd.DataFrame(synthetic, columns=schema.names).replace("", np.nan)
    values = np.asarray(booster.predict(schema.matrix(frame, "coalitions")))
    index = {tuple(mask): k for k, mask in enumerate(masks)}
    phi = np.zeros(m)
    weights = [math.factorial(s) * math.factorial(m - s - 1) / math.factorial(m) for s in range(m)]
    for k, mask in enumerate(masks):
        size = int(mask.sum())
        for i in np.flatnonzero(~mask):
            with_i = mask.copy()
            with_i[i] = True
            phi[i] += weights[size] * (values[index[tuple(with_i)]] - values[k])
    return phi


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--exact-rows", type=int, default=20)
    parser.add_argument("--report-copy", type=Path, help="copy report.html here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lgbmops-explain-bench-"))
    try:
        root = work / "opt_ml"
        log("preprocess, train, evaluate on census")
        # The Kernel SHAP stand-in reads the Clarify document only the clarify mode has written.
        prepare(root, "--clarify-instance-type", "ml.m5.xlarge")
        run([str(BIN / "train")], {"LGBMOPS_OPT_ML": str(root)})
        evaluate(root)
        booster, schema = load_model(root / "model")
        dataset = Dataset.load(root / "processing" / "test")
        test = read_labelled_csv([root / "processing" / "test" / "test.csv"], dataset, "test")
        matrix = schema.matrix(test.features, "test")
        rows = np.arange(len(matrix))

        log(f"ours: TreeSHAP on {len(rows)} rows, {args.runs} runs")
        tree_seconds = []
        for _ in range(args.runs):
            began = time.perf_counter()
            found = shap.contributions(booster, matrix, rows)
            tree_seconds.append(time.perf_counter() - began)
        additivity = float(np.max(np.abs(found.values.sum(axis=2) + found.expected - found.raw)))
        step_seconds, step_compute = [], []
        for _ in range(args.runs):
            began = time.perf_counter()
            done = run([str(BIN / "explain")], {"LGBMOPS_OPT_ML": str(root)})
            step_seconds.append(time.perf_counter() - began)
            step_compute.append(float(metric_lines(done.stdout)["explain_seconds"]))

        kernel = load_kernel_shap()
        config = json.loads((root / EXPLAINABILITY_CONFIG).read_text())
        features = [h for h in config["headers"] if h != config["label"]]
        assert features == schema.names, (features, schema.names)
        text = pd.read_csv(root / "processing" / "test" / "test.csv", dtype=str,
                           keep_default_na=False)
        data = text[config["headers"]]
        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "serve"), "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, "LGBMOPS_OPT_ML": str(root)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            endpoint = f"http://127.0.0.1:{port}/invocations"
            wait_until(f"http://127.0.0.1:{port}/ping", server)
            log(f"reference: Kernel SHAP ({config['methods']['shap']['num_samples']} coalitions) "
                f"on the same {len(data)} rows")
            began = time.perf_counter()
            kernel.kernel_shap(config, data, endpoint, seed=0)
            kernel_seconds = time.perf_counter() - began

            log(f"exactness on {args.exact_rows} rows (2^{len(features)} coalitions each)")
            configured = config["methods"]["shap"]["num_samples"]
            default = 2 * len(features) + 2048  # clarify_local.py's, without num_samples
            baseline = [str(v) for v in config["methods"]["shap"]["baseline"][0]]
            picked = np.linspace(0, len(data) - 1, args.exact_rows).round().astype(int)
            exact = [exact_single_baseline(booster, schema, data.iloc[row][features].tolist(),
                                           baseline) for row in picked]
            scales = np.array([np.abs(e).sum() for e in exact])
            accuracy = {}
            for samples in (configured, default):
                # agg_method median of one row is that row's signed values
                signed = {**config, "methods": {**config["methods"], "shap": {
                    **config["methods"]["shap"], "agg_method": "median", "num_samples": samples}}}
                errors, seconds = [], 0.0
                for row, reference in zip(picked, exact):
                    one = data.iloc[[row]].reset_index(drop=True)
                    began = time.perf_counter()
                    estimated = kernel.kernel_shap(signed, one, endpoint, seed=0)
                    seconds += time.perf_counter() - began
                    values = estimated["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
                    errors.append(np.abs(np.array([values[f] for f in features]) - reference))
                accuracy[samples] = (np.array(errors), seconds / len(picked))
        finally:
            stop(server)

        bias = json.loads((root / "processing" / "explain" / BIAS_FILE).read_text())
        if args.report_copy:
            args.report_copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(root / "processing" / "explain" / REPORT_FILE, args.report_copy)
        report(len(rows), tree_seconds, step_seconds, step_compute, kernel_seconds, additivity,
               accuracy, scales, bias)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def report(rows, tree_seconds, step_seconds, step_compute, kernel_seconds, additivity,
           accuracy, scales, bias) -> None:
    tree = statistics.median(tree_seconds)
    step = statistics.median(step_seconds)
    compute = statistics.median(step_compute)
    print(f"census test split: {rows} rows, 14 features")
    print(f"{'what':<52}{'seconds':>9}{'rows/s':>12}{'vs Kernel SHAP':>16}")
    for name, seconds in (("TreeSHAP, pred_contrib (in process)", tree),
                          ("explain step: SHAP + bias + reports (in process)", compute),
                          ("explain step: whole process", step),
                          ("Kernel SHAP stand-in, 100 coalitions, via serve", kernel_seconds)):
        print(f"{name:<52}{seconds:>9.3f}{rows / seconds:>12.0f}{kernel_seconds / seconds:>15.2f}x")
    print(f"TreeSHAP: exact; max |sum(SHAP) + expected - raw score| over all rows = {additivity:.2e}")
    ours_per_row = step / rows
    for samples, (errors, per_row) in accuracy.items():
        print(f"Kernel SHAP, {samples} coalitions, {len(errors)} rows, against the exact Shapley "
              f"values of its own game: mean abs error {errors.mean():.4f}, max {errors.max():.4f} "
              f"(probability); error / sum|phi| per row, median "
              f"{np.median(errors.sum(axis=1) / scales):.1%}; {per_row * 1000:.1f} ms per row, "
              f"{per_row / ours_per_row:.1f}x the whole explain step's time per row")
    print()
    groups = bias["groups"]["sex"][0]
    metrics = (bias["pre_training_bias_metrics"]["facets"]["sex"][0]["metrics"]
               + bias["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"])
    print(f"bias of {groups['group']} (d) against the rest (a), class of interest "
          f"{bias['post_training_bias_metrics']['label_value_or_threshold']}:")
    for key, name in (("facet_group", "d"), ("rest", "a")):
        g = groups[key]
        print(f"  {name}: rows {g['rows']}, labelled positive rate {g['labelled_positive_rate']:.4f}, "
              f"predicted positive rate {g['predicted_positive_rate']:.4f}")
    for m in metrics:
        value = f"{m['value']:.4f}" if m["value"] is not None else m["error"]
        print(f"  {m['name']:<5}{value:>10}  {m['description']}")
    print(f"gate: {json.dumps(bias['gate'])}")


if __name__ == "__main__":
    sys.exit(main())
