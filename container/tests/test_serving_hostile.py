"""The real server under hostile input: oversized or malformed payloads, broken framing, slow
clients. Every exchange runs over a socket with a timeout, so a hang fails instead of stalling."""
from __future__ import annotations

import json
import time

import pytest

from conftest import (
    MAX_PAYLOAD_BYTES, LiveServer, PipelineRun, RawConnection, assert_still_serving, post, start_server,
    stop_server,
)

READ_TIMEOUT_SECONDS = 1.0
CLIENT_TIMEOUT_SECONDS = 10.0  # far above the server's read timeout: a hang fails the test
CLOSE_WAIT_SECONDS = 0.5
ECHO_BOUND_BYTES = 1024  # every 4xx text quotes at most 80 characters of input


@pytest.fixture(scope="module")
def hostile(pipeline: PipelineRun):
    live = start_server(
        pipeline.opt_ml, workers=1,
        extra_env={"LGBMOPS_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT_SECONDS)},
    )
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def row(pipeline: PipelineRun) -> str:
    with open(pipeline.split_files("test")[0]) as handle:
        next(handle)
        return next(handle).rstrip("\n").split(",", 1)[1]


def send_one(server: LiveServer, data: bytes) -> tuple[int, str, bool]:
    """Status, text and whether the server then closed the connection."""
    with RawConnection(server.port, CLIENT_TIMEOUT_SECONDS) as wire:
        wire.send(data)
        status, body, _ = wire.response()
        return status, body.decode("utf-8"), wire.closed_by_server(CLOSE_WAIT_SECONDS)


# --- JSON that used to answer 500 -------------------------------------------------------------

@pytest.mark.parametrize(
    "document, fragments",
    [
        ('{"instances": [{"age": %s}]}' % ("9" * 5000), ["malformed JSON", "more than 4300 digits"]),
        ('{"instances": [{"age": %s}]}' % ("9" * 400), ["row 1, column 1 (age)", "out of range", "…"]),
        ('{"instances": %s1%s}' % ("[" * 2000, "]" * 2000), ["malformed JSON", "nested too deeply"]),
        ('{"instances": [{"age": "\\ud800"}]}', ["row 1, column 1 (age)", "'\\ud800' is not a number"]),
        ('{"instances": [{"\\udfff": 1}]}', ["row 1", "unknown feature '\\udfff'"]),
    ],
    ids=["5000-digit-int", "400-digit-int", "2000-deep", "lone-surrogate-value", "lone-surrogate-key"],
)
def test_json_hugeNumbersDeepNestingLoneSurrogates_400NamingTheProblem(
    hostile: LiveServer, row: str, document: str, fragments: list[str]
):
    status, body, _ = hostile.invoke(document.encode(), "application/json")
    assert status == 400, body
    text = body.decode("utf-8")
    for fragment in fragments:
        assert fragment in text, text
    assert len(body) < ECHO_BOUND_BYTES
    assert_still_serving(hostile, row)


# --- bounded echoes ---------------------------------------------------------------------------

def test_errorMessages_quoteAtMost80CharactersOfInput(hostile: LiveServer, row: str):
    huge = "x" * 200_000
    tail = row.split(",", 1)[1]
    cases = [
        (f"{huge},{tail}".encode(), "text/csv", {}),
        (json.dumps({"instances": [{huge: 1}]}).encode(), "application/json", {}),
        (json.dumps({"instances": [{"age": huge}]}).encode(), "application/json", {}),
        (row.encode(), "text/" + "y" * 30_000, {}),
        (row.encode(), "text/csv", {"Accept": "z" * 30_000}),
    ]
    for payload, content_type, headers in cases:
        status, body, _ = hostile.invoke(payload, content_type, **headers)
        assert 400 <= status < 500, body[:200]
        assert len(body) < ECHO_BOUND_BYTES, (status, len(body))
        assert "…" in body.decode("utf-8")
    status, body, _ = hostile.request("GET", "/" + "p" * 30_000)
    assert status == 404 and len(body) < ECHO_BOUND_BYTES


def test_errorMessages_escapeControlBytes(hostile: LiveServer, row: str):
    tail = row.split(",", 1)[1]
    status, body, _ = hostile.invoke(b"\x1b[31m\x00\xff," + tail.encode())
    assert status == 400
    text = body.decode("utf-8")
    assert "'\\x1b[31m\\x00\\xff' is not a number" in text, text
    assert "\x1b" not in text and "\x00" not in text


# --- framing ----------------------------------------------------------------------------------

def test_duplicateContentLength_differing_400AndClose(hostile: LiveServer, row: str):
    body = row.encode()
    data = post(body, f"Content-Length: {len(body) + 50}")
    status, text, closed = send_one(hostile, data)
    assert status == 400 and "conflicting Content-Length" in text and closed
    data = post(b"", length=False).replace(
        b"\r\n\r\n", f"\r\nContent-Length: {len(body)}, {len(body) + 1}\r\n\r\n".encode(), 1
    ) + body
    status, text, closed = send_one(hostile, data)
    assert status == 400 and "conflicting Content-Length" in text and closed
    assert_still_serving(hostile, row)


def test_duplicateContentLength_equal_acceptedAsOne(hostile: LiveServer, row: str):
    body = row.encode()
    status, text, closed = send_one(hostile, post(body, f"Content-Length: {len(body)}"))
    assert status == 200 and 0 <= float(text) <= 1 and not closed


@pytest.mark.parametrize(
    "head",
    [
        b"GET /ping HTTP/1.1\nHost: x\n\n",
        b"GET /ping HTTP/1.1\r\nHost: x\n\r\n",
        b"GET /ping HTTP/1.1\r\nHost: x\nX-Other: y\r\n\r\n",
        b"GET /ping HTTP/1.1\r\nHost: x\rX-Other: y\r\n\r\n",
    ],
    ids=["all-bare-LF", "bare-LF-at-end", "bare-LF-inside", "bare-CR"],
)
def test_bareLineEndings_400AndClose_neverHang(hostile: LiveServer, row: str, head: bytes):
    began = time.monotonic()
    status, text, closed = send_one(hostile, head)
    assert status == 400 and "bare" in text and closed, text
    assert time.monotonic() - began < READ_TIMEOUT_SECONDS  # answered at once, not by the timeout
    assert_still_serving(hostile, row)


def test_transferEncodingWithContentLength_400AndClose(hostile: LiveServer, row: str):
    body = row.encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    data = post(chunked, "Transfer-Encoding: chunked").replace(
        f"Content-Length: {len(body)}".encode(), f"Content-Length: {len(chunked)}".encode()
    )
    status, text, closed = send_one(hostile, data)
    assert status == 400 and "Transfer-Encoding and Content-Length" in text and closed


@pytest.mark.parametrize(
    "value, status, fragment",
    [
        (b"-5", 400, "malformed Content-Length '-5'"),
        (b"+5", 400, "malformed Content-Length"),
        (b"0x10", 400, "malformed Content-Length"),
        (b"five", 400, "malformed Content-Length 'five'"),
        (b"9" * 5000, 413, "exceeds the payload limit"),
        (b"99999999999999999999", 413, "exceeds the payload limit"),
    ],
    ids=["negative", "plus", "hex", "word", "5000-digits", "20-digits"],
)
def test_badContentLength_4xxAndClose(hostile: LiveServer, value: bytes, status: int, fragment: str):
    data = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
            b"Content-Length: " + value + b"\r\n\r\n")
    got, text, closed = send_one(hostile, data)
    assert got == status and fragment in text and closed, text
    assert len(text) < ECHO_BOUND_BYTES


