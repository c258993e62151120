"""Seeded NSGA-II over the allocation problem: the Pareto front and one chosen allocation.

The operators keep every individual a valid assignment: the variables are bounded per
candidate (0 = unplaced, else one of their arcs), uniform crossover and a per-candidate
reset mutation stay within the bounds, and :class:`CapacityRepair` unplaces the lowest-scored
candidates of any role over capacity (compiled: ``engine.allocation.repair``). Duplicates are
individuals with equal variables (:class:`ExactDuplicates`). Quotas are constraints (pymoo
prefers feasible individuals, then the smaller violation).

The first population is seeded (measured in the issue: random starts reached 59-66 % of the
merit optimum on 2,000 x 300, seeded starts 99-100 %): the exact merit optimum
(``engine.allocation.exact``), greedy allocations (candidates in order of their best score,
each to their best role with a free place; and the same on score + preference), then random
valid individuals. The exact optimum is also the reference the report measures the front
against. Budgets are generations, never seconds: the same seed gives the same front.

The chosen allocation maximises ``weights`` applied to the front's objectives min-max
normalised over the front (merit, diversity, preference). When a quota is violated by every
member of the front, the diversity weight is doubled and the search runs again (GESA VII-D),
up to ``max_relaxations`` times; the result says what was raised.

Example:
    >>> result = solve(instance, generations=100, seed=0)    # doctest: +SKIP
    >>> result.chosen.merit / result.exact_merit             # doctest: +SKIP
    0.998
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.callback import Callback
from pymoo.core.crossover import Crossover
from pymoo.core.duplicate import DuplicateElimination
from pymoo.core.mutation import Mutation
from pymoo.core.repair import Repair
from pymoo.optimize import minimize

from engine.allocation.exact import exact_allocation
from engine.allocation.policy import check_budget, normalise_weights
from engine.allocation.problem import (
    AllocationInstance,
    AllocationProblem,
    diversity,
    violations,
)
from engine.allocation.quota_flow import quota_seed
from engine.allocation.repair import arc_rank, repair_rows


class CapacityRepair(Repair):
    """Unplace the lowest-scored candidates of every role over its capacity
    (``engine.allocation.repair``; the arcs' order is computed once per instance)."""

    def __init__(self, inst: AllocationInstance) -> None:
        super().__init__()
        self.ranks = arc_rank(inst)

    def _do(self, problem: AllocationProblem, X: np.ndarray, **kwargs: object) -> np.ndarray:
        return repair_rows(problem.instance, X, self.ranks)


class ExactDuplicates(DuplicateElimination):
    """Individuals with equal variables are duplicates (pymoo's default finds the same ones
    with a float distance matrix over every pair, 16 ms a call at 20,000 candidates)."""

    def _do(self, pop: Any, other: Any, is_duplicate: np.ndarray) -> np.ndarray:
        rows = [np.rint(x).astype(np.int64).tobytes() for x in pop.get("X")]
        if other is None:  # a later copy of an earlier individual
            seen: set[bytes] = set()
            for i, row in enumerate(rows):
                is_duplicate[i] = row in seen
                seen.add(row)
        else:
            known = {np.rint(x).astype(np.int64).tobytes() for x in other.get("X")}
            is_duplicate |= np.array([row in known for row in rows], dtype=bool)
        return is_duplicate


class UniformCrossover(Crossover):
    """Each candidate's variable from either parent (two parents, two children)."""

    def __init__(self, prob: float = 0.9) -> None:
        super().__init__(2, 2, prob=prob)

    def _do(
        self,
        problem: AllocationProblem,
        X: np.ndarray,
        *args: object,
        random_state=None,
        **kwargs: object,
    ) -> np.ndarray:
        mask = random_state.random(X.shape[1:]) < 0.5
        out = np.copy(X)
        out[0][mask], out[1][mask] = X[1][mask], X[0][mask]
        return out


class ResetMutation(Mutation):
    """Each candidate, with probability ``rate`` (default 1 / candidates), gets a uniformly
    drawn value in its bounds (unplaced or one of their roles)."""

    def __init__(self, rate: float | None = None) -> None:
        super().__init__()
        self.rate = rate

    def _do(
        self, problem: AllocationProblem, X: np.ndarray, random_state=None, **kwargs: object
    ) -> np.ndarray:
        rate = self.rate if self.rate is not None else 1.0 / max(1, problem.n_var)
        X = np.rint(X).astype(np.int64)
        row, col = np.nonzero(random_state.random(X.shape) < rate)
        upper = problem.xu.astype(np.int64)[col]
        X[row, col] = np.minimum(np.floor(random_state.random(row.size) * (upper + 1)), upper)
        return X


def _greedy(inst: AllocationInstance, value: np.ndarray) -> np.ndarray:
    """Candidates by their best arc value, each to their best arc with a free place."""
    start, degree = inst.offsets
    free = inst.capacity.copy()
    x = np.zeros(inst.n_candidates, dtype=np.int64)
    best = np.full(inst.n_candidates, -np.inf)
    np.maximum.at(best, inst.arc_candidate, value)
    for c in np.argsort(-best, kind="stable"):
        arcs = np.arange(start[c], start[c] + degree[c])
        for a in arcs[np.argsort(-value[arcs], kind="stable")]:
            if free[inst.arc_role[a]] > 0:
                free[inst.arc_role[a]] -= 1
                x[c] = a - start[c] + 1
                break
    return x


def seeds(
    inst: AllocationInstance, size: int, rng: np.random.Generator, seeded: bool = True
) -> tuple[np.ndarray, float]:
    """The first population and the exact merit optimum.

    Seeded: the exact optimum, the quota-meeting flow (``engine.allocation.quota_flow``,
    when there are quotas), greedy ones, then random valid ones; ``seeded=False``: random
    valid ones only (the comparison the issue measured). The exact optimum is computed in
    both cases: it is the reference of the report.
    """
    _, degree = inst.offsets
    exact = exact_allocation(
        inst.arc_candidate, inst.arc_role, inst.arc_score, inst.capacity, inst.n_candidates
    )
    x_exact = inst.variables(exact.assignment)
    rows = []
    if seeded:
        rows.append(x_exact)
        if inst.quotas:
            rows.append(quota_seed(inst))
        rows += [
            _greedy(inst, inst.arc_score),
            _greedy(inst, inst.arc_score + inst.arc_preference),
        ]
    n_random = max(0, size - len(rows))
    random = np.floor(rng.random((n_random, inst.n_candidates)) * (degree + 1)).astype(np.int64)
    first = np.concatenate(
        [np.array(rows, dtype=np.int64).reshape(-1, inst.n_candidates), repair_rows(inst, random)]
    )
    return first[:size], exact.total


@dataclass(frozen=True)
class Member:
    """One allocation of the front."""

    x: np.ndarray
    assignment: dict[int, int]
    merit: float
    diversity: float
    preference: float
    capacity_excess: float
    quota_shortfall: float


@dataclass(frozen=True)
class SolveResult:
    """The front, the chosen member, the exact merit optimum and what was relaxed."""

    front: list[Member]
    chosen: Member
    exact_merit: float
    weights: tuple[float, float, float]
    relaxed: list[str] = field(default_factory=list)


def _member(inst: AllocationInstance, x: np.ndarray) -> Member:
    arcs = inst.arcs_of(x[None, :])[0]
    chosen = arcs[arcs >= 0]
    excess, shortfall = violations(inst, arcs)
    assignment = dict(
        zip(inst.arc_candidate[chosen].tolist(), inst.arc_role[chosen].tolist(), strict=True)
    )
    return Member(
        x=np.asarray(x, dtype=np.int64),
        assignment=assignment,
        merit=float(inst.arc_score[chosen].sum()),
        diversity=diversity(inst, inst.arc_candidate[chosen]),
        preference=float(inst.arc_preference[chosen].sum()),
        capacity_excess=excess,
        quota_shortfall=shortfall,
    )


def _choose(front: list[Member], weights: tuple[float, float, float]) -> Member:
    values = np.array([[m.merit, m.diversity, m.preference] for m in front])
    low, high = values.min(0), values.max(0)
    scaled = (values - low) / np.where(high > low, high - low, 1.0)
    feasible = np.array([m.quota_shortfall == 0 and m.capacity_excess == 0 for m in front])
    score = scaled @ np.asarray(weights) - 1e9 * ~feasible
    return front[int(np.argmax(score))]


class _Progress(Callback):
    """Best merit so far (as a share of the optimum) every tenth of the generations."""

    def __init__(self, say: Callable[[str], None], generations: int, exact: float) -> None:
        super().__init__()
        self.say, self.every, self.exact = say, max(1, generations // 10), exact

    def notify(self, algorithm: Any) -> None:
        if algorithm.n_gen % self.every == 0:
            best = -float(algorithm.pop.get("F")[:, 0].min())
            share = best / self.exact if self.exact else 1.0
            self.say(f"  generation {algorithm.n_gen}: best merit {best:.2f} ({share:.2%})")


def solve(
    inst: AllocationInstance,
    *,
    weights: Sequence[float] | Mapping[str, float] = (1.0, 1.0, 1.0),
    pop_size: int = 60,
    generations: int = 100,
    seed: int = 0,
    max_relaxations: int = 3,
    seeded: bool = True,
    say: Callable[[str], None] | None = None,
) -> SolveResult:
    """Run the seeded NSGA-II (see the module docstring).

    Args:
        inst: the instance.
        weights: stakeholder weights of merit, diversity and preference (>= 0), as a
            3-sequence or a dict (``engine.allocation.policy.normalise_weights``).
        pop_size: population size (>= 4).
        generations: the budget.
        seed: seeds sampling and the algorithm.
        max_relaxations: how often the diversity weight may be doubled when every member
            violates a quota.
        seeded: start from the seeds (default) or from random valid individuals only.
        say: progress lines (every tenth of the generations), e.g. ``print``.

    Raises:
        ConfigError: bad weights, population size or budget.
    """
    weights = normalise_weights(weights)
    check_budget(generations, pop_size, method="solve")
    problem = AllocationProblem(inst)
    rng = np.random.default_rng(seed)
    first, exact_merit = seeds(inst, pop_size, rng, seeded)
    repair = CapacityRepair(inst)
    relaxed: list[str] = []
    for attempt in range(max_relaxations + 1):
        algorithm = NSGA2(
            pop_size=pop_size,
            sampling=first,
            crossover=UniformCrossover(),
            mutation=ResetMutation(),
            repair=repair,
            eliminate_duplicates=ExactDuplicates(),
        )
        found = minimize(
            problem,
            algorithm,
            ("n_gen", generations),
            seed=seed + attempt,
            verbose=False,
            **({"callback": _Progress(say, generations, exact_merit)} if say else {}),
        )
        population = found.pop
        ranked = population.get("X") if found.X is None else np.atleast_2d(found.X)
        front = [_member(inst, np.rint(x).astype(np.int64)) for x in ranked]
        if (
            any(m.quota_shortfall == 0 for m in front)
            or not inst.quotas
            or attempt == max_relaxations
        ):
            break
        weights = (weights[0], weights[1] * 2 if weights[1] else 1.0, weights[2])
        relaxed.append(f"every member missed a quota: diversity weight raised to {weights[1]:g}")
        first = np.stack([m.x for m in front] + list(first))[:pop_size]
    return SolveResult(front, _choose(front, weights), exact_merit, weights, relaxed)
