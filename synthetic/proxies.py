"""The proxy world: merit-free differences that follow gender and age band, shared by both worlds.

``generate(..., proxies=STRENGTH)`` draws, from its own random stream, per candidate:

- **caring duties** (female 55 %, non-binary 30 %, male 12 % at strength 1): observed
  ``attendance`` lowered by U(0.15, 0.35) (days missed for care, not performance in the role);
  a **career break** for 70 % of carers (12-48 months cut from the start of the latest job,
  so counted experience, the "N years" of the summary and Junior / Senior drop) and a
  **part-time spell** for 50 % (skill ``years`` x 0.6), each said in the summary;
- **employers**: one organization per domain (one for all domains with fewer than two) is a
  flexible-hours employer whose staff skew female: the latest job of 30 % of women (15 %
  non-binary, 4 % men) moves there;
- **associations and wording**: "Member, Women in <domain> Network" after the headline (35 %
  of women), a female-coded summary sentence (women 40 %, others 10 %) or a male-coded one
  (men 40 %, others 10 %);
- **age**: observed ``engagement`` (platform activity) lowered by U(0.1, 0.25) for 70 % of
  the 55+ and 35 % of the 45-54 band, ``churn_risk`` raised by U(0.1, 0.25) for 70 % of the
  18-24 band, and age-coded wording (55+: "Seasoned professional ...", 18-24: "Recent
  graduate ...", 50 % each).

In the careers world, whose export leaves signals out for about half the people, a shifted
signal is always written (the absence record is exported): missingness becomes a proxy too.

Every probability scales with ``strength`` (0 = no proxy and no random draw: the files are
byte-identical to a world without proxies). The true fit reads the *true* signals, skills and
occupations, so truth does not move; only the rows the engine reads and the recruiter
history do: the history subtracts ``penalty`` (``PENALTY`` weights of each proxy) from the
recruiter's view of a candidate at every decision, as ``bias`` does for women.

Example:
    >>> import numpy as np
    >>> p = draw_proxies(np.array([0, 1, 0]), np.array([0, 3, 5]), 0.0, 0,
    ...                  np.zeros(4, np.int64), np.zeros(3, np.int64))
    >>> bool(p.active), float(p.penalty.sum())
    (False, 0.0)
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from synthetic.domains import DOMAIN_NAMES
from synthetic.population import People

DEFAULT_PROXY_STRENGTH = 1.0
"""The documented proxy world (``talentgraph generate --proxies 1``)."""
SPAWN_KEY = 64  # the proxy stream: child 64 of the seed, beside the worlds' own streams
CARER = (0.55, 0.12, 0.30)  # P(caring duties) per GENDERS (female, male, non-binary)
FLEX_EMPLOYER = (0.30, 0.04, 0.15)
ASSOCIATION = (0.35, 0.0, 0.0)
FEMALE_WORDING = (0.40, 0.10, 0.10)
MALE_WORDING = (0.10, 0.40, 0.10)
GAP_SHARE, PART_TIME_SHARE, PART_TIME_YEARS = 0.7, 0.5, 0.6
LOW_ENGAGEMENT = (0.0, 0.0, 0.0, 0.35, 0.7, 0.7)  # per AGE_BANDS
HIGH_CHURN = (0.7, 0.0, 0.0, 0.0, 0.0, 0.0)
AGE_WORDING = (0.5, 0.0, 0.0, 0.0, 0.5, 0.5)
PENALTY: dict[str, float] = {
    "attendance_drop": 0.6,
    "career_break": 0.05,
    "part_time": 0.04,
    "flex_employer": 0.04,
    "association": 0.04,
    "female_wording": 0.04,
    "engagement_drop": 0.5,
    "churn_rise": 0.4,
    "age_wording": 0.03,
}
"""Recruiter penalty in true-fit units per unit of each proxy (drops are in signal units)."""
FEMALE_SENTENCE = "Collaborative and supportive; I care about the people I work with."
MALE_SENTENCE = "Driven, competitive and decisive; I take charge."
OLD_SENTENCE = "Seasoned professional, in the trade since {year}."
YOUNG_SENTENCE = "Recent graduate and digital native."
AnyPeople = TypeVar("AnyPeople", bound=People)


@dataclass(frozen=True)
class Proxies:
    """Per-candidate proxy draws (``n`` rows); all zero / False when ``strength`` is 0.

    ``gap_months`` is what the latest job's start moved by; ``flex_org`` is -1 or the
    organization the latest job moved to; ``penalty`` is the recruiter's, in true-fit units.
    """

    strength: float
    carer: np.ndarray
    attendance_drop: np.ndarray
    gap_months: np.ndarray
    part_time: np.ndarray
    flex_org: np.ndarray
    association: np.ndarray
    wording: np.ndarray  # 0 none, 1 female-coded, 2 male-coded
    engagement_drop: np.ndarray
    churn_rise: np.ndarray
    age_wording: np.ndarray  # 0 none, 1 young, 2 old
    flex_orgs: np.ndarray
    penalty: np.ndarray

    @property
    def active(self) -> bool:
        return self.strength > 0


def proxy_stream(seed: int) -> np.random.Generator:
    """The proxies' own stream: strength 0 leaves every other stream of the world untouched."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SPAWN_KEY,)))


