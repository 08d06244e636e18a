"""A lean pre-fork HTTP/1.1 server for the inference contract.

The parent binds the port and forks one worker per core; each worker loads the model once and
runs an asyncio event loop over the shared listening socket. Scoring is CPU-bound and short, so
a worker scores requests inline on its loop: no thread hand-offs, no framework, keep-alive and
pipelining for free. The parent restarts a worker that dies, and stops everything when a worker
cannot load the model (restarting would only fail again).

HTTP/1.1 support is what SageMaker and ordinary clients use: Content-Length and chunked
bodies, `Expect: 100-continue`, keep-alive (HTTP/1.0 only on request). Bodies over the payload
limit get 413 and are read off and dropped, so the connection stays usable.

Framing is strict (RFC 9112), because a lenient parser behind a proxy is how requests get
smuggled: lines end with CRLF, never a bare LF or CR; field names are tokens with no space
before the colon; no control bytes; one Content-Length (repeats must agree) and never together
with Transfer-Encoding. A request that breaks these gets 400 and the connection is closed. A
started request must arrive within the read timeout (head and body each), else 408 and close.
"""
from __future__ import annotations

import asyncio
import logging
import math
import mmap
import os
import re
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
from .decode import quoted

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
    read_timeout_seconds: float = paths.DEFAULT_READ_TIMEOUT_SECONDS

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
        timeout_text = env.get(paths.READ_TIMEOUT_ENV) or str(paths.DEFAULT_READ_TIMEOUT_SECONDS)
        try:
            read_timeout = float(timeout_text)
        except ValueError:
            raise ValueError(
                f"{paths.READ_TIMEOUT_ENV} must be a number of seconds, got {timeout_text!r}"
            ) from None
        config = cls(
            host=host or env.get(paths.BIND_HOST_ENV) or paths.DEFAULT_BIND_HOST,
            port=port if port is not None else int(env.get(paths.PORT_ENV) or paths.DEFAULT_PORT),
            workers=workers,
            model_dir=model_dir or paths.serving_model_dir(),
            max_payload_bytes=max_payload,
            read_timeout_seconds=read_timeout,
        )
        if config.workers < 1:
            raise ValueError(f"workers must be >= 1, got {config.workers}")
        if config.max_payload_bytes < 1:
            raise ValueError(f"max payload must be >= 1 byte, got {config.max_payload_bytes}")
        if not 0 < config.read_timeout_seconds < math.inf:
            raise ValueError(
                f"{paths.READ_TIMEOUT_ENV} must be > 0 seconds, got {config.read_timeout_seconds}"
            )
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


_TOKEN_BYTES = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Control bytes a head may not hold anywhere (HTAB is allowed in values; CR and LF only as CRLF).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"
_HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]{1,16}")
_MAX_LENGTH_DIGITS = 18  # any longer Content-Length is over every payload limit
_lower_names: dict[bytes, bytes] = {}  # field name as sent -> lowercase, once validated


def _field_name(name: bytes) -> bytes | None:
    """Lowercase field name, or None unless it is an RFC 9110 token."""
    lower = _lower_names.get(name)
    if lower is None:
        if not name or name.translate(None, _TOKEN_BYTES):
            return None
        lower = name.lower()
        if len(_lower_names) < 1024:  # clients send a few dozen names; bound it all the same
            _lower_names[name] = lower
    return lower


def _check_head_bytes(raw: bytes | bytearray, lines: int) -> None:
    """A bare CR or LF, or a control byte, anywhere in a head of `lines` CRLF-separated lines."""
    crlf = lines - 1
    if raw.count(b"\n") == crlf and raw.count(b"\r") == crlf and len(
        raw.translate(None, _CONTROL_BYTES)
    ) == len(raw):
        return
    for offset, byte in enumerate(raw):
        if byte == 10 and (offset == 0 or raw[offset - 1] != 13):
            raise _BadRequest(400, f"bare LF at byte {offset} of the request head: lines end with CRLF")
        if byte == 13 and raw[offset + 1 : offset + 2] != b"\n":
            raise _BadRequest(400, f"bare CR at byte {offset} of the request head: lines end with CRLF")
        if byte in _CONTROL_BYTES:
            raise _BadRequest(400, f"control byte 0x{byte:02x} at byte {offset} of the request head")


