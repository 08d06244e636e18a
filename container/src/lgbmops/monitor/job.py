"""The monitor step: capture files of a window + the live model -> drift.json, report, metrics."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb

from ..schema import ModelSchema
from . import drift as drift_module
from . import metrics, report
from .capture import CaptureScan, format_time, read_window
from .decode import RequestRows

log = logging.getLogger(__name__)

DRIFT_FILE = "drift.json"
REPORT_FILE = "report.html"
METRICS_FILE = "metrics.json"
DEFAULT_MIN_ROWS = 500
DEFAULT_PSI_ALARM = 0.2
OK = "ok"
INSUFFICIENT_DATA = "insufficient_data"


@dataclass(frozen=True)
class Settings:
    start: datetime
    end: datetime
    endpoint_name: str
    min_rows: int = DEFAULT_MIN_ROWS
    psi_alarm: float = DEFAULT_PSI_ALARM


def monitor(capture_dir: Path, booster: lgb.Booster, schema: ModelSchema,
            profile: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """drift.json's content for the window's captured requests."""
    scan = CaptureScan()
    requests = RequestRows(schema)
    for content_type, body, where in read_window(capture_dir, settings.start, settings.end, scan):
        requests.add(content_type, body, where)
    decoded = requests.decoded()
    rows = decoded.rows
    seen = rows + requests.violating_rows
    result: dict[str, Any] = {
        "endpoint_name": settings.endpoint_name,
        "dataset": profile["dataset"],
        "window": {"start": format_time(settings.start), "end": format_time(settings.end)},
        "psi_alarm": settings.psi_alarm,
        "min_rows": settings.min_rows,
        "reference_rows": profile["rows"],
        "rows": {"files": scan.files, "records": scan.records, "decoded": rows,
                 "schema_violations": requests.violating_rows,
                 "outside_window": scan.outside_window, "malformed_records": scan.malformed},
        "schema_violation_rate": requests.violating_rows / seen if seen else 0.0,
        "violations": dict(requests.violations),
        "violation_examples": list(requests.examples),
        "capture_problems": list(scan.problems),
    }
    if rows < settings.min_rows:
        result.update(status=INSUFFICIENT_DATA, reason=(
            f"{rows} rows decoded from the window's captured requests, fewer than the "
            f"{settings.min_rows} (--min-rows) needed to judge drift; no drift figures are "
            f"published for this window"))
        return result
    result["status"] = OK
    result.update(drift_module.compare(schema, profile, decoded, booster,
                                       drift_module.Thresholds(settings.psi_alarm)))
    return result


def write_outputs(result: dict[str, Any], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in ((DRIFT_FILE, json.dumps(result, indent=1, sort_keys=True)),
                       (METRICS_FILE, json.dumps(metrics.metric_data(result), indent=1)),
                       (REPORT_FILE, report.render(result))):
        path = directory / name
        path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
        written.append(path)
    return written
