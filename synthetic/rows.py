"""Dataset rows both synthetic worlds write alike: numpy arrays -> the JSON objects of a table.

Each function yields the rows of one table in the DESIGN.md format (``loaders/records.py``
validates them). Candidates and roles are each world's own (``esco/rows.py``,
``careers/rows.py``), with the same ids and :func:`role_fields`. Ids are ``c00001``
(candidates), ``r00001`` (roles), ``org00001`` (organizations), ESCO ids for skills and
occupations, ``de`` / ``de-berlin`` for places.

Example:
    >>> month(2025 * 12 + 5), ids("c", 3)
    ('2025-06', ['c00001', 'c00002', 'c00003'])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from synthetic.catalog import Catalog
from synthetic.domains import DOMAIN_IDS, DOMAIN_NAMES
from synthetic.history import ACTORS, STAGES, History
from synthetic.places import Places
from synthetic.pools import Truth
from synthetic.roles import Roles

SIGNALS: tuple[str, ...] = ("reliability", "attendance", "engagement", "churn_risk")


def month(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def ids(prefix: str, n: int) -> list[str]:
    width = max(5, len(str(n)))
    return [f"{prefix}{i + 1:0{width}d}" for i in range(n)]


def skill_rows(cat: Catalog) -> Iterator[dict[str, Any]]:
    for s, d in zip(cat.skills, cat.skill_domain):
        yield {
            "id": s.id,
            "name": s.name,
            "aliases": s.aliases,
            "description": s.description,
            "domain": DOMAIN_IDS[d],
            "skill_type": s.skill_type,
            "esco_uri": s.esco_uri,
        }


def place_rows(places: Places) -> Iterator[dict[str, Any]]:
    for code, name in zip(places.country_ids, places.country_names):
        yield {"id": code, "name": name, "parent": None, "kind": "country"}
    for i, (code, name) in enumerate(zip(places.city_ids, places.city_names)):
        yield {
            "id": code,
            "name": name,
            "parent": places.country_ids[places.city_country[i]],
            "kind": "city",
        }


def role_fields(cat: Catalog, places: Places, roles: Roles, r: int) -> dict[str, Any]:
    """Role ``r``'s row after its id and texts: placement, occupation, skills, capacity
    (shared by both worlds' role rows)."""
    part = roles.skills(r)
    return {
        "organization": places.org_ids[roles.org[r]],
        "location": places.city_ids[roles.city[r]],
        "domain": DOMAIN_IDS[roles.domain[r]],
        "occupation": cat.occupations[roles.occupation[r]].id,
        "remote": bool(roles.remote[r]),
        "skills": [
            {"skill": cat.skills[s].id, "importance": float(i), "required": bool(q)}
            for s, i, q in zip(
                roles.skill_idx[part].tolist(),
                roles.skill_importance[part].tolist(),
                roles.skill_required[part].tolist(),
            )
        ],
        "capacity": int(roles.capacity[r]),
    }


def interaction_rows(
    places: Places, roles: Roles, hist: History, cand_ids: list[str], role_ids: list[str]
) -> Iterator[dict[str, Any]]:
    offsets = np.array(places.country_offsets)[places.city_country[roles.city[hist.role]]]
    stamps = np.datetime_as_string(hist.minute.astype("datetime64[m]"), unit="s")
    for c, r, s, at, off in zip(
        hist.candidate.tolist(),
        hist.role.tolist(),
        hist.stage.tolist(),
        stamps.tolist(),
        offsets.tolist(),
    ):
        yield {
            "candidate": cand_ids[c],
            "role": role_ids[r],
            "type": STAGES[s],
            "actor": ACTORS[s],
            "at": at + off,
        }


def truth_rows(truth: Truth, cand_ids: list[str], role_ids: list[str]) -> Iterator[dict[str, Any]]:
    for d, c, r, f, g in zip(
        truth.direction.tolist(),
        truth.candidate.tolist(),
        truth.role.tolist(),
        truth.fit.tolist(),
        truth.relevance.tolist(),
    ):
        query = role_ids[r] if d == 0 else cand_ids[c]
        yield {
            "direction": "role" if d == 0 else "candidate",
            "query": query,
            "candidate": cand_ids[c],
            "role": role_ids[r],
            "fit": round(f, 4),
            "relevance": g,
        }


def domain_rows() -> Iterator[dict[str, Any]]:
    for d, name in zip(DOMAIN_IDS, DOMAIN_NAMES):
        yield {"id": d, "name": name}


def organization_rows(places: Places) -> Iterator[dict[str, Any]]:
    for i, org in enumerate(places.org_ids):
        yield {
            "id": org,
            "name": places.org_names[i],
            "location": places.city_ids[places.org_city[i]],
            "domain": DOMAIN_IDS[places.org_domain[i]],
        }


def occupation_rows(cat: Catalog) -> Iterator[dict[str, Any]]:
    for o in cat.occupations:
        yield {
            "id": o.id,
            "name": o.name,
            "aliases": o.aliases,
            "description": o.description,
            "isco_group": o.isco_group,
            "esco_uri": o.esco_uri,
        }


def similarity_rows(cat: Catalog) -> Iterator[dict[str, Any]]:
    for e in cat.edges:
        yield {"source": e.source_id, "target": e.target_id, "weight": e.weight}
