"""No raw row in the graph's files, and reading changes no byte (issue 16, the probe's X1).

LadybugDB writes the header page and the unused tails of pages from memory it does not
clear. When the importing process wrote the database, that memory was the raw input: about
one import in five left whole JSON rows, sensitive values included, in ``graph.lbdb``. The
database is now written only by a child process that never holds a raw row
(``loaders.stores.ladybug_process``), and reading commands open it read-only, which writes
nothing (before, every ``stats`` rewrote about 2.4 KB of page 0 from its own memory).

The scan looks for the keys of the input's sensitive object (``"gender":`` and the like):
the graph holds no sensitive attribute and no JSON of the input, so any hit is a raw row.
"""

from __future__ import annotations

import hashlib
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from loaders.stores.ladybug import DB_FILE, LadybugStore
from synthetic import generate

pytestmark = pytest.mark.slow

RAW_KEYS = (b'"sensitive"', b'"gender"', b'"age_band"', b'"nationality"')
IMPORTS = 10  # the probe saw a leak in 2 imports of 10, a re-run 3 of 10


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("bytes") / "data"
    generate(data, scale=0.02, seed=3, progress=False)
    assert b'"gender"' in (data / "candidates.jsonl").read_bytes()  # the scan has a target
    return data


def _graph_files(store: Path) -> list[Path]:
    return sorted(p for p in store.glob(DB_FILE + "*") if p.is_file())


def _raw_rows(store: Path) -> list[str]:
    return [
        f"{path.name} @ {data.find(key)}: {key.decode()}"
        for path in _graph_files(store)
        for data in [path.read_bytes()]
        for key in RAW_KEYS
        if key in data
    ]


def _import(dataset: Path, store: Path) -> None:
    """``talentgraph import`` in its own process, as a user runs it (the leak showed there:
    3 imports of 10 on the code before; none of 10 in-process imports in a test)."""
    command = [sys.executable, "-m", "engine.cli", "import", str(dataset), "--db", str(store)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr


def test_imports_leave_no_raw_row_in_the_graph_files(dataset: Path, tmp_path: Path) -> None:
    found = {}
    for i in range(IMPORTS):
        store = tmp_path / f"store{i}"
        _import(dataset, store)
        if i % 3 == 2:  # an incremental import over the same store writes page 0 again
            _import(dataset, store)
        if hits := _raw_rows(store):
            found[i] = hits
    assert found == {}, f"raw input rows in the graph's files: {found}"


def _digests(store: Path) -> dict[str, str]:
    return {
        str(p.relative_to(store)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(store.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    "command",
    [
        ["stats"],
        ["cypher", "MATCH (c:Candidate) RETURN c.id AS id LIMIT 3"],
        ["cypher", "explore/role_closest_skills", "-p", "role_id=r00001", "-p", "limit=3"],
        ["policy", "quotas"],
    ],
)
def test_reading_commands_change_no_byte_of_the_store(
    dataset: Path, tmp_path: Path, command: list[str]
) -> None:
    store = tmp_path / "store"
    result = CliRunner().invoke(app, ["import", str(dataset), "--db", str(store)])
    assert result.exit_code == 0, result.output
    before = _digests(store)
    for _ in range(2):
        result = CliRunner().invoke(app, [*command, "--db", str(store)])
        assert result.exit_code == 0, result.output
    assert _digests(store) == before


def test_every_file_the_database_writes_is_private(tmp_path: Path) -> None:
    """The WAL appears at the first write, after the open: it was 0644 in the 0700 store."""
    store = tmp_path / "store"
    with LadybugStore(store) as db:
        db.ensure_schema()
        db.upsert_nodes("Skill", [{"id": "s1", "name": "Python"}])
        files = _graph_files(store)
        assert any(p.name.endswith(".wal") for p in files)  # the file the probe found
        assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {
            p.name: 0o600 for p in files
        }


def test_reading_a_trained_store_after_a_text_change_writes_no_cache(
    trained_engine, tmp_path: Path
) -> None:
    """The probe's F2: after an import changed a profile's text, the first `recommend`
    encoded it and wrote the vector into models/embeddings.sqlite."""
    import json
    import shutil

    store = tmp_path / "store"
    shutil.copytree(trained_engine.root / "store", store, symlinks=True)
    data = tmp_path / "data"
    shutil.copytree(trained_engine.data, data)
    rows = (data / "candidates.jsonl").read_text().splitlines()
    first = json.loads(rows[0])
    first["headline"] = "Marine biologist and reef surveyor 5e1d"
    (data / "candidates.jsonl").write_text("\n".join([json.dumps(first), *rows[1:]]) + "\n")
    assert CliRunner().invoke(app, ["import", str(data), "--db", str(store)]).exit_code == 0
    role = json.loads((data / "roles.jsonl").read_text().splitlines()[0])["id"]
    before = _digests(store)
    for command in (
        ["recommend", "--role", role, "-k", "5"],
        ["explain", "--candidate", first["id"], "--role", role],
    ):
        result = CliRunner().invoke(app, [*command, "--db", str(store)])
        assert result.exit_code == 0, result.output
    assert _digests(store) == before


def test_a_writer_outlives_the_thread_that_opened_it(tmp_path: Path) -> None:
    """The probe's F3: the writer died with the thread that started it (a server's job)."""
    import threading

    opened: list[LadybugStore] = []
    thread = threading.Thread(target=lambda: opened.append(LadybugStore(tmp_path / "store")))
    thread.start()
    thread.join()
    (store,) = opened
    try:
        store.ensure_schema()
        store.upsert_nodes("Skill", [{"id": "s1", "name": "Python"}])
        assert store.node_counts()["Skill"] == 1
    finally:
        store.close()


def test_a_slice_goes_to_the_writer_alone() -> None:
    """The probe's F5: a pickled slice carried its whole table to the writer."""
    import pyarrow as pa

    from loaders.stores.ladybug_process import _from_ipc, _to_ipc

    table = pa.table({"id": [f"c{i:06d}" for i in range(100_000)], "x": list(range(100_000))})
    part = table.slice(500, 10)
    data = _to_ipc(part)
    assert len(data) < 5_000 and _from_ipc(data).equals(part)
