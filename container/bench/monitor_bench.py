"""Time the `monitor` step on 100,000 captured rows, and draw its report for a shifted sample.

    .venv/bin/python container/bench/monitor_bench.py [--rows 100000] [--runs 3] [--screenshot PNG]

One run, one machine: preprocess -> train -> evaluate on census (default hyperparameters), then
--rows rows drawn with replacement from the test split, age + 15 years and workclass `Private`
renamed `Private-sector`, written as SageMaker data-capture files (`lgbmops.monitor.capture`)
in two shapes: one row per request (100,000 JSON lines) and 10 rows per request, both with
the model's answers captured as the output. Timed, alternating, --runs times each, whole
processes from spawn to exit:
  * ours: the `monitor` console script (read the window, decode with the schema, PSI/KS, score
    the rows with the model, drift.json + report.html + metrics.json);
  * reference: a process that only parses the same files with pandas
    (`read_json(lines=True)`, then `read_csv` of the captured CSV bodies): the cost of
    reading the data at all, with no checking, scoring or statistics.
With --screenshot, headless Chromium renders the 10-rows-per-request report to that PNG.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import BIN, evaluate, log, metric_lines, prepare, run  # noqa: E402

from lgbmops.monitor.capture import Invocation, write_capture_files  # noqa: E402
from lgbmops.schema import ModelSchema  # noqa: E402

START = datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)
WINDOW = ["--window-start", "2026-03-01T00:00:00Z", "--window-end", "2026-03-02T00:00:00Z"]
ENDPOINT = "lgbmops-bench"

READ_ONLY = r"""
import io, sys
from pathlib import Path
import pandas as pd
frames = [pd.read_json(p, lines=True) for p in sorted(Path(sys.argv[1]).rglob("*.jsonl"))]
records = pd.concat(frames, ignore_index=True)
bodies = "\n".join(d["endpointInput"]["data"] for d in records["captureData"])
rows = pd.read_csv(io.StringIO(bodies), header=None, keep_default_na=False)
print(f"rows={len(rows)}")
"""


def shifted_rows(root: Path, rows: int, schema: ModelSchema) -> list[str]:
    test = pd.read_csv(root / "processing" / "test" / "test.csv", dtype=str,
                       keep_default_na=False)[schema.names]
    sample = test.sample(rows, replace=True, random_state=0)
    sample["age"] = (sample["age"].astype(int) + 15).astype(str)
    sample["workclass"] = sample["workclass"].replace("Private", "Private-sector")
    return [",".join(r) for r in sample.itertuples(index=False, name=None)]


def answers(root: Path, lines: list[str]) -> list[str]:
    from lgbmops.model import load_model
    from lgbmops.serving.decode import Decoder

    booster, schema = load_model(root / "model")
    scores = booster.predict(Decoder(schema).csv("\n".join(lines).encode()))
    return [repr(float(p)) for p in scores]


def capture_tree(root: Path, name: str, lines: list[str], outputs: list[str],
                 per_request: int) -> Path:
    tree = root / name
    model_input = tree / "processing" / "input" / "model"
    model_input.mkdir(parents=True)
    shutil.copy(root / "processing" / "model" / "model.tar.gz", model_input)
    spacing = timedelta(seconds=86_000 / (len(lines) / per_request))
    invocations = [
        Invocation("\n".join(lines[i:i + per_request]).encode(), "text/csv",
                   START + (i // per_request) * spacing,
                   "\n".join(outputs[i:i + per_request]).encode())
        for i in range(0, len(lines), per_request)
    ]
    write_capture_files(tree / "processing" / "input" / "capture", ENDPOINT, invocations)
    return tree


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="monitor-bench-") as tmp:
        root = Path(tmp)
        log("preprocess + train + evaluate census")
        prepare(root)
        run([str(BIN / "train")], {"LGBMOPS_OPT_ML": str(root)})
        evaluate(root)
        schema = ModelSchema.load(root / "model")
        lines = shifted_rows(root, args.rows, schema)
        outputs = answers(root, lines)
        trees = {per: capture_tree(root, f"capture-{per}", lines, outputs, per) for per in (1, 10)}
        for per, tree in trees.items():
            files = list((tree / "processing" / "input" / "capture").rglob("*.jsonl"))
            size = sum(f.stat().st_size for f in files) / 2**20
            log(f"{per} row(s) per request: {len(files)} files, {size:.1f} MiB")
        times: dict[tuple[str, int], list[float]] = {}
        stdout = {}
        for _ in range(args.runs):
            for per, tree in trees.items():
                began = time.perf_counter()
                done = run([str(BIN / "monitor"), *WINDOW, "--endpoint-name", ENDPOINT],
                           {"LGBMOPS_OPT_ML": str(tree)})
                times.setdefault(("monitor", per), []).append(time.perf_counter() - began)
                stdout[per] = metric_lines(done.stdout)
                began = time.perf_counter()
                read = run([sys.executable, "-c", READ_ONLY,
                            str(tree / "processing" / "input" / "capture")])
                times.setdefault(("read only", per), []).append(time.perf_counter() - began)
                assert metric_lines(read.stdout)["rows"] == str(args.rows)
        for per in trees:
            figures = stdout[per]
            assert figures["captured_rows"] == str(args.rows), figures
            ours = statistics.median(times[("monitor", per)])
            ref = statistics.median(times[("read only", per)])
            print(f"{per:>2} row(s) per request: monitor {ours:.2f} s "
                  f"(in-job {float(figures['monitor_seconds']):.2f} s; runs "
                  f"{', '.join(f'{t:.2f}' for t in times[('monitor', per)])}), "
                  f"pandas read only {ref:.2f} s ({ours / ref:.2f}x); "
                  f"max feature PSI {float(figures['max_feature_psi']):.3f}, "
                  f"prediction PSI {float(figures['prediction_psi']):.3f}, "
                  f"drifted features {figures['drifted_features']}")
        if args.screenshot:
            page = trees[10] / "processing" / "output" / "monitor" / "report.html"
            subprocess.run(
                ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--screenshot={args.screenshot.resolve()}", "--window-size=1050,2700",
                 page.as_uri()], check=True, capture_output=True, timeout=120)
            log(f"wrote {args.screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
