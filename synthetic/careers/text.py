"""Messy text of the careers world: unseen skill synonyms, varying titles, boilerplate.

Another applicant-tracking system wrote these: skills appear as *unseen synonyms* that are
not ESCO labels (abbreviations "mgmt", "dev", "DB"; lower-case; reordered words "testing of
software"; one-letter typos), titles vary ("Sr. Software Dev", "Data Analyst II", "Lead ICT
Network Eng"), summaries are boilerplate of varying length, and some are empty.

Example:
    >>> abbreviate("database management")
    'DB mgmt'
    >>> typo("python", 0.2)
    'ptyhon'
"""

from __future__ import annotations

import re

import numpy as np

from synthetic.careers.people import CareerPeople
from synthetic.careers.roles import LEVEL_BANDS, RoleLatents
from synthetic.catalog import Catalog
from synthetic.phrases import capitalised, join_phrases
from synthetic.places import Places
from synthetic.roles import Roles

# fmt: off
ABBREVIATIONS: dict[str, str] = {
    "management": "mgmt", "development": "dev", "developer": "dev", "administration": "admin",
    "administrator": "admin", "configuration": "config", "database": "DB", "databases": "DBs",
    "application": "app", "applications": "apps", "information": "info", "technology": "tech",
    "technologies": "tech", "engineer": "eng", "engineering": "eng", "programming": "prog",
    "software": "SW", "security": "sec", "analysis": "analytics", "environment": "env",
    "specification": "spec", "specifications": "specs", "documentation": "docs",
    "requirements": "reqs", "infrastructure": "infra", "operations": "ops", "manager": "mgr",
    "systems": "sys", "system": "sys", "network": "net", "networks": "nets",
}
SENIOR_WORDS: tuple[tuple[str, ...], ...] = (
    ("Junior ", "Jr. ", "Graduate ", "Associate ", "Trainee ", ""),
    ("", "", "", "Mid-level "),
    ("Senior ", "Sr. ", "Senior ", "Experienced "),
    ("Lead ", "Principal ", "Head ", "Staff "),
)
GRADE_SUFFIX: tuple[tuple[str, ...], ...] = (("", " I"), ("", " II"), ("", " III"), ("", ""))
OPENERS: tuple[str, ...] = (
    "Passionate professional", "Results-driven team player", "Motivated self-starter",
    "Detail-oriented specialist", "Curious problem solver", "Reliable colleague",
)
CLOSERS: tuple[str, ...] = (
    "Looking for a new challenge.", "Open to opportunities.", "References on request.",
    "Available at short notice.", "Happy to relocate for the right role.", "",
)
ROLE_BOILERPLATE: tuple[str, ...] = (
    "We offer a competitive salary, flexible hours and a friendly team.",
    "Join a fast-growing company with a strong engineering culture.",
    "Equal opportunity employer. All applications are welcome.",
    "Hybrid working and a learning budget included.",
    "",
)
# fmt: on
_WORD = re.compile(r"[A-Za-z]+")


def abbreviate(phrase: str) -> str:
    """Replace the words of ``ABBREVIATIONS`` ("database management" -> "DB mgmt")."""
    return _WORD.sub(lambda m: ABBREVIATIONS.get(m.group(0).lower(), m.group(0)), phrase)


def typo(phrase: str, u: float) -> str:
    """Swap two adjacent letters of the longest word (position chosen by ``u``)."""
    words = phrase.split(" ")
    i = max(range(len(words)), key=lambda j: len(words[j]))
    word = words[i]
    if len(word) < 4:
        return phrase
    k = 1 + int(u * (len(word) - 3))
    words[i] = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
    return " ".join(words)


def reorder(phrase: str) -> str:
    """``verb rest`` -> ``rest (verb)``; ``a b`` -> ``b of a``; else the phrase."""
    words = phrase.split(" ")
    if len(words) >= 3:
        return " ".join(words[1:]) + f" ({words[0]})"
    if len(words) == 2:
        return f"{words[1]} of {words[0]}"
    return phrase


def unseen(name: str, aliases: list[str], u: float, v: float) -> str:
    """A way of writing a skill that is (usually) no ESCO label: chosen by ``u``."""
    if u < 0.25 and aliases:
        return aliases[int(v * len(aliases))]
    if u < 0.4:
        return name.lower()
    if u < 0.6:
        return abbreviate(name)
    if u < 0.75:
        return reorder(name)
    if u < 0.9:
        return typo(name, v)
    return name


def title_of(name: str, band: int, u: float, v: float) -> str:
    """A job title for an occupation at a level band, in one of many spellings."""
    words = SENIOR_WORDS[band]
    suffix = GRADE_SUFFIX[band]
    title = capitalised(name) if v < 0.5 else name.title().replace("Ict", "ICT")
    if v >= 0.7:
        title = abbreviate(title)
    return f"{words[int(u * len(words))]}{title}{suffix[int(v * 10) % len(suffix)]}".strip()


