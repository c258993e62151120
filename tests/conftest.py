"""Shared fixtures: the ``store`` fixture runs each contract test on every backend;
``tiny_store_ro`` is ``tests/data/tiny`` imported once per run and opened read-only;
``trained_engine`` is one small store trained with the default pipeline, once per run.

``ladybug`` is a fresh embedded database in ``tmp_path``. ``neo4j`` needs a running server
named by ``TALENTGRAPH_NEO4J_URI`` (user and password from ``TALENTGRAPH_NEO4J_USER`` and
``TALENTGRAPH_NEO4J_PASSWORD``; see docs/neo4j.md); without it the case is skipped with a
reason that ``pytest -ra`` prints. The Neo4j database is emptied before each test, and its
sensitive store is a file in ``tmp_path`` (never the user's state folder).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine import MatchingEngine, Settings
from engine.options import TrainOptions
from engine.results import TrainReport
from graph_schema import SCHEMA
from loaders.import_job import ImportJob, ImportOptions
from loaders.stores.base import GraphStore
from loaders.stores.ladybug import LadybugStore
from synthetic import generate

TINY = Path(__file__).parent / "data" / "tiny"

NEO4J_SKIP = "TALENTGRAPH_NEO4J_URI is not set: Neo4j contract tests skipped"


def _open(backend: str, tmp_path: Path) -> GraphStore:
    if backend == "ladybug":
        return LadybugStore(tmp_path / "store")
    uri = os.environ.get("TALENTGRAPH_NEO4J_URI")
    if not uri:
        pytest.skip(NEO4J_SKIP)
    from loaders.stores.neo4j import Neo4jStore

    password = os.environ.get("TALENTGRAPH_NEO4J_PASSWORD")
    user = os.environ.get("TALENTGRAPH_NEO4J_USER", "neo4j")
    auth = (user, password) if password else None
    store = Neo4jStore(uri, auth=auth, sensitive_dir=tmp_path / "sensitive")
    store.drop_all()
    return store


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store with the schema applied, on each backend."""
    graph = _open(request.param, tmp_path)
    try:
        graph.ensure_schema()
        yield graph
    finally:
        graph.close()


@pytest.fixture(scope="session")
def tiny_store_ro(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LadybugStore]:
    """tests/data/tiny imported once into a fresh store, reopened read-only."""
    path = tmp_path_factory.mktemp("tiny") / "store"
    with LadybugStore(path) as store:
        report = ImportJob(store, ImportOptions(progress=False, as_of="2025-01")).run(TINY)
    assert report.quarantined == 0, report.rejections
    with LadybugStore(path, read_only=True) as store:
        yield store


def dump_graph(store: GraphStore) -> dict[str, list[str]]:
    """Every node (all properties) and relationship (endpoints and properties) of the
    store, and every row of its sensitive store, sorted: two stores hold the same data
    exactly when their dumps are equal."""
    out: dict[str, list[str]] = {}
    for spec in SCHEMA.nodes:
        rows = store.run_text(f"MATCH (n:{spec.label}) RETURN n.*")
        out[spec.label] = sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)
    for rel in SCHEMA.relationships:
        rows = store.run_text(f"MATCH (a)-[r:{rel.type}]->(b) RETURN a.id, b.id, r.*")
        out[rel.type] = sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)
    rows = store.read_sensitive(purpose="audit")
    out["sensitive store"] = [json.dumps(r, sort_keys=True) for r in rows]
    return out


@pytest.fixture(scope="session")
def graph_dump() -> Callable[[GraphStore], dict[str, list[str]]]:
    """``dump_graph`` as a fixture (test modules cannot import each other)."""
    return dump_graph


# ``trained_engine`` generates a scale-0.02 dataset (400 candidates, 60 roles, seed 0), imports
# it into a real embedded store and trains it once per test session with the default options
# and short budgets; nothing is mocked. Tests must not write to it (open their own store for
# that).
DEFAULT_FAST = TrainOptions(finetune_epochs=3, progress=False)
"""The default pipeline (adapter, hard and weak negatives, merit scorer) with a short budget."""


@dataclass(frozen=True)
class TrainedEngine:
    eng: MatchingEngine
    report: TrainReport
    data: Path
    root: Path


@pytest.fixture(scope="session")
def trained_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainedEngine]:
    root = tmp_path_factory.mktemp("trained-engine")
    data = root / "data"
    generate(data, scale=0.02, seed=0, progress=False)
    settings = Settings(db=str(root / "store"), train=DEFAULT_FAST)
    eng = MatchingEngine.open(root / "store", settings=settings)
    eng.import_dataset(data, ImportOptions(progress=False))
    report = eng.train(seed=0)
    yield TrainedEngine(eng, report, data, root)
    eng.close()
