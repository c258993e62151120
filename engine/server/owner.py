"""Which server owns a store: a file in the store that the CLI reads before it opens it.

``talentgraph serve`` writes ``<store>/server.json`` (pid, host, port, started) when it
opens the store and removes it when it stops. Another command on that store then refuses
with a message naming the server, instead of waiting for the database's lock and failing
with LadybugDB's words. A file left by a server that died (its pid is gone) is ignored.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from graph_schema.errors import StoreUnavailableError
from loaders.private_files import FILE_MODE

OWNER_FILE = "server.json"
OWNED = (
    "the store {db} is served by talentgraph serve (pid {pid}, http://{host}:{port}, since "
    "{started}): it owns the store while it runs. Use its API ({hint}), or stop it first"
)
HINTS = {
    "import": "POST /v1/imports",
    "train": "POST /v1/train",
    "decide": "POST /v1/decisions",
    "replay": "POST /v1/decisions/{seq}/replay",
    "rekey": "stop it first: rekeying rewrites the log it appends to",
}


def owner_path(db: str) -> Path | None:
    return None if "://" in db else Path(db) / OWNER_FILE


def claim(db: str, host: str, port: int) -> Path | None:
    """Write the owner file of ``db`` (an embedded store); returns its path."""
    path = owner_path(db)
    if path is None:
        return None
    record = {
        "pid": os.getpid(),
        "pid_started": _started(os.getpid()),
        "host": host,
        "port": port,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w") as fh:
        json.dump(record, fh)
    return path


def release(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


def _started(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, Linux), to tell it from a later
    process that reuses its number; ``None`` where /proc has no answer."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, after the command's parentheses


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return started is None or _started(pid) in (None, started)


def refuse_if_served(db: str, command: str = "") -> None:
    """Raise when a live server owns ``db`` (and it is not this process).

    Raises:
        StoreUnavailableError: naming the server and the endpoint to use instead.
    """
    path = owner_path(db)
    if path is None or not path.is_file():
        return
    try:
        record = json.loads(path.read_text())
        pid = int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return  # not a record a server wrote: the database's lock still protects the store
    if pid == os.getpid() or not _alive(pid, record.get("pid_started")):
        return
    raise StoreUnavailableError(
        OWNED.format(
            db=db,
            pid=pid,
            host=record.get("host", "?"),
            port=record.get("port", "?"),
            started=record.get("started", "?"),
            hint=HINTS.get(command, "GET /v1/..., docs/api.md"),
        )
    )
