"""Ground truth of the careers world: held-out applicants and role queries, with pools.

- Candidate queries are *held-out* people: ``HELD_OUT_SHARE`` of candidates (at least
  ``MIN_QUERIES``) who get no interaction at all (new applicants, cold start). Each pool: up to
  100 roles, the 30 with the highest true fit, 40 hard negatives from the same track (wrong
  level or place), the rest random.
- Role queries: ``ROLE_QUERY_SHARE`` of roles (at least ``MIN_QUERIES``), each with up to 100
  candidates drawn from everyone: the 30 best, 40 hard negatives (half career changers *out
  of* the role's track, whose carried skills look right; the rest same or adjacent track),
  the rest random.

relevance = 3 if f >= 0.70, 2 if f >= 0.55, 1 if f >= 0.40, else 0. Rows are the shared
:class:`~synthetic.pools.Truth`, so the files have the same format; it names the held-out
candidates, whose events the history drops.

Example:
    >>> truth = draw_career_truth(fit, held_out_candidates(n, rng), rng)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from synthetic.careers.fit import CareerFit
from synthetic.pools import HARD, TOP, Truth, draw_queries, fill_pools, grade, pooled_truth

RELEVANCE_CUTS: tuple[float, ...] = (0.40, 0.55, 0.70)
HELD_OUT_SHARE = 0.05
ROLE_QUERY_SHARE = 0.10
_BLOCK = 64


def relevance(fit: np.ndarray) -> np.ndarray:
    """Graded relevance 0..3 of true-fit values (cuts ``RELEVANCE_CUTS``)."""
    return grade(fit, RELEVANCE_CUTS)


def held_out_candidates(n: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of the held-out candidates (no history, the candidate queries)."""
    return draw_queries(n, HELD_OUT_SHARE, rng)


def _best(fit: CareerFit, query: int, n_items: int, by_role: bool) -> list[int]:
    items = np.arange(n_items)
    q = np.full(n_items, query, np.int64)
    f = fit.pairs(items, q) if by_role else fit.pairs(q, items)
    return np.lexsort((items, -f))[:TOP].tolist()


def draw_career_truth(fit: CareerFit, held_out: np.ndarray, rng: np.random.Generator) -> Truth:
    """Role-query rows first (by role), then held-out candidate-query rows (by candidate)."""
    p, roles, lat = fit.people, fit.roles, fit.latent
    n_roles = roles.n
    role_queries = draw_queries(n_roles, ROLE_QUERY_SHARE, rng)
    tops, peers = [], []
    for r in role_queries.tolist():
        tops.append(_best(fit, r, p.n, by_role=True))
        t = lat.track[r]
        changers = np.flatnonzero((p.previous == t) & (p.track != t))
        near = np.flatnonzero((p.track == t) | fit.tracks.adjacent[p.track, t])
        changers = changers[rng.permutation(len(changers))[: HARD // 2]]
        near = near[rng.permutation(len(near))[: HARD + TOP]]
        peers.append(np.concatenate([changers, near]))
    role_pools = fill_pools(tops, peers, p.n, rng)

    cand_tops, cand_peers = [], []
    by_track = [np.flatnonzero(lat.track == t) for t in range(fit.tracks.n)]
    for c in held_out.tolist():
        cand_tops.append(_best(fit, c, n_roles, by_role=False))
        cand_peers.append(by_track[p.track[c]])
    cand_pools = fill_pools(cand_tops, cand_peers, n_roles, rng)

    return pooled_truth(
        role_queries, role_pools, held_out, cand_pools, fit.pairs, RELEVANCE_CUTS, held_out
    )
