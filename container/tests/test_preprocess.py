"""preprocess on small tables: layouts, headers, bad rows (dropped, counted, named), splits."""
from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from lgbmops.contract import parse_contract
from lgbmops.paths import ProcessingPaths
from lgbmops.preprocess import PreprocessError, SplitRatios, preprocess

from conftest import DATASETS_DIR, run_script, stage_input

GOOD = ("39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, "
        "White, Male, 2174, 0, 40, United-States, <=50K")
CENSUS = json.loads((DATASETS_DIR / "census.json").read_text())


@pytest.mark.parametrize(
    "ratios, fragment",
    [
        ((0.7, 0.15, 0.0), "test ratio must be in (0, 1), got 0.0"),
        ((1.2, 0.15, 0.15), "train ratio must be in (0, 1), got 1.2"),
        ((0.7, -0.1, 0.15), "validation ratio must be in (0, 1), got -0.1"),
        ((0.7, 0.2, 0.2), "must sum to 1"),
    ],
)
def test_splitRatios_invalid_namesTheRatio(ratios, fragment):
    with pytest.raises(PreprocessError) as caught:
        SplitRatios(*ratios)
    assert fragment in str(caught.value)


def census_lines(good_lines: int, bad: dict[int, str]) -> list[str]:
    """Census-format lines with bad lines at the given 1-based positions."""
    lines = []
    for i in range(good_lines):
        label = ">50K" if i % 4 == 0 else "<=50K"
        lines.append(GOOD.replace("<=50K", label).replace("39,", f"{20 + i % 50},", 1))
    for position in sorted(bad):
        lines.insert(position - 1, bad[position])
    return lines


def job_dir(tmp_path: Path, contract: dict, files: dict[str, str | bytes]) -> ProcessingPaths:
    data = tmp_path / "processing" / "input" / "data"
    data.mkdir(parents=True)
    contract_dir = tmp_path / "processing" / "input" / "contract"
    contract_dir.mkdir(parents=True)
    (contract_dir / f"{contract['name']}.json").write_text(json.dumps(contract))
    for name, content in files.items():
        path = data / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return ProcessingPaths(tmp_path)


def run(out: ProcessingPaths, contract: dict, **kwargs):
    return preprocess(parse_contract(contract, f"{contract['name']}.json"),
                      out.data_input_dir, out, **kwargs)


def read_split(out: ProcessingPaths, name: str) -> list[list[str]]:
    """Header, then the rows of every file of the split (the training split is in parts)."""
    rows: list[list[str]] = []
    for path in sorted(out.dir(name).glob("*.csv")):
        with open(path, newline="") as handle:
            header, *body = csv.reader(handle)
        rows = rows or [header]
        assert header == rows[0], path
        rows.extend(body)
    return rows


# --- bad rows -----------------------------------------------------------------------------------

def test_badRowsInTheMiddle_droppedCountedAndNamedByFileLineColumn(tmp_path):
    lines = census_lines(600, {
        3: "1, 2, 3",
        100: GOOD.replace("13,", "x13,"),
        200: "",  # blank: skipped, not a row, but still a line
        250: GOOD.replace("<=50K", ""),
        300: GOOD + ", extra",
        400: GOOD.replace(", 40,", ", forty,"),
    })
    out = job_dir(tmp_path, CENSUS, {"part.data": "\n".join(lines) + "\n\n"})
    result = run(out, CENSUS, max_bad_fraction=0.01)
    assert result.rows == 600 and result.bad_rows == 5
    assert [str(b) for b in result.shown_bad_rows] == [
        "part.data:3: expected 15 fields, got 3",
        "part.data:100: education_num: 'x13' is not a number",
        "part.data:250: income: label is missing",
        "part.data:300: expected 15 fields, got 16",
        "part.data:400: hours_per_week: 'forty' is not a number",
    ]
    assert sum(result.split_rows.values()) == 600
    rows = [r for name in ("train", "validation", "test") for r in read_split(out, name)[1:]]
    assert not any("x13" in r or "forty" in r for r in rows)


