"""The exact merit allocation: brute force on tiny random instances (hypothesis), scipy's
sparse bipartite matching on the slot-expanded problem for a medium one, and the rules."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from engine.allocation.exact import SCALE, exact_allocation
from graph_schema.errors import ConfigError
from tests.engine.allocation.allocation_instances import arcs


def _brute_force(n_c: int, cap: list[int], arcs: dict[tuple[int, int], float]) -> float:
    best = 0.0
    options = [[None] + [r for (ci, r) in arcs if ci == c] for c in range(n_c)]
    for choice in itertools.product(*options):
        used = [sum(1 for x in choice if x == r) for r in range(len(cap))]
        if all(u <= k for u, k in zip(used, cap, strict=True)):
            total = sum(arcs[c, r] for c, r in enumerate(choice) if r is not None)
            best = max(best, total)
    return best


@st.composite
def instances(draw):
    n_c, cap, pairs, scores = draw(arcs(5, 3, 2, decimals=3))
    return n_c, cap, dict(zip(pairs, scores, strict=True))


@settings(max_examples=150, deadline=None)
@given(instances())
def test_agrees_with_brute_force_and_respects_every_constraint(instance) -> None:
    n_c, cap, arcs = instance
    c = [p[0] for p in arcs]
    r = [p[1] for p in arcs]
    out = exact_allocation(c, r, list(arcs.values()), cap, n_candidates=n_c)
    assert out.total == pytest.approx(_brute_force(n_c, cap, arcs), abs=n_c / SCALE)
    for cand, role in out.assignment.items():  # only given pairs, one role per candidate
        assert (cand, role) in arcs
    for role, places in enumerate(cap):
        assert sum(1 for x in out.assignment.values() if x == role) <= places
    assert out.total == pytest.approx(sum(arcs[c, r] for c, r in out.assignment.items()))


def test_matches_scipy_on_the_slot_expanded_problem() -> None:
    rng = np.random.default_rng(0)
    n_c, n_r, top = 120, 15, 6
    cap = rng.integers(1, 5, n_r)
    c = np.repeat(np.arange(n_c), top)
    r = np.concatenate([rng.choice(n_r, top, replace=False) for _ in range(n_c)])
    s = np.round(rng.random(c.size), 6)
    out = exact_allocation(c, r, s, cap)
    # slots: role r's capacity copies, plus one "unplaced" slot per candidate (score 0)
    slots = np.repeat(np.arange(n_r), cap)
    weight = np.zeros((n_c, slots.size + n_c))
    for ci, ri, si in zip(c, r, s, strict=True):
        weight[ci, : slots.size][slots == ri] = si
    rows, cols = linear_sum_assignment(weight, maximize=True)
    assert out.total == pytest.approx(weight[rows, cols].sum(), abs=1e-6)


def test_duplicates_keep_the_best_and_bad_inputs_are_refused() -> None:
    out = exact_allocation([0, 0], [0, 0], [0.2, 0.7], [1])
    assert out.assignment == {0: 0} and out.total == pytest.approx(0.7) and out.arcs == 1
    assert exact_allocation([], [], [], [1, 2], n_candidates=0).assignment == {}
    assert exact_allocation([0], [0], [0.5], [0]).assignment == {}  # no place: unplaced
    with pytest.raises(ConfigError, match="align"):
        exact_allocation([0], [0, 1], [0.5], [1, 1])
    with pytest.raises(ConfigError, match="out of range"):
        exact_allocation([0], [3], [0.5], [1])
    with pytest.raises(ConfigError, match="capacity"):
        exact_allocation([0], [0], [0.5], [-1])
    with pytest.raises(ConfigError, match="finite"):
        exact_allocation([0], [0], [float("nan")], [1])
