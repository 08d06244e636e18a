"""The monitor step on a real census model: drift found where the data moved, not elsewhere,
from capture files written the way SageMaker writes them."""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import tarfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import PipelineRun, run_script

from lgbmops.model import load_model
from lgbmops.monitor import capture
from lgbmops.monitor.capture import (NO_CAPTURES_MARKER, Invocation, capture_record,
                                     csv_invocations, write_capture_files)
from lgbmops.monitor.job import Settings, monitor
from lgbmops.monitor.metrics import NAMESPACE
from lgbmops.monitor.profile import PROFILE_FILE, load_profile

START = datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)
WINDOW = ("--window-start", "2026-03-01T10:00:00Z", "--window-end", "2026-03-01T16:00:00Z")
ENDPOINT = "lgbmops-test-endpoint"


@pytest.fixture(scope="module")
def model(pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp("live-model")
    with tarfile.open(pipeline.opt_ml / "processing" / "model" / "model.tar.gz") as archive:
        archive.extractall(directory, filter="data")
    booster, schema = load_model(directory)
    return directory, booster, schema, load_profile(directory, schema)


@pytest.fixture(scope="module")
def test_rows(pipeline: PipelineRun, model) -> pd.DataFrame:
    """The census test split's features as text (never seen by training): fresh rows."""
    return pipeline.split_frame("test")[model[2].names]


def csv_lines(frame: pd.DataFrame) -> list[str]:
    return [",".join(row) for row in frame.astype(str).itertuples(index=False, name=None)]


def shifted(frame: pd.DataFrame) -> pd.DataFrame:
    moved = frame.copy()
    moved["age"] = (moved["age"].astype(int) + 15).astype(str)
    moved["workclass"] = moved["workclass"].replace("Private", "Private-sector")
    return moved


def stage(root: Path, pipeline: PipelineRun, invocations: list[Invocation]) -> Path:
    model_input = root / "processing" / "input" / "model"
    model_input.mkdir(parents=True)
    shutil.copy(pipeline.opt_ml / "processing" / "model" / "model.tar.gz", model_input)
    write_capture_files(root / "processing" / "input" / "capture" / "datacapture", ENDPOINT,
                        invocations)
    return root


def outputs(root: Path) -> tuple[dict, list, str]:
    out = root / "processing" / "output" / "monitor"
    return (json.loads((out / "drift.json").read_text()),
            json.loads((out / "metrics.json").read_text()),
            (out / "report.html").read_text())


def run_monitor(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run_script("monitor", root, *WINDOW, "--endpoint-name", ENDPOINT, *args)


# --- the reference profile --------------------------------------------------------------------

def test_train_recordsReferenceProfile_inTheModelArtifact(pipeline: PipelineRun, model):
    with tarfile.open(pipeline.opt_ml / "processing" / "model" / "model.tar.gz") as archive:
        assert PROFILE_FILE in archive.getnames()
    _, _, schema, profile = model
    assert [f["name"] for f in profile["features"]] == schema.names
    assert profile["rows"] == json.loads(
        (pipeline.split("train") / "dataset.json").read_text())["rows"]["train"]
    for feature, described in zip(schema.features, profile["features"]):
        if described["kind"] == "numeric":
            shares = described["bins"]["proportions"]
            assert len(shares) == len(described["bins"]["edges"]) + 1 <= 10
            assert described["cdf"]["values"] == sorted(described["cdf"]["values"])
        else:
            assert list(described["levels"]) == list(feature.categories)
            shares = list(described["levels"].values())
        assert sum(shares) + described["missing_rate"] == pytest.approx(1.0)
    age = next(f for f in profile["features"] if f["name"] == "age")
    assert 9 <= len(age["bins"]["edges"]) and max(age["bins"]["proportions"]) < 0.2
    prediction = profile["prediction"]
    assert prediction["kind"] == "positive_class_probability"
    assert prediction["rows"] == json.loads(
        (pipeline.split("validation") / "dataset.json").read_text())["rows"]["validation"]
    assert sum(prediction["proportions"]) == pytest.approx(1.0)


# --- drift and no drift -----------------------------------------------------------------------

def test_monitor_shiftedSample_reportsDriftOfTheShiftedFeatures(pipeline, test_rows, tmp_path):
    sample = shifted(test_rows.sample(2000, random_state=1))
    root = stage(tmp_path, pipeline, csv_invocations(
        csv_lines(sample), START, rows_per_request=10, spacing=timedelta(seconds=5)))
    done = run_monitor(root)
    assert done.returncode == 0, done.stderr
    drift, metric_data, page = outputs(root)
    assert drift["status"] == "ok" and drift["rows"]["decoded"] == 2000
    by_name = {f["name"]: f for f in drift["features"]}
    assert by_name["age"]["drifted"] and by_name["age"]["psi"] > 1.0
    assert by_name["age"]["ks"] > 0.3
    assert by_name["workclass"]["drifted"]
    assert by_name["workclass"]["unseen_rate"] > 0.5
    assert "Private-sector" in by_name["workclass"]["top_unseen"]
    assert set(drift["drifted_features"]) == {"age", "workclass"}
    assert drift["unseen_category_rate"] > 0.05
    # The metrics an alarm watches.
    named = {(m["MetricName"], tuple(d["Value"] for d in m["Dimensions"])): m for m in metric_data}
    assert named[("FeaturePSI", (ENDPOINT, "age"))]["Value"] == pytest.approx(by_name["age"]["psi"])
    assert named[("MaxFeaturePSI", (ENDPOINT,))]["Value"] > 0.2
    assert named[("CapturedRows", (ENDPOINT,))]["Value"] == 2000
    for name in ("PredictionPSI", "MissingRate", "UnseenCategoryRate", "SchemaViolationRate"):
        assert (name, (ENDPOINT,)) in named
    assert all(m["Timestamp"] == "2026-03-01T16:00:00.000Z" for m in metric_data)
    assert "DRIFT" in page and "Private-sector" in page and "<svg" in page
    assert "max_feature_psi=" in done.stdout


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_monitor_freshSampleOfTheSameDistribution_reportsNoDrift(model, test_rows, tmp_path,
                                                                 seed):
    directory, booster, schema, profile = model
    sample = test_rows.sample(1500, random_state=100 + seed)
    write_capture_files(tmp_path, ENDPOINT, csv_invocations(
        csv_lines(sample), START, rows_per_request=1 + seed, spacing=timedelta(seconds=2)))
    drift = monitor(tmp_path, booster, schema, profile,
                    Settings(START, START + timedelta(hours=6), ENDPOINT))
    assert drift["rows"]["decoded"] == 1500
    assert drift["drifted_features"] == [] and not drift["prediction"]["drifted"]
    assert drift["max_feature_psi"] < 0.1, drift["max_feature_psi_feature"]
    assert drift["prediction"]["psi"] < 0.1
    assert max(f.get("ks", 0) for f in drift["features"]) < 0.1
    assert drift["unseen_category_rate"] < 0.01


# --- SageMaker's capture format ---------------------------------------------------------------

def test_monitor_mixedCaptureRecords_decodesEveryRowAndCountsViolations(model, test_rows,
                                                                        tmp_path):
    directory, booster, schema, profile = model
    rows = test_rows.sample(700, random_state=5)
    lines = csv_lines(rows)
    at = iter(START + timedelta(seconds=i) for i in range(10_000))
    invocations = []
    # 400 rows as CSV batches of 40, the first with a header line.
    for begin in range(0, 400, 40):
        head = [",".join(schema.names)] if begin == 0 else []
        invocations.append(Invocation("\n".join(head + lines[begin:begin + 40]).encode(),
                                      "text/csv", next(at), b"0.1\n0.2"))
    # 200 rows as JSON: objects keyed by name (a missing key is a missing value) and lists.
    records = rows.iloc[400:600].to_dict("records")
    for record in records[:100]:
        record.pop("occupation")
    body = json.dumps({"instances": records[:100]}).encode()
    invocations.append(Invocation(body, "application/json", next(at)))
    as_lists = [list(r.values()) for r in rows.iloc[500:600].astype(str).to_dict("records")]
    invocations.append(Invocation(json.dumps(as_lists).encode(), "application/json; charset=utf-8",
                                  next(at)))
    # 100 rows in one record whose content type the config did not list: base64.
    base64_record = Invocation("\n".join(lines[600:700]).encode(), "text/csv", next(at))
    # Violations: 2 rows of the wrong width, 1 not-a-number age, 1 unknown JSON key.
    bad_age = lines[0].split(",")
    bad_age[0] = "forty"
    invocations.append(Invocation(("1,2,3\n" + ",".join(bad_age) + "\n4,5").encode(),
                                  "text/csv", next(at)))
    invocations.append(Invocation(json.dumps([{"agee": 1}]).encode(), "application/json",
                                  next(at)))
    # Outside the window.
    invocations.append(Invocation(lines[0].encode(), "text/csv", START - timedelta(minutes=1)))
    files = write_capture_files(tmp_path, ENDPOINT, invocations)
    with files[0].open("a") as handle:
        handle.write(json.dumps(capture_record(base64_record, csv_types=())) + "\n")
        handle.write("{not json\n")
    record = json.loads(files[0].read_text().splitlines()[-2])
    assert record["captureData"]["endpointInput"]["encoding"] == "BASE64"

    drift = monitor(tmp_path, booster, schema, profile,
                    Settings(START, START + timedelta(hours=6), ENDPOINT, min_rows=100))
    assert drift["rows"]["decoded"] == 700
    assert drift["violations"]["wrong_column_count"] == 2
    assert drift["violations"]["not_a_number"] == 1
    assert drift["violations"]["unknown_feature"] == 1
    assert drift["schema_violation_rate"] == pytest.approx(4 / 704)
    assert drift["rows"]["outside_window"] == 1 and drift["rows"]["malformed_records"] == 1
    assert drift["rows"]["records"] == 10 + 2 + 1 + 2
    occupation = next(f for f in drift["features"] if f["name"] == "occupation")
    assert occupation["missing_rate"] == pytest.approx(
        (100 + (rows["occupation"] == "").sum() - (rows.iloc[400:500]["occupation"] == "").sum())
        / 700)
    assert any("forty" in e for e in drift["violation_examples"])


def test_captureRecord_matchesSageMakersShape():
    record = capture_record(Invocation(b"1,2\n3,4", "text/csv", START, b"0.5\n0.7"))
    assert record == {
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                              "data": "1,2\n3,4", "encoding": "CSV"},
            "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT",
                               "data": "0.5\n0.7", "encoding": "CSV"}},
        "eventMetadata": {"eventId": record["eventMetadata"]["eventId"],
                          "inferenceTime": "2026-03-01T10:00:00.000Z"},
        "eventVersion": "0",
    }
    binary = capture_record(Invocation(b"\xff\x00", "application/x-npy", START))
    assert binary["captureData"]["endpointInput"]["data"] == base64.b64encode(b"\xff\x00").decode()
    assert "endpointOutput" not in binary["captureData"]


