"""Ranking quality over graded relevance: top-k accuracy, MRR and NDCG@k.

Inputs are per-query ranked id lists (best first) and, per query, a dict of judged items and
their grade (0..3 in the generator's ground truth). Definitions, used consistently:

- **Unjudged items** in a ranking have grade 0.
- **Target items** of a query are its judged items with the query's *best* grade (the maximum
  grade in its pool; several items may share it). A query whose best grade is 0 has no target
  and no ideal ranking; it is *skipped* by every metric and counted in ``skipped``.
- **top-k accuracy**: 1 if any target item is among the first ``k`` ranked ids, else 0.
- **reciprocal rank**: ``1 / rank`` of the first target item (1-based), 0 if none is ranked;
  so top-1 accuracy equals the share of queries with reciprocal rank 1.
- **NDCG@k**: ``DCG@k / IDCG@k`` with ``DCG@k = sum_{i=1..k} (2**g_i - 1) / log2(i + 1)``
  over the ranked grades ``g_i``; ``IDCG@k`` is the DCG of the query's judged grades sorted
  in decreasing order.

Each metric is computed per query, then averaged over the evaluated queries (macro average).
Queries that have judgements but no ranking count as an empty ranking (all metrics 0);
rankings of queries without judgements are ignored.

Example:
    >>> report = evaluate_rankings({"r1": ["c2", "c1"]}, {"r1": {"c1": 3, "c2": 1}})
    >>> report.top_k_accuracy[1], report.mrr
    (0.0, 0.5)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from graph_schema.errors import ConfigError
from graph_schema.params import check_k

Ranking = Sequence[str]
Judgements = Mapping[str, int]
DUPLICATE_ID = "The ranking of query {query!r} lists {item!r} more than once."


def dcg(grades: Sequence[float], k: int) -> float:
    """``sum_{i=1..k} (2**g_i - 1) / log2(i + 1)`` over the first ``k`` grades."""
    return sum((2.0**g - 1.0) / math.log2(i + 2) for i, g in enumerate(grades[:k]))


def ndcg_at_k(ranking: Ranking, judgements: Judgements, k: int = 10) -> float:
    """NDCG@k of one ranking; NaN when the query has no item with a grade above 0."""
    check_k(k, "ndcg_at_k")
    ideal = dcg(sorted(judgements.values(), reverse=True), k)
    if ideal == 0:
        return math.nan
    return dcg([judgements.get(item, 0) for item in ranking], k) / ideal


def _targets(judgements: Judgements) -> set[str]:
    best = max(judgements.values(), default=0)
    return {item for item, grade in judgements.items() if grade == best} if best > 0 else set()


def reciprocal_rank(ranking: Ranking, judgements: Judgements) -> float:
    """``1 / rank`` of the first item with the query's best grade; 0 if none is ranked.

    NaN when the query has no item with a grade above 0.
    """
    targets = _targets(judgements)
    if not targets:
        return math.nan
    return next((1.0 / (i + 1) for i, item in enumerate(ranking) if item in targets), 0.0)


def top_k_hit(ranking: Ranking, judgements: Judgements, k: int) -> float:
    """1.0 if an item with the query's best grade is in the first ``k``, else 0.0 (NaN: no target)."""
    check_k(k, "top_k_hit")
    targets = _targets(judgements)
    if not targets:
        return math.nan
    return 1.0 if any(item in targets for item in ranking[:k]) else 0.0


@dataclass(frozen=True)
class RankingReport:
    """Macro averages over the evaluated queries, and the per-query values behind them.

    Attributes:
        queries: queries evaluated (judged, with a best grade above 0).
        skipped: judged queries without any item graded above 0.
        top_k_accuracy: ``{k: share of queries with a target item in the top k}``.
        mrr: mean reciprocal rank of the first target item.
        ndcg: mean NDCG at ``ndcg_k``.
        ndcg_k: the cut-off of ``ndcg``.
        per_query: ``{query: {"top@1": .., "rr": .., "ndcg@10": ..}}``.
    """

    queries: int
    skipped: int
    top_k_accuracy: dict[int, float]
    mrr: float
    ndcg: float
    ndcg_k: int
    per_query: dict[str, dict[str, float]] = field(repr=False)


def evaluate_rankings(
    rankings: Mapping[str, Ranking],
    judgements: Mapping[str, Judgements],
    *,
    ks: Sequence[int] = (1, 3, 10),
    ndcg_k: int = 10,
) -> RankingReport:
    """Top-k accuracy for each ``k`` in ``ks``, MRR and NDCG@``ndcg_k``, averaged per query.

    Args:
        rankings: query id -> ranked item ids, best first.
        judgements: query id -> {item id: grade}; defines the evaluated queries.
        ks: cut-offs of top-k accuracy.
        ndcg_k: cut-off of NDCG.

    Returns:
        The report; every average is NaN when no query could be evaluated.

    Raises:
        ConfigError: a cut-off is not a positive int, or a ranking repeats an id.
    """
    ks = tuple(check_k(k, "evaluate_rankings") for k in ks)
    ndcg_k = check_k(ndcg_k, "evaluate_rankings")
    per_query: dict[str, dict[str, float]] = {}
    skipped = 0
    for query, graded in judgements.items():
        ranking = list(rankings.get(query, ()))
        if len(set(ranking)) != len(ranking):
            item = next(i for n, i in enumerate(ranking) if i in ranking[:n])
            raise ConfigError(DUPLICATE_ID.format(query=query, item=item))
        if not _targets(graded):
            skipped += 1
            continue
        row = {f"top@{k}": top_k_hit(ranking, graded, k) for k in ks}
        row["rr"] = reciprocal_rank(ranking, graded)
        row[f"ndcg@{ndcg_k}"] = ndcg_at_k(ranking, graded, ndcg_k)
        per_query[query] = row

    def mean(key: str) -> float:
        values = [row[key] for row in per_query.values()]
        return sum(values) / len(values) if values else math.nan

    return RankingReport(
        queries=len(per_query),
        skipped=skipped,
        top_k_accuracy={k: mean(f"top@{k}") for k in ks},
        mrr=mean("rr"),
        ndcg=mean(f"ndcg@{ndcg_k}"),
        ndcg_k=ndcg_k,
        per_query=per_query,
    )
