"""The batch path in process: CSV decode -> predict -> CSV encode equals LightGBM's own answer for
the same rows, computed through pandas and the model's categories (independent of our decoder),
for the cases a batch transform sends: 1,000 rows, missing values and markers, unseen
categories, multiclass, headerless rows and a header line; plus the thread choice and the
batch transform settings the server publishes."""
from __future__ import annotations

import random

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from lgbmops.schema import NUMERIC, ModelSchema
from lgbmops.serving.app import TRANSFORM_MAX_TOTAL_PAYLOAD_MB, transform_parameters
from lgbmops.serving.decode import PayloadError
from lgbmops.serving.encode import CSV, DEFAULT_OUTPUT, LABEL, PROBABILITY, OutputSpec, encode
from lgbmops.serving.predict import PIPELINE_MIN_ROWS, Predictor
from lgbmops.serving.threads import EXPLORE_EVERY, MeasuredChoice, Plan

from conftest import PipelineRun


def feature_rows(run: PipelineRun) -> list[list[str]]:
    """The test split's feature cells as text (label first, ids last in the split files)."""
    schema = ModelSchema.load(run.model_dir)
    frame = run.split_frame("test")
    return frame[schema.names].to_numpy().tolist()


def lightgbm_answer(run: PipelineRun, rows: list[list[str]]) -> np.ndarray:
    """Booster.predict on a pandas frame: markers and unseen levels become NaN by pandas' hand."""
    schema = ModelSchema.load(run.model_dir)
    booster = lgb.Booster(model_file=str(run.model_dir / "model.txt"))
    frame = pd.DataFrame(rows, columns=schema.names, dtype=object)
    frame = frame.replace({marker: None for marker in schema.missing_values})
    for feature in schema.features:
        if feature.kind == NUMERIC:
            frame[feature.name] = pd.to_numeric(frame[feature.name])
        else:
            frame[feature.name] = pd.Categorical(frame[feature.name],
                                                 categories=list(feature.categories))
    return booster.predict(frame)


def served(predictor: Predictor, body: bytes) -> np.ndarray:
    """What the server answers for a CSV body, read back from its CSV response. Asked often
    enough that every plan (threads, pipelined or not) answers at least once, all alike."""
    answers = {
        encode(predictor.score_csv(body), DEFAULT_OUTPUT, CSV, predictor.schema.classes)
        for _ in range(EXPLORE_EVERY * 2 + 3)
    }
    assert len(answers) == 1
    answer = answers.pop()
    return np.array([[float(v) for v in line.split(b",")] for line in answer.split(b"\n")])


