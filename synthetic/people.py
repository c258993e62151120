"""Candidates of a synthetic world: skills, careers, places, preferences, signals, demographics.

Everything is drawn as numpy arrays, one row per candidate. What enters the true fit (skill
levels, occupations, location and preferences, signals) is drawn independently of gender,
age band and nationality; the career history is drawn *given* age (an 18-year-old has a short
one), so ``years`` and the number of past jobs are age proxies that carry no merit.

A candidate's true skills are split into *listed* ones (the ``skills`` field, i.e. the graph)
and a few *text-only* ones that only the summary mentions.

Example:
    >>> import numpy as np
    >>> from synthetic.catalog import build_catalog
    >>> from synthetic.world import build_world
    >>> cat = build_catalog(12, np.random.default_rng(0))
    >>> world = build_world(6, cat.occupation_domain, np.random.default_rng(1))
    >>> people = draw_candidates(50, cat, world, np.ones(12), np.random.default_rng(2))
    >>> people.n, bool((people.age >= 18).all())
    (50, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.catalog import Catalog
from synthetic.world import World

GENDERS: tuple[str, ...] = ("female", "male", "non-binary")
GENDER_SHARES: tuple[float, ...] = (0.485, 0.495, 0.02)
AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_SHARES: tuple[float, ...] = (0.12, 0.24, 0.23, 0.21, 0.16, 0.04)
AGE_LIMITS: tuple[tuple[float, float], ...] = (
    (18, 25),
    (25, 35),
    (35, 45),
    (45, 55),
    (55, 65),
    (65, 72),
)
REFERENCE_MONTH = 2025 * 12 + 5  # June 2025: "now" of every generated world (never the clock)
MAX_JOBS = 6
LISTED_SHARE = 0.88  # a true skill is in the graph with this probability, else text-only
SECONDARY_SHARE = 0.35
SECONDARY_DAMPING = 0.35
GENERAL_SKILLS_MEAN = 1.2


@dataclass(frozen=True)
class Candidates:
    """Candidate arrays (``n`` rows) and their skills and jobs in CSR layout.

    ``secondary`` is -1 when a candidate has one occupation; ``relocate`` is 0 (no), 1
    (within the country) or 2 (abroad too); ``pref_cities``/``pref_domains`` are padded with
    -1; ``signals`` columns are reliability, attendance, engagement, churn risk. Jobs are most
    recent first, months count from year 0 (``job_end`` -1: current job).
    """

    n: int
    primary: np.ndarray
    secondary: np.ndarray
    city: np.ndarray
    relocate: np.ndarray
    remote_ok: np.ndarray
    pref_cities: np.ndarray
    pref_domains: np.ndarray
    signals: np.ndarray
    gender: np.ndarray
    age_band: np.ndarray
    age: np.ndarray
    nationality: np.ndarray
    career_years: np.ndarray
    skill_ptr: np.ndarray
    skill_idx: np.ndarray
    skill_level: np.ndarray
    skill_years: np.ndarray
    skill_listed: np.ndarray
    job_ptr: np.ndarray
    job_org: np.ndarray
    job_occ: np.ndarray
    job_start: np.ndarray
    job_end: np.ndarray


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


def _draw_jobs(
    cat: Catalog,
    world: World,
    primary: np.ndarray,
    secondary: np.ndarray,
    career_years: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, ...]:
    """Career histories walked back from the reference month; at least one job each."""
    n = len(primary)
    start_month = REFERENCE_MONTH - np.round(career_years * 12).astype(np.int64)
    n_jobs = np.clip(1 + rng.poisson(career_years / 6.0), 1, MAX_JOBS)
    mean_length = np.maximum(6.0, (REFERENCE_MONTH - start_month) / n_jobs)
    current = rng.random(n) < 0.8
    end = np.where(current, REFERENCE_MONTH, REFERENCE_MONTH - rng.integers(1, 13, n))
    end = np.maximum(end, start_month + 3)
    alive = np.ones(n, bool)
    domain_occ = [
        np.flatnonzero(cat.occupation_domain == d)
        for d in range(int(cat.occupation_domain.max()) + 1)
    ]
    orgs = world.orgs_by_domain(
        max(int(world.org_domain.max()), int(cat.occupation_domain.max())) + 1
    )
    columns: list[tuple[np.ndarray, ...]] = []
    for j in range(MAX_JOBS):
        alive &= (j < n_jobs) & (end - start_month >= 3)
        idx = np.flatnonzero(alive)
        length = np.maximum(3, np.round(rng.exponential(mean_length[idx])).astype(np.int64))
        start = np.maximum(end[idx] - length, start_month[idx])
        u = rng.random(len(idx))
        occ = primary[idx].copy()
        if j > 0:
            sec = np.where(secondary[idx] >= 0, secondary[idx], primary[idx])
            occ = np.where(u < 0.6, occ, np.where(u < 0.85, sec, occ))
            other = u >= 0.85
            for k in np.flatnonzero(other):
                pool = domain_occ[cat.occupation_domain[primary[idx[k]]]]
                occ[k] = pool[int(rng.integers(len(pool)))]
        domain = cat.occupation_domain[occ]
        pick = rng.random(len(idx))
        org = np.empty(len(idx), dtype=np.int64)
        for d in np.unique(domain):
            rows = np.flatnonzero(domain == d)
            pool = orgs[d] if d < len(orgs) and len(orgs[d]) else np.arange(len(world.org_ids))
            org[rows] = pool[(pick[rows] * len(pool)).astype(np.int64)]
        job_end = np.where((j == 0) & current[idx], -1, end[idx])
        columns.append((idx, np.full(len(idx), j), org, occ, start, job_end))
        end[idx] = start - rng.integers(0, 7, len(idx))
    cand = np.concatenate([c[0] for c in columns])
    rank = np.concatenate([c[1] for c in columns])
    order = np.lexsort((rank, cand))
    stacked = [np.concatenate([c[i] for c in columns])[order] for i in range(2, 6)]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(cand, minlength=n))])
    return (ptr, *stacked)


def draw_candidates(
    n: int, cat: Catalog, world: World, demand: np.ndarray, rng: np.random.Generator
) -> Candidates:
    """Draw ``n`` candidates.

    Args:
        n: how many.
        cat: the skill catalog.
        world: places and organizations.
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

    band = rng.choice(len(AGE_BANDS), n, p=AGE_SHARES)
    lo, hi = np.array(AGE_LIMITS)[band].T
    age = rng.uniform(lo + 0.5, hi)
    career_start = 18.0 + np.minimum(rng.exponential(2.5, n), age - 18.25)
    career_years = age - career_start
    years = np.round(career_years[cand] * rng.uniform(0.25, 1.0, len(cand)), 1)
    listed = rng.random(len(cand)) < LISTED_SHARE

    city = rng.choice(len(world.city_ids), n, p=world.city_weight)
    relocate = rng.choice(3, n, p=(0.6, 0.3, 0.1))
    remote_ok = rng.random(n) < 0.35
    pref_cities = -np.ones((n, 3), dtype=np.int64)
    pref_cities[:, 0] = city
    country = world.city_country[city]
    for c in np.flatnonzero(relocate > 0):
        pool = (
            np.flatnonzero(world.city_country == country[c])
            if relocate[c] == 1
            else np.arange(len(world.city_ids))
        )
        pool = pool[pool != city[c]]
        picks = rng.choice(pool, size=min(2, len(pool)), replace=False)
        pref_cities[c, 1 : 1 + len(picks)] = picks
    pref_domains = -np.ones((n, 2), dtype=np.int64)
    pref_domains[:, 0] = cat.occupation_domain[primary]
    second = np.where(secondary >= 0, cat.occupation_domain[np.maximum(secondary, 0)], -1)
    pref_domains[:, 1] = np.where(second != pref_domains[:, 0], second, -1)

    signals = np.column_stack(
        [rng.beta(8, 2, n), rng.beta(9, 1.5, n), rng.beta(4, 3, n), rng.beta(2, 5, n)]
    )
    gender = rng.choice(len(GENDERS), n, p=GENDER_SHARES)
    abroad = rng.random(n) >= 0.85
    other = (country + rng.integers(1, len(world.country_ids), n)) % len(world.country_ids)
    nationality = np.where(abroad, other, country)
    jobs = _draw_jobs(cat, world, primary, secondary, career_years, rng)
    return Candidates(
        n,
        primary,
        secondary,
        city,
        relocate,
        remote_ok,
        pref_cities,
        pref_domains,
        np.round(signals, 2),
        gender,
        band,
        age,
        nationality,
        career_years,
        skill_ptr,
        skill,
        np.round(level, 2),
        years,
        listed,
        *jobs,
    )
