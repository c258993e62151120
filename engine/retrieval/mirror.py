"""The FAISS mirror of the embeddings stored in the graph, persisted beside the store.

The graph is the source of truth (``loaders.writeback``); the index is a mirror for fast
retrieval, kept in ``<index_dir>/<Label>/`` with its id map and manifest. ``sync`` compares
the mirror with the graph (how many embeddings, which model version) and rebuilds it when
they disagree, so a store updated elsewhere never serves stale neighbours.

Example:
    >>> mirror = IndexMirror(Path(".talentgraph/index"))               # doctest: +SKIP
    >>> index = mirror.sync(store, "Candidate")                         # doctest: +SKIP
    >>> mirror.last_action_                                            # doctest: +SKIP
    'loaded'
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from engine.retrieval.faiss_index import VectorIndex
from graph_schema.errors import NotTrainedError
from loaders.stores.base import GraphStore
from loaders.writeback import read_embeddings

NO_EMBEDDINGS = "no {label} node has an embedding yet; train the engine first (eng.train())"
MIXED_VERSIONS = "{label} embeddings come from several model versions ({versions}); retrain"


class IndexMirror:
    """Keeps one VectorIndex per label in ``directory``, in step with the graph.

    Args:
        directory: where the indexes live (for the embedded store, beside it).
        exact_threshold: passed to VectorIndex (exact search below this many vectors).
        seed: seed of the approximate index's training.
    """

    def __init__(self, directory: Path, exact_threshold: int = 50_000, seed: int = 0) -> None:
        self.directory = Path(directory)
        self.exact_threshold = exact_threshold
        self.seed = seed

    def sync(self, store: GraphStore, label: str) -> VectorIndex:
        """The index of ``label``: loaded when it matches the graph, else rebuilt and saved.

        Sets ``last_action_`` to ``"loaded"`` or ``"rebuilt"``.

        Raises:
            NotTrainedError: no node of ``label`` has an embedding, or versions are mixed.
        """
        ids, matrix, versions = read_embeddings(store, label)
        if not ids:
            raise NotTrainedError(NO_EMBEDDINGS.format(label=label))
        counts = Counter(versions)
        if len(counts) > 1:
            raise NotTrainedError(MIXED_VERSIONS.format(label=label, versions=dict(counts)))
        version = versions[0]
        path = self.directory / label
        if (path / "manifest.json").exists():
            try:
                index = VectorIndex.load(path)
            except Exception:  # noqa: BLE001 - an unreadable mirror is rebuilt, not fatal
                index = None
            if index is not None and index.matches(len(ids), version) and list(index.ids_) == ids:
                self.last_action_ = "loaded"
                return index
        index = VectorIndex(exact_threshold=self.exact_threshold, seed=self.seed)
        index.build(ids, matrix, version)
        index.save(path)
        self.last_action_ = "rebuilt"
        return index
