"""Cleaning raw census lines, split ratios, and the malformed-line policy (drop, count, report)."""
from __future__ import annotations

import csv

import pytest

from lgbmops import census
from lgbmops.paths import ProcessingPaths
from lgbmops.preprocess import PreprocessError, SplitRatios, preprocess

from conftest import adult_data, run_script

GOOD = ("39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, "
        "White, Male, 2174, 0, 40, United-States, <=50K")


def test_parseLine_censusFormat_cleanRecord():
    record = census.parse_line(GOOD + "\n")
    assert record.label == 0
    assert record.features[:3] == ("39", "State-gov", "77516")
    assert len(record.features) == 14


def test_parseLine_trailingPeriodLabelAndQuestionMarks():
    line = GOOD.replace("State-gov", "?").replace("<=50K", ">50K.")
    record = census.parse_line(line)
    assert record.label == 1
    assert record.features[1] == ""


@pytest.mark.parametrize("line", ["", "   ", "|1x3 Cross validator"])
def test_parseLine_blankOrComment_noRecord(line):
    assert census.parse_line(line) is None


@pytest.mark.parametrize(
    "line, fragment",
    [
        (GOOD.rsplit(",", 1)[0], "expected 15 fields, got 14"),
        (GOOD.replace("<=50K", "rich"), "column 15 (income)"),
        (GOOD.replace("39,", "thirty-nine,"), "column 1 (age): 'thirty-nine' is not a number"),
    ],
)
def test_parseLine_malformed_saysWhy(line, fragment):
    with pytest.raises(census.BadRecord, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        census.parse_line(line)


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


def write_raw(path, good_lines: int, bad: dict[int, str]):
    """A census-format file of `good_lines` records with bad lines at given 1-based positions."""
    lines = []
    for i in range(good_lines):
        label = ">50K" if i % 4 == 0 else "<=50K"
        lines.append(GOOD.replace("<=50K", label))
    for position in sorted(bad):
        lines.insert(position - 1, bad[position])
    path.write_text("\n".join(lines) + "\n\n")


def test_preprocess_malformedLines_droppedCountedAndNamed(tmp_path):
    raw = tmp_path / "processing" / "input"
    raw.mkdir(parents=True)
    write_raw(raw / "part.data", 400, {3: "1, 2, 3", 100: GOOD.replace("13,", "x13,")})
    result = preprocess([raw / "part.data"], ProcessingPaths(tmp_path), max_bad_fraction=0.01)
    assert result.rows == 400
    assert [(b.line, b.reason) for b in result.bad_lines] == [
        (3, "expected 15 fields, got 3"),
        (100, "column 5 (education_num): 'x13' is not a number"),
    ]
    assert str(result.bad_lines[0]).startswith(f"{raw / 'part.data'}:3: ")
    assert sum(result.split_rows.values()) == 400


def test_preprocessJob_malformedLines_reportedWithFileAndLine(tmp_path):
    raw = tmp_path / "processing" / "input"
    raw.mkdir(parents=True)
    write_raw(raw / "part.data", 400, {7: "1, 2, 3"})
    result = run_script("preprocess", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "dropped_lines=1" in result.stdout
    assert f"{raw / 'part.data'}:7: expected 15 fields, got 3" in result.stderr


def test_preprocessJob_tooManyMalformedLines_fails(tmp_path):
    raw = tmp_path / "processing" / "input"
    raw.mkdir(parents=True)
    write_raw(raw / "part.data", 100, {i: "junk" for i in range(1, 20)})
    result = run_script("preprocess", tmp_path)
    assert result.returncode != 0
    message = (tmp_path / "output" / "message").read_text()
    assert "19 of 119 lines are malformed" in message
    assert f"{raw / 'part.data'}:1: expected 15 fields, got 1" in message


def test_preprocessJob_badRatioArgument_failsNamingIt(tmp_path):
    raw = tmp_path / "processing" / "input"
    raw.mkdir(parents=True)
    (raw / "adult.data").symlink_to(adult_data())
    result = run_script("preprocess", tmp_path, "--validation-ratio", "0", "--test-ratio", "0.3")
    assert result.returncode != 0
    assert "validation ratio must be in (0, 1), got 0.0" in (
        tmp_path / "output" / "message").read_text()


def test_preprocess_multipleFiles_allRead(tmp_path):
    raw = tmp_path / "processing" / "input"
    raw.mkdir(parents=True)
    write_raw(raw / "a.data", 200, {})
    write_raw(raw / "b.csv", 200, {})
    result = preprocess(sorted(raw.iterdir()), ProcessingPaths(tmp_path), baseline_rows=10)
    assert result.rows == 400 and result.baseline_rows == 10
    with open(tmp_path / "processing" / "baseline" / "baseline.csv", newline="") as handle:
        assert len(list(csv.reader(handle))) == 10
