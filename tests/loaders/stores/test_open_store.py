"""``open_store`` and ``--db``: a mistyped store URI is refused, never created as a folder.

Supported Neo4j schemes match case-insensitively (``NEO4J://`` is ``neo4j://``); any other
``scheme://`` value, ``file://`` included, raises ConfigError before anything touches the disk.
Each test runs with ``tmp_path`` as the working directory and checks it stays empty.
Issue #7, item 14.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from graph_schema.errors import ConfigError, ReadOnlyError, StoreUnavailableError
from loaders.stores import NEO4J_SCHEMES, open_store
from loaders.stores.ladybug import LadybugStore

SCHEMES = "neo4j, neo4j+s, neo4j+ssc, bolt, bolt+s, bolt+ssc"


def refused(value: str, scheme: str) -> str:
    return (
        f"store {value!r} is a URI with scheme {scheme!r}, which no store supports; Neo4j takes "
        f"{SCHEMES} (e.g. neo4j://host:7687), and a directory path (no scheme, not file://) is "
        "the embedded LadybugDB store"
    )


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("value", "scheme"),
    [
        ("http://x", "http"),
        ("https://db.example.com:7473/browser", "https"),
        ("neo4j+x://host:7687", "neo4j+x"),
        ("NEO4J+X://host:7687", "NEO4J+X"),
        ("bolt+tls://host", "bolt+tls"),
        ("file:///tmp/store", "file"),
        ("file://store", "file"),
        ("s3://bucket/graph", "s3"),
        ("neo4j.s://host", "neo4j.s"),
    ],
)
def test_unsupported_uri_is_refused_and_nothing_is_created(
    cwd: Path, value: str, scheme: str
) -> None:
    with pytest.raises(ConfigError) as info:
        open_store(value)
    assert str(info.value) == refused(value, scheme)
    assert list(cwd.iterdir()) == []


@pytest.mark.parametrize(
    "value", ["NEO4J://127.0.0.1:1", "Bolt://127.0.0.1:1", "BOLT+S://127.0.0.1:1"]
)
def test_supported_schemes_match_in_any_case(cwd: Path, value: str) -> None:
    # Port 1 on loopback refuses at once: the value reached the Neo4j driver, normalised.
    scheme, rest = value.split("://", 1)
    with pytest.raises(StoreUnavailableError) as info:
        open_store(value)
    assert str(info.value).startswith(f"cannot reach Neo4j at {scheme.lower()}://{rest}: ")
    assert list(cwd.iterdir()) == []


def test_a_path_without_scheme_is_the_embedded_store(cwd: Path) -> None:
    for value in ("graph", "nested/graph:v2", str(cwd / "absolute")):
        with open_store(value) as store:
            assert isinstance(store, LadybugStore)
            assert store.path == Path(value)
    assert sorted(p.name for p in cwd.iterdir()) == ["absolute", "graph", "nested"]


def test_the_supported_schemes_are_the_neo4j_drivers() -> None:
    assert ", ".join(NEO4J_SCHEMES) == SCHEMES


@pytest.mark.parametrize(
    ("args", "value"),
    [
        (["stats", "--db", "http://x"], "http://x"),
        (["stats", "--db", "neo4j+x://host:7687"], "neo4j+x://host:7687"),
        (["cypher", "MATCH (n) RETURN count(n) AS n", "--db", "file:///tmp/tg"], "file:///tmp/tg"),
    ],
)
def test_cli_exits_non_zero_on_an_unsupported_uri(cwd: Path, args: list[str], value: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    scheme = value.split("://", 1)[0]
    assert refused(value, scheme) in " ".join(result.output.split())
    assert list(cwd.iterdir()) == []


# ------------------------------------------------- two handles on one store in one process
def test_two_handles_on_one_store_share_one_database(tmp_path: Path) -> None:
    """A second store object on an open directory sees the first one's writes at once and
    closing it leaves the first working (both use one LadybugDB database; two database
    objects on one file each kept their own view of it, see test_shared_store_handles)."""
    first = LadybugStore(tmp_path / "store")
    first.ensure_schema()
    second = LadybugStore(tmp_path / "store")
    first.upsert_nodes("Skill", [{"id": "s1", "name": "Python"}])
    assert second.node_counts().get("Skill") == 1
    second.upsert_nodes("Skill", [{"id": "s2", "name": "SQL"}])
    second.close()
    assert first.node_counts().get("Skill") == 2
    first.upsert_nodes("Skill", [{"id": "s3", "name": "Go"}])
    first.close()
    with LadybugStore(tmp_path / "store", read_only=True) as reopened:
        assert reopened.node_counts().get("Skill") == 3


def test_a_store_open_for_writing_is_shared_read_only_and_never_upgraded(
    tmp_path: Path,
) -> None:
    """A read-only store on a file this process writes shares the writer's database and
    cannot write through it; a read-only database is never reopened for writing."""
    with LadybugStore(tmp_path / "store") as writer:
        writer.ensure_schema()
        with LadybugStore(tmp_path / "store", read_only=True) as shared:
            with pytest.raises(ReadOnlyError):
                shared.upsert_nodes("Skill", [{"id": "s0", "name": "Rust"}])
            with pytest.raises(ReadOnlyError):
                shared.run_text("CREATE (:Skill {id: 's9', name: 'Go'})", write=True)
            assert shared.node_counts().get("Skill", 0) == 0
        writer.upsert_nodes("Skill", [{"id": "s1", "name": "Python"}])  # still usable
    with LadybugStore(tmp_path / "store", read_only=True) as reader:
        with pytest.raises(StoreUnavailableError, match="already has it open read-only"):
            LadybugStore(tmp_path / "store")
        assert reader.node_counts().get("Skill") == 1
