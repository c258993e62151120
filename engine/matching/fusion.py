"""Two-sided fusion: one candidate's roles ranked by what suits the candidate and by merit.

Two scored lists of roles for one candidate: the candidate side ``S_u`` (how well a role suits
the candidate: applications, stated preferences, profile) and the recruiter side ``S_j`` (the
merit scorer). They are outer-joined on the role: a role missing from a list scores 0 there and
takes that list's largest rank + 1. Ranks are dense (equal scores share a rank; the next
distinct score takes the next rank). With ``w`` the candidate side's weight:

=================  ==============================================================
``weighted_sum``   ``w * S_u + (1 - w) * S_j``
``comb_max``       ``max(S_u, S_j)``
``comb_min``       ``min(S_u, S_j)``
``comb_sum``       ``S_u + S_j``
``comb_mnz``       ``(S_u + S_j) * (number of lists that hold the role)``
``rrf``            ``w / (60 + r_u) + (1 - w) / (60 + r_j)`` (reciprocal rank fusion)
``isr``            ``w / r_u**2 + (1 - w) / r_j**2`` (inverse square rank)
``borda``          ``w * (M - r_u + 1) + (1 - w) * (M - r_j + 1)``, ``M`` the joined length
=================  ==============================================================

The Comb* methods are the seed's plain forms (no weight). ``normalise=True`` min-max scales
each side's scores to [0, 1] over the candidate's list first (a constant list becomes all 1);
``False`` is the seed's plain form. Fusion is a ranking operation; fairness-optimised fusion
(choosing ``w`` per candidate for a group metric) lives in ``engine.fairness`` and uses this.

Example:
    >>> fused = fuse({"r1": 0.9, "r2": 0.2}, {"r2": 0.8, "r3": 0.5}, "rrf", w=0.5)
    >>> [item.role_id for item in fused]
    ['r2', 'r1', 'r3']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graph_schema.params import bad_parameter

METHODS = ("weighted_sum", "comb_max", "comb_min", "comb_sum", "comb_mnz", "rrf", "isr", "borda")
RRF_K = 60


@dataclass(frozen=True)
class FusedRole:
    """One role of a fused list.

    Attributes:
        role_id: the role.
        score: the fused score (higher first).
        score_u, score_j: the candidate-side and recruiter-side scores used (0 if missing,
            after normalisation when asked).
        rank_u, rank_j: the dense ranks used (the list's largest rank + 1 if missing).
    """

    role_id: str
    score: float
    score_u: float
    score_j: float
    rank_u: int
    rank_j: int


def dense_ranks(scores: Mapping[str, float]) -> dict[str, int]:
    """Dense ranks, 1 for the highest score; equal scores share a rank.

    Example:
        >>> dense_ranks({"a": 0.9, "b": 0.5, "c": 0.9, "d": 0.1})
        {'a': 1, 'b': 2, 'c': 1, 'd': 3}
    """
    distinct = sorted(set(scores.values()), reverse=True)
    rank = {value: i + 1 for i, value in enumerate(distinct)}
    return {item: rank[value] for item, value in scores.items()}


def min_max(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores scaled to [0, 1] over the list; a constant list becomes all 1."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high == low:
        return dict.fromkeys(scores, 1.0)
    return {item: (value - low) / (high - low) for item, value in scores.items()}


def _check(method: str, w: float) -> None:
    if method not in METHODS:
        rule = f"one of {', '.join(map(repr, METHODS))}"
        raise bad_parameter("method", "fuse", rule, method)
    if isinstance(w, bool) or not isinstance(w, int | float) or not 0.0 <= w <= 1.0:
        raise bad_parameter("w", "fuse", "a float in [0, 1]", w)


def fuse(
    candidate_side: Mapping[str, float],
    recruiter_side: Mapping[str, float],
    method: str = "weighted_sum",
    w: float = 0.5,
    normalise: bool = False,
) -> list[FusedRole]:
    """The outer join of the two lists, fused by ``method``, best first (ties by role id).

    Args:
        candidate_side: role id -> ``S_u`` for one candidate.
        recruiter_side: role id -> ``S_j`` for the same candidate.
        method: one of :data:`METHODS`.
        w: the candidate side's weight in [0, 1] (unused by the Comb* methods).
        normalise: min-max scale each side over this candidate's list first.

    Raises:
        ConfigError: an unknown method or a weight outside [0, 1].
    """
    _check(method, w)
    su = min_max(candidate_side) if normalise else dict(candidate_side)
    sj = min_max(recruiter_side) if normalise else dict(recruiter_side)
    ru, rj = dense_ranks(su), dense_ranks(sj)
    missing_u, missing_j = max(ru.values(), default=0) + 1, max(rj.values(), default=0) + 1
    roles = sorted(set(su) | set(sj))
    length = len(roles)
    out = []
    for role in roles:
        a, b = su.get(role, 0.0), sj.get(role, 0.0)
        r_a, r_b = ru.get(role, missing_u), rj.get(role, missing_j)
        if method == "weighted_sum":
            score = w * a + (1 - w) * b
        elif method == "comb_max":
            score = max(a, b)
        elif method == "comb_min":
            score = min(a, b)
        elif method == "comb_sum":
            score = a + b
        elif method == "comb_mnz":
            score = (a + b) * ((role in su) + (role in sj))
        elif method == "rrf":
            score = w / (RRF_K + r_a) + (1 - w) / (RRF_K + r_b)
        elif method == "isr":
            score = w / r_a**2 + (1 - w) / r_b**2
        else:  # borda
            score = w * (length - r_a + 1) + (1 - w) * (length - r_b + 1)
        out.append(FusedRole(role, float(score), a, b, r_a, r_b))
    out.sort(key=lambda item: (-item.score, item.role_id))
    return out
