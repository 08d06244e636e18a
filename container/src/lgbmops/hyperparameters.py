"""Typed training hyperparameters: the one place where SageMaker's strings are parsed and checked.

SageMaker passes every hyperparameter as a string (`"0.05"`); a local run may pass JSON numbers.
Keys starting with `_` or `sagemaker_` belong to SageMaker and are ignored; any other unknown
key is an error, so a typo never silently trains with a default.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Callable

from .errors import LgbmopsError


class HyperparameterError(LgbmopsError):
    """One or more hyperparameters are wrong; the message names each of them."""


@dataclass(frozen=True)
class Hyperparameters:
    num_iterations: int = 500
    learning_rate: float = 0.05
    num_leaves: int = 31
    max_bin: int = 255
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.8
    bagging_fraction: float = 1.0
    bagging_freq: int = 0
    lambda_l1: float = 0.0
    lambda_l2: float = 0.0
    early_stopping_rounds: int = 50  # 0 turns early stopping off
    seed: int = 42
    # Several hosts only: LightGBM's parallel learner, and how long a host waits for the others
    # (network set-up, one boosting round) before it fails.
    tree_learner: str = "data"
    network_timeout_seconds: int = 600

    def lightgbm_params(self, num_classes: int = 2) -> dict[str, Any]:
        """LightGBM parameters for `num_classes` classes: the binary objective for two, softmax
        `multiclass` for more (rounds and early stopping are driven by the training loop)."""
        task: dict[str, Any] = (
            {"objective": "binary", "metric": "binary_logloss"} if num_classes == 2
            else {"objective": "multiclass", "num_class": num_classes, "metric": "multi_logloss"}
        )
        return {
            **task,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "max_bin": self.max_bin,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": self.bagging_freq,
            "lambda_l1": self.lambda_l1,
            "lambda_l2": self.lambda_l2,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }


_INT_MAX = 2**31 - 1


def _int(text: Any) -> int:
    if isinstance(text, bool):
        raise ValueError
    if isinstance(text, int):
        return text
    value = float(str(text).strip())
    if not value.is_integer():
        raise ValueError
    return int(value)


def _float(text: Any) -> float:
    if isinstance(text, bool):
        raise ValueError
    value = float(text) if isinstance(text, (int, float)) else float(str(text).strip())
    if not math.isfinite(value):
        raise ValueError
    return value


# LightGBM's data-parallel and voting-parallel learners (feature-parallel needs every row on
# every host, which sharding rules out).
TREE_LEARNERS = ("data", "voting")


def _choice(text: Any) -> str:
    if not isinstance(text, str):
        raise ValueError
    return text.strip()


# name -> (parser, check, the allowed range in words)
_RULES: dict[str, tuple[Callable[[Any], Any], Callable[[Any], bool], str]] = {
    "num_iterations": (_int, lambda v: 1 <= v <= 100_000, "an integer in [1, 100000]"),
    "learning_rate": (_float, lambda v: 0 < v <= 1, "a number in (0, 1]"),
    "num_leaves": (_int, lambda v: 2 <= v <= 131_072, "an integer in [2, 131072]"),
    "max_bin": (_int, lambda v: 2 <= v <= 65_535, "an integer in [2, 65535]"),
    "min_data_in_leaf": (_int, lambda v: 0 <= v <= _INT_MAX, "an integer >= 0"),
    "feature_fraction": (_float, lambda v: 0 < v <= 1, "a number in (0, 1]"),
    "bagging_fraction": (_float, lambda v: 0 < v <= 1, "a number in (0, 1]"),
    "bagging_freq": (_int, lambda v: 0 <= v <= _INT_MAX, "an integer >= 0"),
    "lambda_l1": (_float, lambda v: v >= 0, "a number >= 0"),
    "lambda_l2": (_float, lambda v: v >= 0, "a number >= 0"),
    "early_stopping_rounds": (_int, lambda v: 0 <= v <= _INT_MAX, "an integer >= 0"),
    "seed": (_int, lambda v: -(2**31) <= v <= _INT_MAX, "a 32-bit integer"),
    "tree_learner": (_choice, lambda v: v in TREE_LEARNERS, "one of " + ", ".join(TREE_LEARNERS)),
    "network_timeout_seconds": (_int, lambda v: 5 <= v <= 86_400, "an integer in [5, 86400]"),
}
assert set(_RULES) == {f.name for f in fields(Hyperparameters)}


def is_sagemaker_key(key: str) -> bool:
    return key.startswith("_") or key.startswith("sagemaker_")


def parse_hyperparameters(raw: dict[str, Any]) -> Hyperparameters:
    """Parse SageMaker's hyperparameter map; unset keys take the defaults above."""
    if not isinstance(raw, dict):
        raise HyperparameterError(
            f"hyperparameters must be a JSON object, got {type(raw).__name__}"
        )
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key in sorted(raw):
        text = raw[key]
        if is_sagemaker_key(key):
            continue
        rule = _RULES.get(key)
        if rule is None:
            problems.append(
                f"unknown hyperparameter {key!r} (known: {', '.join(sorted(_RULES))})"
            )
            continue
        parse, check, allowed = rule
        try:
            value = parse(text)
        except (TypeError, ValueError):
            problems.append(f"hyperparameter {key} must be {allowed}, got {text!r}")
            continue
        if not check(value):
            problems.append(f"hyperparameter {key} must be {allowed}, got {text!r}")
            continue
        values[key] = value
    if problems:
        raise HyperparameterError("; ".join(problems))
    return Hyperparameters(**values)