def test_preprocessJob_badRows_reportedAndCounted(tmp_path):
    lines = census_lines(400, {7: "1, 2, 3"})
    job_dir(tmp_path, CENSUS, {"part.data": "\n".join(lines)})
    result = run_script("preprocess", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "dropped_lines=1" in result.stdout and "rows=400" in result.stdout
    assert "part.data:7: expected 15 fields, got 3" in result.stderr


def test_preprocessJob_tooManyBadRows_failsWithCountAndLocations(tmp_path):
    lines = census_lines(100, {i: "junk" for i in range(1, 20)})
    job_dir(tmp_path, CENSUS, {"part.data": "\n".join(lines)})
    result = run_script("preprocess", tmp_path)
    assert result.returncode != 0
    message = (tmp_path / "output" / "message").read_text()
    assert "19 of 119 rows are malformed (more than 1.0%)" in message
    assert "part.data:1: expected 15 fields, got 1" in message
    assert not (tmp_path / "processing" / "train").exists(), "nothing half-written"


def test_badRow_numericCellsOnly_sameSplitsAsTheFastPath(tmp_path):
    """A file with an unparsable number is read a second time as text: the good rows must come
    out exactly as from a clean file."""
    clean = census_lines(300, {})
    dirty = census_lines(300, {150: GOOD.replace("77516", "seventy")})
    clean_out = job_dir(tmp_path / "clean", CENSUS, {"a.data": "\n".join(clean)})
    dirty_out = job_dir(tmp_path / "dirty", CENSUS, {"a.data": "\n".join(dirty)})
    run(clean_out, CENSUS)
    result = run(dirty_out, CENSUS)
    assert [str(b) for b in result.shown_bad_rows] == ["a.data:150: fnlwgt: 'seventy' is not a number"]
    for name in ("train", "validation", "test"):
        assert read_split(clean_out, name) == read_split(dirty_out, name)


# --- layouts ------------------------------------------------------------------------------------

def test_anyFileNamesNestedAndGzip_allRead(tmp_path):
    text = "\n".join(census_lines(200, {})) + "\n"
    out = job_dir(tmp_path, CENSUS, {
        "a.data": text, "nested/deeper/part-0001": text,
        "b.csv.gz": gzip.compress(text.encode()),
    })
    result = run(out, CENSUS, baseline_rows=10)
    assert result.rows == 600 and result.baseline_rows == 10
    with open(out.dir("baseline") / "baseline.csv", newline="") as handle:
        baseline = list(csv.reader(handle))
    assert len(baseline) == 10 and all(len(r) == 15 for r in baseline)
    assert baseline[0][0] in ("0", "1"), "headerless, label code first"


def small_contract(**overrides) -> dict:
    contract = {
        "name": "shop",
        "columns": [
            {"name": "customer", "type": "id"},
            {"name": "age", "type": "numeric"},
            {"name": "city", "type": "categorical"},
            {"name": "note", "type": "ignore"},
            {"name": "bought", "type": "categorical"},
        ],
        "label": {"column": "bought", "positive": "yes"},
    }
    contract.update(overrides)
    return contract


def shop_rows(count: int) -> list[dict[str, str]]:
    cities = ["Oslo", "Lima", "Kyiv", "NA"]
    return [{"customer": f"c{i:04d}", "age": str(20 + i % 40), "city": cities[i % 4],
             "note": "free text", "bought": "yes" if i % 3 == 0 else "no"} for i in range(count)]


def as_csv(rows: list[dict[str, str]], order: list[str]) -> str:
    return "\n".join([",".join(order)] + [",".join(r[c] for c in order) for r in rows]) + "\n"


def test_headerInAnotherOrder_matchedByName_outputInContractOrder(tmp_path):
    rows = shop_rows(120)
    order = ["bought", "note", "city", "customer", "age"]
    out = job_dir(tmp_path, small_contract(), {"shop.csv": as_csv(rows, order)})
    result = run(out, small_contract())
    assert result.rows == 120
    train = read_split(out, "train")
    # label code first, features in contract order, ids last; ignore dropped; NA is missing
    assert train[0] == ["bought", "age", "city", "customer"]
    by_customer = {r["customer"]: r for r in rows}
    for code, age, city, customer in train[1:]:
        source = by_customer[customer]
        assert code == ("1" if source["bought"] == "yes" else "0")
        assert age == source["age"]
        assert city == ("" if source["city"] == "NA" else source["city"])
    dataset = json.loads((out.dir("train") / "dataset.json").read_text())
    assert dataset["task"] == "binary"
    assert dataset["label"] == {"column": "bought", "classes": ["no", "yes"], "positive": "yes"}
    assert dataset["ids"] == ["customer"]
    assert dataset["features"] == [
        {"name": "age", "type": "numeric"},
        {"name": "city", "type": "categorical", "categories": ["Kyiv", "Lima", "Oslo"]},
    ]
    assert dataset["contract"]["format"] == {"delimiter": ",", "header": True,
                                             "missingValues": ["", "NA"]}


def test_headerMissingAColumn_failsNamingFileAndColumn(tmp_path):
    order = ["bought", "city", "customer", "age"]
    out = job_dir(tmp_path, small_contract(), {"shop.csv": as_csv(shop_rows(50), order)})
    with pytest.raises(PreprocessError) as caught:
        run(out, small_contract())
    assert str(caught.value) == "shop.csv:1: header does not match shop.json (missing note)"


def test_headerWithUnknownColumn_failsNamingIt(tmp_path):
    rows = [{**r, "colour": "red"} for r in shop_rows(50)]
    order = ["customer", "age", "city", "note", "bought", "colour"]
    out = job_dir(tmp_path, small_contract(), {"shop.csv": as_csv(rows, order)})
    with pytest.raises(PreprocessError) as caught:
        run(out, small_contract())
    assert str(caught.value) == (
        "shop.csv:1: header does not match shop.json (not in the contract: colour)"
    )


def test_semicolonsBlanksAndQuotes_trimmedAndQuotedOnOutput(tmp_path):
    contract = small_contract(format={"delimiter": ";", "missingValues": ["", "n/a"]})
    rows = shop_rows(90)
    lines = ["customer;age;city;note;bought"]
    for i, r in enumerate(rows):
        city = '"Paris, TX"' if i % 5 == 0 else f"{r['city']}  "
        lines.append(f"{r['customer']} ; {r['age']} ;{city}; n/a ;{r['bought']} ")
    out = job_dir(tmp_path, contract, {"shop.csv": "\r\n".join(lines)})
    result = run(out, contract)
    assert result.rows == 90 and result.bad_rows == 0
    frame = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False)
                       for n in ("train", "validation", "test")
                       for f in sorted(out.dir(n).glob("*.csv"))])
    assert set(frame["city"]) == {"Paris, TX", "Oslo", "Lima", "Kyiv", "NA"}
    assert set(frame["bought"]) == {"0", "1"}
    assert frame["customer"].str.fullmatch(r"c\d{4}").all()


