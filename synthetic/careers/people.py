"""People of the careers world: latent track, seniority and craft; noisy observable skills.

Latents (never written): a current ``track``, a ``previous`` track for career changers
(``CHANGER_SHARE``, else -1), ``seniority`` in [0, 1], ``craft`` in [0, 1] (quality no field
shows) and ``strength`` per facet of the current track. Observable skills are *emissions*:
skills of the current track's pool drawn without replacement, weighted by how central a skill
is to the track, by the person's strength in its facet and (x3) by their own occupation; a
career changer lists fewer of those and many *carried* from the previous track; everyone adds
generic ICT skills and a few random ones. How many skills a person lists scales with a
``verbosity`` latent that carries no merit. Levels and years are noisy and often missing.

Sensitive attributes (gender, age band, nationality) are drawn independently of every merit
latent. Career length (so ``years`` and past jobs) follows age, as in the first world; the
latent seniority does *not* (a documented simplification: truth must not read age).

Example:
    >>> people = draw_people(200, cat, tracks, world, demand, rng)  # doctest: +SKIP
    >>> people.n, int((people.previous >= 0).sum()) > 0               # doctest: +SKIP
    (200, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.careers.tracks import FACETS, Tracks
from synthetic.catalog import Catalog
from synthetic.people import AGE_BANDS, AGE_LIMITS, AGE_SHARES, GENDER_SHARES, GENDERS
from synthetic.people import _draw_jobs as draw_jobs
from synthetic.world import World

CHANGER_SHARE = 0.25
CURRENT_SKILLS = 10.0  # mean skills listed from the current track (changers: CHANGER_CURRENT)
CHANGER_CURRENT = 4.0
CARRIED_SKILLS = 7.0  # mean skills carried from the previous track
GENERIC_SKILLS = 1.5
RANDOM_SKILLS = 0.6
OWN_OCCUPATION_BOOST = 3.0
TEXT_ONLY_SHARE = 0.12


@dataclass(frozen=True)
class People:
    """Latent and observable arrays, one row per person; skills and jobs in CSR layout.

    Field names shared with the first world's ``Candidates`` (``skill_*``, ``city``,
    ``pref_cities``, ``remote_ok``, ``pref_domains``, ``gender``) mean the same, so the first
    world's history can read them. ``skill_listed`` False: the skill is text-only.
    """

    n: int
    track: np.ndarray
    previous: np.ndarray
    occupation: np.ndarray
    previous_occupation: np.ndarray
    seniority: np.ndarray
    craft: np.ndarray
    strength: np.ndarray
    verbosity: np.ndarray
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


def _top_k(weight: np.ndarray, k: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Weighted sampling without replacement per row (Gumbel top-k): (row, column) pairs."""
    if weight.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    with np.errstate(divide="ignore"):
        key = np.log(weight) + rng.gumbel(size=weight.shape)
    order = np.argsort(-key, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(weight.shape[1])[None, :], axis=1)
    keep = (rank < k[:, None]) & (weight > 0)
    return np.nonzero(keep)