def _parse_head(raw: bytes) -> _Head:
    lines = raw.split(b"\r\n")
    _check_head_bytes(raw, len(lines))
    parts = lines[0].split(b" ")
    if len(parts) != 3 or _field_name(parts[0]) is None or not parts[1]:
        raise _BadRequest(
            400, f"malformed request line {quoted(lines[0])}: expected METHOD TARGET HTTP/1.1"
        )
    method, target, version = parts
    if version not in (b"HTTP/1.1", b"HTTP/1.0"):
        raise _BadRequest(505, f"unsupported protocol {quoted(version)}")
    headers: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        lower = _field_name(name)
        if lower is None or not colon:
            raise _BadRequest(
                400, f"malformed header line {quoted(line)}: expected a token name, "
                "then a colon with no space before it",
            )
        value = value.strip(b" \t")
        if lower in headers:  # a repeated field is one comma-separated list (RFC 9110 5.3)
            headers[lower] += b", " + value
        else:
            headers[lower] = value
    connection = headers.get(b"connection", b"").lower()
    if version == b"HTTP/1.1":
        keep_alive = b"close" not in connection
    else:
        keep_alive = b"keep-alive" in connection
    encoding = headers.get(b"transfer-encoding")
    length_text = headers.get(b"content-length")
    if encoding is not None:
        if length_text is not None:
            raise _BadRequest(400, "Transfer-Encoding and Content-Length together: send one of them")
        if encoding.lower() != b"chunked":
            raise _BadRequest(501, f"unsupported transfer encoding {quoted(encoding)}")
        length = -1
    elif length_text is None:
        length = 0
    else:
        length = _content_length(length_text)
    expect = headers.get(b"expect", b"").lower() == b"100-continue"
    return _Head(method, target.split(b"?", 1)[0], headers, keep_alive, length, expect)


def _content_length(text: bytes) -> int:
    """RFC 9110 8.6: digits only; repeated values (a list once combined) must all agree."""
    if not text.isdigit():
        values = [value.strip(b" \t") for value in text.split(b",")]
        if not all(value.isdigit() for value in values):
            raise _BadRequest(400, f"malformed Content-Length {quoted(text)}: expected digits")
        if len({value.lstrip(b"0") for value in values}) > 1:
            raise _BadRequest(400, f"conflicting Content-Length values {quoted(text)}")
        text = values[0]
    digits = text.lstrip(b"0")
    if len(digits) > _MAX_LENGTH_DIGITS:
        raise _BadRequest(413, f"Content-Length {quoted(text)} exceeds the payload limit")
    return int(digits or b"0")


class _ChunkedBody:
    """Incremental reader of a chunked body; `feed` consumes from the front of the buffer."""

    def __init__(self, limit: int):
        self.limit = limit
        self.body = bytearray()  # one buffer: a body of tiny chunks must not become many objects
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
                        return bytes(self.body)
                    continue
                digits = line.split(b";", 1)[0].strip(b" \t")
                if _HEX_DIGITS.fullmatch(digits) is None:  # int(x, 16) would take "-1", "0x1"
                    raise _BadRequest(400, f"malformed chunk size {quoted(line)}")
                size = int(digits, 16)
                if size == 0:
                    self.trailers = True
                    continue
                if len(self.body) + size > self.limit:
                    raise _BadRequest(413, f"request body exceeds {self.limit} bytes")
                self.pending = size + 2
            if len(buf) < self.pending:
                return None
            if buf[self.pending - 2 : self.pending] != b"\r\n":
                raise _BadRequest(400, "malformed chunked body")
            self.body += buf[: self.pending - 2]
            del buf[: self.pending]
            self.pending = -1


