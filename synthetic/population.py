"""What the people of every synthetic world have: places, preferences, demographics, skills, jobs.

:class:`People` holds the arrays the shared steps read (the history, the proxy world, the
rows of the shared tables); each world's own people extend it with their latents (the first
world's ``Candidates``, the careers world's ``CareerPeople``). Both worlds draw ages, homes,
gender and nationality, and job histories (walked back from ``REFERENCE_MONTH``) with the
functions here, each with its own shares.

Example:
    >>> GENDERS[0], AGE_BANDS[0], REFERENCE_MONTH // 12
    ('female', '18-24', 2025)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.catalog import Catalog
from synthetic.places import Places

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


@dataclass(frozen=True)
class People:
    """Arrays of ``n`` people, one row each; skills and jobs in CSR layout.

    ``relocate`` is 0 (no), 1 (within the country) or 2 (abroad too); ``pref_cities`` /
    ``pref_domains`` are padded with -1; ``skill_listed`` False: the skill is text-only (the
    summary names it, the ``skills`` field does not). Jobs are most recent first, months count
    from year 0 (``job_end`` -1: current job).
    """

    n: int
    city: np.ndarray
    relocate: np.ndarray
    remote_ok: np.ndarray
    pref_cities: np.ndarray
    pref_domains: np.ndarray
    gender: np.ndarray
    age_band: np.ndarray
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


def draw_ages(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Age band, age and career length in years of ``n`` people (careers start at 18 or later).

    Drawn independently of everything that enters a true fit; career length follows age.
    """
    band = rng.choice(len(AGE_BANDS), n, p=AGE_SHARES)
    lo, hi = np.array(AGE_LIMITS)[band].T
    age = rng.uniform(lo + 0.5, hi)
    career_years = age - (18.0 + np.minimum(rng.exponential(2.5, n), age - 18.25))
    return band, age, career_years


def draw_homes(
    n: int,
    places: Places,
    relocate_shares: tuple[float, float, float],
    remote_share: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where ``n`` people live and would work.

    Returns:
        ``city`` (by city weight), ``relocate`` (0, 1, 2 with ``relocate_shares``),
        ``remote_ok`` (``remote_share`` of people) and ``pref_cities`` (n x 3: the home city,
        then up to two more in the country, or anywhere for those who would move abroad).
    """
    city = rng.choice(len(places.city_ids), n, p=places.city_weight)
    relocate = rng.choice(3, n, p=relocate_shares)
    remote_ok = rng.random(n) < remote_share
    pref_cities = -np.ones((n, 3), dtype=np.int64)
    pref_cities[:, 0] = city
    country = places.city_country[city]
    for c in np.flatnonzero(relocate > 0):
        pool = (
            np.flatnonzero(places.city_country == country[c])
            if relocate[c] == 1
            else np.arange(len(places.city_ids))
        )
        pool = pool[pool != city[c]]
        picks = rng.choice(pool, size=min(2, len(pool)), replace=False)
        pref_cities[c, 1 : 1 + len(picks)] = picks
    return city, relocate, remote_ok, pref_cities


def draw_gender_and_nationality(
    city: np.ndarray, places: Places, local_share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Gender (``GENDER_SHARES``) and nationality: that of the country of residence for
    about ``local_share`` of people, another country's for the rest."""
    n = len(city)
    country = places.city_country[city]
    gender = rng.choice(len(GENDERS), n, p=GENDER_SHARES)
    abroad = rng.random(n) >= local_share
    other = (country + rng.integers(1, len(places.country_ids), n)) % len(places.country_ids)
    return gender, np.where(abroad, other, country)


def draw_jobs(
    cat: Catalog,
    places: Places,
    primary: np.ndarray,
    secondary: np.ndarray,
    career_years: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Career histories walked back from the reference month; at least one job each.

    Returns:
        :class:`People`'s job fields by name: ``job_ptr``, ``job_org``, ``job_occ``,
        ``job_start``, ``job_end``.
    """
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
    orgs = places.orgs_by_domain(
        max(int(places.org_domain.max()), int(cat.occupation_domain.max())) + 1
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
            pool = orgs[d] if d < len(orgs) and len(orgs[d]) else np.arange(len(places.org_ids))
            org[rows] = pool[(pick[rows] * len(pool)).astype(np.int64)]
        job_end = np.where((j == 0) & current[idx], -1, end[idx])
        columns.append((idx, np.full(len(idx), j), org, occ, start, job_end))
        end[idx] = start - rng.integers(0, 7, len(idx))
    cand = np.concatenate([c[0] for c in columns])
    rank = np.concatenate([c[1] for c in columns])
    order = np.lexsort((rank, cand))
    stacked = [np.concatenate([c[i] for c in columns])[order] for i in range(2, 6)]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(cand, minlength=n))])
    return dict(zip(("job_ptr", "job_org", "job_occ", "job_start", "job_end"), (ptr, *stacked)))
