"""Time `preprocess` on a million census rows next to a plain `pandas.read_csv` of the same file.

    .venv/bin/python container/bench/preprocess_bench.py [--copies 31] [--runs 3]

Writes the census file repeated --copies times (31: about a million rows, 123 MB) into a
temporary /opt/ml tree with the census contract, then alternates, --runs times each:
  * reference: a process that runs `pandas.read_csv(FILE, header=None)` (pandas' defaults);
  * ours: the `preprocess` console script (read, check, split, write splits, dataset.json,
    baseline and the Clarify documents).
Both are whole processes (interpreter start and imports included), timed from spawn to exit;
peak memory is each process's own maximum resident set (`wait4` rusage). Prints the medians,
the ratio (goal <= 2.0x) and the peak memory of each.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent.parent
DATASETS = REPOSITORY / "datasets"
BIN = Path(sys.executable).parent


def measure(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (bytes) of one process."""
    with tempfile.TemporaryFile() as errors:
        began = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            sys.exit(f"{' '.join(command)} failed ({process.returncode}):\n"
                     f"{errors.read().decode()}")
    return seconds, usage.ru_maxrss * 1024  # Linux reports kilobytes



def replicate_census(work: Path, copies: int) -> tuple[Path, int]:
    """The census file `copies` times over, with its contract, in preprocess's input layout under
    `work/processing/input`; returns the data file and its number of lines."""
    data_dir = work / "processing" / "input" / "data"
    contract_dir = work / "processing" / "input" / "contract"
    data_dir.mkdir(parents=True)
    contract_dir.mkdir(parents=True)
    shutil.copy(DATASETS / "census.json", contract_dir / "census.json")
    source = (DATASETS / "census" / "adult.data").read_bytes()
    big = data_dir / "adult.data"
    with open(big, "wb") as handle:
        for _ in range(copies):
            handle.write(source)
    return big, source.count(b"\n") * copies

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=31)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lgbmops-preprocess-bench-"))
    try:
        big, lines = replicate_census(work, args.copies)
        print(f"file: census x{args.copies}, {big.stat().st_size / 1e6:.0f} MB, {lines:,} lines; "
              f"cores={os.cpu_count()} (other processes may be running on this machine)")

        env = {**os.environ, "LGBMOPS_OPT_ML": str(work)}
        reference = [sys.executable, "-c",
                     f"import pandas; pandas.read_csv({str(big)!r}, header=None)"]
        ours = [str(BIN / "preprocess")]
        timings: dict[str, list[tuple[float, int]]] = {"reference": [], "ours": []}
        for run in range(args.runs):
            timings["reference"].append(measure(reference, env))
            shutil.rmtree(work / "processing" / "train", ignore_errors=True)
            timings["ours"].append(measure(ours, env))
            print(f"run {run + 1}: read_csv {timings['reference'][-1][0]:.2f} s, "
                  f"preprocess {timings['ours'][-1][0]:.2f} s", flush=True)

        medians = {k: statistics.median(s for s, _ in v) for k, v in timings.items()}
        peaks = {k: max(m for _, m in v) for k, v in timings.items()}
        print(f"\npandas.read_csv (process, median of {args.runs}): {medians['reference']:.2f} s, "
              f"peak memory {peaks['reference'] / 2**20:,.0f} MiB")
        print(f"preprocess      (process, median of {args.runs}): {medians['ours']:.2f} s, "
              f"peak memory {peaks['ours'] / 2**20:,.0f} MiB")
        ratio = medians["ours"] / medians["reference"]
        print(f"ratio preprocess / read_csv: {ratio:.2f}x (goal <= 2.0x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