def _flex_orgs(org_domain: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The flexible-hours employer of each domain: one of its own organizations when it has
    at least two, else one organization drawn for all such domains (small worlds)."""
    spare = int(rng.integers(len(org_domain)))
    out = np.full(len(DOMAIN_NAMES), spare, np.int64)
    for d in range(len(DOMAIN_NAMES)):
        pool = np.flatnonzero(org_domain == d)
        if len(pool) >= 2:
            out[d] = pool[int(rng.integers(len(pool)))]
    return out


def draw_proxies(
    gender: np.ndarray,
    age_band: np.ndarray,
    strength: float,
    seed: int,
    org_domain: np.ndarray,
    job_org_latest: np.ndarray,
) -> Proxies:
    """Draw every proxy of ``len(gender)`` candidates.

    Args:
        gender: index into ``GENDERS`` per candidate.
        age_band: index into ``AGE_BANDS`` per candidate.
        strength: in [0, 1]; scales every probability (0: nothing drawn).
        seed: the world's seed (the proxies draw from ``proxy_stream(seed)``).
        org_domain: domain of every organization.
        job_org_latest: organization of each candidate's latest job.

    Returns:
        The draws and the recruiter penalty.
    """
    n = len(gender)
    zero, no = np.zeros(n), np.zeros(n, bool)
    if strength <= 0:
        return Proxies(
            strength=0.0,
            carer=no,
            attendance_drop=zero,
            gap_months=np.zeros(n, np.int64),
            part_time=no,
            flex_org=-np.ones(n, np.int64),
            association=no,
            wording=np.zeros(n, np.int64),
            engagement_drop=zero,
            churn_rise=zero,
            age_wording=np.zeros(n, np.int64),
            flex_orgs=-np.ones(len(DOMAIN_NAMES), np.int64),
            penalty=zero,
        )
    rng = proxy_stream(seed)
    s = float(strength)
    u = rng.random((n, 10))

    def share(table: tuple[float, ...], by: np.ndarray) -> np.ndarray:
        return s * np.asarray(table)[by]

    carer = u[:, 0] < share(CARER, gender)
    drop = np.where(carer, rng.uniform(0.15, 0.35, n), 0.0)
    gap = np.where(carer & (u[:, 1] < GAP_SHARE), rng.integers(12, 49, n), 0)
    part_time = carer & (u[:, 2] < PART_TIME_SHARE)
    flex_orgs = _flex_orgs(org_domain, rng)
    target = flex_orgs[org_domain[job_org_latest]]
    flex = (u[:, 3] < share(FLEX_EMPLOYER, gender)) & (target != job_org_latest)
    association = u[:, 4] < share(ASSOCIATION, gender)
    wording = np.where(
        u[:, 5] < share(FEMALE_WORDING, gender),
        1,
        np.where(u[:, 6] < share(MALE_WORDING, gender), 2, 0),
    )
    engagement = np.where(u[:, 7] < share(LOW_ENGAGEMENT, age_band), rng.uniform(0.1, 0.25, n), 0)
    churn = np.where(u[:, 8] < share(HIGH_CHURN, age_band), rng.uniform(0.1, 0.25, n), 0)
    age_wording = np.where(u[:, 9] < share(AGE_WORDING, age_band), np.where(age_band == 0, 1, 2), 0)
    return Proxies(
        strength=s,
        carer=carer,
        attendance_drop=drop,
        gap_months=gap.astype(np.int64),
        part_time=part_time,
        flex_org=np.where(flex, target, -1),
        association=association,
        wording=wording.astype(np.int64),
        engagement_drop=engagement,
        churn_rise=churn,
        age_wording=age_wording.astype(np.int64),
        flex_orgs=flex_orgs,
        penalty=np.zeros(n),  # set by with_penalty once the breaks are applied
    )


def with_penalty(p: Proxies, gap_months: np.ndarray) -> Proxies:
    """``p`` with the career breaks actually applied and the recruiter penalty they imply."""
    penalty = (
        PENALTY["attendance_drop"] * p.attendance_drop
        + PENALTY["career_break"] * (gap_months > 0)
        + PENALTY["part_time"] * p.part_time
        + PENALTY["flex_employer"] * (p.flex_org >= 0)
        + PENALTY["association"] * p.association
        + PENALTY["female_wording"] * (p.wording == 1)
        + PENALTY["engagement_drop"] * p.engagement_drop
        + PENALTY["churn_rise"] * p.churn_rise
        + PENALTY["age_wording"] * (p.age_wording > 0)
    )
    return dataclasses.replace(p, gap_months=gap_months, penalty=penalty)


def apply_to_people(
    people: AnyPeople, p: Proxies, reference_month: int
) -> tuple[AnyPeople, Proxies]:
    """What the engine reads of ``people`` (a world's candidates), shifted by the proxies.

    Returns a copy (the true fit keeps reading the original): observed ``signals`` (when the
    world has them), the latest job's start moved by the career break and its organization
    by the flexible employer, ``career_years`` less the break, skill ``years`` of part-timers
    x ``PART_TIME_YEARS``; and ``p`` with the breaks as applied and the penalty.
    """
    latest = people.job_ptr[:-1]
    end = np.where(people.job_end[latest] < 0, reference_month, people.job_end[latest])
    room = np.maximum(end - people.job_start[latest] - 3, 0)
    gap = np.minimum(p.gap_months, room)
    job_start, job_org = people.job_start.copy(), people.job_org.copy()
    job_start[latest] += gap
    job_org[latest] = np.where(p.flex_org >= 0, p.flex_org, job_org[latest])
    owner = np.repeat(np.arange(people.n), np.diff(people.skill_ptr))
    skill_years = np.where(
        p.part_time[owner], np.round(people.skill_years * PART_TIME_YEARS, 1), people.skill_years
    )
    changes: dict[str, Any] = {
        "job_start": job_start,
        "job_org": job_org,
        "career_years": np.maximum(people.career_years - gap / 12.0, 0.1),
        "skill_years": skill_years,
    }
    if hasattr(people, "signals"):
        changes["signals"] = np.round(np.clip(people.signals + signal_shift(p), 0.0, 1.0), 2)
    return dataclasses.replace(people, **changes), with_penalty(p, gap)


def proxy_world(
    people: AnyPeople, org_domain: np.ndarray, strength: float, seed: int, reference_month: int
) -> tuple[AnyPeople, Proxies]:
    """(the people as the rows and texts show them, the proxies drawn) for one world's
    candidates: :func:`draw_proxies` on their groups and latest employers, then
    :func:`apply_to_people` when any proxy is active (else ``people`` unchanged)."""
    drawn = draw_proxies(
        people.gender,
        people.age_band,
        strength,
        seed,
        org_domain,
        people.job_org[people.job_ptr[:-1]],
    )
    if not drawn.active:
        return people, drawn
    return apply_to_people(people, drawn, reference_month)


def signal_shift(p: Proxies) -> np.ndarray:
    """(n, 4) shift of reliability, attendance, engagement, churn risk."""
    zero = np.zeros_like(p.attendance_drop)
    return np.column_stack([zero, -p.attendance_drop, -p.engagement_drop, p.churn_rise])


def apply_to_texts(
    headlines: list[Any], summaries: list[str], p: Proxies, people: People, domain: np.ndarray
) -> tuple[list[Any], list[str]]:
    """Headlines with the association, summaries with the proxies' sentences first.

    Args:
        headlines: per candidate (None: no headline, left so).
        summaries: per candidate.
        p: the proxies (as applied: ``gap_months``).
        people: the shifted candidates (job starts, for the years named).
        domain: each candidate's domain index (``DOMAIN_NAMES``), for the association.
    """
    heads, sums = list(headlines), list(summaries)
    latest = people.job_ptr[:-1]
    for c in np.flatnonzero(
        p.association | (p.wording > 0) | (p.age_wording > 0) | (p.gap_months > 0) | p.part_time
    ).tolist():
        if p.association[c] and heads[c] is not None:
            heads[c] = f"{heads[c]} | Member, Women in {DOMAIN_NAMES[domain[c]]} Network"
        said = []
        if p.wording[c]:
            said.append(FEMALE_SENTENCE if p.wording[c] == 1 else MALE_SENTENCE)
        if p.age_wording[c] == 1:
            said.append(YOUNG_SENTENCE)
        elif p.age_wording[c] == 2:
            start = int(people.job_start[people.job_ptr[c + 1] - 1]) // 12
            said.append(OLD_SENTENCE.format(year=start))
        year = int(people.job_start[latest[c]]) // 12
        if p.gap_months[c] > 0:
            span = max(1, round(p.gap_months[c] / 12))
            said.append(f"Returned to work in {year} after a {span}-year career break.")
        if p.part_time[c]:
            said.append(f"Part-time since {year}.")
        sums[c] = " ".join([*said, sums[c]]).strip()
    return heads, sums


def _point_biserial(x: np.ndarray, group: np.ndarray) -> float | None:
    ok = ~np.isnan(x)
    x, group = x[ok], group[ok].astype(float)
    if len(x) < 3 or x.std() == 0 or group.std() == 0:
        return None
    return round(float(np.corrcoef(x, group)[0, 1]), 4)


def row_proxies(
    path: Path, as_of_month: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per-candidate proxy values read back from ``candidates.jsonl`` (what the engine reads),
    and the groups: ``female``, ``age_18_24``, ``age_55_plus``."""
    cols: dict[str, list[float]] = {
        k: []
        for k in (
            "attendance",
            "engagement",
            "churn_risk",
            "experience_years",
            "career_break",
            "part_time",
            "association",
            "female_wording",
        )
    }
    employers: list[set[str]] = []
    groups: dict[str, list[bool]] = {"female": [], "age_18_24": [], "age_55_plus": []}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            signals = row.get("signals") or {}
            for k in ("attendance", "engagement", "churn_risk"):
                cols[k].append(signals.get(k, np.nan))
            months = 0
            for stint in row.get("experience", []):
                start = int(stint["start"][:4]) * 12 + int(stint["start"][5:7]) - 1
                end = stint["end"] or None
                stop = as_of_month if end is None else int(end[:4]) * 12 + int(end[5:7]) - 1
                months += max(stop - start, 0)
            cols["experience_years"].append(months / 12)
            summary = row.get("summary") or ""
            cols["career_break"].append(float("career break" in summary))
            cols["part_time"].append(float("Part-time since" in summary))
            cols["association"].append(float("Women in" in (row.get("headline") or "")))
            cols["female_wording"].append(float(FEMALE_SENTENCE in summary))
            employers.append({s["organization"] for s in row.get("experience", [])[:1]})
            sens = row["sensitive"]
            groups["female"].append(sens["gender"] == "female")
            groups["age_18_24"].append(sens["age_band"] == "18-24")
            groups["age_55_plus"].append(sens["age_band"] in ("55-64", "65+"))
    values = {k: np.asarray(v, float) for k, v in cols.items()}
    values["_employers"] = np.asarray(employers, dtype=object)
    return values, {k: np.asarray(v) for k, v in groups.items()}


def correlations(
    path: Path, as_of_month: int, flex_org_ids: list[str], penalty: np.ndarray | None = None
) -> dict[str, dict[str, float | None]]:
    """Point-biserial correlation of each proxy (read back from ``candidates.jsonl``) with
    each group; ``flex_employer`` is "the latest job is at a flexible-hours employer"."""
    values, groups = row_proxies(path, as_of_month)
    flex = set(flex_org_ids)
    values["flex_employer"] = np.array([float(bool(e & flex)) for e in values.pop("_employers")])
    if penalty is not None:
        values["history_penalty"] = penalty
    return {
        name: {g: _point_biserial(x, member) for g, member in groups.items()}
        for name, x in values.items()
    }
