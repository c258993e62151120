"""Evaluation harness: any pair scorer, ranked on the held-out pools, in both directions.

Every method (the engine, each baseline, each ablation) is a ``PairScorer``: given aligned
arrays of candidate ids and role ids it returns one score per pair. The harness ranks each
ground-truth pool by score (ties broken by id, so runs are deterministic), computes top-k
accuracy, MRR and NDCG@10 for both directions, and the impact ratio of the top-10
shortlists across the audited attribute for the role direction.

Example:
    >>> row = evaluate_method("random", RandomScorer(seed=0), truth, groups)   # doctest: +SKIP
    >>> print(markdown_table([row]))                                            # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.evaluation.ground_truth import GroundTruth
from engine.evaluation.ranking_metrics import RankingReport, evaluate_rankings
from engine.fairness.metrics import impact_ratio_at_k


class PairScorer(Protocol):
    """Scores aligned (candidate, role) pairs; higher is a better match."""

    def score_pairs(self, candidate_ids: Sequence[str], role_ids: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class EvaluationRow:
    """One method's results on the held-out ground truth."""

    method: str
    role: RankingReport  # queries are roles, pools are candidates
    candidate: RankingReport  # queries are candidates, pools are roles
    impact_ratio_top10: float


def rank_pools(
    scorer: PairScorer, pools: Mapping[str, Mapping[str, int]], direction: str
) -> dict[str, list[str]]:
    """Each query's pool, best first (one batched scoring call for all pairs)."""
    queries, items = [], []
    for query, pool in pools.items():
        for item in sorted(pool):
            queries.append(query)
            items.append(item)
    if direction == "role":
        scores = scorer.score_pairs(items, queries)
    else:
        scores = scorer.score_pairs(queries, items)
    scores = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=-np.inf)
    ranked: dict[str, list[tuple[float, str]]] = {}
    for query, item, score in zip(queries, items, scores, strict=True):
        ranked.setdefault(query, []).append((-score, item))
    return {q: [item for _, item in sorted(pairs)] for q, pairs in ranked.items()}


def evaluate_method(
    name: str, scorer: PairScorer, truth: GroundTruth, groups: Mapping[str, str]
) -> EvaluationRow:
    """Rank both directions' pools with ``scorer`` and measure them.

    Args:
        name: the row label.
        scorer: the method.
        truth: held-out ground truth (``engine.evaluation.ground_truth``).
        groups: candidate id -> group of the audited attribute (from an audit read).
    """
    role_pools, candidate_pools = truth.pools("role"), truth.pools("candidate")
    role_rankings = rank_pools(scorer, role_pools, "role")
    candidate_rankings = rank_pools(scorer, candidate_pools, "candidate")
    ratio = impact_ratio_at_k(role_rankings, 10, sensitive_features=groups) if groups else math.nan
    return EvaluationRow(
        method=name,
        role=evaluate_rankings(role_rankings, role_pools),
        candidate=evaluate_rankings(candidate_rankings, candidate_pools),
        impact_ratio_top10=ratio,
    )


def markdown_table(rows: Sequence[EvaluationRow]) -> str:
    """The results as a markdown table (one line per method, both directions)."""
    head = (
        "| method | R Top-1 | R Top-3 | R Top-10 | R MRR | R NDCG@10 | C Top-1 | C Top-3 | "
        "C Top-10 | C MRR | C NDCG@10 | impact ratio@10 |"
    )
    lines = [head, "|---" * 12 + "|"]
    for r in rows:
        cells = [r.method]
        for rep in (r.role, r.candidate):
            cells += [f"{rep.top_k_accuracy[k]:.3f}" for k in (1, 3, 10)]
            cells += [f"{rep.mrr:.3f}", f"{rep.ndcg:.3f}"]
        cells.append(f"{r.impact_ratio_top10:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
