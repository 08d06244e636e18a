"""Preprocess and train on generated census data: preprocess on one and on two instances, one
training process, plain `lightgbm.train`, and LightGBM's distributed learning on 2 and 3 hosts
(processes on 127.0.0.1), in one run.

    .venv/bin/python container/bench/distributed_bench.py [--copies 31] [--rounds 100]

Writes the census file repeated --copies times (31: about a million rows) into --files files
in a temporary /opt/ml tree with the census contract and runs, each as whole processes timed
from spawn to exit, with their peak resident memory (`wait4` rusage):
  * `preprocess` on one instance, then on two at once (each its own /opt/ml with half the files,
    as ShardedByS3Key deals them, and resourceconfig.json naming it): time until the last
    exits, memory the largest instance's; both read --block-mb of text at a time;
  * `train` on one host, and the reference: pandas + `lightgbm.train` with the same parameters
    (raw_train.py);
  * `train` on 2 and on 3 hosts: each host its own /opt/ml with the parts dealt out as
    ShardedByS3Key does, the whole validation split, and resourceconfig.json mapping the hosts
    to loopback ports; time is until the last host exits, memory the largest host's;
  * `train` on one host on the two-instance preprocess output (merged dataset descriptions).
Training runs (--runs of each, taken in turn, median time) boost --rounds rounds (no early stopping, so the runs do the same work), each
process with --threads-per-host OpenMP threads (default 1: a host stands for a one-core machine,
and LightGBM's spinning threads do not fight over cores other jobs use too). Two hosts on a
two-core machine are then two such machines; three share two cores, so their time shows the
engine's overhead more than a speed-up. Prints validation AUC of each next to the one-host run,
and the training memory per row (peak of one host less that of an empty process), from which
the largest table one machine of --machine-gb trains is estimated.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from preprocess_bench import BIN, DATASETS, HERE, measure

sys.path.insert(0, str(HERE.parent / "src"))
from lgbmops.distributed import ADDRESSES_KEY  # noqa: E402
from lgbmops.hyperparameters import Hyperparameters  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_census_files(data_dir: Path, copies: int, files: int) -> int:
    """The census file `copies` times over, dealt into `files` files; returns the rows."""
    source = (DATASETS / "census" / "adult.data").read_bytes()
    data_dir.mkdir(parents=True, exist_ok=True)
    handles = [open(data_dir / f"adult-{i:03d}.data", "wb") for i in range(files)]
    try:
        for copy in range(copies):
            handles[copy % files].write(source)
    finally:
        for handle in handles:
            handle.close()
    return source.count(b"\n") * copies


def preprocess_instances(work: Path, data_dir: Path, instances: int, block_mb: int,
                         ) -> tuple[float, int, Path]:
    """`preprocess` on `instances` processes at once, each on its share of the files; returns
    the time until the last exits, the largest peak memory, and the outputs of all of them in
    one tree (as the S3 output prefixes hold them)."""
    names = [f"algo-{i + 1}" for i in range(instances)]
    files = sorted(data_dir.iterdir())
    combined = work / f"preprocess-{instances}" / "combined"
    processes, roots = [], []
    began = time.perf_counter()
    for rank, name in enumerate(names):
        root = work / f"preprocess-{instances}" / name
        data = root / "processing" / "input" / "data"
        data.mkdir(parents=True)
        for path in files[rank::instances]:
            os.link(path, data / path.name)
        contract = root / "processing" / "input" / "contract"
        contract.mkdir(parents=True)
        shutil.copy(DATASETS / "census.json", contract / "census.json")
        (root / "config").mkdir()
        (root / "config" / "resourceconfig.json").write_text(
            json.dumps({"current_host": name, "hosts": names}))
        env = {**os.environ, "LGBMOPS_OPT_ML": str(root)}
        with open(root / "preprocess.log", "w") as log:
            processes.append(subprocess.Popen([str(BIN / "preprocess"), "--block-mb", str(block_mb)],
                                              env=env, stdout=subprocess.DEVNULL, stderr=log))
        roots.append(root)
    peak = 0
    for root, process in zip(roots, processes):
        _, status, usage = os.wait4(process.pid, 0)
        peak = max(peak, usage.ru_maxrss * 1024)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"preprocess failed ({root}): {(root / 'preprocess.log').read_text()[-2000:]}")
    seconds = time.perf_counter() - began
    for root in roots:
        for split in ("train", "validation", "test"):
            target = combined / "processing" / split
            target.mkdir(parents=True, exist_ok=True)
            for path in (root / "processing" / split).iterdir():
                os.link(path, target / path.name)
    return seconds, peak, combined


def empty_process_memory() -> int:
    """Peak memory of a process that imports what `train` imports and does nothing."""
    return measure([sys.executable, "-c", "import lightgbm, pandas, numpy"], dict(os.environ))[1]


def lay_out(work: Path, processed: Path, hosts: int, hyperparameters: dict[str, str]) -> list[Path]:
    names = [f"algo-{i + 1}" for i in range(hosts)]
    addresses = {name: f"127.0.0.1:{free_port()}" for name in names}
    parts = sorted((processed / "train").iterdir())  # dataset descriptions and parts, in key order
    roots = []
    for rank, name in enumerate(names):
        root = work / f"hosts-{hosts}" / name
        config = root / "input" / "config"
        config.mkdir(parents=True)
        (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
        resources = {"current_host": name, "hosts": names}
        if hosts > 1:
            resources[ADDRESSES_KEY] = addresses
        (config / "resourceconfig.json").write_text(json.dumps(resources))
        train = root / "input" / "data" / "train"
        train.mkdir(parents=True)
        for part in parts[rank::hosts]:
            os.link(part, train / part.name)
        shutil.copytree(processed / "validation", root / "input" / "data" / "validation",
                        copy_function=os.link)
        roots.append(root)
    return roots


def train_hosts(roots: list[Path], threads: int) -> tuple[float, int, dict[str, str]]:
    """Wall seconds until the last host exits, the largest peak memory, the leader's metrics."""
    began = time.perf_counter()
    processes = []
    for root in roots:
        env = {**os.environ, "LGBMOPS_OPT_ML": str(root), "OMP_NUM_THREADS": str(threads)}
        with open(root / "train.log", "w") as log:  # the host's log, for a failure
            processes.append(subprocess.Popen([str(BIN / "train")], env=env,
                                              stdout=subprocess.PIPE, stderr=log, text=True))
    peak = 0
    for process in processes:
        _, status, usage = os.wait4(process.pid, 0)
        peak = max(peak, usage.ru_maxrss * 1024)
        if os.waitstatus_to_exitcode(status) != 0:
            root = roots[processes.index(process)]
            failure = root / "output" / "failure"
            sys.exit(f"train failed ({root}, exit {os.waitstatus_to_exitcode(status)}): "
                     f"{failure.read_text() if failure.exists() else (root / 'train.log').read_text()[-2000:]}")
    seconds = time.perf_counter() - began
    stdout = processes[0].stdout.read()
    metrics = dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)
    return seconds, peak, metrics


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=31)
    parser.add_argument("--files", type=int, default=12, help="raw data files")
    parser.add_argument("--block-mb", type=int, default=64, help="preprocess --block-mb")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--threads-per-host", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="training runs of each kind, "
                        "taken in turn; the median time is reported")
    parser.add_argument("--machine-gb", type=float, default=24.0)
    parser.add_argument("--preprocess-only", action="store_true",
                        help="stop after the preprocess runs (for inputs too large to train here)")
    parser.add_argument("--work", type=Path, help="keep the files here (default: a temporary "
                        "directory, removed at the end)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    work = args.work or Path(tempfile.mkdtemp(prefix="lgbmops-distributed-bench-"))
    try:
        raw_dir = work / "raw"
        lines = write_census_files(raw_dir, args.copies, args.files)
        size = sum(p.stat().st_size for p in raw_dir.iterdir())
        print(f"data: census x{args.copies} in {args.files} files, {size / 1e6:.0f} MB, "
              f"{lines:,} rows; cores={cores}; {args.rounds} rounds, no early stopping; "
              f"{args.threads_per_host} thread(s) per process", flush=True)

        for instances in (1, 2):
            seconds, peak, combined = preprocess_instances(work, raw_dir, instances, args.block_mb)
            print(f"preprocess, {instances} instance(s), --block-mb {args.block_mb}: "
                  f"{seconds:.1f} s, peak memory per instance {peak / 2**20:,.0f} MiB", flush=True)
            if instances == 1:
                processed = combined / "processing"
            else:
                processed_two = combined / "processing"
        rows = json.loads((processed / "train" / "dataset.json").read_text())["rows"]
        print(f"train split: {rows['train']:,} rows in 12 parts", flush=True)
        if args.preprocess_only:
            return 0

        hp = {"num_iterations": str(args.rounds), "early_stopping_rounds": "0"}
        params = Hyperparameters(num_iterations=args.rounds, early_stopping_rounds=0)
        raw = [sys.executable, str(HERE / "raw_train.py"), str(processed / "train"),
               str(processed / "validation" / "validation.csv"),
               json.dumps(params.lightgbm_params()), str(args.rounds), "0",
               str(work / "raw-model.txt")]
        raw_env = {**os.environ, "OMP_NUM_THREADS": str(args.threads_per_host)}
        times: dict[object, list[float]] = {key: [] for key in ("raw", 1, 2, 3)}
        peaks: dict[object, int] = {}
        aucs: dict[int, float] = {}
        for run in range(args.runs):
            seconds, peaks["raw"] = measure(raw, raw_env)
            times["raw"].append(seconds)
            for hosts in (1, 2, 3):
                # Fresh ports each run: the last run's connections may still hold its ports.
                roots = lay_out(work / f"run-{run + 1}", processed, hosts, hp)
                seconds, peaks[hosts], metrics = train_hosts(roots, args.threads_per_host)
                times[hosts].append(seconds)
                aucs[hosts] = float(metrics["validation_auc"])
            print(f"run {run + 1}: raw {times['raw'][-1]:.1f} s, "
                  + ", ".join(f"{h} host(s) {times[h][-1]:.1f} s" for h in (1, 2, 3)), flush=True)
        median = {key: statistics.median(values) for key, values in times.items()}
        print(f"\nraw lightgbm.train, 1 process: {median['raw']:.1f} s, peak memory "
              f"{peaks['raw'] / 2**20:,.0f} MiB")
        for hosts in (1, 2, 3):
            print(f"train, {hosts} host(s): {median[hosts]:.1f} s "
                  f"({median[hosts] / median[1]:.2f}x one host's), peak memory per host "
                  f"{peaks[hosts] / 2**20:,.0f} MiB, validation AUC {aucs[hosts]:.6f} "
                  f"({aucs[hosts] - aucs[1]:+.6f})")
        roots = lay_out(work / "two-instance-preprocess", processed_two, 1, hp)
        seconds, _, metrics = train_hosts(roots, args.threads_per_host)
        print(f"train, 1 host, on the two-instance preprocess output: {seconds:.1f} s, "
              f"validation AUC {float(metrics['validation_auc']):.6f} "
              f"({float(metrics['validation_auc']) - aucs[1]:+.6f}; another split of the rows)")
        empty = empty_process_memory()
        per_row = (peaks[1] - empty) / rows["train"]
        fits = (args.machine_gb * 2**30 - empty) / per_row
        print(f"training memory: {per_row:,.0f} bytes per training row (one host's peak less "
              f"{empty / 2**20:,.0f} MiB of an idle process); a {args.machine_gb:g} GB machine "
              f"holds about {fits / 1e6:,.0f} M training rows ({fits / 0.7 / 1e6:,.0f} M table rows "
              f"at a 0.7 train ratio), an estimate that assumes memory grows linearly with rows")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
