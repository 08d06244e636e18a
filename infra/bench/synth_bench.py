#!/usr/bin/env python3
"""Warm `npx cdk synth` of the whole app next to an empty CDK Java app, same machine, same run.

Both apps run through the same pinned CDK CLI and the same JVM and classpath (infra/target/lib),
alternating, after one warm-up each; prints the median of N runs and the ratio.
Run from the repository root after `mvn -B package -DskipTests` and `npm ci`:

    python3 infra/bench/synth_bench.py [--runs 5]
"""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
CDK = ROOT / "node_modules" / ".bin" / "cdk"


def synth(workdir: pathlib.Path, outdir: pathlib.Path) -> float:
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    start = time.perf_counter()
    subprocess.run([str(CDK), "synth", "-q", "--output", str(outdir)], cwd=workdir, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    lib = ROOT / "infra" / "target" / "lib"
    if not lib.is_dir() or not CDK.exists():
        raise SystemExit("build first: npm ci && mvn -B package -DskipTests")
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="synth-bench-"))
    classes = scratch / "classes"
    classes.mkdir()
    subprocess.run(["javac", "-cp", f"{lib}/*", "-d", str(classes), str(pathlib.Path(__file__).parent / "EmptyApp.java")],
                   check=True)
    empty = scratch / "empty"
    empty.mkdir()
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    (empty / "cdk.json").write_text(json.dumps({"app": f"java -cp {classes}:{lib}/* EmptyApp", "context": context}))

    apps = {"whole app": ROOT, "empty app": empty}
    times = {name: [] for name in apps}
    for name, workdir in apps.items():  # warm-up: JIT caches, jsii runtime extraction, page cache
        synth(workdir, scratch / "out-warm")
    for _ in range(args.runs):
        for name, workdir in apps.items():
            times[name].append(synth(workdir, scratch / f"out-{name.split()[0]}"))
    stacks = len(list((scratch / "out-whole").glob("*.template.json")))
    whole, base = statistics.median(times["whole app"]), statistics.median(times["empty app"])
    print(f"runs per app: {args.runs} (after one warm-up each), CPU cores: {os.cpu_count()}")
    for name, values in times.items():
        print(f"{name:10s} median {statistics.median(values):6.2f} s   runs: " + " ".join(f"{v:.2f}" for v in values))
    print(f"whole app: {stacks} stacks; ratio whole/empty = {whole / base:.2f}")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
