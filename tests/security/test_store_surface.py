"""What a query, a ``--db`` value and an import may touch. Issue 16, items 1, 3 and 6.

1. Ad-hoc Cypher (``talentgraph cypher``, ``MatchingEngine.query``, every ``run_text``) reads
   the graph and, with ``--write``, changes its nodes and relationships; it never reads or
   writes a file (COPY, LOAD FROM, LOAD CSV), loads an extension, changes a setting,
   attaches a database, changes the schema or controls transactions: the statement guard
   (``loaders.stores.statement_guard``) refuses such a clause by name, with or without
   ``--write``, on both stores, before anything reaches the store.
3. Commands other than ``import`` create and chmod nothing: a missing store, or a folder
   that is none, is an error naming the path. ``import`` creates a store only as a new
   folder (0700), in an empty folder (its mode kept) or where a store is; a folder holding
   other files is refused by name. A malformed ``--db`` (``neo4j:/x``, ``bolt:``, blank,
   ``-``) is a ConfigError naming it. ``private_dir`` never chmods a folder it did not
   create (``--quarantine-dir`` included).
6. A stored profile that an import removes because it now describes a minor is in no file
   under the store: LadybugDB keeps deleted rows' bytes in its pages (CHECKPOINT or
   overwriting the values first does not remove them), so the import rewrites the database.

Stores are real databases on disk; the Neo4j cases of the ``store`` fixture run when
``TALENTGRAPH_NEO4J_URI`` is set.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine import MatchingEngine, Settings
from engine.cli import app
from graph_schema.errors import ConfigError, StatementRefusedError
from loaders.import_job import ImportJob, ImportOptions
from loaders.private_files import private_dir
from loaders.stores import cypher, open_store
from loaders.stores.base import GraphStore
from loaders.stores.ladybug import (
    DB_FILE,
    NO_STORE,
    NOT_A_STORE,
    REBUILD_PENDING,
    LadybugStore,
)
from loaders.stores.statement_guard import REFUSED, UNREADABLE, check_statement, procedures
from loaders.stores.target import BLANK_TARGET, DASH_TARGET, MALFORMED_URI, PADDED_TARGET

PROFILE_COLUMNS = "COPY (MATCH (c:Candidate) RETURN c.id, c.headline, c.summary) TO '{out}'"


def refused(text: str, clause: str, dialect: str = "ladybug") -> str:
    """The exact refusal of ``text`` for ``clause`` (the statement shown is its first line
    that is not a ``//`` comment, cut to 80 characters)."""
    lines = (line.strip() for line in text.splitlines())
    head = next(line for line in lines if line and not line.startswith("//"))[:80]
    return REFUSED.format(statement=head, clause=clause, procedures=procedures(dialect))


def flat(output: str) -> str:
    return " ".join(output.split())  # the console wraps long lines


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A store with candidates c1 (a profile) and c2."""
    path = tmp_path / "store"
    with LadybugStore(path) as store:
        store.ensure_schema()
        store.upsert_nodes(
            "Candidate",
            [{"id": "c1", "headline": "Nurse", "summary": "Private summary"}, {"id": "c2"}],
        )
    return str(path)


# -- 1. read-only Cypher touches no file ----------------------------------------------------
@pytest.mark.parametrize("flags", [[], ["--write"]], ids=["read", "write"])
def test_cli_copy_to_writes_no_file(db: str, tmp_path: Path, flags: list[str]) -> None:
    out = tmp_path / "x.csv"
    text = PROFILE_COLUMNS.format(out=out)
    result = CliRunner().invoke(app, ["cypher", text, "--db", db, *flags])
    assert result.exit_code == 2, result.output
    assert refused(text, "COPY") in flat(result.output)
    assert not out.exists()


@pytest.mark.parametrize("flags", [[], ["--write"]], ids=["read", "write"])
def test_cli_load_from_prints_no_file(db: str, tmp_path: Path, flags: list[str]) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$SECRETHASH:19000:0:99999:7:::\n")
    text = f"LOAD FROM '{secret}' (file_format='csv', header=false, delim=':') RETURN *"
    result = CliRunner().invoke(app, ["cypher", text, "--db", db, *flags])
    assert result.exit_code == 2, result.output
    assert refused(text, "LOAD FROM") in flat(result.output)
    assert "SECRETHASH" not in result.output


def test_api_query_refuses_copy_with_write_true(db: str, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    text = PROFILE_COLUMNS.format(out=out)
    with MatchingEngine.open(db, settings=Settings(db=db), create=False) as eng:
        with pytest.raises(StatementRefusedError) as info:
            eng.query(text, write=True)
        assert str(info.value) == refused(text, "COPY")
        assert eng.query("MATCH (c:Candidate) RETURN count(c) AS n") == [{"n": 2}]
    assert not out.exists()


# Statements no query may run, per dialect, with the clause the refusal names. ``{dir}`` is
# a folder of the test's; None: the dialect has no such statement.
REFUSED_STATEMENTS: dict[str, dict[str, tuple[str, str] | None]] = {
    "copy-to": {
        "ladybug": ("COPY (MATCH (c:Candidate) RETURN c.summary) TO '{dir}/out.csv'", "COPY"),
        "neo4j": None,
    },
    "copy-from": {"ladybug": ("COPY Candidate(id) FROM '{dir}/ids.csv'", "COPY"), "neo4j": None},
    "load-from": {
        "ladybug": ("LOAD FROM '{dir}/ids.csv' (header=false) RETURN *", "LOAD FROM"),
        "neo4j": ("LOAD CSV FROM 'file:///ids.csv' AS row RETURN row", "LOAD CSV FROM"),
    },
    "load-after-with": {
        "ladybug": ("MATCH (c:Candidate) WITH * LOAD FROM '{dir}/ids.csv' RETURN *", "LOAD FROM"),
        "neo4j": ("MATCH (c:Candidate) WITH * LOAD CSV FROM 'file:///x' AS r RETURN r", "LOAD CSV FROM"),
    },
    "load-hidden-after-not": {
        "ladybug": ("MATCH (c) WITH c WHERE NOT c.id LOAD FROM '{dir}/ids.csv' RETURN *", "LOAD FROM"),
        "neo4j": None,
    },
    "load-after-a-keyword-as-name": {
        "ladybug": (
            "UNWIND [false] AS match WITH match WHERE NOT match LOAD FROM '{dir}/ids.csv' RETURN *",
            "LOAD FROM",
        ),
        "neo4j": ("WHEN true THEN LOAD CSV FROM 'file:///x' AS r RETURN r", "WHEN"),
    },
    "load-extension": {"ladybug": ("load extension httpfs", "LOAD EXTENSION"), "neo4j": None},
    "install": {"ladybug": ("INSTALL httpfs", "INSTALL"), "neo4j": None},
    "attach": {"ladybug": ("ATTACH '{dir}/other.lbdb' AS other (dbtype lbug)", "ATTACH"), "neo4j": None},
    "detach-database": {"ladybug": ("DETACH other", "DETACH"), "neo4j": None},
    "use": {"ladybug": ("USE other", "USE"), "neo4j": ("USE system SHOW USERS", "USE")},
    "export-database": {"ladybug": ("EXPORT DATABASE '{dir}/dump'", "EXPORT DATABASE"), "neo4j": None},
    "import-database": {"ladybug": ("IMPORT DATABASE '{dir}/dump'", "IMPORT DATABASE"), "neo4j": None},
    "call-setting": {"ladybug": ("CALL threads=1", "CALL threads"), "neo4j": None},
    "call-read-setting": {
        "ladybug": ("CALL current_setting('home_directory') RETURN *", "CALL current_setting"),
        "neo4j": ("CALL dbms.listConfig() YIELD name RETURN name", "CALL dbms.listConfig"),
    },
    "call-plugin": {
        "ladybug": None,
        "neo4j": ("CALL apoc.load.json('file:///x.json') YIELD value RETURN value", "CALL apoc.load.json"),
    },
    "plugin-function": {
        "ladybug": None,
        "neo4j": (
            "RETURN apoc.cypher.runFirstColumnSingle('RETURN 1', {}) AS x",
            "the function apoc.cypher.runFirstColumnSingle",
        ),
    },
    "subquery-load": {
        "ladybug": None,
        "neo4j": ("CALL { LOAD CSV FROM 'file:///x' AS r RETURN r } RETURN r", "LOAD CSV FROM"),
    },
    "checkpoint": {"ladybug": ("CHECKPOINT", "CHECKPOINT"), "neo4j": None},
    "begin": {"ladybug": ("BEGIN TRANSACTION", "BEGIN TRANSACTION"), "neo4j": None},
    "commit-then-delete": {
        "ladybug": ("COMMIT; MATCH (c:Candidate) DETACH DELETE c", "COMMIT"),
        "neo4j": None,
    },
    "second-statement": {
        "ladybug": ("MATCH (c:Candidate) RETURN c.id;\nCOPY Candidate FROM '{dir}/ids.csv'", "COPY"),
        "neo4j": None,
    },
    "ddl-create": {
        "ladybug": ("CREATE NODE TABLE Intruder(id STRING, PRIMARY KEY(id))", "CREATE NODE TABLE"),
        "neo4j": ("CREATE INDEX intruder FOR (n:Candidate) ON (n.headline)", "CREATE INDEX"),
    },
    "ddl-drop": {
        "ladybug": ("DROP TABLE HAS_SKILL", "DROP TABLE"),
        "neo4j": ("DROP CONSTRAINT candidate_id_unique", "DROP CONSTRAINT"),
    },
    "ddl-alter": {
        "ladybug": ("ALTER TABLE Candidate ADD intruder INT64", "ALTER TABLE"),
        "neo4j": ("SHOW SETTINGS YIELD name RETURN name", "SHOW SETTINGS"),
    },
    "dressed-up": {
        "ladybug": ("// just looking\ncopy /* read */ Candidate FROM '{dir}/ids.csv'", "COPY"),
        "neo4j": ("// just looking\nload /* read */ csv FROM 'file:///x' AS r RETURN r", "LOAD CSV FROM"),
    },
}  # fmt: skip


@pytest.mark.parametrize("kind", list(REFUSED_STATEMENTS))
def test_refused_statements_never_reach_the_store(
    store: GraphStore, kind: str, tmp_path: Path
) -> None:
    entry = REFUSED_STATEMENTS[kind][store.dialect]
    if entry is None:
        pytest.skip(f"{store.dialect} has no {kind} statement")
    files = tmp_path / "files"
    files.mkdir()
    (files / "ids.csv").write_text("intruder\n")
    text, clause = entry[0].replace("{dir}", files.as_posix()), entry[1]
    store.upsert_nodes("Candidate", [{"id": "c1", "summary": "Private summary"}])
    before = (store.node_counts(), store.run_text("MATCH (c:Candidate) RETURN c.id, c.summary"))
    for write in (False, True):
        with pytest.raises(StatementRefusedError) as info:
            store.run_text(text, write=write)
        assert str(info.value) == refused(text, clause, store.dialect)
    after = (store.node_counts(), store.run_text("MATCH (c:Candidate) RETURN c.id, c.summary"))
    assert after == before
    assert sorted(p.name for p in files.iterdir()) == ["ids.csv"]


UNREADABLE_STATEMENTS = {
    # Neo4j ends this comment at "**/", LadybugDB does not: each would run other text
    "comment-ends-differ": (
        "/* **/ ' */ COPY (MATCH (c) RETURN c.summary) TO '/tmp/x.csv' // '",
        "a /* comment at offset 0 that the stores end at different places",
    ),
    "lone-carriage-return": (
        "MATCH (c) RETURN c.id // x\rCOPY (MATCH (c) RETURN c) TO '/tmp/x.csv'",
        "a // comment at offset 22 ended by a lone carriage return",
    ),
    "unterminated-string": (
        "MATCH (c) RETURN 'x\\' AS a",
        "an unterminated string at offset 17",
    ),
    "unterminated-comment": (
        "MATCH (c) RETURN c /* COPY",
        "an unterminated /* comment at offset 19",
    ),
    "semicolon-in-brackets": ("RETURN [1; COPY x]", "a ';' inside brackets at offset 9"),
}


@pytest.mark.parametrize("kind", list(UNREADABLE_STATEMENTS))
def test_statements_the_stores_could_read_differently_are_refused(kind: str) -> None:
    text, problem = UNREADABLE_STATEMENTS[kind]
    with pytest.raises(StatementRefusedError) as info:
        check_statement(text, "ladybug")
    head = text.splitlines()[0][:80]
    assert str(info.value) == UNREADABLE.format(statement=head, problem=problem)


def test_reads_with_keywords_in_strings_names_and_comments_still_run(
    tiny_store_ro: LadybugStore,
) -> None:
    rows = tiny_store_ro.run_text(
        "// COPY (MATCH (c) RETURN c) TO 'x'\n"
        "MATCH (c:Candidate {id: 'c1'}) /* LOAD FROM 'y' */\n"
        "WHERE EXISTS { MATCH (c)-[:HAS_SKILL]->(:Skill) } AND NOT c.id IN ['x']\n"
        "RETURN c.headline AS `COPY`, 'LOAD FROM \\'z\\'' AS load_text,\n"
        "       CASE WHEN c.id = 'c1' THEN 2 * 3 ELSE -1 END AS six"
    )
    assert rows == [{"COPY": "ER nurse", "load_text": "LOAD FROM 'z'", "six": 6}]
    tables = tiny_store_ro.run_text("CALL SHOW_TABLES() WHERE name = 'Candidate' RETURN name")
    assert tables == [{"name": "Candidate"}]


def _catalog(dialect: str) -> dict[str, str]:
    """Every catalog query of ``dialect`` by name, templates filled with sample names."""
    root = Path(str(resources.files("cypher")))
    names = set()
    for path in root.rglob("*.cypher"):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[0] in cypher.DIALECTS:
            if parts[0] != dialect:
                continue
            parts = parts[1:]
        names.add("/".join(parts))
    fill = {"{{label}}": "Candidate", "{{type}}": "HAS_SKILL", "{{pair}}": ""}
    out = {}
    for name in sorted(names):
        text = cypher.query(name, dialect)
        for key, value in fill.items():
            text = text.replace(key, value)
        out[name] = text
    return out


# Catalog statements the guard refuses: the engine runs them through the stores' primitives
# (_execute, _copy, write_table), never through run/run_text/run_table.
INTERNAL = {
    "ladybug": {
        "bulk_copy_nodes",
        "bulk_copy_edges",
        "migrate/drop_legacy_sensitive",
        "set_embeddings",
        "set_row_hashes",
        *(n for n in _catalog("ladybug") if n.startswith("upsert_")),
    },
    "neo4j": {"await_indexes", "migrate/drop_legacy_sensitive"},
}


@pytest.mark.parametrize("dialect", cypher.DIALECTS)
def test_every_catalog_query_passes_the_guard_but_the_internal_ones(dialect: str) -> None:
    refused_names = set()
    for name, text in _catalog(dialect).items():
        try:
            check_statement(text, dialect)
        except StatementRefusedError:
            refused_names.add(name)
    assert refused_names == INTERNAL[dialect]
    assert {"explore/skill_paths", "explore/talent_flows"} <= set(_catalog(dialect))


# -- 3. folders it does not own -------------------------------------------------------------
@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _dataset(folder: Path, candidates: list[dict], bad_row: bool = False) -> Path:
    folder.mkdir(parents=True)
    lines = [json.dumps(c) for c in candidates] + (['{"id": 7}'] if bad_row else [])
    (folder / "candidates.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "roles.jsonl").write_text(json.dumps({"id": "r1", "title": "Nurse"}) + "\n")
    return folder


def _shared(path: Path, *files: str) -> Path:
    """A shared folder (mode 1777, like /tmp) holding ``files``."""
    path.mkdir()
    for name in files:
        (path / name).write_text("someone else's\n")
    os.chmod(path, 0o1777)
    return path


@pytest.mark.parametrize(
    "command", [["stats"], ["cypher", "MATCH (n) RETURN count(n) AS n"], ["train"]]
)
def test_commands_other_than_import_leave_a_folder_that_is_no_store_alone(
    tmp_path: Path, command: list[str]
) -> None:
    shared = _shared(tmp_path / "shared", "notes.txt")
    result = CliRunner().invoke(app, [*command, "--db", str(shared)])
    assert result.exit_code == 2, result.output
    reason = f"the folder holds no {DB_FILE}"
    assert NO_STORE.format(path=shared, reason=reason) in flat(result.output)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert sorted(p.name for p in shared.iterdir()) == ["notes.txt"]


def test_a_read_command_on_a_missing_store_creates_nothing(cwd: Path) -> None:
    result = CliRunner().invoke(app, ["stats", "--db", "missing"])
    assert result.exit_code == 2, result.output
    assert NO_STORE.format(path="missing", reason="no such folder") in flat(result.output)
    assert list(cwd.iterdir()) == []


MALFORMED = {
    "neo4j:/x": MALFORMED_URI.format(value="neo4j:/x", scheme="neo4j"),
    "bolt:": MALFORMED_URI.format(value="bolt:", scheme="bolt"),
    "NEO4J:host:7687": MALFORMED_URI.format(value="NEO4J:host:7687", scheme="NEO4J"),
    "   ": BLANK_TARGET.format(value="   "),
    "": BLANK_TARGET.format(value=""),
    "-": DASH_TARGET,
    " store": PADDED_TARGET.format(value=" store"),
}


@pytest.mark.parametrize("value", list(MALFORMED))
def test_a_malformed_db_is_a_config_error_and_creates_nothing(cwd: Path, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        open_store(value)
    assert str(info.value) == MALFORMED[value]
    tiny = Path(__file__).parents[1] / "data" / "tiny"
    for args in (["stats"], ["import", str(tiny)]):
        result = CliRunner().invoke(app, [*args, "--db", value])
        assert result.exit_code == 2, result.output
        assert flat(MALFORMED[value]) in flat(result.output)
    assert list(cwd.iterdir()) == []


def test_import_refuses_a_folder_holding_other_files(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data", [{"id": "c1"}])
    shared = _shared(tmp_path / "shared", "notes.txt", "b.txt")
    result = CliRunner().invoke(app, ["import", str(data), "--db", str(shared)])
    assert result.exit_code == 2, result.output
    message = NOT_A_STORE.format(path=shared, names="b.txt, notes.txt", db_file=DB_FILE)
    assert message in flat(result.output)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert sorted(p.name for p in shared.iterdir()) == ["b.txt", "notes.txt"]


def test_import_creates_a_private_store_and_keeps_an_empty_folder_s_mode(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data", [{"id": "c1"}])
    new = tmp_path / "new" / "store"
    empty = tmp_path / "empty"
    empty.mkdir()
    os.chmod(empty, 0o755)
    for target in (new, empty, new):  # the third: an existing store, imported again
        result = CliRunner().invoke(app, ["import", str(data), "--db", str(target)])
        assert result.exit_code == 0, result.output
    assert stat.S_IMODE(new.stat().st_mode) == 0o700
    assert stat.S_IMODE(empty.stat().st_mode) == 0o755
    assert (empty / DB_FILE).is_file()
    result = CliRunner().invoke(app, ["stats", "--db", str(empty)])
    assert result.exit_code == 0, result.output


def test_a_refused_dataset_creates_no_store(tmp_path: Path) -> None:
    no_roles = tmp_path / "no_roles"
    no_roles.mkdir()
    (no_roles / "candidates.jsonl").write_text('{"id": "c1"}\n')
    fifo = _dataset(tmp_path / "fifo", [{"id": "c1"}])
    (fifo / "roles.jsonl").unlink()
    os.mkfifo(fifo / "roles.jsonl")
    for data in (no_roles, fifo, tmp_path / "missing"):
        store = tmp_path / f"store-{data.name}"
        result = CliRunner().invoke(app, ["import", str(data), "--db", str(store)])
        assert result.exit_code == 2, result.output
        assert not store.exists(), f"{data.name}: the refused import created {store}"


def test_the_strict_setting_fails_an_import_like_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _dataset(tmp_path / "data", [{"id": "c1"}], bad_row=True)
    args = ["import", str(data), "--db", str(tmp_path / "store")]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert CliRunner().invoke(app, [*args, "--strict"]).exit_code == 1
    monkeypatch.setenv("TALENTGRAPH_IMPORT_OPTIONS__STRICT", "true")
    assert CliRunner().invoke(app, args).exit_code == 1


def test_quarantine_dir_keeps_the_mode_of_a_shared_folder(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data", [{"id": "c1"}], bad_row=True)
    shared = _shared(tmp_path / "shared")
    args = ["import", str(data), "--db", str(tmp_path / "store"), "--quarantine-dir", str(shared)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    (quarantined,) = shared.glob("import-data-*.jsonl")
    assert stat.S_IMODE(quarantined.stat().st_mode) == 0o600


def test_private_dir_sets_the_mode_of_folders_it_creates_only(tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.mkdir()
    os.chmod(existing, 0o755)
    assert private_dir(existing) == existing
    assert stat.S_IMODE(existing.stat().st_mode) == 0o755
    created = private_dir(existing / "a" / "b")
    assert stat.S_IMODE(created.stat().st_mode) == 0o700
    assert stat.S_IMODE(existing.stat().st_mode) == 0o755


# -- 6. a removed minor's profile is in no file ---------------------------------------------
HEADLINE, SUMMARY = "Quokkafish headline 7f3a", "Zanzibarite summary 91c2"


def _files_holding(root: Path, *needles: str) -> list[str]:
    """Every file under ``root`` holding one of ``needles`` (UTF-8 bytes)."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}: {n}" for n in needles if n.encode() in data]
    return found


