"""Exploration cannot delete data: ``talentgraph cypher`` and ``MatchingEngine.query`` run
read-only, enforced by the store (a read-only transaction), and write only when asked to
(``--write`` / ``write=True``). Issue #7, item 6.

Each test runs on a real embedded store holding two candidates and one skill.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine import MatchingEngine, Settings
from engine.cli import app
from graph_schema.errors import ReadOnlyError
from loaders.stores.ladybug import LadybugStore

NEEDS_WRITE = "pass --write (CLI) or write=True (API) to let it write"
# Writes as a user might type them, one per kind; ``{csv}`` is a file of candidate ids.
WRITES = {
    "detach-delete": "MATCH (c:Candidate) DETACH DELETE c",
    "create": "CREATE (:Candidate {id: 'c3'})",
    "merge": "MERGE (:Candidate {id: 'c3'})",
    "set": "MATCH (c:Candidate) SET c.headline = 'gone'",
    # DDL and COPY are refused with or without --write: tests/security/test_store_surface.py
    "comments": "// looking only\nMATCH (c:Candidate) /* read */ DETACH DELETE c",
    "lowercase": "match (c:Candidate) detach delete c",
    "with-create": "WITH 1 AS x CREATE (:Candidate {id: 'c3'})",
}


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A store directory with candidates c1, c2, skill s1 and one HAS_SKILL edge."""
    path = tmp_path / "store"
    with LadybugStore(path) as store:
        store.ensure_schema()
        store.upsert_nodes("Candidate", [{"id": "c1", "headline": "Nurse"}, {"id": "c2"}])
        store.upsert_nodes("Skill", [{"id": "s1", "name": "Care"}])
        store.upsert_edges("HAS_SKILL", "Candidate", [{"src": "c1", "dst": "s1", "level": 0.5}])
    (tmp_path / "ids.csv").write_text("c9\n")
    return str(path)


def state(db: str) -> tuple:
    with LadybugStore(db) as store:
        return (
            store.node_counts(),
            store.relationship_counts(),
            store.run_text("MATCH (c:Candidate) RETURN c.id AS id, c.headline AS h ORDER BY id"),
            store.run_text("CALL SHOW_TABLES() RETURN name ORDER BY name"),
        )


def statement(kind: str, db: str) -> str:
    return WRITES[kind].replace("{csv}", (Path(db).parent / "ids.csv").as_posix())


@pytest.mark.parametrize("kind", list(WRITES))
def test_cli_cypher_refuses_a_write_without_write_flag(db: str, kind: str) -> None:
    before = state(db)
    result = CliRunner().invoke(app, ["cypher", statement(kind, db), "--db", db])
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())  # the console wraps long lines
    assert "tried to write, but queries run read-only" in output
    assert NEEDS_WRITE in output
    assert state(db) == before


def test_cli_cypher_file_with_a_write_is_refused(db: str, tmp_path: Path) -> None:
    query = tmp_path / "wipe.cypher"
    query.write_text("// Looks harmless. Returns nothing.\nMATCH (c:Candidate) DETACH DELETE c\n")
    before = state(db)
    result = CliRunner().invoke(app, ["cypher", str(query), "--db", db])
    assert result.exit_code == 2, result.output
    assert NEEDS_WRITE in " ".join(result.output.split())
    assert state(db) == before


def test_cli_cypher_writes_with_write_flag_and_reads_without(db: str) -> None:
    create = CliRunner().invoke(
        app, ["cypher", "CREATE (:Candidate {id: 'c3'})", "--write", "--db", db]
    )
    assert create.exit_code == 0, create.output
    assert state(db)[0]["Candidate"] == 3
    read = CliRunner().invoke(
        app, ["cypher", "MATCH (c:Candidate) RETURN c.id AS id ORDER BY id", "--json", "--db", db]
    )
    assert read.exit_code == 0, read.output
    assert '"id": "c3"' in read.output
    wipe = CliRunner().invoke(
        app, ["cypher", "MATCH (c:Candidate) DETACH DELETE c", "--write", "--db", db]
    )
    assert wipe.exit_code == 0, wipe.output
    assert "Candidate" not in state(db)[0]


@pytest.mark.parametrize("kind", list(WRITES))
def test_api_query_refuses_a_write_without_write_true(db: str, kind: str) -> None:
    before = state(db)
    with MatchingEngine.open(db, settings=Settings(db=db)) as eng:
        with pytest.raises(ReadOnlyError, match=re.escape(NEEDS_WRITE)):
            eng.query(statement(kind, db))
        # the engine's connection is still usable for reads
        assert eng.query("MATCH (c:Candidate) RETURN count(c) AS n") == [{"n": 2}]
    assert state(db) == before


def test_api_query_writes_with_write_true(db: str) -> None:
    with MatchingEngine.open(db, settings=Settings(db=db)) as eng:
        assert eng.query("MERGE (c:Candidate {id: 'c3'}) RETURN c.id AS id", write=True) == [
            {"id": "c3"}
        ]
        assert eng.stats()["nodes"]["Candidate"] == 3
        with pytest.raises(ReadOnlyError):
            eng.query("MATCH (c:Candidate {id: 'c3'}) DELETE c")
    assert state(db)[0]["Candidate"] == 3
