"""Several training hosts: who they are, how LightGBM's socket network joins them, and how a
host that fails or stalls fails the others instead of leaving them waiting.

SageMaker describes the cluster in `input/config/resourceconfig.json`
(`{"current_host": "algo-1", "hosts": ["algo-1", "algo-2"], ...}`). With more than one host,
training runs LightGBM's own data-parallel (or voting-parallel) learning: each host trains on
its shard of the train channel and listens on `LISTEN_PORT`; LightGBM finds its own rank by
matching its local addresses and listen port against the machine list, so names are resolved
to addresses here. A local run, where every host is a process on 127.0.0.1, puts the address
of each host in the same file under `ADDRESSES_KEY` (`{"algo-1": "127.0.0.1:40001", ...}`).

LightGBM 4.6's sockets wait for a peer that died without a bound (a closed connection is read
as zero bytes, again and again), so every host runs a watchdog: when no progress (network
set-up, data set construction, a boosting round) is made for the network timeout, the host
writes the reason to its failure file and exits. SIGTERM, which SageMaker sends to stop a job,
is turned into a failure file too, whatever LightGBM's threads are doing at that moment.
"""
from __future__ import annotations

import json
import logging
import math
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import LgbmopsError

log = logging.getLogger(__name__)

# The port every host's LightGBM listens on (LightGBM's own default); SageMaker opens every
# port between the instances of one training job.
LISTEN_PORT = 12400
# Ours, written by the local runner only: host name -> "address:port".
ADDRESSES_KEY = "lgbmops_addresses"
RESOLVE_RETRY_SECONDS = 1.0


class ClusterError(LgbmopsError):
    """resourceconfig.json is malformed or a host cannot be reached; the message names it."""


@dataclass(frozen=True)
class Cluster:
    hosts: tuple[str, ...]
    current_host: str
    addresses: tuple[tuple[str, int], ...] = ()  # per host, in `hosts` order; () until resolved

    @property
    def size(self) -> int:
        return len(self.hosts)

    @property
    def is_distributed(self) -> bool:
        return self.size > 1

    @property
    def rank(self) -> int:
        return self.hosts.index(self.current_host)

    @property
    def leader(self) -> str:
        return self.hosts[0]

    @property
    def is_leader(self) -> bool:
        return self.current_host == self.leader

    def describe(self) -> str:
        return f"host {self.current_host} (rank {self.rank} of {self.size})"

    def lightgbm_params(self, timeout_seconds: float) -> dict[str, Any]:
        """LightGBM's network parameters for this host. `pre_partition`: each host already holds
        only its own rows."""
        if not self.addresses:
            raise ClusterError("the cluster's addresses are not resolved")
        address, port = self.addresses[self.rank]
        return {
            "machines": ",".join(f"{a}:{p}" for a, p in self.addresses),
            "num_machines": self.size,
            "local_listen_port": port,
            "time_out": max(1, math.ceil(timeout_seconds / 60)),  # LightGBM counts minutes
            "pre_partition": True,
        }


SINGLE_HOST = Cluster(("algo-1",), "algo-1")


def read_cluster(path: Path) -> Cluster:
    """The cluster of `path`; one host when the file does not exist (a run outside SageMaker)."""
    if not path.exists():
        return SINGLE_HOST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ClusterError(f"{path}: not valid JSON: {err}") from None
    hosts = raw.get("hosts") if isinstance(raw, dict) else None
    current = raw.get("current_host") if isinstance(raw, dict) else None
    if not (isinstance(hosts, list) and hosts and all(isinstance(h, str) and h for h in hosts)):
        raise ClusterError(f"{path}: hosts must be a non-empty list of host names, got {hosts!r}")
    if len(set(hosts)) != len(hosts):
        raise ClusterError(f"{path}: hosts lists a host twice: {hosts}")
    if current not in hosts:
        raise ClusterError(f"{path}: current_host {current!r} is not one of hosts {hosts}")
    addresses = raw.get(ADDRESSES_KEY)
    if addresses is None:
        return Cluster(tuple(hosts), current)
    if not isinstance(addresses, dict) or set(addresses) != set(hosts):
        raise ClusterError(
            f"{path}: {ADDRESSES_KEY} must map exactly the hosts {hosts} to address:port, "
            f"got {addresses!r}"
        )
    return Cluster(tuple(hosts), current,
                   tuple(_address(path, host, addresses[host]) for host in hosts))


