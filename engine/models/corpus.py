"""The texts of every candidate and role of a store, aligned with an export's id maps.

A candidate reads as headline + summary + the names of its ``HAS_SKILL`` skills; a role as
title + description + its ``REQUIRES_SKILL`` skills (``engine.models.texts``). Skill order
follows the export's edge order (sorted), so the same graph always gives the same text, and
so the same embedding-cache key.

Example:
    >>> texts = graph_texts(store, exported)          # doctest: +SKIP
    >>> texts["Candidate"][0].splitlines()[-1]         # doctest: +SKIP
    'Skills: patient triage, wound care'
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.models.texts import profile_text, role_text
from graph_schema import EdgeType, NodeLabel
from graph_schema.edge_types import HAS_SKILL, REQUIRES_SKILL
from loaders.pyg_export import ExportedGraph
from loaders.stores.base import GraphStore

_SKILL_EDGES: dict[NodeLabel, EdgeType] = {"Candidate": HAS_SKILL, "Role": REQUIRES_SKILL}


def _skill_lists(exported: ExportedGraph, label: NodeLabel, names: Sequence[str]) -> list[list]:
    n = len(exported.ids[label]) if label in exported.ids else 0
    out: list[list[str]] = [[] for _ in range(n)]
    edge_type = _SKILL_EDGES[label]
    if edge_type not in exported.data.edge_types:
        return out
    src, dst = exported.data[edge_type].edge_index.numpy()
    for s, d in zip(src.tolist(), dst.tolist(), strict=True):
        out[s].append(names[d])
    return out


def graph_texts(store: GraphStore, exported: ExportedGraph) -> dict[NodeLabel, list[str]]:
    """``{"Candidate": [...], "Role": [...]}``: one text per id, in ``exported.ids`` order."""
    skill_ids = exported.ids["Skill"].ids if "Skill" in exported.ids else []
    by_id = {r["id"]: r["name"] or r["id"] for r in store.run("skill_names")}
    names = [by_id.get(s, s) for s in skill_ids]
    out: dict[NodeLabel, list[str]] = {}
    for label, query, make in (
        ("Candidate", "export/candidate_texts", profile_text),
        ("Role", "export/role_texts", role_text),
    ):
        if label not in exported.ids:
            out[label] = []
            continue
        rows = {r["id"]: r for r in store.run(query)}
        skills = _skill_lists(exported, label, names)
        out[label] = [
            make({**rows.get(node_id, {}), "skills": skills[i]})
            for i, node_id in enumerate(exported.ids[label].ids)
        ]
    return out
