"""Server pieces that the HTTP tests cannot see: the thread choice for large batches, settings."""
from __future__ import annotations

import time

import pytest

from lgbmops.serving.server import PARALLEL_ROWS, _WorkerBoard


def board_of_two(cores: int = 2) -> tuple[_WorkerBoard, _WorkerBoard]:
    shared = _WorkerBoard(workers=2)
    shared.cores, shared.base_threads = cores, max(1, cores // 2)
    first, second = shared, _WorkerBoard.__new__(_WorkerBoard)
    second.__dict__.update(shared.__dict__)  # a second worker's view of the same memory
    first.slot, second.slot = 0, 1
    return first, second


def test_largeBatch_allCores_whenOtherWorkersIdle():
    first, _ = board_of_two()
    assert first.threads_for(PARALLEL_ROWS) == 2
    assert first.threads_for(PARALLEL_ROWS - 1) == 1  # small requests never fan out


def test_largeBatch_oneThread_whileAnotherWorkerScores_orJustDid():
    first, second = board_of_two()
    second.begin()
    assert first.threads_for(1000) == 1
    second.end()
    assert first.threads_for(1000) == 1  # it finished a moment ago: more is likely coming
    second.finished[1] = time.monotonic() - 2 * _WorkerBoard.RECENT_SECONDS
    assert first.threads_for(1000) == 2


def test_ownActivity_doesNotHoldItselfBack():
    first, _ = board_of_two()
    first.begin()
    assert first.threads_for(1000) == 2


def test_accept_leavesNewConnectionsToLessLoadedWorkers():
    first, second = board_of_two()
    assert first.fair_to_accept() and second.fair_to_accept()
    first.opened()
    assert not first.fair_to_accept() and second.fair_to_accept()
    second.opened()
    assert first.fair_to_accept()
    first.closed()
    second.closed()
    assert first.connections.tolist() == [0, 0]


def test_readTimeout_fromEnvironment_defaultAndOverride(monkeypatch):
    from lgbmops import paths
    from lgbmops.serving.server import ServerConfig

    monkeypatch.delenv(paths.READ_TIMEOUT_ENV, raising=False)
    assert ServerConfig.from_environment(workers=1).read_timeout_seconds == 60.0
    monkeypatch.setenv(paths.READ_TIMEOUT_ENV, "2.5")
    assert ServerConfig.from_environment(workers=1).read_timeout_seconds == 2.5


@pytest.mark.parametrize("value", ["soon", "0", "-1", "inf", "nan"])
def test_readTimeout_invalid_failsNamingTheVariable(monkeypatch, value):
    from lgbmops import paths
    from lgbmops.serving.server import ServerConfig

    monkeypatch.setenv(paths.READ_TIMEOUT_ENV, value)
    with pytest.raises(ValueError, match=paths.READ_TIMEOUT_ENV):
        ServerConfig.from_environment(workers=1)


class _Loop:
    def __init__(self):
        self.timers: list[_Timer] = []

    def call_later(self, delay, callback):
        self.timers.append(_Timer(delay, callback))
        return self.timers[-1]


class _Timer:
    def __init__(self, delay, callback):
        self.delay, self.callback, self.cancelled = delay, callback, False

    def cancel(self):
        self.cancelled = True


class _Transport:
    def __init__(self):
        self.written, self.closing = b"", False

    def write(self, data):
        self.written += data

    def close(self):
        self.closing = True

    def abort(self):
        self.closing = True


class _App:
    max_payload_bytes = 1024

    def handle(self, method, path, headers, body):
        from lgbmops.serving.app import Response

        return Response(200, body)


def connection(timeout: float = 5.0):
    from lgbmops.serving.server import _Connection

    loop, transport = _Loop(), _Transport()
    conn = _Connection(_App(), _WorkerBoard(1), timeout, loop)
    conn.connection_made(transport)
    return conn, loop, transport


def test_readDeadline_oncePerHeadAndOncePerBody_cancelledWhenComplete():
    conn, loop, transport = connection()
    conn.data_received(b"POST /x HTTP/1.1\r\n")
    for _ in range(3):
        conn.data_received(b"X-A: b\r\n")  # a trickle does not move the deadline
    assert len(loop.timers) == 1 and loop.timers[0].delay == 5.0
    conn.data_received(b"Content-Length: 4\r\n\r\nab")  # head done: the body gets its own
    assert len(loop.timers) == 2 and loop.timers[0].cancelled and not loop.timers[1].cancelled
    conn.data_received(b"cd")
    assert loop.timers[1].cancelled and transport.written.endswith(b"\r\n\r\nabcd")
    conn.data_received(b"GET /y HTTP/1.1\r\n\r\n")  # whole requests never start a timer
    assert len(loop.timers) == 2


def test_readDeadline_fires_408ThenClose():
    conn, loop, transport = connection()
    conn.data_received(b"POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
    loop.timers[-1].callback()
    assert transport.written.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert b"request body not received within 5 s" in transport.written and transport.closing