def test_contentLengthOverLimit_413BeforeAnyBodyIsSent(hostile: LiveServer, row: str):
    big = MAX_PAYLOAD_BYTES * 100  # past what the server would read off: it answers and hangs up
    data = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
            b"Content-Length: %d\r\n\r\n" % big)
    status, text, closed = send_one(hostile, data)  # not one body byte sent
    assert status == 413 and str(MAX_PAYLOAD_BYTES) in text and closed
    assert_still_serving(hostile, row)


def test_oversizedHead_431AndClose(hostile: LiveServer, row: str):
    filler = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"a" * 1000) for i in range(70))
    status, text, closed = send_one(hostile, b"GET /ping HTTP/1.1\r\nHost: x\r\n" + filler)
    assert status == 431 and closed
    assert_still_serving(hostile, row)


@pytest.mark.parametrize(
    "line",
    [b"X-Na\x00me: 1", b"X-Na\x01me: 1", b"X-Name : 1", b" X-Folded: 1", b"X-Name: a\x00b",
     b"X-Name: a\x7fb", b"NoColon", b": empty-name", b"X-Name\xff: 1"],
    ids=["NUL-in-name", "SOH-in-name", "space-before-colon", "obs-fold", "NUL-in-value",
         "DEL-in-value", "no-colon", "empty-name", "non-ascii-name"],
)
def test_badHeaderLine_400AndClose(hostile: LiveServer, row: str, line: bytes):
    status, text, closed = send_one(hostile, b"GET /ping HTTP/1.1\r\nHost: x\r\n" + line + b"\r\n\r\n")
    assert status == 400 and closed, text
    assert "\x00" not in text
    assert_still_serving(hostile, row)


