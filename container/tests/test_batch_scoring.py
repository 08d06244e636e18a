"""Batch scoring in the container: the server's line-by-line answers for Transform (row errors
inline, header lines) and the `select` step over Transform's output."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import PipelineRun, run_script
from lgbmops.contract import parse_contract
from lgbmops.serving.app import InferenceApp
from lgbmops.serving.predict import Predictor
from lgbmops.select import Rule, SelectionError, check_bad_rows, select


@pytest.fixture(scope="module")
def rows(pipeline: PipelineRun) -> list[str]:
    with open(pipeline.split_files("test")[0]) as handle:
        next(handle)
        return [line.rstrip("\n").split(",", 1)[1] for line in handle][:50]


@pytest.fixture(scope="module")
def predictor(pipeline: PipelineRun) -> Predictor:
    return Predictor(pipeline.model_dir)


def invoke(app: InferenceApp, body: bytes):
    return app.handle(b"POST", b"/invocations", {b"content-type": b"text/csv"}, body)


def test_rowErrorsInline_badLinesAnsweredInPlace_goodLinesScoredAsAlone(predictor, rows):
    app = InferenceApp(predictor, 1 << 20, 1, row_errors_inline=True)
    fields = rows[3].split(",")
    fields[0] = "forty"  # age is numeric
    bad_value = ",".join(fields)
    bad_width = rows[4] + ",extra"
    header = ",".join(predictor.schema.names)
    body = "\n".join([header, *rows[:3], bad_value, "", bad_width, *rows[5:8]]).encode()

    response = invoke(app, body)

    assert response.status == 200
    answers = list(csv.reader(response.body.decode().split("\n")))
    assert len(answers) == 10  # one per input line, blank line included
    alone = [float(x) for x in invoke(app, "\n".join(rows[:3] + rows[5:8]).encode()).body.split(b"\n")]
    assert answers[0] == ["probability"]
    assert [float(a[0]) for a in answers[1:4] + answers[7:10]] == pytest.approx(alone, abs=1e-12)
    assert answers[4][0].startswith("error: column 1 (") and "'forty' is not a number" in answers[4][0]
    assert answers[5] == ["error: empty line"]
    assert answers[6][0].startswith("error: expected ")


def test_rowErrorsOff_badLineFailsTheRequest(predictor, rows):
    app = InferenceApp(predictor, 1 << 20, 1, row_errors_inline=False)
    response = invoke(app, ("\n".join(rows[:2]) + "\nnot,a,row").encode())
    assert response.status == 400 and b"row 3" in response.body


CONTRACT = {
    "name": "scored",
    "columns": [{"name": "customer_id", "type": "id"}, {"name": "x", "type": "numeric"},
                {"name": "y", "type": "categorical"}],
    "label": {"column": "y", "positive": "a"},
}


def write_output(directory: Path, name: str, lines: list[str]) -> None:
    path = directory / (name + ".out")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def scored(tmp_path: Path):
    rng = np.random.default_rng(3)
    scores = rng.random(300).round(4)  # rounding makes ties
    frame = pd.DataFrame({"customer_id": [f"c{i:04d}" for i in range(300)], "score": scores})
    out = tmp_path / "scores"
    write_output(out, "part-a.csv", ["customer_id,probability"]
                 + [f"{r.customer_id},{r.score!r}" for r in frame.iloc[:200].itertuples()])
    write_output(out, "nested/part-b.csv", [f"{r.customer_id},{r.score!r}" for r in frame.iloc[200:].itertuples()])
    return out, frame


def test_select_topK_equalsPandasStableSort(scored):
    out, frame = scored
    result = select(parse_contract(CONTRACT, "scored.json"), out, Rule(25, 0.0, 0.0))
    expected = frame.sort_values("score", ascending=False, kind="stable").head(25)
    assert [row[2] for _, _, row in result.selected] == expected.customer_id.tolist()
    for _, _, (source, line, customer, _) in result.selected:
        i = int(customer[1:])
        assert (source, int(line)) == (("part-a.csv", i + 2) if i < 200 else ("nested/part-b.csv", i - 199))
    assert result.rows_scored == 300 and result.bad_rows == 0
    assert result.summary["rows_selected"] == 25
    assert result.summary["score_distribution"]["max"] == pytest.approx(frame.score.max())


def test_select_minScore_keepsEveryRowAbove(scored):
    out, frame = scored
    result = select(parse_contract(CONTRACT, "scored.json"), out, Rule(0, 0.9, 0.0))
    assert len(result.selected) == int((frame.score >= 0.9).sum())


def test_select_badRows_reportedByFileAndLine_failAboveLimit(tmp_path: Path):
    out = tmp_path / "scores"
    lines = [f"c{i},0.{i}" for i in range(1, 9)]
    lines[4] = 'c5,"error: column 1 (x): \'abc\' is not a number"'
    write_output(out, "batch.csv", ["customer_id,probability", *lines])
    contract = parse_contract(CONTRACT, "scored.json")

    tolerant = select(contract, out, Rule(3, 0.0, 0.2))
    check_bad_rows(tolerant, Rule(3, 0.0, 0.2))
    strict = select(contract, out, Rule(3, 0.0, 0.1))

    assert tolerant.bad_rows == 1 and tolerant.rows_scored == 7
    assert tolerant.shown_bad_rows == [
        {"file": "batch.csv", "line": 6, "reason": "column 1 (x): 'abc' is not a number"}]
    with pytest.raises(SelectionError, match=r"1 of 8 rows \(12.50%\) could not be scored, above "
                                             r"--max-bad-row-fraction 0.1; first: batch.csv line 6"):
        check_bad_rows(strict, Rule(3, 0.0, 0.1))


def test_selectScript_writesSelectionAndSummary_failsWithMessageAboveLimit(tmp_path: Path):
    opt_ml = tmp_path / "opt_ml"
    scores = opt_ml / "processing" / "input" / "scores"
    write_output(scores, "a.csv", ["c1,0.2", "c2,0.9", 'c3,"error: empty line"', "c4,0.5"])
    contract_dir = opt_ml / "processing" / "input" / "contract"
    contract_dir.mkdir(parents=True)
    (contract_dir / "scored.json").write_text(json.dumps(CONTRACT))

    ok = run_script("select", opt_ml, "--top-k", "2", "--max-bad-row-fraction", "0.5")
    failed = run_script("select", opt_ml, "--top-k", "2", "--max-bad-row-fraction", "0.1")

    assert ok.returncode == 0, ok.stderr
    selection = opt_ml / "processing" / "selection"
    assert (selection / "selected.csv").read_text() == (
        "source_file,source_line,customer_id,score\na.csv,2,c2,0.9\na.csv,4,c4,0.5\n")
    summary = json.loads((selection / "summary.json").read_text())
    assert (summary["rows_scored"], summary["bad_rows"], summary["rows_selected"]) == (3, 1, 2)
    assert failed.returncode != 0
    message = (opt_ml / "output" / "message").read_text()
    assert message.startswith("1 of 4 rows (25.00%) could not be scored") and "a.csv line 3" in message


def test_select_contractWithoutIds_namesRowsByFileAndLine(tmp_path: Path):
    contract = parse_contract({**CONTRACT, "columns": CONTRACT["columns"][1:]}, "noid.json")
    write_output(tmp_path, "t.csv", ["probability", "0.1", "0.7", "0.3"])
    result = select(contract, tmp_path, Rule(1, 0.0, 0.0))
    assert result.rows_scored == 3
    assert [row for _, _, row in result.selected] == [["t.csv", "3", "0.7"]]
