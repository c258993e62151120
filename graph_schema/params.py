"""Parameter rules every layer shares: the message of a bad argument, and the int checks.

An argument out of its range raises :class:`~graph_schema.errors.ConfigError` with a message
that names the parameter, the function (or class) it was given to, the rule and the value, in
scikit-learn's words (``sklearn/utils/_param_validation.py``). The template is written here
once; modules that raise it pass their own name, rule and value. It lives in the lowest layer
(beside the exception tree, importing nothing else) so that ``loaders`` and ``engine`` use
the same one.

- :data:`BAD_PARAMETER` / :func:`bad_parameter`: "The 'k' parameter of ndcg_at_k must be an
  int >= 1. Got 0 instead."
- :data:`OUT_OF_RANGE` / :func:`out_of_range`: the short form some functions use,
  "resamples must be an int >= 1; got 0".
- :func:`one_of`: the rule of a parameter that takes one of a few names.
- :func:`check_int`, :func:`check_k`: an int (a numpy integer too, never a bool) within
  bounds, returned as a Python ``int``.

Example:
    >>> check_k(3, "ndcg_at_k")
    3
    >>> print(bad_parameter("k", "top_k_hit", "an int >= 1", 0))
    The 'k' parameter of top_k_hit must be an int >= 1. Got 0 instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral
from typing import Any

from graph_schema.errors import ConfigError

BAD_PARAMETER = "The {name!r} parameter of {method} must be {rule}. Got {value!r} instead."
OUT_OF_RANGE = "{name} must be {rule}; got {value!r}"


def bad_parameter(name: str, method: str, rule: str, value: Any) -> ConfigError:
    """The error for argument ``name`` of ``method`` that breaks ``rule`` (:data:`BAD_PARAMETER`).

    Args:
        name: the parameter (``"k"``).
        method: the function or class it was given to (``"ndcg_at_k"``).
        rule: what it must be (``"an int >= 1"``).
        value: what it was (quoted with ``repr``).

    Returns:
        The :class:`ConfigError`, for the caller to raise.
    """
    return ConfigError(BAD_PARAMETER.format(name=name, method=method, rule=rule, value=value))


def out_of_range(name: str, rule: str, value: Any) -> ConfigError:
    """The short form (:data:`OUT_OF_RANGE`): ``name`` may say whose it is (``"grid of
    optimise_weight"``)."""
    return ConfigError(OUT_OF_RANGE.format(name=name, rule=rule, value=value))


def one_of(values: Iterable[Any]) -> str:
    """The rule of a parameter that takes one of ``values``: ``"one of 'ip', 'l2'"``."""
    return f"one of {', '.join(map(repr, values))}"


def is_int(value: Any) -> bool:
    """An integer (``int`` or a numpy integer), not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_int(name: str, method: str, value: Any, low: int, high: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer in ``[low, high]`` (no upper bound when
    ``high`` is None).

    Raises:
        ConfigError: naming ``name``, ``method``, the rule (``"an int >= 1"``, ``"an int in
            [1, 1000]"``) and the value.
    """
    if not is_int(value) or value < low or (high is not None and value > high):
        rule = f"an int in [{low}, {high}]" if high is not None else f"an int >= {low}"
        raise bad_parameter(name, method, rule, value)
    return int(value)


def check_k(k: Any, method: str, high: int | None = None) -> int:
    """A cut-off ``k`` of ``method``: an int >= 1 (at most ``high`` when given).

    Raises:
        ConfigError: ``The 'k' parameter of {method} must be an int >= 1. Got {k!r} instead.``
    """
    return check_int("k", method, k, 1, high)
