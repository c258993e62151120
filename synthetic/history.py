"""The interaction history of a synthetic world: applications and a biased recruiter funnel.

Candidates apply (actor ``candidate``): 60 % are active, each applying to 1-10 roles (mean
about 2.5) chosen by *perceived* fit: how much of a role's required importance their listed
skills cover, plus location, remote and domain preferences, plus Gumbel noise; one
application in ten is a long shot at a random role. Applicant behaviour does not depend on
any sensitive attribute.

Recruiters (actor ``recruiter``) then move each application through the funnel
APPLIED -> SHORTLISTED -> INTERVIEWED -> OFFERED -> HIRED, or REJECTED at the stage where it
stops; candidates sometimes WITHDRAW. Each decision compares a noisy view of the *true* fit,
minus ``bias`` for the biased group (women), with a threshold:

    screen    = f + N(0, 0.06) - bias * female  >= q_0.65 of (f + same noise) over all
    interview = f + N(0, 0.05) - bias * female  >= q_0.40 of (f + same noise) over shortlisted
    offer     = the role's ``capacity`` best interviewed by f + N(0, 0.04) - bias * female

Thresholds are quantiles of the *unbiased* scores, so ``bias = 0`` gives equal selection
rates in expectation and a model that imitates the history learns exactly ``bias``. In the
proxy world (``synthetic.proxies``) a per-candidate ``penalty`` of merit-free proxies
is subtracted beside it. Events
later than the reference day are cut: recent funnels are still open.

Example:
    >>> hist = draw_history(fit, people, roles, places, bias=0.1, forbidden=np.array([]),
    ...                     rng=np.random.default_rng(0))  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from synthetic.places import Places
from synthetic.population import GENDERS, People
from synthetic.roles import Roles
from synthetic.world import Fit

STAGES: tuple[str, ...] = (
    "APPLIED",
    "SHORTLISTED",
    "INTERVIEWED",
    "OFFERED",
    "HIRED",
    "REJECTED",
    "WITHDREW",
)
ACTORS: tuple[str, ...] = (
    "candidate",
    "recruiter",
    "recruiter",
    "recruiter",
    "recruiter",
    "recruiter",
    "candidate",
)
BIASED_GROUP = "female"
ACTIVE_SHARE = 0.6
LONG_SHOT_SHARE = 0.1
SHORTLIST_RATE = 0.35
INTERVIEW_RATE = 0.6
REFERENCE_DAY = int(np.datetime64("2025-06-30", "D").astype(np.int64))  # days since 1970
_DAY = 1440  # minutes


@dataclass(frozen=True)
class History:
    """One row per event: candidate, role, stage (index into STAGES), local time in minutes.

    Rows are in UTC order; ``minute`` is the role's local clock (its country's offset).
    """

    candidate: np.ndarray
    role: np.ndarray
    stage: np.ndarray
    minute: np.ndarray

    def shortlist_rates(self, gender: np.ndarray) -> dict[str, float]:
        """SHORTLISTED / APPLIED per gender."""
        applied = np.bincount(gender[self.candidate[self.stage == 0]], minlength=len(GENDERS))
        listed = np.bincount(gender[self.candidate[self.stage == 1]], minlength=len(GENDERS))
        return {
            g: round(float(listed[i] / applied[i]), 4) if applied[i] else 0.0
            for i, g in enumerate(GENDERS)
        }

    def without(self, candidates: np.ndarray) -> History:
        """The events of everyone but ``candidates`` (held-out applicants: new in the system)."""
        if not len(candidates):
            return self
        seen = ~np.isin(self.candidate, candidates)
        return History(self.candidate[seen], self.role[seen], self.stage[seen], self.minute[seen])


def utc_offsets(places: Places) -> np.ndarray:
    """Each country's UTC offset in minutes (``"+05:30"`` -> 330)."""
    sign = np.array([-1 if o.startswith("-") else 1 for o in places.country_offsets])
    hours = np.array([int(o[1:3]) for o in places.country_offsets])
    minutes = np.array([int(o[4:6]) for o in places.country_offsets])
    return sign * (60 * hours + minutes)


