"""Free text of the first world (``esco``): candidate headlines and summaries, role descriptions.

Text and graph each carry part of the signal. A summary names about half of the candidate's
listed skills and *all* text-only skills (true skills missing from the ``skills`` field);
a skill is written as one of its ESCO alternative labels 60 % of the time, so matching on
preferred names alone misses it. Role descriptions name a few required and optional skills
the same way; the full requirement list is in the ``skills`` field.

Example:
    >>> article("engineer"), article("nurse")
    ('an', 'a')
"""

from __future__ import annotations

import numpy as np

from synthetic.catalog import Catalog
from synthetic.domains import DOMAIN_NAMES
from synthetic.esco.people import Candidates
from synthetic.phrases import capitalised, join_phrases
from synthetic.places import Places
from synthetic.roles import SENIORITY, Roles

ALIAS_SHARE = 0.6
MENTION_SHARE = 0.5


def article(word: str) -> str:
    """``a`` or ``an`` (by the first letter; good enough for occupation names)."""
    return "an" if word[:1].lower() in "aeiou" else "a"


class Phrasing:
    """Writes a skill or an occupation as its name or one of its aliases.

    Args:
        cat: the catalog (names and aliases).
    """

    def __init__(self, cat: Catalog) -> None:
        self.skill_names = [[s.name, *s.aliases] for s in cat.skills]
        self.occupation_names = [[o.name, *o.aliases] for o in cat.occupations]

    @staticmethod
    def _pick(names: list[str], u: float) -> str:
        if len(names) == 1 or u >= ALIAS_SHARE:
            return names[0]
        return names[1 + int(u / ALIAS_SHARE * (len(names) - 1))]

    def skill(self, index: int, u: float) -> str:
        return self._pick(self.skill_names[index], u)

    def occupation(self, index: int, u: float) -> str:
        return self._pick(self.occupation_names[index], u)


def candidate_texts(
    cat: Catalog, places: Places, people: Candidates, rng: np.random.Generator
) -> tuple[list[str], list[str]]:
    """Headline and summary of every candidate."""
    phrasing = Phrasing(cat)
    u = rng.random((people.n, 4))
    skill_u = rng.random(len(people.skill_idx))
    mention = (rng.random(len(people.skill_idx)) < MENTION_SHARE) | ~people.skill_listed
    headlines, summaries = [], []
    for c in range(people.n):
        part = slice(people.skill_ptr[c], people.skill_ptr[c + 1])
        skills, levels = people.skill_idx[part], people.skill_level[part]
        said = np.flatnonzero(mention[part])
        said = said[np.argsort(-levels[said], kind="stable")]
        phrases = [phrasing.skill(int(skills[i]), float(skill_u[part][i])) for i in said]
        years = people.career_years[c]
        job = phrasing.occupation(int(people.primary[c]), float(u[c, 0]))
        level = "Junior " if years < 2 else "Senior " if years >= 10 else ""
        top = phrases[:2]
        headlines.append(capitalised(f"{level}{job}") + (" | " + ", ".join(top) if top else ""))
        orgs = people.job_org[people.job_ptr[c] : people.job_ptr[c + 1]]
        n_years = max(1, round(years))
        domain = DOMAIN_NAMES[cat.occupation_domain[people.primary[c]]].lower()
        plural = "s" if n_years > 1 else ""
        sentences = [f"{capitalised(job)} with {n_years} year{plural} of experience in {domain}."]
        if phrases:
            opener = ("Skilled in", "Experienced in", "Strong background in", "Hands-on with")[
                int(u[c, 1] * 4)
            ]
            sentences.append(f"{opener} {join_phrases(phrases[:6])}.")
            if len(phrases) > 6:
                sentences.append(f"Also: {join_phrases(phrases[6:])}.")
        if len(orgs):
            names = list(dict.fromkeys(places.org_names[o] for o in orgs[:3]))
            sentences.append(f"Worked at {join_phrases(names)}.")
        city = places.city_names[people.city[c]]
        where = f"Based in {city}"
        if people.relocate[c] == 2:
            where += ", open to relocating abroad"
        elif people.relocate[c] == 1:
            where += ", open to relocating"
        if people.remote_ok[c]:
            where += "; prefers remote work"
        summaries.append(" ".join(sentences) + f" {where}.")
    return headlines, summaries


def role_texts(
    cat: Catalog, places: Places, roles: Roles, rng: np.random.Generator
) -> tuple[list[str], list[str]]:
    """Title and description of every role."""
    phrasing = Phrasing(cat)
    u = rng.random((roles.n, 2))
    skill_u = rng.random(len(roles.skill_idx))
    titles, descriptions = [], []
    for r in range(roles.n):
        occupation = int(roles.occupation[r])
        titles.append(capitalised(SENIORITY[roles.seniority[r]] + cat.occupations[occupation].name))
        part = roles.skills(r)
        skills, required = roles.skill_idx[part], roles.skill_required[part]
        must = [
            phrasing.skill(int(s), float(x))
            for s, x in zip(skills[required], skill_u[part][required])
        ]
        nice = [
            phrasing.skill(int(s), float(x))
            for s, x in zip(skills[~required], skill_u[part][~required])
        ]
        org = places.org_names[roles.org[r]]
        city = places.city_names[roles.city[r]]
        job = phrasing.occupation(occupation, float(u[r, 0]))
        text = f"{org} is hiring {article(job)} {job} in {city}"
        text += " (remote possible)." if roles.remote[r] else "."
        if must:
            lead = "Key skills" if u[r, 1] < 0.5 else "Must have"
            text += f" {lead}: {join_phrases(must[:4])}."
        if nice:
            text += f" Nice to have: {join_phrases(nice[:2])}."
        if roles.capacity[r] > 1:
            text += f" {roles.capacity[r]} openings."
        descriptions.append(text)
    return titles, descriptions
