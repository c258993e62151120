"""The ground truth of every synthetic world: queries, their pools, graded rows.

A world draws its queries (:func:`draw_queries`), ranks each query's best items by its true
fit and names the hard negatives; :func:`fill_pools` makes each pool of up to ``POOL`` items
(the top ones, then up to ``HARD`` hard negatives, then random items), and
:func:`pooled_truth` turns the pools into :class:`Truth` rows, each with its exact true fit
and a grade (how many of the world's relevance cuts it reaches). No pooled pair is ever
written to the interaction history (``forbidden_keys``), nor any event of a held-out
candidate.

Example:
    >>> import numpy as np
    >>> grade(np.array([0.1, 0.5, 0.9]), (0.35, 0.50, 0.65)).tolist()
    [0, 2, 3]
    >>> draw_queries(40, 0.10, np.random.default_rng(0)).size
    5
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

POOL = 100
TOP = 30
HARD = 40
MIN_QUERIES = 5


@dataclass(frozen=True)
class Truth:
    """One row per pooled pair; ``direction`` 0 = role query, 1 = candidate query.

    ``held_out``: candidates with no history at all (a world's cold-start candidate queries);
    empty when the world has none.
    """

    direction: np.ndarray
    candidate: np.ndarray
    role: np.ndarray
    fit: np.ndarray
    relevance: np.ndarray
    held_out: np.ndarray

    def forbidden_keys(self, n_roles: int) -> np.ndarray:
        """Sorted ``candidate * n_roles + role`` of every pooled pair."""
        return np.unique(self.candidate * n_roles + self.role)


def grade(fit: np.ndarray, cuts: Sequence[float]) -> np.ndarray:
    """Graded relevance 0..len(cuts) of true-fit values: how many ``cuts`` each reaches."""
    return np.searchsorted(np.array(cuts), fit, side="right").astype(np.int64)


def draw_queries(n: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``share`` of ``n`` items, at least ``MIN_QUERIES`` (at most all)."""
    return np.sort(rng.choice(n, min(n, max(MIN_QUERIES, round(share * n))), replace=False))


def fill_pools(
    query_top: list[list[int]], peers: list[np.ndarray], n_items: int, rng: np.random.Generator
) -> list[list[int]]:
    """Each pool: its top items, then hard negatives from ``peers``, then random items."""
    pools = []
    size = min(POOL, n_items)
    for top, peer in zip(query_top, peers):
        chosen = list(dict.fromkeys(top))
        taken = set(chosen)
        sample = peer[rng.permutation(len(peer))[: HARD + len(chosen)]] if len(peer) else peer
        hard = [i for i in dict.fromkeys(sample.tolist()) if i not in taken][:HARD]
        chosen += hard
        taken.update(hard)
        while len(chosen) < size:
            extra = rng.integers(0, n_items, 2 * (size - len(chosen)) + 8).tolist()
            extra = [i for i in dict.fromkeys(extra) if i not in taken][: size - len(chosen)]
            chosen += extra
            taken.update(extra)
        pools.append(chosen)
    return pools


def pooled_truth(
    role_queries: np.ndarray,
    role_pools: list[list[int]],
    candidate_queries: np.ndarray,
    candidate_pools: list[list[int]],
    pairs: Callable[[np.ndarray, np.ndarray], np.ndarray],
    cuts: Sequence[float],
    held_out: np.ndarray | None = None,
) -> Truth:
    """The rows of all pools: role-query rows first (by role), then candidate-query rows.

    Args:
        role_queries: the role of each pool in ``role_pools`` (pools of candidates).
        role_pools: candidates pooled per role query.
        candidate_queries: the candidate of each pool in ``candidate_pools`` (pools of roles).
        candidate_pools: roles pooled per candidate query.
        pairs: the world's true fit of each (candidate[i], role[i]).
        cuts: the world's relevance cuts (see :func:`grade`).
        held_out: candidates kept out of the history, if any.
    """
    direction = np.concatenate(
        [
            np.zeros(sum(map(len, role_pools)), np.int64),
            np.ones(sum(map(len, candidate_pools)), np.int64),
        ]
    )
    candidate = np.concatenate(
        [np.array(p, dtype=np.int64) for p in role_pools]
        + [np.full(len(p), c, dtype=np.int64) for c, p in zip(candidate_queries, candidate_pools)]
    )
    role = np.concatenate(
        [np.full(len(p), r, dtype=np.int64) for r, p in zip(role_queries, role_pools)]
        + [np.array(p, dtype=np.int64) for p in candidate_pools]
    )
    value = pairs(candidate, role)
    held_out = np.zeros(0, np.int64) if held_out is None else held_out
    return Truth(direction, candidate, role, value, grade(value, cuts), held_out)