@pytest.mark.parametrize("size_line", [b"-1", b"0x5", b"+5", b"1_0", b"", b"f" * 17])
def test_badChunkSize_400AndClose(hostile: LiveServer, size_line: bytes):
    data = post(b"", "Transfer-Encoding: chunked", length=False) + size_line + b"\r\nabcde\r\n0\r\n\r\n"
    status, text, closed = send_one(hostile, data)
    assert status == 400 and "chunk size" in text and closed, text


def test_emptyLinesBeforeRequestLine_ignored(hostile: LiveServer):
    status, _, closed = send_one(hostile, b"\r\n\r\nGET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and not closed


# --- read timeout -----------------------------------------------------------------------------

def test_partialHead_408AfterReadTimeout_thenClose(hostile: LiveServer, row: str):
    with RawConnection(hostile.port, CLIENT_TIMEOUT_SECONDS) as wire:
        began = time.monotonic()
        wire.send(b"POST /invocations HTTP/1.1\r\nHost: x\r\n")
        status, body, head = wire.response()
        waited = time.monotonic() - began
        assert status == 408 and b"request head not received within 1 s" in body
        assert "Connection: close" in head and wire.closed_by_server(CLOSE_WAIT_SECONDS)
    assert READ_TIMEOUT_SECONDS * 0.9 <= waited < CLIENT_TIMEOUT_SECONDS
    assert_still_serving(hostile, row)


def test_partialBody_408AfterReadTimeout_thenClose(hostile: LiveServer, row: str):
    body = row.encode()
    with RawConnection(hostile.port, CLIENT_TIMEOUT_SECONDS) as wire:
        wire.send(post(body)[:-5])
        status, text, _ = wire.response()
        assert status == 408 and b"request body not received" in text
        assert wire.closed_by_server(CLOSE_WAIT_SECONDS)


def test_trickledHead_deadlineNotIdleTime_408(hostile: LiveServer):
    """Bytes keep coming, but the head is not done by the deadline: 408 at the deadline (an
    idle timer would have waited until READ_TIMEOUT_SECONDS after the last byte instead)."""
    with RawConnection(hostile.port, CLIENT_TIMEOUT_SECONDS) as wire:
        began = time.monotonic()
        wire.send(b"GET /ping HTTP/1.1\r\n")
        while time.monotonic() - began < 0.8 * READ_TIMEOUT_SECONDS:
            time.sleep(0.1 * READ_TIMEOUT_SECONDS)
            wire.send(b"X-A: b\r\n")
        last_byte = time.monotonic()
        status, _, _ = wire.response()
        answered = time.monotonic()
    assert status == 408
    assert answered - last_byte < 0.9 * READ_TIMEOUT_SECONDS  # not a fresh timeout after it


def test_idleKeepAliveConnection_notTimedOut(hostile: LiveServer, row: str):
    with RawConnection(hostile.port, CLIENT_TIMEOUT_SECONDS) as wire:
        wire.send(post(row.encode()))
        assert wire.response()[0] == 200
        time.sleep(2 * READ_TIMEOUT_SECONDS)  # idle between requests: no deadline runs
        wire.send(post(row.encode()))
        assert wire.response()[0] == 200
