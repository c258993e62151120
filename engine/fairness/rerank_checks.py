"""Shared by the re-rankers (``engine.fairness.rerank``, ``fa_ir``, ``det_rerank``): argument
checks that name the parameter, the method and the rule, and the rounding and ordering every
method uses. ``bad_parameter`` and ``check_k`` are the project's own
(``graph_schema.params``), listed here with the rest.

- ``i * p`` within 1e-9 of an integer counts as that integer (``0.29 * 100`` is 29, not the
  float 28.999999999999996), so :func:`floor_share` and :func:`ceil_share` do what a target
  means.
- :func:`best_first`: scores high first, ties to the lower index (a stable sort).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graph_schema.params import bad_parameter, check_k

__all__ = [
    "bad_parameter",
    "best_first",
    "ceil_share",
    "check_aligned",
    "check_k",
    "check_mask",
    "check_scores",
    "check_unit",
    "floor_share",
]

_INTEGER_TOLERANCE = 1e-9


def check_scores(scores: Any, method: str) -> np.ndarray:
    try:
        values = np.asarray(scores, dtype=float)
    except (TypeError, ValueError) as e:
        raise bad_parameter("scores", method, "a 1-D array of finite numbers", scores) from e
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise bad_parameter("scores", method, "a 1-D array of finite numbers", scores)
    return values


def check_unit(name: str, value: Any, method: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise bad_parameter(name, method, "a float in (0, 1)", value)
    if not 0.0 < float(value) < 1.0:
        raise bad_parameter(name, method, "a float in (0, 1)", value)
    return float(value)


def check_aligned(values: Any, n: int, name: str, method: str) -> list[Any]:
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if len(items) != n:
        rule = f"aligned with the scores ({n} rows)"
        raise bad_parameter(name, method, rule, f"{len(items)} rows")
    return items


def check_mask(values: Any, n: int, name: str, method: str) -> np.ndarray:
    items = check_aligned(values, n, name, method)
    if not all(isinstance(v, bool | np.bool_) or v in (0, 1) for v in items):
        raise bad_parameter(name, method, "an array of bools (or 0/1)", values)
    return np.asarray(items, dtype=bool)


def floor_share(x: float) -> int:
    return math.floor(x + _INTEGER_TOLERANCE)


def ceil_share(x: float) -> int:
    return math.ceil(x - _INTEGER_TOLERANCE)


def best_first(scores: np.ndarray) -> np.ndarray:
    return np.argsort(-scores, kind="stable")  # stable: equal scores keep index order
