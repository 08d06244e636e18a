"""The dataset contract: defaults, the repository's contracts, and one exact line per mistake."""
from __future__ import annotations

import copy
import json

import pytest

from lgbmops import contract as contract_module
from lgbmops.contract import ContractError, load_contract, parse_contract

from conftest import DATASETS_DIR

CENSUS = json.loads((DATASETS_DIR / "census.json").read_text())
SCHEMA = json.loads((DATASETS_DIR / "contract.schema.json").read_text())
CENSUS_COLUMNS = ("age, workclass, fnlwgt, education, education_num, marital_status, occupation, "
                  "relationship, race, sex, capital_gain, capital_loss, hours_per_week, "
                  "native_country, income")


def census_with(change) -> dict:
    contract = copy.deepcopy(CENSUS)
    change(contract)
    return contract


@pytest.mark.parametrize("name", ["census", "churn", "penguins"])
def test_repositoryContracts_load(name):
    contract = load_contract(DATASETS_DIR / f"{name}.json")
    assert contract.name == name
    assert contract.label.column in contract.names
    assert all(f.name != contract.label.column for f in contract.features)


def test_penguins_multiclassIgnoreColumnNotAFeature():
    contract = load_contract(DATASETS_DIR / "penguins.json")
    assert contract.label.task == "multiclass"
    assert contract.label.classes == ("Adelie", "Chinstrap", "Gentoo")
    assert "year" not in [f.name for f in contract.features]


def test_defaults_filledIn():
    contract = parse_contract({
        "name": "tiny",
        "columns": [{"name": "x", "type": "numeric"}, {"name": "y", "type": "categorical"}],
        "label": {"column": "y"},
    }, "tiny.json")
    assert contract.to_dict() == {
        "name": "tiny",
        "format": {"delimiter": ",", "header": True, "missingValues": ["", "NA"]},
        "columns": [{"name": "x", "type": "numeric"}, {"name": "y", "type": "categorical"}],
        "label": {"column": "y"},
        "fairness": [],
    }
    assert contract.label.task == "multiclass"


def test_normalised_roundTrips():
    contract = load_contract(DATASETS_DIR / "census.json")
    again = parse_contract(contract.to_dict(), "census.json")
    assert again == contract


def test_checkerKnowsExactlyTheSchemasKeysAndTypes():
    """contract.schema.json is the interface: the checker must allow what it allows."""
    props = SCHEMA["properties"]
    assert set(contract_module._TOP_KEYS) == set(props)
    assert set(contract_module._FORMAT_KEYS) == set(props["format"]["properties"])
    assert set(contract_module._COLUMN_KEYS) == set(props["columns"]["items"]["properties"])
    assert set(contract_module._LABEL_KEYS) == set(props["label"]["properties"])
    assert set(contract_module._FACET_KEYS) == set(props["fairness"]["items"]["properties"])
    assert tuple(props["columns"]["items"]["properties"]["type"]["enum"]) == \
        contract_module.COLUMN_TYPES
    fmt = props["format"]["properties"]
    assert fmt["delimiter"]["default"] == contract_module.DEFAULT_DELIMITER
    assert fmt["header"]["default"] == contract_module.DEFAULT_HEADER
    assert tuple(fmt["missingValues"]["default"]) == contract_module.DEFAULT_MISSING_VALUES


MISTAKES = [
    (lambda c: c["label"].update(column="incme"),
     f"census.json: label.column 'incme' is not a column (columns: {CENSUS_COLUMNS})"),
    (lambda c: c.update(labels={}),
     "census.json: unknown key 'labels' (known: $schema, name, description, format, columns, "
     "label, fairness)"),
    (lambda c: c["columns"][3].update(colour="x"),
     "census.json: unknown key 'columns[3].colour' (known: name, type, description)"),
    (lambda c: c["columns"].append({"name": "age", "type": "numeric"}),
     "census.json: columns[15].name 'age' repeats columns[0].name"),
    (lambda c: (c["columns"].append({"name": "rowid", "type": "id"}),
                c["label"].update(column="rowid")),
     "census.json: label.column 'rowid' is of type id; the label must be numeric or categorical"),
    (lambda c: c["fairness"].append({"column": "gender", "values": ["F"]}),
     f"census.json: fairness[1].column 'gender' is not a column (columns: {CENSUS_COLUMNS})"),
    (lambda c: c["fairness"].append({"column": "income", "values": [">50K"]}),
     "census.json: fairness[1].column 'income' is the label; a facet must be a feature"),
    (lambda c: c["fairness"].append({"column": "age", "values": ["40"]}),
     "census.json: fairness[1].values is for categorical facets; 'age' is numeric: use threshold"),
    (lambda c: c["fairness"].append({"column": "race", "threshold": 3}),
     "census.json: fairness[1].threshold is for numeric facets; 'race' is categorical: use values"),
    (lambda c: c["fairness"][0].update(threshold=3),
     "census.json: fairness[0] needs exactly one of values (categorical facet) or threshold "
     "(numeric facet)"),
    (lambda c: c["label"].update(positive="?"),
     "census.json: label.positive '?' is a missing value (format.missingValues: '', '?'); "
     "name a class"),
    (lambda c: c["label"].update(classes=["a", "b", "c"]),
     "census.json: label has both positive and classes: give positive for a binary label, "
     "classes (or neither) for a multiclass one"),
    (lambda c: c["format"].update(delimiter=";;"),
     "census.json: format.delimiter ';;' must be one character"),
    (lambda c: c["format"].update(delimiter='"'),
     "census.json: format.delimiter '\"' cannot separate fields (not a quote, a space or a "
     "line break)"),
    (lambda c: c["format"].update(header="no"),
     "census.json: format.header must be true or false, got 'no'"),
    (lambda c: c["columns"][0].update(type="number"),
     "census.json: columns[0].type 'number' is not one of numeric, categorical, id, ignore"),
    (lambda c: c.update(name="Census"),
     "census.json: name 'Census' must be lowercase letters, digits and single hyphens, "
     "at most 40 characters"),
    (lambda c: c.pop("columns"), "census.json: columns is required"),
    (lambda c: c["format"].update(missingValues=["?", "?"]),
     "census.json: format.missingValues[1] '?' repeats format.missingValues[0]"),
]


@pytest.mark.parametrize("change, message", MISTAKES, ids=[m for _, m in MISTAKES])
def test_mistake_oneLineNamingFileKeyAndValue(change, message):
    with pytest.raises(ContractError) as caught:
        parse_contract(census_with(change), "census.json")
    assert str(caught.value) == message


def test_invalidJson_namesTheFile(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"name": "x",')
    with pytest.raises(ContractError) as caught:
        load_contract(path)
    assert str(caught.value).startswith("broken.json: not valid JSON: ")


def _mistakes() -> list[dict]:
    return json.loads((DATASETS_DIR / "mistakes" / "expected.json").read_text())["cases"]


@pytest.mark.parametrize("case", _mistakes(), ids=lambda case: case["file"])
def test_sharedMistakes_rejectedNamingTheKey(case):
    # The same files are rejected by the synth-time Java reader (pipeline-spec's
    # ContractMistakesTest): both readers hold the same rules.
    with pytest.raises(ContractError) as caught:
        load_contract(DATASETS_DIR / "mistakes" / case["file"])
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(case["file"] + ": "), message
    assert case["key"] in message, message
