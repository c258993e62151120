"""FAISS index over node embeddings: type chosen by size, id map, manifest, measured recall.

Below ``exact_threshold`` vectors the index is exact (``IndexFlatIP``): at that size a brute
force scan costs a few milliseconds and is always right. Above it the index is approximate:
``IndexIVFFlat`` by default, with ``nlist = 4 * sqrt(n)`` lists trained by k-means on a seeded
sample (40 points per list), or ``IndexHNSWFlat`` when ``approximate="hnsw"``.

Why IVF: measured (100,000 clustered, normalised 384-d vectors, 1,000
held-out queries, one thread, batch size 1, a shared 2-core machine):

=======  ========  ==========  ===========  ==========
index    build s   p50 ms      recall@10    breadth
=======  ========  ==========  ===========  ==========
flat     0.2-0.5   6.4-10.3    1.000        -
ivf      12-16     0.09-0.10   0.988        nprobe 8
hnsw     25-28     0.11-0.15   0.969        efSearch 64
=======  ========  ==========  ===========  ==========

IVF builds in half the time of HNSW (M = 32), answers a little faster at a higher recall, and
its memory is the vectors plus one centroid per list (HNSW adds ``2 * M`` links per vector).
p99 of IVF was 0.18-0.25 ms measured alone; under load from other jobs (load average 5 on 2
cores) p99 rose to 1.3-4.5 ms for IVF and 0.3-4.3 ms for HNSW, and flat p99 was ~18 ms.

The search breadth (IVF ``nprobe``, HNSW ``efSearch``) is calibrated at build time when it is
not given: the smallest breadth whose recall@10 on a seeded sample of the indexed vectors
(used as queries, against exact numpy search) reaches :data:`CALIBRATION_RECALL`.

Scores are inner products (``metric="ip"``; pass L2-normalised vectors for cosine) or squared
L2 distances (``metric="l2"``, smaller is nearer).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from engine.options import TRAIN_DEFAULTS
from graph_schema.errors import NotTrainedError, StoreError
from graph_schema.params import bad_parameter, check_int

NOT_BUILT = (
    "This VectorIndex is not built yet; call 'build' (or VectorIndex.load) before '{method}'."
)
BAD_DIRECTORY = "Index directory {directory} is unusable: {reason}"
MAX_K = 1000
CALIBRATION_RECALL = 0.98
CALIBRATION_QUERIES = 256
CALIBRATION_K = 10
TRAIN_POINTS_PER_LIST = 40
IVF_NPROBES: tuple[int, ...] = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 512)
HNSW_EF_SEARCH: tuple[int, ...] = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
INDEX_FILE = "index.faiss"
IDS_FILE = "ids.json"
MANIFEST_FILE = "manifest.json"
_METRICS = {"ip": faiss.METRIC_INNER_PRODUCT, "l2": faiss.METRIC_L2}
_APPROXIMATE = ("ivf", "hnsw")


def _as_matrix(name: str, method: str, value: Any, dim: int | None = None) -> np.ndarray:
    """A C-contiguous float32 matrix; a single 1-D vector becomes one row."""
    array = np.asarray(value, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] == 0 or (dim is not None and array.shape[1] != dim):
        cols = f"{dim} columns" if dim is not None else "at least one column"
        shape = tuple(np.shape(value))
        raise bad_parameter(name, method, f"a 2-D float array with {cols}", f"shape {shape}")
    if not np.isfinite(array).all():
        raise bad_parameter(name, method, "finite (no NaN or inf)", "non-finite values")
    return np.ascontiguousarray(array)


def exact_top_k(
    queries: np.ndarray, vectors: np.ndarray, k: int, metric: str = "ip", block: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Brute-force numpy top-k: the oracle FAISS results are checked against.

    Args:
        queries: ``(q, d)`` float array.
        vectors: ``(n, d)`` float array.
        k: neighbours per query (at most ``n``).
        metric: ``"ip"`` (largest inner product first) or ``"l2"`` (smallest squared distance).
        block: queries scored at a time (bounds memory to ``block * n`` floats).

    Returns:
        ``(scores, positions)``, each ``(q, k)``, best first; positions index ``vectors``.
    """
    k = min(k, len(vectors))
    scores_out = np.empty((len(queries), k), dtype=np.float32)
    pos_out = np.empty((len(queries), k), dtype=np.int64)
    # float32 like FAISS: a float64 copy of 100,000 x 384 vectors would cost 300 MB
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = (matrix**2).sum(axis=1) if metric == "l2" else None
    for lo in range(0, len(queries), block):
        q = np.asarray(queries[lo : lo + block], dtype=np.float32)
        s = q @ matrix.T
        if norms is not None:  # squared distance; negate so that larger is better below
            s = -((q**2).sum(axis=1)[:, None] - 2 * s + norms[None, :])
        part = (
            np.argpartition(-s, k - 1, axis=1)[:, :k]
            if k < s.shape[1]
            else np.tile(np.arange(s.shape[1]), (len(q), 1))
        )
        top = np.take_along_axis(s, part, axis=1)
        order = np.argsort(-top, axis=1, kind="stable")
        pos_out[lo : lo + block] = np.take_along_axis(part, order, axis=1)
        best = np.take_along_axis(top, order, axis=1)
        scores_out[lo : lo + block] = -best if norms is not None else best
    return scores_out, pos_out


