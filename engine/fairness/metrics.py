"""Group fairness metrics of selections and rankings, on one group-metrics core.

The core, :func:`group_metrics`, applies a metric to each group's slice of aligned arrays
(like fairlearn's ``MetricFrame``) and returns a :class:`GroupMetrics` with per-group values,
counts, and the summaries ``difference()`` (max - min) and ``ratio()`` (min / max). Each named
metric is a small function on it, with keyword-only ``sensitive_features``:

- :func:`selection_rate`: share of each group that is selected.
- :func:`impact_ratio`: lowest group's selection rate / highest group's (NYC Local Law 144;
  below 0.8 fails the four-fifths rule of thumb).
- :func:`demographic_parity_difference`: highest - lowest selection rate.
- :func:`equal_opportunity_difference`: highest - lowest selection rate among *qualified*
  members (true positive rate).
- :func:`exposure`: mean position discount ``1 / log2(1 + rank)`` of a group's members
  (rank 1-based; 0 when unranked or below the cut-off).

The ``*_at_k`` variants take rankings (query -> ranked ids, the *whole* considered pool, best
first) and an id -> group mapping; the top ``k`` of each ranking are "selected" and every
appearance in a pool is one row, so a candidate ranked for three roles counts three times.

Groups and intersections: a group is any hashable label. For an intersection, pass tuples
(``("female", "25-34")``), or a mapping of feature name -> labels to ``group_metrics`` (zipped
into tuples in the mapping's order), or combine id -> label mappings with :func:`intersect`.

Empty groups and zero rates (documented behaviour):

- A group with no rows (named in ``groups`` but absent) has value NaN and count 0; a metric
  undefined on a group (equal opportunity of a group with no qualified member) is NaN too.
  NaN groups are left out of ``group_min``, ``group_max``, ``difference`` and ``ratio``.
- ``difference()`` is NaN when no group is defined, 0.0 with one defined group.
- ``ratio()`` is NaN when no group is defined or the highest value is 0 (nobody selected: the
  ratio is undefined, not 1); it is 0.0 when some group has value 0 and another does not.
- Ids missing from an id -> group mapping fall in the group :data:`UNKNOWN_GROUP`, reported
  like any other (LL144 audits report the unknown category too).

Example:
    >>> impact_ratio([1, 0, 1, 1], sensitive_features=["f", "f", "m", "m"])
    0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph_schema.params import (
    BAD_PARAMETER,  # noqa: F401 (audit still imports it from here)
    bad_parameter,
    check_k,
)

Group = Hashable
SensitiveFeatures = Sequence[Hashable] | Mapping[str, Sequence[Hashable]]
Rankings = Mapping[str, Sequence[str]]
UNKNOWN_GROUP = "unknown"


@dataclass(frozen=True)
class GroupMetrics:
    """One metric per group, with the summaries audits report.

    Attributes:
        by_group: group -> metric value (NaN for an empty or undefined group).
        counts: group -> number of rows.
        overall: the metric over all rows.
    """

    by_group: dict[Group, float]
    counts: dict[Group, int]
    overall: float

    def _defined(self) -> list[float]:
        return [v for v in self.by_group.values() if not math.isnan(v)]

    def group_min(self) -> float:
        """Lowest defined group value (NaN if none)."""
        values = self._defined()
        return min(values) if values else math.nan

    def group_max(self) -> float:
        """Highest defined group value (NaN if none)."""
        values = self._defined()
        return max(values) if values else math.nan

    def difference(self) -> float:
        """``group_max() - group_min()``; 0.0 with one defined group, NaN with none."""
        return self.group_max() - self.group_min()

    def ratio(self) -> float:
        """``group_min() / group_max()``; NaN with no defined group or a highest value of 0."""
        high = self.group_max()
        if math.isnan(high) or high == 0:
            return math.nan
        return self.group_min() / high


def _labels(sensitive_features: SensitiveFeatures, n: int, method: str) -> list[Group]:
    if isinstance(sensitive_features, Mapping):
        columns = [list(column) for column in sensitive_features.values()]
        if not columns:
            raise bad_parameter("sensitive_features", method, "non-empty", {})
        labels: list[Group] = list(zip(*columns)) if len(columns) > 1 else columns[0]
        lengths = {len(c) for c in columns}
    else:
        labels = list(sensitive_features)
        lengths = {len(labels)}
    if lengths != {n}:
        rule = f"aligned with the values ({n} rows)"
        raise bad_parameter("sensitive_features", method, rule, f"{sorted(lengths)} rows")
    return [tuple(label) if isinstance(label, list) else label for label in labels]


def group_metrics(
    values: Any,
    *,
    sensitive_features: SensitiveFeatures,
    metric: Callable[..., float],
    groups: Iterable[Group] = (),
) -> GroupMetrics:
    """Apply ``metric`` to each group's rows: the core of every metric here.

    Args:
        values: one array-like, or a *tuple* of aligned arrays passed to ``metric``
            positionally (so pass one column as a list or array, not a tuple).
        sensitive_features: one label per row, or feature name -> labels (intersections).
        metric: called on a group's slice(s), returns a float; never called on an empty group.
        groups: groups to report even when they have no rows (value NaN, count 0).

    Returns:
        Per-group values in order of first appearance (then ``groups`` not seen), and overall.

    Raises:
        ConfigError: the arrays or the labels are not aligned.
    """
    arrays = tuple(np.asarray(v) for v in (values if isinstance(values, tuple) else (values,)))
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        rule = "aligned arrays of one length"
        raise bad_parameter("values", "group_metrics", rule, [len(a) for a in arrays])
    labels = _labels(sensitive_features, n, "group_metrics")
    rows: dict[Group, list[int]] = {}
    for i, label in enumerate(labels):
        rows.setdefault(label, []).append(i)
    for group in groups:
        rows.setdefault(group, [])
    by_group: dict[Group, float] = {}
    for group, index in rows.items():
        by_group[group] = float(metric(*(a[index] for a in arrays))) if index else math.nan
    overall = float(metric(*arrays)) if n else math.nan
    return GroupMetrics(by_group, {g: len(i) for g, i in rows.items()}, overall)


# ------------------------------------------------------------------- named metrics
def _rate(selected: np.ndarray) -> float:
    return float(np.mean(selected.astype(bool)))


def _true_positive_rate(selected: np.ndarray, qualified: np.ndarray) -> float:
    qualified = qualified.astype(bool)
    return _rate(selected[qualified]) if qualified.any() else math.nan


def _discount(rank: np.ndarray) -> float:
    rank = rank.astype(float)
    gains = np.where(rank >= 1, 1.0 / np.log2(1.0 + np.maximum(rank, 1.0)), 0.0)
    return float(np.mean(gains))


def selection_rate(
    selected: Any, *, sensitive_features: SensitiveFeatures, groups: Iterable[Group] = ()
) -> GroupMetrics:
    """Share of each group's rows that are selected (``selected`` is 0/1 or bool)."""
    return group_metrics(
        np.asarray(selected), sensitive_features=sensitive_features, metric=_rate, groups=groups
    )