def band_of(seniority: float) -> int:
    """Level band (index into ``LEVEL_BANDS``) nearest to a seniority."""
    centres = [b[1] for b in LEVEL_BANDS]
    return int(np.argmin([abs(seniority - c) for c in centres]))


def people_texts(
    cat: Catalog, places: Places, people: CareerPeople, rng: np.random.Generator
) -> tuple[list[str | None], list[str], list[list[str]]]:
    """Headline (None for 5 %), summary ("" for 10 %) and the job titles of every person."""
    names = [s.name for s in cat.skills]
    aliases = [s.aliases for s in cat.skills]
    u = rng.random((people.n, 6))
    su = rng.random((len(people.skill_idx), 3))
    ju = rng.random((len(people.job_occ), 2))
    headlines: list[str | None] = []
    summaries: list[str] = []
    titles: list[list[str]] = []
    for c in range(people.n):
        jobs = slice(int(people.job_ptr[c]), int(people.job_ptr[c + 1]))
        band = band_of(float(people.seniority[c]))
        job_titles = [
            title_of(cat.occupations[o].name, max(0, band - k), float(a), float(b))
            for k, (o, (a, b)) in enumerate(zip(people.job_occ[jobs].tolist(), ju[jobs].tolist()))
        ]
        titles.append(job_titles)
        part = slice(int(people.skill_ptr[c]), int(people.skill_ptr[c + 1]))
        said = np.flatnonzero((su[part, 0] < 0.5) | ~people.skill_listed[part])
        said = said[np.argsort(-people.skill_level[part][said], kind="stable")]
        phrases = [
            unseen(names[k], aliases[k], float(a), float(b))
            for k, a, b in zip(
                people.skill_idx[part][said].tolist(),
                su[part, 1][said].tolist(),
                su[part, 2][said].tolist(),
            )
        ]
        head = job_titles[0] if job_titles else "ICT professional"
        headlines.append(
            None if u[c, 0] < 0.05 else head + (" | " + ", ".join(phrases[:2]) if phrases else "")
        )
        if u[c, 1] < 0.10:
            summaries.append("")
            continue
        years = max(1, round(float(people.career_years[c])))
        sentences = [f"{OPENERS[int(u[c, 2] * len(OPENERS))]} with {years}+ yrs in IT."]
        if phrases:
            cut = 2 + int(u[c, 3] * 6)
            sentences.append(f"Tools & skills: {', '.join(phrases[:cut])}.")
            if len(phrases) > cut and u[c, 4] < 0.6:
                sentences.append(f"Also {join_phrases(phrases[cut:])}.")
        if len(job_titles) > 1:
            sentences.append(f"Previously {job_titles[1]}.")
        if u[c, 5] < 0.7:
            sentences.append(f"Based in {places.city_names[people.city[c]]}.")
        sentences.append(CLOSERS[int(u[c, 4] * len(CLOSERS))])
        summaries.append(" ".join(s for s in sentences if s))
    return headlines, summaries, titles


def role_texts(
    cat: Catalog, places: Places, roles: Roles, latent: RoleLatents, rng: np.random.Generator
) -> tuple[list[str], list[str | None]]:
    """Title and description (None for 5 %) of every role."""
    names = [s.name for s in cat.skills]
    aliases = [s.aliases for s in cat.skills]
    u = rng.random((roles.n, 4))
    su = rng.random((len(roles.skill_idx), 2))
    titles: list[str] = []
    descriptions: list[str | None] = []
    for r in range(roles.n):
        name = cat.occupations[roles.occupation[r]].name
        title = title_of(name, int(latent.band[r]), float(u[r, 0]), float(u[r, 1]))
        titles.append(title)
        if u[r, 2] < 0.05:
            descriptions.append(None)
            continue
        part = roles.skills(r)
        req = roles.skill_required[part]
        phrases = [
            unseen(names[k], aliases[k], float(a), float(b))
            for k, a, b in zip(
                roles.skill_idx[part].tolist(), su[part, 0].tolist(), su[part, 1].tolist()
            )
        ]
        must = [x for x, q in zip(phrases, req.tolist()) if q][:5]
        nice = [x for x, q in zip(phrases, req.tolist()) if not q][:3]
        text = f"{places.org_names[roles.org[r]]} is looking for a {title}"
        text += " (remote)." if roles.remote[r] else f" in {places.city_names[roles.city[r]]}."
        if must:
            text += f" You bring: {', '.join(must)}."
        if nice and u[r, 3] < 0.7:
            text += f" Bonus: {join_phrases(nice)}."
        board = ROLE_BOILERPLATE[int(u[r, 3] * len(ROLE_BOILERPLATE))]
        descriptions.append(f"{text} {board}".strip())
    return titles, descriptions
