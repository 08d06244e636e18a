"""Shared fixtures: one real preprocess -> train -> evaluate run per session, and a live server.

Everything runs against a temporary `/opt/ml`-shaped tree (LGBMOPS_OPT_ML), through the same
console scripts the image runs.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

CONTAINER_DIR = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
# Small enough for a quick session, large enough for a meaningful model.
SESSION_HYPERPARAMETERS = {
    "num_iterations": "80",
    "learning_rate": "0.1",
    "early_stopping_rounds": "20",
    "sagemaker_program": "ignored",
}
MAX_PAYLOAD_BYTES = 512 * 1024


def adult_data() -> Path:
    path = Path(
        os.environ.get("LGBMOPS_ADULT_DATA")
        or CONTAINER_DIR / ".." / "datasets" / "census" / "adult.data"
    ).resolve()
    if not path.is_file():
        pytest.fail(f"census data not found at {path}; set LGBMOPS_ADULT_DATA")
    return path


def script(name: str) -> str:
    path = BIN_DIR / name
    assert path.exists(), f"console script {name} is not installed in {BIN_DIR}"
    return str(path)


def run_script(name: str, opt_ml: Path, *args: str, env: dict[str, str] | None = None,
               ) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "LGBMOPS_OPT_ML": str(opt_ml), **(env or {})}
    return subprocess.run(
        [script(name), *args], env=full_env, capture_output=True, text=True, timeout=180
    )


def parse_metric_lines(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


@dataclass(frozen=True)
class PipelineRun:
    opt_ml: Path
    preprocess: subprocess.CompletedProcess
    train: subprocess.CompletedProcess
    evaluate: subprocess.CompletedProcess

    @property
    def model_dir(self) -> Path:
        return self.opt_ml / "model"

    def split(self, name: str) -> Path:
        return self.opt_ml / "processing" / name / f"{name}.csv"


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    opt_ml = tmp_path_factory.mktemp("opt_ml")
    raw = opt_ml / "processing" / "input"
    raw.mkdir(parents=True)
    shutil.copy(adult_data(), raw / "adult.data")

    pre = run_script("preprocess", opt_ml, "--train-ratio", "0.7", "--validation-ratio", "0.15",
                     "--test-ratio", "0.15", "--seed", "7")
    assert pre.returncode == 0, pre.stderr

    for channel in ("train", "validation"):
        target = opt_ml / "input" / "data" / channel
        target.mkdir(parents=True)
        shutil.copy(opt_ml / "processing" / channel / f"{channel}.csv", target)
    config = opt_ml / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps(SESSION_HYPERPARAMETERS))
    (opt_ml / "checkpoints").mkdir()
    trained = run_script("train", opt_ml)
    assert trained.returncode == 0, trained.stderr

    # What SageMaker does between the steps: tar /opt/ml/model into model.tar.gz.
    model_input = opt_ml / "processing" / "model"
    model_input.mkdir(parents=True)
    with tarfile.open(model_input / "model.tar.gz", "w:gz") as archive:
        for item in sorted((opt_ml / "model").iterdir()):
            archive.add(item, arcname=item.name)
    evaluated = run_script("evaluate", opt_ml)
    assert evaluated.returncode == 0, evaluated.stderr
    return PipelineRun(opt_ml, pre, trained, evaluated)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen
    output: "tempfile._TemporaryFileWrapper"  # a file, not a pipe: a full pipe would stall logging

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            conn.close()

    def invoke(self, body: bytes, content_type: str = "text/csv", **headers: str):
        return self.request(
            "POST", "/invocations", body, {"Content-Type": content_type, **headers}
        )


def start_server(model_root: Path, workers: int = 2, extra_env: dict[str, str] | None = None,
                 ) -> LiveServer:
    port = free_port()
    env = {**os.environ, "LGBMOPS_OPT_ML": str(model_root),
           "LGBMOPS_MAX_PAYLOAD_BYTES": str(MAX_PAYLOAD_BYTES), **(extra_env or {})}
    output = tempfile.NamedTemporaryFile(prefix="serve-", suffix=".log")
    process = subprocess.Popen(
        [script("serve"), "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=output, stderr=subprocess.STDOUT,
    )
    server = LiveServer(port, process, output)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {_read_output(server)}")
        try:
            if server.request("GET", "/ping")[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not answer /ping within 30 s")


def stop_server(server: LiveServer) -> str:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    return _read_output(server)


def _read_output(server: LiveServer) -> str:
    with open(server.output.name, "rb") as handle:
        text = handle.read().decode(errors="replace")
    server.output.close()
    return text


@pytest.fixture(scope="session")
def server(pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory):
    # Serve what SageMaker would: the tarball, unpacked into <root>/model.
    root = tmp_path_factory.mktemp("serving")
    with tarfile.open(pipeline.opt_ml / "processing" / "model" / "model.tar.gz") as archive:
        archive.extractall(root / "model", filter="data")
    live = start_server(root)
    yield live
    stop_server(live)
