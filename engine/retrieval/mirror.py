"""The FAISS mirror of the embeddings stored in the graph, persisted beside the store.

The graph is the source of truth (``loaders.writeback``); the index is a mirror for fast
retrieval, kept in ``<index_dir>/<Label>/`` with its id map and manifest. ``sync`` compares
the mirror with the graph (how many embeddings, which model version) and rebuilds it when
they disagree, so a store updated elsewhere never serves stale neighbours.

A mirror that ``train`` built (:meth:`IndexMirror.build`) is *pinned* to its model version
(``model.json`` in the directory): the index is then the model's own, built from the very
vectors its runtime computes, and it is served as long as the graph holds no other
embeddings of that version. The graph may hold another version's embeddings when a train
was killed after writing them back but before its model was published; the served model
must keep its own neighbours then, not mix another model's vectors into its retrieval.

Example:
    >>> mirror = IndexMirror(Path(".talentgraph/index"))               # doctest: +SKIP
    >>> index = mirror.sync(store, "Candidate")                         # doctest: +SKIP
    >>> mirror.last_action_                                            # doctest: +SKIP
    'loaded'
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from engine.options import TRAIN_DEFAULTS
from engine.retrieval.faiss_index import VectorIndex
from graph_schema.errors import NotTrainedError
from loaders.private_files import make_private
from loaders.stores.base import GraphStore
from loaders.writeback import read_embeddings

NO_EMBEDDINGS = "no {label} node has an embedding yet; train the engine first (eng.train())"
MIXED_VERSIONS = "{label} embeddings come from several model versions ({versions}); retrain"
NOT_PINNED_VERSION = (
    "the {label} index of model {pinned} in {path} is unreadable and the graph holds no "
    "embeddings of that model to rebuild it from (found {versions}); retrain"
)
PIN_FILE = "model.json"


class IndexMirror:
    """Keeps one VectorIndex per label in ``directory``, in step with the graph.

    Args:
        directory: where the indexes live (for the embedded store, beside it).
        exact_threshold: passed to VectorIndex (exact search below this many vectors).
        seed: seed of the approximate index's training.
    """

    def __init__(
        self, directory: Path, exact_threshold: int = TRAIN_DEFAULTS.exact_threshold, seed: int = 0
    ) -> None:
        self.directory = Path(directory)
        self.exact_threshold = exact_threshold
        self.seed = seed

    def pinned_version(self) -> str | None:
        """The model version a train pinned this mirror to, or ``None``."""
        try:
            found = json.loads((self.directory / PIN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        version = found.get("model_version") if isinstance(found, dict) else None
        return version if isinstance(version, str) else None

    def build(
        self, label: str, ids: Sequence[str], vectors: np.ndarray, version: str
    ) -> VectorIndex:
        """Build, save and pin the index of ``label`` from a model's own vectors (rows
        aligned with ``ids``); rows are indexed in id order, as :meth:`sync` does."""
        order = np.argsort(np.asarray(ids, dtype=str), kind="stable")
        index = VectorIndex(exact_threshold=self.exact_threshold, seed=self.seed)
        index.build([ids[i] for i in order], np.asarray(vectors, np.float32)[order], version)
        index.save(self.directory / label)
        (self.directory / PIN_FILE).write_text(json.dumps({"model_version": version}))
        make_private(self.directory)
        self.last_action_ = "built"
        return index

    def _load(self, label: str) -> VectorIndex | None:
        path = self.directory / label
        if not (path / "manifest.json").exists():
            return None
        try:
            return VectorIndex.load(path)
        except Exception:  # noqa: BLE001 - an unreadable mirror is rebuilt, not fatal
            return None

    def _rebuild(self, label: str, ids: list[str], matrix: np.ndarray, version: str) -> VectorIndex:
        index = VectorIndex(exact_threshold=self.exact_threshold, seed=self.seed)
        index.build(ids, matrix, version)
        index.save(self.directory / label)
        make_private(self.directory)
        self.last_action_ = "rebuilt"
        return index

    def sync(self, store: GraphStore, label: str) -> VectorIndex:
        """The index of ``label``: loaded when it matches the graph, else rebuilt and saved.

        A pinned mirror (:meth:`build`) serves its saved index unless the graph holds
        embeddings of the pinned version for other ids; it is rebuilt from the graph only
        from embeddings of that version.

        Sets ``last_action_`` to ``"loaded"`` or ``"rebuilt"``.

        Raises:
            NotTrainedError: no node of ``label`` has an embedding, versions are mixed, or a
                pinned index is unreadable and the graph cannot rebuild it.
        """
        ids, matrix, versions = read_embeddings(store, label)
        pinned = self.pinned_version()
        if pinned is not None:
            return self._sync_pinned(label, pinned, ids, matrix, versions)
        if not ids:
            raise NotTrainedError(NO_EMBEDDINGS.format(label=label))
        counts = Counter(versions)
        if len(counts) > 1:
            raise NotTrainedError(MIXED_VERSIONS.format(label=label, versions=dict(counts)))
        version = versions[0]
        index = self._load(label)
        if index is not None and index.matches(len(ids), version) and list(index.ids_) == ids:
            self.last_action_ = "loaded"
            return index
        return self._rebuild(label, ids, matrix, version)

    def _sync_pinned(
        self, label: str, pinned: str, ids: list[str], matrix: np.ndarray, versions: list[str]
    ) -> VectorIndex:
        ours = bool(ids) and set(versions) == {pinned}
        index = self._load(label)
        # the graph's embeddings of another version are not this model's: keep its own index
        kept = index is not None and index.model_version_ == pinned
        if kept and (not ours or list(index.ids_) == ids):
            self.last_action_ = "loaded"
            return index
        if ours:
            return self._rebuild(label, ids, matrix, pinned)
        if not ids:
            raise NotTrainedError(NO_EMBEDDINGS.format(label=label))
        found = dict(Counter(versions))
        raise NotTrainedError(
            NOT_PINNED_VERSION.format(
                label=label, pinned=pinned, path=self.directory, versions=found
            )
        )
