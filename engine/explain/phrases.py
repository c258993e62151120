"""Recruiter language for attribution groups: "covers 5 of 6 required skills", "reliability
0.93, top 10 % of candidates".

Each group of ``engine.explain.attributions.GROUPS`` gets one phrase built from the pair's
feature values and from facts of the graph context (which required skills are held, how a
signal compares with every candidate's). The phrase states the fact, the reason adds the
direction and size of its attribution ("raises the score, +0.84 log-odds"). No phrase can
name a sensitive attribute: none is a feature or in the context.

Example:
    >>> reason("reliability", 0.4, "reliability 0.93, top 10 % of candidates")
    'reliability 0.93, top 10 % of candidates (raises the score, +0.40 log-odds)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.explain.profile import years_of
from engine.features.context import SIGNALS
from engine.kernels.sparse_entries import entries
from engine.runtime.match_runtime import MatchRuntime


def _names(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" +{len(names) - limit} more" if len(names) > limit else "")


def _nan(x: float) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


@dataclass(frozen=True)
class PairFacts:
    """What the phrases read besides the feature values.

    Attributes:
        held, lacking: names of the role's required skills the candidate holds / does not
            hold, by importance; ``related``: the lacking ones a similar skill reaches.
        optional_held, optional_total: nice-to-have skills held, and listed.
        share_above: per signal (``SIGNALS``), the share of candidates with a higher value.
    """

    held: tuple[str, ...]
    lacking: tuple[str, ...]
    related: tuple[str, ...]
    optional_held: int
    optional_total: int
    share_above: Mapping[str, float]


def pair_facts(
    runtime: MatchRuntime,
    cand: int,
    role: int,
    skill_names: Sequence[str],
    sorted_signals: np.ndarray,
    signals: np.ndarray | None = None,
) -> PairFacts:
    """Facts of one pair from the context.

    Args:
        sorted_signals: every candidate's ``SIGNALS`` columns, each sorted ascending.
        signals: the candidate's own signals (default: read from the context).
    """
    ctx = runtime.ctx
    lo, hi = ctx.importance.indptr[role], ctx.importance.indptr[role + 1]
    skills, importance = ctx.importance.indices[lo:hi], ctx.importance.data[lo:hi]
    required = ctx.importance_required[lo:hi]
    rows = np.full(skills.size, cand)
    direct = entries(ctx.level, rows, skills)
    effective = entries(ctx.effective_level, rows, skills)
    order = np.argsort(-importance, kind="stable")
    req = [i for i in order if required[i]]
    own = ctx.signals[cand] if signals is None else signals
    n = sorted_signals.shape[0]
    share = {
        name: float(n - np.searchsorted(sorted_signals[:, j], own[j], side="right")) / max(n, 1)
        for j, name in enumerate(SIGNALS)
    }
    return PairFacts(
        held=tuple(skill_names[skills[i]] for i in req if direct[i] > 0),
        lacking=tuple(skill_names[skills[i]] for i in req if direct[i] <= 0),
        related=tuple(skill_names[skills[i]] for i in req if direct[i] <= 0 < effective[i]),
        optional_held=int(sum(1 for i in order if not required[i] and direct[i] > 0)),
        optional_total=int((~required).sum()),
        share_above=share,
    )


def _standing(share_above: float, higher_is_better: bool = True) -> str:
    """ "top 10 % of candidates" / "below 70 % of candidates" (or the reverse for a risk)."""
    if higher_is_better:
        if share_above < 0.5:
            return f"top {max(1, math.ceil(100 * share_above + 1e-9))} % of candidates"
        return f"below {round(100 * share_above)} % of candidates"
    if share_above >= 0.5:
        return f"lower than {round(100 * share_above)} % of candidates"
    return f"higher than {round(100 * (1 - share_above))} % of candidates"


def group_phrase(group: str, v: Mapping[str, float], facts: PairFacts) -> str:
    """The fact behind one group's attribution, in recruiter language."""
    if group == "required skills":
        n = len(facts.held) + len(facts.lacking)
        if n == 0:
            return "the role lists no required skill"
        text = f"covers {len(facts.held)} of {n} required skills"
        if facts.held:
            text += f" ({_names(facts.held)})"
        if facts.lacking:
            text += f"; lacks {_names(facts.lacking, 2)}"
        if facts.related:
            text += f"; related skills reach {_names(facts.related, 2)}"
        return text
    if group == "optional skills":
        if facts.optional_total == 0:
            return "the role lists no optional skill"
        text = f"holds {facts.optional_held} of {facts.optional_total} nice-to-have skills"
        if v["optional_coverage_similar"] > v["optional_coverage"] + 1e-9:
            text += f"; related skills raise their coverage to {v['optional_coverage_similar']:.2f}"
        return text
    if group == "location":
        if v["location_fit"] >= 1.0:
            text = "same location as the role (or remote)"
        elif v["location_fit"] >= 0.5:
            text = "same country as the role"
        elif v["location_missing"]:
            text = "location unknown"
        else:
            text = "based in another country than the role"
        if v["location_preferred"] > 0:
            text += "; lists the role's place as preferred"
        elif v["country_preferred"] > 0:
            text += "; willing to move to the role's country"
        return text
    if group == "profile text":
        if v["text_missing"]:
            return "no profile text to compare"
        return f"profile text similarity {v['text_cosine']:.2f} with the role description"
    if group == "graph similarity":
        if v["gnn_missing"]:
            return "no graph embedding"
        return f"graph similarity {v['gnn_cosine']:.2f} (skills, employers and history)"
    if group in ("reliability", "attendance", "engagement"):
        return f"{group} {v[group]:.2f}, {_standing(facts.share_above[group])}"
    if group == "churn risk":
        return (
            f"churn risk {v['churn_risk']:.2f}, "
            f"{_standing(facts.share_above['churn_risk'], higher_is_better=False)}"
        )
    if group == "experience":
        years = years_of(v["experience_years"])
        return (
            f"{years:.0f} years of experience, {_standing(facts.share_above['experience_years'])}"
        )
    if group == "similar candidates":
        if v["cf_cold"]:
            return "no interaction history to compare (cold start)"
        return (
            f"candidates with similar histories progressed on similar roles ({v['cf_score']:.2f})"
        )
    if group == "past hires of the role":
        hires = float(np.expm1(v["hist_role_hires"])) if not _nan(v["hist_role_hires"]) else 0.0
        if hires <= 0:
            return "the role has no past hires to compare with"
        near = v["hist_text_nearest"]
        close = "" if _nan(near) else f", closest similarity {near:.2f}"
        return f"profile compared with the role's past hires{close}"
    if group == "candidate's past roles":
        count = v["hist_candidate_roles"]
        past = float(np.expm1(count)) if not _nan(count) else 0.0
        if past <= 0:
            return "no past shortlists to compare with"
        text = v["hist_past_text"]
        like = "" if _nan(text) else f" (similarity {text:.2f})"
        return f"role compared with the roles the candidate was shortlisted for before{like}"
    return group


def reason(group: str, value: float, phrase: str) -> str:
    """A phrase with the direction and size of its attribution (raw log-odds)."""
    if abs(value) < 0.005:
        return f"{phrase} (no effect on the score)"
    effect = "raises the score" if value > 0 else "lowers the score"
    return f"{phrase} ({effect}, {value:+.2f} log-odds)"