def _emit(
    cat: Catalog,
    tracks: Tracks,
    track: np.ndarray,
    occupation: np.ndarray,
    strength: np.ndarray | None,
    count: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(person, skill) emissions from each person's ``track`` pool (``track`` -1: none)."""
    people, skills = [], []
    occ_member = np.zeros((len(cat.occupations), len(cat.skills)), dtype=bool)
    owner = np.repeat(np.arange(len(cat.occupations)), np.diff(cat.occ_ptr))
    occ_member[owner, cat.occ_skill] = True
    for t in range(tracks.n):
        who = np.flatnonzero(track == t)
        pool = np.flatnonzero(tracks.pool_weight[t] > 0)
        if not len(who) or not len(pool):
            continue
        w = np.broadcast_to(np.sqrt(tracks.pool_weight[t, pool]), (len(who), len(pool))).copy()
        if strength is not None:
            w *= 0.3 + strength[who][:, tracks.facet[t, pool]]
        w *= np.where(occ_member[occupation[who]][:, pool], OWN_OCCUPATION_BOOST, 1.0)
        row, col = _top_k(w, count[who], rng)
        people.append(who[row])
        skills.append(pool[col])
    if not people:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(people), np.concatenate(skills)


def draw_people(
    n: int,
    cat: Catalog,
    tracks: Tracks,
    world: World,
    demand: np.ndarray,
    rng: np.random.Generator,
) -> People:
    """Draw ``n`` people.

    Args:
        n: how many.
        cat: the catalog (ICT occupations and their skills).
        tracks: tracks, pools and facets of the catalog.
        world: places and organizations.
        demand: roles per occupation; supply follows it loosely.
        rng: the generator's random stream for this step.

    Returns:
        The people.
    """
    n_occ = len(cat.occupations)
    supply = (demand + 0.5) * rng.uniform(0.5, 1.5, n_occ)
    occupation = rng.choice(n_occ, n, p=supply / supply.sum())
    track = tracks.occupation_track[occupation]
    changer = rng.random(n) < CHANGER_SHARE
    prev_occ = -np.ones(n, dtype=np.int64)
    for c in np.flatnonzero(changer):
        pool = np.flatnonzero(tracks.occupation_track != track[c])
        if len(pool):
            prev_occ[c] = pool[int(rng.integers(len(pool)))]
    previous = np.where(prev_occ >= 0, tracks.occupation_track[np.maximum(prev_occ, 0)], -1)

    seniority = rng.beta(2.2, 2.2, n)
    craft = rng.beta(4.0, 3.0, n)
    strength = rng.beta(2.5, 2.0, (n, FACETS))
    verbosity = rng.gamma(3.0, 1.0 / 3.0, n)

    is_changer = previous >= 0
    current = rng.poisson(verbosity * np.where(is_changer, CHANGER_CURRENT, CURRENT_SKILLS))
    p1, s1 = _emit(cat, tracks, track, occupation, strength, np.maximum(current, 1), rng)
    carried = rng.poisson(verbosity * CARRIED_SKILLS * rng.uniform(0.6, 1.3, n)) * is_changer
    p2, s2 = _emit(cat, tracks, previous, np.maximum(prev_occ, 0), None, carried, rng)
    popularity = np.bincount(cat.occ_skill, minlength=len(cat.skills)).astype(float)
    generic = np.argsort(-popularity, kind="stable")[: min(30, len(cat.skills))]
    g_count = rng.poisson(GENERIC_SKILLS, n)
    p3 = np.repeat(np.arange(n), g_count)
    s3 = rng.choice(generic, len(p3))
    r_count = rng.poisson(RANDOM_SKILLS, n)
    p4 = np.repeat(np.arange(n), r_count)
    s4 = rng.integers(0, len(cat.skills), len(p4))
    source = np.concatenate(
        [np.full(len(p1), 0), np.full(len(p2), 1), np.full(len(p3), 2), np.full(len(p4), 3)]
    )
    key = np.concatenate([p1, p2, p3, p4]) * len(cat.skills) + np.concatenate([s1, s2, s3, s4])
    order = np.lexsort((source, key))
    key, source = key[order], source[order]
    first = np.ones(len(key), bool)
    first[1:] = key[1:] != key[:-1]
    key, source = key[first], source[first]
    cand, skill = key // len(cat.skills), key % len(cat.skills)
    facet = tracks.facet[track[cand], skill]
    own = np.where(facet >= 0, strength[cand, np.maximum(facet, 0)], 0.4)
    level = np.where(
        source == 0,
        0.2 + 0.35 * seniority[cand] + 0.3 * own,
        0.25 + 0.3 * rng.random(len(cand)),
    ) + rng.normal(0.0, 0.15, len(cand))
    level = np.round(np.clip(level, 0.05, 1.0), 2)
    skill_ptr = np.concatenate([[0], np.cumsum(np.bincount(cand, minlength=n))])

    band = rng.choice(len(AGE_BANDS), n, p=AGE_SHARES)
    lo, hi = np.array(AGE_LIMITS)[band].T
    age = rng.uniform(lo + 0.5, hi)
    career_years = age - (18.0 + np.minimum(rng.exponential(2.5, n), age - 18.25))
    years = np.round(career_years[cand] * rng.uniform(0.2, 1.0, len(cand)), 1)
    listed = rng.random(len(cand)) >= TEXT_ONLY_SHARE

    city = rng.choice(len(world.city_ids), n, p=world.city_weight)
    relocate = rng.choice(3, n, p=(0.55, 0.33, 0.12))
    remote_ok = rng.random(n) < 0.5
    pref_cities = -np.ones((n, 3), dtype=np.int64)
    pref_cities[:, 0] = city
    country = world.city_country[city]
    for c in np.flatnonzero(relocate > 0):
        pool = np.flatnonzero(world.city_country == country[c]) if relocate[c] == 1 else None
        pool = np.arange(len(world.city_ids)) if pool is None else pool
        pool = pool[pool != city[c]]
        picks = rng.choice(pool, size=min(2, len(pool)), replace=False)
        pref_cities[c, 1 : 1 + len(picks)] = picks
    pref_domains = cat.occupation_domain[occupation][:, None].copy()

    gender = rng.choice(len(GENDERS), n, p=GENDER_SHARES)
    abroad = rng.random(n) >= 0.8
    other = (country + rng.integers(1, len(world.country_ids), n)) % len(world.country_ids)
    nationality = np.where(abroad, other, country)
    jobs = draw_jobs(cat, world, occupation, prev_occ, career_years, rng)
    job_ptr, job_org, job_occ, job_start, job_end = jobs
    rank = np.arange(len(job_occ)) - np.repeat(job_ptr[:-1], np.diff(job_ptr))
    owner = np.repeat(np.arange(n), np.diff(job_ptr))
    earlier = (rank > 0) & is_changer[owner]  # a changer's earlier jobs: the old track
    job_occ = np.where(earlier, prev_occ[owner], job_occ)
    return People(
        n,
        track,
        previous,
        occupation,
        prev_occ,
        seniority,
        craft,
        strength,
        verbosity,
        city,
        relocate,
        remote_ok,
        pref_cities,
        pref_domains,
        gender,
        band,
        nationality,
        career_years,
        skill_ptr,
        skill,
        level,
        years,
        listed,
        job_ptr,
        job_org,
        job_occ,
        job_start,
        job_end,
    )
