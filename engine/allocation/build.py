"""An allocation instance from a trained engine: arcs from the recommender, groups from the
audit module, capacities from the graph, preferences from the pair features.

For each role, the candidates of its served pool (FAISS + skill overlap, re-scored exactly;
``pool`` of them, best first) that are among ``candidate_ids`` become arcs with their
calibrated merit score, so 20,000 x 3,000 stays sparse. The arcs are exactly what
``recommend_candidates(role, k=pool)`` ranks (before any re-ranking), computed in batches:
the pools of many roles at once (``engine.allocation.pools.role_pools``, equal to
``Recommender.pool``: one matrix product with the flat index's vectors and one sparse product
per batch) and one scoring call per batch of pairs instead of a ranked list of ``Match``
objects per role (measured at scale 1: 42 ms per role ranked one by one, see ``talentgraph
bench allocate``). A pair a recruiter excluded
(``policy.exclusions``) is not an arc. A pair's preference satisfaction is what the
candidate stated, the mean of two of the candidate side's terms
(``engine.matching.candidate_side``): location (1: a place they listed, their own place, or
remote when they accept remote work; 0.5: the country of one; else 0) and domain (1: a domain
they listed; 0: another; 0.5: they listed none).

Diversity categories (GESA: gender, age band, location, institution): the fairness
attributes (``settings.train.fairness_attributes``), read through ``engine.audit``
(left out with ``sensitive=False``: ``engine.allocation.report`` does so below the minimum
group size, or when the sensitive store is missing); ``location``, the candidate's country;
and ``institution``, their current employer, else the one they worked at longest
(``WORKED_AT``). Quotas may name any category present. A quota's group is never looked up
among the candidates: a group no candidate holds gets a code nobody has, so that quota can
only be met by placing nobody (which ``allocate`` refuses as a policy that cannot be met),
and no message says which groups the candidates hold.

Example:
    >>> inst, ids = instance_from_engine(ctx, ["r1", "r2"], ["c1", "c2", "c3"])   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.allocation.policy import AllocationPolicy, check_ids
from engine.allocation.pools import ROLE_BATCH, role_pools
from engine.allocation.problem import AllocationInstance
from engine.context import EngineContext
from graph_schema.errors import ConfigError, UnknownIdError


@dataclass(frozen=True)
class InstanceIds:
    """The ids behind an instance's indices, and each group code's name."""

    candidates: list[str]
    roles: list[str]
    group_names: dict[str, list[str]]


def _coded(values: np.ndarray, labels: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Compact group codes (-1 unknown) of per-candidate indices into ``labels``, and the
    labels of the codes (sorted)."""
    present = sorted({int(v) for v in values if v >= 0}, key=lambda v: labels[v])
    code = np.full(max(len(labels), 1), -1, dtype=np.int64)
    code[present] = np.arange(len(present))
    return np.where(values >= 0, code[np.maximum(values, 0)], -1), [labels[v] for v in present]


def institution_of(exported: Any) -> np.ndarray:
    """Per candidate (rows as the export): the organization index of their current employer,
    else of the one they worked at longest (ties: the later edge), else -1."""
    out = np.full(len(exported.ids["Candidate"]), -1, dtype=np.int64)
    key = ("Candidate", "WORKED_AT", "Organization")
    if key not in exported.data.edge_types:
        return out
    store = exported.data[key]
    src, dst = store.edge_index.numpy()
    names = list(getattr(store, "edge_attr_names", []))
    attr = store.edge_attr.numpy() if names else np.zeros((src.size, 0))
    duration = attr[:, names.index("duration_years")] if "duration_years" in names else 0 * src
    current = attr[:, names.index("current")] if "current" in names else 0 * src
    order = np.lexsort((np.arange(src.size), duration, current))
    out[src[order]] = dst[order]  # the last written per candidate wins: current, longest
    return out


