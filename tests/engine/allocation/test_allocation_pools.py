"""Batched pools: the matrix-product neighbours equal FAISS's own answer (ties and ids absent
from the graph included), and ``role_pools`` equals ``Recommender.pool`` for every role of
the trained tiny store; the capacity repair equals a plain per-row oracle."""

from __future__ import annotations

import numpy as np
import pytest

from engine.allocation import pools
from engine.allocation.pools import neighbours, role_pools
from engine.retrieval.faiss_index import VectorIndex
from loaders.pyg_export import IdMap


def _faiss_rows(index: VectorIndex, where: IdMap, queries: np.ndarray, k: int) -> list:
    """The oracle: one FAISS search, ids mapped as the recommender maps them."""
    _, found = index.search(queries, k)
    return [np.unique([where.index_of(i) for i in f if i in where]).astype(int) for f in found]


def _index(seed: int, n: int = 600, dim: int = 24) -> tuple[VectorIndex, IdMap, np.ndarray]:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors[n // 2 :: 7] = vectors[n // 2 - 1]  # exact ties: FAISS must decide them
    ids = [f"c{i:04d}" for i in range(n)]
    index = VectorIndex(metric="ip").build(ids, vectors, "v1")
    where = IdMap("Candidate", ids[::3] + ids[1::3])  # a third of the index is not in it
    queries = np.concatenate([rng.standard_normal((300, dim)), vectors[n // 2 - 1][None, :]])
    return index, where, queries.astype(np.float32)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("k", [1, 10, 50])
def test_matrix_product_neighbours_equal_faiss(seed: int, k: int, monkeypatch) -> None:
    index, where, queries = _index(seed)
    assert index.kind_ == "flat"
    asked = []
    searched = pools._searched
    monkeypatch.setattr(
        pools, "_searched", lambda *a: asked.append(len(a[2])) or searched(*a)
    )  # counts the queries FAISS itself answers
    mine = neighbours(index, where, queries, k)
    oracle = _faiss_rows(index, where, queries, k)
    assert len(mine) == len(queries) > pools.ROLE_BATCH
    for a, b in zip(mine, oracle, strict=True):
        assert np.array_equal(a, b)
    assert 0 < sum(asked) < len(queries)  # the tied query, not the others


def test_neighbours_of_an_index_too_small_or_not_flat_are_faiss_searches() -> None:
    index, where, queries = _index(2, n=40)
    for a, b in zip(
        neighbours(index, where, queries, 40),
        _faiss_rows(index, where, queries, 40),
        strict=True,
    ):
        assert np.array_equal(a, b)
    big, where, queries = _index(3, n=900)
    ivf = VectorIndex(metric="ip", exact_threshold=500, seed=0).build(
        big.ids_.tolist(), big.index_.reconstruct_n(0, 900), "v1"
    )
    assert ivf.kind_ == "ivf"
    for a, b in zip(
        neighbours(ivf, where, queries, 20), _faiss_rows(ivf, where, queries, 20), strict=True
    ):
        assert np.array_equal(a, b)


@pytest.mark.slow
def test_role_pools_equal_the_recommenders_pool_for_every_role(trained_engine) -> None:
    rec = trained_engine.eng.serving.recommender()
    n_roles = len(rec.runtime.exported.ids["Role"])
    batched = role_pools(rec, np.arange(n_roles))
    assert len(batched) == n_roles
    for role, pool in enumerate(batched):
        assert np.array_equal(pool, rec.pool("Role", role))
        assert pool.size > 0