def test_a_profile_removed_as_a_minor_is_in_no_file_under_the_store(tmp_path: Path) -> None:
    adult = {"id": "c1", "headline": HEADLINE, "summary": SUMMARY}
    other = {"id": "c2", "headline": "Ward nurse"}
    first = _dataset(tmp_path / "first", [adult, other])
    second = _dataset(tmp_path / "second", [{"id": "c1", "sensitive": {"age_band": "16-17"}}])
    store_dir = tmp_path / "store"
    options = ImportOptions(progress=False, as_of="2025-01")
    with LadybugStore(store_dir) as store:
        ImportJob(store, options).run(first)
    assert _files_holding(store_dir, HEADLINE, SUMMARY) == [
        f"{DB_FILE}: {HEADLINE}",
        f"{DB_FILE}: {SUMMARY}",
    ]  # the scan sees the profile where it is
    with LadybugStore(store_dir) as store:
        report = ImportJob(store, options).run(second)
        assert report.removed == {"Candidate": 1}
        assert store.run_text("MATCH (c:Candidate) RETURN c.id AS id, c.headline AS h") == [
            {"id": "c2", "h": "Ward nurse"}
        ]
    assert _files_holding(store_dir, HEADLINE, SUMMARY) == []
    assert not (store_dir / REBUILD_PENDING).exists()


