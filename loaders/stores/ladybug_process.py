"""Where a LadybugDB database runs: in this process when read-only, in a writer process when not.

Why a writer process. LadybugDB writes some of each file's bytes from memory it does not clear:
the header page and the unused tails of pages take whatever the allocator last held. In the
process that imports, that is the raw input: about one import in five left whole JSON rows,
sensitive values included, in ``graph.lbdb`` (and a read command rewrote page 0 on every run).
So a database opened for writing lives in a child process started fresh (``python -P
this file``, never a fork of the caller), which holds nothing but what
the graph itself holds: the statements, their parameters (graph values), the Arrow tables
copied in and the results read out. What it leaves in a page is graph data at worst, never a
raw row, a sensitive value or a removed profile's text (a removal's rewrite copies the live
rows into yet another fresh child). A read-only database writes nothing, so it stays in the
caller's process.

Every file the child creates is private (umask 077: the WAL, written at the first write, too).
The child ends with its parent (the parent's death closes the pipe): a killed import
leaves the database as a killed process always did (the WAL is replayed on the next open).
Requests are serialised per database (one lock); each store handle has its own connection.

Both kinds of database answer the same two calls, ``Connection.rows`` and ``Connection.arrow``,
run by :func:`run` in whichever process holds the database.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import ladybug

# The child runs this file as a script (``python -P``): it imports nothing of talentgraph,
# only ladybug (and pyarrow once a table arrives), so that it starts in a fraction of a second.
BEGIN_READ_ONLY = "BEGIN TRANSACTION READ ONLY"
ROLLBACK = "ROLLBACK"
# LadybugDB's answer to a ROLLBACK after the statement itself ended the transaction.
NO_TRANSACTION = "No active transaction"
# LadybugDB's answer when another process holds the file; waited for up to LOCK_WAIT seconds
# (a killed writer's child can outlive it by a moment), then reported.
LOCKED = "Could not set lock on file"
LOCK_WAIT = 10.0
WRITER_GONE = "the LadybugDB writer process of {path} ended unexpectedly ({why})"


def run(
    conn: Any,
    text: str,
    params: dict[str, Any] | None,
    tables: dict[str, Any] | None,
    read_only: bool,
    arrow: bool,
) -> Any:
    """Run one statement on a ``ladybug.Connection``: rows as dicts, or an Arrow table.

    ``tables`` are bound as the local variables ``nodes``, ``edges`` and ``rows``: LadybugDB
    resolves a table a query names (``COPY ... FROM nodes``, ``LOAD FROM rows``) from its
    caller's locals. ``read_only`` wraps the statement in a read-only transaction, always
    rolled back, so that LadybugDB itself refuses a write.
    """
    tables = tables or {}
    nodes = tables.get("nodes")  # noqa: F841 (bound by name for COPY ... FROM nodes)
    edges = tables.get("edges")  # noqa: F841 (bound by name for COPY ... FROM edges)
    rows = tables.get("rows")  # noqa: F841 (bound by name for LOAD FROM rows)
    if read_only:
        conn.execute(BEGIN_READ_ONLY)
    try:
        result = conn.execute(text) if params is None else conn.execute(text, params)
        if arrow:
            return result.get_as_arrow(chunk_size=-1)
        out: list[dict[str, Any]] = []
        for res in result if isinstance(result, list) else [result]:
            columns = res.get_column_names()
            while res.has_next():
                out.append(dict(zip(columns, res.get_next(), strict=True)))
        return out
    finally:
        if read_only:
            try:
                conn.execute(ROLLBACK)
            except RuntimeError as e:
                if NO_TRANSACTION not in str(e):
                    raise


def _open_database(file: Path, read_only: bool) -> Any:
    """``ladybug.Database``, waiting a bounded time while another process holds the lock."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            return ladybug.Database(str(file), read_only=read_only)
        except RuntimeError as e:
            if LOCKED not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class LocalDatabase:
    """A database opened in this process (read-only stores)."""

    def __init__(self, file: Path, read_only: bool) -> None:
        self.file = file
        self._db = _open_database(file, read_only)

    def connect(self) -> Connection:
        conn = ladybug.Connection(self._db)
        return Connection(lambda *request: run(conn, *request), conn.close)

    def close(self) -> None:
        self._db.close()


class Connection:
    """One connection of a store handle, local or in the writer: ``run(text, params, tables,
    read_only, arrow)`` executes (``run`` above, here or in the child)."""

    def __init__(self, execute: Callable[..., Any], close: Callable[[], None]) -> None:
        self._execute, self._close = execute, close

    def rows(
        self,
        text: str,
        params: dict[str, Any] | None = None,
        *,
        tables: dict[str, Any] | None = None,
        read_only: bool = False,
    ) -> list[dict[str, Any]]:
        return self._execute(text, params, tables, read_only, False)  # type: ignore[no-any-return]

    def arrow(self, text: str, params: dict[str, Any] | None = None) -> Any:
        return self._execute(text, params, None, True, True)

    def close(self) -> None:
        self._close()


