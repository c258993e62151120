"""Re-ranking toward a group target, per request: FA*IR and LinkedIn's Det* algorithms.

Pure numpy/python: group labels and protected flags arrive as arguments (the caller reads the
sensitive store through the audit path); nothing here does I/O. This module is the entry
point and the overview; FA*IR lives in ``engine.fairness.fa_ir``, the Det* family and
``proportional`` in ``engine.fairness.det_rerank``, the shared checks and rounding in
``engine.fairness.rerank_checks``.

- :func:`fa_ir`: FA*IR (Zehlike et al., CIKM 2017). A binary protected flag, a minimum
  proportion ``p`` and a significance ``alpha``; every prefix of the top ``k`` must hold at least
  :func:`fair_minimums` protected candidates (the ranked group fairness test), with the
  multiple-test adjustment of ``alpha`` (:func:`adjusted_alpha`) on by default.
- :func:`det_greedy`, :func:`det_cons`, :func:`det_relaxed` (Algorithm 1-2 of Geyik et al., KDD
  2019) and :func:`det_const_sort` (their Algorithm 3): any number of groups and a target
  distribution; group ``g`` needs at least ``floor(i * p_g)`` and at most ``ceil(i * p_g)`` of
  the first ``i`` places.
- :func:`proportional`: the top ``k`` holds ``floor`` or ``ceil`` of ``k * p_g`` of each group
  by systematic rounding with a per-request offset, so that across requests each group's
  expected count is exactly ``k * p_g``, small groups included (ours; see its docstring).
- :func:`rerank`: one entry point by name, returning a :class:`RerankResult` that says whether
  every prefix met its minimums; :func:`target_from_pool`: the default target, the group mix
  of the (qualified) pool.

What each algorithm guarantees, whenever every target group has at least
``floor(k * p_g)`` candidates (checked by the property tests in ``tests/engine/fairness/test_rerank.py``):

- FA*IR and DetConstSort meet the minimums at every prefix, by construction.
- DetCons and DetRelaxed met them in every case tried (hypothesis with up to 5 groups, and
  60,000 random cases with up to 8 groups while writing this); no proof here.
- DetGreedy met them in every case with 2 or 3 groups, but not with 4 or more: filling places
  greedily up to the maxima can leave two groups due at the same place, and one misses its
  minimum (``test_det_greedy_can_break_a_minimum``, traced by hand). Prefer DetCons,
  DetRelaxed or DetConstSort for more than 3 groups.

Documented behaviour:

- Scores rank high first; ties go to the lower original index, everywhere. Outputs are
  indices into ``scores``, ``min(k, n)`` of them, each at most once.
- ``i * p_g`` within 1e-9 of an integer counts as that integer (``0.29 * 100`` is 29, not the
  float 28.999999999999996), so floor and ceil do what the target means.
- A target group with no candidates left cannot meet its minimum; the algorithms carry on with
  the others and :class:`RerankResult` reports the first unmet prefix. Candidates of a group
  not in ``target`` (share 0) are placed only when no target group can take the place: by
  DetGreedy/DetCons/DetRelaxed when every group below its maximum is used up, and by
  DetConstSort after every target group is used up (best score first).
- FA*IR with too few protected candidates places them all as early as needed and fills with
  the best others; it never raises for that, the result says the test is not met.

Example:
    >>> scores = [100, 90, 80, 70, 60, 50, 40, 30, 20, 10]
    >>> groups = list("rrrrbbbbbr")
    >>> det_const_sort(scores, groups, {"r": 0.5, "b": 0.5}, 6).tolist()
    [0, 4, 1, 5, 2, 6]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.fairness.det_rerank import (
    det_cons,
    det_const_sort,
    det_greedy,
    det_relaxed,
    proportional,
)
from engine.fairness.fa_ir import adjusted_alpha, fa_ir, fail_probability, fair_minimums, fair_table
from engine.fairness.metrics import Group, check_target
from engine.fairness.rerank_checks import (
    bad_parameter,
    best_first,
    check_aligned,
    check_k,
    check_mask,
    check_scores,
    check_unit,
    floor_share,
)
from graph_schema.params import one_of

__all__ = [
    "METHODS",
    "RerankResult",
    "adjusted_alpha",
    "det_cons",
    "det_const_sort",
    "det_greedy",
    "det_relaxed",
    "fa_ir",
    "fail_probability",
    "fair_minimums",
    "proportional",
    "rerank",
    "target_from_pool",
]

METHODS = (
    "none",
    "fair",
    "det_greedy",
    "det_cons",
    "det_relaxed",
    "det_const_sort",
    "proportional",
)


@dataclass(frozen=True)
class RerankResult:
    """A re-ranked top ``k`` and whether its minimums hold.

    Attributes:
        method: the method name (one of :data:`METHODS`).
        indices: indices into ``scores``, best first.
        minimums_met: every prefix holds its minimum counts (the FA*IR table, or
            ``floor(i * p_g)`` of each target group); None for ``"none"`` without groups.
        first_unmet: 1-based length of the first prefix below its minimums, or None.
        target: the target distribution used (Det* and ``"none"`` with groups), else None.
        alpha: the significance FA*IR used (adjusted when ``adjust``), else None.
    """

    method: str
    indices: np.ndarray
    minimums_met: bool | None
    first_unmet: int | None = None
    target: dict[Group, float] | None = None
    alpha: float | None = None


def target_from_pool(groups: Any, qualified_mask: Any = None) -> dict[Group, float]:
    """The group mix of the pool (or of its qualified members): the default target.

    Args:
        groups: one group label per candidate.
        qualified_mask: one bool per candidate; only qualified candidates count. None: all.

    Returns:
        group -> share, in order of first appearance.

    Raises:
        ConfigError: the mask is misaligned or selects nobody, or the pool is empty.
    """
    labels = groups.tolist() if isinstance(groups, np.ndarray) else list(groups)
    if qualified_mask is not None:
        mask = check_mask(qualified_mask, len(labels), "qualified_mask", "target_from_pool")
        labels = [g for g, q in zip(labels, mask) if q]
    if not labels:
        name = "groups" if qualified_mask is None else "qualified_mask"
        raise bad_parameter(
            name, "target_from_pool", "selecting at least one candidate", "0 candidates"
        )
    counts: dict[Group, int] = {}
    for g in labels:
        counts[g] = counts.get(g, 0) + 1
    return {g: c / len(labels) for g, c in counts.items()}


def _first_unmet(counts: np.ndarray, minimums: np.ndarray) -> int | None:
    """First 1-based prefix where some count (column) is below its minimum."""
    short = np.flatnonzero(np.any(counts < minimums, axis=1))
    return int(short[0]) + 1 if short.size else None


def _target_check(labels: list[Group], target: Mapping[Group, float]) -> int | None:
    places = np.arange(1, len(labels) + 1)
    groups = list(target)
    counts = np.cumsum([[label == g for g in groups] for label in labels], axis=0)
    minimums = np.array(
        [[floor_share(i * target[g]) for g in groups] for i in places], dtype=np.int64
    ).reshape(len(labels), len(groups))
    return _first_unmet(counts.reshape(len(labels), len(groups)), minimums)


def _default_pool(qualified: Any, n: int) -> np.ndarray:
    """Who the defaults (target, p) come from: the qualified, or everyone if nobody is."""
    if qualified is None:
        return np.ones(n, dtype=bool)
    mask = check_mask(qualified, n, "qualified", "rerank")
    return mask if mask.any() else np.ones(n, dtype=bool)


_DET_METHODS: dict[str, Callable[..., np.ndarray]] = {
    "det_greedy": det_greedy,
    "det_cons": det_cons,
    "det_relaxed": det_relaxed,
    "det_const_sort": det_const_sort,
}


def rerank(
    method: str,
    scores: Any,
    groups: Any,
    k: int,
    *,
    target: Mapping[Group, float] | None = None,
    protected: Any = None,
    p: float | None = None,
    alpha: float = 0.1,
    adjust: bool = True,
    qualified: Any = None,
    offset: float = 0.0,
) -> RerankResult:
    """Re-rank the top ``k`` with the named method and say whether its minimums hold.

    Args:
        method: ``"none"`` (by score), ``"fair"`` (FA*IR), ``"det_greedy"``, ``"det_cons"``,
            ``"det_relaxed"`` or ``"det_const_sort"``.
        scores: one score per candidate, higher is better.
        groups: one group label per candidate (Det* methods; optional for the others).
        k: places to fill.
        target: group -> share for Det* (and the check of ``"none"``); default: the group mix
            of the qualified pool (:func:`target_from_pool`).
        protected: one bool per candidate (``"fair"`` only).
        p: FA*IR's minimum proportion; default: the protected share of the qualified pool
            (when that is 0 or 1 there is nothing to mitigate and the order is by score).
        alpha: FA*IR's significance.
        adjust: FA*IR's multiple-test adjustment.
        qualified: one bool per candidate, for the defaults only (all candidates are ranked);
            None, or nobody qualified: the whole pool.
        offset: ``"proportional"`` only: the systematic-rounding offset in [0, 1).

    Returns:
        The indices, whether every prefix met its minimums and the first that did not.

    Raises:
        ConfigError: an unknown method, a missing or invalid parameter, misaligned arrays.
    """
    if method not in METHODS:
        raise bad_parameter("method", "rerank", one_of(METHODS), method)
    values = check_scores(scores, "rerank")
    k, n = check_k(k, "rerank"), len(values)
    labels = None if groups is None else check_aligned(groups, n, "groups", "rerank")
    pool = _default_pool(qualified, n)
    if method == "fair":
        if protected is None:
            raise bad_parameter("protected", "rerank", "a bool array aligned with the scores", None)
        flags = check_mask(protected, n, "protected", "rerank")
        if p is None:
            p = float(flags[pool].mean()) if n else 0.0
            if not 0.0 < p < 1.0:  # nobody or everybody protected: nothing to mitigate
                return RerankResult(method, best_first(values)[:k], True)
        p, alpha = check_unit("p", p, "rerank"), check_unit("alpha", alpha, "rerank")
        indices = fa_ir(values, flags, k, p=p, alpha=alpha, adjust=adjust)
        if indices.size == 0:
            return RerankResult(method, indices, True)
        table, used = fair_table(indices.size, p, alpha, adjust)
        unmet = _first_unmet(np.cumsum(flags[indices])[:, None], np.asarray(table)[:, None])
        return RerankResult(method, indices, unmet is None, unmet, alpha=used)
    if labels is None:
        if method == "none":
            return RerankResult(method, best_first(values)[:k], None)
        raise bad_parameter(
            "groups", "rerank", f"group labels aligned with the scores for {method}", None
        )
    if target is not None:
        goal = check_target(target, "rerank")
    else:
        goal = target_from_pool(labels, pool) if n else {}
    if n == 0:
        return RerankResult(method, np.zeros(0, dtype=np.int64), True, target=goal)
    if method == "none":
        indices = best_first(values)[:k]
    else:
        indices = (
            proportional(values, labels, goal, k, offset)
            if method == "proportional"
            else _DET_METHODS[method](values, labels, goal, k)
        )
    unmet = _target_check([labels[i] for i in indices], goal)
    return RerankResult(method, indices, unmet is None, unmet, target=goal)
