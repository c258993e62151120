"""``talentgraph bench recommend``: latency of the fast path against exact scoring, and recall.

On one dataset and one trained store, in one process:

1. the fast path, ``recommend_candidates(role, k)``: FAISS and skill pools, exact re-scoring
   of the pool by the merit scorer, short reasons for the top k (what users call);
2. the baseline, exact scoring of *every* candidate by the same merit scorer (no reasons);
3. recall@k of the fast path's top k against the exact top k, per query, averaged.

With the served re-ranker (``settings.rerank``), the re-ranked list's latency too. The same
for ``recommend_roles`` on a sample of candidates. Latencies are per query, one
query at a time, after a warm-up; p50 and p99 over the sampled queries.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.bench.facts import peak_rss_mib, percentiles
from engine.bench.store import trained_bench_store


def measure_direction(
    rec: Any,
    label: str,
    ids: list[str],
    k: int,
    rerank: str = "none",
    groups: Any = None,
) -> dict[str, Any]:
    """Fast and exact latency, pool sizes and recall@k over the queries ``ids``; with a
    re-ranker (role queries), also the latency of the list as served, re-ranked (its recall
    is not measured: re-ranking departs from the score order on purpose)."""
    for query in ids[:5]:  # warm-up: caches, lazy properties, FAISS threads
        rec.rank(label, query, k)
    # All fast queries first (plain, then as served), then all exact ones: interleaved, each
    # exact scan of the whole side would evict the caches the next fast query runs in.
    key = "candidate_id" if label == "Role" else "role_id"
    fast_s, served_s, exact_s, found = [], [], [], []
    for query in ids:
        began = time.perf_counter()
        fast = rec.rank(label, query, k)
        fast_s.append(time.perf_counter() - began)
        found.append({getattr(m, key) for m in fast})
    if rerank != "none" and label == "Role":
        for query in ids:
            began = time.perf_counter()
            rec.rank(label, query, k, rerank=rerank, groups=groups)
            served_s.append(time.perf_counter() - began)
    recall, pools = [], []
    for query, got in zip(ids, found, strict=True):
        began = time.perf_counter()
        exact = rec.rank(label, query, k, exact=True, reasons=False)
        exact_s.append(time.perf_counter() - began)
        truth = {getattr(m, key) for m in exact}
        recall.append(len(got & truth) / max(1, len(truth)))
        pools.append(rec.pool(label, rec.runtime.exported.ids[label].index_of(query)).size)
    fast_p, exact_p = percentiles(fast_s), percentiles(exact_s)
    out = {
        "queries": len(ids),
        "k": k,
        "fast": fast_p,
        "exact": exact_p,
        "speedup_p50": round(exact_p["p50_ms"] / fast_p["p50_ms"], 1),
        f"recall_at_{k}": round(float(np.mean(recall)), 4),
        "min_recall": round(float(np.min(recall)), 4),
        "mean_pool": round(float(np.mean(pools)), 1),
    }
    if served_s:
        out["served"] = {"rerank": rerank, **percentiles(served_s)}
    return out


def bench_recommend(
    scale: float, seed: int, workdir: Path, queries: int = 200, k: int = 10, train: Any = None
) -> dict[str, Any]:
    """Generate, import and train when missing; then measure both directions.

    Args:
        scale: dataset scale (5 = 100,000 candidates).
        seed: dataset, training and query-sample seed.
        workdir: where the dataset, the store and the model are kept (reused across runs).
        queries: roles (and candidates) sampled as queries.
        k: list length.
        train: ``TrainOptions`` for the training run when the store has no model.
    """
    with trained_bench_store(scale, seed, workdir, train) as (eng, facts):
        began = time.perf_counter()
        rec = eng.serving.recommender()
        facts["open_seconds"] = round(time.perf_counter() - began, 1)
        facts["nodes"] = {
            label: len(rec.runtime.exported.ids[label]) for label in ("Candidate", "Role")
        }
        facts["index"] = {label: idx.kind_ for label, idx in rec.indexes.items()}
        rng = np.random.default_rng(seed)
        ids = rec.runtime.exported.ids
        roles = list(
            rng.choice(ids["Role"].ids, size=min(queries, len(ids["Role"])), replace=False)
        )
        cands = list(
            rng.choice(
                ids["Candidate"].ids, size=min(queries, len(ids["Candidate"])), replace=False
            )
        )
        method = eng.settings.rerank
        groups = None if method == "none" else eng.serving.fairness_status()[0]
        facts["recommend_candidates"] = measure_direction(rec, "Role", roles, k, method, groups)
        facts["recommend_roles"] = measure_direction(rec, "Candidate", cands, k)
        facts["peak_rss_mib"] = peak_rss_mib()
    return facts
