"""Roles of a synthetic world, derived from ESCO occupations and offered by organizations.

Every chosen occupation gets at least one role; the rest follow a skewed popularity. A role
is offered by an organization of its occupation's domain (80 %), sits in that
organization's city (85 %) or another city of the same country, and may be remote (likely
in software, finance and creative work, rare where the work is physical). Its skills are
drawn from the occupation's ESCO skills: essential ones become required (importance 0.5-1),
others optional (0.1-0.8). Capacity is 1 for most roles, a few gig roles take dozens.

Example:
    >>> import numpy as np
    >>> from synthetic.catalog import build_catalog
    >>> from synthetic.places import build_places
    >>> cat = build_catalog(12, np.random.default_rng(0))
    >>> places = build_places(6, cat.occupation_domain, np.random.default_rng(1))
    >>> roles = draw_roles(30, cat, places, np.random.default_rng(2))
    >>> roles.n, bool((roles.skill_required.sum() > 0))
    (30, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.catalog import Catalog
from synthetic.domains import DOMAIN_IDS
from synthetic.places import Places

REMOTE_SHARE: dict[str, float] = {
    "software": 0.45,
    "finance": 0.3,
    "creative": 0.3,
    "engineering": 0.15,
    "education": 0.1,
    "public": 0.1,
    "retail": 0.05,
    "logistics": 0.05,
    "healthcare": 0.03,
    "hospitality": 0.02,
    "construction": 0.02,
    "manufacturing": 0.02,
    "agriculture": 0.02,
}
SENIORITY: tuple[str, ...] = ("Junior ", "", "Senior ")
POSTING_WINDOW_DAYS = (7, 730)


@dataclass(frozen=True)
class Roles:
    """Role arrays (``n`` rows) and their skills in CSR layout.

    ``posted`` is the posting day, counted back from the reference day (days ago).
    """

    n: int
    occupation: np.ndarray
    org: np.ndarray
    city: np.ndarray
    domain: np.ndarray
    remote: np.ndarray
    capacity: np.ndarray
    seniority: np.ndarray
    posted: np.ndarray
    skill_ptr: np.ndarray
    skill_idx: np.ndarray
    skill_importance: np.ndarray
    skill_required: np.ndarray

    def skills(self, role: int) -> slice:
        """Slice of the CSR arrays that belongs to one role."""
        return slice(int(self.skill_ptr[role]), int(self.skill_ptr[role + 1]))


def occupation_demand(n_occupations: int, rng: np.random.Generator) -> np.ndarray:
    """Relative popularity of each occupation: 1/sqrt(rank) over a random ranking."""
    return 1.0 / np.sqrt(1.0 + rng.permutation(n_occupations))


def draw_roles(
    n: int, cat: Catalog, places: Places, rng: np.random.Generator, demand: np.ndarray | None = None
) -> Roles:
    """Draw ``n`` roles.

    Args:
        n: how many.
        cat: the skill catalog.
        places: countries, cities and organizations.
        rng: the generator's random stream for this step.
        demand: relative popularity per occupation (default :func:`occupation_demand`).

    Returns:
        The roles.
    """
    n_occ = len(cat.occupations)
    demand = occupation_demand(n_occ, rng) if demand is None else demand
    first = rng.permutation(n_occ)[: min(n, n_occ)]
    occupation = np.concatenate([first, rng.choice(n_occ, n - len(first), p=demand / demand.sum())])
    domain = cat.occupation_domain[occupation]

    orgs = places.orgs_by_domain(len(DOMAIN_IDS))
    own = rng.random(n) < 0.8
    pick = rng.random(n)
    org = (pick * len(places.org_ids)).astype(np.int64)
    for d in np.unique(domain):
        rows = np.flatnonzero((domain == d) & own)
        if len(orgs[d]):
            org[rows] = orgs[d][(pick[rows] * len(orgs[d])).astype(np.int64)]
    city = places.org_city[org].copy()
    move = np.flatnonzero(rng.random(n) < 0.15)
    for r in move:
        pool = np.flatnonzero(places.city_country == places.city_country[city[r]])
        weights = places.city_weight[pool] / places.city_weight[pool].sum()
        city[r] = pool[int(rng.choice(len(pool), p=weights))]
    remote = rng.random(n) < np.array([REMOTE_SHARE[DOMAIN_IDS[d]] for d in domain])

    lengths = np.diff(cat.occ_ptr)[occupation]
    owner = np.repeat(np.arange(n), lengths)
    slot = np.concatenate([np.arange(cat.occ_ptr[o], cat.occ_ptr[o + 1]) for o in occupation])
    essential = cat.occ_required[slot]
    u = rng.random(len(slot))
    rank = slot - cat.occ_ptr[occupation][owner]
    keep = np.where(essential, (u < 0.55) | (rank < 2), u < 0.25)
    owner, slot, essential = owner[keep], slot[keep], essential[keep]
    base = cat.occ_importance[slot]
    noise = rng.normal(0.0, 0.08, len(slot))
    importance = np.where(
        essential,
        np.clip(0.55 + 0.45 * base + noise, 0.5, 1.0),
        np.clip(0.15 + 0.5 * base + noise, 0.1, 0.8),
    )
    skill_ptr = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=n))])

    capacity = 1 + np.floor(rng.exponential(0.7, n)).astype(np.int64)
    gig = rng.random(n) < 0.03
    capacity = np.where(gig, rng.integers(5, 31, n), np.minimum(capacity, 10))
    seniority = rng.choice(3, n, p=(0.25, 0.5, 0.25))
    posted = rng.integers(POSTING_WINDOW_DAYS[0], POSTING_WINDOW_DAYS[1] + 1, n)
    return Roles(
        n,
        occupation,
        org,
        city,
        domain,
        remote,
        capacity,
        seniority,
        posted,
        skill_ptr,
        cat.occ_skill[slot],
        np.round(importance, 2),
        essential,
    )
