"""FA*IR (Zehlike et al., CIKM 2017): a top ``k`` in which every prefix holds at least
:func:`fair_minimums` protected candidates (the ranked group fairness test for a minimum
proportion ``p`` at significance ``alpha``), with the multiple-test adjustment of ``alpha``
(:func:`adjusted_alpha`) on by default; :func:`fail_probability` is the exact probability
that a fair ranking fails the test. Entry point by name: ``engine.fairness.rerank.rerank``.

With too few protected candidates, :func:`fa_ir` places them all as early as needed and
fills with the best others; it never raises for that (the entry point's result says the
test is not met).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from engine.fairness.rerank_checks import (
    bad_parameter,
    best_first,
    check_k,
    check_mask,
    check_scores,
    check_unit,
)

_BISECTION_TOLERANCE = 1e-12  # stop when [lo, hi] is this narrow a fraction of alpha


@lru_cache(maxsize=8)
def _cdf_up_to(k: int, p: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Every binomial CDF value ``F(m; i, p) <= alpha`` (i = 1..k) with its row ``i - 1``:
    enough to build the table of any ``a <= alpha`` without redoing the binomials."""
    pmf, rows, values = np.zeros(k + 1), [], []
    pmf[0] = 1.0  # pmf[c] = P(c protected among the first i), updated in place
    for i in range(1, k + 1):
        pmf[1 : i + 1] = pmf[1 : i + 1] * (1 - p) + pmf[:i] * p
        pmf[0] *= 1 - p
        cdf = np.cumsum(pmf[: i + 1])
        values.append(cdf[: np.searchsorted(cdf, alpha, "right")])
        rows.append(np.full(len(values[-1]), i - 1))
    return np.concatenate(rows), np.concatenate(values)


@lru_cache(maxsize=256)
def _mtable(k: int, p: float, alpha: float, within: float) -> tuple[int, ...]:
    # smallest m with F(m; i, p) > alpha == how many m have F(m) <= alpha (F increases in m);
    # alpha <= within, the level the CDF values were kept up to
    rows, values = _cdf_up_to(k, p, within)
    counts = np.bincount(rows[values <= alpha], minlength=k)
    return tuple(np.minimum(counts, np.arange(1, k + 1)).tolist())


def _fail(table: Sequence[int], p: float) -> float:
    alive = np.zeros(len(table) + 1)  # alive[c]: P(c protected so far, every prefix passed)
    alive[0], failed, low = 1.0, 0.0, 0  # alive[:low] is 0: below an earlier minimum
    for i, m in enumerate(table, start=1):
        alive[low + 1 : i + 1] = alive[low + 1 : i + 1] * (1 - p) + alive[low:i] * p
        alive[low] *= 1 - p
        if m > low:
            failed += float(alive[low:m].sum())
            alive[low:m] = 0.0
            low = m
    return failed


@lru_cache(maxsize=1024)
def _adjusted(k: int, p: float, alpha: float) -> float:
    # bisect the fraction t of alpha (not alpha itself): (0.05 + 0.1) / 2 is 0.07500000000000001
    # in floats, while 0.1 * (25/32) is 0.078125 exactly
    hi, hi_table = 1.0, _mtable(k, p, alpha, alpha)
    hi_fail = _fail(hi_table, p)
    if hi_fail <= alpha:
        return alpha
    lo, lo_table = 0.0, _mtable(k, p, 0.0, alpha)
    lo_fail = _fail(lo_table, p)
    while sum(hi_table) - sum(lo_table) > 1 and hi - lo > _BISECTION_TOLERANCE:
        mid = (lo + hi) / 2
        mid_table = _mtable(k, p, alpha * mid, alpha)
        mid_fail = _fail(mid_table, p)
        if mid_fail <= alpha:
            lo, lo_table, lo_fail = mid, mid_table, mid_fail
        else:
            hi, hi_table, hi_fail = mid, mid_table, mid_fail
    return alpha * (lo if alpha - lo_fail <= hi_fail - alpha else hi)


def fair_table(k: int, p: float, alpha: float, adjust: bool) -> tuple[tuple[int, ...], float]:
    """The minimum table for ``k`` places and the significance it was built at."""
    used = _adjusted(k, p, alpha) if adjust else alpha
    return _mtable(k, p, used, alpha), used


