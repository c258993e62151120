"""The served candidate pools of many roles at once: what ``Recommender.pool`` retrieves for
each role, computed in batches.

A role's pool is the union of two generators (``engine.matching.recommender``): the FAISS
neighbours of the role's graph vector among the candidates' (``pool_faiss`` of them) and the
``pool_skills`` candidates of largest importance-weighted skill overlap (one sparse product
for a batch of roles).

The FAISS part: on a flat inner-product index (below ``exact_threshold`` vectors, e.g. 20,000
candidates at scale 1) FAISS scans every stored vector, which measured 3 ms per role (16 ms
under load) against 0.2 ms for one float32 matrix product of a batch of roles with the stored
vectors and a partial sort. Both compute the same inner products up to float32 rounding, so
the ``k`` best are the same set unless the ``k``-th and ``k + 1``-th are closer than the
rounding can move them (``TIE_ULPS`` units of ``d * eps * |q| * max |x|``, the textbook bound
of a float32 dot product of length ``d``); such a role asks FAISS itself. Approximate indexes
(IVF, HNSW) are asked in batches, as the recommender does. The pools are sets: their order
does not matter, only which candidates they hold.

Example:
    >>> pools = role_pools(eng.serving.recommender(), np.array([0, 1, 2]))    # doctest: +SKIP
    >>> all(np.array_equal(p, rec.pool("Role", r)) for r, p in enumerate(pools))  # doctest: +SKIP
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

ROLE_BATCH = 256
"""Roles whose pools are computed together (bounds the dense ``(candidates, batch)`` blocks)."""
TIE_ULPS = 2.0
"""Two values, each off by at most ``d * eps / 2 * |q| * |x|``: gaps within are asked of FAISS."""


def index_rows(index: Any, where: Any) -> np.ndarray:
    """Row index (in ``where``, an ``IdMap``) of every vector of ``index``; -1 when absent."""
    return np.array([where.index_of(i) if i in where else -1 for i in index.ids_], np.int64)


def neighbours(index: Any, where: Any, queries: np.ndarray, k: int) -> list[np.ndarray]:
    """The rows of ``index.search(queries, k)`` for each query, as sorted arrays (a set).

    Args:
        index: a built ``engine.retrieval.faiss_index.VectorIndex``.
        where: the ``IdMap`` of the indexed label (ids absent from it are dropped, as the
            recommender drops them).
        queries: ``(q, d)`` query vectors (scored ``ROLE_BATCH`` at a time).
        k: neighbours per query (at most ``index.count_``).

    Returns:
        One sorted array of rows per query.
    """
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    n = index.count_
    if index.kind_ != "flat" or index.metric != "ip" or k >= n:
        return _searched(index, where, queries, k)
    rows = index_rows(index, where)
    vectors = index.index_.reconstruct_n(0, n)
    eps = np.finfo(np.float32).eps
    largest = float(np.sqrt((vectors.astype(np.float64) ** 2).sum(1).max()))
    out: list[np.ndarray] = []
    for lo in range(0, len(queries), ROLE_BATCH):
        batch = queries[lo : lo + ROLE_BATCH]
        scores = batch @ vectors.T
        part = np.argpartition(-scores, k, axis=1)[:, : k + 1]
        values = np.take_along_axis(scores, part, axis=1)
        # the k best are part[:, :k] (in any order); part[:, k] is the (k + 1)-th
        gap = values[:, :k].min(axis=1) - values[:, k]
        bound = TIE_ULPS * vectors.shape[1] * eps * np.linalg.norm(batch, axis=1) * largest
        found = rows[part[:, :k]]
        mine = [np.unique(f[f >= 0]) for f in found]
        near = np.flatnonzero(gap <= bound)
        if near.size:  # the k-th best is within rounding of the next: FAISS decides
            for j, f in zip(near, _searched(index, where, batch[near], k), strict=True):
                mine[j] = f
        out += mine
    return out


def _searched(index: Any, where: Any, queries: np.ndarray, k: int) -> list[np.ndarray]:
    """What FAISS itself returns, mapped to rows as ``Recommender._faiss_pool`` maps them."""
    _, found = index.search(queries, k)
    return [
        np.unique(np.array([where.index_of(i) for i in f if i in where], np.int64)) for f in found
    ]


def role_pools(rec: Any, role_idx: np.ndarray) -> list[np.ndarray]:
    """``rec.pool("Role", r)`` for every role index in ``role_idx``, in batches.

    Args:
        rec: the engine's ``Recommender``.
        role_idx: role row indices.

    Returns:
        One sorted array of candidate row indices per role (the FAISS neighbours of the role's
        graph vector, united with the ``pool_skills`` best by importance-weighted skill
        overlap through ``SIMILAR_TO``).
    """
    from engine.matching.recommender import _top
    from engine.retrieval.faiss_index import MAX_K

    runtime = rec.runtime
    level = runtime.ctx.effective_level.tocsc()
    index = rec.indexes.get("Candidate")
    role_idx = np.asarray(role_idx, dtype=np.int64)
    by_faiss = (
        [np.zeros(0, np.int64)] * role_idx.size
        if index is None
        else neighbours(
            index,
            runtime.exported.ids["Candidate"],
            runtime.graph_vectors["Role"][role_idx],
            min(rec.pool_faiss, MAX_K, index.count_),
        )
    )
    pools: list[np.ndarray] = []
    for lo in range(0, role_idx.size, ROLE_BATCH):
        batch = role_idx[lo : lo + ROLE_BATCH]
        skill = level @ runtime.ctx.importance[batch].T
        skill = skill.toarray() if hasattr(skill, "toarray") else np.asarray(skill)
        for j in range(batch.size):
            column = np.ascontiguousarray(skill[:, j])
            by_skill = _top(column, rec.pool_skills)
            by_skill = by_skill[column[by_skill] > 0]
            pools.append(np.union1d(by_faiss[lo + j], by_skill))
    return pools
