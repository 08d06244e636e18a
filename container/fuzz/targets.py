"""Fuzz targets for what a client controls: the HTTP request framing, the CSV and JSON decoders.

Each target takes raw bytes and checks one property: the input is either served or refused with
the project's own client error, never any other exception; a refusal quotes a bounded amount of
input. `run.py` drives them with atheris (coverage-guided); the test suite also replays every
input in `regressions/` through them.

The decoders get a small schema of their own (two numeric, two categorical features), so the
targets need no trained model and no data set.
"""
from __future__ import annotations

import math
import re

import numpy as np

from lgbmops.schema import CATEGORICAL, NUMERIC, Feature, ModelSchema
from lgbmops.serving.app import MAX_MESSAGE_CHARS, Response
from lgbmops.serving.decode import Decoder, PayloadError
from lgbmops.serving.server import _Connection, _WorkerBoard

TARGETS = ("head", "csv", "json")
MAX_PAYLOAD_BYTES = 4096  # small, so that inputs of a few KB cross it
READ_TIMEOUT_SECONDS = 60.0  # never waited for: the fake loop fires timers on demand
# What the framing layer may answer; 200 and 100 come from the stand-in app and Expect.
FRAMING_STATUSES = {100, 200, 400, 408, 413, 431, 501, 505}
_STATUS_LINE = re.compile(rb"HTTP/1\.1 (\d{3}) [A-Za-z -]+\r\n")

SCHEMA = ModelSchema(
    features=(
        Feature("age", NUMERIC),
        Feature("workclass", CATEGORICAL, ("Private", "Self-emp", "?x")),
        Feature("hours", NUMERIC),
        Feature("sex", CATEGORICAL, ("Female", "Male")),
    ),
    label="income",
    classes=("<=50K", ">50K"),
)
DECODER = Decoder(SCHEMA)


class PropertyViolation(AssertionError):
    """The target broke its contract; the message says how."""


# --- CSV and JSON -------------------------------------------------------------------------------

def fuzz_csv(data: bytes) -> None:
    _decode(DECODER.csv, data)


def fuzz_json(data: bytes) -> None:
    _decode(DECODER.json, data)


def _decode(decode, data: bytes) -> None:
    try:
        matrix = decode(data)
    except PayloadError as err:
        _check_refusal(err.status, err.message, {400})
        return
    if not isinstance(matrix, np.ndarray) or matrix.dtype != np.float64:
        raise PropertyViolation(f"decoded to {type(matrix).__name__}, not a float64 array")
    if matrix.ndim != 2 or matrix.shape[1] != len(SCHEMA.features) or matrix.shape[0] < 1:
        raise PropertyViolation(f"decoded to shape {matrix.shape}")
    for j, feature in enumerate(SCHEMA.features):
        if feature.kind == CATEGORICAL:
            codes = matrix[:, j]
            known = codes[~np.isnan(codes)]
            if np.any((known < 0) | (known >= len(feature.categories)) | (known != np.floor(known))):
                raise PropertyViolation(f"column {feature.name}: codes outside its levels")


def _check_refusal(status: int, message: str, allowed: set[int]) -> None:
    if status not in allowed:
        raise PropertyViolation(f"status {status} for a client error: {message[:200]!r}")
    if len(message) > MAX_MESSAGE_CHARS:
        raise PropertyViolation(f"message of {len(message)} characters: {message[:200]!r}")
    message.encode("utf-8")  # a lone surrogate here would fail the response, not the request


# --- HTTP framing -------------------------------------------------------------------------------

class _EchoApp:
    """Stands in for the inference app: answers 200 with the size of the body it was given."""

    max_payload_bytes = MAX_PAYLOAD_BYTES

    def handle(self, method: bytes, path: bytes, headers: dict, body: bytes) -> Response:
        if len(body) > MAX_PAYLOAD_BYTES:
            raise PropertyViolation(f"a body of {len(body)} bytes passed the payload limit")
        return Response(200, b"%d" % len(body))


class _Timer:
    def __init__(self, callback):
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class _FakeLoop:
    """Records timers instead of waiting: the harness fires the read timeout when it likes."""

    def __init__(self):
        self.timers: list[_Timer] = []

    def call_later(self, delay: float, callback) -> _Timer:
        if not 0 < delay < math.inf:
            raise PropertyViolation(f"timer of {delay} s")
        timer = _Timer(callback)
        self.timers.append(timer)
        return timer

    def fire(self) -> None:
        pending, self.timers = [t for t in self.timers if not t.cancelled], []
        for timer in pending:
            timer.callback()


class _FakeTransport:
    def __init__(self):
        self.written = bytearray()
        self.closing = False
        self.writes_after_close = 0

    def write(self, data: bytes) -> None:
        if self.closing:
            self.writes_after_close += 1
        self.written += data

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


_BOARD = _WorkerBoard(1)


def fuzz_head(data: bytes) -> None:
    """The first byte splits the rest into up to three deliveries (framing must not care where
    TCP cuts the stream); afterwards the read timeout fires if a request is still pending."""
    if not data:
        return
    cut = data[0]
    stream = data[1:]
    first, second = (cut & 0x0F) * len(stream) // 16, (cut >> 4) * len(stream) // 16
    pieces = [stream[: min(first, second)], stream[min(first, second) : max(first, second)],
              stream[max(first, second) :]]
    loop = _FakeLoop()
    transport = _FakeTransport()
    connection = _Connection(_EchoApp(), _BOARD, READ_TIMEOUT_SECONDS, loop)
    connection.connection_made(transport)
    _BOARD.opened()
    try:
        for piece in pieces:
            if piece and not transport.closing:
                connection.data_received(piece)
        waiting = bool(connection.buf or connection.head is not None or connection.discard)
        if waiting and not transport.closing:
            if not any(not timer.cancelled for timer in loop.timers):
                raise PropertyViolation("a started request waits with no deadline: it would hang")
            loop.fire()
            if not transport.closing:
                raise PropertyViolation("the read timeout fired and the connection stayed open")
    finally:
        connection.connection_lost(None)
    if transport.writes_after_close:
        raise PropertyViolation("wrote to a connection after closing it")
    _check_responses(bytes(transport.written))


def _check_responses(written: bytes) -> None:
    offset = 0
    while offset < len(written):
        match = _STATUS_LINE.match(written, offset)
        if match is None:
            raise PropertyViolation(f"not a status line at byte {offset}: {written[offset:offset + 80]!r}")
        status = int(match.group(1))
        end = written.find(b"\r\n\r\n", offset)
        if end < 0:
            raise PropertyViolation("response head without an end")
        head = written[offset:end].decode("latin-1")
        if status == 100:
            offset = end + 4
            continue
        length = int(re.search(r"Content-Length: (\d+)", head).group(1))
        body = written[end + 4 : end + 4 + length]
        if len(body) != length:
            raise PropertyViolation("response body shorter than its Content-Length")
        if status != 200:
            _check_refusal(status, body.decode("utf-8").rstrip("\n"), FRAMING_STATUSES)
        offset = end + 4 + length


TARGET_FUNCTIONS = {"head": fuzz_head, "csv": fuzz_csv, "json": fuzz_json}
