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
