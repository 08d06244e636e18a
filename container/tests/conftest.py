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
DATASETS_DIR = CONTAINER_DIR.parent / "datasets"
BIN_DIR = Path(sys.executable).parent
# Small enough for a quick session, large enough for a meaningful model.
SESSION_HYPERPARAMETERS = {
    "num_iterations": "80",
    "learning_rate": "0.1",
    "early_stopping_rounds": "20",
    "sagemaker_program": "ignored",
}
MAX_PAYLOAD_BYTES = 512 * 1024


def dataset_files(name: str) -> tuple[Path, list[Path]]:
    """The contract and data files of one of the repository's sample datasets."""
    contract = DATASETS_DIR / f"{name}.json"
    files = sorted(p for p in (DATASETS_DIR / name).iterdir() if p.suffix in (".csv", ".data"))
    if not contract.is_file() or not files:
        pytest.fail(f"dataset {name} not found under {DATASETS_DIR}")
    return contract, files


def adult_data() -> Path:
    return dataset_files("census")[1][0]


def stage_input(opt_ml: Path, name: str) -> Path:
    """Lay out processing/input/{data,contract} as the preprocess job sees them."""
    contract, files = dataset_files(name)
    data = opt_ml / "processing" / "input" / "data"
    data.mkdir(parents=True, exist_ok=True)
    (opt_ml / "processing" / "input" / "contract").mkdir(parents=True, exist_ok=True)
    shutil.copy(contract, opt_ml / "processing" / "input" / "contract" / contract.name)
    for file in files:
        shutil.copy(file, data / file.name)
    return data


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
    seconds: float  # preprocess + train + evaluate, wall time

    @property
    def model_dir(self) -> Path:
        return self.opt_ml / "model"

    def split(self, name: str) -> Path:
        """The split's directory: its CSV files (the training split in parts) and dataset.json."""
        return self.opt_ml / "processing" / name

    def split_files(self, name: str) -> list[Path]:
        return sorted(self.split(name).glob("*.csv"))

    def split_frame(self, name: str) -> "pd.DataFrame":
        import pandas as pd

        return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False)
                          for f in self.split_files(name)], ignore_index=True)

    @property
    def evaluation(self) -> dict:
        return json.loads((self.opt_ml / "processing" / "evaluation" / "evaluation.json").read_text())


def run_pipeline(opt_ml: Path, dataset: str, *preprocess_args: str) -> PipelineRun:
    """preprocess -> train -> evaluate through the console scripts, moving files between the
    steps as SageMaker does."""
    stage_input(opt_ml, dataset)
    began = time.perf_counter()
    pre = run_script("preprocess", opt_ml, *preprocess_args)
    assert pre.returncode == 0, pre.stderr

    for channel in ("train", "validation"):
        # The channel is the whole split prefix: the CSV and its dataset.json.
        shutil.copytree(opt_ml / "processing" / channel, opt_ml / "input" / "data" / channel)
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
    return PipelineRun(opt_ml, pre, trained, evaluated, time.perf_counter() - began)


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    return run_pipeline(tmp_path_factory.mktemp("opt_ml"), "census",
                        "--train-ratio", "0.7", "--validation-ratio", "0.15",
                        "--test-ratio", "0.15", "--seed", "7")


@pytest.fixture(scope="session")
def churn_pipeline(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    return run_pipeline(tmp_path_factory.mktemp("churn"), "churn")


@pytest.fixture(scope="session")
def penguins_pipeline(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    return run_pipeline(tmp_path_factory.mktemp("penguins"), "penguins")


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


def serving_root(run: PipelineRun, root: Path) -> Path:
    """Serve what SageMaker would: the tarball, unpacked into <root>/model."""
    with tarfile.open(run.opt_ml / "processing" / "model" / "model.tar.gz") as archive:
        archive.extractall(root / "model", filter="data")
    return root


@pytest.fixture(scope="session")
def server(pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory):
    live = start_server(serving_root(pipeline, tmp_path_factory.mktemp("serving")))
    yield live
    stop_server(live)


def post(body: bytes, *extra: str, content_type: str = "text/csv", length: bool = True) -> bytes:
    """A raw POST /invocations: `extra` header lines follow the usual ones."""
    lines = ["POST /invocations HTTP/1.1", "Host: x", f"Content-Type: {content_type}"]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines + list(extra)) + "\r\n\r\n").encode() + body


def assert_still_serving(server: LiveServer, row: str) -> None:
    status, body, _ = server.invoke(row.encode())
    assert status == 200 and 0 <= float(body) <= 1, body


class RawConnection:
    """One raw client connection: send bytes, read responses one at a time (pipelining-safe),
    tell whether the server hung up. Every read has a timeout, so a hang fails the test."""

    def __init__(self, port: int, timeout_seconds: float = 30.0):
        self.timeout_seconds = timeout_seconds
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout_seconds)
        self.pending = b""

    def __enter__(self) -> "RawConnection":
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self) -> tuple[int, bytes, str]:
        """Status, body and head of the next response (a response without Content-Length has no body)."""
        data = self.pending
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            assert chunk, f"connection closed without a response (got {data[:200]!r})"
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next((int(v.split(":")[1]) for v in lines if v.lower().startswith("content-length")), 0)
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            assert chunk, "connection closed in the middle of a response"
            rest += chunk
        self.pending = rest[length:]
        return int(lines[0].split()[1]), rest[:length], head.decode("latin-1")

    def closed_by_server(self, wait_seconds: float = 0.5) -> bool:
        """The server closes right after its answer, if at all; an open connection stays quiet."""
        self.sock.settimeout(wait_seconds)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
        finally:
            self.sock.settimeout(self.timeout_seconds)
