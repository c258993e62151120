"""The hidden true fit of the careers world: a holistic function of latents only.

    f = clip(match x seniority x (0.35 + 0.35 facets + 0.30 craft) x (0.5 + 0.5 place)
             + noise, 0, 1)

- match = 1 same track; ``PREVIOUS_MATCH`` when the role is in the person's *previous* track
  (a career changer's old work); ``ADJACENT_MATCH`` adjacent track; else ``OTHER_MATCH``.
- seniority = exp(-(under / 0.22)^2) x exp(-(over / 0.40)^2), with under / over the amount by
  which the person's latent seniority is below / above the role's level (under-qualified
  hurts more).
- facets = mean strength over the role's two must-have facets when the tracks match, else 0.3.
- craft = the person's latent craft quality.
- place = on-site role: 1 same city, 0.75 / 0.45 same country with / without willingness to
  relocate, 0.5 / 0.1 abroad with / without; remote role: 1 / 0.85 same country (remote wanted
  or not), 0.7 / 0.55 abroad.
- noise = uniform in [-0.05, 0.05], a fixed hash of (seed, candidate, role) (``synthetic.noise``).

No input is an observable field: skills, levels, titles and text are emissions of the
latents, so any model on observables only approximates f. No sensitive attribute is an
input, and all inputs are drawn independently of them.

``required_`` / ``required_sum_`` / ``cat`` are what the shared history reads for the
applicants' *perceived* fit (coverage by listed skills).

Example:
    >>> fit = CareerFit(cat, tracks, people, roles, latent, places, seed=0)  # doctest: +SKIP
    >>> fit.pairs(np.array([0]), np.array([3]))                              # doctest: +SKIP
    array([0.43...])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from synthetic.careers.people import CareerPeople
from synthetic.careers.roles import RoleLatents
from synthetic.careers.tracks import Tracks
from synthetic.catalog import Catalog
from synthetic.noise import PAIR_NOISE, pair_noise
from synthetic.places import Places
from synthetic.roles import Roles

PREVIOUS_MATCH = 0.45
ADJACENT_MATCH = 0.5
OTHER_MATCH = 0.08
UNDER, OVER = 0.22, 0.40
NOISE = 0.05
WEIGHTS: dict[str, float] = {"base": 0.35, "facets": 0.35, "craft": 0.30, "place": 0.5}


class CareerFit:
    """The true-fit oracle of one careers world (formula in the module docstring)."""

    def __init__(
        self,
        cat: Catalog,
        tracks: Tracks,
        people: CareerPeople,
        roles: Roles,
        latent: RoleLatents,
        places: Places,
        seed: int,
    ) -> None:
        self.cat, self.tracks, self.people, self.roles = cat, tracks, people, roles
        self.latent, self.places, self.seed = latent, places, seed
        match = np.where(tracks.adjacent, ADJACENT_MATCH, OTHER_MATCH)
        np.fill_diagonal(match, 1.0)
        self.match_ = match
        owner = np.repeat(np.arange(roles.n), np.diff(roles.skill_ptr))
        req = roles.skill_required
        self.required_ = sp.csr_matrix(
            (roles.skill_importance[req], (owner[req], roles.skill_idx[req])),
            shape=(roles.n, len(cat.skills)),
        )
        self.required_sum_ = np.asarray(self.required_.sum(axis=1)).ravel()

    def pairs(self, candidate: np.ndarray, role: np.ndarray) -> np.ndarray:
        """True fit of each (candidate[i], role[i])."""
        p, lat, w = self.people, self.latent, self.places
        candidate, role = np.asarray(candidate, np.int64), np.asarray(role, np.int64)
        tc, tr = p.track[candidate], lat.track[role]
        match = self.match_[tc, tr]
        match = np.where((p.previous[candidate] == tr) & (tc != tr), PREVIOUS_MATCH, match)
        gap = p.seniority[candidate] - lat.level[role]
        seniority = np.exp(-((np.maximum(0.0, -gap) / UNDER) ** 2)) * np.exp(
            -((np.maximum(0.0, gap) / OVER) ** 2)
        )
        strength = p.strength[candidate[:, None], lat.must_have[role]].mean(axis=1)
        facets = np.where(tc == tr, strength, 0.3)
        core = WEIGHTS["base"] + WEIGHTS["facets"] * facets + WEIGHTS["craft"] * p.craft[candidate]
        c_city, r_city = p.city[candidate], self.roles.city[role]
        same_country = w.city_country[c_city] == w.city_country[r_city]
        reloc = p.relocate[candidate]
        onsite = np.where(
            c_city == r_city,
            1.0,
            np.where(
                same_country,
                np.where(reloc >= 1, 0.75, 0.45),
                np.where(reloc == 2, 0.5, 0.1),
            ),
        )
        wants = p.remote_ok[candidate]
        remote = np.where(same_country, np.where(wants, 1.0, 0.85), np.where(wants, 0.7, 0.55))
        place = np.where(self.roles.remote[role], remote, onsite)
        value = match * seniority * core * (1.0 - WEIGHTS["place"] + WEIGHTS["place"] * place)
        noise = pair_noise(self.seed, candidate, role) * (NOISE / PAIR_NOISE)
        return np.clip(value + noise, 0.0, 1.0)

    def coverage(self, candidate: np.ndarray, role: np.ndarray) -> np.ndarray:
        """An observable proxy: share of the role's required importance the candidate's
        listed skills cover (level ignored). For measuring, never an input of f."""
        p = self.people
        owner = np.repeat(np.arange(p.n), np.diff(p.skill_ptr))
        listed = sp.csr_matrix(
            (p.skill_listed.astype(float), (owner, p.skill_idx)),
            shape=(p.n, len(self.cat.skills)),
        )
        hit = np.asarray(listed[candidate].multiply(self.required_[role]).sum(axis=1)).ravel()
        return hit / np.maximum(self.required_sum_[role], 1e-9)
