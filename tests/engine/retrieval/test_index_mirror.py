"""The FAISS mirror follows the graph: loaded when in step, rebuilt on mismatch."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from engine.retrieval.mirror import IndexMirror
from graph_schema.errors import NotTrainedError
from loaders.import_job import ImportJob, ImportOptions
from loaders.stores.ladybug import LadybugStore
from loaders.writeback import write_embeddings

TINY = Path(__file__).parents[2] / "data" / "tiny"


def _unit(rows: int, seed: int) -> np.ndarray:
    m = np.random.default_rng(seed).normal(size=(rows, 8))
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_mirror_rebuilds_on_mismatch_and_loads_otherwise(tmp_path: Path) -> None:
    with LadybugStore(tmp_path / "store") as store:
        ImportJob(store, ImportOptions(progress=False)).run(TINY)
        mirror = IndexMirror(tmp_path / "index")
        with pytest.raises(NotTrainedError, match="no Candidate node has an embedding yet"):
            mirror.sync(store, "Candidate")
        ids = [f"c{i}" for i in range(1, 11)]
        vectors = _unit(10, 0)
        write_embeddings(store, "Candidate", ids[:8], vectors[:8], "v1")
        first = mirror.sync(store, "Candidate")
        assert mirror.last_action_ == "rebuilt" and first.count_ == 8
        mirror.sync(store, "Candidate")
        assert mirror.last_action_ == "loaded"
        write_embeddings(store, "Candidate", ids, vectors, "v1")  # two more: counts differ
        assert mirror.sync(store, "Candidate").count_ == 10 and mirror.last_action_ == "rebuilt"
        write_embeddings(store, "Candidate", ids, vectors, "v2")  # new model version
        index = mirror.sync(store, "Candidate")
        assert mirror.last_action_ == "rebuilt" and index.model_version_ == "v2"
        scores, found = index.search(vectors[3], 1)
        assert found[0][0] == ids[3] and scores[0][0] == pytest.approx(1.0, abs=1e-5)


def test_pinned_mirror_keeps_its_model_s_index_when_the_graph_moves_on(tmp_path: Path) -> None:
    # what a train killed after writing embeddings back, before publishing, leaves behind
    with LadybugStore(tmp_path / "store") as store:
        ImportJob(store, ImportOptions(progress=False)).run(TINY)
        ids = [f"c{i}" for i in range(1, 11)]
        ours, theirs = _unit(10, 0), _unit(10, 1)
        mirror = IndexMirror(tmp_path / "index")
        built = mirror.build("Candidate", ids[::-1], ours[::-1], "v1")
        assert mirror.pinned_version() == "v1" and list(built.ids_) == sorted(ids)
        write_embeddings(store, "Candidate", ids, ours, "v1")
        assert mirror.sync(store, "Candidate").model_version_ == "v1"
        assert mirror.last_action_ == "loaded"
        write_embeddings(store, "Candidate", ids, theirs, "v2")  # another train's vectors
        index = mirror.sync(store, "Candidate")
        assert mirror.last_action_ == "loaded" and index.model_version_ == "v1"
        scores, found = index.search(ours[3], 1)
        assert found[0][0] == "c4" and scores[0][0] == pytest.approx(1.0, abs=1e-5)
        write_embeddings(store, "Candidate", ids[:6], ours[:6], "v1")  # a mix of both
        assert mirror.sync(store, "Candidate").model_version_ == "v1"
        # unreadable index: rebuilt from the graph only from the pinned version's vectors
        (tmp_path / "index" / "Candidate" / "index.faiss").write_bytes(b"damaged")
        message = (
            f"the Candidate index of model v1 in {tmp_path / 'index'} is unreadable and the "
            "graph holds no embeddings of that model to rebuild it from (found {'v1': 6, "
            "'v2': 4}); retrain"
        )
        with pytest.raises(NotTrainedError, match=f"^{re.escape(message)}$"):
            mirror.sync(store, "Candidate")
        write_embeddings(store, "Candidate", ids, ours, "v1")
        index = mirror.sync(store, "Candidate")
        assert mirror.last_action_ == "rebuilt" and index.model_version_ == "v1"
        assert mirror.sync(store, "Candidate") and mirror.last_action_ == "loaded"
