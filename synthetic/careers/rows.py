"""Dataset rows of the careers world: candidates and roles as the other ATS exports them.

The ``skills`` field names a skill by its ESCO id (55 %), by its preferred name or an ESCO
alias written in another case or with ``-`` / ``_`` for spaces (45 %). The importer resolves
names and aliases case- and punctuation-insensitively (``loaders.resolve.normalise``), so a
variant is used only when its normalised form belongs to this one skill of the catalog;
otherwise the id is written. Fields are often missing, as ``loaders/records.py`` allows:
location 8 %, signals 45 % (and single signals 15 %), preferences 30 %, levels for 25 % of
people, years for 35 %, nationality 10 %. Other tables are the shared ones (``synthetic.rows``).

Example:
    >>> spell("manage ICT projects", 0.1)
    'MANAGE ICT PROJECTS'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np

from loaders.resolve import normalise
from synthetic.careers.people import CareerPeople
from synthetic.catalog import Catalog
from synthetic.domains import DOMAIN_IDS
from synthetic.places import Places
from synthetic.population import AGE_BANDS, GENDERS
from synthetic.roles import Roles
from synthetic.rows import SIGNALS, month, role_fields

ID_SHARE = 0.55


def spell(name: str, u: float) -> str:
    """A variant of a label the importer still resolves (case, separators)."""
    if u < 0.25:
        return name.upper()
    if u < 0.5:
        return name.lower()
    if u < 0.75:
        return name.title()
    return name.replace(" ", "-" if u < 0.9 else "_")


def resolvable_names(cat: Catalog) -> list[list[str]]:
    """Per skill, its labels whose normalised form names no other skill of the catalog."""
    owners: dict[str, set[int]] = defaultdict(set)
    for i, s in enumerate(cat.skills):
        for label in (s.name, *s.aliases):
            if label and normalise(label):
                owners[normalise(label)].add(i)
    return [
        [x for x in dict.fromkeys((s.name, *s.aliases)) if x and owners.get(normalise(x)) == {i}]
        for i, s in enumerate(cat.skills)
    ]


def candidate_rows(
    cat: Catalog,
    places: Places,
    people: CareerPeople,
    ids: list[str],
    texts: tuple[list[str | None], list[str], list[list[str]]],
    rng: np.random.Generator,
    signal_shift: np.ndarray | None = None,
    signal_shown: np.ndarray | None = None,
) -> Iterator[dict[str, Any]]:
    """Candidate rows; ``signal_shift`` (n x 4, the proxy world's) is added to the drawn
    signals, clipped to [0, 1]; where ``signal_shown`` (n x 4 bool) is True the signal is
    always written (a recorded absence is exported)."""
    headlines, summaries, titles = texts
    labels = resolvable_names(cat)
    skill_ids = [s.id for s in cat.skills]
    u = rng.random((people.n, 8))
    su = rng.random((len(people.skill_idx), 3))
    drawn = np.column_stack(
        [
            rng.beta(8, 2, people.n),
            rng.beta(9, 1.5, people.n),
            np.clip(0.3 + 0.4 * people.craft + rng.normal(0, 0.15, people.n), 0, 1),
            rng.beta(2, 5, people.n),
        ]
    )
    if signal_shift is not None:
        drawn = np.clip(drawn + signal_shift, 0.0, 1.0)
    signals = np.round(drawn, 2).tolist()
    drop_signal = rng.random((people.n, 4)) < 0.15
    has_signals = u[:, 4] >= 0.45
    if signal_shown is not None:
        drop_signal &= ~signal_shown
        has_signals |= signal_shown.any(axis=1)
    for c in range(people.n):
        part = slice(int(people.skill_ptr[c]), int(people.skill_ptr[c + 1]))
        skills = []
        for k, lv, y, listed, (a, b, d) in zip(
            people.skill_idx[part].tolist(),
            people.skill_level[part].tolist(),
            people.skill_years[part].tolist(),
            people.skill_listed[part].tolist(),
            su[part].tolist(),
        ):
            if not listed:
                continue
            ref = skill_ids[k]
            if a >= ID_SHARE and labels[k]:
                ref = spell(labels[k][int(b * len(labels[k]))], d)
            item: dict[str, Any] = {"skill": ref}
            if u[c, 0] >= 0.25:
                item["level"] = lv
            if u[c, 1] >= 0.35:
                item["years"] = y
            skills.append(item)
        jobs = slice(int(people.job_ptr[c]), int(people.job_ptr[c + 1]))
        experience = []
        for j, (o, occ, st, en) in enumerate(
            zip(
                people.job_org[jobs].tolist(),
                people.job_occ[jobs].tolist(),
                people.job_start[jobs].tolist(),
                people.job_end[jobs].tolist(),
            )
        ):
            stint: dict[str, Any] = {
                "organization": places.org_ids[o],
                "title": titles[c][j],
                "start": month(st),
                "end": None if en < 0 else month(en),
            }
            if u[c, 2] < 0.5:
                stint["domain"] = DOMAIN_IDS[cat.occupation_domain[occ]]
            experience.append(stint)
        row: dict[str, Any] = {"id": ids[c]}
        if headlines[c] is not None:
            row["headline"] = headlines[c]
        row["summary"] = summaries[c]
        if u[c, 3] >= 0.08:
            row["location"] = places.city_ids[people.city[c]]
        row["skills"] = skills
        row["experience"] = experience
        if has_signals[c]:
            row["signals"] = {
                s: v for s, v, drop in zip(SIGNALS, signals[c], drop_signal[c]) if not drop
            }
        if u[c, 5] >= 0.30:
            row["preferences"] = {
                "locations": [places.city_ids[i] for i in people.pref_cities[c].tolist() if i >= 0],
                "domains": [DOMAIN_IDS[d] for d in people.pref_domains[c].tolist()],
                "remote": bool(people.remote_ok[c]),
            }
        sensitive = {
            "gender": GENDERS[people.gender[c]],
            "age_band": AGE_BANDS[people.age_band[c]],
        }
        if u[c, 6] >= 0.10:
            sensitive["nationality"] = places.country_ids[people.nationality[c]]
        row["sensitive"] = sensitive
        yield row


def role_rows(
    cat: Catalog,
    places: Places,
    roles: Roles,
    ids: list[str],
    texts: tuple[list[str], list[str | None]],
) -> Iterator[dict[str, Any]]:
    titles, descriptions = texts
    for r in range(roles.n):
        row: dict[str, Any] = {"id": ids[r], "title": titles[r]}
        if descriptions[r] is not None:
            row["description"] = descriptions[r]
        yield row | role_fields(cat, places, roles, r)
