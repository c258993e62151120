"""Write-back of embeddings as node properties; schema migration of older stores."""

from __future__ import annotations

from pathlib import Path

import ladybug
import numpy as np
import pytest

from graph_schema import SCHEMA
from graph_schema.errors import ConfigError
from loaders.import_job import ImportJob, ImportOptions
from loaders.stores.ladybug import DB_FILE, LadybugStore
from loaders.writeback import read_embeddings, write_embeddings

TINY = Path(__file__).parents[1] / "data" / "tiny"
OPTIONS = ImportOptions(progress=False, as_of="2025-01")


def test_embeddings_round_trip_and_survive_a_reimport(tmp_path: Path) -> None:
    with LadybugStore(tmp_path / "store") as store:
        ImportJob(store, OPTIONS).run(TINY)
        vectors = np.arange(12, dtype=np.float64).reshape(3, 4) / 10
        assert write_embeddings(store, "Candidate", ["c1", "c2", "c3"], vectors, "v1") == 3
        ImportJob(store, OPTIONS).run(TINY)  # imports never touch derived properties
        ids, matrix, versions = read_embeddings(store, "Candidate")
    assert ids == ["c1", "c2", "c3"] and versions == ["v1"] * 3
    np.testing.assert_allclose(matrix, vectors.astype(np.float32))


def test_write_embeddings_validates_its_arguments(tmp_path: Path) -> None:
    with LadybugStore(tmp_path / "store") as store:
        store.ensure_schema()
        with pytest.raises(ConfigError, match="label 'Domain' has no embedding property"):
            write_embeddings(store, "Domain", ["d"], np.ones((1, 2)), "v1")
        with pytest.raises(ConfigError, match="2 ids but 1 embedding rows"):
            write_embeddings(store, "Skill", ["a", "b"], np.ones((1, 2)), "v1")


def test_ensure_schema_adds_properties_to_an_older_store(tmp_path: Path) -> None:
    path = tmp_path / "store"
    path.mkdir()
    db = ladybug.Database(str(path / DB_FILE))
    conn = ladybug.Connection(db)
    conn.execute("CREATE NODE TABLE Candidate(id STRING PRIMARY KEY, headline STRING)")
    conn.close()
    db.close()
    with LadybugStore(path) as store:
        store.ensure_schema()
        columns = {r["name"] for r in store.run("table_columns", label="Candidate")}
    assert columns == {"id", *SCHEMA.node("Candidate").property_names}