def impact_ratio(selected: Any, *, sensitive_features: SensitiveFeatures) -> float:
    """Lowest group's selection rate / highest group's (LL144); NaN if nobody is selected."""
    return selection_rate(selected, sensitive_features=sensitive_features).ratio()


def demographic_parity_difference(selected: Any, *, sensitive_features: SensitiveFeatures) -> float:
    """Highest - lowest group selection rate."""
    return selection_rate(selected, sensitive_features=sensitive_features).difference()


def true_positive_rate(
    selected: Any,
    qualified: Any,
    *,
    sensitive_features: SensitiveFeatures,
    groups: Iterable[Group] = (),
) -> GroupMetrics:
    """Selection rate among each group's qualified rows (NaN: the group has none)."""
    return group_metrics(
        (np.asarray(selected), np.asarray(qualified)),
        sensitive_features=sensitive_features,
        metric=_true_positive_rate,
        groups=groups,
    )


def equal_opportunity_difference(
    selected: Any, qualified: Any, *, sensitive_features: SensitiveFeatures
) -> float:
    """Highest - lowest group true positive rate (groups without qualified rows left out)."""
    return true_positive_rate(
        selected, qualified, sensitive_features=sensitive_features
    ).difference()


def exposure(
    rank: Any, *, sensitive_features: SensitiveFeatures, groups: Iterable[Group] = ()
) -> GroupMetrics:
    """Mean position discount ``1 / log2(1 + rank)`` per group; rank < 1 means unranked (0)."""
    return group_metrics(
        np.asarray(rank), sensitive_features=sensitive_features, metric=_discount, groups=groups
    )


