"""A lean pre-fork HTTP/1.1 server for the inference contract.

The parent binds the port and forks one worker per core; each worker loads the model once and
runs an asyncio event loop over the shared listening socket. Scoring is CPU-bound and short, so
a worker scores requests inline on its loop: no thread hand-offs, no framework, keep-alive and
pipelining for free. The parent restarts a worker that dies, and stops everything when a worker
cannot load the model (restarting would only fail again).

HTTP/1.1 support is what SageMaker and ordinary clients use: Content-Length and chunked
bodies, `Expect: 100-continue`, keep-alive (HTTP/1.0 only on request). Bodies over the payload
limit get 413 and are read off and dropped, so the connection stays usable.
"""
from __future__ import annotations

import asyncio
import logging
import math
import mmap
import os
import signal
import socket
import sys
import time
import traceback
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from .. import paths
from ..schema import ModelSchema
from .app import InferenceApp, Response, error_response

log = logging.getLogger(__name__)

EXIT_MODEL_LOAD_FAILED = 3
MAX_HEAD_BYTES = 64 * 1024
DISCARD_LIMIT_FACTOR = 16  # beyond 16x the payload limit we hang up instead of reading it off
PARALLEL_ROWS = 64  # from this many rows a request may use more than one thread
RESPAWN_PAUSE_SECONDS = 1.0
_STATUS_LINES = {s.value: f"HTTP/1.1 {s.value} {s.phrase}\r\n".encode() for s in HTTPStatus}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


@dataclass(frozen=True)
class ServerConfig:
    host: str
    port: int
    workers: int
    model_dir: Path
    max_payload_bytes: int

    @classmethod
    def from_environment(
        cls,
        host: str | None = None,
        port: int | None = None,
        workers: int | None = None,
        model_dir: Path | None = None,
    ) -> "ServerConfig":
        env = os.environ
        if workers is None:
            workers = int(env.get(paths.WORKERS_ENV) or _cores())
        if env.get(paths.MAX_PAYLOAD_BYTES_ENV):
            max_payload = int(env[paths.MAX_PAYLOAD_BYTES_ENV])
        elif int(env.get(paths.MAX_PAYLOAD_MB_ENV) or 0) > 0:
            max_payload = int(env[paths.MAX_PAYLOAD_MB_ENV]) * 1024 * 1024
        else:
            max_payload = paths.DEFAULT_MAX_PAYLOAD_BYTES
        config = cls(
            host=host or env.get(paths.BIND_HOST_ENV) or paths.DEFAULT_BIND_HOST,
            port=port if port is not None else int(env.get(paths.PORT_ENV) or paths.DEFAULT_PORT),
            workers=workers,
            model_dir=model_dir or paths.serving_model_dir(),
            max_payload_bytes=max_payload,
        )
        if config.workers < 1:
            raise ValueError(f"workers must be >= 1, got {config.workers}")
        if config.max_payload_bytes < 1:
            raise ValueError(f"max payload must be >= 1 byte, got {config.max_payload_bytes}")
        return config


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# --- HTTP ---------------------------------------------------------------------------------------

class _BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class _Head:
    method: bytes
    path: bytes
    headers: dict[bytes, bytes]
    keep_alive: bool
    length: int  # -1 = chunked
    expect_continue: bool


def _parse_head(raw: bytes) -> _Head:
    lines = raw.lstrip(b"\r\n").split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3:
        raise _BadRequest(400, "malformed request line")
    method, target, version = parts
    if version not in (b"HTTP/1.1", b"HTTP/1.0"):
        raise _BadRequest(505, f"unsupported protocol {version.decode('latin-1')!r}")
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon:
            raise _BadRequest(400, "malformed header line")
        headers[name.strip().lower()] = value.strip()
    connection = headers.get(b"connection", b"").lower()
    if version == b"HTTP/1.1":
        keep_alive = b"close" not in connection
    else:
        keep_alive = b"keep-alive" in connection
    encoding = headers.get(b"transfer-encoding")
    if encoding is not None:
        if encoding.lower() != b"chunked":
            raise _BadRequest(501, f"unsupported transfer encoding {encoding.decode('latin-1')!r}")
        length = -1
    else:
        text = headers.get(b"content-length", b"0")
        if not text.isdigit():
            raise _BadRequest(400, "malformed Content-Length")
        length = int(text)
    expect = headers.get(b"expect", b"").lower() == b"100-continue"
    return _Head(method, target.split(b"?", 1)[0], headers, keep_alive, length, expect)