def _address(path: Path, host: str, text: Any) -> tuple[str, int]:
    address, _, port = str(text).rpartition(":")
    if not address or not port.isdigit() or not 0 < int(port) < 65536:
        raise ClusterError(f"{path}: {ADDRESSES_KEY}.{host} must be address:port, got {text!r}")
    return address, int(port)


def resolve(cluster: Cluster, timeout_seconds: float,
            lookup: Callable[[str], str] = socket.gethostbyname) -> Cluster:
    """Host names to addresses, each host on `LISTEN_PORT`. A peer's name may appear in DNS
    a little after this host starts, so lookups are retried until the timeout."""
    if cluster.addresses or not cluster.is_distributed:
        return cluster
    deadline = time.monotonic() + timeout_seconds
    addresses = []
    for host in cluster.hosts:
        while True:
            try:
                addresses.append((lookup(host), LISTEN_PORT))
                break
            except OSError as err:
                if time.monotonic() >= deadline:
                    raise ClusterError(
                        f"{cluster.describe()}: cannot resolve host {host} within "
                        f"{timeout_seconds:g} s: {err}"
                    ) from None
                time.sleep(RESOLVE_RETRY_SECONDS)
    return Cluster(cluster.hosts, cluster.current_host, tuple(addresses))


def check_listen_port(cluster: Cluster) -> None:
    """LightGBM 4.6 crashes (SIGSEGV, no message) when its listen port is taken; find out first.
    Bound the way LightGBM binds it: all interfaces, no SO_REUSEADDR."""
    _, port = cluster.addresses[cluster.rank]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as err:
            raise ClusterError(
                f"{cluster.describe()}: cannot listen on port {port} for LightGBM: {err}"
            ) from None


class Watchdog:
    """Fails the process when `beat()` is not called for `timeout_seconds`, and on SIGTERM.

    Both write the reason with `fail(reason)` and end the process with `os._exit`: the main
    thread may be inside LightGBM's C++ code, which Python cannot interrupt.
    """

    def __init__(self, timeout_seconds: float, describe: str,
                 fail: Callable[[str], None], exit_code: int = 1):
        self.timeout_seconds = timeout_seconds
        self.describe = describe
        self.fail = fail
        self.exit_code = exit_code
        self.phase = "starting"
        self.last_beat = time.monotonic()
        self.stopped = threading.Event()
        self._lock = threading.Lock()

    def beat(self, phase: str) -> None:
        with self._lock:
            self.phase = phase
            self.last_beat = time.monotonic()

    def __enter__(self) -> "Watchdog":
        # Block SIGTERM before LightGBM starts its threads (they inherit the mask), so that
        # only the waiting thread below ever receives it.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        threading.Thread(target=self._watch, name="watchdog", daemon=True).start()
        threading.Thread(target=self._wait_for_sigterm, name="sigterm", daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopped.set()

    def _watch(self) -> None:
        while not self.stopped.wait(min(1.0, self.timeout_seconds / 10)):
            with self._lock:
                idle = time.monotonic() - self.last_beat
                phase = self.phase
            if idle >= self.timeout_seconds:
                self._die(
                    f"{self.describe}: no progress for {idle:.0f} s (network timeout "
                    f"{self.timeout_seconds:g} s) while {phase}: another host failed, was "
                    f"stopped or cannot be reached"
                )

    def _wait_for_sigterm(self) -> None:
        signal.sigwait({signal.SIGTERM})
        with self._lock:
            phase = self.phase
        self._die(f"{self.describe}: stopped by SIGTERM while {phase}")

    def _die(self, reason: str) -> None:
        log.error("%s", reason)
        try:
            self.fail(reason)
        finally:
            logging.shutdown()
            os._exit(self.exit_code)