def test_binaryLabel_threeValues_fails(tmp_path):
    rows = shop_rows(60)
    rows[5]["bought"] = "maybe"
    out = job_dir(tmp_path, small_contract(), {"shop.csv": as_csv(rows, list(rows[0]))})
    with pytest.raises(PreprocessError) as caught:
        run(out, small_contract())
    assert str(caught.value) == (
        "column 'bought' has 3 distinct values (maybe, no, yes); "
        "a binary label (label.positive) needs exactly two"
    )


def test_binaryLabel_positiveAbsent_failsNamingTheValues(tmp_path):
    contract = small_contract(label={"column": "bought", "positive": "Yes"})
    rows = shop_rows(60)
    out = job_dir(tmp_path, contract, {"shop.csv": as_csv(rows, list(rows[0]))})
    with pytest.raises(PreprocessError) as caught:
        run(out, contract)
    assert str(caught.value) == (
        "shop.json: label.positive 'Yes' does not occur in column 'bought' (values: no, yes)"
    )


def test_multiclass_declaredClasses_outsideRowsDroppedAndCodesInDeclaredOrder(tmp_path):
    contract = small_contract(label={"column": "city", "classes": ["Oslo", "Lima", "Kyiv"]})
    contract["columns"][4]["type"] = "categorical"
    rows = shop_rows(200)
    rows[10]["city"] = "Rome"
    out = job_dir(tmp_path, contract, {"shop.csv": as_csv(rows, list(rows[0]))})
    result = run(out, contract, max_bad_fraction=0.5)
    # every 4th row is "NA" (missing label), plus the one Rome
    assert result.bad_rows == 51
    assert str(result.shown_bad_rows[0]) == "shop.csv:5: city: label is missing"
    named = {str(b) for b in result.shown_bad_rows}
    assert "shop.csv:12: city: 'Rome' is not one of the classes (Oslo, Lima, Kyiv)" in named
    dataset = json.loads((out.dir("test") / "dataset.json").read_text())
    assert dataset["task"] == "multiclass"
    assert dataset["label"]["classes"] == ["Oslo", "Lima", "Kyiv"]
    train = read_split(out, "train")
    codes = {r[0] for r in train[1:]}
    assert codes == {"0", "1", "2"}


