"""The sensitive store: a private SQLite file beside the graph, the only place sensitive
attributes are kept (issue #7: no quarantine, log, model or cache file under a store holds a
sensitive value in clear text, the audit-only sensitive store aside).

The file itself (modes, read-only use, atomic replace, deleted values overwritten), where a
Neo4j store keeps it, what an import writes there (changed rows replace, removed candidates
lose theirs, attributes of a candidate never written are dropped), the migration of a
LadybugDB store that kept them in the graph (rows moved, table dropped, database rewritten so
that no byte of them is left), and a byte scan of every file of an imported store.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from graph_schema.errors import SchemaError, StoreError
from loaders.graph_buffer import GraphBuffer
from loaders.graph_writer import Stage, write_stage
from loaders.import_job import ImportJob, ImportOptions
from loaders.private_files import user_state_dir
from loaders.sensitive_store import (
    FORMAT_VERSION,
    SENSITIVE_FILE,
    SensitiveStore,
    server_sensitive_path,
)
from loaders.stores.ladybug import DB_FILE, REBUILD_DIR, REBUILD_PENDING, LadybugStore

TINY = Path(__file__).parents[1] / "data" / "tiny"
OPTIONS = ImportOptions(progress=False, as_of="2025-01")
# Values found nowhere else, so that a byte scan for them means something.
DISTINCT = {"female": "Zebrafemme", "male": "Okapimasc", "non-binary": "Axolotlenby"}
MARKERS = (*DISTINCT.values(), "Wombatian", "Quokkan", "Numbatic", "Dugongese")


def _row(i: str, **attrs: str | None) -> dict[str, str | None]:
    empty = dict.fromkeys(("gender", "age_band", "ethnicity", "disability", "nationality"))
    return {"id": i, **empty, **attrs}


# -- the file -------------------------------------------------------------------------------
def test_the_file_is_private_and_created_on_first_write(tmp_path: Path) -> None:
    path = tmp_path / "state" / "sensitive" / "x.sqlite"
    store = SensitiveStore(path)
    assert store.read("audit") == [] and not path.exists()  # reading creates nothing
    assert store.upsert([{"id": "c2", "gender": "f"}, {"id": "c1", "age_band": "25-34"}]) == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert store.read("audit") == [_row("c1", age_band="25-34"), _row("c2", gender="f")]
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.sqlite"]  # no journal left


def test_read_only_never_writes(tmp_path: Path) -> None:
    path = tmp_path / SENSITIVE_FILE
    assert SensitiveStore(path, read_only=True).read("audit") == []
    SensitiveStore(path).upsert([{"id": "c1", "gender": "f"}])
    reader = SensitiveStore(path, read_only=True)
    assert reader.read("audit") == [_row("c1", gender="f")]
    with pytest.raises(StoreError, match="write failed: opened read-only"):
        reader.upsert([{"id": "c2"}])


def test_replace_is_one_transaction(tmp_path: Path) -> None:
    store = SensitiveStore(tmp_path / SENSITIVE_FILE)
    store.upsert([{"id": "c1", "gender": "f", "nationality": "x"}])
    with pytest.raises(SchemaError):
        store.replace(["c1"], [{"id": "c1", "gender": 1}])
    assert store.read("audit") == [_row("c1", gender="f", nationality="x")]  # nothing changed
    # a changed row replaces every attribute: one it leaves out is gone
    assert store.replace(["c1"], [{"id": "c1", "gender": "m"}]) == 1
    assert store.read("audit") == [_row("c1", gender="m")]


def test_deleted_values_are_overwritten_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / SENSITIVE_FILE
    store = SensitiveStore(path)
    store.upsert([{"id": f"c{i}", "nationality": f"Wombatian {i}"} for i in range(500)])
    store.replace([f"c{i}" for i in range(500)], [{"id": "c1", "gender": "Okapimasc"}])
    data = path.read_bytes()
    assert b"Wombatian" not in data and b"Okapimasc" in data


def test_a_newer_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / SENSITIVE_FILE
    SensitiveStore(path).upsert([{"id": "c1"}])
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {FORMAT_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this talentgraph reads"):
        SensitiveStore(path).read("audit")


def test_a_server_store_keeps_it_in_the_user_state_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert server_sensitive_path("neo4j://db.example:7688", "talent", None) == (
        tmp_path / "state" / "talentgraph" / "sensitive" / "db.example-7688-talent.sqlite"
    )
    assert server_sensitive_path("bolt+s://h", None, tmp_path / "s") == (
        tmp_path / "s" / "h-7687-default.sqlite"
    )
    assert server_sensitive_path("neo4j://h:1", "a/../b", "/x").name == "h-1-a_.._b.sqlite"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")  # not absolute: ignored (XDG spec)
    assert user_state_dir() == Path.home() / ".local" / "state" / "talentgraph"


# -- what an import writes ------------------------------------------------------------------
def _buffer(*rows: dict[str, str]) -> GraphBuffer:
    buffer = GraphBuffer()
    for row in rows:
        buffer.node("Candidate", {"id": row["id"]})
    import pyarrow as pa

    buffer.extend_sensitive(pa.Table.from_pylist(list(rows)))
    return buffer


def test_the_writer_replaces_changed_and_drops_removed_rows(tmp_path: Path) -> None:
    with LadybugStore(tmp_path / "store") as store:
        store.ensure_schema()
        first = _buffer(
            {"id": "c1", "gender": "f", "age_band": "25-34"}, {"id": "c2", "gender": "m"}
        )
        write_stage(
            store, Stage(first, digests={"Candidate": [("c1", "h1"), ("c2", "h2")]}), {}, {}
        )
        assert store.read_sensitive("audit") == [
            _row("c1", gender="f", age_band="25-34"),
            _row("c2", gender="m"),
        ]
        second = _buffer({"id": "c1", "gender": "x"})
        stage = Stage(second, changed={"Candidate": ["c1"]}, removed={"Candidate": ["c2"]})
        write_stage(store, stage, store.node_counts(), {})
        assert store.read_sensitive("audit") == [_row("c1", gender="x")]
        assert store.node_ids("Candidate") == ["c1"]


def test_an_import_keeps_no_attributes_of_a_candidate_the_graph_lacks(tmp_path: Path) -> None:
    """Attributes a killed import wrote for a candidate whose node it never wrote are
    dropped by the next import."""
    with LadybugStore(tmp_path / "store") as store:
        ImportJob(store, OPTIONS).run(TINY)
        store.sensitive_store.upsert([{"id": "ghost", "gender": "Okapimasc"}])
        ImportJob(store, OPTIONS).run(TINY)
        ids = [r["id"] for r in store.read_sensitive("audit")]
    assert "ghost" not in ids and len(ids) == 10


# -- migration of a store that kept them in the graph ----------------------------------------
def _dump(store: LadybugStore, graph_dump) -> dict[str, list[str]]:
    dump = graph_dump(store)
    del dump["sensitive store"]
    return dump


def _files_holding(root: Path, markers: tuple[str, ...], skip: str = SENSITIVE_FILE) -> dict:
    """{file: markers found} for every file under ``root`` but the sensitive store."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(skip):
            data = path.read_bytes()
            hits = [m for m in markers if m.encode() in data]
            if hits:
                found[str(path.relative_to(root))] = hits
    return found


