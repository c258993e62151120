"""Re-ranking toward a group target, per request: FA*IR and LinkedIn's Det* algorithms.

Pure numpy/python: group labels and protected flags arrive as arguments (the caller reads the
sensitive store through the audit path); nothing here does I/O.

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
``floor(k * p_g)`` candidates (checked by the property tests in ``tests/engine/test_rerank.py``):

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

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from engine.fairness.metrics import BAD_PARAMETER, Group, check_target
from graph_schema.errors import ConfigError

METHODS = (
    "none",
    "fair",
    "det_greedy",
    "det_cons",
    "det_relaxed",
    "det_const_sort",
    "proportional",
)
_INTEGER_TOLERANCE = 1e-9
_BISECTION_TOLERANCE = 1e-12  # stop when [lo, hi] is this narrow a fraction of alpha


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


# ------------------------------------------------------------------ validation
def _bad(name: str, method: str, rule: str, value: Any) -> ConfigError:
    return ConfigError(BAD_PARAMETER.format(name=name, method=method, rule=rule, value=value))


def _check_scores(scores: Any, method: str) -> np.ndarray:
    try:
        values = np.asarray(scores, dtype=float)
    except (TypeError, ValueError) as e:
        raise _bad("scores", method, "a 1-D array of finite numbers", scores) from e
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise _bad("scores", method, "a 1-D array of finite numbers", scores)
    return values


def _check_k(k: Any, method: str) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise _bad("k", method, "an int >= 1", k)
    return int(k)


def _check_unit(name: str, value: Any, method: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise _bad(name, method, "a float in (0, 1)", value)
    if not 0.0 < float(value) < 1.0:
        raise _bad(name, method, "a float in (0, 1)", value)
    return float(value)


def _check_aligned(values: Any, n: int, name: str, method: str) -> list[Any]:
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if len(items) != n:
        rule = f"aligned with the scores ({n} rows)"
        raise _bad(name, method, rule, f"{len(items)} rows")
    return items


def _check_mask(values: Any, n: int, name: str, method: str) -> np.ndarray:
    items = _check_aligned(values, n, name, method)
    if not all(isinstance(v, bool | np.bool_) or v in (0, 1) for v in items):
        raise _bad(name, method, "an array of bools (or 0/1)", values)
    return np.asarray(items, dtype=bool)


def _floor(x: float) -> int:
    return math.floor(x + _INTEGER_TOLERANCE)


def _ceil(x: float) -> int:
    return math.ceil(x - _INTEGER_TOLERANCE)


def _best_first(scores: np.ndarray) -> np.ndarray:
    return np.argsort(-scores, kind="stable")  # stable: equal scores keep index order


# ------------------------------------------------------------------------- FA*IR
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


def _table(k: int, p: float, alpha: float, adjust: bool) -> tuple[tuple[int, ...], float]:
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
    k = _check_k(k, "adjusted_alpha")
    return _adjusted(
        k, _check_unit("p", p, "adjusted_alpha"), _check_unit("alpha", alpha, "adjusted_alpha")
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
    k = _check_k(k, "fair_minimums")
    p = _check_unit("p", p, "fair_minimums")
    alpha = _check_unit("alpha", alpha, "fair_minimums")
    return np.asarray(_table(k, p, alpha, adjust)[0], dtype=np.int64)


def fail_probability(mtable: Sequence[int] | np.ndarray, p: float) -> float:
    """Probability that a ranking with independent Bernoulli(``p``) protected draws fails.

    Exact up to float rounding: a dynamic programme over prefixes carries the distribution of
    the protected count among rankings that passed so far, and adds up the mass that drops
    below ``mtable[i]`` at each position.

    Raises:
        ConfigError: ``p`` is not in (0, 1), or ``mtable`` is not a 1-D array of counts with
            ``0 <= mtable[i] <= i + 1``.
    """
    p = _check_unit("p", p, "fail_probability")
    table = np.asarray(mtable)
    if (
        table.ndim != 1
        or not np.issubdtype(table.dtype, np.integer)
        or np.any(table < 0)
        or np.any(table > np.arange(1, len(table) + 1))
    ):
        rule = "a 1-D array of ints with 0 <= mtable[i] <= i + 1"
        raise _bad("mtable", "fail_probability", rule, mtable)
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
    values = _check_scores(scores, "fa_ir")
    flags = _check_mask(protected, len(values), "protected", "fa_ir")
    size = min(_check_k(k, "fa_ir"), len(values))
    p, alpha = _check_unit("p", p, "fa_ir"), _check_unit("alpha", alpha, "fa_ir")
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    table = _table(size, p, alpha, adjust)[0]
    order = _best_first(values).tolist()
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


# ------------------------------------------------------------------ Det* (Geyik)
class _Pool:
    """Per-group queues, best first, with how many of each group are placed."""

    def __init__(self, scores: Any, groups: Any, target: Any, k: Any, method: str) -> None:
        self.scores = _check_scores(scores, method)
        labels = _check_aligned(groups, len(self.scores), "groups", method)
        self.target = check_target(target, method)
        self.size = min(_check_k(k, method), len(self.scores))
        self.rank = np.empty(len(self.scores), dtype=np.int64)  # position in best-first order
        self.queues: dict[Group, list[int]] = {}
        for position, i in enumerate(_best_first(self.scores).tolist()):
            self.rank[i] = position
            self.queues.setdefault(labels[i], []).append(i)
        self.placed = dict.fromkeys(self.queues, 0)

    def left(self, group: Group) -> bool:
        return self.placed.get(group, 0) < len(self.queues.get(group, ()))

    def head(self, group: Group) -> int:
        return self.queues[group][self.placed[group]]

    def head_rank(self, group: Group) -> int:  # lower is better; ties by index built in
        return int(self.rank[self.head(group)])

    def active(self) -> list[Group]:
        """Target groups with a positive share and candidates left, in target order."""
        return [g for g, share in self.target.items() if share > 0 and self.left(g)]

    def take(self, group: Group) -> int:
        i = self.head(group)
        self.placed[group] += 1
        return i

    def best_left(self) -> Group:
        return min((g for g in self.queues if self.left(g)), key=self.head_rank)


def _det(scores: Any, groups: Any, target: Any, k: Any, method: str) -> np.ndarray:
    pool = _Pool(scores, groups, target, k, method)
    chosen: list[int] = []
    for i in range(1, pool.size + 1):
        active = pool.active()
        need = {g: i * pool.target[g] for g in active}
        below_min = [g for g in active if pool.placed[g] < _floor(need[g])]
        below_max = [g for g in active if pool.placed[g] < _ceil(need[g])]
        if below_min:
            group = min(below_min, key=pool.head_rank)
        elif below_max:
            group = min(below_max, key=_RULES[method](pool, need))
        else:  # every group below its maximum is used up: the best candidate left
            group = pool.best_left()
        chosen.append(pool.take(group))
    return np.asarray(chosen, dtype=np.int64)


def _greedy_key(pool: _Pool, need: dict[Group, float]) -> Callable[[Group], Any]:
    return pool.head_rank


def _cons_key(pool: _Pool, need: dict[Group, float]) -> Callable[[Group], Any]:
    # the group whose next minimum comes soonest: ceil(i p) / p; ties to the better head
    return lambda g: (_ceil(need[g]) / pool.target[g], pool.head_rank(g))


def _relaxed_key(pool: _Pool, need: dict[Group, float]) -> Callable[[Group], Any]:
    # as DetCons, rounded up to a whole position; among those, the better head
    return lambda g: (_ceil(_ceil(need[g]) / pool.target[g]), pool.head_rank(g))


_RULES = {"det_greedy": _greedy_key, "det_cons": _cons_key, "det_relaxed": _relaxed_key}


def det_greedy(scores: Any, groups: Any, target: Mapping[Group, float], k: int) -> np.ndarray:
    """DetGreedy (Geyik et al. 2019, Algorithm 1).

    At place ``i``: if some group is below ``floor(i * p_g)``, the best head among those groups;
    else the best head among groups below ``ceil(i * p_g)``. With 4 or more groups it can leave
    two groups due at the same place, and one then misses its minimum.

    Returns:
        ``min(k, n)`` indices into ``scores``, best first.

    Raises:
        ConfigError: an invalid parameter, an invalid target or misaligned arrays.
    """
    return _det(scores, groups, target, k, "det_greedy")


def det_cons(scores: Any, groups: Any, target: Mapping[Group, float], k: int) -> np.ndarray:
    """DetCons (Geyik et al. 2019, Algorithm 2): as DetGreedy, but with every minimum met it
    takes the group below its maximum with the smallest ``ceil(i * p_g) / p_g`` (the group
    whose next minimum comes soonest; ties to the better head).

    Returns:
        ``min(k, n)`` indices into ``scores``, best first.

    Raises:
        ConfigError: an invalid parameter, an invalid target or misaligned arrays.
    """
    return _det(scores, groups, target, k, "det_cons")


def det_relaxed(scores: Any, groups: Any, target: Mapping[Group, float], k: int) -> np.ndarray:
    """DetRelaxed (Geyik et al. 2019, Algorithm 2): as DetCons with the key rounded up,
    ``ceil(ceil(i * p_g) / p_g)``; among the groups sharing the least key, the best head.

    Returns:
        ``min(k, n)`` indices into ``scores``, best first.

    Raises:
        ConfigError: an invalid parameter, an invalid target or misaligned arrays.
    """
    return _det(scores, groups, target, k, "det_relaxed")


def det_const_sort(scores: Any, groups: Any, target: Mapping[Group, float], k: int) -> np.ndarray:
    """DetConstSort (Geyik et al. 2019, Algorithm 3).

    For ``i = 1, 2, ...``: each group whose ``floor(i * p_g)`` went up appends its next best
    candidate (the groups in order of that candidate's score), recording ``i`` as the last place
    it may take; the new candidate then bubbles up past worse candidates whose own last place
    allows them to move one down. Stops once ``min(k, n)`` places are filled (finishing the
    round) or no target group has candidates left; then fills from the best left. Every
    candidate ends at or above its last allowed place, so every prefix meets its minimums.

    Returns:
        ``min(k, n)`` indices into ``scores``, best first.

    Raises:
        ConfigError: an invalid parameter, an invalid target or misaligned arrays.
    """
    pool = _Pool(scores, groups, target, k, "det_const_sort")
    ranked: list[int] = []
    last_place: list[int] = []  # last_place[j]: the 1-based place ranked[j] must not pass
    minimums = dict.fromkeys(pool.target, 0)
    i = 0
    while len(ranked) < pool.size and pool.active():
        i += 1
        now = {g: _floor(i * share) for g, share in pool.target.items()}
        due = sorted((g for g in pool.active() if now[g] > minimums[g]), key=pool.head_rank)
        for group in due:
            ranked.append(pool.take(group))
            last_place.append(i)
            j = len(ranked) - 1  # 0-based slot of the new candidate
            # moving ranked[j - 1] to slot j puts it at 1-based place j + 1
            while (
                j > 0
                and last_place[j - 1] >= j + 1
                and pool.rank[ranked[j]] < pool.rank[ranked[j - 1]]
            ):
                ranked[j - 1], ranked[j] = ranked[j], ranked[j - 1]
                last_place[j - 1], last_place[j] = last_place[j], last_place[j - 1]
                j -= 1
        minimums = now
    while len(ranked) < pool.size:
        ranked.append(pool.take(pool.best_left()))
    return np.asarray(ranked[: pool.size], dtype=np.int64)


def proportional(
    scores: Any, groups: Any, target: Mapping[Group, float], k: int, offset: float = 0.0
) -> np.ndarray:
    """The best ``k`` with each group's count set by systematic rounding of ``k * p_g``.

    Why: the Det* methods place a group only when ``floor(i * p_g)`` grows, so a group under
    ``1 / k`` of the pool is placed on its score alone (DetConstSort never places it), and
    across many requests its selection rate falls far below the others'. Here the counts are
    ``n_g = floor(C_g + u) - floor(C_{g-1} + u)`` with ``C_g`` the cumulative ``k * p`` over
    the groups in a fixed order and ``u = offset`` in [0, 1) (systematic sampling, Madow
    1949): every ``n_g`` is ``floor`` or ``ceil`` of ``k * p_g``, they sum to ``k``, and with
    ``u`` spread evenly over requests (the caller derives it from the request, e.g. a hash of
    the role id: deterministic) each group's expected count is exactly ``k * p_g``. Each group
    contributes its best members; places a group cannot fill (too few members) and members
    of groups outside ``target`` are filled by score. The chosen are ordered by score: there
    is no per-prefix guarantee, only the top ``k``'s composition.

    Returns:
        ``min(k, n)`` indices into ``scores``, best first.

    Raises:
        ConfigError: an invalid parameter, an invalid target, misaligned arrays, or an
            offset outside [0, 1).
    """
    values = _check_scores(scores, "proportional")
    k, n = _check_k(k, "proportional"), len(values)
    labels = _check_aligned(groups, n, "groups", "proportional")
    goal = check_target(target, "proportional")
    if not 0.0 <= offset < 1.0:
        raise _bad("offset", "proportional", "a float in [0, 1)", offset)
    size = min(k, n)
    order = _best_first(values).tolist()
    members: dict[Group, list[int]] = {}
    for i in order:  # each group's members, best first, in one pass
        members.setdefault(labels[i], []).append(i)
    chosen: list[int] = []
    cumulative = 0.0
    for group in sorted(goal, key=str):
        after = cumulative + size * goal[group]
        count = _floor(after + offset) - _floor(cumulative + offset)
        cumulative = after
        chosen += members.get(group, [])[:count]
    taken = set(chosen)
    chosen += [i for i in order if i not in taken][: size - len(chosen)]
    return np.asarray(sorted(chosen, key=lambda i: (-values[i], i)), dtype=np.int64)


# ----------------------------------------------------------------- entry point
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
        mask = _check_mask(qualified_mask, len(labels), "qualified_mask", "target_from_pool")
        labels = [g for g, q in zip(labels, mask) if q]
    if not labels:
        name = "groups" if qualified_mask is None else "qualified_mask"
        raise _bad(name, "target_from_pool", "selecting at least one candidate", "0 candidates")
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
        [[_floor(i * target[g]) for g in groups] for i in places], dtype=np.int64
    ).reshape(len(labels), len(groups))
    return _first_unmet(counts.reshape(len(labels), len(groups)), minimums)


def _default_pool(qualified: Any, n: int) -> np.ndarray:
    """Who the defaults (target, p) come from: the qualified, or everyone if nobody is."""
    if qualified is None:
        return np.ones(n, dtype=bool)
    mask = _check_mask(qualified, n, "qualified", "rerank")
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
        raise _bad("method", "rerank", f"one of {', '.join(map(repr, METHODS))}", method)
    values = _check_scores(scores, "rerank")
    k, n = _check_k(k, "rerank"), len(values)
    labels = None if groups is None else _check_aligned(groups, n, "groups", "rerank")
    pool = _default_pool(qualified, n)
    if method == "fair":
        if protected is None:
            raise _bad("protected", "rerank", "a bool array aligned with the scores", None)
        flags = _check_mask(protected, n, "protected", "rerank")
        if p is None:
            p = float(flags[pool].mean()) if n else 0.0
            if not 0.0 < p < 1.0:  # nobody or everybody protected: nothing to mitigate
                return RerankResult(method, _best_first(values)[:k], True)
        p, alpha = _check_unit("p", p, "rerank"), _check_unit("alpha", alpha, "rerank")
        indices = fa_ir(values, flags, k, p=p, alpha=alpha, adjust=adjust)
        if indices.size == 0:
            return RerankResult(method, indices, True)
        table, used = _table(indices.size, p, alpha, adjust)
        unmet = _first_unmet(np.cumsum(flags[indices])[:, None], np.asarray(table)[:, None])
        return RerankResult(method, indices, unmet is None, unmet, alpha=used)
    if labels is None:
        if method == "none":
            return RerankResult(method, _best_first(values)[:k], None)
        raise _bad("groups", "rerank", f"group labels aligned with the scores for {method}", None)
    if target is not None:
        goal = check_target(target, "rerank")
    else:
        goal = target_from_pool(labels, pool) if n else {}
    if n == 0:
        return RerankResult(method, np.zeros(0, dtype=np.int64), True, target=goal)
    if method == "none":
        indices = _best_first(values)[:k]
    else:
        indices = (
            proportional(values, labels, goal, k, offset)
            if method == "proportional"
            else _DET_METHODS[method](values, labels, goal, k)
        )
    unmet = _target_check([labels[i] for i in indices], goal)
    return RerankResult(method, indices, unmet is None, unmet, target=goal)
