"""An allocation instance from a trained engine: arcs from the recommender, groups from the
audit module, capacities from the graph, preferences from the pair features.

For each role, the candidates of its served pool (FAISS + skill overlap, re-scored exactly;
``pool`` of them, best first) that are among ``candidate_ids`` become arcs with their
calibrated merit score, so 20,000 x 3,000 stays sparse. A pair's preference satisfaction is
1 when the role's place is one the candidate says they would work in, 0.5 when its country
holds one, else 0 (``location_preferred``, ``country_preferred``). Groups: the fairness
attributes (``settings.train.fairness_attributes``), read through ``engine.fairness.audit``
and used only for the diversity objective and the quotas.

Example:
    >>> inst, ids = instance_from_engine(eng, ["r1", "r2"], ["c1", "c2", "c3"])   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

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


def instance_from_engine(
    eng: Any,
    role_ids: Sequence[str],
    candidate_ids: Sequence[str],
    *,
    pool: int = 300,
    capacity: int | Mapping[str, int] | None = None,
    quotas: Mapping[tuple[str, str], float] | None = None,
) -> tuple[AllocationInstance, InstanceIds]:
    """Build the instance (see the module docstring).

    Args:
        eng: a trained ``MatchingEngine``.
        role_ids, candidate_ids: who competes (unknown ids raise).
        pool: candidates taken from each role's served pool.
        capacity: places per role: one number for all, per role id, or ``None`` (the roles'
            ``capacity`` in the graph, 1 where unknown).
        quotas: ``(attribute, group) -> minimum share`` among the placed, e.g.
            ``{("gender", "female"): 0.4}``.

    Raises:
        UnknownIdError: an id is not in the graph.
        ConfigError: a quota names an attribute that is not a fairness attribute.
    """
    from engine.fairness.audit import sensitive_groups

    rec = eng.recommender()
    ids = rec.runtime.exported.ids
    cands = list(dict.fromkeys(candidate_ids))
    roles = list(dict.fromkeys(role_ids))
    for c in cands:
        ids["Candidate"].index_of(c)  # raises UnknownIdError naming it
    col = {c: i for i, c in enumerate(cands)}
    graph_capacity = {row["id"]: row["capacity"] for row in eng.store.run("export/role_features")}
    cap = []
    for r in roles:
        if r not in graph_capacity:
            raise UnknownIdError(f"no role {r!r} in the graph")
        if isinstance(capacity, int):
            cap.append(capacity)
        elif isinstance(capacity, Mapping):
            cap.append(int(capacity.get(r, graph_capacity[r] or 1)))
        else:
            cap.append(int(graph_capacity[r] or 1))
    arc_c, arc_r, arc_s = [], [], []
    for j, role in enumerate(roles):
        for match in rec.rank("Role", role, min(pool, 1000), reasons=False):
            if match.candidate_id in col:
                arc_c.append(col[match.candidate_id])
                arc_r.append(j)
                arc_s.append(match.score)
    c_idx = np.array([ids["Candidate"].index_of(cands[i]) for i in arc_c], dtype=np.int64)
    r_idx = np.array([ids["Role"].index_of(roles[j]) for j in arc_r], dtype=np.int64)
    X = rec.runtime.features(c_idx, r_idx) if c_idx.size else np.zeros((0, len(FEATURE_NAMES)))
    preference = np.maximum(np.nan_to_num(X[:, PREFERRED]), 0.5 * np.nan_to_num(X[:, COUNTRY]))
    groups, names = {}, {}
    for attribute in eng.settings.train.fairness_attributes:
        by_id = sensitive_groups(eng.store, attribute)
        labels = sorted({by_id[c] for c in cands if c in by_id and by_id[c] != "unknown"})
        code = {g: i for i, g in enumerate(labels)}
        groups[attribute] = np.array([code.get(by_id.get(c, ""), -1) for c in cands])
        names[attribute] = labels
    coded = {}
    for (attribute, group), share in (quotas or {}).items():
        if attribute not in names:
            raise ConfigError(f"quota on {attribute!r}: not a fairness attribute {tuple(names)}")
        if group not in names[attribute]:
            raise ConfigError(f"quota on {attribute}={group!r}: no such group among the candidates")
        coded[attribute, names[attribute].index(group)] = share
    inst = AllocationInstance.build(
        len(cands), cap, arc_c, arc_r, arc_s, preference, groups=groups, quotas=coded
    )
    return inst, InstanceIds(cands, roles, names)