# ----------------------------------------------------------------- ranking adaptors
@dataclass(frozen=True)
class RankedRows:
    """Rankings flattened to aligned rows: one per (query, ranked id)."""

    query: list[str]
    item: list[str]
    rank: np.ndarray
    group: list[Group]


def intersect(*features: Mapping[str, Hashable]) -> dict[str, tuple[Hashable, ...]]:
    """Combine id -> label mappings into id -> tuple of labels (missing: UNKNOWN_GROUP)."""
    ids = dict.fromkeys(i for feature in features for i in feature)
    return {i: tuple(f.get(i, UNKNOWN_GROUP) for f in features) for i in ids}


def joined(*features: Mapping[str, Hashable]) -> dict[str, str]:
    """:func:`intersect` with each tuple joined by ``|`` (``"female|35-44"``): the
    intersection as plain labels, for re-rankers and tables."""
    return {i: "|".join(map(str, labels)) for i, labels in intersect(*features).items()}


def ranked_rows(rankings: Rankings, *, sensitive_features: Mapping[str, Group]) -> RankedRows:
    """Flatten ``rankings`` (query -> ranked ids) with each id's group."""
    query, item, rank, group = [], [], [], []
    for q, ranking in rankings.items():
        for position, i in enumerate(ranking, start=1):
            query.append(q)
            item.append(i)
            rank.append(position)
            group.append(sensitive_features.get(i, UNKNOWN_GROUP))
    return RankedRows(query, item, np.asarray(rank, dtype=np.int64), group)


def selection_rate_at_k(
    rankings: Rankings,
    k: int,
    *,
    sensitive_features: Mapping[str, Group],
    groups: Iterable[Group] = (),
) -> GroupMetrics:
    """Per group, the share of pool appearances ranked in the top ``k``."""
    check_k(k, "selection_rate_at_k")
    rows = ranked_rows(rankings, sensitive_features=sensitive_features)
    return selection_rate(rows.rank <= k, sensitive_features=rows.group, groups=groups)


def impact_ratio_at_k(
    rankings: Rankings, k: int, *, sensitive_features: Mapping[str, Group]
) -> float:
    """Impact ratio of top-``k`` selection over the ranked pools."""
    return selection_rate_at_k(rankings, k, sensitive_features=sensitive_features).ratio()


def demographic_parity_difference_at_k(
    rankings: Rankings, k: int, *, sensitive_features: Mapping[str, Group]
) -> float:
    """Highest - lowest group top-``k`` selection rate over the ranked pools."""
    return selection_rate_at_k(rankings, k, sensitive_features=sensitive_features).difference()


def equal_opportunity_difference_at_k(
    rankings: Rankings,
    relevance: Mapping[str, Mapping[str, int]],
    k: int,
    *,
    sensitive_features: Mapping[str, Group],
    min_relevance: int = 2,
) -> float:
    """Highest - lowest group top-``k`` selection rate among qualified appearances.

    An appearance is qualified when its grade ``relevance[query][id]`` (0 when unjudged) is at
    least ``min_relevance`` (default 2: true fit >= 0.50 in the generator's grades).
    """
    check_k(k, "equal_opportunity_difference_at_k")
    rows = ranked_rows(rankings, sensitive_features=sensitive_features)
    qualified = [
        relevance.get(q, {}).get(i, 0) >= min_relevance for q, i in zip(rows.query, rows.item)
    ]
    return equal_opportunity_difference(
        rows.rank <= k, np.asarray(qualified, dtype=bool), sensitive_features=rows.group
    )


def exposure_at_k(
    rankings: Rankings,
    *,
    sensitive_features: Mapping[str, Group],
    k: int | None = None,
    groups: Iterable[Group] = (),
) -> GroupMetrics:
    """Mean position discount of each group's appearances; ranks beyond ``k`` get 0."""
    rows = ranked_rows(rankings, sensitive_features=sensitive_features)
    rank = rows.rank
    if k is not None:
        check_k(k, "exposure_at_k")
        rank = np.where(rank <= k, rank, 0)
    return exposure(rank, sensitive_features=rows.group, groups=groups)


# ------------------------------------------------------------ representation in a ranking
TARGET_TOLERANCE = 1e-6


