"""LightGBM's distributed learning across training hosts, each one a `train` process on
127.0.0.1 with its own `/opt/ml` tree, as a multi-instance training job lays them out."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from lgbmops.distributed import ADDRESSES_KEY, ClusterError, read_cluster

from conftest import SESSION_HYPERPARAMETERS, PipelineRun, free_port, parse_metric_lines, script

HOSTS = ("algo-1", "algo-2", "algo-3")


@dataclass
class Host:
    name: str
    opt_ml: Path
    process: subprocess.Popen | None = None
    stdout: str = ""
    stderr: str = ""

    @property
    def failure(self) -> str:
        path = self.opt_ml / "output" / "failure"
        return path.read_text() if path.exists() else ""


def shard(files: list[Path], hosts: int) -> list[list[Path]]:
    """The training split's parts dealt out to the hosts, as ShardedByS3Key does with the
    objects under the train prefix."""
    return [files[index::hosts] for index in range(hosts)]


def lay_out_hosts(root: Path, pipeline: PipelineRun, hyperparameters: dict[str, str],
                  hosts: tuple[str, ...] = HOSTS) -> list[Host]:
    train_dir = pipeline.split("train")
    shards = shard(pipeline.split_files("train"), len(hosts))
    assert all(shards), "preprocess wrote fewer parts than there are hosts"
    addresses = {host: f"127.0.0.1:{free_port()}" for host in hosts}
    laid_out = []
    for host, files in zip(hosts, shards):
        opt_ml = root / host
        config = opt_ml / "input" / "config"
        config.mkdir(parents=True)
        (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
        (config / "resourceconfig.json").write_text(json.dumps({
            "current_host": host, "hosts": list(hosts), "network_interface_name": "lo",
            ADDRESSES_KEY: addresses,
        }))
        train = opt_ml / "input" / "data" / "train"
        train.mkdir(parents=True)
        for file in files:
            shutil.copy(file, train / file.name)
        shutil.copytree(pipeline.split("validation"), opt_ml / "input" / "data" / "validation")
        (opt_ml / "checkpoints").mkdir()
        laid_out.append(Host(host, opt_ml))
    # dataset.json is one object of the train prefix: sharding gives it to one host only.
    shutil.copy(train_dir / "dataset.json", laid_out[-1].opt_ml / "input" / "data" / "train")
    return laid_out


def readdress(hosts: list[Host]) -> None:
    """New loopback ports for a restart: the stopped hosts' listening ports may still be held by
    the kernel (TIME_WAIT), as a replacement instance on SageMaker would never see."""
    addresses = {host.name: f"127.0.0.1:{free_port()}" for host in hosts}
    for host in hosts:
        path = host.opt_ml / "input" / "config" / "resourceconfig.json"
        config = json.loads(path.read_text())
        config[ADDRESSES_KEY] = addresses
        path.write_text(json.dumps(config))


def start(hosts: list[Host], extra_env: dict[str, str] | None = None) -> None:
    for host in hosts:
        env = {**os.environ, "LGBMOPS_OPT_ML": str(host.opt_ml), "OMP_NUM_THREADS": "1",
               **(extra_env or {})}
        host.process = subprocess.Popen(
            [script("train")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )


def wait_all(hosts: list[Host], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for host in hosts:
        try:
            host.stdout, host.stderr = host.process.communicate(
                timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for other in hosts:
                other.process.kill()
            raise AssertionError(f"{host.name} still running after {timeout} s")


def root_count(model_text: str) -> int:
    """Rows under the first tree's root: every host's rows in data-parallel learning."""
    return int(re.search(r"internal_count=(\d+)", model_text).group(1))


# Data-parallel learning finds the splits one host would find with all the rows. Voting-parallel
# trades accuracy for less traffic (census, three hosts: AUC 0.875 to 0.908 against 0.934),
# so of its model only a clear signal is asked.
@pytest.mark.parametrize("tree_learner", ["data", "voting"])
def test_threeHosts_modelAsGoodAsOneHost_onlyLeaderWrites(pipeline: PipelineRun, tmp_path: Path,
                                                          tree_learner: str):
    single = parse_metric_lines(pipeline.train.stdout)
    hosts = lay_out_hosts(tmp_path, pipeline, {
        **SESSION_HYPERPARAMETERS, "tree_learner": tree_learner, "network_timeout_seconds": "60",
    })
    start(hosts)
    wait_all(hosts, 150)

    for host in hosts:
        assert host.process.returncode == 0, f"{host.name}: {host.stderr}"
    leader, *others = hosts
    metrics = parse_metric_lines(leader.stdout)
    if tree_learner == "data":
        assert abs(float(metrics["validation_auc"]) - float(single["validation_auc"])) <= 0.005
    else:
        assert float(metrics["validation_auc"]) > 0.8
    assert metrics["hosts"] == "3"
    model = (leader.opt_ml / "model" / "model.txt").read_text()
    total_rows = len(pipeline.split_frame("train"))
    assert root_count(model) == total_rows  # trained on every host's rows, not its own third
    # The reference profile is of the leader's shard: about a third of the training split.
    profile = json.loads((leader.opt_ml / "model" / "reference-profile.json").read_text())
    assert 0.2 * total_rows < profile["rows"] < 0.5 * total_rows
    for host in others:
        assert not (host.opt_ml / "model").exists()
        assert "validation_f1=" not in host.stdout
    # Every host stopped at the same round with the same best round (early stopping agreed).
    rounds = {re.search(r"boosted (\d+) rounds, best (\d+)", h.stderr).groups() for h in hosts}
    assert rounds == {(metrics["total_iterations"], metrics["best_iteration"])}


def test_threeHosts_interruptedAndRestarted_resumeFromCheckpointToTheSameModel(
        pipeline: PipelineRun, tmp_path: Path):
    # No sampling, so the resumed run must build the trees of an uninterrupted one.
    hp = {"num_iterations": "150", "learning_rate": "0.05", "early_stopping_rounds": "0",
          "feature_fraction": "1", "network_timeout_seconds": "30"}
    env = {"LGBMOPS_CHECKPOINT_EVERY": "5"}
    (tmp_path / "whole").mkdir()
    whole = lay_out_hosts(tmp_path / "whole", pipeline, hp)
    start(whole, env)
    wait_all(whole, 150)
    assert all(h.process.returncode == 0 for h in whole), [h.stderr for h in whole]

    (tmp_path / "interrupted").mkdir()
    hosts = lay_out_hosts(tmp_path / "interrupted", pipeline, hp)
    start(hosts, env)
    deadline = time.monotonic() + 60
    while not all(list((h.opt_ml / "checkpoints").glob("checkpoint-*.json")) for h in hosts):
        assert time.monotonic() < deadline and hosts[0].process.poll() is None, hosts[0].failure
        time.sleep(0.05)
    hosts[1].process.send_signal(signal.SIGTERM)
    wait_all(hosts, 60)
    assert all(h.process.returncode != 0 for h in hosts)
    for host in hosts:
        (host.opt_ml / "output" / "failure").unlink()

    readdress(hosts)
    start(hosts, env)
    wait_all(hosts, 150)
    assert all(h.process.returncode == 0 for h in hosts), [h.stderr for h in hosts]
    metrics = parse_metric_lines(hosts[0].stdout)
    assert int(metrics["resumed_from_iteration"]) >= 5
    assert metrics["total_iterations"] == "150"
    trees = lambda host: (host.opt_ml / "model" / "model.txt").read_text().split("end of trees")[0]
    assert trees(hosts[0]) == trees(whole[0])


# SIGTERM is how SageMaker stops a host: its sockets close and the others fail at once.
# SIGSTOP freezes a host with its sockets open: the others wait for it, until their watchdog.
@pytest.mark.parametrize("how", ["SIGTERM", "SIGSTOP"])
def test_threeHosts_oneStoppedOrFrozen_allFailWithReasonWithinTimeout(
        pipeline: PipelineRun, tmp_path: Path, how: str):
    timeout = 10
    hosts = lay_out_hosts(tmp_path, pipeline, {
        "num_iterations": "100000", "early_stopping_rounds": "0", "learning_rate": "0.001",
        "network_timeout_seconds": str(timeout),
    })
    start(hosts, {"LGBMOPS_CHECKPOINT_EVERY": "5"})
    leader, victim, survivor = hosts
    deadline = time.monotonic() + 60
    while not list((leader.opt_ml / "checkpoints").glob("checkpoint-*.json")):
        assert time.monotonic() < deadline, "training did not start"
        assert all(h.process.poll() is None for h in hosts), [h.failure for h in hosts]
        time.sleep(0.2)

    stopped_at = time.monotonic()
    victim.process.send_signal(getattr(signal, how))
    wait_all([leader, survivor], timeout + 20)
    elapsed = time.monotonic() - stopped_at
    if how == "SIGSTOP":
        victim.process.send_signal(signal.SIGCONT)  # it finds itself past its own timeout
    wait_all([victim], timeout + 20)

    assert elapsed < timeout + 15
    for host in hosts:
        assert host.process.returncode != 0, host.name
        assert host.failure.startswith(f"host {host.name} (rank "), host.failure
    if how == "SIGTERM":
        assert "host algo-2 (rank 1 of 3): stopped by SIGTERM while boosting round" in victim.failure
    else:
        # Resumed past its own timeout, the frozen host either notices that first or finds its
        # peers gone: a reason either way, never a hang.
        assert ("no progress for" in victim.failure and "while boosting round" in victim.failure) \
            or "another host failed or was stopped" in victim.failure, victim.failure
    for host in (leader, survivor):
        assert "another host failed" in host.failure, host.failure
    assert not (leader.opt_ml / "model" / "model.txt").exists()


def test_threeHosts_unreachablePeer_failsWithinTimeout(pipeline: PipelineRun, tmp_path: Path):
    timeout = 6
    hosts = lay_out_hosts(tmp_path, pipeline, {**SESSION_HYPERPARAMETERS,
                                               "network_timeout_seconds": str(timeout)})
    started = time.monotonic()
    start(hosts[:2])  # algo-3 never comes up
    wait_all(hosts[:2], timeout + 20)
    assert time.monotonic() - started < timeout + 15
    for host in hosts[:2]:
        assert host.process.returncode != 0
        assert "while connecting to the other hosts" in host.failure, host.failure


def test_threeHosts_listenPortTaken_failsNamingThePort(pipeline: PipelineRun, tmp_path: Path):
    hosts = lay_out_hosts(tmp_path, pipeline, {**SESSION_HYPERPARAMETERS,
                                               "network_timeout_seconds": "10"})
    config = json.loads((hosts[0].opt_ml / "input" / "config" / "resourceconfig.json").read_text())
    port = int(config[ADDRESSES_KEY]["algo-1"].rsplit(":", 1)[1])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        start(hosts)
        wait_all(hosts, 40)
    assert hosts[0].process.returncode != 0
    assert f"host algo-1 (rank 0 of 3): cannot listen on port {port} for LightGBM" in hosts[0].failure
    for host in hosts[1:]:
        assert host.process.returncode != 0 and host.failure.startswith(f"host {host.name} ")


# --- resourceconfig.json -----------------------------------------------------------------------

def test_readCluster_noFile_oneHost(tmp_path: Path):
    cluster = read_cluster(tmp_path / "resourceconfig.json")
    assert not cluster.is_distributed and cluster.is_leader


def test_readCluster_sageMakerFile_leaderIsFirstHost(tmp_path: Path):
    path = tmp_path / "resourceconfig.json"
    path.write_text(json.dumps({"current_host": "algo-2", "hosts": ["algo-1", "algo-2"],
                                "network_interface_name": "eth0"}))
    cluster = read_cluster(path)
    assert cluster.is_distributed and cluster.rank == 1 and cluster.leader == "algo-1"
    assert not cluster.is_leader


@pytest.mark.parametrize("content, fragment", [
    ({"current_host": "algo-9", "hosts": ["algo-1"]}, "current_host 'algo-9' is not one of hosts"),
    ({"current_host": "algo-1", "hosts": []}, "hosts must be a non-empty list"),
    ({"current_host": "algo-1", "hosts": ["algo-1", "algo-1"]}, "lists a host twice"),
    ({"current_host": "algo-1", "hosts": ["algo-1", "algo-2"],
      ADDRESSES_KEY: {"algo-1": "127.0.0.1:1"}}, "must map exactly the hosts"),
    ({"current_host": "algo-1", "hosts": ["algo-1"], ADDRESSES_KEY: {"algo-1": "127.0.0.1"}},
     f"{ADDRESSES_KEY}.algo-1 must be address:port"),
])
def test_readCluster_malformed_namesTheKey(tmp_path: Path, content, fragment):
    path = tmp_path / "resourceconfig.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ClusterError, match=re.escape(fragment)):
        read_cluster(path)
