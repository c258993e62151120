"""The hidden true fit f(candidate, role) in [0, 1] of the first world (``esco``).

    f = clip(0.60 * skills + 0.15 * occupation + 0.15 * location + 0.10 * signals + noise, 0, 1)

- skills = 0.75 * required coverage + 0.25 * optional coverage (required only when the role
  lists no optional skill). Coverage = sum(importance * credit) / sum(importance) over the
  role's skills; credit = the candidate's level in the skill, or, if higher, the best
  ``SIMILAR_TO`` weight * level over the candidate's other skills (partial credit). The
  candidate's *true* skills count, text-only ones included.
- occupation = 1 if the candidate's primary occupation is the role's, 0.7 if the secondary
  is, 0.5 / 0.3 if the primary / secondary occupation is in the role's domain, else 0.
- location = on-site: 1 same city, 0.9 a preferred city, 0.6 / 0.3 same country with / without
  willingness to relocate, 0.4 / 0.05 abroad with / without it; remote role: 1 / 0.75 same
  country (remote wanted or not), 0.6 / 0.4 abroad.
- signals = 0.3 reliability + 0.3 attendance + 0.2 engagement + 0.2 (1 - churn risk).
- noise = uniform in [-0.04, 0.04], a fixed hash of (seed, candidate, role): f is a function
  (``synthetic.noise``).

Sensitive attributes are not an input. Two code paths compute the skill term: a per-pair
lookup (:meth:`TrueFit.pairs`) and a sparse product over all candidates or roles for a block
(:meth:`TrueFit.skill_matrix`); a test checks that they agree.

Example:
    >>> fit = TrueFit(cat, people, roles, places, seed=0)  # doctest: +SKIP
    >>> fit.pairs(np.array([0]), np.array([3]))           # doctest: +SKIP
    array([0.61...])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from synthetic.catalog import Catalog
from synthetic.esco.people import Candidates
from synthetic.noise import PAIR_NOISE, pair_noise
from synthetic.places import Places
from synthetic.roles import Roles

WEIGHTS: dict[str, float] = {"skills": 0.60, "occupation": 0.15, "location": 0.15, "signals": 0.10}
REQUIRED_SHARE = 0.75
NOISE = PAIR_NOISE
_CHUNK = 20_000


class TrueFit:
    """The true-fit oracle of one first world (see the module docstring for the formula).

    Args:
        cat: catalog (skills and similarity).
        people: candidates.
        roles: roles.
        places: countries, cities and organizations (city -> country).
        seed: the world's seed (for the per-pair noise).
    """

    def __init__(self, cat: Catalog, people: Candidates, roles: Roles, places: Places, seed: int):
        self.cat, self.people, self.roles, self.places, self.seed = cat, people, roles, places, seed
        self.n_skills = len(cat.skills)
        self.effective_ = self._effective_levels()
        self.required_ = self._requirements(roles.skill_required)
        self.optional_ = self._requirements(~roles.skill_required)
        self.required_sum_ = np.asarray(self.required_.sum(axis=1)).ravel()
        self.optional_sum_ = np.asarray(self.optional_.sum(axis=1)).ravel()
        s = people.signals
        self.quality_ = 0.3 * s[:, 0] + 0.3 * s[:, 1] + 0.2 * s[:, 2] + 0.2 * (1.0 - s[:, 3])
        self.country_ = places.city_country

    def _effective_levels(self) -> sp.csr_matrix:
        """Candidate x skill credit: own level, or similarity-weighted level of a neighbour."""
        p, sim = self.people, self.cat.similarity
        degree = np.diff(sim.indptr)
        keys, values = [], []
        for lo in range(0, p.n, _CHUNK):  # whole candidates per chunk: keys stay unique
            a, b = p.skill_ptr[lo], p.skill_ptr[min(p.n, lo + _CHUNK)]
            c = np.repeat(
                np.arange(lo, min(p.n, lo + _CHUNK)), np.diff(p.skill_ptr[lo : lo + _CHUNK + 1])
            )
            k, level = p.skill_idx[a:b], p.skill_level[a:b]
            reps = degree[k]
            near = np.repeat(sim.indptr[k] - np.cumsum(reps) + reps, reps) + np.arange(reps.sum())
            key = np.concatenate([c, np.repeat(c, reps)]) * self.n_skills + np.concatenate(
                [k, sim.indices[near]]
            )
            value = np.concatenate([level, np.repeat(level, reps) * sim.data[near]])
            order = np.lexsort((-value, key))
            key, value = key[order], value[order]
            first = np.ones(len(key), bool)
            first[1:] = key[1:] != key[:-1]
            keys.append(key[first])
            values.append(value[first])
        key, value = np.concatenate(keys), np.concatenate(values)
        return sp.csr_matrix(
            (value, (key // self.n_skills, key % self.n_skills)), shape=(p.n, self.n_skills)
        )

    def _requirements(self, mask: np.ndarray) -> sp.csr_matrix:
        r = self.roles
        owner = np.repeat(np.arange(r.n), np.diff(r.skill_ptr))
        return sp.csr_matrix(
            (r.skill_importance[mask], (owner[mask], r.skill_idx[mask])), shape=(r.n, self.n_skills)
        )

    def _skills_from_sums(self, role: np.ndarray, req: np.ndarray, opt: np.ndarray) -> np.ndarray:
        req_total, opt_total = self.required_sum_[role], self.optional_sum_[role]
        req_cov = np.divide(req, req_total, out=np.zeros_like(req), where=req_total > 0)
        opt_cov = np.divide(opt, opt_total, out=np.zeros_like(opt), where=opt_total > 0)
        has_opt = opt_total > 0
        return np.where(has_opt, REQUIRED_SHARE * req_cov + (1 - REQUIRED_SHARE) * opt_cov, req_cov)

    def skills(self, candidate: np.ndarray, role: np.ndarray) -> np.ndarray:
        """The skill term for pairs, by looking up each of the role's skills."""
        r = self.roles
        counts = np.diff(r.skill_ptr)[role]
        pair = np.repeat(np.arange(len(role)), counts)
        offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        entry = r.skill_ptr[role][pair] + offset
        credit = np.asarray(self.effective_[candidate[pair], r.skill_idx[entry]]).ravel()
        weight = r.skill_importance[entry] * credit
        req = np.bincount(pair, weights=weight * r.skill_required[entry], minlength=len(role))
        opt = np.bincount(pair, weights=weight * ~r.skill_required[entry], minlength=len(role))
        return self._skills_from_sums(role, req, opt)

    def occupation(self, candidate: np.ndarray, role: np.ndarray) -> np.ndarray:
        p, cat = self.people, self.cat
        occ = self.roles.occupation[role]
        dom = self.roles.domain[role]
        sec = p.secondary[candidate]
        sec_dom = np.where(sec >= 0, cat.occupation_domain[np.maximum(sec, 0)], -1)
        return np.select(
            [
                p.primary[candidate] == occ,
                sec == occ,
                cat.occupation_domain[p.primary[candidate]] == dom,
                sec_dom == dom,
            ],
            [1.0, 0.7, 0.5, 0.3],
            0.0,
        )

    def location(self, candidate: np.ndarray, role: np.ndarray) -> np.ndarray:
        p = self.people
        c_city, r_city = p.city[candidate], self.roles.city[role]
        same_country = self.country_[c_city] == self.country_[r_city]
        preferred = (p.pref_cities[candidate] == r_city[:, None]).any(axis=1)
        relocate = p.relocate[candidate]
        remote_ok = p.remote_ok[candidate]
        on_site = np.select(
            [
                c_city == r_city,
                preferred,
                same_country & (relocate >= 1),
                same_country,
                relocate == 2,
            ],
            [1.0, 0.9, 0.6, 0.3, 0.4],
            0.05,
        )
        remote = np.where(
            same_country, np.where(remote_ok, 1.0, 0.75), np.where(remote_ok, 0.6, 0.4)
        )
        return np.where(self.roles.remote[role], remote, on_site)

    def combine(self, candidate: np.ndarray, role: np.ndarray, skills: np.ndarray) -> np.ndarray:
        """f from a precomputed skill term (the other terms are cheap per pair)."""
        value = (
            WEIGHTS["skills"] * skills
            + WEIGHTS["occupation"] * self.occupation(candidate, role)
            + WEIGHTS["location"] * self.location(candidate, role)
            + WEIGHTS["signals"] * self.quality_[candidate]
            + pair_noise(self.seed, candidate, role)
        )
        return np.clip(value, 0.0, 1.0)

    def pairs(self, candidate: np.ndarray, role: np.ndarray) -> np.ndarray:
        """True fit of each (candidate[i], role[i])."""
        candidate = np.asarray(candidate, dtype=np.int64)
        role = np.asarray(role, dtype=np.int64)
        return self.combine(candidate, role, self.skills(candidate, role))

    def skill_matrix(
        self, roles: np.ndarray | None = None, candidates: np.ndarray | None = None
    ) -> sp.coo_matrix:
        """Skill term of every pair with some overlap, for a block of roles or of candidates.

        Exactly one of ``roles`` / ``candidates`` is given. Returns a COO matrix over
        (all candidates x block roles) or (block candidates x all roles); pairs absent from
        it have a skill term of 0.
        """
        if roles is not None:
            eff, req, opt = self.effective_, self.required_[roles], self.optional_[roles]
            role_of = np.asarray(roles)
        else:
            eff, req, opt = self.effective_[candidates], self.required_, self.optional_
            role_of = np.arange(self.roles.n)
        req_m = (eff @ req.T).tocsr()
        opt_m = (eff @ opt.T).tocsr()
        total = (req_m + opt_m).tocoo()  # the union of both patterns (all values > 0)
        req_d = np.asarray(req_m[total.row, total.col]).ravel()
        opt_d = np.asarray(opt_m[total.row, total.col]).ravel()
        value = self._skills_from_sums(role_of[total.col], req_d, opt_d)
        return sp.coo_matrix((value, (total.row, total.col)), shape=total.shape)
