"""SensitiveStore: the audit-only store of candidates' sensitive attributes, outside the graph.

Gender, age band, ethnicity, disability and nationality are not in the graph, so no Cypher
on the graph can reach them. They live in one private SQLite file, one row per candidate id
(``graph_schema.sensitive.SensitiveAttributes``), written by the import and read only for
fairness audits through ``GraphStore.read_sensitive(purpose="audit")``:

- the embedded store keeps it beside its database, ``<store>/sensitive.sqlite``;
- a Neo4j store keeps it on the machine that runs talentgraph, in ``sensitive_dir``
  (``TALENTGRAPH_SENSITIVE_DIR``), by default ``$XDG_STATE_HOME/talentgraph/sensitive/``
  (``~/.local/state/talentgraph/sensitive/``), one file per server and database:
  ``<host>-<port>-<database>.sqlite``; never the working directory.

Only this class opens the file. It is created 0600 in a folder made 0700; every write is one
transaction (rollback journal, ``synchronous=FULL``), so a killed process leaves the rows of
before or after a write, never half of one; ``secure_delete`` overwrites deleted rows (a
changed profile's old values, a removed minor's) instead of leaving them in free pages.
Each call opens its own short connection, so the import's writer thread can use the store.

A missing file reads as empty (a store that never held sensitive attributes), so a deleted
file must not pass for one: the first time talentgraph finds the file in use (an import over
it, training or a re-ranking reading its rows, a :meth:`SensitiveStore.problem` check) it
records that beside it, in ``<file>.seen`` (no attribute value in it). :meth:`problem`
then tells a file deleted or moved ("missing") from one never written, and names an
unreadable one; the audit refuses to run on either, the served lists say so.

Example:
    >>> store = SensitiveStore(Path("/tmp/tg-doc/sensitive.sqlite"))    # doctest: +SKIP
    >>> store.upsert([{"id": "c1", "gender": "female"}])                 # doctest: +SKIP
    1
    >>> store.read("audit")[0]["gender"]                                 # doctest: +SKIP
    'female'
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from graph_schema.errors import SchemaError, SensitiveAccessError, StoreError
from graph_schema.sensitive import SENSITIVE_FIELDS
from loaders.private_files import FILE_MODE, fsync_dir, private_dir, user_state_dir

SENSITIVE_FILE = "sensitive.sqlite"
FORMAT_VERSION = 1
COLUMNS: tuple[str, ...] = ("id", *SENSITIVE_FIELDS)
ROW_SCHEMA = pa.schema([pa.field(c, pa.string()) for c in COLUMNS])

SENSITIVE_REFUSED = (
    "a {purpose} read asked for sensitive attributes; they are for fairness audits only "
    "(use GraphStore.read_sensitive(purpose='audit'))"
)
UNKNOWN_COLUMNS = "sensitive rows: unknown column(s) {columns}; known: {known}"
NOT_TEXT = "sensitive rows: every value must be a string or null ({cause})"
NO_ID = "sensitive rows: every row needs a non-empty id (the candidate id)"
FAILED = "sensitive store {path}: {action} failed: {cause}"
NEWER_FORMAT = (
    "sensitive store {path} has format {found}, newer than this talentgraph reads "
    f"({FORMAT_VERSION}); upgrade talentgraph"
)

SEEN_SUFFIX = ".seen"
"""``<file>.seen``: the record, beside the file, that talentgraph found it in use."""
MISSING = (
    "sensitive store {path} is missing: it was in use before ({seen} records it), so it was "
    "deleted or moved; restore it from a backup, or import the dataset into a new store"
)
NEVER_WRITTEN = (
    "sensitive store {path} does not exist: no sensitive attributes were imported into this "
    "store (or the file was deleted before talentgraph first used it); import a dataset whose "
    "candidates carry a 'sensitive' field"
)
NOT_A_STORE = "sensitive store {path}: not a sensitive store (no {table} table)"

_TABLE = "sensitive_attributes"
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {_TABLE} (id TEXT PRIMARY KEY NOT NULL"
    + "".join(f", {c} TEXT" for c in SENSITIVE_FIELDS)
    + ")"
)
_UPSERT = (
    f"INSERT INTO {_TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in SENSITIVE_FIELDS)}"
)
# All rows in one statement, from one JSON array parameter: SQLite parses it in C with the
# GIL released, where a per-row executemany re-takes the GIL for every row (2.7 s for
# 100,000 rows while the import's reading thread runs, against 0.8 s alone).
_UPSERT_JSON = (
    f"INSERT INTO {_TABLE} ({', '.join(COLUMNS)}) "
    f"SELECT {', '.join(f'value ->> {i}' for i in range(len(COLUMNS)))} FROM json_each(?) "
    f"WHERE true ON CONFLICT(id) DO UPDATE SET "
    f"{', '.join(f'{c} = excluded.{c}' for c in SENSITIVE_FIELDS)}"
)
_DELETE_JSON = f"DELETE FROM {_TABLE} WHERE id IN (SELECT value FROM json_each(?))"
_DELETE = f"DELETE FROM {_TABLE} WHERE id = ?"
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM {_TABLE} ORDER BY id"
_IDS = f"SELECT id FROM {_TABLE} ORDER BY id"
_HAS_TABLE = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

Rows = pa.Table | Sequence[Mapping[str, Any]]


def server_sensitive_path(uri: str, database: str | None, folder: str | Path | None) -> Path:
    """The sensitive store of a server store: ``<folder>/<host>-<port>-<database>.sqlite``.

    Args:
        uri: the server URI (``neo4j://host:7687``).
        database: the database name; ``None`` (the server's default) is named ``default``.
        folder: where the file goes; ``None`` is ``user_state_dir() / "sensitive"``.

    Example:
        >>> server_sensitive_path("neo4j://db.local:7687", None, "/s").as_posix()
        '/s/db.local-7687-default.sqlite'
    """
    parts = urlsplit(uri)
    name = f"{parts.hostname or 'localhost'}-{parts.port or 7687}-{database or 'default'}"
    base = Path(folder) if folder is not None else user_state_dir() / "sensitive"
    return base / f"{_UNSAFE.sub('_', name)}.sqlite"


def _row_table(rows: Rows) -> pa.Table:
    """``rows`` as a table of exactly ``COLUMNS`` (strings; a missing column is null)."""
    names = list(rows.column_names) if isinstance(rows, pa.Table) else []
    if not isinstance(rows, pa.Table):
        names = list(dict.fromkeys(k for row in rows for k in row))
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise SchemaError(UNKNOWN_COLUMNS.format(columns=unknown, known=", ".join(COLUMNS)))
    try:
        if isinstance(rows, pa.Table):
            columns = [
                rows.column(c).cast(pa.string())
                if c in names
                else pa.nulls(rows.num_rows, pa.string())
                for c in COLUMNS
            ]
            table = pa.Table.from_arrays(columns, schema=ROW_SCHEMA)
        else:
            table = pa.Table.from_pylist([dict(r) for r in rows], schema=ROW_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
        # the message names the type, never the value (it may be a sensitive one)
        raise SchemaError(NOT_TEXT.format(cause=type(e).__name__)) from None
    ids = table.column("id")
    if ids.null_count or any(not x for x in ids.to_pylist()):
        raise SchemaError(NO_ID)
    return table


class SensitiveStore:
    """The sensitive attributes of candidates in one private SQLite file.

    Example:
        >>> store = SensitiveStore(tmp / "sensitive.sqlite")           # doctest: +SKIP
        >>> store.replace(["c1"], [{"id": "c1", "age_band": "25-34"}])  # doctest: +SKIP
        1

    Args:
        path: the file (created on the first write, with its folder).
        read_only: never create nor write the file (a missing file reads as empty).
        timeout: seconds a call waits for another process's write to finish.
    """

    def __init__(self, path: str | Path, read_only: bool = False, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SensitiveStore({str(self.path)!r})"

    # -- connections ----------------------------------------------------------------------
    def _create(self) -> None:
        """The folder 0700 and the file 0600, whatever the umask."""
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        os.close(fd)
        os.chmod(self.path, FILE_MODE)

    @contextmanager
    def _transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """A write transaction on a fresh connection: committed at the end of the block,
        rolled back if it raises."""
        if self.read_only:
            raise StoreError(FAILED.format(path=self.path, action=action, cause="opened read-only"))
        try:
            self._create()
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(FAILED.format(path=self.path, action=action, cause=e)) from e
        try:
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("BEGIN IMMEDIATE")
            self._check_format(conn)
            conn.execute(_CREATE)
            conn.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            conn.rollback()
            raise StoreError(FAILED.format(path=self.path, action=action, cause=e)) from e
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

    def _check_format(self, conn: sqlite3.Connection) -> None:
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > FORMAT_VERSION:
            raise StoreError(NEWER_FORMAT.format(path=self.path, found=found))

    def _select(self, sql: str, action: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` from a read-only connection ([] when there is no file yet)."""
        if not self.path.exists():
            return []
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as e:
            raise StoreError(FAILED.format(path=self.path, action=action, cause=e)) from e
        try:
            self._check_format(conn)
            exists = conn.execute(_HAS_TABLE, (_TABLE,)).fetchone()
            return conn.execute(sql).fetchall() if exists else []
        except sqlite3.Error as e:
            raise StoreError(FAILED.format(path=self.path, action=action, cause=e)) from e
        finally:
            conn.close()

    # -- writes ---------------------------------------------------------------------------
    def upsert(self, rows: Rows) -> int:
        """Insert or replace the rows (each replaces every attribute of its id).

        Args:
            rows: an Arrow table or dicts with ``id`` and any of the five attributes.

        Returns:
            The rows written.

        Raises:
            SchemaError: an unknown column, a value that is not a string, a row without id.
        """
        return self.replace([], rows)

    def delete(self, ids: Sequence[str]) -> int:
        """Delete the rows of ``ids`` (absent ids are ignored); returns the rows deleted."""
        if not ids:
            return 0
        with self._transaction("delete") as conn:
            before = conn.total_changes
            conn.executemany(_DELETE, ((i,) for i in ids))
            return conn.total_changes - before

    def replace(self, ids: Sequence[str], rows: Rows | None) -> int:
        """In one transaction, delete the rows of ``ids``, then upsert ``rows``.

        An import replaces what its changed candidates had (an attribute a new version
        leaves out is gone) and writes its new rows at once: a killed process leaves the
        rows of before or after, never a mix.

        Returns:
            The rows written.
        """
        table = _row_table(rows) if rows is not None else None
        written = table.num_rows if table is not None else 0
        if not ids and not written:
            return 0
        with self._transaction("write") as conn:
            if ids:
                conn.execute(_DELETE_JSON, (json.dumps(list(ids)),))
            if table is not None and written:
                rows = list(zip(*(table.column(c).to_pylist() for c in COLUMNS)))
                conn.execute(_UPSERT_JSON, (json.dumps(rows),))
        return written

    def keep_only(self, ids: set[str]) -> int:
        """Delete every row whose id is not in ``ids`` (the graph's candidates): rows a
        process killed mid-import left for a candidate it never wrote. Returns the count."""
        if self.path.exists():  # an import over it: it is in use
            self.mark_seen()
        orphans = [i for i in self.ids() if i not in ids]
        return self.delete(orphans)

    def clear(self) -> None:
        """Delete every row (with ``GraphStore.drop_all``: tests and benchmarks)."""
        if self.path.exists():
            with self._transaction("clear") as conn:
                conn.execute(f"DELETE FROM {_TABLE}")

    # -- reads ----------------------------------------------------------------------------
    def read(self, purpose: str) -> list[dict[str, str | None]]:
        """Every row, by id: ``{"id", "gender", "age_band", ...}``; audits only.

        Raises:
            SensitiveAccessError: ``purpose`` is not ``"audit"``.
        """
        if purpose != "audit":
            raise SensitiveAccessError(SENSITIVE_REFUSED.format(purpose=purpose))
        return [dict(zip(COLUMNS, row, strict=True)) for row in self._select(_SELECT, "read")]

    def ids(self) -> list[str]:
        """The candidate ids that have a row (no attribute value), sorted."""
        return [row[0] for row in self._select(_IDS, "read ids")]

    # -- is it there? ---------------------------------------------------------------------
    @property
    def seen_path(self) -> Path:
        """``<file>.seen``: written the first time the file is found in use."""
        return self.path.with_name(self.path.name + SEEN_SUFFIX)

    def mark_seen(self) -> None:
        """Record beside the file that it is in use (once; not on a read-only store). The
        record holds the file's name and the time, no attribute value. A folder that refuses
        the write leaves it unrecorded: the record only sharpens :meth:`problem`'s message."""
        if self.read_only or self.seen_path.exists() or not self.path.exists():
            return
        text = json.dumps(
            {"file": self.path.name, "seen_at": datetime.now(UTC).isoformat(timespec="seconds")}
        )
        try:
            fd = os.open(self.seen_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except OSError:
            return
        with os.fdopen(fd, "w") as fh:
            fh.write(text + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        fsync_dir(self.path.parent)

    def problem(self) -> str | None:
        """``None`` when the file is there and readable as a sensitive store (it is then
        recorded as in use, :meth:`mark_seen`); else what is wrong, naming the file: missing
        after it was in use (:data:`MISSING`), never written (:data:`NEVER_WRITTEN`), or
        unreadable (:data:`FAILED`, :data:`NOT_A_STORE`, :data:`NEWER_FORMAT`)."""
        if not self.path.exists():
            template = MISSING if self.seen_path.exists() else NEVER_WRITTEN
            return template.format(path=self.path, seen=self.seen_path.name)
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as e:
            return FAILED.format(path=self.path, action="read", cause=e)
        try:
            self._check_format(conn)
            if conn.execute(_HAS_TABLE, (_TABLE,)).fetchone() is None:
                return NOT_A_STORE.format(path=self.path, table=_TABLE)
            conn.execute(f"SELECT count(*) FROM {_TABLE}").fetchone()
        except sqlite3.Error as e:
            return FAILED.format(path=self.path, action="read", cause=e)
        except StoreError as e:
            return str(e)
        finally:
            conn.close()
        self.mark_seen()
        return None