def test_writeCaptureFiles_oneFilePerHour_inSageMakersLayout(tmp_path):
    times = [START + timedelta(minutes=m) for m in (0, 30, 61)]
    files = write_capture_files(tmp_path, ENDPOINT,
                                [Invocation(b"1", "text/csv", t) for t in times])
    relative = [f.relative_to(tmp_path).parts for f in files]
    assert [p[:6] for p in relative] == [(ENDPOINT, "AllTraffic", "2026", "03", "01", "10"),
                                         (ENDPOINT, "AllTraffic", "2026", "03", "01", "11")]
    assert relative[0][6].startswith("00-00-000-") and relative[0][6].endswith(".jsonl")
    assert [len(f.read_text().splitlines()) for f in files] == [2, 1]


def test_captureCli_writesRowsWithTheModelsAnswers(pipeline, model, test_rows, tmp_path):
    directory, booster, schema, profile = model
    rows_file = tmp_path / "rows.csv"
    rows_file.write_text(",".join(schema.names) + "\n" + "\n".join(csv_lines(test_rows[:30])))
    done = subprocess.run(
        [sys.executable, "-m", "lgbmops.monitor.capture", "--rows", str(rows_file),
         "--output", str(tmp_path / "capture"), "--endpoint-name", ENDPOINT,
         "--start", "2026-03-01T10:00:00Z", "--rows-per-request", "4", "--model-dir",
         str(directory)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for path in done.stdout.split()
               for line in Path(path).read_text().splitlines()]
    assert len(records) == 8
    answers = [float(v) for r in records
               for v in r["captureData"]["endpointOutput"]["data"].split("\n")]
    expected = booster.predict(schema.matrix(test_rows[:30].replace("", None), "rows"))
    assert np.allclose(answers, expected)
    drift = monitor(tmp_path / "capture", booster, schema, profile,
                    Settings(START, START + timedelta(hours=1), ENDPOINT, min_rows=30))
    assert drift["rows"]["decoded"] == 30 and drift["status"] == "ok"


# --- too few rows, bad input ------------------------------------------------------------------

def test_monitor_tooFewRows_saysSoAndPublishesOnlyCapturedRows(pipeline, test_rows, tmp_path):
    root = stage(tmp_path, pipeline, csv_invocations(csv_lines(test_rows[:120]), START))
    done = run_monitor(root, "--min-rows", "500")
    assert done.returncode == 0, done.stderr
    drift, metric_data, page = outputs(root)
    assert drift["status"] == "insufficient_data" and "fewer than the 500" in drift["reason"]
    assert "features" not in drift and "prediction" not in drift
    assert [(m["MetricName"], m["Value"]) for m in metric_data] == [("CapturedRows", 120.0)]
    assert "Not judged" in page and "fewer than the 500" in page


def test_monitor_noCapturesMarker_isZeroRowsAndPublishesOnlyCapturedRows(pipeline, tmp_path):
    root = stage(tmp_path, pipeline, [])
    capture = root / "processing" / "input" / "capture"
    capture.mkdir(parents=True, exist_ok=True)
    # What the manifest of a window without capture files makes the job download.
    (capture / NO_CAPTURES_MARKER).write_text('{"no_captures": true}\n')
    done = run_monitor(root)
    assert done.returncode == 0, done.stderr
    drift, metric_data, page = outputs(root)
    assert drift["status"] == "insufficient_data" and drift["rows"]["files"] == 0
    assert drift["rows"]["decoded"] == 0 and "features" not in drift
    assert [(m["MetricName"], m["Value"]) for m in metric_data] == [("CapturedRows", 0.0)]
    assert "Not judged" in page


def test_monitor_emptyCaptureInput_failsNamingTheMarker(pipeline, tmp_path):
    root = stage(tmp_path, pipeline, [])
    (root / "processing" / "input" / "capture").mkdir(parents=True, exist_ok=True)
    done = run_monitor(root)
    assert done.returncode == 1
    reason = (root / "output" / "message").read_text()
    assert f"no .jsonl capture file and no {NO_CAPTURES_MARKER} marker" in reason
    assert reason.count("\n") == 1
    assert not (root / "processing" / "output" / "monitor").exists()


@pytest.mark.parametrize("args, message", [
    (("--window-start", "2026-03-02T00:00:00Z", "--window-end", "2026-03-01T00:00:00Z"),
     "must be before --window-end"),
    (("--window-start", "yesterday", "--window-end", "2026-03-01T00:00:00Z"),
     "--window-start: 'yesterday' is not an ISO 8601 time"),
])
def test_monitor_badWindow_failsWithOneLine(pipeline, tmp_path, args, message):
    root = stage(tmp_path, pipeline, [])
    done = run_script("monitor", root, *args, "--endpoint-name", ENDPOINT)
    assert done.returncode == 1
    reason = (root / "output" / "message").read_text()
    assert message in reason and reason.count("\n") == 1
    assert not (root / "processing" / "output" / "monitor").exists()


def test_monitor_modelWithoutProfile_failsNamingTheFile(pipeline, model, tmp_path):
    directory = model[0]
    bare = tmp_path / "processing" / "input" / "model"
    shutil.copytree(directory, bare)
    (bare / PROFILE_FILE).unlink()
    (tmp_path / "processing" / "input" / "capture").mkdir(parents=True)
    done = run_monitor(tmp_path)
    assert done.returncode == 1
    reason = (tmp_path / "output" / "message").read_text()
    assert f"the model has no {PROFILE_FILE}" in reason


def test_metricsNamespace_isDocumented():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert f"`{NAMESPACE}`" in readme
    assert capture.CAPTURE_SUFFIX in readme


def test_requestRows_valuesAsServingReadsThem_everyOddRowCounted():
    from lgbmops.monitor.decode import MISSING_CODE, UNSEEN_CODE, RequestRows
    from lgbmops.schema import Feature, ModelSchema

    schema = ModelSchema((Feature("x", "numeric"), Feature("c", "categorical", ("1", "a,b"))),
                         "y", ("n", "p"), ("?",))
    rows = RequestRows(schema)
    rows.add("text/csv; charset=utf-8", b'x,c\n 2.5 , "a,b"\n?,1\n3,zzz\n', "r1")
    rows.add("application/json", json.dumps({"instances": [
        {"x": None, "c": 1.0}, [True, "1"], {"x": "4"}, [5, None], {"x": 1, "c": "a,b", "d": 2},
        "row"]}).encode(), "r2")
    rows.add("application/octet-stream", b"\x00", "r3")
    rows.add("application/json", b"[1,", "r4")
    decoded = rows.decoded()
    # CSV: the header skipped, 3 rows; JSON: 4 rows, one with a boolean where x belongs.
    assert decoded.rows == 6
    assert np.array_equal(decoded.numeric["x"], [2.5, np.nan, 3, np.nan, 4, 5], equal_nan=True)
    assert decoded.codes["c"].tolist() == [1, 0, UNSEEN_CODE, 0, MISSING_CODE, MISSING_CODE]
    assert dict(decoded.unseen["c"]) == {"zzz": 1}
    assert rows.violations == {"wrong_column_count": 1, "not_a_number": 1, "unknown_feature": 1,
                               "malformed_body": 1, "unsupported_content_type": 1}
    assert np.isnan(decoded.matrix()[2, 1]) and decoded.matrix()[0, 1] == 1.0
