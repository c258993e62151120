"""The tables of a bias audit (``engine.audit``), on rows handed in: LL144 selection
and scoring rates with impact ratios, Wilson and Katz intervals, and beside them equal
opportunity, exposure and calibration by group. Reads nothing: the audit module reads the
sensitive attributes and the sources (``engine.audit.sources``) build the rows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from engine.fairness.groups import MIN_N
from engine.fairness.metrics import (
    UNKNOWN_GROUP,
    GroupMetrics,
    exposure,
    group_metrics,
    selection_rate,
    true_positive_rate,
)
from engine.results import (
    CalibrationRow,
    CategoryRate,
    GroupMetric,
    GroupValue,
    RateTable,
)

MIN_SHARE = 0.02
"""A category under this share of the rows is left out of the impact ratios (6 RCNY 5-301)."""
FOUR_FIFTHS = 0.8
Z = 1.959963984540054  # two-sided 95 % normal quantile
UNKNOWN_REASON = "unknown category: counted, left out of the impact ratios"
SMALL_REASON = (
    "under {limit:.0%} of the rows ({share:.2%}): left out of the impact ratios "
    "(6 RCNY 5-301), shown with its count and rate"
)
Category = tuple[str, ...]


# --------------------------------------------------------------------------- statistics
def wilson_interval(hits: int, n: int, z: float = Z) -> tuple[float, float]:
    """Wilson score interval of ``hits / n`` (NaN, NaN when ``n`` is 0).

    Example:
        >>> [round(x, 4) for x in wilson_interval(5, 10)]
        [0.2366, 0.7634]
    """
    if n <= 0:
        return math.nan, math.nan
    p = hits / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # exact at the ends (0 hits: 0; all hits: 1), where rounding would leave 1e-16
    low = 0.0 if hits <= 0 else max(0.0, centre - half)
    return low, 1.0 if hits >= n else min(1.0, centre + half)


def ratio_interval(
    hits: int, n: int, ref_hits: int, ref_n: int, z: float = Z
) -> tuple[float, float] | None:
    """Katz log interval of ``(hits / n) / (ref_hits / ref_n)``; ``None`` if a count is 0."""
    if min(hits, n, ref_hits, ref_n) <= 0:
        return None
    ratio = (hits / n) / (ref_hits / ref_n)
    se = math.sqrt(1 / hits - 1 / n + 1 / ref_hits - 1 / ref_n)
    return ratio * math.exp(-z * se), ratio * math.exp(z * se)


def _num(x: float) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


def _is_unknown(category: Category) -> bool:
    return UNKNOWN_GROUP in category


# ------------------------------------------------------------------------ LL144 tables
def categories_of(candidates: Sequence[str], *groups: Mapping[str, str]) -> list[Category]:
    """Each candidate's category: one value per mapping (missing: ``"unknown"``)."""
    of = {c: tuple(g.get(c, UNKNOWN_GROUP) for g in groups) for c in dict.fromkeys(candidates)}
    return [of[c] for c in candidates]


def _only(metrics: GroupMetrics, keep: Iterable[Hashable]) -> GroupMetrics:
    """``metrics`` restricted to the groups ``keep`` (for the summaries over the categories
    in the ratios, without a second pass over the rows)."""
    keep = set(keep)
    return GroupMetrics(
        {g: v for g, v in metrics.by_group.items() if g in keep},
        {g: n for g, n in metrics.counts.items() if g in keep},
        math.nan,
    )


def rate_table(
    hits: Any,
    categories: Sequence[Category],
    people: Sequence[str],
    *,
    kind: str,
    attributes: Sequence[str],
    min_n: int = MIN_N,
    min_share: float = MIN_SHARE,
    median_score: float | None = None,
) -> RateTable:
    """One LL144 table: rate, interval, impact ratio and flags of every category.

    Args:
        hits: per row, selected (selection) or scored above the median (scoring).
        categories: per row, the category (a tuple: one value per attribute).
        people: per row, the candidate id (for the distinct-people count).
        kind: ``"selection"`` or ``"scoring"``.
        attributes: the attribute names of the categories.
        min_n: fewer distinct people than this: "insufficient evidence".
        min_share: a category under this share of the rows is left out of the ratios.
        median_score: the median of a scoring table.
    """
    hits = np.asarray(hits, dtype=bool)
    labels = list(categories)
    total = len(labels)
    rates = selection_rate(hits, sensitive_features=labels)
    # a category is a function of the person: count people once each, not per row
    persons = Counter(dict(zip(people, labels)).values())
    share = {g: n / total for g, n in rates.counts.items()}
    reasons: dict[Hashable, str | None] = {}
    for g in rates.by_group:
        if _is_unknown(g):
            reasons[g] = UNKNOWN_REASON
        elif share[g] < min_share:
            reasons[g] = SMALL_REASON.format(limit=min_share, share=share[g])
        else:
            reasons[g] = None
    eligible = _only(rates, (g for g, why in reasons.items() if why is None))
    high = eligible.group_max()
    reference = None
    if not math.isnan(high) and high > 0:
        reference = min(g for g, v in eligible.by_group.items() if v == high)
    rows = []
    for g, rate in rates.by_group.items():
        n = rates.counts[g]
        k = round(rate * n)
        low, up = wilson_interval(k, n)
        ratio = ci = None
        if reasons[g] is None and reference is not None:
            ratio = rate / high
            if g != reference:
                ref_n = rates.counts[reference]
                ci = ratio_interval(k, n, round(high * ref_n), ref_n)
        rows.append(
            CategoryRate(
                category=tuple(str(x) for x in g),
                n=n,
                people=persons[g],
                share=share[g],
                hits=k,
                rate=rate,
                ci_low=low,
                ci_high=up,
                impact_ratio=ratio,
                impact_ratio_ci=ci,
                insufficient_evidence=persons[g] < min_n,
                excluded_reason=reasons[g],
            )
        )
    rows.sort(
        key=lambda r: (r.excluded_reason is not None, _is_unknown(r.category), -r.rate, r.category)
    )
    unknown = [r for r in rows if _is_unknown(r.category)]
    unknown_people = sum(n for g, n in persons.items() if _is_unknown(g))
    return RateTable(
        kind=kind,  # type: ignore[arg-type]
        attributes=tuple(attributes),
        rows=tuple(rows),
        median_score=median_score,
        unknown_rows=sum(r.n for r in unknown),
        unknown_people=unknown_people,
        reference=None if reference is None else tuple(str(x) for x in reference),
        impact_ratio=_num(eligible.ratio()) if reference is not None else None,
        difference=_num(eligible.difference()),
        below_four_fifths=tuple(
            r.category for r in rows if r.impact_ratio is not None and r.impact_ratio < FOUR_FIFTHS
        ),
    )


