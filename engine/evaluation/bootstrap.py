"""Paired bootstrap over queries: is a difference between two methods real?

Two methods ranked the same queries; each query has a value of a metric for each
(``RankingReport.per_query``). The per-query differences ``d_q = a_q - b_q`` are resampled
with replacement (whole queries, so both methods keep the same query in a resample: the
test is *paired*) ``resamples`` times; the 95 % interval is the 2.5th and 97.5th percentile
of the resampled mean differences. An interval that excludes 0 says the difference is
unlikely to be an accident of which queries were drawn.

Worked example: on three queries method A hits the top 3 on q1 and q2, method B on q2
only. The differences are (1, 0, 0), the mean difference 1/3. A resample draws three
queries; its mean is (number of q1 drawn) / 3, which is 0 with probability (2/3)^3 = 0.30,
so the 2.5th percentile is 0 and the interval [0, 1] does not exclude 0: three queries
cannot show that A is better.

    >>> a = {"q1": {"top@3": 1.0}, "q2": {"top@3": 1.0}, "q3": {"top@3": 0.0}}
    >>> b = {"q1": {"top@3": 0.0}, "q2": {"top@3": 1.0}, "q3": {"top@3": 0.0}}
    >>> iv = paired_bootstrap(a, b, "top@3", resamples=2000, seed=0)
    >>> round(iv.mean_difference, 4), iv.low, iv.high, iv.excludes_zero
    (0.3333, 0.0, 1.0, False)
    >>> iv.cell()
    '+0.333 [+0.000, +1.000]'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.evaluation.ranking_metrics import RankingReport
from graph_schema.errors import ConfigError
from graph_schema.params import out_of_range

PerQuery = Mapping[str, Mapping[str, float]]
QUERY_MISMATCH = (
    "paired_bootstrap needs the same queries in both reports; {only_a} only in the first "
    "and {only_b} only in the second (e.g. {example!r})"
)
NO_QUERIES = "paired_bootstrap needs at least one query; both reports are empty"
MISSING_METRIC = "metric {metric!r} is not in the per-query values; known: {known}"
MARKER = "*"
"""Appended to a table cell whose interval excludes 0."""


@dataclass(frozen=True)
class PairedInterval:
    """The mean of ``a - b`` over queries and its paired-bootstrap percentile interval.

    Attributes:
        metric: the per-query key (``"top@3"``, ``"ndcg@10"``, ...).
        queries: the number of paired queries.
        mean_difference: mean over queries of ``a - b`` (not the bootstrap mean).
        low, high: the percentile interval at ``level``.
        level: the interval's coverage (0.95).
        resamples: bootstrap resamples drawn.
        excludes_zero: ``low > 0`` or ``high < 0``.
    """

    metric: str
    queries: int
    mean_difference: float
    low: float
    high: float
    level: float
    resamples: int
    excludes_zero: bool

    def cell(self) -> str:
        """``+0.031 [+0.012, +0.050] *`` (the marker only when the interval excludes 0)."""
        text = f"{self.mean_difference:+.3f} [{self.low:+.3f}, {self.high:+.3f}]"
        return f"{text} {MARKER}" if self.excludes_zero else text


def _per_query(report: RankingReport | PerQuery) -> PerQuery:
    return report.per_query if isinstance(report, RankingReport) else report


def paired_bootstrap(
    a: RankingReport | PerQuery,
    b: RankingReport | PerQuery,
    metric: str,
    *,
    resamples: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> PairedInterval:
    """Paired bootstrap interval of the mean of ``metric`` of ``a`` minus ``b`` over queries.

    Args:
        a, b: reports of the same queries (or their ``per_query`` dicts).
        metric: a per-query key, e.g. ``"top@3"`` or ``"ndcg@10"``.
        resamples: bootstrap resamples (one ``resamples x queries`` index matrix).
        seed: seed of ``np.random.default_rng``.
        level: coverage of the percentile interval, in (0, 1).

    Raises:
        ConfigError: the reports hold different queries, no query, or not ``metric``; or a
            bad ``resamples`` or ``level``.
    """
    if not isinstance(resamples, int) or isinstance(resamples, bool) or resamples < 1:
        raise out_of_range("resamples", "an int >= 1", resamples)
    if not 0.0 < level < 1.0:
        raise out_of_range("level", "in (0, 1)", level)
    pa, pb = _per_query(a), _per_query(b)
    if pa.keys() != pb.keys():
        only_a, only_b = sorted(pa.keys() - pb.keys()), sorted(pb.keys() - pa.keys())
        raise ConfigError(
            QUERY_MISMATCH.format(
                only_a=len(only_a), only_b=len(only_b), example=(only_a or only_b)[0]
            )
        )
    if not pa:
        raise ConfigError(NO_QUERIES)
    queries = sorted(pa)
    try:
        diff = np.array([pa[q][metric] - pb[q][metric] for q in queries], dtype=np.float64)
    except KeyError:
        known = sorted(next(iter(pa.values())))
        raise ConfigError(MISSING_METRIC.format(metric=metric, known=known)) from None
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, diff.size, size=(resamples, diff.size))
    means = diff[picks].mean(axis=1)
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = (float(v) for v in np.percentile(means, [tail, 100.0 - tail]))
    return PairedInterval(
        metric=metric,
        queries=int(diff.size),
        mean_difference=float(diff.mean()),
        low=low,
        high=high,
        level=level,
        resamples=resamples,
        excludes_zero=bool(low > 0.0 or high < 0.0),
    )


def intervals_table(
    reference: str,
    rows: Sequence[tuple[str, Sequence[PairedInterval | None]]],
    headers: Sequence[str],
) -> str:
    """A markdown table: one row per other method, one cell per interval of ``reference``
    minus it (``n/a`` for None: no query in that direction), and a legend line.

    Example:
        >>> iv = PairedInterval("top@3", 40, 0.05, 0.01, 0.09, 0.95, 2000, True)
        >>> print(intervals_table("engine", [("BM25", [iv])], ["R Top-3"]))
        | engine minus | R Top-3 |
        |---|---|
        | BM25 | +0.050 [+0.010, +0.090] * |
        <BLANKLINE>
        Mean difference over queries and its 95 % paired bootstrap interval (2000 resamples); * the interval excludes 0.
    """
    lines = [
        f"| {reference} minus | " + " | ".join(headers) + " |",
        "|---" * (len(headers) + 1) + "|",
    ]
    first = next((iv for _, ivs in rows for iv in ivs if iv is not None), None)
    for method, intervals in rows:
        cells = [iv.cell() if iv is not None else "n/a" for iv in intervals]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    if first is not None:
        legend = (
            f"Mean difference over queries and its {first.level * 100:g} % paired bootstrap "
            f"interval ({first.resamples} resamples); {MARKER} the interval excludes 0."
        )
        lines += ["", legend]
    return "\n".join(lines)
