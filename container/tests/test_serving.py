"""The real server over loopback: formats, alignment with Booster.predict, and bad payloads."""
from __future__ import annotations

import json

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from lgbmops.schema import NUMERIC, ModelSchema

from conftest import (
    MAX_PAYLOAD_BYTES, LiveServer, PipelineRun, RawConnection, assert_still_serving, post, start_server,
    stop_server,
)


@pytest.fixture(scope="module")
def test_rows(pipeline: PipelineRun) -> list[str]:
    """Feature-only CSV lines of the test split, as a client would send them."""
    with open(pipeline.split_files("test")[0]) as handle:
        next(handle)
        return [line.rstrip("\n").split(",", 1)[1] for line in handle]


@pytest.fixture(scope="module")
def reference(pipeline: PipelineRun):
    """Booster.predict through LightGBM's own pandas-categorical path, independent of ours."""
    booster = lgb.Booster(model_file=str(pipeline.model_dir / "model.txt"))
    schema = ModelSchema.load(pipeline.model_dir)

    def predict(lines: list[str]) -> np.ndarray:
        frame = pd.DataFrame([line.split(",") for line in lines], columns=schema.names)
        return booster.predict(schema.training_frame(frame, "reference"))

    return predict


def probabilities(body: bytes) -> np.ndarray:
    return np.array([float(line) for line in body.decode().split("\n")])


def test_ping_answers200(server: LiveServer):
    assert server.request("GET", "/ping")[0] == 200


def test_csv_oneRow_matchesBoosterPredict(server: LiveServer, test_rows, reference):
    status, body, headers = server.invoke(test_rows[0].encode())
    assert status == 200, body
    assert headers["Content-Type"] == "text/csv"
    assert probabilities(body) == pytest.approx(reference(test_rows[:1]), abs=1e-12)


def test_csvBatch_oneLinePerRowInOrder_matchesBoosterPredict(server: LiveServer, test_rows, reference):
    rows = test_rows[:1000]
    status, body, _ = server.invoke(("\n".join(rows) + "\n").encode())
    assert status == 200, body
    got = probabilities(body)
    assert len(got) == len(rows)
    np.testing.assert_allclose(got, reference(rows), rtol=0, atol=1e-12)


def test_csv_spacesQuotesAndCrlf_sameAnswers(server: LiveServer, test_rows, reference):
    rows = test_rows[:3]
    spaced = "\r\n".join(", ".join(f'"{v}"' if i % 3 == 1 else v for i, v in enumerate(r.split(",")))
                         for r in rows)
    status, body, _ = server.invoke(spaced.encode())
    assert status == 200, body
    np.testing.assert_allclose(probabilities(body), reference(rows), rtol=0, atol=1e-12)


def test_json_listsAndObjects_sameAnswersAsCsv(server: LiveServer, pipeline, test_rows, reference):
    rows = [r.split(",") for r in test_rows[:2]]
    as_lists = [[int(v) if v.isdigit() else (v or None) for v in r] for r in rows]
    names = ModelSchema.load(pipeline.model_dir).names
    as_objects = [dict(zip(names, r)) for r in as_lists]
    expected = reference(test_rows[:2])
    for document in ({"instances": as_lists}, {"instances": as_objects}, as_lists):
        status, body, _ = server.invoke(json.dumps(document).encode(), "application/json")
        assert status == 200, body
        np.testing.assert_allclose(probabilities(body), expected, rtol=0, atol=1e-12)


def test_customAttributes_labelAndProbability(server: LiveServer, test_rows, reference):
    rows = test_rows[:50]
    expected = reference(rows)
    status, body, _ = server.invoke(
        "\n".join(rows).encode(),
        **{"X-Amzn-SageMaker-Custom-Attributes": "output=probability,label"},
    )
    assert status == 200, body
    lines = [line.split(",") for line in body.decode().split("\n")]
    np.testing.assert_allclose([float(p) for p, _ in lines], expected, rtol=0, atol=1e-12)
    assert [int(label) for _, label in lines] == [int(p >= 0.5) for p in expected]

    status, body, _ = server.invoke(
        "\n".join(rows).encode(),
        **{"X-Amzn-SageMaker-Custom-Attributes": "output=label; threshold=0.2"},
    )
    assert [int(x) for x in body.decode().split("\n")] == [int(p >= 0.2) for p in expected]


