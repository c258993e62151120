"""Dataset rows of a synthetic world: numpy arrays -> the JSON objects of each table.

Each function yields the rows of one table in the DESIGN.md format (``loaders/records.py``
validates them); ids are ``c00001`` (candidates), ``r00001`` (roles), ``org00001``
(organizations), ESCO ids for skills and occupations, ``de`` / ``de-berlin`` for places.

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
from synthetic.people import AGE_BANDS, GENDERS, Candidates
from synthetic.roles import Roles
from synthetic.truth import Truth
from synthetic.world import World

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


def place_rows(world: World) -> Iterator[dict[str, Any]]:
    for code, name in zip(world.country_ids, world.country_names):
        yield {"id": code, "name": name, "parent": None, "kind": "country"}
    for i, (code, name) in enumerate(zip(world.city_ids, world.city_names)):
        yield {
            "id": code,
            "name": name,
            "parent": world.country_ids[world.city_country[i]],
            "kind": "city",
        }


def role_fields(cat: Catalog, world: World, roles: Roles, r: int) -> dict[str, Any]:
    """Role ``r``'s row after its id and texts: placement, occupation, skills, capacity
    (shared by both worlds' role rows)."""
    part = roles.skills(r)
    return {
        "organization": world.org_ids[roles.org[r]],
        "location": world.city_ids[roles.city[r]],
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


def role_rows(
    cat: Catalog, world: World, roles: Roles, ids: list[str], texts: tuple[list[str], list[str]]
) -> Iterator[dict[str, Any]]:
    titles, descriptions = texts
    for r in range(roles.n):
        head = {"id": ids[r], "title": titles[r], "description": descriptions[r]}
        yield head | role_fields(cat, world, roles, r)


def candidate_rows(
    cat: Catalog,
    world: World,
    people: Candidates,
    ids: list[str],
    texts: tuple[list[str], list[str]],
) -> Iterator[dict[str, Any]]:
    headlines, summaries = texts
    skill_ids = [s.id for s in cat.skills]
    titles = [o.name[:1].upper() + o.name[1:] for o in cat.occupations]
    signals = people.signals.tolist()
    for c in range(people.n):
        part = slice(people.skill_ptr[c], people.skill_ptr[c + 1])
        listed = people.skill_listed[part]
        jobs = slice(people.job_ptr[c], people.job_ptr[c + 1])
        yield {
            "id": ids[c],
            "headline": headlines[c],
            "summary": summaries[c],
            "location": world.city_ids[people.city[c]],
            "skills": [
                {"skill": skill_ids[s], "level": lv, "years": y}
                for s, lv, y in zip(
                    people.skill_idx[part][listed].tolist(),
                    people.skill_level[part][listed].tolist(),
                    people.skill_years[part][listed].tolist(),
                )
            ],
            "experience": [
                {
                    "organization": world.org_ids[o],
                    "title": titles[occ],
                    "domain": DOMAIN_IDS[cat.occupation_domain[occ]],
                    "start": month(st),
                    "end": None if en < 0 else month(en),
                }
                for o, occ, st, en in zip(
                    people.job_org[jobs].tolist(),
                    people.job_occ[jobs].tolist(),
                    people.job_start[jobs].tolist(),
                    people.job_end[jobs].tolist(),
                )
            ],
            "signals": dict(
                zip(("reliability", "attendance", "engagement", "churn_risk"), signals[c])
            ),
            "preferences": {
                "locations": [world.city_ids[i] for i in people.pref_cities[c].tolist() if i >= 0],
                "domains": [DOMAIN_IDS[d] for d in people.pref_domains[c].tolist() if d >= 0],
                "remote": bool(people.remote_ok[c]),
            },
            "sensitive": {
                "gender": GENDERS[people.gender[c]],
                "age_band": AGE_BANDS[people.age_band[c]],
                "nationality": world.country_ids[people.nationality[c]],
            },
        }


def interaction_rows(
    world: World, roles: Roles, hist: History, cand_ids: list[str], role_ids: list[str]
) -> Iterator[dict[str, Any]]:
    offsets = np.array(world.country_offsets)[world.city_country[roles.city[hist.role]]]
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


def organization_rows(world: World) -> Iterator[dict[str, Any]]:
    for i, org in enumerate(world.org_ids):
        yield {
            "id": org,
            "name": world.org_names[i],
            "location": world.city_ids[world.org_city[i]],
            "domain": DOMAIN_IDS[world.org_domain[i]],
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