def test_numericLabel_inferredClassesSortedAsNumbers(tmp_path):
    contract = {
        "name": "grades", "format": {"header": False},
        "columns": [{"name": "x", "type": "numeric"}, {"name": "grade", "type": "numeric"}],
        "label": {"column": "grade"},
    }
    values = ["10", "2", "3.0", "2.0"]  # 2 and 2.0 are one class
    text = "\n".join(f"{i},{values[i % 4]}" for i in range(120))
    out = job_dir(tmp_path, contract, {"g.csv": text})
    result = run(out, contract)
    assert list(result.dataset.classes) == ["2", "3", "10"]
    assert result.split_class_counts["train"][0] > result.split_class_counts["train"][1]


def test_featureWithoutAnyValue_failsAskingToIgnoreIt(tmp_path):
    rows = shop_rows(60)
    for r in rows:
        r["age"] = "NA"
    out = job_dir(tmp_path, small_contract(), {"shop.csv": as_csv(rows, list(rows[0]))})
    with pytest.raises(PreprocessError) as caught:
        run(out, small_contract())
    assert str(caught.value) == (
        "feature column 'age' has no value in any row; mark it ignore in shop.json"
    )


# --- the job's inputs ---------------------------------------------------------------------------

def test_preprocessJob_badRatioArgument_failsNamingIt(tmp_path):
    stage_input(tmp_path, "census")
    result = run_script("preprocess", tmp_path, "--validation-ratio", "0", "--test-ratio", "0.3")
    assert result.returncode != 0
    assert "validation ratio must be in (0, 1), got 0.0" in (
        tmp_path / "output" / "message").read_text()


def test_preprocessJob_noContractOrTwo_fails(tmp_path):
    stage_input(tmp_path, "penguins")
    contract_dir = tmp_path / "processing" / "input" / "contract"
    shutil.copy(contract_dir / "penguins.json", contract_dir / "other.json")
    result = run_script("preprocess", tmp_path)
    assert result.returncode != 0
    assert (tmp_path / "output" / "message").read_text().strip() == (
        f"{contract_dir}: expected exactly one dataset contract (*.json), "
        f"found other.json, penguins.json"
    )


def test_preprocessJob_badContract_oneLineNamingFileKeyAndValue(tmp_path):
    stage_input(tmp_path, "census")
    path = tmp_path / "processing" / "input" / "contract" / "census.json"
    contract = json.loads(path.read_text())
    contract["label"]["column"] = "incme"
    path.write_text(json.dumps(contract))
    result = run_script("preprocess", tmp_path)
    assert result.returncode != 0
    message = (tmp_path / "output" / "message").read_text()
    assert message.startswith("census.json: label.column 'incme' is not a column (columns: age, ")
    assert message.count("\n") == 1 and "Traceback" not in result.stderr


def test_preprocessJob_clarifyInstanceTypeFlag(tmp_path):
    stage_input(tmp_path, "penguins")
    result = run_script("preprocess", tmp_path, "--clarify-instance-type", "ml.c5.2xlarge")
    assert result.returncode == 0, result.stderr
    config = json.loads((tmp_path / "processing" / "clarify" / "model-explainability" /
                         "analysis_config.json").read_text())
    assert config["predictor"]["instance_type"] == "ml.c5.2xlarge"
    bad = run_script("preprocess", tmp_path / "x", "--clarify-instance-type", "m5.large")
    assert bad.returncode != 0
    assert "--clarify-instance-type must look like ml.m5.xlarge, got 'm5.large'" in (
        tmp_path / "x" / "output" / "message").read_text()


