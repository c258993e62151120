"""The embedded store: LadybugDB, an on-disk Cypher graph database (no server).

The store is a directory; the database lives in ``graph.lbdb`` inside it, so that later
artefacts (FAISS index, models, quarantine files) can sit beside it, and so does the
sensitive store, ``sensitive.sqlite`` (``loaders.sensitive_store``): sensitive attributes
are not in the graph. First imports use
``COPY`` from Arrow tables (bulk, about ten times faster than MERGE); increments use the
catalog's ``UNWIND $rows ... MERGE`` queries.

A read-only statement (``run_text`` unless ``write=True``, ``run(..., write=False)``,
``run_table``) runs as a prepared statement inside ``BEGIN TRANSACTION READ ONLY`` ...
``ROLLBACK``, so LadybugDB itself refuses a write ("Can not execute a write query inside a read-only
transaction"). Preparing matters: LadybugDB prepares exactly one statement, so a text like
``COMMIT; MATCH (c) DETACH DELETE c`` cannot end the read-only transaction and then write.

The store folder: a store is created (``create=True``, the import) only as a new folder
(0700), in an empty folder, or where a store already is; a folder holding other files is
refused by name, and a folder that existed keeps its mode. Opened with ``create=False`` or
``read_only=True`` (every command that only uses a store), a path without ``graph.lbdb`` is
an error naming it, and nothing is created.

Removed data does not stay in the file: LadybugDB leaves the bytes of deleted rows and
dropped tables in free pages (a CHECKPOINT, or overwriting the values before deleting,
leaves them too: the new values go to new pages). So removing nodes (``remove_nodes``, a
profile updated to a minor's) and dropping the old audit-only table ``SensitiveAttributes``
(``ensure_schema`` moves its rows into the sensitive store first) are followed by a rewrite
of the database into a fresh file holding only live data (``purge_removed``). A marker file,
written before the delete, makes the rewrite survive a kill: it is redone until it completes.

Example:
    >>> store = LadybugStore("/tmp/tg-doc")                         # doctest: +SKIP
    >>> store.ensure_schema(); store.node_counts()["Candidate"]     # doctest: +SKIP
    0
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from graph_schema import SCHEMA
from graph_schema.ddl import ladybug_add_column, ladybug_ddl
from graph_schema.errors import ConfigError, ReadOnlyError, StoreError, StoreUnavailableError
from loaders.private_files import fsync_dir, private_dir
from loaders.sensitive_store import SENSITIVE_FILE, SensitiveStore
from loaders.stores import cypher
from loaders.stores.base import BATCH_SIZE, WRITE_REFUSED, GraphStore, Row, written_count
from loaders.stores.ladybug_process import LocalDatabase, WriterDatabase

DB_FILE = "graph.lbdb"
ALREADY_OPEN = (
    "cannot open LadybugDB store at {path} {mode}: this process already has it open {other}; "
    "close that handle first"
)
_SHARED: dict[Path, list[Any]] = {}  # database file -> [Database, read_only, handles]
_SHARED_LOCK = threading.Lock()
# The audit-only table of stores before the sensitive store (moved out by ensure_schema).
LEGACY_SENSITIVE = "SensitiveAttributes"
# The database is being rewritten into REBUILD_DIR while REBUILD_PENDING exists.
REBUILD_DIR = ".rebuild"
REBUILD_PENDING = ".rebuild-pending"
REBUILD_LOST = (
    "rewriting the LadybugDB store at {path} copied {copied} but the store holds {held}; "
    "the store was left as it was (the rewrite is retried on the next open)"
)
REBUILD_MARKER = (
    "the rewrite marker {path} cannot be read ({error}); it lists the by-name nodes a removal "
    "left to delete: restore it or re-run the import that removed them"
)
REBUILD_WAL = (
    "cannot rewrite the LadybugDB store at {path}: {wal} is left after closing it; open and "
    "close the store once with this talentgraph to replay it, then retry"
)
# LadybugDB's words when a read-only open meets a WAL another process is still writing.
_WAL_IN_FLIGHT = "WAL file is corrupted"
BEING_WRITTEN = (
    "cannot read the store at {path} now: another process is writing to it (an import, a "
    "training); retry when it has finished. Its WAL is being written, not damaged: do not "
    "delete it"
)
QUERY_FAILED = "LadybugDB query failed ({statement}...): {cause}"
NO_STORE = (
    "no talentgraph store at {path}: {reason}; `talentgraph import DATASET --db {path}` creates one"
)
NOT_A_STORE = (
    "refusing to make {path} a talentgraph store: the folder holds other files ({names}) and "
    "no {db_file}; give a new or empty folder"
)
NOT_A_FOLDER = "refusing to make {path} a talentgraph store: it is a file, not a folder"
# LadybugDB's refusal of a write inside a read-only transaction ...
_WRITE_IN_READ_ONLY = "Can not execute a write query inside a read-only transaction"
# ... and inside a database opened read-only (the CLI's reading commands).
_WRITE_IN_READ_ONLY_DB = "Cannot execute write operations in a read-only database"
# The Python binding prepares a statement only when it has parameters, and LadybugDB
# prepares exactly one statement: an (unused) parameter makes a read a single statement.
_ONE_STATEMENT = {"_tg_read_only": True}


def _statement_head(text: str) -> str:
    """The first line of ``text`` that is not a ``//`` comment, cut to 80 characters."""
    lines = (line.strip() for line in text.splitlines())
    return next((line for line in lines if line and not line.startswith("//")), "")[:80]


