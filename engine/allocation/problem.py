"""The allocation problem as a pymoo ``Problem``: objectives and constraints only.

Variables: one integer per candidate, ``x_c`` in ``[0, deg_c]``: 0 leaves the candidate
unplaced, ``j >= 1`` gives them the ``j``-th of their allowed roles (their arcs, e.g. the
recommender's pool; a pair a recruiter excluded is simply not an arc). So "at most one role
per candidate" and exclusions hold by construction; the rest is objectives and constraints.

Objectives (pymoo minimises, so they are negated in ``out["F"]``):

1. **merit**: the sum of the placed pairs' calibrated scores;
2. **diversity** (GESA eq. 14-15): over each category (e.g. gender, age band, location,
   institution), the entropy of the group shares among the placed candidates divided by its
   maximum ``log(groups)``, weighted by the category's weight; in [0, 1];
3. **preference**: the sum of the placed pairs' preference satisfaction (a candidate's stated
   locations, domains, remote).

Constraints (``out["G"] <= 0``): capacity excess (placed beyond a role's capacity, summed)
and quota shortfall (for each minimum share of a group among the placed, the candidates
missing). Groups arrive as integer codes per candidate (-1 unknown), read by the caller
through ``engine.audit``; this module reads nothing.

Example:
    >>> problem = AllocationProblem(instance)                # doctest: +SKIP
    >>> out = {}; problem._evaluate(X, out)                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numba
import numpy as np
from pymoo.core.problem import Problem

from graph_schema.errors import ConfigError


@dataclass(frozen=True)
class AllocationInstance:
    """One allocation to solve: candidates, their allowed roles, capacities, groups, quotas.

    Attributes:
        n_candidates, capacity: the candidates and each role's places.
        arc_candidate, arc_role, arc_score, arc_preference: aligned arrays, one entry per
            allowed pair (sorted by candidate when built with :meth:`build`).
        groups: category -> group code per candidate (-1 unknown).
        category_weights: category -> weight in the diversity objective.
        quotas: ``(category, group code) -> minimum share`` of that group among the placed.
    """

    n_candidates: int
    capacity: np.ndarray
    arc_candidate: np.ndarray
    arc_role: np.ndarray
    arc_score: np.ndarray
    arc_preference: np.ndarray
    groups: Mapping[str, np.ndarray] = field(default_factory=dict)
    category_weights: Mapping[str, float] = field(default_factory=dict)
    quotas: Mapping[tuple[str, int], float] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        n_candidates: int,
        capacity: np.ndarray | list[int],
        candidates: np.ndarray | list[int],
        roles: np.ndarray | list[int],
        scores: np.ndarray | list[float],
        preferences: np.ndarray | list[float] | None = None,
        groups: Mapping[str, np.ndarray | list[int]] | None = None,
        category_weights: Mapping[str, float] | None = None,
        quotas: Mapping[tuple[str, int], float] | None = None,
    ) -> AllocationInstance:
        """Validate and sort the arcs by candidate (then by score, best first).

        Raises:
            ConfigError: misaligned arrays, indices out of range, a negative capacity, a
                quota outside [0, 1] or of an unknown category.
        """
        c = np.asarray(candidates, dtype=np.int64)
        r = np.asarray(roles, dtype=np.int64)
        s = np.asarray(scores, dtype=np.float64)
        p = np.zeros_like(s) if preferences is None else np.asarray(preferences, np.float64)
        cap = np.asarray(capacity, dtype=np.int64)
        if not (c.shape == r.shape == s.shape == p.shape) or c.ndim != 1:
            raise ConfigError(
                "candidates, roles, scores and preferences must be aligned 1-D arrays"
            )
        if (cap < 0).any():
            raise ConfigError("capacity must be >= 0 for every role")
        if c.size and (
            c.min() < 0 or c.max() >= n_candidates or r.min() < 0 or r.max() >= cap.size
        ):
            raise ConfigError(
                f"arc indices out of range: {n_candidates} candidates, {cap.size} roles"
            )
        g = {k: np.asarray(v, dtype=np.int64) for k, v in (groups or {}).items()}
        for k, v in g.items():
            if v.shape != (n_candidates,):
                raise ConfigError(f"groups[{k!r}] must hold one code per candidate")
        for (category, _), share in (quotas or {}).items():
            if category not in g or not 0.0 <= share <= 1.0:
                raise ConfigError(
                    f"quota of {category!r}: unknown category or share outside [0, 1]"
                )
        order = np.lexsort((-s, c))
        weights = {k: float((category_weights or {}).get(k, 1.0)) for k in g}
        return cls(
            n_candidates,
            cap,
            c[order],
            r[order],
            s[order],
            p[order],
            g,
            weights,
            dict(quotas or {}),
        )

    @cached_property
    def offsets(self) -> tuple[np.ndarray, np.ndarray]:
        """(first arc, number of arcs) of each candidate (computed once: arcs are fixed)."""
        degree = np.bincount(self.arc_candidate, minlength=self.n_candidates)
        start = np.concatenate([[0], np.cumsum(degree)[:-1]])
        return start, degree

    def arcs_of(self, X: np.ndarray) -> np.ndarray:
        """Arc index per candidate of each row of ``X`` (-1 where unplaced)."""
        start, _ = self.offsets
        X = np.asarray(X, dtype=np.int64)
        return np.where(X > 0, start[None, :] + X - 1, -1)

    @cached_property
    def codes(self) -> np.ndarray:
        """``(categories, candidates)`` group codes, categories in the order of ``groups``."""
        rows = [np.asarray(v, dtype=np.int64) for v in self.groups.values()]
        return np.stack(rows) if rows else np.zeros((0, self.n_candidates), dtype=np.int64)

    @cached_property
    def n_groups(self) -> np.ndarray:
        """Per category, the largest group code + 1 (the width of its counts)."""
        return np.array([max(int(c.max(initial=-1)) + 1, 0) for c in self.codes], np.int64)

    @cached_property
    def present(self) -> np.ndarray:
        """Per category, how many groups its candidates hold (the entropy's maximum is the
        log of it)."""
        return np.array([np.unique(c[c >= 0]).size for c in self.codes], np.int64)

    def variables(self, assignment: Mapping[int, int]) -> np.ndarray:
        """The variables (``x``) of an assignment candidate -> role (pairs must be arcs; of
        a pair given twice, the first arc: the best scored)."""
        start, _ = self.offsets
        x = np.zeros(self.n_candidates, dtype=np.int64)
        if not assignment:
            return x
        cand = np.fromiter(assignment.keys(), np.int64, len(assignment))
        role = np.fromiter(assignment.values(), np.int64, len(assignment))
        key = self.arc_candidate * self.capacity.size + self.arc_role
        order = np.argsort(key, kind="stable")
        arc = order[np.searchsorted(key[order], cand * self.capacity.size + role)]
        x[cand] = arc - start[cand] + 1
        return x


def diversity(instance: AllocationInstance, placed: np.ndarray) -> float:
    """GESA's weighted, normalised entropy of group shares among the ``placed`` candidates."""
    placed = np.asarray(placed, dtype=np.int64)
    codes = instance.codes[:, placed]
    counts = np.zeros((1, *instance.codes.shape[:1], instance.n_groups.max(initial=0)))
    for k in range(codes.shape[0]):
        known = codes[k][codes[k] >= 0]
        counts[0, k, : instance.n_groups[k]] = np.bincount(known, minlength=instance.n_groups[k])
    return float(_diversity(instance, counts)[0])