def test_a_removal_while_another_handle_is_open_is_purged_on_the_next_open(
    tmp_path: Path,
) -> None:
    store_dir = tmp_path / "store"
    with LadybugStore(store_dir) as store:
        store.ensure_schema()
        store.upsert_nodes("Candidate", [{"id": "c1", "headline": HEADLINE}, {"id": "c2"}])
    with LadybugStore(store_dir) as store, LadybugStore(store_dir) as other:
        store.remove_nodes("Candidate", ["c1"])
        assert store.purge_removed() is False  # ``other`` shares the database: not now
        assert other.node_ids("Candidate") == ["c2"]
    assert (store_dir / REBUILD_PENDING).exists()
    with LadybugStore(store_dir) as store:
        store.ensure_schema()  # every open of the engine and the import does this
        assert store.node_ids("Candidate") == ["c2"]
    assert _files_holding(store_dir, HEADLINE) == []
    assert not (store_dir / REBUILD_PENDING).exists()


# A person's own words that an import turns into nodes by name (skills, employer, place,
# the domain of a job): removed with them when no one else links to or names them.
OWN_NAMES = ("Quokkafish welding", "Zanzibarite Cove", "Marmoset Dynamics 7f", "Lemurian finance")


def _named_people(folder: Path) -> Path:
    c1 = {
        "id": "c1",
        "headline": HEADLINE,
        "location": OWN_NAMES[1],
        "skills": [{"skill": OWN_NAMES[0]}, {"skill": "Shared skill"}],
        "experience": [{"organization": OWN_NAMES[2], "domain": OWN_NAMES[3], "start": "2020-01"}],
    }
    c2 = {
        "id": "c2",
        "location": "Harbour Town",
        "skills": [{"skill": "Shared skill"}],
        "experience": [{"organization": "Ward Hospital", "domain": "Health", "start": "2019-03"}],
    }
    return _dataset(folder, [c1, c2])