def test_trainSplit_inParts_consecutiveEqualAndNeverEmpty(tmp_path):
    out = job_dir(tmp_path, CENSUS, {"a.data": "\n".join(census_lines(600, {}))})
    result = run(out, CENSUS, train_shards=4)
    parts = sorted(out.dir("train").glob("*.csv"))
    assert [p.name for p in parts] == [f"part-0000{i}.csv" for i in range(4)]
    sizes = [len(read_split_file(p)) - 1 for p in parts]
    assert sum(sizes) == result.split_rows["train"] and max(sizes) - min(sizes) <= 1
    assert [p.name for p in out.dir("validation").glob("*.csv")] == ["validation.csv"]

    few = job_dir(tmp_path / "few", CENSUS, {"a.data": "\n".join(census_lines(60, {}))})
    run(few, CENSUS, train_shards=1000)  # more parts than rows: one row each, none empty
    assert all(len(read_split_file(p)) == 2 for p in few.dir("train").glob("*.csv"))


def read_split_file(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def test_preprocessJob_badTrainShards_failsNamingIt(tmp_path):
    stage_input(tmp_path, "penguins")
    result = run_script("preprocess", tmp_path, "--train-shards", "0")
    assert result.returncode != 0
    assert "--train-shards must be in [1, 100000], got 0" in (
        tmp_path / "output" / "message").read_text()


def test_stratifiedSplit_disjointCompleteAndProportionalPerClass():
    import numpy as np

    from lgbmops.preprocess import stratified_split

    codes = np.repeat([0, 1, 2], [700, 200, 101])
    rows = np.arange(10_000, 10_000 + len(codes))
    parts = stratified_split(rows, codes, (0.7, 0.15, 0.15), np.random.default_rng(3))
    joined = np.concatenate(parts)
    assert sorted(joined.tolist()) == rows.tolist(), "every row in exactly one part"
    by_class = [np.bincount(codes[part - 10_000], minlength=3) for part in parts]
    assert by_class[0].tolist() == [490, 140, 71]  # 101 * 0.7 = 70.7: the remainder goes here
    assert by_class[1].tolist() == [105, 30, 15] and by_class[2].tolist() == [105, 30, 15]
    again = stratified_split(rows, codes, (0.7, 0.15, 0.15), np.random.default_rng(3))
    assert all((a == b).all() for a, b in zip(parts, again)), "the seed fixes the split"
    assert not (parts[0][:50] == np.sort(parts[0])[:50]).all(), "rows are shuffled"


def test_emptyAndHeaderOnlyFiles_contributeNoRows(tmp_path):
    rows = shop_rows(60)
    order = list(rows[0])
    out = job_dir(tmp_path, small_contract(), {
        "a.csv": as_csv(rows, order), "b.csv": as_csv([], order), "_SUCCESS": "",
    })
    result = run(out, small_contract())
    assert result.rows == 60 and result.bad_rows == 0


def test_onlyEmptyFiles_failsSayingSo(tmp_path):
    out = job_dir(tmp_path, small_contract(), {"_SUCCESS": ""})
    with pytest.raises(PreprocessError, match="no rows in "):
        run(out, small_contract())


def test_numericFacet_thresholdInTheBiasDocuments(tmp_path):
    contract = small_contract(fairness=[{"column": "age", "threshold": 40},
                                        {"column": "city", "values": ["Oslo", "Lima"]}])
    rows = shop_rows(90)
    out = job_dir(tmp_path, contract, {"shop.csv": as_csv(rows, list(rows[0]))})
    run(out, contract, clarify_instance_type="ml.c5.xlarge")
    bias = json.loads((out.dir("clarify") / "model-bias" / "analysis_config.json").read_text())
    assert bias["facet"] == [{"name_or_index": "age", "value_or_threshold": [40]},
                             {"name_or_index": "city", "value_or_threshold": ["Oslo", "Lima"]}]
    assert bias["headers"] == ["bought", "age", "city"], "label and features; no id, no ignore"
    assert bias["label_values_or_threshold"] == [1] and bias["probability_threshold"] == 0.5
    assert bias["predictor"]["instance_type"] == "ml.c5.xlarge"
    checks = json.loads((out.dir("clarify") / "checks.json").read_text())
    assert checks == {"model_bias": True, "model_explainability": True,
                      "bias_label_class": "yes", "reason": ""}
    explain = json.loads((out.dir("clarify") / "model-explainability" /
                          "analysis_config.json").read_text())
    # the median age; the most frequent present city (NA is missing): Oslo and Lima have 23
    # rows each, Kyiv 22, and of a tie the first in level order wins
    ages = sorted(20 + i % 40 for i in range(90))
    assert explain["methods"]["shap"]["baseline"] == [[(ages[44] + ages[45]) / 2, "Lima"]]
