"""The FAISS mirror follows the graph: loaded when in step, rebuilt on mismatch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.retrieval.mirror import IndexMirror
from graph_schema.errors import NotTrainedError
from loaders.import_job import ImportJob, ImportOptions
from loaders.stores.ladybug import LadybugStore
from loaders.writeback import write_embeddings

TINY = Path(__file__).parents[1] / "data" / "tiny"


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