def served_arcs(
    rec: Any, side: Any, role_idx: np.ndarray, candidate_idx: np.ndarray, pool: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The arcs ``rank("Role", role, pool)`` would give, among ``candidate_idx``, batched.

    Args:
        rec: the engine's ``Recommender``.
        side: the candidate side (``CandidateSide``) that rates what the candidate stated.
        role_idx: role row indices (arc roles are positions into it).
        candidate_idx: candidate row indices (arc candidates are positions into it).
        pool: the ``pool`` best of each role's scored pool are kept (score, then id).

    Returns:
        ``(arc candidate positions, arc role positions, calibrated scores, preference)``.
    """
    position = np.full(len(rec.runtime.exported.ids["Candidate"]), -1, dtype=np.int64)
    position[candidate_idx] = np.arange(candidate_idx.size)
    cand_ids = np.asarray(rec.runtime.exported.ids["Candidate"].ids, dtype=object)
    out_c, out_r, out_s, out_p = [], [], [], []
    for lo in range(0, len(role_idx), ROLE_BATCH):
        batch = role_idx[lo : lo + ROLE_BATCH]
        pools = role_pools(rec, batch)
        # a pool no larger than ``pool`` is kept whole: only the chosen candidates are scored
        pools = [p if p.size > pool else p[position[p] >= 0] for p in pools]
        cand = np.concatenate(pools) if pools else np.zeros(0, np.int64)
        which = np.repeat(np.arange(len(pools)), [p.size for p in pools])
        if cand.size == 0:
            continue
        scores, X = rec.runtime.score_pairs(cand, np.asarray(batch)[which])
        keep = np.zeros(cand.size, dtype=bool)
        start = np.concatenate([[0], np.cumsum([p.size for p in pools])])
        for j in range(len(pools)):
            a, b = start[j], start[j + 1]
            order = np.lexsort((cand_ids[cand[a:b]], -scores[a:b]))[:pool]
            keep[a + order] = True
        keep &= position[cand] >= 0
        chosen_c, chosen_r = cand[keep], np.asarray(batch)[which[keep]]
        preference = 0.5 * (side.location(X[keep]) + side.domain(chosen_c, chosen_r))
        out_c.append(position[cand[keep]])
        out_r.append(lo + which[keep])
        out_s.append(scores[keep])
        out_p.append(preference)
    if not out_c:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty, empty
    return tuple(np.concatenate(x) for x in (out_c, out_r, out_s, out_p))  # type: ignore[return-value]


def role_capacities(
    ctx: EngineContext, role_ids: Sequence[str], policy: AllocationPolicy | None = None
) -> tuple[list[int], dict[str, Any]]:
    """Places of each role under ``policy`` (the graph's where it sets none), and the graph's
    capacity of every role.

    Raises:
        UnknownIdError: a role is not in the graph.
    """
    policy = policy or AllocationPolicy()
    graph_capacity = {row["id"]: row["capacity"] for row in ctx.store.run("export/role_features")}
    cap = []
    for r in role_ids:
        if r not in graph_capacity:
            raise UnknownIdError(f"no role {r!r} in the graph")
        cap.append(policy.capacity_of(r, graph_capacity[r]))
    return cap, graph_capacity


@dataclass(frozen=True)
class Arcs:
    """The served, non-excluded arcs of an allocation, before any group is read."""

    roles: list[str]
    candidates: list[str]
    c_idx: np.ndarray
    capacity: list[int]
    arc_c: np.ndarray
    arc_r: np.ndarray
    arc_s: np.ndarray
    preference: np.ndarray

    def placeable(self) -> tuple[int, int]:
        """``(placeable candidates, reachable places)``: candidates with at least one arc
        (scored, not excluded) to a role with a place, and the places those candidates can
        fill (per role: its capacity, at most the number of placeable candidates with an arc
        to it). Neither depends on anyone's group: this is what the minimum group size of
        quotas and sensitive categories is measured against (``engine.allocation.report``),
        not the candidates and places listed."""
        cap = np.asarray(self.capacity, dtype=np.int64)
        ok = np.isfinite(self.arc_s)
        if cap.size:
            ok &= cap[self.arc_r] > 0
        pairs = np.unique(self.arc_c[ok] * max(len(self.roles), 1) + self.arc_r[ok])
        cands = np.unique(self.arc_c[ok])
        per_role = np.bincount(pairs % max(len(self.roles), 1), minlength=cap.size)
        places = int(np.minimum(cap, per_role[: cap.size]).sum()) if cap.size else 0
        return int(cands.size), places


def served_instance_arcs(
    ctx: EngineContext,
    role_ids: Sequence[str],
    candidate_ids: Sequence[str],
    policy: AllocationPolicy | None = None,
    *,
    pool: int = 300,
) -> Arcs:
    """The arcs of :func:`instance_from_engine`, without groups or quotas.

    Raises:
        UnknownIdError: an id is not in the graph (also in an exclusion).
        ConfigError: no role or no candidate.
    """
    policy = policy or AllocationPolicy()
    rec = ctx.serving.recommender()
    ids = rec.runtime.exported.ids
    roles = check_ids(role_ids, "role_ids", "role")
    cands = check_ids(candidate_ids, "candidate_ids", "candidate")
    c_idx = np.array([ids["Candidate"].index_of(c) for c in cands], dtype=np.int64)
    cap, graph_capacity = role_capacities(ctx, roles, policy)
    r_idx = np.array([ids["Role"].index_of(r) for r in roles], dtype=np.int64)
    side = ctx.serving.two_sided().side  # the engine's candidate side, built once per recommender
    arc_c, arc_r, arc_s, preference = served_arcs(rec, side, r_idx, c_idx, min(pool, 1000))
    if policy.exclusions:
        col = {c: i for i, c in enumerate(cands)}
        row = {r: j for j, r in enumerate(roles)}
        for c, r in policy.exclusions:
            ids["Candidate"].index_of(c)  # raises UnknownIdError naming it
            if r not in graph_capacity:
                raise UnknownIdError(f"no role {r!r} in the graph")
        banned = np.array(
            [col[c] * len(roles) + row[r] for c, r in policy.exclusions if c in col and r in row],
            dtype=np.int64,
        )
        keep = ~np.isin(arc_c * len(roles) + arc_r, banned)
        arc_c, arc_r, arc_s, preference = arc_c[keep], arc_r[keep], arc_s[keep], preference[keep]
    return Arcs(roles, cands, c_idx, cap, arc_c, arc_r, arc_s, preference)


def instance_from_engine(
    ctx: EngineContext,
    role_ids: Sequence[str],
    candidate_ids: Sequence[str],
    policy: AllocationPolicy | None = None,
    *,
    pool: int = 300,
    sensitive: bool = True,
) -> tuple[AllocationInstance, InstanceIds]:
    """Build the instance (see the module docstring).

    Args:
        ctx: the engine's context (``engine.context``; trained).
        role_ids, candidate_ids: who competes (unknown ids raise).
        policy: capacity, quotas and excluded pairs (default: the graph's capacities, no
            quota, no exclusion).
        pool: candidates taken from each role's served pool.
        sensitive: include the fairness attributes among the diversity categories.

    Raises:
        UnknownIdError: an id is not in the graph (also in an exclusion).
        ConfigError: no role or no candidate, or a quota names an attribute that is not a
            diversity category.
    """
    arcs = served_instance_arcs(ctx, role_ids, candidate_ids, policy, pool=pool)
    return instance_from_arcs(ctx, arcs, policy, sensitive=sensitive)


def instance_from_arcs(
    ctx: EngineContext,
    arcs: Arcs,
    policy: AllocationPolicy | None = None,
    *,
    sensitive: bool = True,
) -> tuple[AllocationInstance, InstanceIds]:
    """The instance of ``arcs`` with the diversity categories and ``policy``'s quotas.

    Raises:
        ConfigError: a quota names an attribute that is not a diversity category.
    """
    from engine.fairness.groups import sensitive_groups

    policy = policy or AllocationPolicy()
    rec = ctx.serving.recommender()
    cands, roles, c_idx, cap = arcs.candidates, arcs.roles, arcs.c_idx, arcs.capacity
    arc_c, arc_r, arc_s, preference = arcs.arc_c, arcs.arc_r, arcs.arc_s, arcs.preference
    groups, names = {}, {}
    for attribute in ctx.settings.train.fairness_attributes if sensitive else ():
        by_id = sensitive_groups(ctx.store, attribute)
        labels = sorted({by_id[c] for c in cands if c in by_id and by_id[c] != "unknown"})
        code = {g: i for i, g in enumerate(labels)}
        groups[attribute] = np.array([code.get(by_id.get(c, ""), -1) for c in cands])
        names[attribute] = labels
    exported = rec.runtime.exported
    places = exported.ids["Location"].ids if "Location" in exported.ids else []
    employers = exported.ids["Organization"].ids if "Organization" in exported.ids else []
    groups["location"], names["location"] = _coded(rec.runtime.ctx.candidate_country[c_idx], places)
    groups["institution"], names["institution"] = _coded(institution_of(exported)[c_idx], employers)
    coded = {}
    for quota in policy.quotas:
        if quota.attribute not in names:
            raise ConfigError(
                f"quota on {quota.attribute!r}: not a diversity category {tuple(names)}"
            )
        labels = names[quota.attribute]
        # a group no candidate holds: a code nobody has (never an error naming presence)
        code = labels.index(quota.group) if quota.group in labels else len(labels)
        coded[quota.attribute, code] = quota.min_share
    inst = AllocationInstance.build(
        len(cands), cap, arc_c, arc_r, arc_s, preference, groups=groups, quotas=coded
    )
    return inst, InstanceIds(cands, roles, names)
