"""A small, bounded HTTP/1.1 load generator for loopback benchmarks.

Each of `concurrency` threads keeps one connection open and sends the same prebuilt request
back to back, until `requests` responses in total or `seconds` have passed, whichever comes
first. It only talks to 127.0.0.1. Latency is measured per request, from the first byte sent
to the last byte received.
"""
from __future__ import annotations

import socket
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    last_body: bytes

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def build_request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _read_response(sock: socket.socket, pending: bytearray) -> tuple[int, bytes]:
    while True:
        end = pending.find(b"\r\n\r\n")
        if end >= 0:
            break
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by server")
        pending += chunk
    head = bytes(pending[:end]).decode("latin-1")
    status = int(head.split(" ", 2)[1])
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    need = end + 4 + length
    while len(pending) < need:
        chunk = sock.recv(max(65536, need - len(pending)))
        if not chunk:
            raise ConnectionError("connection closed by server")
        pending += chunk
    body = bytes(pending[end + 4 : need])
    del pending[:need]
    return status, body


def run_load(
    port: int,
    request: bytes,
    concurrency: int,
    requests: int,
    seconds: float,
    warmup: int = 20,
) -> LoadResult:
    lock = threading.Lock()
    latencies: list[list[int]] = [[] for _ in range(concurrency)]
    errors = [0]
    remaining = [requests]
    last_body = [b""]
    start_barrier = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def worker(slot: int) -> None:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = bytearray()
        try:
            for _ in range(warmup):
                sock.sendall(request)
                _read_response(sock, pending)
            start_barrier.wait()
            mine = latencies[slot]
            clock = time.perf_counter_ns
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                if time.perf_counter() > deadline[0]:
                    return
                began = clock()
                sock.sendall(request)
                status, body = _read_response(sock, pending)
                mine.append(clock() - began)
                if status != 200:
                    errors[0] += 1
                last_body[0] = body
        finally:
            sock.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds + 60  # provisional, until everyone is warm
    start_barrier.wait(timeout=120)
    began = time.perf_counter()
    deadline[0] = began + seconds
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - began
    merged = sorted(x for per in latencies for x in per)
    if not merged:
        raise RuntimeError("no request completed")
    return LoadResult(
        requests=len(merged),
        errors=errors[0],
        seconds=elapsed,
        p50_ms=statistics.median(merged) / 1e6,
        p99_ms=merged[min(len(merged) - 1, int(len(merged) * 0.99))] / 1e6,
        last_body=last_body[0],
    )