_COPIED = re.compile(r"^(\d+) tuples have been copied")


def _unprefixed(table: pa.Table, prefix: str) -> pa.Table:
    """``n.id`` -> ``id``: the column names of a ``RETURN n.*``."""
    return table.rename_columns([c.removeprefix(prefix) for c in table.column_names])


def _copied(rows: list[Row], default: int) -> int:
    """The tuple count LadybugDB's COPY reports ("N tuples have been copied to ...")."""
    for row in rows:
        for value in row.values():
            match = _COPIED.match(str(value))
            if match:
                return int(match.group(1))
    return default


class LadybugStore(GraphStore):
    """GraphStore on an embedded LadybugDB database in ``path`` (a directory).

    Args:
        path: the store directory.
        batch_size: rows per UNWIND write.
        read_only: open without write access (several readers may share it); the store
            must exist.
        create: make the store if ``path`` holds none: a new folder (0700) or an empty
            one; ``False``: it must exist (``StoreUnavailableError`` naming the path).

    Raises:
        StoreUnavailableError: no store at ``path`` (``create=False`` or ``read_only``), or
            LadybugDB cannot open it.
        ConfigError: ``create`` and ``path`` is a file, or a folder holding other files.
    """

    dialect = "ladybug"

    def __init__(
        self,
        path: str | Path,
        batch_size: int = BATCH_SIZE,
        read_only: bool = False,
        create: bool = True,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.create = create and not read_only
        super().__init__(
            SensitiveStore(self.path / SENSITIVE_FILE, read_only=read_only), batch_size
        )
        self._open()

    def _open(self) -> None:
        try:
            if self.create:
                _claim_folder(self.path)
            else:
                _require_store(self.path)
            # the writer process creates its files 0600 (ladybug_process); never a chmod
            self._db = _acquire(self.path / DB_FILE, self.read_only)
            self._conn = self._db.connect()
        except (RuntimeError, OSError) as e:
            if self.read_only and _WAL_IN_FLIGHT in str(e):
                raise StoreUnavailableError(BEING_WRITTEN.format(path=self.path)) from e
            raise StoreUnavailableError(f"cannot open LadybugDB store at {self.path}: {e}") from e

    def __repr__(self) -> str:
        return f"LadybugStore({str(self.path)!r})"

    def _execute(
        self, text: str, params: dict[str, Any] | None = None, *, read_only: bool = False
    ) -> list[Row]:
        read_only = read_only or self.read_only  # a read-only database refuses by name
        with self._translated(text, read_only):
            if read_only:
                return self._conn.rows(text, {**_ONE_STATEMENT, **(params or {})}, read_only=True)
            return self._conn.rows(text, params or {})

    def _execute_table(self, text: str, params: dict[str, Any]) -> pa.Table:
        """Columns built natively by LadybugDB (``get_as_arrow``), not one dict per row."""
        with self._translated(text, read_only=True):
            return self._conn.arrow(text, {**_ONE_STATEMENT, **params})

    @contextmanager
    def _translated(self, text: str, read_only: bool) -> Iterator[None]:
        """Re-raise LadybugDB errors as ours (a refused write as ReadOnlyError), with the cause."""
        try:
            yield
        except RuntimeError as e:
            head = _statement_head(text)
            if read_only and (_WRITE_IN_READ_ONLY in str(e) or _WRITE_IN_READ_ONLY_DB in str(e)):
                raise ReadOnlyError(
                    WRITE_REFUSED.format(statement=head, store="LadybugDB", cause=e)
                ) from e
            raise StoreError(QUERY_FAILED.format(statement=head, cause=e)) from e

    def explain(self, text: str, params: dict[str, Any] | None = None) -> str:
        """Plan text; a ``rows`` parameter is bound as the table ``LOAD FROM rows`` scans."""
        params = dict(params or {})
        rows = params.pop("rows", None)
        if "LOAD FROM rows" in text and rows is not None:
            table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(list(rows))
            return self._explain_scanning(text, table)
        result = self._execute(
            "EXPLAIN " + text, {"rows": rows, **params} if rows is not None else params
        )
        return "\n".join(str(v) for row in result for v in row.values())

    def _explain_scanning(self, text: str, rows: pa.Table) -> str:
        try:
            result = self._conn.rows("EXPLAIN " + text, None, tables={"rows": rows})
        except RuntimeError as e:
            raise StoreError(f"LadybugDB EXPLAIN failed: {e}") from e
        return "\n".join(str(v) for row in result for v in row.values())

    def ensure_schema(self) -> None:
        """Create missing tables, add properties a newer schema defines, and move sensitive
        attributes an older store kept in the graph into the sensitive store (migrations)."""
        for statement in ladybug_ddl(SCHEMA):
            self._execute(statement)
        for spec in SCHEMA.nodes:
            present = {r["name"] for r in self.run("table_columns", label=spec.label)}
            for prop in spec.properties:
                if prop.name not in present:
                    self._execute(ladybug_add_column(spec.label, prop))
        self._move_legacy_sensitive()

    def _move_legacy_sensitive(self) -> None:
        """Copy the old ``SensitiveAttributes`` table into the sensitive store (committed),
        drop it, then rewrite the database so that no page keeps its bytes.

        Each step survives a kill: the copy is an upsert (done again while the table
        exists), the marker is written before the drop and removed after the rewrite.
        """
        if LEGACY_SENSITIVE in {r["name"] for r in self.run("table_names")}:
            rows = self.run_table("migrate/legacy_sensitive_rows")
            self.sensitive_store.upsert(_unprefixed(rows, "n."))
            _mark(self.path / REBUILD_PENDING)
            # DDL: a statement of ours, run through the primitive (run() refuses DDL)
            self._execute(cypher.query("migrate/drop_legacy_sensitive", self.dialect))
        self.purge_removed()

    def remove_nodes(self, label: str, ids: Sequence[str]) -> None:
        """Remove nodes by id (``GraphStore.remove_nodes``) and mark the database for a
        rewrite (``purge_removed``) when any was there: the marker is written before the
        delete, so that a kill after it still leads to the rewrite on the next open."""
        pending = self.path / REBUILD_PENDING
        was_pending = pending.exists()
        held = self.node_counts().get(label, 0) if ids else 0
        if held and not was_pending:
            _mark(pending)
        super().remove_nodes(label, ids)
        if held and not was_pending and self.node_counts().get(label, 0) == held:
            pending.unlink()  # none of ``ids`` was stored: nothing to rewrite
            fsync_dir(self.path)

    def _removing(self, named: dict[str, list[str]]) -> None:
        """Record in the marker the by-name nodes a removal may leave unlinked, before it
        starts, so that a kill midway still removes them on the next open."""
        if not any(named.values()):
            return
        pending = self.path / REBUILD_PENDING
        held = _marked(pending)
        for label, ids in named.items():
            held[label] = sorted({*held.get(label, ()), *ids})
        _mark(pending, held)

    def purge_removed(self) -> bool:
        """Rewrite the database into a fresh file when nodes were removed or a table dropped
        since the last rewrite (the marker file), so that no page keeps their bytes.

        Skipped while another handle of this process has the database open (a rename
        under it would lose its writes): the marker stays, and the next open does it.

        Returns:
            Whether the database was rewritten.
        """
        pending = self.path / REBUILD_PENDING
        if self.read_only or not pending.exists() or not _sole_handle(self.path / DB_FILE):
            return False
        self.remove_unlinked(_marked(pending))
        self._rebuild()
        pending.unlink()
        fsync_dir(self.path)
        return True

    def _rebuild(self) -> None:
        """Copy every node and relationship into a fresh database file and put it in place
        of the old one (atomic rename), checking first that every count matches."""
        work = self.path / REBUILD_DIR
        shutil.rmtree(work, ignore_errors=True)
        with LadybugStore(work, batch_size=self.batch_size) as fresh:
            fresh.ensure_schema()
            for spec in SCHEMA.nodes:
                table = self.run_table("migrate/all_nodes", label=spec.label)
                fresh.bulk_nodes(spec.label, _unprefixed(table, "n."))
            for src, rel, dst in SCHEMA.edge_types():
                table = self.run_table("migrate/all_edges", label=src, rel_type=rel)
                fresh.bulk_edges(rel, src, dst, _unprefixed(table, "r."))
            copied = (fresh.node_counts(), fresh.relationship_counts())
        held = (self.node_counts(), self.relationship_counts())
        if copied != held:
            raise StoreError(REBUILD_LOST.format(path=self.path, copied=copied, held=held))
        self.close()
        wal = self.path / f"{DB_FILE}.wal"
        if wal.exists():
            raise StoreError(REBUILD_WAL.format(path=self.path, wal=wal))
        os.replace(work / DB_FILE, self.path / DB_FILE)
        fsync_dir(self.path)
        shutil.rmtree(work)
        self._open()

    def _bulk_nodes(self, label: str, table: pa.Table) -> int:
        spec = SCHEMA.node(label)
        nodes = table.select([spec.key, *spec.property_names])
        text = cypher.render("bulk_copy_nodes", self.dialect, label=label)
        return _copied(self._copy(text, nodes=nodes), nodes.num_rows)

    def _bulk_edges(self, rel_type: str, src: str, dst: str, table: pa.Table) -> int:
        spec = SCHEMA.relationship(rel_type)
        edges = table.select(["src", "dst", *spec.property_names])
        pair = f" (from='{SCHEMA.node(src).label}', to='{SCHEMA.node(dst).label}')"
        text = cypher.render("bulk_copy_edges", self.dialect, rel_type=rel_type)
        text = text.replace("{{pair}}", pair if len(spec.endpoints) > 1 else "")
        return _copied(self._copy(text, edges=edges), edges.num_rows)

    def _copy(self, text: str, **tables: pa.Table) -> list[Row]:
        """Run a statement that scans Arrow tables (``COPY ... FROM nodes``, ``LOAD FROM rows``),
        bound under the names the catalog files use (``ladybug_process.run``)."""
        if self.read_only:
            raise ReadOnlyError(
                WRITE_REFUSED.format(
                    statement=_statement_head(text), store="LadybugDB", cause="opened read-only"
                )
            )
        try:
            return self._conn.rows(text, None, tables=tables)
        except RuntimeError as e:
            statement = next(x for x in text.splitlines() if not x.startswith("//"))
            raise StoreError(f"LadybugDB write failed ({statement}): {e}") from e

    def _write_batch(self, text: str, batch: pa.Table) -> int:
        return written_count(self._copy(text, rows=batch), batch.num_rows)

    def drop_all(self) -> None:
        self.sensitive_store.clear()
        for spec in SCHEMA.relationships:
            self.run("delete_all_relationships", rel_type=spec.type)
        for node in SCHEMA.nodes:
            self.run("delete_all_nodes", label=node.label)

    def close(self) -> None:
        conn, db = getattr(self, "_conn", None), getattr(self, "_db", None)
        if conn is not None:
            conn.close()
        if db is not None:
            _release(self.path / DB_FILE)
        self._conn = self._db = None  # type: ignore[assignment]


def _claim_folder(path: Path) -> None:
    """Make ``path`` a store folder: a new folder (0700), an empty one, or a store already.

    Raises:
        ConfigError: ``path`` is a file, or a folder holding other files but no graph.
    """
    if path.is_dir():
        if (path / DB_FILE).exists():
            return
        names = sorted(os.listdir(path))
        if names:
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            raise ConfigError(NOT_A_STORE.format(path=path, names=shown, db_file=DB_FILE))
        return  # an empty folder of the user's: used, its mode left as it is
    if path.exists():
        raise ConfigError(NOT_A_FOLDER.format(path=path))
    private_dir(path)


def _require_store(path: Path) -> None:
    """Refuse a path that holds no store (nothing is created).

    Raises:
        StoreUnavailableError: naming the path and what is there instead.
    """
    if (path / DB_FILE).is_file():
        return
    if not path.exists():
        reason = "no such folder"
    elif not path.is_dir():
        reason = "it is not a folder"
    else:
        reason = f"the folder holds no {DB_FILE}"
    raise StoreUnavailableError(NO_STORE.format(path=path, reason=reason))


def _mark(pending: Path, unlinked: dict[str, list[str]] | None = None) -> None:
    """Write the marker file ``pending`` durably (its folder entry flushed too), with the
    by-name nodes to remove when unlinked (``_removing``), as JSON. Written whole into a
    temporary file, then renamed: a kill leaves the old marker or the new one."""
    work = pending.with_name(pending.name + ".tmp")
    with work.open("w") as fh:
        if unlinked:
            json.dump({"unlinked": unlinked}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(work, pending)
    fsync_dir(pending.parent)


def _marked(pending: Path) -> dict[str, list[str]]:
    """The by-name nodes the marker ``pending`` lists (none for an empty or missing one)."""
    try:
        text = pending.read_text()
    except FileNotFoundError:
        return {}
    if not text.strip():
        return {}
    try:
        held = json.loads(text)["unlinked"]
    except (ValueError, KeyError, TypeError) as e:
        raise StoreError(REBUILD_MARKER.format(path=pending, error=e)) from e
    return {str(k): [str(i) for i in v] for k, v in held.items()}


def _sole_handle(file: Path) -> bool:
    """Is one store object of this process all that has ``file``'s database open?"""
    with _SHARED_LOCK:
        entry = _SHARED.get(file.resolve())
        return entry is not None and entry[2] == 1


def _acquire(file: Path, read_only: bool) -> Any:
    """The process's one ``ladybug.Database`` of ``file``, opened on first use.

    Two ``Database`` objects on one file in one process each keep their own view of it and
    its WAL: a write through one and an import through the other left the second writing
    more relationships than it was given (seen in a test that opened a second engine on an
    open store). So every store of a file in this process shares one database, each with
    its own connection, and the last to close closes it.

    A read-only store on a file this process has open for writing shares that database
    (every statement of the read-only store runs in a read-only transaction).

    Raises:
        StoreUnavailableError: the file is already open here read-only, and this open is
            for writing.
    """
    key = file.resolve()
    with _SHARED_LOCK:
        entry = _SHARED.get(key)
        if entry is None:
            db = LocalDatabase(file, read_only=True) if read_only else WriterDatabase(file)
            entry = _SHARED[key] = [db, read_only, 0]
        elif entry[1] and not read_only:  # read-only here already: cannot write
            raise StoreUnavailableError(
                ALREADY_OPEN.format(path=file.parent, mode="for writing", other="read-only")
            )
        entry[2] += 1
        return entry[0]


def _release(file: Path) -> None:
    """One handle fewer on ``file``'s shared database; the last one closes it."""
    key = file.resolve()
    with _SHARED_LOCK:
        entry = _SHARED.get(key)
        if entry is None:
            return
        entry[2] -= 1
        if entry[2] <= 0:
            del _SHARED[key]
            entry[0].close()