def test_a_ladybug_store_with_the_old_label_is_migrated(tmp_path: Path, graph_dump) -> None:
    """An older store: the attributes as a SensitiveAttributes table, no sensitive store.
    On ensure_schema the rows move, the table is dropped, and the database is rewritten:
    the graph is unchanged and no byte of the attributes is left in its files."""
    root = tmp_path / "store"
    with LadybugStore(root) as store:
        ImportJob(store, OPTIONS).run(TINY)
        expected = [
            {**r, "gender": DISTINCT[r["gender"]], "nationality": "Wombatian"}
            for r in store.read_sensitive("audit")
        ]
        before = _dump(store, graph_dump)
        store._execute(  # DDL: ad-hoc Cypher refuses it, even with write=True
            "CREATE NODE TABLE SensitiveAttributes(`id` STRING PRIMARY KEY, `gender` STRING, "
            "`age_band` STRING, `ethnicity` STRING, `disability` STRING, `nationality` STRING)"
        )
        store.run_text(
            "UNWIND $rows AS r CREATE (:SensitiveAttributes {id: r.id, gender: r.gender, "
            "age_band: r.age_band, nationality: r.nationality})",
            {"rows": expected},
            write=True,
        )
    (root / SENSITIVE_FILE).unlink()
    assert _files_holding(root, MARKERS) == {
        DB_FILE: ["Zebrafemme", "Okapimasc", "Axolotlenby", "Wombatian"]
    }

    with LadybugStore(root) as store:
        store.ensure_schema()
        assert store.read_sensitive("audit") == expected
        assert _dump(store, graph_dump) == before
        assert (
            store.run_text("CALL SHOW_TABLES() WHERE name = 'SensitiveAttributes' RETURN *") == []
        )
    assert _files_holding(root, MARKERS) == {}
    assert not (root / REBUILD_PENDING).exists() and not (root / REBUILD_DIR).exists()


