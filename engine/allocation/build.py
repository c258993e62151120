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
(``policy.exclusions``) is not an arc. A pair's preference satisfaction is 1 when the role's
place is one the candidate says they would work in, 0.5 when its country holds one, else 0
(``location_preferred``, ``country_preferred``). Groups: the fairness attributes
(``settings.train.fairness_attributes``), read through ``engine.fairness.audit`` and used
only for the diversity objective and the quotas.

Example:
    >>> inst, ids = instance_from_engine(eng, ["r1", "r2"], ["c1", "c2", "c3"])   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.allocation.policy import AllocationPolicy
from engine.allocation.pools import ROLE_BATCH, role_pools
from engine.allocation.problem import AllocationInstance
from engine.features.pair_features import FEATURE_NAMES
from graph_schema.errors import ConfigError, UnknownIdError

PREFERRED = FEATURE_NAMES.index("location_preferred")
COUNTRY = FEATURE_NAMES.index("country_preferred")


@dataclass(frozen=True)
class InstanceIds:
    """The ids behind an instance's indices, and each group code's name."""

    candidates: list[str]
    roles: list[str]
    group_names: dict[str, list[str]]


def served_arcs(
    rec: Any, role_idx: np.ndarray, candidate_idx: np.ndarray, pool: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The arcs ``rank("Role", role, pool)`` would give, among ``candidate_idx``, batched.

    Args:
        rec: the engine's ``Recommender``.
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
        preference = np.maximum(
            np.nan_to_num(X[keep, PREFERRED]), 0.5 * np.nan_to_num(X[keep, COUNTRY])
        )
        out_c.append(position[cand[keep]])
        out_r.append(lo + which[keep])
        out_s.append(scores[keep])
        out_p.append(preference)
    if not out_c:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty, empty
    return tuple(np.concatenate(x) for x in (out_c, out_r, out_s, out_p))  # type: ignore[return-value]


def instance_from_engine(
    eng: Any,
    role_ids: Sequence[str],
    candidate_ids: Sequence[str],
    policy: AllocationPolicy | None = None,
    *,
    pool: int = 300,
) -> tuple[AllocationInstance, InstanceIds]:
    """Build the instance (see the module docstring).

    Args:
        eng: a trained ``MatchingEngine``.
        role_ids, candidate_ids: who competes (unknown ids raise).
        policy: capacity, quotas and excluded pairs (default: the graph's capacities, no
            quota, no exclusion).
        pool: candidates taken from each role's served pool.

    Raises:
        UnknownIdError: an id is not in the graph (also in an exclusion).
        ConfigError: a quota names an attribute that is not a fairness attribute, or a
            group no candidate holds.
    """
    from engine.fairness.audit import sensitive_groups

    policy = policy or AllocationPolicy()
    rec = eng.recommender()
    ids = rec.runtime.exported.ids
    cands = list(dict.fromkeys(candidate_ids))
    roles = list(dict.fromkeys(role_ids))
    c_idx = np.array([ids["Candidate"].index_of(c) for c in cands], dtype=np.int64)
    graph_capacity = {row["id"]: row["capacity"] for row in eng.store.run("export/role_features")}
    cap = []
    for r in roles:
        if r not in graph_capacity:
            raise UnknownIdError(f"no role {r!r} in the graph")
        cap.append(policy.capacity_of(r, graph_capacity[r]))
    r_idx = np.array([ids["Role"].index_of(r) for r in roles], dtype=np.int64)
    arc_c, arc_r, arc_s, preference = served_arcs(rec, r_idx, c_idx, min(pool, 1000))
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
    groups, names = {}, {}
    for attribute in eng.settings.train.fairness_attributes:
        by_id = sensitive_groups(eng.store, attribute)
        labels = sorted({by_id[c] for c in cands if c in by_id and by_id[c] != "unknown"})
        code = {g: i for i, g in enumerate(labels)}
        groups[attribute] = np.array([code.get(by_id.get(c, ""), -1) for c in cands])
        names[attribute] = labels
    coded = {}
    for quota in policy.quotas:
        if quota.attribute not in names:
            raise ConfigError(
                f"quota on {quota.attribute!r}: not a fairness attribute {tuple(names)}"
            )
        if quota.group not in names[quota.attribute]:
            raise ConfigError(
                f"quota on {quota.attribute}={quota.group!r}: no such group among the candidates"
            )
        coded[quota.attribute, names[quota.attribute].index(quota.group)] = quota.min_share
    inst = AllocationInstance.build(
        len(cands), cap, arc_c, arc_r, arc_s, preference, groups=groups, quotas=coded
    )
    return inst, InstanceIds(cands, roles, names)