class _Connection(asyncio.Protocol):
    """One client connection.

    Read timeout: once a request has started, its head must be complete within
    `read_timeout` seconds of its first byte, and its body within `read_timeout` seconds of
    the head (a deadline, not an idle time, so a trickle cannot hold a connection). Then the
    client gets 408 and the connection is closed. An idle keep-alive connection, between
    requests, has no deadline: SageMaker's front end keeps its connections open for reuse.
    """

    def __init__(self, app: InferenceApp, board: "_WorkerBoard", read_timeout: float,
                 loop: asyncio.AbstractEventLoop):
        self.app = app
        self.board = board
        self.limit = app.max_payload_bytes
        self.read_timeout = read_timeout
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.head: _Head | None = None
        self.chunked: _ChunkedBody | None = None
        self.scan_from = 0
        self.discard = 0
        self.closed = False
        self.phase = 0  # +1 whenever a head or a body is complete: each part has its own deadline
        self.timer: asyncio.TimerHandle | None = None
        self.timer_phase = -1

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
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
            log.info("rejected request: %d %s", err.status, err)
            self._send(error_response(err.status, str(err)), keep_alive=False)
            return
        if self.closed:
            return
        if buf or self.head is not None or self.discard:
            if self.timer is None or self.timer_phase != self.phase:
                self._start_deadline()
        elif self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _start_deadline(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer_phase = self.phase
        self.timer = self.loop.call_later(self.read_timeout, self._timed_out)

    def _timed_out(self) -> None:
        self.timer = None
        if self.closed:
            return
        part = "head" if self.head is None and not self.discard else "body"
        log.info("closing a connection: request %s not received within %g s", part, self.read_timeout)
        if self.discard:  # its 413 is already sent: nothing more to say
            self.closed = True
            self.transport.close()
        else:
            self._send(
                error_response(408, f"request {part} not received within {self.read_timeout:g} s"),
                keep_alive=False,
            )
        # close() waits to flush the answer; a client that reads nothing must not keep the socket.
        self.loop.call_later(self.read_timeout, self.transport.abort)

    def _process(self, buf: bytearray) -> None:
        while buf and not self.closed:
            if self.discard:
                dropped = min(self.discard, len(buf))
                del buf[:dropped]
                self.discard -= dropped
                if not self.discard:
                    self.phase += 1
                continue
            head = self.head
            if head is None:
                if buf[0] == 13 or buf[0] == 10:
                    # RFC 9112 2.2: empty lines (CRLF) before a request line are ignored.
                    while buf[:2] == b"\r\n":
                        del buf[:2]
                    if buf == b"\r":
                        return
                    if not buf:
                        continue
                end = buf.find(b"\r\n\r\n", self.scan_from)
                if end < 0:
                    self._check_partial_head(buf)
                    return
                self.scan_from = 0
                if end > MAX_HEAD_BYTES:
                    raise _BadRequest(431, f"request head over {MAX_HEAD_BYTES} bytes")
                head = _parse_head(bytes(buf[:end]))
                del buf[: end + 4]
                self.phase += 1
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
            self.phase += 1
            self._send(self._respond(head, body), head.keep_alive)

    def _check_partial_head(self, buf: bytearray) -> None:
        """Fail now, not at the read timeout, when the head so far can never become valid."""
        if len(buf) > MAX_HEAD_BYTES:
            raise _BadRequest(431, f"request head over {MAX_HEAD_BYTES} bytes")
        start = max(0, self.scan_from - 1)
        scanned = bytes(buf[start : len(buf) - 1 if buf[-1] == 13 else len(buf)])
        crlf = scanned.count(b"\r\n")
        if (
            scanned.count(b"\n") != crlf
            or scanned.count(b"\r") != crlf
            or len(scanned.translate(None, _CONTROL_BYTES)) != len(scanned)
        ):
            whole = bytes(buf[:-1] if buf[-1] == 13 else buf)
            _check_head_bytes(whole, whole.count(b"\r\n") + 1)
        self.scan_from = max(0, len(buf) - 3)

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
                loop.connect_accepted_socket(
                    lambda: _Connection(app, board, config.read_timeout_seconds, loop), conn
                )
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
