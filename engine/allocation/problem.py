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
through ``engine.fairness.audit``; this module reads nothing.

Example:
    >>> problem = AllocationProblem(instance)                # doctest: +SKIP
    >>> out = {}; problem._evaluate(X, out)                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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

    @property
    def offsets(self) -> tuple[np.ndarray, np.ndarray]:
        """(first arc, number of arcs) of each candidate."""
        degree = np.bincount(self.arc_candidate, minlength=self.n_candidates)
        start = np.concatenate([[0], np.cumsum(degree)[:-1]])
        return start, degree

    def arcs_of(self, X: np.ndarray) -> np.ndarray:
        """Arc index per candidate of each row of ``X`` (-1 where unplaced)."""
        start, _ = self.offsets
        X = np.asarray(X, dtype=np.int64)
        return np.where(X > 0, start[None, :] + X - 1, -1)


def diversity(instance: AllocationInstance, placed: np.ndarray) -> float:
    """GESA's weighted, normalised entropy of group shares among the ``placed`` candidates."""
    mask = np.zeros((1, instance.n_candidates), dtype=bool)
    mask[0, np.asarray(placed, dtype=np.int64)] = True
    return float(_diversity_rows(instance, mask)[0])


def violations(instance: AllocationInstance, arcs: np.ndarray) -> tuple[float, float]:
    """(capacity excess, quota shortfall) of one row's arcs (-1 = unplaced)."""
    G = constraint_rows(instance, np.asarray(arcs)[None, :])
    return float(G[0, 0]), float(G[0, 1])


def _group_counts(codes: np.ndarray, placed: np.ndarray) -> np.ndarray:
    """Placed members of each group per row: ``(rows, groups)`` (unknown codes skipped)."""
    n_groups = int(codes.max()) + 1 if codes.size and codes.max() >= 0 else 0
    rows = placed.shape[0]
    take = placed & (codes >= 0)[None, :]
    row, col = np.nonzero(take)
    flat = np.bincount(row * n_groups + codes[col], minlength=rows * n_groups)
    return flat.reshape(rows, n_groups)


def _diversity_rows(instance: AllocationInstance, placed: np.ndarray) -> np.ndarray:
    """:func:`diversity` of every row of a boolean ``(rows, candidates)`` placed mask."""
    total = np.zeros(placed.shape[0])
    weight_sum = 0.0
    for category, codes in instance.groups.items():
        weight = instance.category_weights.get(category, 1.0)
        weight_sum += weight
        n_groups = np.unique(codes[codes >= 0]).size
        if n_groups < 2:
            continue
        counts = _group_counts(codes, placed).astype(float)
        known = counts.sum(1, keepdims=True)
        shares = counts / np.where(known > 0, known, 1.0)
        terms = np.where(shares > 0, shares * np.log(np.where(shares > 0, shares, 1.0)), 0.0)
        total += weight * (-terms.sum(1) / np.log(n_groups))
    return total / weight_sum if weight_sum else total


def constraint_rows(instance: AllocationInstance, arcs: np.ndarray) -> np.ndarray:
    """``(rows, 2)``: capacity excess and quota shortfall of every row of arc indices."""
    placed = arcs >= 0
    row, col = np.nonzero(placed)
    n_roles = instance.capacity.size
    counts = np.bincount(
        row * n_roles + instance.arc_role[arcs[row, col]], minlength=arcs.shape[0] * n_roles
    ).reshape(arcs.shape[0], n_roles)
    G = np.zeros((arcs.shape[0], 2))
    G[:, 0] = np.maximum(counts - instance.capacity[None, :], 0).sum(1)
    n_placed = placed.sum(1)
    for (category, group), share in instance.quotas.items():
        counts_g = _group_counts(instance.groups[category], placed)
        have = counts_g[:, group] if group < counts_g.shape[1] else np.zeros(arcs.shape[0])
        G[:, 1] += np.maximum(0.0, np.ceil(share * n_placed - 1e-9) - have)
    return G


def objective_rows(instance: AllocationInstance, arcs: np.ndarray) -> np.ndarray:
    """``(rows, 3)``: merit, diversity and preference of every row of arc indices."""
    placed = arcs >= 0
    safe = np.where(placed, arcs, 0)
    F = np.zeros((arcs.shape[0], 3))
    F[:, 1] = _diversity_rows(instance, placed)
    if instance.arc_score.size:  # no arc: nobody can be placed
        F[:, 0] = np.where(placed, instance.arc_score[safe], 0.0).sum(1)
        F[:, 2] = np.where(placed, instance.arc_preference[safe], 0.0).sum(1)
    return F


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
        arcs = self.instance.arcs_of(np.rint(X))
        out["F"] = -objective_rows(self.instance, arcs)
        out["G"] = constraint_rows(self.instance, arcs)