def overlap_recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean over queries of ``|found_i & truth_i| / |truth_i|`` (rows of positions or ids)."""
    hits = [len(set(f.tolist()) & set(t.tolist())) / len(t) for f, t in zip(found, truth)]
    return float(np.mean(hits)) if hits else 1.0


def _without_self(positions: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` positions of each row other than the query's own position."""
    return np.array([[p for p in found if p != row][:k] for found, row in zip(positions, rows)])


class VectorIndex:
    """Nearest-neighbour index over id-keyed vectors, exact or approximate by size.

    Example:
        >>> index = VectorIndex(seed=0).build(["c1", "c2"], np.eye(2), model_version="v1")
        >>> scores, ids = index.search(np.array([[0.0, 1.0]]), k=1)
        >>> ids.tolist()
        [['c2']]

    Args:
        metric: ``"ip"`` (inner product; cosine on normalised vectors) or ``"l2"``.
        exact_threshold: below this many vectors the index is exact (``IndexFlat``).
        seed: seeds the IVF training sample, k-means and the calibration queries.
        nprobe: IVF lists probed per query; ``None`` calibrates it at build time.
        hnsw_m: neighbours per HNSW node (only with ``approximate="hnsw"``).
        approximate: the index above the threshold, ``"ivf"`` (default) or ``"hnsw"``.

    Attributes:
        index_: the FAISS index. ids_: id of each FAISS position (numpy ``str`` array).
        kind_: ``"flat"``, ``"ivf"`` or ``"hnsw"``. model_version_: version of the embeddings.
        dim_: vector dimension. created_at_: UTC ISO-8601 build time.
        nprobe_ / ef_search_: the search breadth in use (``None`` when not applicable).
        calibration_recall_: recall@10 measured at build (``None`` for exact or given breadth).
    """

    def __init__(
        self,
        metric: str = "ip",
        exact_threshold: int = TRAIN_DEFAULTS.exact_threshold,
        seed: int = 0,
        nprobe: int | None = None,
        hnsw_m: int = 32,
        approximate: str = "ivf",
    ) -> None:
        self.metric = metric
        self.exact_threshold = exact_threshold
        self.seed = seed
        self.nprobe = nprobe
        self.hnsw_m = hnsw_m
        self.approximate = approximate

    # ------------------------------------------------------------------ build
    def _validate(self) -> None:
        if self.metric not in _METRICS:
            raise bad_parameter("metric", "VectorIndex", "one of 'ip', 'l2'", self.metric)
        if self.approximate not in _APPROXIMATE:
            raise bad_parameter(
                "approximate", "VectorIndex", "one of 'ivf', 'hnsw'", self.approximate
            )
        check_int("exact_threshold", "VectorIndex", self.exact_threshold, 1)
        check_int("seed", "VectorIndex", self.seed, 0, 2**31 - 1)
        check_int("hnsw_m", "VectorIndex", self.hnsw_m, 4, 128)
        if self.nprobe is not None:
            check_int("nprobe", "VectorIndex", self.nprobe, 1)

    def build(self, ids: Sequence[str], vectors: np.ndarray, model_version: str) -> VectorIndex:
        """Index ``vectors`` under ``ids``; the index type follows the number of vectors.

        Args:
            ids: one unique id per row of ``vectors``.
            vectors: ``(n, d)`` float array (normalised for cosine with ``metric="ip"``).
            model_version: version of the model that produced the vectors (kept in the manifest).

        Returns:
            self, built.

        Raises:
            ConfigError: a parameter, the ids or the vectors are invalid.
        """
        self._validate()
        matrix = _as_matrix("vectors", "build", vectors)
        id_array = np.asarray([str(i) for i in ids], dtype=str)
        if len(id_array) != len(matrix) or len(matrix) == 0:
            rule = f"a non-empty sequence with one id per vector ({len(matrix)})"
            raise bad_parameter("ids", "build", rule, f"{len(id_array)} ids")
        if len(np.unique(id_array)) != len(id_array):
            raise bad_parameter("ids", "build", "unique", "duplicate ids")
        if not isinstance(model_version, str) or not model_version:
            raise bad_parameter("model_version", "build", "a non-empty str", model_version)
        n, dim = matrix.shape
        metric = _METRICS[self.metric]
        self.nprobe_: int | None = None
        self.ef_search_: int | None = None
        self.calibration_recall_: float | None = None
        if n < self.exact_threshold:
            self.kind_ = "flat"
            index: faiss.Index = faiss.IndexFlat(dim, metric)
            index.add(matrix)
        elif self.approximate == "ivf":
            self.kind_ = "ivf"
            index = self._build_ivf(matrix, metric)
        else:
            self.kind_ = "hnsw"
            index = faiss.IndexHNSWFlat(dim, self.hnsw_m, metric)
            index.add(matrix)
        self.index_ = index
        self.ids_ = id_array
        self.dim_ = dim
        self.model_version_ = model_version
        self.created_at_ = datetime.now(UTC).isoformat(timespec="seconds")
        if self.kind_ == "ivf" and self.nprobe is not None:
            self._set_breadth(min(self.nprobe, index.nlist))
        elif self.kind_ != "flat":
            self._calibrate(matrix)
        return self

    def _build_ivf(self, matrix: np.ndarray, metric: int) -> faiss.Index:
        n, dim = matrix.shape
        nlist = max(1, min(n // TRAIN_POINTS_PER_LIST, round(4 * math.sqrt(n))))
        quantizer = faiss.IndexFlat(dim, metric)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, metric)
        index.cp.seed = self.seed
        rng = np.random.default_rng(self.seed)
        size = min(n, TRAIN_POINTS_PER_LIST * nlist)
        sample = matrix[np.sort(rng.choice(n, size, replace=False))] if size < n else matrix
        index.train(sample)
        index.add(matrix)
        self._quantizer = quantizer  # the IVF index does not own it from Python
        return index

    def _set_breadth(self, breadth: int) -> None:
        if self.kind_ == "ivf":
            self.index_.nprobe = breadth
            self.nprobe_ = breadth
        elif self.kind_ == "hnsw":
            self.index_.hnsw.efSearch = breadth
            self.ef_search_ = breadth

    def _calibrate(self, matrix: np.ndarray) -> None:
        """Smallest breadth whose recall@10 on sampled stored vectors reaches the target."""
        rng = np.random.default_rng(self.seed + 1)
        count = min(CALIBRATION_QUERIES, len(matrix))
        rows = rng.choice(len(matrix), count, replace=False)
        queries = matrix[rows]
        k = min(CALIBRATION_K, len(matrix) - 1)
        if k < 1:
            return
        # A stored vector always finds itself; leaving it out keeps the estimate honest for
        # unseen queries (measured: counting it overstates held-out recall by ~2 points).
        _, exact = exact_top_k(queries, matrix, k + 1, self.metric)
        truth = _without_self(exact, rows, k)
        if self.kind_ == "ivf":
            grid = [b for b in IVF_NPROBES if b < self.index_.nlist] + [self.index_.nlist]
        else:
            grid = list(HNSW_EF_SEARCH)
        recall = 0.0
        for breadth in grid:
            self._set_breadth(breadth)
            _, found = self.index_.search(queries, k + 1)
            recall = overlap_recall(_without_self(found, rows, k), truth)
            if recall >= CALIBRATION_RECALL:
                break
        self.calibration_recall_ = recall

    # ----------------------------------------------------------------- search
    def _check_built(self, method: str) -> None:
        if not hasattr(self, "index_"):
            raise NotTrainedError(NOT_BUILT.format(method=method))

    @property
    def count_(self) -> int:
        """Number of indexed vectors."""
        self._check_built("count_")
        return int(self.index_.ntotal)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest indexed vectors of each query, best first.

        Args:
            queries: ``(q, d)`` float array, or one ``(d,)`` vector.
            k: neighbours per query, an int in [1, 1000].

        Returns:
            ``(scores, ids)``, each ``(q, k)``: float32 scores (inner product, or squared L2
            distance) and a numpy ``str`` array of ids. When fewer than ``k`` vectors are
            found (``k`` above the count, or an IVF probe too narrow) the slots left are
            filled with id ``""`` and score ``-inf`` (``"ip"``) or ``inf`` (``"l2"``).

        Raises:
            NotTrainedError: before ``build``/``load``.
            ConfigError: ``k`` or the queries are invalid.
        """
        self._check_built("search")
        k = check_int("k", "search", k, 1, MAX_K)
        matrix = _as_matrix("queries", "search", queries, self.dim_)
        scores, positions = self.index_.search(matrix, k)
        missing = positions < 0
        ids = self.ids_[np.where(missing, 0, positions)]
        if missing.any():
            ids[missing] = ""
            scores[missing] = -np.inf if self.metric == "ip" else np.inf
        return scores, ids

    def matches(self, count: int, model_version: str) -> bool:
        """Whether the index mirrors a graph with ``count`` embeddings of ``model_version``.

        The caller compares with the graph and rebuilds when this is False.

        Raises:
            NotTrainedError: before ``build``/``load``.
        """
        self._check_built("matches")
        return self.count_ == count and self.model_version_ == model_version

    def recall_at_k(self, queries: np.ndarray, k: int = 10) -> float:
        """Mean share of the exact top-``k`` (numpy brute force) that ``search`` also returns.

        The exact neighbours are computed over the indexed vectors themselves (reconstructed
        from the index), so an exact index scores 1.0 up to ties.

        Raises:
            NotTrainedError: before ``build``/``load``.
            ConfigError: ``k`` or the queries are invalid.
        """
        self._check_built("recall_at_k")
        k = check_int("k", "recall_at_k", k, 1, MAX_K)
        matrix = _as_matrix("queries", "recall_at_k", queries, self.dim_)
        vectors = self._vectors()
        _, truth = exact_top_k(matrix, vectors, min(k, len(vectors)), self.metric)
        _, found = self.search(matrix, min(k, len(vectors)))
        return overlap_recall(found, self.ids_[truth])

    def _vectors(self) -> np.ndarray:
        if self.kind_ == "ivf":
            ivf = faiss.extract_index_ivf(self.index_)
            if ivf.direct_map.type == faiss.DirectMap.NoMap:
                ivf.make_direct_map()
        return self.index_.reconstruct_n(0, self.index_.ntotal)

    # ------------------------------------------------------------ persistence
    def manifest(self) -> dict[str, Any]:
        """What ``save`` writes to ``manifest.json``."""
        self._check_built("manifest")
        return {
            "kind": self.kind_,
            "count": self.count_,
            "dim": self.dim_,
            "metric": self.metric,
            "model_version": self.model_version_,
            "created_at": self.created_at_,
            "nprobe": self.nprobe_,
            "ef_search": self.ef_search_,
            "calibration_recall": self.calibration_recall_,
            "params": {
                "exact_threshold": self.exact_threshold,
                "seed": self.seed,
                "nprobe": self.nprobe,
                "hnsw_m": self.hnsw_m,
                "approximate": self.approximate,
            },
            "faiss_version": faiss.__version__,
        }

    def save(self, directory: str | Path) -> Path:
        """Write ``index.faiss``, ``ids.json`` and ``manifest.json`` into ``directory``.

        Returns:
            The directory.

        Raises:
            NotTrainedError: before ``build``/``load``.
        """
        self._check_built("save")
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index_, str(path / INDEX_FILE))
        (path / IDS_FILE).write_text(json.dumps(self.ids_.tolist()), encoding="utf-8")
        (path / MANIFEST_FILE).write_text(
            json.dumps(self.manifest(), indent=2) + "\n", encoding="utf-8"
        )
        return path

    @classmethod
    def load(cls, directory: str | Path) -> VectorIndex:
        """Read an index written by ``save``.

        Raises:
            StoreError: a file is missing or unreadable, or the files disagree on the count.
        """
        path = Path(directory)
        try:
            manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
            ids = json.loads((path / IDS_FILE).read_text(encoding="utf-8"))
            index = faiss.read_index(str(path / INDEX_FILE))
        except (OSError, ValueError, RuntimeError) as e:
            raise StoreError(BAD_DIRECTORY.format(directory=path, reason=e)) from e
        counts = {int(index.ntotal), len(ids), manifest.get("count")}
        if len(counts) != 1:
            reason = f"index has {index.ntotal} vectors, ids {len(ids)}, manifest {counts}"
            raise StoreError(BAD_DIRECTORY.format(directory=path, reason=reason))
        self = cls(**manifest["params"], metric=manifest["metric"])
        self.index_ = index
        self.ids_ = np.asarray(ids, dtype=str)
        self.kind_ = manifest["kind"]
        self.dim_ = int(manifest["dim"])
        self.model_version_ = manifest["model_version"]
        self.created_at_ = manifest["created_at"]
        self.nprobe_ = manifest["nprobe"]
        self.ef_search_ = manifest["ef_search"]
        self.calibration_recall_ = manifest["calibration_recall"]
        if self.kind_ == "ivf" and self.nprobe_:  # the search breadth is not in the file
            faiss.extract_index_ivf(index).nprobe = self.nprobe_
        elif self.kind_ == "hnsw" and self.ef_search_:
            index.hnsw.efSearch = self.ef_search_
        return self
