"""HTTP semantics of the SageMaker inference contract, free of any socket code.

`GET /ping` answers 200 once the model is loaded; `POST /invocations` scores `text/csv` or
`application/json` bodies; `GET /execution-parameters` tells batch transform how to call us.
Payload problems become 4xx responses whose text names the row and column.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass

from .. import paths
from . import batch
from .decode import ECHO_CHARS, PayloadError, quoted
from .encode import CSV, JSON, encode, parse_custom_attributes
from .predict import Predictor

log = logging.getLogger(__name__)

TEXT = "text/plain; charset=utf-8"
CUSTOM_ATTRIBUTES = b"x-amzn-sagemaker-custom-attributes"
# Every echo of input is quoted() to ECHO_CHARS; this bounds whatever a message says besides.
MAX_MESSAGE_CHARS = 8 * ECHO_CHARS
# CreateTransformJob: MaxPayloadInMB <= 100 and MaxConcurrentTransforms * MaxPayloadInMB <= 100.
TRANSFORM_MAX_TOTAL_PAYLOAD_MB = 100


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = TEXT


def error_response(status: int, message: str) -> Response:
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "…"
    return Response(status, message.encode("utf-8", "backslashreplace") + b"\n")


class InferenceApp:
    def __init__(self, predictor: Predictor, max_payload_bytes: int, workers: int,
                 row_errors_inline: bool | None = None):
        self.predictor = predictor
        if row_errors_inline is None:
            row_errors_inline = os.environ.get(paths.ROW_ERRORS_ENV) == paths.ROW_ERRORS_INLINE
        self.row_errors_inline = row_errors_inline
        self.decoder = predictor.decoder
        self.max_payload_bytes = max_payload_bytes
        self.execution_parameters = json.dumps(
            transform_parameters(workers, max_payload_bytes)).encode()

    def handle(self, method: bytes, path: bytes, headers: dict[bytes, bytes], body: bytes) -> Response:
        if path == b"/invocations":
            if method != b"POST":
                return error_response(405, "use POST /invocations")
            try:
                return self.invocations(headers, body)
            except PayloadError as err:
                log.info("rejected request: %d %s", err.status, err.message)
                return error_response(err.status, err.message)
        if path == b"/ping":
            return Response(200) if method in (b"GET", b"POST") else error_response(405, "use GET /ping")
        if path == b"/execution-parameters" and method == b"GET":
            return Response(200, self.execution_parameters, JSON)
        return error_response(404, f"no such endpoint: {quoted(path)}")

    def invocations(self, headers: dict[bytes, bytes], body: bytes) -> Response:
        accept = _accepted(headers.get(b"accept"))
        spec = parse_custom_attributes(
            headers[CUSTOM_ATTRIBUTES].decode("latin-1") if CUSTOM_ATTRIBUTES in headers else None
        )
        content_type = _media_type(headers.get(b"content-type", b""))
        if content_type == CSV:
            try:
                probabilities = self.predictor.score_csv(body)
            except PayloadError as err:
                # Only the whole body's decode failing costs the line-by-line pass.
                if not (self.row_errors_inline and err.status == 400 and accept == CSV):
                    raise
                return Response(200, batch.score_lines(self.predictor, body, spec), CSV)
        elif content_type == JSON:
            probabilities = self.predictor.predict(self.decoder.json(body))
        else:
            raise PayloadError(
                415,
                f"unsupported content type {quoted(content_type) if content_type else '(none)'}: "
                f"send {CSV} (headerless rows) or {JSON}",
            )
        return Response(200, encode(probabilities, spec, accept, self.predictor.schema.classes),
                        accept)


def transform_parameters(workers: int, max_payload_bytes: int) -> dict[str, object]:
    """What batch transform should use with this server (`GET /execution-parameters`).

    One request per worker: each worker scores one mini-batch at a time, and while one decodes
    another predicts, which the benchmark measures as the best throughput (one request at a time
    leaves a core idle while a worker decodes). Mini-batches as large as the payload limit (the
    time per row levels off from about a thousand rows, so larger only costs memory), but within
    SageMaker's rule that MaxConcurrentTransforms x MaxPayloadInMB is at most 100 MB.
    """
    concurrency = min(workers, TRANSFORM_MAX_TOTAL_PAYLOAD_MB)
    return {
        "MaxConcurrentTransforms": concurrency,
        "BatchStrategy": "MULTI_RECORD",
        "MaxPayloadInMB": max(1, min(max_payload_bytes // (1024 * 1024),
                                     TRANSFORM_MAX_TOTAL_PAYLOAD_MB // concurrency)),
    }


def _media_type(value: bytes) -> str:
    return value.split(b";", 1)[0].strip().lower().decode("latin-1")


def _accepted(value: bytes | None) -> str:
    """First of our types the Accept header allows, in its order; CSV when it allows anything."""
    if not value:
        return CSV
    for item in value.split(b","):
        media = _media_type(item)
        if media in (CSV, JSON):
            return media
        if media in ("*/*", "text/*"):
            return CSV
        if media == "application/*":
            return JSON
    raise PayloadError(406, f"cannot answer with {quoted(value)}: use {CSV} or {JSON}")