class WriterDatabase:
    """A database opened for writing in a fresh child process (see the module's docstring).

    Raises:
        RuntimeError: the child could not open the database (LadybugDB's message), so that
            the caller reports it as it would an in-process failure.
    """

    def __init__(self, file: Path) -> None:
        self.file = file
        self._lock = threading.Lock()
        ours, theirs = os.pipe(), os.pipe()  # (parent reads, child writes), (child reads, ...)
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-P",  # not this file's folder on sys.path: its modules would shadow others
                str(Path(__file__).resolve()),
                str(file),
                str(theirs[0]),
                str(ours[1]),
                str(os.getpid()),
            ],
            pass_fds=(theirs[0], ours[1]),
            stdin=subprocess.DEVNULL,
            close_fds=True,
        )
        os.close(theirs[0])
        os.close(ours[1])
        self._recv = Pipe(ours[0], writable=False)
        self._send = Pipe(theirs[1], readable=False)
        _LIVE.add(self)
        try:
            self._call("open")
        except RuntimeError:
            self._end()
            raise

    def _call(self, *request: Any) -> Any:
        with self._lock:
            try:
                self._send.send(request)
                status, value = self._recv.recv()
            except (EOFError, OSError) as e:
                code = self._proc.poll()
                why = f"exit code {code}" if code is not None else type(e).__name__
                raise RuntimeError(WRITER_GONE.format(path=self.file.parent, why=why)) from e
        if status == "error":
            raise RuntimeError(value)
        return value

    def connect(self) -> Connection:
        cid = self._call("connect")

        def close() -> None:
            if self._proc.poll() is None:
                self._call("disconnect", cid)

        def execute(text: str, params: Any, tables: Any, read_only: bool, arrow: bool) -> Any:
            shipped = {name: _to_ipc(t) for name, t in (tables or {}).items()}
            return self._call("run", cid, text, params, shipped, read_only, arrow)

        return Connection(execute, close)

    def close(self) -> None:
        """Close the database in the child (a clean close: checkpointed) and end it."""
        if self._proc.poll() is None:
            try:
                self._call("close")
            finally:
                self._end()
        else:
            self._end()

    def _end(self) -> None:
        _LIVE.discard(self)
        self._send.close()
        self._recv.close()
        try:
            self._proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


_LIVE: set[WriterDatabase] = set()


@atexit.register
def _close_live() -> None:
    """Close writers a caller left open (as the in-process database closed itself at exit)."""
    for db in list(_LIVE):
        try:
            db.close()
        except RuntimeError:
            pass


def _to_ipc(table: Any) -> bytes:
    """An Arrow table as IPC stream bytes: only its rows (a pickled slice carries the whole
    table it was cut from: 529 MB for 400 rows in batches of 10)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def _from_ipc(data: bytes) -> Any:
    import pyarrow as pa

    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def _die_with(parent: int) -> None:
    """Leave now if the parent died already; later, its death closes the pipe (``serve``
    leaves on EOF). Not ``PR_SET_PDEATHSIG``: Linux ties it to the thread that started the
    child, and a server's job thread that rebuilt the store would take its writer with it.
    Ctrl-C goes to the whole terminal group: the parent decides, the child ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.getppid() != parent:
        os._exit(0)


def serve(file: Path, recv: Pipe, send: Pipe) -> None:
    """The child's loop: one request at a time, until ``close`` or the parent goes away (the
    database is then left as a killed process leaves it: the WAL replays on the next open)."""
    db: Any = None
    conns: dict[int, Any] = {}
    while True:
        try:
            request = recv.recv()
        except (EOFError, OSError):
            os._exit(0)
        kind, args = request[0], request[1:]
        try:
            if kind == "open":
                db = _open_database(file, read_only=False)
                value: Any = None
            elif kind == "connect":
                cid = len(conns) + 1 if not conns else max(conns) + 1
                conns[cid] = ladybug.Connection(db)
                value = cid
            elif kind == "run":
                cid, text, params, shipped, read_only, arrow = args
                tables = {name: _from_ipc(data) for name, data in shipped.items()}
                value = run(conns[cid], text, params, tables, read_only, arrow)
            elif kind == "disconnect":
                conns.pop(args[0]).close()
                value = None
            elif kind == "close":
                for conn in conns.values():
                    conn.close()
                if db is not None:
                    db.close()
                send.send(("ok", None))
                os._exit(0)
            else:
                raise RuntimeError(f"unknown request {kind!r}")
        except RuntimeError as e:
            send.send(("error", str(e)))
            continue
        except Exception as e:  # noqa: BLE001 (reported to the caller, never lost)
            send.send(("error", f"{type(e).__name__}: {e}"))
            continue
        send.send(("ok", value))


if __name__ == "__main__":
    _die_with(int(sys.argv[4]))
    os.umask(0o077)  # every file the database creates (the WAL, shadow files) is 0600
    serve(
        Path(sys.argv[1]),
        Pipe(int(sys.argv[2]), writable=False),
        Pipe(int(sys.argv[3]), readable=False),
    )