def violations(instance: AllocationInstance, arcs: np.ndarray) -> tuple[float, float]:
    """(capacity excess, quota shortfall) of one row's arcs (-1 = unplaced)."""
    G = constraint_rows(instance, np.asarray(arcs)[None, :])
    return float(G[0, 0]), float(G[0, 1])


@numba.njit(cache=False, nogil=True)
def _tally(arcs, arc_role, arc_score, arc_preference, capacity, codes, width):  # pragma: no cover
    n_rows, n_cand = arcs.shape
    n_cat = codes.shape[0]
    merit = np.zeros(n_rows)
    preference = np.zeros(n_rows)
    excess = np.zeros(n_rows)
    placed = np.zeros(n_rows)
    groups = np.zeros((n_rows, n_cat, width))
    count = np.zeros(capacity.size, np.int64)
    for i in range(n_rows):
        count[:] = 0
        for c in range(n_cand):
            a = arcs[i, c]
            if a < 0:
                continue
            merit[i] += arc_score[a]
            preference[i] += arc_preference[a]
            placed[i] += 1
            r = arc_role[a]
            count[r] += 1
            if count[r] > capacity[r]:
                excess[i] += 1
            for k in range(n_cat):
                if codes[k, c] >= 0:
                    groups[i, k, codes[k, c]] += 1
    return merit, preference, excess, placed, groups


