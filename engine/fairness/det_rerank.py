"""LinkedIn's Det* re-rankers (Geyik et al., KDD 2019) and ours, ``proportional``: any
number of groups and a target distribution.

- :func:`det_greedy`, :func:`det_cons`, :func:`det_relaxed` (their Algorithms 1-2) and
  :func:`det_const_sort` (their Algorithm 3): group ``g`` needs at least ``floor(i * p_g)``
  and at most ``ceil(i * p_g)`` of the first ``i`` places.
- :func:`proportional`: the top ``k`` holds ``floor`` or ``ceil`` of ``k * p_g`` of each
  group by systematic rounding with a per-request offset (see its docstring).

What each guarantees is in ``engine.fairness.rerank``'s docstring; the entry point by name is
``engine.fairness.rerank.rerank``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from engine.fairness.metrics import Group, check_target
from engine.fairness.rerank_checks import (
    bad_parameter,
    best_first,
    ceil_share,
    check_aligned,
    check_k,
    check_scores,
    floor_share,
)


class _Pool:
    """Per-group queues, best first, with how many of each group are placed."""

    def __init__(self, scores: Any, groups: Any, target: Any, k: Any, method: str) -> None:
        self.scores = check_scores(scores, method)
        labels = check_aligned(groups, len(self.scores), "groups", method)
        self.target = check_target(target, method)
        self.size = min(check_k(k, method), len(self.scores))
        self.rank = np.empty(len(self.scores), dtype=np.int64)  # position in best-first order
        self.queues: dict[Group, list[int]] = {}
        for position, i in enumerate(best_first(self.scores).tolist()):
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
        below_min = [g for g in active if pool.placed[g] < floor_share(need[g])]
        below_max = [g for g in active if pool.placed[g] < ceil_share(need[g])]
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
    return lambda g: (ceil_share(need[g]) / pool.target[g], pool.head_rank(g))


def _relaxed_key(pool: _Pool, need: dict[Group, float]) -> Callable[[Group], Any]:
    # as DetCons, rounded up to a whole position; among those, the better head
    return lambda g: (ceil_share(ceil_share(need[g]) / pool.target[g]), pool.head_rank(g))


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
        now = {g: floor_share(i * share) for g, share in pool.target.items()}
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
    values = check_scores(scores, "proportional")
    k, n = check_k(k, "proportional"), len(values)
    labels = check_aligned(groups, n, "groups", "proportional")
    goal = check_target(target, "proportional")
    if not 0.0 <= offset < 1.0:
        raise bad_parameter("offset", "proportional", "a float in [0, 1)", offset)
    size = min(k, n)
    order = best_first(values).tolist()
    members: dict[Group, list[int]] = {}
    for i in order:  # each group's members, best first, in one pass
        members.setdefault(labels[i], []).append(i)
    chosen: list[int] = []
    cumulative = 0.0
    for group in sorted(goal, key=str):
        after = cumulative + size * goal[group]
        count = floor_share(after + offset) - floor_share(cumulative + offset)
        cumulative = after
        chosen += members.get(group, [])[:count]
    taken = set(chosen)
    chosen += [i for i in order if i not in taken][: size - len(chosen)]
    return np.asarray(sorted(chosen, key=lambda i: (-values[i], i)), dtype=np.int64)
