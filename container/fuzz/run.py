"""Fuzz one target with atheris (libFuzzer, coverage-guided).

    .venv/bin/python container/fuzz/run.py TARGET [libFuzzer flags] [CORPUS_DIR ...]

TARGET is `head` (HTTP request framing), `csv` or `json` (the decoders). Flags go to libFuzzer
as they are, e.g. `-runs=200000`, `-max_total_time=600`, `-seed=1`, `-artifact_prefix=/tmp/`.
Without a corpus directory the run starts from a fresh temporary copy of the target's seeds
(its path is printed; libFuzzer adds the inputs it finds there, so it can be passed to a later
run). The target's dictionary is used unless `-dict=` is given. An input that breaks the
target's property is written as `crash-<sha1>` (at the artifact prefix) and the run exits
non-zero; it then belongs in `regressions/TARGET/`, which the test suite replays.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent
DEFAULT_FLAGS = [
    "-timeout=10",  # seconds for one input: a hang is a finding, not a stall
    "-max_len=65536",  # up to the largest request head
    "-rss_limit_mb=2048",
]

# The libraries are imported before instrumentation: only our code guides the fuzzer.
import csv  # noqa: E402,F401
import json  # noqa: E402,F401

import numpy  # noqa: E402,F401

with atheris.instrument_imports(include=["lgbmops"]):
    sys.path.insert(0, str(HERE))
    from targets import TARGET_FUNCTIONS  # noqa: E402


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGET_FUNCTIONS:
        print(f"usage: run.py {{{','.join(TARGET_FUNCTIONS)}}} [libFuzzer flags]", file=sys.stderr)
        return 2
    target = sys.argv[1]
    flags = [arg for arg in sys.argv[2:] if arg.startswith("-")]
    corpora = [arg for arg in sys.argv[2:] if not arg.startswith("-")]
    given = {flag.split("=", 1)[0] for flag in flags}
    flags += [flag for flag in DEFAULT_FLAGS if flag.split("=", 1)[0] not in given]
    dictionary = HERE / "dictionaries" / f"{target}.dict"
    if dictionary.exists() and "-dict" not in given:
        flags.append(f"-dict={dictionary}")
    if not corpora:
        corpus = tempfile.mkdtemp(prefix=f"fuzz-{target}-")
        for seed in sorted((HERE / "seeds" / target).iterdir()):
            shutil.copy(seed, corpus)
        print(f"corpus: {corpus}", file=sys.stderr)
        corpora = [corpus]
    atheris.Setup([sys.argv[0], *flags, *corpora], TARGET_FUNCTIONS[target])
    atheris.Fuzz()  # libFuzzer exits the process when the run ends
    return 0


if __name__ == "__main__":
    sys.exit(main())
