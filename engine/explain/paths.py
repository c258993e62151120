"""Multi-hop graph paths from a candidate to a role, read by named Cypher queries.

``PATH_QUERIES`` (``cypher/explain/*.cypher``, one file for both dialects) return one row per
path in one shape: the nodes (labels, ids, names), the relationships (types, direction,
weights) and ``strength``, the product of the weights along the path (GESA eq. 4): HAS_SKILL
level x SIMILAR_TO weight x REQUIRES_SKILL importance for a skill path; an unweighted
relationship (WORKED_AT, IN_DOMAIN, LOCATED_IN, PART_OF) counts 1. Kinds:

- ``held_skill``: a skill the candidate holds that the role lists;
- ``similar_skill``: a held skill ``SIMILAR_TO`` a listed one (either stored direction);
- ``past_employer_domain``: an organization the candidate worked at, in the role's domain;
- ``same_location`` / ``same_country``: the candidate's place and the role's.

The queries run read-only; the graph holds no sensitive attribute, so no path can reach one.

Example:
    >>> [p.sentence for p in read_paths(store, "c6", "r2")][:1]          # doctest: +SKIP
    ['based in Berlin, where the role is']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.results import GraphPath
from loaders.stores.base import GraphStore

PATH_QUERIES: tuple[str, ...] = (
    "explain/skill_paths",
    "explain/domain_paths",
    "explain/location_paths",
)
KIND_ORDER = (
    "held_skill",
    "similar_skill",
    "past_employer_domain",
    "same_location",
    "same_country",
)
KIND_GROUP: dict[str, str] = {
    "held_skill": "required skills",
    "similar_skill": "required skills",
    "past_employer_domain": "experience",
    "same_location": "location",
    "same_country": "location",
}
"""The attribution group (``engine.explain.attributions.GROUPS``) each kind of path
supports: withholding a group withholds its paths too."""


def sentence(row: Mapping[str, Any]) -> str:
    """One path in recruiter language, with its weights and strength."""
    names, weights, kind = row["names"], row["weights"], row["kind"]
    listed = "requires" if row.get("required") else "lists as optional"
    if kind == "held_skill":
        return (
            f"holds {names[1]} (level {weights[0]:.2f}), which the role {listed} "
            f"(importance {weights[1]:.2f}): strength {row['strength']:.2f}"
        )
    if kind == "similar_skill":
        return (
            f"holds {names[1]} (level {weights[0]:.2f}), similar to {names[2]} "
            f"(similarity {weights[1]:.2f}), which the role {listed} (importance "
            f"{weights[2]:.2f}): strength {row['strength']:.2f}"
        )
    if kind == "past_employer_domain":
        return f"worked at {names[1]}, in the role's domain ({names[2]})"
    if kind == "same_location":
        return f"based in {names[1]}, where the role is"
    if kind == "same_country":
        return f"based in {names[1]}, in {names[2]} like the role ({names[3]})"
    return f"{kind}: {' - '.join(names)}"


def to_path(row: Mapping[str, Any]) -> GraphPath:
    """A ``GraphPath`` from one query row."""
    return GraphPath(
        kind=row["kind"],
        labels=tuple(row["labels"]),
        ids=tuple(row["ids"]),
        names=tuple(str(n) for n in row["names"]),
        types=tuple(row["types"]),
        weights=tuple(float(w) for w in row["weights"]),
        strength=float(row["strength"]),
        sentence=sentence(row),
    )


def _order(path: GraphPath) -> tuple[float, int, tuple[str, ...]]:
    return (-path.strength, KIND_ORDER.index(path.kind), path.ids)


def read_paths(
    store: GraphStore,
    candidate_id: str,
    role_id: str,
    *,
    withheld: Iterable[str] = (),
) -> list[GraphPath]:
    """Every path of ``PATH_QUERIES`` from the candidate to the role, strongest first
    (ties: by kind, then ids). A pair of skills ``SIMILAR_TO`` each other in both stored
    directions gives one path, through the heavier edge (the one the features use).

    Args:
        store: the graph store (queries run read-only).
        candidate_id, role_id: the pair.
        withheld: attribution groups not to show (their paths are dropped).
    """
    hidden = set(withheld)
    params = {"candidate_id": candidate_id, "role_id": role_id}
    best: dict[tuple[str, tuple[str, ...]], GraphPath] = {}
    for name in PATH_QUERIES:
        for row in store.run(name, params, write=False):
            if KIND_GROUP.get(row["kind"]) in hidden:
                continue
            path = to_path(row)
            key = (path.kind, path.ids)
            if key not in best or path.strength > best[key].strength:
                best[key] = path
    return sorted(best.values(), key=_order)


def strongest_per_kind(paths: Iterable[GraphPath]) -> list[GraphPath]:
    """The strongest path of each kind, strongest first (``paths`` already in that order)."""
    seen: dict[str, GraphPath] = {}
    for path in paths:
        seen.setdefault(path.kind, path)
    return sorted(seen.values(), key=_order)