def test_acceptJson_returnsPredictionObjects(server: LiveServer, test_rows, reference):
    status, body, headers = server.invoke(
        "\n".join(test_rows[:2]).encode(), Accept="application/json",
        **{"X-Amzn-SageMaker-Custom-Attributes": "output=label,probability"},
    )
    assert status == 200 and headers["Content-Type"] == "application/json"
    predictions = json.loads(body)["predictions"]
    expected = reference(test_rows[:2])
    assert [p["probability"] for p in predictions] == pytest.approx(expected, abs=1e-12)
    assert [p["label"] for p in predictions] == [int(p >= 0.5) for p in expected]


def test_unknownCategory_scoredAsMissing_likeLightGbm(server: LiveServer, pipeline, test_rows):
    fields = test_rows[0].split(",")
    workclass = 1  # 0-based column of a categorical feature
    unseen, missing = list(fields), list(fields)
    unseen[workclass] = "Astronaut"
    missing[workclass] = ""
    status, body, _ = server.invoke(("\n".join([",".join(unseen), ",".join(missing)])).encode())
    assert status == 200, body
    p_unseen, p_missing = probabilities(body)
    assert p_unseen == p_missing
    # LightGBM's own answer for a pandas frame whose category has a level it never saw.
    booster = lgb.Booster(model_file=str(pipeline.model_dir / "model.txt"))
    schema = ModelSchema.load(pipeline.model_dir)
    frame = pd.DataFrame([unseen], columns=schema.names)
    for feature in schema.features:
        name = feature.name
        if feature.kind == NUMERIC:
            frame[name] = pd.to_numeric(frame[name])
        else:
            frame[name] = frame[name].astype("category")
    assert p_unseen == pytest.approx(booster.predict(frame)[0], abs=1e-12)


@pytest.mark.parametrize(
    "payload, content_type, status, fragments",
    [
        (b"", "text/csv", 400, ["empty"]),
        (b"\n\n", "text/csv", 400, ["empty"]),
        ("ROW\nROW\n1,2,3".encode(), "text/csv", 400, ["row 3", "expected 14 columns", "got 3"]),
        ("ROW\nROW,extra".encode(), "text/csv", 400, ["row 2", "got 15"]),
        ("ROW\n" + "forty," + "ROWTAIL", "text/csv", 400,
         ["row 2", "column 1 (age)", "'forty' is not a number"]),
        (b"{not json", "application/json", 400, ["malformed JSON"]),
        (b'{"instances": [[1, 2]]}', "application/json", 400, ["row 1", "got 2"]),
        (b'{"instances": [{"age": 30, "salary": 1}]}', "application/json", 400,
         ["row 1", "unknown feature 'salary'"]),
        (b'{"instances": [{"age": "old"}]}', "application/json", 400,
         ["row 1", "column 1 (age)", "'old' is not a number"]),
        (b"ROW", "application/x-parquet", 415, ["unsupported content type", "text/csv"]),
        (b"ROW", "", 415, ["unsupported content type"]),
    ],
)
def test_badPayload_4xxNamingRowAndColumn_serverKeepsServing(
    server: LiveServer, test_rows, payload, content_type, status, fragments
):
    row = test_rows[0]
    tail = row.split(",", 1)[1]
    if isinstance(payload, str):
        payload = payload.replace("ROWTAIL", tail).replace("ROW", row).encode()
    else:
        payload = payload.replace(b"ROW", row.encode())
    headers = {"Content-Type": content_type} if content_type else {}
    got_status, body, _ = server.request("POST", "/invocations", payload, headers)
    assert got_status == status, body
    message = body.decode()
    for fragment in fragments:
        assert fragment in message, message
    assert_still_serving(server, row)


