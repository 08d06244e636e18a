"""Bounded, seeded fuzz runs of the request framing and the decoders, and a replay of every
input that once broke them (fuzz/regressions/). The property: served or refused with our own
client error and a bounded message, never another exception, never a hang."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CONTAINER_DIR

FUZZ_DIR = CONTAINER_DIR / "fuzz"
RUNS = {"head": 20_000, "csv": 20_000, "json": 20_000}  # a few seconds each
sys.path.insert(0, str(FUZZ_DIR))

import targets  # noqa: E402


@pytest.mark.parametrize("target", targets.TARGETS)
def test_fuzzTarget_seededBoundedRun_noCrashNoHang(target: str, tmp_path: Path):
    corpus = tmp_path / "corpus"  # given, so that run.py leaves no temporary corpus behind
    shutil.copytree(FUZZ_DIR / "seeds" / target, corpus)
    done = subprocess.run(
        [sys.executable, str(FUZZ_DIR / "run.py"), target, f"-runs={RUNS[target]}", "-seed=1",
         "-max_total_time=60", "-timeout=10", f"-artifact_prefix={tmp_path}/", str(corpus)],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    runs = re.search(r"Done (\d+) runs", done.stderr)
    assert runs and int(runs.group(1)) >= min(RUNS[target], 1000), done.stderr[-2000:]
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))


REGRESSIONS = sorted(
    (path.parent.name, path) for path in (FUZZ_DIR / "regressions").glob("*/*") if path.is_file()
)


@pytest.mark.parametrize(
    "target, path", REGRESSIONS, ids=[f"{t}/{p.name}" for t, p in REGRESSIONS]
)
def test_regressionInput_keepsTheProperty(target: str, path: Path):
    targets.TARGET_FUNCTIONS[target](path.read_bytes())


def test_regressions_coverEveryTarget():
    assert {target for target, _ in REGRESSIONS} == set(targets.TARGETS)