def check_target(target: Any, method: str) -> dict[Group, float]:
    """Validate a target distribution: a non-empty mapping of group -> share in [0, 1]
    summing to 1 within :data:`TARGET_TOLERANCE`.

    Returns:
        The target as a plain dict of floats, in the mapping's order.

    Raises:
        ConfigError: naming ``target`` and ``method``, with the offending value.
    """
    rule = (
        f"a non-empty mapping of group -> share in [0, 1] summing to 1 (within {TARGET_TOLERANCE})"
    )
    if not isinstance(target, Mapping) or not target:
        raise bad_parameter("target", method, rule, target)
    shares: dict[Group, float] = {}
    for group, share in target.items():
        if isinstance(share, bool) or not isinstance(share, int | float | np.integer | np.floating):
            raise bad_parameter("target", method, rule, dict(target))
        shares[group] = float(share)
    total = math.fsum(shares.values())
    if not all(0.0 <= s <= 1.0 for s in shares.values()) or abs(total - 1.0) > TARGET_TOLERANCE:
        raise bad_parameter("target", method, rule, dict(target))
    return shares


def _top_counts(ranked_groups: Sequence[Group], k: int) -> tuple[dict[Group, int], int]:
    top = list(ranked_groups)[:k]
    counts: dict[Group, int] = {}
    for group in top:
        counts[group] = counts.get(group, 0) + 1
    return counts, len(top)


def skew_at_k(
    ranked_groups: Sequence[Group], *, target: Mapping[Group, float], group: Group, k: int
) -> float:
    """Skew@k of one group (Geyik et al., KDD 2019): ``ln(share in the top k / target share)``.

    0 is the target share, negative is below it, positive above. No smoothing: a group absent
    from the top ``k`` has skew ``-inf`` (MinSkew@k is then ``-inf``). A ranking shorter than
    ``k`` is taken whole; an empty ranking gives NaN.

    Args:
        ranked_groups: the group of each ranked candidate, best first (one ranking).
        target: group -> desired share (see :func:`check_target`).
        group: the group to assess; must have a positive target share.
        k: prefix length, an int >= 1.

    Raises:
        ConfigError: invalid ``k`` or ``target``, or ``group`` without a positive share.
    """
    check_k(k, "skew_at_k")
    shares = check_target(target, "skew_at_k")
    if shares.get(group, 0.0) <= 0.0:
        rule = f"a group with a positive share in target ({', '.join(map(repr, shares))})"
        raise bad_parameter("group", "skew_at_k", rule, group)
    counts, size = _top_counts(ranked_groups, k)
    if size == 0:
        return math.nan
    share = counts.get(group, 0) / size
    return math.log(share / shares[group]) if share > 0 else -math.inf


def _kl(counts: dict[Group, int], size: int, shares: dict[Group, float]) -> float:
    # KL(top || target) in nats; 0 * ln(0 / q) = 0 by convention (not smoothing); a group in
    # the top with target share 0 (or missing from target) makes it infinite
    total = 0.0
    for group, count in counts.items():
        q = shares.get(group, 0.0)
        if q <= 0.0:
            return math.inf
        total += count / size * math.log(count / size / q)
    return total


def ndkl(
    ranked_groups: Sequence[Group], *, target: Mapping[Group, float], k: int | None = None
) -> float:
    """Normalized discounted KL divergence of a ranking from a target (Geyik et al. 2019).

    ``(1 / Z) * sum_{i=1..k} KL(top-i mix || target) / log2(i + 1)``, with
    ``Z = sum_{i=1..k} 1 / log2(i + 1)`` and KL in nats. 0 when every prefix has the target mix;
    no smoothing (``inf`` when a prefix holds a group whose target share is 0 or absent).
    ``k`` defaults to the ranking's length and is cut to it; an empty ranking gives NaN.

    Raises:
        ConfigError: invalid ``k`` or ``target``.
    """
    if k is not None:
        check_k(k, "ndkl")
    shares = check_target(target, "ndkl")
    top = list(ranked_groups)
    size = len(top) if k is None else min(k, len(top))
    if size == 0:
        return math.nan
    counts: dict[Group, int] = {}
    weighted, z = 0.0, 0.0
    for i, group in enumerate(top[:size], start=1):
        counts[group] = counts.get(group, 0) + 1
        weight = 1.0 / math.log2(i + 1)
        weighted += weight * _kl(counts, i, shares)
        z += weight
    return weighted / z