def scoring_table(
    scores: Any, categories: Sequence[Category], people: Sequence[str], **options: Any
) -> RateTable:
    """The LL144 scoring table: median of all scores, share of each category above it."""
    scores = np.asarray(scores, dtype=np.float64)
    median = float(np.median(scores)) if scores.size else math.nan
    return rate_table(
        scores > median,
        categories,
        people,
        kind="scoring",
        median_score=_num(median),
        **options,
    )


# ---------------------------------------------------------------------- beside the tables
def eligible_categories(table: RateTable) -> set[Category]:
    """The categories a table's impact ratios count (not unknown, not under the share)."""
    return {r.category for r in table.rows if r.excluded_reason is None}


def equal_opportunity(
    selected: Any,
    qualified: Any,
    categories: Sequence[Category],
    *,
    eligible: set[Category],
    reference: str,
    min_n: int = MIN_N,
    note: str = "",
) -> GroupMetric:
    """True positive rate per category (selected among the qualified) and the highest minus
    the lowest over ``eligible`` categories (the equal opportunity difference)."""
    selected, qualified = np.asarray(selected, bool), np.asarray(qualified, bool)
    tpr = true_positive_rate(selected, qualified, sensitive_features=list(categories))
    n_qualified = group_metrics(qualified, sensitive_features=list(categories), metric=np.sum)
    values = []
    for g, value in tpr.by_group.items():
        n = int(n_qualified.by_group[g])
        k = round(value * n) if not math.isnan(value) else 0
        low, up = wilson_interval(k, n)
        values.append(
            GroupValue(
                category=g,
                n=n,
                value=_num(value),
                ci_low=_num(low),
                ci_high=_num(up),
                insufficient_evidence=n < min_n,
            )
        )
    summary = _only(tpr, eligible)
    return GroupMetric(
        name="equal opportunity difference",
        reference=reference,
        summary="highest minus lowest true positive rate (categories in the ratios)",
        value=_num(summary.difference()),
        groups=tuple(sorted(values, key=lambda v: v.category)),
        note=note,
    )


def exposure_metric(
    rank: Any, k: int, categories: Sequence[Category], *, eligible: set[Category], min_n: int
) -> GroupMetric:
    """Mean position discount in the top ``k`` per category; lowest over highest."""
    rank = np.asarray(rank)
    cut = np.where(rank <= k, rank, 0)
    per = exposure(cut, sensitive_features=list(categories))
    summary = _only(per, eligible)
    return GroupMetric(
        name="exposure",
        reference=f"top {k} of each pool",
        summary="lowest over highest mean exposure (categories in the ratios)",
        value=_num(summary.ratio()),
        groups=tuple(
            GroupValue(category=g, n=per.counts[g], value=_num(v), insufficient_evidence=False)
            for g, v in sorted(per.by_group.items())
        ),
        note="exposure of one appearance: 1 / log2(1 + rank) within the top k, else 0",
    )


def calibration(
    scores: Any, observed: Any, categories: Sequence[Category], *, min_n: int = MIN_N
) -> tuple[CalibrationRow, ...]:
    """Mean score against the observed positive rate of each category (rows with a score)."""
    scores, observed = np.asarray(scores, np.float64), np.asarray(observed, bool)
    known = ~np.isnan(scores)
    labels = [g for g, ok in zip(categories, known) if ok]
    means = group_metrics(scores[known], sensitive_features=labels, metric=np.mean)
    rates = selection_rate(observed[known], sensitive_features=labels)
    rows = []
    for g in sorted(means.by_group):
        n = means.counts[g]
        hits = round(rates.by_group[g] * n)
        low, up = wilson_interval(hits, n)
        rows.append(
            CalibrationRow(
                category=g,
                n=n,
                mean_score=means.by_group[g],
                observed_rate=rates.by_group[g],
                ci_low=low,
                ci_high=up,
                gap=means.by_group[g] - rates.by_group[g],
                insufficient_evidence=n < min_n,
            )
        )
    return tuple(rows)
