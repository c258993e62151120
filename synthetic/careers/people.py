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
from synthetic.places import Places
from synthetic.population import (
    People,
    draw_ages,
    draw_gender_and_nationality,
    draw_homes,
    draw_jobs,
)

CHANGER_SHARE = 0.25
CURRENT_SKILLS = 10.0  # mean skills listed from the current track (changers: CHANGER_CURRENT)
CHANGER_CURRENT = 4.0
CARRIED_SKILLS = 7.0  # mean skills carried from the previous track
GENERIC_SKILLS = 1.5
RANDOM_SKILLS = 0.6
OWN_OCCUPATION_BOOST = 3.0
TEXT_ONLY_SHARE = 0.12


@dataclass(frozen=True)
class CareerPeople(People):
    """The careers world's people: :class:`~synthetic.population.People` plus their latents.

    The shared fields mean the same as in the first world, so the shared history, proxy world
    and rows read them; the latents below are never written.
    """

    track: np.ndarray
    previous: np.ndarray
    occupation: np.ndarray
    previous_occupation: np.ndarray
    seniority: np.ndarray
    craft: np.ndarray
    strength: np.ndarray
    verbosity: np.ndarray


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
    places: Places,
    demand: np.ndarray,
    rng: np.random.Generator,
) -> CareerPeople:
    """Draw ``n`` people.

    Args:
        n: how many.
        cat: the catalog (ICT occupations and their skills).
        tracks: tracks, pools and facets of the catalog.
        places: countries, cities and organizations.
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

    band, _, career_years = draw_ages(n, rng)
    years = np.round(career_years[cand] * rng.uniform(0.2, 1.0, len(cand)), 1)
    listed = rng.random(len(cand)) >= TEXT_ONLY_SHARE

    city, relocate, remote_ok, pref_cities = draw_homes(n, places, (0.55, 0.33, 0.12), 0.5, rng)
    pref_domains = cat.occupation_domain[occupation][:, None].copy()

    gender, nationality = draw_gender_and_nationality(city, places, 0.8, rng)
    jobs = draw_jobs(cat, places, occupation, prev_occ, career_years, rng)
    job_ptr = jobs["job_ptr"]
    rank = np.arange(len(jobs["job_occ"])) - np.repeat(job_ptr[:-1], np.diff(job_ptr))
    owner = np.repeat(np.arange(n), np.diff(job_ptr))
    earlier = (rank > 0) & is_changer[owner]  # a changer's earlier jobs: the old track
    jobs["job_occ"] = np.where(earlier, prev_occ[owner], jobs["job_occ"])
    return CareerPeople(
        n=n,
        track=track,
        previous=previous,
        occupation=occupation,
        previous_occupation=prev_occ,
        seniority=seniority,
        craft=craft,
        strength=strength,
        verbosity=verbosity,
        city=city,
        relocate=relocate,
        remote_ok=remote_ok,
        pref_cities=pref_cities,
        pref_domains=pref_domains,
        gender=gender,
        age_band=band,
        nationality=nationality,
        career_years=career_years,
        skill_ptr=skill_ptr,
        skill_idx=skill,
        skill_level=level,
        skill_years=years,
        skill_listed=listed,
        **jobs,
    )