def _names(store: GraphStore) -> dict[str, list[str]]:
    labels = ("Skill", "Location", "Organization", "Domain")
    return {x: sorted(store.node_ids(x)) for x in labels}


KEPT = {
    "Skill": ["Shared skill"],
    "Location": ["Harbour Town"],
    "Organization": ["Ward Hospital"],
    "Domain": ["Health"],
}


def test_nodes_created_by_name_from_a_removed_profile_go_with_it(tmp_path: Path) -> None:
    first = _named_people(tmp_path / "first")
    second = _dataset(tmp_path / "second", [{"id": "c1", "sensitive": {"age_band": "16-17"}}])
    store_dir = tmp_path / "store"
    options = ImportOptions(progress=False, as_of="2025-01")
    with LadybugStore(store_dir) as store:
        ImportJob(store, options).run(first)
        assert set(OWN_NAMES) <= {n for ids in _names(store).values() for n in ids}
    with LadybugStore(store_dir) as store:
        assert ImportJob(store, options).run(second).removed == {"Candidate": 1}
        assert _names(store) == KEPT  # what c2 links to or names stays
    assert _files_holding(store_dir, HEADLINE, *OWN_NAMES) == []


KILLED_IMPORT = """
import os, signal, sys
from loaders.import_job import ImportJob, ImportOptions
from loaders.stores import ladybug
from loaders.stores.base import GraphStore

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if sys.argv[3] == "before-unlinked":
    GraphStore.remove_unlinked = killed
else:
    ladybug.LadybugStore._rebuild = killed
with ladybug.LadybugStore(sys.argv[1]) as store:
    ImportJob(store, ImportOptions(progress=False, as_of="2025-01")).run(sys.argv[2])
"""