def test_a_rewrite_cut_short_is_done_again(tmp_path: Path, graph_dump) -> None:
    """Killed mid-rewrite: the marker is still there and a half-written copy lies around;
    the next ensure_schema rewrites again and removes both."""
    root = tmp_path / "store"
    with LadybugStore(root) as store:
        ImportJob(store, OPTIONS).run(TINY)
        before = graph_dump(store)
    (root / REBUILD_PENDING).touch()
    (root / REBUILD_DIR).mkdir()
    (root / REBUILD_DIR / DB_FILE).write_bytes(b"half a database")
    with LadybugStore(root) as store:
        store.ensure_schema()
        assert graph_dump(store) == before
    assert not (root / REBUILD_PENDING).exists() and not (root / REBUILD_DIR).exists()


# -- no sensitive value in any other file of a store -----------------------------------------
def distinctive_dataset(target: Path) -> Path:
    """tests/data/tiny with distinctive sensitive values, one more candidate with every
    attribute set, and one quarantined row carrying sensitive values."""
    shutil.copytree(TINY, target, ignore=shutil.ignore_patterns("*.md"))
    path = target / "candidates.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    for row in rows:
        row["sensitive"]["gender"] = DISTINCT[row["sensitive"]["gender"]]
    extra = {
        "gender": "Zebrafemme",
        "age_band": "25-34",
        "ethnicity": "Quokkan",
        "disability": "Numbatic",
        "nationality": "Wombatian",
    }
    rows.append({**rows[0], "id": "c-extra", "sensitive": extra})
    bad = {"id": "c-bad", "skills": [{"skill": "python", "level": 7}]}
    rows.append({**bad, "sensitive": {"gender": "Okapimasc", "nationality": "Dugongese"}})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return target


def assert_no_sensitive_value_outside_the_sensitive_store(root: Path) -> None:
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files and (root / SENSITIVE_FILE).is_file()
    assert _files_holding(root, MARKERS) == {}
    # the check finds the values where they are
    assert set(_files_holding(root, MARKERS, skip="none")) == {SENSITIVE_FILE}


def test_an_imported_store_holds_no_sensitive_value_outside_its_sensitive_store(
    tmp_path: Path,
) -> None:
    data = distinctive_dataset(tmp_path / "data")
    root = tmp_path / "store"
    with LadybugStore(root) as store:
        report = ImportJob(store, OPTIONS).run(data)
        assert report.quarantined == 1 and Path(report.quarantine_file).is_relative_to(root)
        rows = {r["id"]: r for r in store.read_sensitive("audit")}
        assert rows["c-extra"]["nationality"] == "Wombatian" and len(rows) == 11
        graph = repr(
            [store.run_text(q) for q in ("MATCH (n) RETURN n", "MATCH ()-[r]->() RETURN r")]
        )
    assert not [m for m in MARKERS if m in graph]
    assert_no_sensitive_value_outside_the_sensitive_store(root)


@pytest.mark.slow
def test_a_trained_store_holds_no_sensitive_value_outside_its_sensitive_store(
    tmp_path: Path,
) -> None:
    """Import, then train (adversary and probe on, so gender is read for the adversary's
    target): the graph, its embeddings, the models, the FAISS index, the text-embedding
    cache and the quarantine hold none of the values."""
    from engine import MatchingEngine, Settings
    from engine.options import TrainOptions

    fast = TrainOptions(
        finetune_epochs=3, gnn=True, gnn_epochs=4, scorer_iterations=60, progress=False
    )
    data = distinctive_dataset(tmp_path / "data")
    root = tmp_path / "store"
    with MatchingEngine.open(root, settings=Settings(db=str(root), train=fast)) as eng:
        eng.import_dataset(data, OPTIONS)
        report = eng.train(seed=0)
    assert report.nexus["probe"]["n_groups"] == 3  # gender was read, for the probe
    names = {p.relative_to(root).parts[0] for p in root.rglob("*") if p.is_file()}
    assert {DB_FILE, SENSITIVE_FILE, "models", "quarantine"} <= names
    assert_no_sensitive_value_outside_the_sensitive_store(root)
