"""preprocess on input read in blocks (memory bounded by the block, not the input): the same
checks, line numbers and levels as a whole read, every row written once."""
from __future__ import annotations

import gzip
import json

import pytest

from lgbmops.dataset import Dataset
from lgbmops.preprocess import PreprocessError

from conftest import DATASETS_DIR
from test_preprocess import CENSUS, GOOD, census_lines, job_dir, read_split, run

BLOCK = 16 * 1024  # about 130 census lines


def test_blocks_writeEveryRowOnce_withOneHeaderPerFile_andTheLevelsOfAWholeRead(tmp_path):
    lines = census_lines(3000, {})
    lines[1500] = lines[1500].replace("United-States", "Holand-Netherlands")
    whole = job_dir(tmp_path / "whole", CENSUS, {"part.data": "\n".join(lines) + "\n"})
    blocks = job_dir(tmp_path / "blocks", CENSUS, {"part.data": "\n".join(lines) + "\n"})
    run(whole, CENSUS)
    result = run(blocks, CENSUS, block_bytes=BLOCK)

    assert result.rows == 3000 and sum(result.split_rows.values()) == 3000
    for name in ("train", "validation", "test"):
        rows = read_split(blocks, name)  # asserts one identical header per file
        assert len(rows) - 1 == result.split_rows[name]
        assert rows.count(rows[0]) == 1, "a header in the middle of a file"
    # Stratified block by block: every split keeps the positive rate, to a row per block.
    rates = [counts[1] / sum(counts) for counts in result.split_class_counts.values()]
    assert max(rates) - min(rates) < 0.02, rates
    # Train levels: the union over the blocks, as a whole read finds them (the rare level
    # may land outside the training rows either way, so compare the other levels).
    whole_levels = {f.name: set(f.categories) for f in Dataset.load(whole.dir("train")).features}
    block_levels = {f.name: set(f.categories) for f in Dataset.load(blocks.dir("train")).features}
    for name, levels in whole_levels.items():
        assert levels - {"Holand-Netherlands"} == block_levels[name] - {"Holand-Netherlands"}, name
    assert (blocks.dir("baseline") / "baseline.csv").stat().st_size > 0


def test_blocks_badRowsNamedByTheirLineInTheFile(tmp_path):
    lines = census_lines(2000, {
        3: "1, 2, 3",
        900: GOOD.replace("13,", "x13,"),
        1500: GOOD + ", extra",
        1901: GOOD.replace(", 40,", ", forty,"),
    })
    out = job_dir(tmp_path, CENSUS, {"part.data.gz": gzip.compress(("\n".join(lines) + "\n").encode())})
    result = run(out, CENSUS, block_bytes=BLOCK)
    assert result.rows == 2000 and result.bad_rows == 4
    assert [str(b) for b in result.shown_bad_rows] == [
        "part.data.gz:3: expected 15 fields, got 3",
        "part.data.gz:900: education_num: 'x13' is not a number",
        "part.data.gz:1500: expected 15 fields, got 16",
        "part.data.gz:1901: hours_per_week: 'forty' is not a number",
    ]


def test_blocks_quotedFieldWithLineBreaks_staysOneRow(tmp_path):
    contract = {**CENSUS, "format": {**CENSUS["format"], "header": True}}
    names = [c["name"] for c in CENSUS["columns"]]
    body = census_lines(1500, {})
    # A long quoted occupation with line breaks, placed across many possible block ends.
    cell = '"' + "\n".join(["Adm clerical"] * 4000) + '"'
    body[700] = body[700].replace(" Adm-clerical", cell, 1)
    out = job_dir(tmp_path, contract, {"part.csv": ",".join(names) + "\n" + "\n".join(body) + "\n"})
    result = run(out, contract, block_bytes=BLOCK)
    assert result.bad_rows == 0 and result.rows == 1500


def test_blocks_laterBlockWithANewClass_failsAskingForDeclaredClasses_andWritesNothing(tmp_path):
    penguins = json.loads((DATASETS_DIR / "penguins.json").read_text())
    label = penguins["label"]
    penguins["label"] = {k: v for k, v in label.items() if k != "classes"}
    header, *body = (DATASETS_DIR / "penguins" / "penguins.csv").read_text().splitlines()
    # Classes found in the first block; a fourth species only at the end of the file.
    late = [row.replace("Gentoo", "Emperor", 1) for row in body if row.startswith("Gentoo")][:20]
    text = "\n".join([header, *(body * 10), *late]) + "\n"
    out = job_dir(tmp_path, penguins, {"penguins.csv": text})
    with pytest.raises(PreprocessError, match="'Emperor' after the first block.*declare label.classes"):
        run(out, penguins, block_bytes=BLOCK)
    assert not out.dir("train").exists() and not out.dir("test").exists()
