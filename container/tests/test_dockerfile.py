"""The image builds the code the tests run; its entry points are the package's console scripts."""
from __future__ import annotations

import re
import tomllib

from conftest import CONTAINER_DIR

DOCKERFILE = (CONTAINER_DIR / "Dockerfile").read_text()
INSTRUCTIONS = [
    line.strip() for line in re.sub(r"\\\n", " ", DOCKERFILE).splitlines()
    if line.strip() and not line.strip().startswith("#")
]


def console_scripts() -> dict[str, str]:
    with open(CONTAINER_DIR / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["scripts"]


def test_entryPoints_labelAndBuildCheck_matchConsoleScripts():
    scripts = set(console_scripts())
    assert scripts == {"preprocess", "train", "evaluate", "explain", "monitor", "serve"}
    label = re.search(r'io\.lgbmops\.entry-points="([^"]+)"', DOCKERFILE)
    assert label and set(label.group(1).split()) == scripts
    # The build itself fails unless every entry point is on PATH.
    check = re.search(r"for entry in ([\w ]+); do command -v", DOCKERFILE)
    assert check and set(check.group(1).split()) == scripts


def test_consoleScripts_pointAtExistingFunctions():
    import importlib

    for name, target in console_scripts().items():
        module, _, function = target.partition(":")
        assert callable(getattr(importlib.import_module(module), function)), name


def test_noEntrypoint_sageMakerPassesTheCommand():
    assert not any(i.upper().startswith("ENTRYPOINT") for i in INSTRUCTIONS)


def test_installsPinnedRequirementsAndThePackageSource():
    assert "COPY requirements.txt ./" in INSTRUCTIONS
    assert "RUN pip install -r requirements.txt" in INSTRUCTIONS
    assert "COPY src ./src" in INSTRUCTIONS and "COPY pyproject.toml ./" in INSTRUCTIONS
    assert any(i.startswith("RUN pip install --no-deps .") for i in INSTRUCTIONS)
    assert "libgomp1" in DOCKERFILE
    requirements = (CONTAINER_DIR / "requirements.txt").read_text().splitlines()
    pins = [r for r in requirements if r and not r.startswith("#")]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", p) for p in pins), pins
    assert any(p.startswith("lightgbm==4.") for p in pins)


def test_pinnedSlimBase_andBindToPortLabel():
    base = next(i for i in INSTRUCTIONS if i.startswith("ARG BASE_IMAGE="))
    assert re.fullmatch(r"ARG BASE_IMAGE=public\.ecr\.aws/docker/library/python:3\.11\.\d+-slim-bookworm", base), base
    assert "FROM ${BASE_IMAGE}" in INSTRUCTIONS
    assert "com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true" in DOCKERFILE


def test_dockerignore_sendsOnlyWhatTheImageNeeds():
    ignore = (CONTAINER_DIR / ".dockerignore").read_text().splitlines()
    assert "*" in ignore
    assert {"!requirements.txt", "!pyproject.toml", "!src/"} <= set(ignore)
