"""SageMaker's data-capture files: reading the records of a time window, and writing them.

An endpoint with a DataCaptureConfig writes JSON Lines files under
`<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/<mm-ss-mmm>-<uuid>.jsonl`, one line per captured
invocation:

    {"captureData": {"endpointInput":  {"observedContentType": "text/csv", "mode": "INPUT",
                                        "data": "39,State-gov,...", "encoding": "CSV"},
                     "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT",
                                        "data": "0.0123", "encoding": "CSV"}},
     "eventMetadata": {"eventId": "<uuid>", "inferenceTime": "2026-01-02T03:04:05Z"},
     "eventVersion": "0"}

`encoding` is CSV or JSON when the content type is one the config lists as such (the body is
then the text itself), else BASE64. One record holds one request, which may carry several
rows. `write_capture_files` writes records the same way, so a local run and the tests exercise
the format the monitor reads in the cloud.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from ..errors import LgbmopsError

CAPTURE_SUFFIX = ".jsonl"
# What the capture manifest lists when the window has no capture file (pipeline-spec's
# CaptureManifest.NO_CAPTURES_MARKER): zero captured rows, said explicitly.
NO_CAPTURES_MARKER = "no-captures.json"
CSV_CONTENT_TYPE = "text/csv"
JSON_CONTENT_TYPE = "application/json"
ENCODINGS = ("CSV", "JSON", "BASE64")
EVENT_VERSION = "0"


class CaptureError(LgbmopsError):
    """Capture files cannot be read or written; the message names the file."""


@dataclass(frozen=True)
class Invocation:
    """One captured request and, when output is captured too, its answer."""

    body: bytes
    content_type: str
    inference_time: datetime
    output: bytes | None = None
    output_content_type: str = CSV_CONTENT_TYPE
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def parse_time(text: str, what: str) -> datetime:
    """ISO 8601 in UTC (`2026-01-02T03:04:05Z`; an offset is honoured, none means UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise CaptureError(f"{what}: {text!r} is not an ISO 8601 time") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --- reading ----------------------------------------------------------------------------------

@dataclass
class CaptureScan:
    """What reading a window's capture files found, besides the requests themselves."""

    files: int = 0
    records: int = 0  # captured invocations in the window
    outside_window: int = 0
    malformed: int = 0  # lines that are not a capture record; see `problems`
    problems: list[str] = field(default_factory=list)  # the first few, `file:line: reason`

    def note(self, problem: str, keep: int = 10) -> None:
        self.malformed += 1
        if len(self.problems) < keep:
            self.problems.append(problem)


def capture_files(directory: Path) -> list[Path]:
    """Every `*.jsonl` file at any depth (the manifest's files as a processing job downloads
    them). A window with none holds the deploy function's marker instead, read as no files: an
    empty directory is an error, so a lost input cannot pass for a quiet endpoint."""
    if not directory.is_dir():
        raise CaptureError(f"capture directory {directory} does not exist")
    files = sorted(p for p in directory.rglob(f"*{CAPTURE_SUFFIX}") if p.is_file())
    markers = [p for p in directory.rglob(NO_CAPTURES_MARKER) if p.is_file()]
    if files and markers:
        raise CaptureError(f"capture directory {directory} holds both capture files and the "
                           f"{NO_CAPTURES_MARKER} marker ({markers[0]})")
    if not files and not markers:
        raise CaptureError(f"capture directory {directory} holds no {CAPTURE_SUFFIX} capture file "
                           f"and no {NO_CAPTURES_MARKER} marker")
    return files


def read_window(directory: Path, start: datetime, end: datetime,
                scan: CaptureScan) -> Iterator[tuple[str, bytes, str]]:
    """(content type, request body, where) of every record with start <= inferenceTime < end."""
    for path in capture_files(directory):
        scan.files += 1
        for number, line in enumerate(path.read_bytes().split(b"\n"), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                moment = parse_time(record["eventMetadata"]["inferenceTime"], "inferenceTime")
                captured = record["captureData"]["endpointInput"]
                body = decode_data(captured["data"], captured["encoding"])
                content_type = str(captured["observedContentType"])
            except (ValueError, KeyError, TypeError) as err:
                scan.note(f"{path.name}:{number}: not a capture record: {_reason(err)}")
                continue
            if not start <= moment < end:
                scan.outside_window += 1
                continue
            scan.records += 1
            yield content_type, body, f"{path.name}:{number}"


def decode_data(data: str, encoding: str) -> bytes:
    if encoding in ("CSV", "JSON"):
        return data.encode("utf-8")
    if encoding == "BASE64":
        try:
            return base64.b64decode(data, validate=True)
        except binascii.Error as err:
            raise ValueError(f"data is not base64: {err}") from None
    raise ValueError(f"encoding {encoding!r} is not one of {', '.join(ENCODINGS)}")


def _reason(err: Exception) -> str:
    if isinstance(err, KeyError):
        return f"no {err.args[0]!r}"
    return str(err).split("\n", 1)[0][:160]


# --- writing ----------------------------------------------------------------------------------

def capture_record(invocation: Invocation,
                   csv_types: Sequence[str] = (CSV_CONTENT_TYPE,),
                   json_types: Sequence[str] = (JSON_CONTENT_TYPE,)) -> dict:
    """The JSON object SageMaker writes for one invocation."""

    def part(body: bytes, content_type: str, mode: str) -> dict:
        media = content_type.split(";", 1)[0].strip().lower()
        if media in csv_types or media in json_types:
            try:
                data, encoding = body.decode("utf-8"), "CSV" if media in csv_types else "JSON"
            except UnicodeDecodeError:
                data, encoding = base64.b64encode(body).decode("ascii"), "BASE64"
        else:
            data, encoding = base64.b64encode(body).decode("ascii"), "BASE64"
        return {"observedContentType": content_type, "mode": mode, "data": data,
                "encoding": encoding}

    capture = {"endpointInput": part(invocation.body, invocation.content_type, "INPUT")}
    if invocation.output is not None:
        capture["endpointOutput"] = part(invocation.output, invocation.output_content_type,
                                         "OUTPUT")
    return {
        "captureData": capture,
        "eventMetadata": {"eventId": invocation.event_id,
                          "inferenceTime": format_time(invocation.inference_time)},
        "eventVersion": EVENT_VERSION,
    }


def write_capture_files(root: Path, endpoint_name: str, invocations: Iterable[Invocation],
                        variant: str = "AllTraffic") -> list[Path]:
    """Write `invocations` as SageMaker does under `root` (the capture destination): one file per
    hour of inference time, at `<endpoint>/<variant>/yyyy/mm/dd/hh/`. Returns the files."""
    by_hour: dict[datetime, list[Invocation]] = {}
    for invocation in invocations:
        moment = invocation.inference_time.astimezone(timezone.utc)
        by_hour.setdefault(moment.replace(minute=0, second=0, microsecond=0), []).append(
            invocation)
    written = []
    for hour, items in sorted(by_hour.items()):
        first = min(i.inference_time for i in items).astimezone(timezone.utc)
        name = (f"{first:%M-%S}-{first.microsecond // 1000:03d}-{uuid.uuid4()}{CAPTURE_SUFFIX}")
        path = root / endpoint_name / variant / f"{hour:%Y/%m/%d/%H}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            for item in sorted(items, key=lambda i: i.inference_time):
                handle.write(json.dumps(capture_record(item), separators=(",", ":")) + "\n")
        written.append(path)
    return written


def csv_invocations(lines: Sequence[str], start: datetime, rows_per_request: int = 1,
                    spacing: timedelta = timedelta(seconds=1), outputs: Sequence[str] | None = None,
                    ) -> list[Invocation]:
    """CSV requests of `rows_per_request` rows each from headerless `lines`, one every
    `spacing` from `start`; `outputs` (one line per row) become the captured answers."""
    invocations = []
    for n, begin in enumerate(range(0, len(lines), rows_per_request)):
        chunk = lines[begin:begin + rows_per_request]
        answer = None
        if outputs is not None:
            answer = "\n".join(outputs[begin:begin + rows_per_request]).encode("utf-8")
        invocations.append(Invocation("\n".join(chunk).encode("utf-8"), CSV_CONTENT_TYPE,
                                      start + n * spacing, answer))
    return invocations


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m lgbmops.monitor.capture`: capture files from a CSV of feature rows, as an
    endpoint with data capture would have written them for those requests."""
    parser = argparse.ArgumentParser(
        prog="python -m lgbmops.monitor.capture",
        description="write SageMaker data-capture files for CSV requests")
    parser.add_argument("--rows", type=Path, required=True,
                        help="CSV of feature rows in the model's order; a header line naming "
                             "them is skipped")
    parser.add_argument("--output", type=Path, required=True, help="the capture destination")
    parser.add_argument("--endpoint-name", required=True)
    parser.add_argument("--variant", default="AllTraffic")
    parser.add_argument("--start", default=None, help="first inference time (default: now)")
    parser.add_argument("--rows-per-request", type=int, default=1)
    parser.add_argument("--seconds-between", type=float, default=1.0)
    parser.add_argument("--model-dir", type=Path,
                        help="an unpacked model: its answers are captured as the output")
    args = parser.parse_args(argv)
    try:
        if args.rows_per_request < 1:
            raise CaptureError(f"--rows-per-request must be >= 1, got {args.rows_per_request}")
        start = (parse_time(args.start, "--start") if args.start
                 else datetime.now(timezone.utc))
        lines = [line for line in args.rows.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        outputs = None
        if args.model_dir is not None:
            from ..model import load_model

            booster, schema = load_model(args.model_dir)
            if lines and [v.strip() for v in lines[0].split(",")] == schema.names:
                lines = lines[1:]
            outputs = _answers(booster, schema, lines)
        files = write_capture_files(
            args.output, args.endpoint_name,
            csv_invocations(lines, start, args.rows_per_request,
                            timedelta(seconds=args.seconds_between), outputs),
            args.variant)
    except (LgbmopsError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for path in files:
        print(path)
    return 0


def _answers(booster, schema, lines: Sequence[str]) -> list[str]:
    """What our endpoint answers for each row by default (serving.encode)."""
    from ..serving.decode import Decoder, PayloadError
    from ..serving.encode import CSV, DEFAULT_OUTPUT, encode

    if not lines:
        return []
    try:
        matrix = Decoder(schema).csv("\n".join(lines).encode("utf-8"))
    except PayloadError as err:
        raise CaptureError(f"--rows: {err.message}") from None
    body = encode(booster.predict(matrix), DEFAULT_OUTPUT, CSV, schema.classes)
    return body.decode("utf-8").split("\n")


if __name__ == "__main__":
    sys.exit(main())
