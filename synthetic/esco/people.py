"""Candidates of the first world (``esco``): skills, occupations, places, signals, demographics.

Everything is drawn as numpy arrays, one row per candidate. What enters the true fit (skill
levels, occupations, location and preferences, signals) is drawn independently of gender,
age band and nationality; the career history is drawn *given* age (an 18-year-old has a short
one), so ``years`` and the number of past jobs are age proxies that carry no merit.

A candidate's true skills are split into *listed* ones (the ``skills`` field, i.e. the graph)
and a few *text-only* ones that only the summary mentions.

Example:
    >>> import numpy as np
    >>> from synthetic.catalog import build_catalog
    >>> from synthetic.places import build_places
    >>> cat = build_catalog(12, np.random.default_rng(0))
    >>> places = build_places(6, cat.occupation_domain, np.random.default_rng(1))
    >>> people = draw_candidates(50, cat, places, np.ones(12), np.random.default_rng(2))
    >>> people.n, bool((people.age >= 18).all())
    (50, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.catalog import Catalog
from synthetic.places import Places
from synthetic.population import (
    People,
    draw_ages,
    draw_gender_and_nationality,
    draw_homes,
    draw_jobs,
)

LISTED_SHARE = 0.88  # a true skill is in the graph with this probability, else text-only
SECONDARY_SHARE = 0.35
SECONDARY_DAMPING = 0.35
GENERAL_SKILLS_MEAN = 1.2


@dataclass(frozen=True)
class Candidates(People):
    """The first world's candidates: :class:`~synthetic.population.People` plus occupations,
    signals and age.

    ``secondary`` is -1 when a candidate has one occupation; ``signals`` columns are
    reliability, attendance, engagement, churn risk.
    """

    primary: np.ndarray
    secondary: np.ndarray
    signals: np.ndarray
    age: np.ndarray


def _padded(cat: Catalog) -> tuple[np.ndarray, np.ndarray]:
    """Occupation x slot matrices of skill index (-1 pad) and inclusion probability."""
    lengths = np.diff(cat.occ_ptr)
    width = int(lengths.max())
    skill = -np.ones((len(lengths), width), dtype=np.int64)
    prob = np.zeros((len(lengths), width))
    for o in range(len(lengths)):
        part = cat.occupation_skills(o)
        skill[o, : lengths[o]] = cat.occ_skill[part]
        prob[o, : lengths[o]] = (
            0.12 + 0.42 * cat.occ_importance[part] + 0.08 * cat.occ_required[part]
        )
    return skill, prob


def _draw_skills(
    cat: Catalog, primary: np.ndarray, secondary: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(candidate, skill, core) triples, sorted, one per distinct skill of a candidate."""
    n = len(primary)
    slot_skill, slot_prob = _padded(cat)
    take = rng.random(slot_prob.shape[1] * n).reshape(n, -1) < slot_prob[primary]
    rows, cols = np.nonzero(take)
    parts = [(rows, slot_skill[primary[rows], cols], np.ones(len(rows), bool))]
    has = np.flatnonzero(secondary >= 0)
    take2 = (
        rng.random((len(has), slot_prob.shape[1])) < SECONDARY_DAMPING * slot_prob[secondary[has]]
    )
    r2, c2 = np.nonzero(take2)
    parts.append((has[r2], slot_skill[secondary[has][r2], c2], np.zeros(len(r2), bool)))
    popularity = np.bincount(cat.occ_skill, minlength=len(cat.skills)).astype(float)
    general = (
        np.flatnonzero(popularity >= 3) if (popularity >= 3).any() else np.arange(len(cat.skills))
    )
    weights = popularity[general] / popularity[general].sum()
    count = rng.poisson(GENERAL_SKILLS_MEAN, n)
    owner = np.repeat(np.arange(n), count)
    parts.append((owner, rng.choice(general, len(owner), p=weights), np.zeros(len(owner), bool)))
    cand = np.concatenate([p[0] for p in parts])
    skill = np.concatenate([p[1] for p in parts])
    core = np.concatenate([p[2] for p in parts])
    key = cand * len(cat.skills) + skill
    order = np.lexsort((~core, key))  # keep the "core" copy of a duplicate
    key, core = key[order], core[order]
    first = np.ones(len(key), bool)
    first[1:] = key[1:] != key[:-1]
    key, core = key[first], core[first]
    return key // len(cat.skills), key % len(cat.skills), core


def draw_candidates(
    n: int, cat: Catalog, places: Places, demand: np.ndarray, rng: np.random.Generator
) -> Candidates:
    """Draw ``n`` candidates.

    Args:
        n: how many.
        cat: the skill catalog.
        places: countries, cities and organizations.
        demand: relative number of roles per occupation; supply follows it loosely.
        rng: the generator's random stream for this step.

    Returns:
        The candidates.
    """
    n_occ = len(cat.occupations)
    supply = demand * rng.uniform(0.5, 1.5, n_occ)
    primary = rng.choice(n_occ, n, p=supply / supply.sum())
    same_domain = rng.random(n) < 0.7
    secondary = -np.ones(n, dtype=np.int64)
    has_secondary = np.flatnonzero(rng.random(n) < SECONDARY_SHARE)
    for c in has_secondary:
        d = cat.occupation_domain[primary[c]]
        pool = np.flatnonzero(cat.occupation_domain == d) if same_domain[c] else np.arange(n_occ)
        pool = pool[pool != primary[c]]
        if len(pool):
            secondary[c] = pool[int(rng.integers(len(pool)))]

    cand, skill, core = _draw_skills(cat, primary, secondary, rng)
    ability = rng.beta(5.0, 3.0, n)
    level = np.clip(ability[cand] + rng.normal(0.0, 0.18, len(cand)) + 0.06 * core, 0.05, 1.0)
    skill_ptr = np.concatenate([[0], np.cumsum(np.bincount(cand, minlength=n))])

    band, age, career_years = draw_ages(n, rng)
    years = np.round(career_years[cand] * rng.uniform(0.25, 1.0, len(cand)), 1)
    listed = rng.random(len(cand)) < LISTED_SHARE

    city, relocate, remote_ok, pref_cities = draw_homes(n, places, (0.6, 0.3, 0.1), 0.35, rng)
    pref_domains = -np.ones((n, 2), dtype=np.int64)
    pref_domains[:, 0] = cat.occupation_domain[primary]
    second = np.where(secondary >= 0, cat.occupation_domain[np.maximum(secondary, 0)], -1)
    pref_domains[:, 1] = np.where(second != pref_domains[:, 0], second, -1)

    signals = np.column_stack(
        [rng.beta(8, 2, n), rng.beta(9, 1.5, n), rng.beta(4, 3, n), rng.beta(2, 5, n)]
    )
    gender, nationality = draw_gender_and_nationality(city, places, 0.85, rng)
    jobs = draw_jobs(cat, places, primary, secondary, career_years, rng)
    return Candidates(
        n=n,
        primary=primary,
        secondary=secondary,
        city=city,
        relocate=relocate,
        remote_ok=remote_ok,
        pref_cities=pref_cities,
        pref_domains=pref_domains,
        signals=np.round(signals, 2),
        gender=gender,
        age_band=band,
        age=age,
        nationality=nationality,
        career_years=career_years,
        skill_ptr=skill_ptr,
        skill_idx=skill,
        skill_level=np.round(level, 2),
        skill_years=years,
        skill_listed=listed,
        **jobs,
    )
