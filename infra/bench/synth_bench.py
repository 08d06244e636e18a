#!/usr/bin/env python3
"""Warm `npx cdk synth` of the whole app next to an empty CDK Java app, same machine, same run.

Two empty references, both through the same pinned CDK CLI:
- "empty app": one empty stack on the same JVM launcher and classpath as ours (`java -cp`),
  which isolates what our constructs cost;
- "cdk init app": the project `cdk init app --language java` generates (its stock launcher
  `mvn -e -q compile exec:java`), with aws-cdk-lib and constructs pinned to our versions.
Apps alternate, after one warm-up each; prints the median of N runs and the ratios.
Run from the repository root after `mvn -B package -DskipTests` and `npm ci`:

    python3 infra/bench/synth_bench.py [--runs 5]
"""
import argparse
import json
import re
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

    stock = scratch / "stock"
    stock.mkdir()
    subprocess.run([str(CDK), "init", "app", "--language", "java", "--generate-only"], cwd=stock, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pom = (stock / "pom.xml").read_text()
    pom = re.sub(r"<cdk.version>[^<]*</cdk.version>", "<cdk.version>2.263.0</cdk.version>", pom)
    pom = re.sub(r"<constructs.version>[^<]*</constructs.version>", "<constructs.version>10.8.1</constructs.version>", pom)
    (stock / "pom.xml").write_text(pom)
    shutil.rmtree(stock / "src" / "test", ignore_errors=True)

    apps = {"whole app": ROOT, "empty app": empty, "cdk init app": stock}
    times = {name: [] for name in apps}
    for name, workdir in apps.items():  # warm-up: JIT caches, jsii runtime extraction, page cache
        synth(workdir, scratch / "out-warm")
    for _ in range(args.runs):
        for name, workdir in apps.items():
            times[name].append(synth(workdir, scratch / f"out-{name.replace(' ', '-')}"))
    stacks = len(list((scratch / "out-whole-app").glob("*.template.json")))
    whole = statistics.median(times["whole app"])
    print(f"runs per app: {args.runs} (after one warm-up each), CPU cores: {os.cpu_count()}")
    for name, values in times.items():
        print(f"{name:12s} median {statistics.median(values):6.2f} s   runs: " + " ".join(f"{v:.2f}" for v in values))
    print(f"whole app: {stacks} stacks; ratio to empty app (same launcher) = {whole / statistics.median(times['empty app']):.2f}; "
          f"ratio to cdk init app (stock launcher) = {whole / statistics.median(times['cdk init app']):.2f}")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
