"""Dataset rows of the first world (``esco``): candidates and roles, every field filled.

The other tables are the shared ones (``synthetic.rows``).

Example:
    >>> rows = list(role_rows(cat, places, roles, ids("r", roles.n), texts))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from synthetic.catalog import Catalog
from synthetic.domains import DOMAIN_IDS
from synthetic.esco.people import Candidates
from synthetic.places import Places
from synthetic.population import AGE_BANDS, GENDERS
from synthetic.roles import Roles
from synthetic.rows import month, role_fields


def role_rows(
    cat: Catalog, places: Places, roles: Roles, ids: list[str], texts: tuple[list[str], list[str]]
) -> Iterator[dict[str, Any]]:
    titles, descriptions = texts
    for r in range(roles.n):
        head = {"id": ids[r], "title": titles[r], "description": descriptions[r]}
        yield head | role_fields(cat, places, roles, r)


def candidate_rows(
    cat: Catalog,
    places: Places,
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
            "location": places.city_ids[people.city[c]],
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
                    "organization": places.org_ids[o],
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
                "locations": [places.city_ids[i] for i in people.pref_cities[c].tolist() if i >= 0],
                "domains": [DOMAIN_IDS[d] for d in people.pref_domains[c].tolist() if d >= 0],
                "remote": bool(people.remote_ok[c]),
            },
            "sensitive": {
                "gender": GENDERS[people.gender[c]],
                "age_band": AGE_BANDS[people.age_band[c]],
                "nationality": places.country_ids[people.nationality[c]],
            },
        }
