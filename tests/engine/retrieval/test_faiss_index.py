"""VectorIndex: exact search equals numpy brute force, IVF recall, persistence, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.retrieval.faiss_index import (
    VectorIndex,
    exact_top_k,
    overlap_recall,
)
from graph_schema.errors import ConfigError, NotTrainedError, StoreError


def clustered_vectors(
    n: int, dim: int = 384, *, n_clusters: int = 500, spread: float = 1.0, seed: int = 0
) -> np.ndarray:
    """L2-normalised vectors around random cluster centres, like sentence embeddings.

    Each vector is ``centre + spread * noise`` (noise of the centre's expected norm), then
    normalised; cluster sizes follow a Zipf-like law so some clusters are dense.
    """
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_clusters, dim)).astype(np.float32)
    weights = 1.0 / np.sqrt(np.arange(1, n_clusters + 1))
    labels = rng.choice(n_clusters, n, p=weights / weights.sum())
    vectors = centres[labels] + spread * rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def _ids(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


@pytest.fixture(scope="module")
def small() -> np.ndarray:
    return np.random.default_rng(7).standard_normal((200, 16)).astype(np.float32)


@pytest.fixture(scope="module")
def ivf_data() -> tuple[np.ndarray, np.ndarray]:
    data = clustered_vectors(4_200, 32, n_clusters=40, seed=3)
    return data[:4_000], data[4_000:]


@pytest.fixture(scope="module")
def ivf_index(ivf_data: tuple[np.ndarray, np.ndarray]) -> VectorIndex:
    base, _ = ivf_data
    return VectorIndex(exact_threshold=1_000, seed=0).build(_ids(len(base)), base, "m1")


@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_exact_index_equals_numpy_brute_force(small: np.ndarray, metric: str) -> None:
    index = VectorIndex(metric=metric).build(_ids(200), small, model_version="m1")
    queries = small[:20] + 0.1
    scores, ids = index.search(queries, k=5)
    # The oracle written out: every score, sorted.
    raw = queries.astype(np.float64) @ small.T.astype(np.float64)
    if metric == "l2":
        raw = ((queries[:, None, :] - small[None, :, :]) ** 2).sum(axis=2)
        order = np.argsort(raw, axis=1)[:, :5]
    else:
        order = np.argsort(-raw, axis=1)[:, :5]
    assert index.kind_ == "flat"
    assert ids.tolist() == [[f"c{j}" for j in row] for row in order]
    np.testing.assert_allclose(scores, np.take_along_axis(raw, order, axis=1), rtol=1e-4)
    oracle_scores, oracle_pos = exact_top_k(queries, small, 5, metric)
    assert (oracle_pos == order).all()
    np.testing.assert_allclose(oracle_scores, scores, rtol=1e-4)
    assert index.recall_at_k(queries, k=10) == 1.0


def test_single_vector_query_and_k_above_count() -> None:
    index = VectorIndex().build(["a", "b"], np.eye(2, dtype=np.float32), model_version="m1")
    scores, ids = index.search(np.array([0.0, 1.0]), k=3)
    assert ids.tolist() == [["b", "a", ""]]
    assert scores[0, :2].tolist() == [1.0, 0.0] and scores[0, 2] == -np.inf


def test_ivf_chosen_above_threshold_with_calibrated_recall(
    ivf_index: VectorIndex, ivf_data: tuple[np.ndarray, np.ndarray]
) -> None:
    _, queries = ivf_data
    assert ivf_index.kind_ == "ivf"
    # nlist = min(4000 // 40, round(4 * sqrt(4000))) = min(100, 253) = 100
    assert ivf_index.index_.nlist == 100
    assert ivf_index.nprobe_ is not None and ivf_index.calibration_recall_ >= 0.98
    assert ivf_index.recall_at_k(queries, k=10) >= 0.95


def test_recall_at_k_matches_its_definition(
    ivf_index: VectorIndex, ivf_data: tuple[np.ndarray, np.ndarray]
) -> None:
    base, queries = ivf_data
    _, truth = exact_top_k(queries, base, 10)
    _, found = ivf_index.search(queries, 10)
    expected = overlap_recall(found, np.array(_ids(len(base)))[truth])
    assert ivf_index.recall_at_k(queries, k=10) == pytest.approx(expected)


def test_same_seed_same_index_other_seed_differs(ivf_data: tuple[np.ndarray, np.ndarray]) -> None:
    base, queries = ivf_data
    runs = [
        VectorIndex(exact_threshold=1_000, seed=s, nprobe=1).build(_ids(len(base)), base, "m1")
        for s in (0, 0, 1)
    ]
    results = [r.search(queries, 10)[1] for r in runs]
    assert (results[0] == results[1]).all()
    assert not (results[0] == results[2]).all()


def test_hnsw_option_recall_and_round_trip(
    tmp_path: Path, ivf_data: tuple[np.ndarray, np.ndarray]
) -> None:
    base, queries = ivf_data
    index = VectorIndex(exact_threshold=1_000, approximate="hnsw", hnsw_m=16)
    index.build(_ids(len(base)), base, "m1")
    assert index.kind_ == "hnsw" and index.ef_search_ is not None and index.nprobe_ is None
    assert index.recall_at_k(queries, k=10) >= 0.95
    loaded = VectorIndex.load(index.save(tmp_path))
    assert loaded.index_.hnsw.efSearch == index.ef_search_
    assert (loaded.search(queries, 10)[1] == index.search(queries, 10)[1]).all()


@pytest.mark.slow
def test_ivf_recall_at_10_on_60k_clustered_vectors() -> None:
    data = clustered_vectors(60_500, 384, seed=0)
    index = VectorIndex(seed=0).build(_ids(60_000), data[:60_000], model_version="m1")
    assert index.kind_ == "ivf"
    assert index.recall_at_k(data[60_000:], k=10) >= 0.95


@pytest.mark.parametrize("threshold", [1_000, 50_000])
def test_save_load_round_trip(
    tmp_path: Path, ivf_data: tuple[np.ndarray, np.ndarray], threshold: int
) -> None:
    base, queries = ivf_data
    index = VectorIndex(exact_threshold=threshold).build(_ids(len(base)), base, "m1")
    index.save(tmp_path / "idx")
    loaded = VectorIndex.load(tmp_path / "idx")
    before, after = index.search(queries, 10), loaded.search(queries, 10)
    assert (before[1] == after[1]).all()
    np.testing.assert_array_equal(before[0], after[0])
    assert (loaded.kind_, loaded.nprobe_, loaded.model_version_) == (
        index.kind_,
        index.nprobe_,
        "m1",
    )
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert {k: manifest[k] for k in ("kind", "count", "dim", "model_version")} == {
        "kind": index.kind_,
        "count": 4_000,
        "dim": 32,
        "model_version": "m1",
    }
    assert manifest["created_at"] == index.created_at_


def test_manifest_mismatch_detected(tmp_path: Path, small: np.ndarray) -> None:
    VectorIndex().build(_ids(200), small, model_version="m1").save(tmp_path)
    loaded = VectorIndex.load(tmp_path)
    assert loaded.matches(200, "m1")
    assert not loaded.matches(201, "m1")  # the graph gained a candidate
    assert not loaded.matches(200, "m2")  # embeddings retrained


def test_inconsistent_directory_raises_store_error(tmp_path: Path, small: np.ndarray) -> None:
    VectorIndex().build(_ids(200), small, model_version="m1").save(tmp_path)
    (tmp_path / "ids.json").write_text(json.dumps(_ids(199)))
    with pytest.raises(StoreError, match="index has 200 vectors, ids 199"):
        VectorIndex.load(tmp_path)
    with pytest.raises(StoreError, match="unusable"):
        VectorIndex.load(tmp_path / "missing")


@pytest.mark.parametrize("k", [0, 1001, 2.5, True])
def test_k_validation_message(small: np.ndarray, k: object) -> None:
    index = VectorIndex().build(_ids(200), small, model_version="m1")
    expected = f"The 'k' parameter of search must be an int in [1, 1000]. Got {k!r} instead."
    with pytest.raises(ConfigError) as info:
        index.search(small[:1], k=k)  # type: ignore[arg-type]
    assert str(info.value) == expected


def test_bad_build_arguments(small: np.ndarray) -> None:
    with pytest.raises(ConfigError) as info:
        VectorIndex(metric="cos").build(_ids(200), small, "m1")
    assert str(info.value) == (
        "The 'metric' parameter of VectorIndex must be one of 'ip', 'l2'. Got 'cos' instead."
    )
    with pytest.raises(ConfigError, match="'ids' parameter of build"):
        VectorIndex().build(_ids(199), small, "m1")
    with pytest.raises(ConfigError, match="must be unique"):
        VectorIndex().build(["a"] * 200, small, "m1")
    index = VectorIndex().build(_ids(200), small, "m1")
    with pytest.raises(ConfigError, match="with 16 columns. Got 'shape \\(1, 3\\)' instead"):
        index.search(np.zeros((1, 3)), k=1)


@pytest.mark.parametrize("method", ["search", "matches", "recall_at_k", "save"])
def test_not_trained_before_build(method: str, tmp_path: Path) -> None:
    index = VectorIndex()
    calls = {
        "search": lambda: index.search(np.zeros((1, 4)), 1),
        "matches": lambda: index.matches(1, "m1"),
        "recall_at_k": lambda: index.recall_at_k(np.zeros((1, 4))),
        "save": lambda: index.save(tmp_path),
    }
    with pytest.raises(NotTrainedError) as info:
        calls[method]()
    assert str(info.value) == (
        f"This VectorIndex is not built yet; call 'build' (or VectorIndex.load) before '{method}'."
    )
