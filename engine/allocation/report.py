"""``allocate``: the engine's allocation, from instance to the ``Allocation`` result.

Builds the instance from the engine (``engine.allocation.build``), runs the seeded NSGA-II
(``engine.allocation.solve``) with the engine's seed, and reports the chosen allocation with
each placement's score, preference and short reasons, the whole front, and the exact merit
optimum it is measured against.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.allocation.build import instance_from_engine
from engine.allocation.policy import AllocationPolicy, make_policy, normalise_weights
from engine.allocation.solve import solve
from engine.results import Allocation, Assignment, FrontPoint


def allocate(
    eng: Any,
    role_ids: Sequence[str],
    candidate_ids: Sequence[str],
    weights: Sequence[float] | Mapping[str, float] = (1.0, 1.0, 1.0),
    policy: AllocationPolicy | Mapping[str, Any] | None = None,
    *,
    capacity: int | Mapping[str, int] | None = None,
    quotas: Mapping[tuple[str, str], float] | None = None,
    generations: int = 100,
    pop_size: int = 60,
) -> Allocation:
    """See ``MatchingEngine.allocate``."""
    weights = normalise_weights(weights)
    policy = make_policy(policy, capacity=capacity, quotas=quotas)
    inst, ids = instance_from_engine(eng, role_ids, candidate_ids, policy)
    result = solve(
        inst, weights=weights, pop_size=pop_size, generations=generations, seed=eng.settings.seed
    )
    rec = eng.recommender()
    graph_ids = rec.runtime.exported.ids
    score = {
        (int(c), int(r)): (float(s), float(p))
        for c, r, s, p in zip(
            inst.arc_candidate, inst.arc_role, inst.arc_score, inst.arc_preference, strict=True
        )
    }
    placed = sorted(result.chosen.assignment.items(), key=lambda cr: (-score[cr][0], cr[0]))
    c_idx = np.array(
        [graph_ids["Candidate"].index_of(ids.candidates[c]) for c, _ in placed], dtype=np.int64
    )
    r_idx = np.array([graph_ids["Role"].index_of(ids.roles[r]) for _, r in placed], dtype=np.int64)
    X = rec.runtime.features(c_idx, r_idx) if placed else None
    assignments = tuple(
        Assignment(
            candidate_id=ids.candidates[c],
            role_id=ids.roles[r],
            score=score[c, r][0],
            preference=score[c, r][1],
            reasons=tuple(rec.reasons(int(c_idx[i]), int(r_idx[i]), X[i])),
        )
        for i, (c, r) in enumerate(placed)
    )
    front = tuple(
        FrontPoint(
            merit=m.merit,
            diversity=m.diversity,
            preference=m.preference,
            placed=len(m.assignment),
            quota_shortfall=m.quota_shortfall,
        )
        for m in result.front
    )
    chosen = next(i for i, m in enumerate(result.front) if m is result.chosen)
    unplaced = tuple(c for i, c in enumerate(ids.candidates) if i not in result.chosen.assignment)
    return Allocation(
        assignments=assignments,
        unplaced=unplaced,
        front=front,
        chosen=chosen,
        exact_merit=result.exact_merit,
        weights=result.weights,
        relaxed=tuple(result.relaxed),
    )
