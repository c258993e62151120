"""Fairness-optimised two-sided fusion: per candidate, the weight whose top k is most even.

Role-side group metrics of one candidate's top ``k`` (groups of *roles*: country, remote or
not, domain, paid or unpaid, whatever attribute is given), against a reference distribution
``P`` over the groups:

- with two groups, the gap ``|share_top(g1) / P(g1) - share_top(g2) / P(g2)|``;
- with more, the Jensen-Shannon distance (base 2, in [0, 1]) between the top's group shares
  and ``P``.

**DGI** takes ``P`` from all roles (each group's share of the catalogue); **DUP** from the
candidate's own past interactions (what they have shown interest in). The dataset figure is
the mean over candidates (:func:`mean_gap`).

:func:`optimise_weight` fuses the candidate's two lists (``engine.matching.fusion``) for each
``w`` on a grid of ``grid`` values in [0, 1] and keeps the ``w`` whose top ``k`` minimises the
metric, or ``lam * metric1 + (1 - lam) * metric2`` for two references; ties go to the ``w``
closest to ``prefer`` (0.5 by default: the unfused middle), then the smaller ``w``. Fusion is
the ranking operation; this module only chooses its weight.

Example:
    >>> role_group = {"r1": "DE", "r2": "DE", "r3": "FR", "r4": "FR"}
    >>> gap(["r1", "r2"], role_group, {"DE": 0.5, "FR": 0.5})
    2.0
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.matching.fusion import FusedRole, fuse
from graph_schema.errors import ConfigError
from graph_schema.params import out_of_range

Group = Hashable


def shares(items: Sequence[str], group_of: Mapping[str, Group]) -> dict[Group, float]:
    """Each group's share of ``items`` (items without a group are left out)."""
    groups = [group_of[i] for i in items if i in group_of]
    if not groups:
        return {}
    out: dict[Group, float] = {}
    for g in groups:
        out[g] = out.get(g, 0.0) + 1.0 / len(groups)
    return out


def _js_distance(p: Mapping[Group, float], q: Mapping[Group, float]) -> float:
    keys = sorted(set(p) | set(q), key=str)
    a = np.array([p.get(k, 0.0) for k in keys])
    b = np.array([q.get(k, 0.0) for k in keys])
    m = (a + b) / 2

    def kl(x: np.ndarray) -> float:
        mask = x > 0
        return float((x[mask] * np.log2(x[mask] / m[mask])).sum())

    return math.sqrt(max(0.0, (kl(a) + kl(b)) / 2))


def gap(
    top: Sequence[str], group_of: Mapping[str, Group], reference: Mapping[Group, float]
) -> float:
    """The group metric of one top list against ``reference`` (see the module docstring).

    Args:
        top: the candidate's top roles.
        group_of: role id -> group.
        reference: group -> share ``P`` (sums to 1; the groups considered).

    Raises:
        ConfigError: fewer than two groups in ``reference``, or a two-group reference with a
            zero share (the ratio is undefined).
    """
    if len(reference) < 2:
        raise ConfigError(f"gap needs a reference over at least 2 groups; got {dict(reference)}")
    top_shares = shares(top, group_of)
    if len(reference) == 2:
        g1, g2 = sorted(reference, key=str)
        if reference[g1] <= 0 or reference[g2] <= 0:
            raise ConfigError(f"gap: a reference share is 0 ({dict(reference)})")
        return abs(
            top_shares.get(g1, 0.0) / reference[g1] - top_shares.get(g2, 0.0) / reference[g2]
        )
    return _js_distance(top_shares, reference)


def catalogue_reference(group_of: Mapping[str, Group]) -> dict[Group, float]:
    """DGI's ``P``: each group's share of all roles."""
    return shares(list(group_of), group_of)


def mean_gap(
    tops: Mapping[str, Sequence[str]],
    group_of: Mapping[str, Group],
    references: Mapping[str, Mapping[Group, float]] | Mapping[Group, float],
    per_candidate: bool = False,
) -> float:
    """DGI (one reference for everyone) or DUP (``per_candidate``: candidate -> reference,
    e.g. the shares of their past interactions): the mean gap over candidates. Candidates
    whose reference has fewer than two groups are left out; NaN if none is left."""
    values = []
    for candidate, top in tops.items():
        reference = references.get(candidate, {}) if per_candidate else references
        if len(reference) >= 2 and min(reference.values()) > 0:
            values.append(gap(top, group_of, reference))
    return float(np.mean(values)) if values else math.nan


@dataclass(frozen=True)
class WeightChoice:
    """The chosen weight of one candidate and what it gives."""

    w: float
    metric: float
    fused: list[FusedRole]


def optimise_weight(
    candidate_side: Mapping[str, float],
    recruiter_side: Mapping[str, float],
    group_of: Mapping[str, Group],
    reference: Mapping[Group, float],
    *,
    method: str = "weighted_sum",
    k: int = 10,
    grid: int = 101,
    second: Mapping[Group, float] | None = None,
    lam: float = 1.0,
    normalise: bool = False,
    prefer: float = 0.5,
) -> WeightChoice:
    """The fusion weight on a grid that minimises the top ``k``'s group metric.

    Args:
        candidate_side, recruiter_side: the candidate's two scored lists.
        group_of: role id -> group.
        reference: ``P`` of the first metric (DGI: :func:`catalogue_reference`).
        method: a fusion method of ``engine.matching.fusion``.
        k: the top evaluated.
        grid: number of weights, evenly spaced in [0, 1] (>= 2).
        second: ``P`` of a second metric (e.g. DUP's), combined as
            ``lam * metric1 + (1 - lam) * metric2``.
        lam: the first metric's weight in [0, 1].
        normalise: min-max normalise both lists before fusing.
        prefer: ties go to the weight closest to it.

    Raises:
        ConfigError: a bad grid, ``lam`` or ``k``, or a reference ``gap`` refuses.
    """
    if not isinstance(grid, int) or grid < 2:
        raise out_of_range("grid of optimise_weight", "an int >= 2", grid)
    if not 0.0 <= lam <= 1.0:
        raise out_of_range("lam of optimise_weight", "in [0, 1]", lam)
    if not isinstance(k, int) or k < 1:
        raise out_of_range("k of optimise_weight", "an int >= 1", k)

    def scored(w: float) -> tuple[tuple[float, float, float], WeightChoice]:
        fused = fuse(candidate_side, recruiter_side, method, w=w, normalise=normalise)
        top = [item.role_id for item in fused[:k]]
        metric = gap(top, group_of, reference)
        if second is not None:
            metric = lam * metric + (1 - lam) * gap(top, group_of, second)
        return (round(metric, 12), abs(w - prefer), w), WeightChoice(w, metric, fused)

    # grid >= 2, so min() always has weights to choose from; the generator keeps one fused
    # list beside the best; ties go to the first (the key ends in w: there are none).
    weights = (scored(float(w)) for w in np.linspace(0.0, 1.0, grid))
    return min(weights, key=lambda choice: choice[0])[1]