def _applications(
    fit: Fit, people: People, roles: Roles, places: Places, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(candidate, role) of every application, before exclusions."""
    active = np.flatnonzero(rng.random(people.n) < ACTIVE_SHARE)
    wanted = np.minimum(rng.geometric(0.4, len(active)), 10)
    owner = np.repeat(np.arange(people.n), np.diff(people.skill_ptr))
    listed = sp.csr_matrix(
        (people.skill_level * people.skill_listed, (owner, people.skill_idx)),
        shape=(people.n, len(fit.cat.skills)),
    )
    cands, picks = [], []
    for lo in range(0, len(active), 20_000):
        block = active[lo : lo + 20_000]
        overlap = (listed[block] @ fit.required_.T).tocoo()
        c, r = block[overlap.row], overlap.col
        score = overlap.data / np.maximum(fit.required_sum_[r], 1e-9)
        r_city, c_city = roles.city[r], people.city[c]
        preferred = (people.pref_cities[c] == r_city[:, None]).any(axis=1)
        same_country = places.city_country[r_city] == places.city_country[c_city]
        score += np.where(
            preferred | (roles.remote[r] & people.remote_ok[c]),
            0.3,
            np.where(same_country, 0.1, -0.3),
        )
        score += 0.1 * (people.pref_domains[c] == roles.domain[r][:, None]).any(axis=1)
        score += rng.gumbel(0.0, 0.1, len(score))
        order = np.lexsort((-score, overlap.row))
        row = overlap.row[order]
        start = np.searchsorted(row, np.arange(len(block)))
        rank = np.arange(len(row)) - start[row]
        keep = order[rank < wanted[lo : lo + 20_000][row]]
        cands.append(c[keep])
        picks.append(r[keep])
    candidate = np.concatenate(cands) if cands else np.zeros(0, np.int64)
    role = np.concatenate(picks) if picks else np.zeros(0, np.int64)
    shot = rng.random(len(role)) < LONG_SHOT_SHARE
    role = np.where(shot, rng.integers(0, roles.n, len(role)), role)
    return candidate.astype(np.int64), role.astype(np.int64)


def draw_history(
    fit: Fit,
    people: People,
    roles: Roles,
    places: Places,
    bias: float,
    forbidden: np.ndarray,
    rng: np.random.Generator,
    penalty: np.ndarray | None = None,
) -> History:
    """Draw the applications and the recruiter funnel.

    Args:
        fit: the true-fit oracle.
        people: candidates.
        roles: roles.
        places: countries, cities and organizations.
        bias: subtracted from the recruiter's view of a woman's fit at every decision.
        forbidden: ``candidate * roles.n + role`` keys that must not appear (ground truth).
        rng: the generator's random stream for this step.
        penalty: per candidate, also subtracted from the recruiter's view at every decision
            (the proxy world's penalty of merit-free proxies, ``synthetic.proxies``).

    Returns:
        The events, sorted by UTC time, then candidate, role and stage.
    """
    candidate, role = _applications(fit, people, roles, places, rng)
    key = candidate * roles.n + role
    key, first = np.unique(key, return_index=True)
    keep = ~np.isin(key, forbidden)
    candidate, role = candidate[first][keep], role[first][keep]
    n = len(candidate)
    f = fit.pairs(candidate, role)
    female = (people.gender[candidate] == GENDERS.index(BIASED_GROUP)).astype(float)
    # the thresholds stay quantiles of the unpenalised views; no penalty, no change at all
    held = bias * female if penalty is None else bias * female + penalty[candidate]

    def days(lo: float, hi: float) -> np.ndarray:
        return (rng.uniform(lo, hi, n) * _DAY).astype(np.int64)

    posted = (REFERENCE_DAY - roles.posted[role]) * _DAY
    applied = posted + days(0, 30) + (8 * 60 + rng.integers(0, 10 * 60, n))
    early_exit = rng.random(n) < 0.04
    view = f + rng.normal(0.0, 0.06, n)
    shortlist = (view - held >= np.quantile(view, 1 - SHORTLIST_RATE)) & ~early_exit
    t_short = applied + days(1, 10)
    late_exit = shortlist & (rng.random(n) < 0.06)
    view_i = f + rng.normal(0.0, 0.05, n)
    cut = np.quantile(view_i[shortlist], 1 - INTERVIEW_RATE) if shortlist.any() else np.inf
    interview = shortlist & ~late_exit & (view_i - held >= cut)
    t_inter = t_short + days(3, 14)
    view_o = f + rng.normal(0.0, 0.04, n) - held
    order = np.lexsort((-view_o, role))
    order = order[interview[order]]
    start = np.searchsorted(role[order], role[order], side="left")
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(len(order)) - start
    offer = interview & (rank < roles.capacity[role])
    t_offer = t_inter + days(2, 10)
    hire = offer & (rng.random(n) < 0.85)
    t_end = t_offer + days(1, 14)

    events = [
        (np.arange(n), 0, applied),
        (np.flatnonzero(early_exit), 6, (applied + days(1, 7))[early_exit]),
        (np.flatnonzero(shortlist), 1, t_short[shortlist]),
        (
            np.flatnonzero(~shortlist & ~early_exit),
            5,
            (applied + days(2, 20))[~shortlist & ~early_exit],
        ),
        (np.flatnonzero(late_exit), 6, (t_short + days(1, 7))[late_exit]),
        (np.flatnonzero(interview), 2, t_inter[interview]),
        (
            np.flatnonzero(shortlist & ~late_exit & ~interview),
            5,
            (t_short + days(2, 10))[shortlist & ~late_exit & ~interview],
        ),
        (np.flatnonzero(offer), 3, t_offer[offer]),
        (np.flatnonzero(interview & ~offer), 5, (t_inter + days(3, 12))[interview & ~offer]),
        (np.flatnonzero(hire), 4, t_end[hire]),
        (np.flatnonzero(offer & ~hire), 6, t_end[offer & ~hire]),
    ]
    app = np.concatenate([e[0] for e in events])
    stage = np.concatenate([np.full(len(e[0]), e[1]) for e in events])
    minute = np.concatenate([e[2] for e in events])
    # local clock -> UTC for ordering; funnels still open on the reference day stop there
    utc = minute - utc_offsets(places)[places.city_country[roles.city[role[app]]]]
    done = utc < (REFERENCE_DAY + 1) * _DAY
    app, stage, minute, utc = app[done], stage[done], minute[done], utc[done]
    order = np.lexsort((stage, role[app], candidate[app], utc))
    return History(candidate[app][order], role[app][order], stage[order], minute[order])
