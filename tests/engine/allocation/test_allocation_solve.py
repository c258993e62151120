"""Seeded NSGA-II allocation: every allocation of the front keeps every hard constraint on
random small instances (hypothesis); the front holds the exact merit optimum (it is a seed);
quotas are met when they can be; the same seed gives the same front."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.allocation.problem import AllocationInstance, diversity
from engine.allocation.solve import solve
from graph_schema.errors import ConfigError
from tests.engine.allocation.allocation_instances import arcs


@st.composite
def instances(draw):
    n_c, cap, pairs, scores = draw(arcs(12, 4, 3))
    gender = draw(st.lists(st.integers(-1, 1), min_size=n_c, max_size=n_c))
    return n_c, cap, pairs, scores, gender


@settings(max_examples=40, deadline=None)
@given(instances())
def test_every_member_of_the_front_keeps_every_hard_constraint(instance) -> None:
    n_c, cap, pairs, scores, gender = instance
    inst = AllocationInstance.build(
        n_c,
        cap,
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        scores,
        groups={"gender": gender},
    )
    result = solve(inst, pop_size=8, generations=5, seed=0)
    allowed = set(pairs)
    for member in [*result.front, result.chosen]:
        assert set(member.assignment.items()) <= allowed  # only allowed pairs, one role each
        for role, places in enumerate(cap):
            assert sum(1 for r in member.assignment.values() if r == role) <= places
        assert member.capacity_excess == 0
    # the flow's costs are round(score * 1e6): its optimum is exact to 1e-6 per placement
    best = max(m.merit for m in result.front)
    assert best == pytest.approx(result.exact_merit, abs=1e-6 * n_c)


def _instance(seed: int = 0, quotas=None) -> AllocationInstance:
    rng = np.random.default_rng(seed)
    n_c, n_r, top = 120, 20, 6
    c = np.repeat(np.arange(n_c), top)
    r = np.concatenate([rng.choice(n_r, top, replace=False) for _ in range(n_c)])
    women = (rng.random(n_c) < 0.3).astype(int)
    s = rng.random(c.size) - 0.3 * women[c]  # the scores favour men: a quota has work to do
    return AllocationInstance.build(
        n_c,
        rng.integers(1, 4, n_r),
        c,
        r,
        np.clip(s, 0, 1),
        rng.random(c.size),
        groups={"gender": women},
        quotas=quotas or {},
    )


def test_a_reachable_quota_is_met_and_the_search_is_reproducible() -> None:
    inst = _instance(quotas={("gender", 1): 0.4})
    first = solve(inst, pop_size=30, generations=40, seed=1)
    again = solve(inst, pop_size=30, generations=40, seed=1)
    assert first.chosen.assignment == again.chosen.assignment
    assert first.chosen.quota_shortfall == 0
    placed = np.array(list(first.chosen.assignment))
    assert (inst.groups["gender"][placed] == 1).mean() >= 0.4
    assert first.chosen.merit <= first.exact_merit + 1e-9


def test_weights_move_the_choice_along_the_front() -> None:
    inst = _instance()
    merit = solve(inst, weights=(1, 0, 0), pop_size=30, generations=30, seed=0).chosen
    mixed = solve(inst, weights=(1, 3, 0), pop_size=30, generations=30, seed=0).chosen
    assert merit.merit >= mixed.merit and mixed.diversity >= merit.diversity
    assert diversity(inst, np.array(list(mixed.assignment))) == pytest.approx(mixed.diversity)


def test_bad_parameters_are_refused() -> None:
    inst = _instance()
    with pytest.raises(ConfigError, match="weights"):
        solve(inst, weights=(0, 0, 0))
    with pytest.raises(ConfigError, match="pop_size"):
        solve(inst, pop_size=2)
    with pytest.raises(ConfigError, match="quota"):
        AllocationInstance.build(
            2, [1], [0], [0], [0.5], groups={"g": [0, 1]}, quotas={("h", 0): 0.5}
        )