def test_badAcceptOrAttributes_4xx(server: LiveServer, test_rows):
    row = test_rows[0].encode()
    status, body, _ = server.invoke(row, Accept="application/x-protobuf")
    assert status == 406 and b"text/csv" in body
    status, body, _ = server.invoke(row, **{"X-Amzn-SageMaker-Custom-Attributes": "output=logit"})
    assert status == 400 and b"output='logit'" in body
    status, body, _ = server.invoke(row, **{"X-Amzn-SageMaker-Custom-Attributes": "threshold=2"})
    assert status == 400 and b"threshold" in body
    assert_still_serving(server, test_rows[0])


def test_oversizedBody_413_connectionStaysUsable(server: LiveServer, test_rows):
    row = test_rows[0]
    big = ("\n".join([row] * (MAX_PAYLOAD_BYTES // len(row) + 10))).encode()
    assert len(big) > MAX_PAYLOAD_BYTES
    with RawConnection(server.port) as wire:
        wire.send(post(big))
        status, body = wire.response()[:2]
        assert status == 413 and str(MAX_PAYLOAD_BYTES).encode() in body
        wire.send(post(row.encode()))  # same connection: the big body was read off
        status, body = wire.response()[:2]
        assert status == 200 and 0 <= float(body) <= 1


def test_chunkedAndPipelinedRequests(server: LiveServer, test_rows, reference):
    rows = test_rows[:3]
    payload = "\n".join(rows).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (payload[:10], payload[10:]))
    chunked = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
    with RawConnection(server.port) as wire:
        wire.send(chunked + post(rows[0].encode()) + b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        first, second, third = wire.response()[:2], wire.response()[:2], wire.response()[:2]
    assert first[0] == 200
    np.testing.assert_allclose(probabilities(first[1]), reference(rows), rtol=0, atol=1e-12)
    assert second[0] == 200 and float(second[1]) == pytest.approx(reference(rows[:1])[0])
    assert third[0] == 200


def test_expectContinue_getsInterimResponse(server: LiveServer, test_rows):
    body = test_rows[0].encode()
    head = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
            b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
    with RawConnection(server.port) as wire:
        wire.send(head)
        assert wire.response()[:2] == (100, b"")
        wire.send(body)
        status, answer = wire.response()[:2]
    assert status == 200 and 0 <= float(answer) <= 1


def test_unknownPathAndMethod(server: LiveServer):
    assert server.request("GET", "/nope")[0] == 404
    assert server.request("GET", "/invocations")[0] == 405
    status, body, _ = server.request("GET", "/execution-parameters")
    assert status == 200
    assert json.loads(body) == {
        "MaxConcurrentTransforms": 2, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 1,
    }


def test_malformedRequestLine_400_andOtherConnectionsUnaffected(server: LiveServer, test_rows):
    with RawConnection(server.port) as wire:
        wire.send(b"NONSENSE\r\n\r\n")
        status, _ = wire.response()[:2]
    assert status == 400
    assert_still_serving(server, test_rows[0])


def test_workerCrash_isReplaced(pipeline: PipelineRun, tmp_path, test_rows):
    """A worker that dies is replaced; the server keeps answering."""
    import os
    import signal
    import time

    live = start_server(pipeline.opt_ml, workers=1)
    try:
        children = _children(live.process.pid)
        assert len(children) == 1
        os.kill(children[0], signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            replacement = _children(live.process.pid)
            if replacement and replacement != children:
                break
            time.sleep(0.1)
        assert replacement and replacement != children
        assert_still_serving(live, test_rows[0])
    finally:
        stop_server(live)


def test_serve_brokenModel_exitsNonZero(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "schema.json").write_text("{}")
    with pytest.raises(AssertionError, match="server exited"):
        start_server(tmp_path, workers=1)


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return sorted(int(x) for x in handle.read().split())