def adjusted_alpha(k: int, p: float, alpha: float) -> float:
    """Significance per prefix so that the whole top-``k`` test fails a fair ranking at ~alpha.

    Testing ``k`` prefixes at ``alpha`` each rejects more than ``alpha`` of the rankings drawn
    at random with ``P(protected) = p`` (the multiple-test problem Zehlike et al. correct).

    Rule (that of the authors' reference implementation, fairsearchcore, in its main case):
    bisect ``a = t * alpha`` over ``t`` in ``[0, 1]``, keeping ``lo`` with
    ``fail_probability <= alpha`` and ``hi`` with ``fail_probability > alpha``, until the
    tables at ``lo`` and ``hi`` are adjacent (their sums differ by 1: one count at one place)
    or ``hi - lo <= 1e-12``; return whichever of ``lo * alpha``, ``hi * alpha`` has its fail
    probability closer to ``alpha`` (``lo`` on a tie). If the table at ``alpha`` itself fails
    with probability ``<= alpha``, return ``alpha``. ``t`` is a dyadic fraction, exact in
    binary, so the result is ``alpha * j / 2**d`` rounded once.

    Any value in the chosen table's interval gives the same table; this returns the bisection
    point where it was found. Its fail probability can be a little above ``alpha``: for
    ``(k=20, p=0.25, alpha=0.1)`` the result is 0.078125 (``0.1 * 25/32``), whose table fails
    with probability 0.1052; the next stricter table fails with 0.0897, further from 0.1.

    Raises:
        ConfigError: ``k`` is not an int >= 1, or ``p`` or ``alpha`` is not in (0, 1).
    """
    k = check_k(k, "adjusted_alpha")
    return _adjusted(
        k, check_unit("p", p, "adjusted_alpha"), check_unit("alpha", alpha, "adjusted_alpha")
    )


def fair_minimums(k: int, p: float, alpha: float, adjust: bool = True) -> np.ndarray:
    """FA*IR's table: the least number of protected candidates in each prefix 1..k.

    Entry ``i - 1`` is the smallest ``m`` with ``F(m; i, p) > a``, ``F`` the binomial CDF
    (Definition 3.1 of Zehlike et al.: a prefix passes when ``F(protected; i, p) > a``), with
    ``a = adjusted_alpha(k, p, alpha)`` when ``adjust`` else ``alpha``. This is the binomial
    inverse CDF except exactly at ``F = a``, where the paper's strict test asks for one more.

    Raises:
        ConfigError: ``k`` is not an int >= 1, or ``p`` or ``alpha`` is not in (0, 1).
    """
    k = check_k(k, "fair_minimums")
    p = check_unit("p", p, "fair_minimums")
    alpha = check_unit("alpha", alpha, "fair_minimums")
    return np.asarray(fair_table(k, p, alpha, adjust)[0], dtype=np.int64)


def fail_probability(mtable: Sequence[int] | np.ndarray, p: float) -> float:
    """Probability that a ranking with independent Bernoulli(``p``) protected draws fails.

    Exact up to float rounding: a dynamic programme over prefixes carries the distribution of
    the protected count among rankings that passed so far, and adds up the mass that drops
    below ``mtable[i]`` at each position.

    Raises:
        ConfigError: ``p`` is not in (0, 1), or ``mtable`` is not a 1-D array of counts with
            ``0 <= mtable[i] <= i + 1``.
    """
    p = check_unit("p", p, "fail_probability")
    table = np.asarray(mtable)
    if (
        table.ndim != 1
        or not np.issubdtype(table.dtype, np.integer)
        or np.any(table < 0)
        or np.any(table > np.arange(1, len(table) + 1))
    ):
        rule = "a 1-D array of ints with 0 <= mtable[i] <= i + 1"
        raise bad_parameter("mtable", "fail_probability", rule, mtable)
    return _fail(table.tolist(), p)


def fa_ir(
    scores: Any,
    protected: Any,
    k: int,
    *,
    p: float,
    alpha: float = 0.1,
    adjust: bool = True,
) -> np.ndarray:
    """FA*IR top-``k``: best first, taking the best protected candidate when a prefix needs one.

    Two queues (protected, others), each best first; at place ``i`` take the head of the
    protected queue if fewer than ``fair_minimums(...)[i - 1]`` protected are placed, else the
    better head. The table is for ``min(k, n)`` places. With too few protected candidates the
    others fill in (check with :func:`rerank`, which reports the first unmet prefix).

    Args:
        scores: one score per candidate, higher is better.
        protected: one bool per candidate.
        k: places to fill.
        p: minimum target proportion of protected candidates, in (0, 1).
        alpha: significance of the ranked group fairness test, in (0, 1).
        adjust: use :func:`adjusted_alpha` (multiple-test adjustment).

    Returns:
        Indices of the selected candidates, best first.

    Raises:
        ConfigError: an invalid parameter or misaligned arrays.
    """
    values = check_scores(scores, "fa_ir")
    flags = check_mask(protected, len(values), "protected", "fa_ir")
    size = min(check_k(k, "fa_ir"), len(values))
    p, alpha = check_unit("p", p, "fa_ir"), check_unit("alpha", alpha, "fa_ir")
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    table = fair_table(size, p, alpha, adjust)[0]
    order = best_first(values).tolist()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))  # position in the best-first order; lower is better
    queues = {True: [i for i in order if flags[i]], False: [i for i in order if not flags[i]]}
    heads = {True: 0, False: 0}
    chosen: list[int] = []
    for place in range(size):
        left = {g: heads[g] < len(queues[g]) for g in (True, False)}
        if not left[False] or (left[True] and heads[True] < table[place]):
            take = True
        elif not left[True]:
            take = False
        else:  # both queues non-empty, minimum met: the better head (queues are best first)
            take = bool(rank[queues[True][heads[True]]] < rank[queues[False][heads[False]]])
        chosen.append(queues[take][heads[take]])
        heads[take] += 1
    return np.asarray(chosen, dtype=np.int64)
