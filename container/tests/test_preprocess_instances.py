"""preprocess as several instances of one job: each splits its share of the files, writes
files named after its index, and every reader merges the dataset descriptions alike."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lgbmops.contract import parse_contract
from lgbmops.dataset import Dataset, DatasetError
from lgbmops.paths import ProcessingPaths
from lgbmops.preprocess import Instance, PreprocessError, preprocess
from lgbmops.sagemaker_io import channel_files, read_labelled_csv
from lgbmops.schema import ModelSchema

from conftest import DATASETS_DIR, adult_data

CENSUS = json.loads((DATASETS_DIR / "census.json").read_text())


def census_files(tmp_path: Path, count: int) -> list[Path]:
    """The census sample cut into `count` files; the first has no 'Holand-Netherlands'
    row, so only a later instance finds that native_country level."""
    lines = adult_data().read_text().splitlines()
    rare = [line for line in lines if "Holand-Netherlands" in line]
    common = [line for line in lines if line.strip() and "Holand-Netherlands" not in line]
    assert rare, "the census sample lost its rare level"
    pieces = [common[i::count] for i in range(count)]
    pieces[-1] += rare * 30  # enough that some reach the training split
    files = []
    for index, piece in enumerate(pieces):
        path = tmp_path / "raw" / f"adult-{index}.data"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(piece) + "\n")
        files.append(path)
    return files


def run_instances(tmp_path: Path, files: list[Path], out_dir: Path) -> list:
    """Every instance of a job over `files`, dealt out as ShardedByS3Key deals them, all
    writing into one output tree as the S3 output prefixes do."""
    count = len(files)
    contract = parse_contract(CENSUS, "census.json")
    results = []
    for index in range(count):
        root = tmp_path / f"instance-{index}"
        data = ProcessingPaths(root).data_input_dir
        data.mkdir(parents=True)
        for path in files[index::count]:
            shutil.copy(path, data / path.name)
        results.append(preprocess(contract, data, ProcessingPaths(out_dir),
                                  instance=Instance(index, count)))
    return results


def test_twoInstances_writeOwnFiles_andMergeToUnionOfLevels(tmp_path):
    files = census_files(tmp_path, 2)
    out = tmp_path / "out"
    results = run_instances(tmp_path, files, out)
    paths = ProcessingPaths(out)

    train_names = sorted(p.name for p in paths.dir("train").iterdir())
    assert "part-00000-00000.csv" in train_names and "part-00001-00011.csv" in train_names
    assert "dataset-00000-of-00002.json" in train_names
    assert sorted(p.name for p in paths.dir("test").iterdir()) == [
        "dataset-00000-of-00002.json", "dataset-00001-of-00002.json",
        "test-00000.csv", "test-00001.csv"]
    # Only the first instance writes the Clarify baseline and documents.
    assert sorted(p.name for p in paths.dir("baseline").iterdir()) == ["baseline.csv"]
    assert results[0].baseline_rows > 0 and results[1].baseline_rows == 0

    first_levels = dict((f.name, f.categories) for f in results[0].dataset.features)
    assert "Holand-Netherlands" not in first_levels["native_country"]
    merged = {split: Dataset.load(paths.dir(split)) for split in ("train", "validation", "test")}
    assert merged["train"] == merged["validation"] == merged["test"]
    countries = dict((f.name, f.categories) for f in merged["train"].features)["native_country"]
    assert "Holand-Netherlands" in countries and list(countries) == sorted(countries)
    assert merged["train"].rows["train"] == sum(r.split_rows["train"] for r in results)

    # Rows of either instance read back through the merged schema: the rare level gets a code.
    schema = ModelSchema.from_dataset(merged["train"])
    train = read_labelled_csv(channel_files(paths.dir("train")), merged["train"], "train")
    codes = schema.training_frame(train.features, "train")["native_country"].cat.codes
    assert (codes == countries.index("Holand-Netherlands")).any()
    assert len(train.labels) == merged["train"].rows["train"]


def test_twoInstances_rerun_writesIdenticalFiles(tmp_path):
    files = census_files(tmp_path, 2)
    run_instances(tmp_path / "a", files, tmp_path / "out-a")
    run_instances(tmp_path / "b", files, tmp_path / "out-b")
    first = {p.relative_to(tmp_path / "out-a"): p.read_bytes()
             for p in (tmp_path / "out-a").rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "out-b"): p.read_bytes()
              for p in (tmp_path / "out-b").rglob("*") if p.is_file()}
    assert first.keys() == second.keys() and first == second


def test_load_missingPart_failsNamingTheParts(tmp_path):
    files = census_files(tmp_path, 3)
    out = tmp_path / "out"
    run_instances(tmp_path, files, out)
    (ProcessingPaths(out).dir("test") / "dataset-00001-of-00003.json").unlink()
    with pytest.raises(DatasetError, match="not the complete set of one preprocess run"):
        Dataset.load(ProcessingPaths(out).dir("test"))


def test_load_partsNextToDatasetJson_fails(tmp_path):
    files = census_files(tmp_path, 2)
    out = tmp_path / "out"
    run_instances(tmp_path, files, out)
    test_dir = ProcessingPaths(out).dir("test")
    shutil.copy(test_dir / "dataset-00000-of-00002.json", test_dir / "dataset.json")
    with pytest.raises(DatasetError, match="expected one dataset.json or the parts"):
        Dataset.load(test_dir)


def test_merge_instancesWithDifferentClasses_failsAskingForDeclaredClasses(tmp_path):
    files = census_files(tmp_path, 2)
    out = tmp_path / "out"
    run_instances(tmp_path, files, out)
    part = ProcessingPaths(out).dir("test") / "dataset-00001-of-00002.json"
    data = json.loads(part.read_text())
    data["label"]["classes"] = list(reversed(data["label"]["classes"]))
    data["label"]["positive"] = data["label"]["classes"][1]
    part.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match="declare label.classes in the contract"):
        Dataset.load(ProcessingPaths(out).dir("test"))


def test_instanceWithoutFiles_failsNamingTheCount(tmp_path):
    data = ProcessingPaths(tmp_path).data_input_dir
    data.mkdir(parents=True)
    with pytest.raises(PreprocessError, match="instance 1 of 2 received no data file"):
        preprocess(parse_contract(CENSUS, "census.json"), data, ProcessingPaths(tmp_path / "out"),
                   instance=Instance(1, 2))