def csv_body(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode()


@pytest.fixture(scope="module")
def census(pipeline: PipelineRun):
    rows = feature_rows(pipeline)[:1000]
    schema = ModelSchema.load(pipeline.model_dir)
    rng = random.Random(7)
    numeric = [j for j, f in enumerate(schema.features) if f.kind == NUMERIC]
    categorical = [j for j, f in enumerate(schema.features) if f.kind != NUMERIC]
    markers = list(schema.missing_values) + [""]
    for row in rows[::7]:  # missing numbers in every column, by each of the dataset's markers
        row[rng.choice(numeric)] = rng.choice(markers)
    for row in rows[3::11]:  # levels the model never saw, and missing levels
        row[rng.choice(categorical)] = rng.choice(["Astronaut", "?", ""])
    return Predictor(pipeline.model_dir, lambda rows: 2), rows


def test_batch1000_missingAndUnseen_equalsLightGbmOnPandas(census, pipeline):
    predictor, rows = census
    got = served(predictor, csv_body(rows))
    assert got.shape == (1000, 1)
    assert np.isnan(predictor.decoder.csv(csv_body(rows))).sum() > 150  # the cases are there
    np.testing.assert_allclose(got[:, 0], lightgbm_answer(pipeline, rows), rtol=0, atol=1e-12)


def test_batch_spacesCrlfQuotesAndTrailingNewline_sameAnswers(census, pipeline):
    predictor, rows = census
    spaced = "\r\n".join(", ".join(f'"{v}"' if j == 1 else v for j, v in enumerate(row))
                         for row in rows[:200]) + "\r\n"
    np.testing.assert_allclose(served(predictor, spaced.encode())[:, 0],
                               lightgbm_answer(pipeline, rows[:200]), rtol=0, atol=1e-12)


def test_batch_everyPlan_sameAnswers(census):
    predictor, rows = census
    body = csv_body(rows)
    matrix = predictor.decoder.csv(body)
    one = predictor.booster.predict(matrix, num_threads=1)
    for _ in range(2 * EXPLORE_EVERY + 3):  # every plan at least once, chosen by the predictor
        np.testing.assert_array_equal(predictor.predict(matrix), one)
        np.testing.assert_array_equal(predictor.score_csv(body), one)
    for choice, plans in ((predictor.matrix_choice, 2), (predictor.csv_choice, 3)):
        assert len({plan for _, plan in choice._seconds_per_row}) == plans


def test_pipelined_badRowInALaterPart_400NamingItsRowInTheWholeBody(census):
    predictor, rows = census
    rows = [list(row) for row in rows]
    rows[900][0] = "ninety"
    body = csv_body(rows)
    for _ in range(2 * EXPLORE_EVERY + 3):
        with pytest.raises(PayloadError) as raised:
            predictor.score_csv(body)
        assert raised.value.message == "row 901, column 1 (age): 'ninety' is not a number"
    blank = csv_body(rows[:600]) + b"\n\n" + csv_body(rows[600:899])
    with pytest.raises(PayloadError) as raised:
        predictor.score_csv(blank)
    assert raised.value.message.startswith("row 601: expected 14 columns")


def test_pipelined_spacesAndCrlf_trimmedAsInTheWholeBody(census, pipeline):
    predictor, rows = census
    rows = rows[:PIPELINE_MIN_ROWS * 2]
    spaced = "\r\n".join(",".join(row) for row in rows[:-1]) + "\r\n" + ", ".join(rows[-1])
    np.testing.assert_allclose(served(predictor, spaced.encode())[:, 0],
                               lightgbm_answer(pipeline, rows), rtol=0, atol=1e-12)


def test_headerLine_400NamingRowAndColumn_headerlessRowsScored(census, pipeline):
    predictor, rows = census
    names = list(predictor.schema.names)
    with pytest.raises(PayloadError) as raised:
        predictor.decoder.csv(csv_body([names] + rows[:5]))
    assert raised.value.status == 400
    assert raised.value.message == "row 1, column 1 (age): 'age' is not a number"
    np.testing.assert_allclose(served(predictor, csv_body(rows[:5]))[:, 0],
                               lightgbm_answer(pipeline, rows[:5]), rtol=0, atol=1e-12)


def test_badCellInColumnWithMissingValues_400NamingIt(census):
    predictor, rows = census
    rows = [list(row) for row in rows[:50]]
    rows[10][0] = ""  # the missing-value pass runs first, then the bad cell must be named
    rows[30][0] = "3O"
    with pytest.raises(PayloadError) as raised:
        predictor.decoder.csv(csv_body(rows))
    assert raised.value.message == "row 31, column 1 (age): '3O' is not a number"


def test_multiclass_missingMarkers_equalsLightGbmOnPandas(penguins_pipeline):
    rows = feature_rows(penguins_pipeline)
    rows[0][1] = "NA"
    rows[1][2] = ""
    rows[2][0] = "Atlantis"  # an island the model never saw
    predictor = Predictor(penguins_pipeline.model_dir, lambda rows: 2)
    got = served(predictor, csv_body(rows))
    assert got.shape == (len(rows), 3)
    np.testing.assert_allclose(got, lightgbm_answer(penguins_pipeline, rows), rtol=0, atol=1e-12)


def test_csvNumbers_readBackAsTheSameDoubles():
    values = np.array([0.0, 1.0, 0.5, 0.1, 1e-300, 5e-324, 1 - 2**-53, 0.123456789012345678])
    values = np.concatenate([values, np.random.default_rng(3).random(1000)])
    body = encode(values, DEFAULT_OUTPUT, CSV, ("0", "1"))
    assert [float(v) for v in body.split(b"\n")] == values.tolist()
    with_labels = encode(values, OutputSpec((PROBABILITY, LABEL)), CSV, ("0", "1"))
    assert [float(line.split(b",")[0]) for line in with_labels.split(b"\n")] == values.tolist()
    matrix = values[: 3 * 300].reshape(300, 3)
    for spec in (DEFAULT_OUTPUT, OutputSpec((PROBABILITY, LABEL))):
        body = encode(matrix, spec, CSV, ("a", "b", "c"))
        assert [[float(v) for v in line.split(b",")[:3]] for line in body.split(b"\n")] == (
            matrix.tolist())


# --- thread choice -----------------------------------------------------------------------------

def test_measuredChoice_triesEach_thenKeepsTheFastest_andRetriesTheOthers():
    choice = MeasuredChoice()
    plans = (Plan(4), Plan(2), Plan(3, pipelined=True))
    seconds = {Plan(4): 0.010, Plan(2): 0.004, Plan(3, pipelined=True): 0.006}
    for _ in plans:
        plan = choice.choose(plans, 1000)
        choice.scored(plan, 1000, seconds[plan])
    assert {plan for _, plan in choice._seconds_per_row} == set(plans)
    picks = [choice.choose(plans, 1000) for _ in range(2 * EXPLORE_EVERY)]
    assert picks.count(Plan(2)) == 2 * EXPLORE_EVERY - 2
    assert {picks[EXPLORE_EVERY - 1], picks[-1]} == {Plan(4), Plan(3, pipelined=True)}


def test_measuredChoice_followsAChange_andKeepsSizeClassesApart():
    choice = MeasuredChoice()
    plans = (Plan(2), Plan(1))
    choice.scored(Plan(2), 1000, 0.004)
    choice.scored(Plan(1), 1000, 0.006)
    assert choice.choose(plans, 1000) == Plan(2)
    for _ in range(20):  # the host got busy: two threads now take much longer
        choice.scored(Plan(2), 1000, 0.030)
    assert choice.choose(plans, 1000) == Plan(1)
    assert choice.choose(plans, 100) == Plan(2)  # a size class of its own, not measured yet
    assert choice.choose((Plan(1),), 1000) == Plan(1)


# --- batch transform settings -------------------------------------------------------------------

@pytest.mark.parametrize("workers, payload_mb, concurrency, expected_mb", [
    (2, 6, 2, 6),        # the default: one request per worker, the whole payload limit
    (1, 100, 1, 100),
    (32, 6, 32, 3),      # 32 x 6 MB would break SageMaker's 100 MB total
    (150, 6, 100, 1),
])
def test_transformParameters_withinSageMakersLimits(workers, payload_mb, concurrency, expected_mb):
    parameters = transform_parameters(workers, payload_mb * 1024 * 1024)
    assert parameters == {"MaxConcurrentTransforms": concurrency, "BatchStrategy": "MULTI_RECORD",
                          "MaxPayloadInMB": expected_mb}
    assert concurrency * expected_mb <= TRANSFORM_MAX_TOTAL_PAYLOAD_MB
