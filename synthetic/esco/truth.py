"""The first world's evaluation queries, in both directions, with their pools (``synthetic.pools``).

Role queries (10 % of roles, at least 5): a pool of up to 100 candidates per role made of the
30 with the highest true fit, 40 *hard negatives* (same occupation, else same domain, not in
the top 30) and random candidates. Candidate queries (1 % of candidates, at least 5): a pool
of up to 100 roles built the same way. Every pooled pair gets its exact true fit and a grade:

    relevance = 3 if f >= 0.65, 2 if f >= 0.50, 1 if f >= 0.35, else 0

No pooled pair is ever written to the interaction history (``forbidden_keys``).

Example:
    >>> truth = draw_truth(fit, people, roles, rng=np.random.default_rng(0))  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from synthetic.esco.fit import TrueFit
from synthetic.esco.people import Candidates
from synthetic.pools import HARD, TOP, Truth, draw_queries, fill_pools, grade, pooled_truth
from synthetic.roles import Roles

RELEVANCE_CUTS: tuple[float, ...] = (0.35, 0.50, 0.65)  # grade = how many cuts f reaches
ROLE_QUERY_SHARE = 0.10
CANDIDATE_QUERY_SHARE = 0.01
_BLOCK = 256


def relevance(fit: np.ndarray) -> np.ndarray:
    """Graded relevance 0..3 of true-fit values."""
    return grade(fit, RELEVANCE_CUTS)


def _top(
    rows: np.ndarray, cols: np.ndarray, score: np.ndarray, k: int, n_cols: int
) -> list[list[int]]:
    """Per col, the rows of its k best scores (ties go to the lower row)."""
    order = np.lexsort((rows, -score, cols))
    sorted_cols = cols[order]
    bounds = np.searchsorted(sorted_cols, np.arange(n_cols + 1))
    return [
        rows[order[bounds[j] : min(bounds[j + 1], bounds[j] + k)]].tolist() for j in range(n_cols)
    ]


def _groups(keys: np.ndarray, n_groups: int) -> list[np.ndarray]:
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(n_groups + 1))
    return [order[bounds[g] : bounds[g + 1]] for g in range(n_groups)]


def draw_truth(fit: TrueFit, people: Candidates, roles: Roles, rng: np.random.Generator) -> Truth:
    """Draw the evaluation queries and their pools.

    Args:
        fit: the true-fit oracle.
        people: candidates.
        roles: roles.
        rng: the generator's random stream for this step.

    Returns:
        Role-query rows first (by role), then candidate-query rows (by candidate).
    """
    n_occ = len(fit.cat.occupations)
    n_dom = int(max(fit.cat.occupation_domain.max(), roles.domain.max())) + 1
    by_occ = _groups(people.primary, n_occ)
    by_dom = _groups(fit.cat.occupation_domain[people.primary], n_dom)
    role_queries = draw_queries(roles.n, ROLE_QUERY_SHARE, rng)
    tops: list[list[int]] = []
    peers: list[np.ndarray] = []
    for lo in range(0, len(role_queries), _BLOCK):
        block = role_queries[lo : lo + _BLOCK]
        m = fit.skill_matrix(roles=block)
        f = fit.combine(m.row, block[m.col], m.data)
        tops += _top(m.row, m.col, f, TOP, len(block))
        for r in block:
            same = by_occ[roles.occupation[r]]
            peers.append(
                same if len(same) >= HARD else np.concatenate([same, by_dom[roles.domain[r]]])
            )
    role_pools = fill_pools(tops, peers, people.n, rng)

    roles_by_occ = _groups(roles.occupation, n_occ)
    roles_by_dom = _groups(roles.domain, n_dom)
    cand_queries = draw_queries(people.n, CANDIDATE_QUERY_SHARE, rng)
    tops, peers = [], []
    for lo in range(0, len(cand_queries), _BLOCK):
        block = cand_queries[lo : lo + _BLOCK]
        m = fit.skill_matrix(candidates=block)
        f = fit.combine(block[m.row], m.col, m.data)
        tops += _top(m.col, m.row, f, TOP, len(block))  # per candidate (row): best roles
        for c in block:
            same = roles_by_occ[people.primary[c]]
            if people.secondary[c] >= 0:
                same = np.concatenate([same, roles_by_occ[people.secondary[c]]])
            dom = roles_by_dom[fit.cat.occupation_domain[people.primary[c]]]
            peers.append(same if len(same) >= HARD else np.concatenate([same, dom]))
    cand_pools = fill_pools(tops, peers, roles.n, rng)

    return pooled_truth(
        role_queries, role_pools, cand_queries, cand_pools, fit.pairs, RELEVANCE_CUTS
    )