@pytest.mark.parametrize("point", ["before-unlinked", "before-rewrite"])
def test_a_removal_killed_midway_leaves_nothing_after_the_next_open(
    tmp_path: Path, point: str, graph_dump
) -> None:
    first = _named_people(tmp_path / "first")
    second = _dataset(tmp_path / "second", [{"id": "c1", "sensitive": {"age_band": "16-17"}}])
    options = ImportOptions(progress=False, as_of="2025-01")
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for store_dir in (clean, killed):
        with LadybugStore(store_dir) as store:
            ImportJob(store, options).run(first)
    with LadybugStore(clean) as store:
        ImportJob(store, options).run(second)
        expected = graph_dump(store)
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_IMPORT, str(killed), str(second), point],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert (killed / REBUILD_PENDING).exists()
    with LadybugStore(killed) as store:
        store.ensure_schema()  # every open of the engine and the import does this
        assert _names(store) == KEPT
        assert graph_dump(store) == expected
    assert _files_holding(killed, HEADLINE, *OWN_NAMES) == []
    assert not (killed / REBUILD_PENDING).exists()


def test_cypher_prints_values_and_the_query_as_text_not_markup(tmp_path: Path) -> None:
    """A stored or returned ``[link=...]`` or ``[bold]`` is shown as it is: imported text can
    never restyle or hide part of a table (the probe's value printed as a bare 'X click')."""
    data = _dataset(tmp_path / "data", [{"id": "c1", "headline": "[bold]X[/bold] [i:y]"}])
    store = str(tmp_path / "store")
    assert CliRunner().invoke(app, ["import", str(data), "--db", store]).exit_code == 0
    query = "MATCH (c:Candidate) RETURN c.headline AS `[red]h[/red]`, '[link=http://e]click[/link]' AS l"
    result = CliRunner().invoke(app, ["cypher", query, "--db", store], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    for text in ("[bold]X[/bold] [i:y]", "[link=http://e]click[/link]", "[red]h[/red]"):
        assert text in result.output


def test_private_append_creates_0600_and_leaves_an_existing_file_alone(tmp_path: Path) -> None:
    from loaders.private_files import private_append

    with private_append(tmp_path / "logs" / "new.jsonl") as fh:
        fh.write("x\n")
    assert stat.S_IMODE((tmp_path / "logs" / "new.jsonl").stat().st_mode) == 0o600
    shared = tmp_path / "shared.log"
    shared.write_text("")
    os.chmod(shared, 0o644)  # someone else's file (the probe's case: /dev/null)
    with private_append(shared) as fh:
        fh.write("y\n")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    (tmp_path / "link.log").symlink_to(shared)
    with pytest.raises(OSError):
        private_append(tmp_path / "link.log")