class _ChunkedBody:
    """Incremental reader of a chunked body; `feed` consumes from the front of the buffer."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.pending = -1  # bytes of the current chunk plus its CRLF; -1 = expecting a size line
        self.trailers = False

    def feed(self, buf: bytearray) -> bytes | None:
        while True:
            if self.trailers or self.pending < 0:
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > MAX_HEAD_BYTES:
                        raise _BadRequest(400, "malformed chunked body")
                    return None
                line = bytes(buf[:end])
                del buf[: end + 2]
                if self.trailers:
                    if not line:
                        return b"".join(self.parts)
                    continue
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise _BadRequest(400, "malformed chunk size") from None
                if size == 0:
                    self.trailers = True
                    continue
                self.size += size
                if self.size > self.limit:
                    raise _BadRequest(413, f"request body exceeds {self.limit} bytes")
                self.pending = size + 2
            if len(buf) < self.pending:
                return None
            if buf[self.pending - 2 : self.pending] != b"\r\n":
                raise _BadRequest(400, "malformed chunked body")
            self.parts.append(bytes(buf[: self.pending - 2]))
            del buf[: self.pending]
            self.pending = -1


class _Connection(asyncio.Protocol):
    def __init__(self, app: InferenceApp, board: "_WorkerBoard"):
        self.app = app
        self.board = board
        self.limit = app.max_payload_bytes
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.head: _Head | None = None
        self.chunked: _ChunkedBody | None = None
        self.scan_from = 0
        self.discard = 0
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.board.closed()

    # A client that pipelines requests without reading the answers must not grow our buffers.
    def pause_writing(self) -> None:
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        try:
            self._process(buf)
        except _BadRequest as err:
            # The stream can no longer be framed: answer and hang up.
            self._send(error_response(err.status, str(err)), keep_alive=False)

    def _process(self, buf: bytearray) -> None:
        while buf and not self.closed:
            if self.discard:
                dropped = min(self.discard, len(buf))
                del buf[:dropped]
                self.discard -= dropped
                continue
            head = self.head
            if head is None:
                end = buf.find(b"\r\n\r\n", self.scan_from)
                if end < 0:
                    if len(buf) > MAX_HEAD_BYTES:
                        raise _BadRequest(431, "request head too large")
                    self.scan_from = max(0, len(buf) - 3)
                    return
                self.scan_from = 0
                head = _parse_head(bytes(buf[:end]))
                del buf[: end + 4]
                if head.length > self.limit:
                    self._too_large(head)
                    continue
                self.head = head
                if head.length < 0:
                    self.chunked = _ChunkedBody(self.limit)
                if head.expect_continue and (head.length < 0 or len(buf) < head.length):
                    self.transport.write(_CONTINUE)
            if head.length < 0:
                body = self.chunked.feed(buf)
                if body is None:
                    return
                self.chunked = None
            else:
                if len(buf) < head.length:
                    return
                body = bytes(buf[: head.length])
                del buf[: head.length]
            self.head = None
            self._send(self._respond(head, body), head.keep_alive)

    def _too_large(self, head: _Head) -> None:
        message = f"request body of {head.length} bytes exceeds the limit of {self.limit} bytes"
        log.info("rejected request: 413 %s", message)
        # A client waiting for 100-continue sends no body; a huge one is not worth reading off.
        keep_alive = (
            head.keep_alive
            and not head.expect_continue
            and head.length <= DISCARD_LIMIT_FACTOR * self.limit
        )
        self._send(error_response(413, message), keep_alive)
        self.discard = head.length

    def _respond(self, head: _Head, body: bytes) -> Response:
        board = self.board
        board.begin()
        try:
            return self.app.handle(head.method, head.path, head.headers, body)
        except Exception as err:  # noqa: BLE001 - one bad request must not take the worker down
            log.error("internal error: %s\n%s", err, traceback.format_exc())
            return error_response(500, f"internal error: {type(err).__name__}")
        finally:
            board.end()

    def _send(self, response: Response, keep_alive: bool) -> None:
        if self.closed:
            return
        head = b"%sContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n" % (
            _STATUS_LINES[response.status],
            response.content_type.encode(),
            len(response.body),
            b"" if keep_alive else b"Connection: close\r\n",
        )
        self.transport.write(head + response.body)
        if not keep_alive:
            self.closed = True
            self.transport.close()


# --- processes ----------------------------------------------------------------------------------

class _WorkerBoard:
    """What each worker is doing, in memory shared by all workers; each writes only its slot.

    Threads: LightGBM threads beyond one per core only fight each other, so a worker scores
    with `cores // workers` threads, except that a large batch takes every core while no other
    worker has scored in the last RECENT_SECONDS: a lone stream of batches (one batch-transform
    request at a time, say) gets the whole machine, concurrent streams one thread each.

    Connections: clients keep connections open, so whoever accepts one serves it for good. A
    worker holding more connections than another leaves a new one to the others for
    ACCEPT_PAUSE_SECONDS before taking it itself, which spreads a burst of connects evenly.

    A stale read costs one request some speed or one connection a short wait, no more.
    """

    RECENT_SECONDS = 0.02
    ACCEPT_PAUSE_SECONDS = 0.01

    def __init__(self, workers: int):
        self.memory = mmap.mmap(-1, 16 * workers)  # anonymous and shared: survives fork
        view = memoryview(self.memory)
        self.finished = view[: 8 * workers].cast("d")  # +inf while scoring
        self.connections = view[8 * workers :].cast("q")
        self.cores = _cores()
        self.base_threads = max(1, self.cores // workers)
        self.slot = 0

    def threads_for(self, rows: int) -> int:
        if rows < PARALLEL_ROWS or self.cores <= self.base_threads:
            return self.base_threads
        recent = time.monotonic() - self.RECENT_SECONDS
        for slot, finished in enumerate(self.finished):
            if slot != self.slot and finished > recent:
                return self.base_threads
        return self.cores

    def begin(self) -> None:
        self.finished[self.slot] = math.inf

    def end(self) -> None:
        self.finished[self.slot] = time.monotonic()

    def fair_to_accept(self) -> bool:
        mine = self.connections[self.slot]
        return all(mine <= count for count in self.connections)

    def opened(self) -> None:
        self.connections[self.slot] += 1

    def closed(self) -> None:
        self.connections[self.slot] -= 1

    def reset(self, slot: int) -> None:
        self.finished[slot] = 0.0
        self.connections[slot] = 0


def _worker(listener: socket.socket, config: ServerConfig, board: _WorkerBoard, slot: int) -> None:
    """Runs in a forked child; never returns."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    code = 0
    try:
        from .predict import Predictor

        try:
            board.slot = slot
            predictor = Predictor(config.model_dir, board.threads_for)
        except Exception as err:  # noqa: BLE001 - reported to the parent by the exit status
            log.error("worker %d cannot load the model from %s: %s", os.getpid(), config.model_dir, err)
            os._exit(EXIT_MODEL_LOAD_FAILED)
        app = InferenceApp(predictor, config.max_payload_bytes, config.workers)
        loop = asyncio.new_event_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, loop.stop)
        listener.setblocking(False)
        fd = listener.fileno()

        def accept(after_pause: bool = False) -> None:
            # One connection per wake-up, and only while we hold no more than the others.
            if not after_pause and not board.fair_to_accept():
                loop.remove_reader(fd)
                loop.call_later(board.ACCEPT_PAUSE_SECONDS, resume)
                return
            try:
                conn, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as err:
                log.warning("accept failed: %s", err)
                return
            conn.setblocking(False)
            board.opened()  # now, not when the transport is ready: the next wake-up must see it
            task = loop.create_task(
                loop.connect_accepted_socket(lambda: _Connection(app, board), conn)
            )
            task.add_done_callback(_uncount_if_failed)

        def _uncount_if_failed(task: asyncio.Task) -> None:
            if task.cancelled() or task.exception() is not None:
                board.closed()  # no connection came of it, so connection_lost never runs

        def resume() -> None:
            loop.add_reader(fd, accept)
            accept(after_pause=True)  # still waiting after the pause: nobody else took it

        loop.add_reader(fd, accept)
        log.info("worker %d ready", os.getpid())
        loop.run_forever()
    except BaseException:  # noqa: BLE001 - a child must never fall back into the parent's code
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run(config: ServerConfig) -> int:
    """Serve until SIGTERM/SIGINT. Returns the process exit status."""
    ModelSchema.load(config.model_dir)  # fail fast, before forking, on a missing/broken model dir
    listener = socket.create_server((config.host, config.port), backlog=1024)
    log.info(
        "serving %s on %s:%d with %d workers, payload limit %d bytes",
        config.model_dir, config.host, listener.getsockname()[1], config.workers,
        config.max_payload_bytes,
    )
    board = _WorkerBoard(config.workers)
    children: dict[int, tuple[int, float]] = {}  # pid -> (slot on the board, start time)
    state = {"stopping": False, "status": 0}

    def spawn(slot: int) -> None:
        board.reset(slot)
        pid = os.fork()
        if pid == 0:
            _worker(listener, config, board, slot)
        children[pid] = (slot, time.monotonic())

    def stop(signum: int, _frame: object) -> None:
        state["stopping"] = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(config.workers):
        spawn(slot)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        slot, started = children.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        if state["stopping"]:
            continue
        if code == EXIT_MODEL_LOAD_FAILED:
            log.error("a worker could not load the model; stopping")
            state["status"] = 1
            stop(signal.SIGTERM, None)
            continue
        log.warning("worker %d exited with status %d; starting another", pid, code)
        if time.monotonic() - started < RESPAWN_PAUSE_SECONDS:
            time.sleep(RESPAWN_PAUSE_SECONDS)  # a worker dying at birth must not spin the CPU
        spawn(slot)
    listener.close()
    log.info("stopped")
    return state["status"]