def _tallies(instance: AllocationInstance, arcs: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per row of arc indices: merit, preference, capacity excess, placed, and the placed
    members of each group ``(rows, categories, groups)``, in one compiled pass."""
    arcs = np.ascontiguousarray(arcs, dtype=np.int64)
    if instance.arc_score.size == 0:  # no arc: nobody can be placed
        zero = np.zeros(arcs.shape[0])
        groups = np.zeros((arcs.shape[0], instance.codes.shape[0], 1))
        return zero, zero, zero, zero, groups
    return _tally(
        arcs,
        instance.arc_role,
        instance.arc_score,
        instance.arc_preference,
        instance.capacity,
        instance.codes,
        max(1, int(instance.n_groups.max(initial=0))),
    )


def _diversity(instance: AllocationInstance, counts: np.ndarray) -> np.ndarray:
    """:func:`diversity` of every row of group counts ``(rows, categories, groups)``."""
    total = np.zeros(counts.shape[0])
    weight_sum = 0.0
    for k, category in enumerate(instance.groups):
        weight = instance.category_weights.get(category, 1.0)
        weight_sum += weight
        present = instance.present[k]
        if present < 2:
            continue
        known = counts[:, k].sum(1, keepdims=True)
        shares = counts[:, k] / np.where(known > 0, known, 1.0)
        terms = np.where(shares > 0, shares * np.log(np.where(shares > 0, shares, 1.0)), 0.0)
        total += weight * (-terms.sum(1) / np.log(present))
    return total / weight_sum if weight_sum else total


def evaluate_rows(instance: AllocationInstance, arcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(F, G)`` of every row of arc indices (-1 = unplaced): ``(rows, 3)`` merit,
    diversity and preference; ``(rows, 2)`` capacity excess and quota shortfall."""
    merit, preference, excess, placed, groups = _tallies(instance, arcs)
    F = np.stack([merit, _diversity(instance, groups), preference], axis=1)
    G = np.zeros((len(merit), 2))
    G[:, 0] = excess
    names = list(instance.groups)
    for (category, group), share in instance.quotas.items():
        k = names.index(category)
        have = groups[:, k, group] if group < groups.shape[2] else np.zeros(len(merit))
        G[:, 1] += np.maximum(0.0, np.ceil(share * placed - 1e-9) - have)
    return F, G


def constraint_rows(instance: AllocationInstance, arcs: np.ndarray) -> np.ndarray:
    """``(rows, 2)``: capacity excess and quota shortfall of every row of arc indices."""
    return evaluate_rows(instance, arcs)[1]


def objective_rows(instance: AllocationInstance, arcs: np.ndarray) -> np.ndarray:
    """``(rows, 3)``: merit, diversity and preference of every row of arc indices."""
    return evaluate_rows(instance, arcs)[0]


class AllocationProblem(Problem):
    """The pymoo problem over an :class:`AllocationInstance` (fills ``F`` and ``G`` only)."""

    def __init__(self, instance: AllocationInstance) -> None:
        _, degree = instance.offsets
        super().__init__(
            n_var=instance.n_candidates,
            n_obj=3,
            n_ieq_constr=2,
            xl=np.zeros(instance.n_candidates),
            xu=degree.astype(float),
            vtype=int,
        )
        self.instance = instance

    def _evaluate(self, X: np.ndarray, out: dict, *args: object, **kwargs: object) -> None:
        F, G = evaluate_rows(self.instance, self.instance.arcs_of(np.rint(X)))
        out["F"], out["G"] = -F, G
