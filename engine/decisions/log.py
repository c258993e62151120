"""``DecisionLog``: an append-only, hash-chained and signed JSONL log of recruiter decisions.

Each line is one record: the decision's fields, its sequence number ``seq`` (from 1), the
``prev`` hash (the previous record's ``hash``; 64 zeros for the first), its own ``hash`` (the
SHA-256 of the canonical JSON, sorted keys and no spaces, of everything but ``hash``, ``key``
and ``mac``), and its signature: ``key``, the id of the key (``engine.decisions.keys``), and
``mac``, the HMAC-SHA256 of the hash under that key. Editing a record changes its hash;
deleting one breaks the next record's ``prev`` and the sequence; recomputing the chain after
either needs the key, which is kept outside the log's folder. Deleting records *at the end*
leaves a shorter, valid chain, so the log keeps a signed head (the last ``seq`` and ``hash``)
in a second file, ``<log>.head``: :func:`verify` compares the two. The head is written when
the log is started and then only ever replaced by an append (never by a reader), so a missing
or unsigned head is reported as tampering.

Appends are serialised: a lock per log in the process, then an exclusive ``flock`` on
``<log>.lock`` between processes; under it the appender re-reads the log if another writer
moved it, so two writers never give out the same ``seq``. Appends are crash-safe: the line is
written and fsynced, then the head is replaced (temporary file, fsync, rename). A crash
between the two leaves one signed record more than the head says (``head_behind``); a crash
mid-write leaves a torn last line (``torn_tail``). Both are recoverable, not tampering:
readers accept them as they are (the torn line is not a record), and the next append drops
the torn line and continues after the last signed record. A write that fails (a full disk)
truncates the log back to where it was and raises :class:`DecisionWriteError`: the log stays
verifiable and holds no half record.

Logs written before signatures (no ``mac``) are reported as ``unkeyed`` and refused by every
reader; :func:`rekey` signs such a log after checking its chain (it cannot tell a log written
before keys from one whose signatures were stripped: compare it with a backup first).

Example:
    >>> log = DecisionLog.open(Path("/tmp/tg-doc/decisions.jsonl"))      # doctest: +SKIP
    >>> log.append({"role_id": "r1", "candidate_id": "c1", "decision": "accept"})  # doctest: +SKIP
    >>> verify(Path("/tmp/tg-doc/decisions.jsonl")).ok                   # doctest: +SKIP
    True
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.decisions.keys import BAD_KEY_ID, KEY_ID, DecisionKeyError, KeyRing, same, sign
from graph_schema.errors import ConfigError, TalentGraphError
from loaders.private_files import FILE_MODE, fsync_dir

GENESIS = "0" * 64
RESERVED = ("seq", "prev", "hash", "key", "mac")
UNHASHED = ("hash", "key", "mac")
RECOVERABLE = ("torn_tail", "head_behind")
MAX_RECORD_BYTES = 1_000_000
"""A record's line is refused above this size (the decision's own text fields are bounded
far below it: ``engine.decisions.text``)."""

TAMPERED = "decision log {path}: {detail}; run `talentgraph decisions verify`"
UNKEYED = (
    "decision log {path} was written before logs were signed (line 1 has no `mac`): anyone "
    "could have rewritten it. Compare it with a backup, then run `talentgraph decisions "
    "rekey` to sign it"
)
WRITE_FAILED = (
    "decision log {path}: the decision was not recorded ({reason}); the log is as it was "
    "({records} decisions, verifiable). Free space on that disk (or fix the file's "
    "permissions) and record the decision again"
)
TOO_BIG = "a decision record must be at most {limit:,} bytes as JSON; got {size:,}"


class DecisionWriteError(TalentGraphError, OSError):
    """Writing the decision log failed (a full disk, a read-only file); the log was put back
    as it was. The message names the file and what to do."""


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found.

    Attributes:
        ok: the chain is intact, signed, and agrees with the signed head.
        records: valid records read (before the first problem).
        problem: ``None``, or one of ``edited`` (a record's hash or signature does not match
            it), ``deleted_or_reordered``, ``not_json``, ``truncated`` (fewer records than the
            head), ``no_head`` (records but no head), ``bad_head`` (an unsigned or edited
            head), ``unkeyed`` (a log written before signatures, else consistent), and the
            recoverable ``torn_tail`` (a write cut off) and ``head_behind`` (one signed record
            more than the head: a crash between record and head).
        line: 1-based line of the problem (``None`` when not a line's).
        detail: a sentence for people.
        key_id: the key the log is signed with (``None``: not signed, or empty).
        head_seq, head_hash: what the head says (``None``: no head).
    """

    ok: bool
    records: int
    problem: str | None = None
    line: int | None = None
    detail: str = ""
    key_id: str | None = None
    head_seq: int | None = None
    head_hash: str | None = None


@dataclass
class _State:
    """One reading of the log: its valid records, where they end, and what was found."""

    records: list[dict[str, Any]]
    end: int  # byte offset after the last valid line
    size: int  # bytes in the file
    keyed: bool | None  # None: no record (decided by the head)
    problem: Verification | None = None
    torn: bool = False
    head: dict[str, Any] | None = None
    head_raw: bytes | None = None
    verification: Verification = field(default_factory=lambda: Verification(True, 0))


def canonical(record: Mapping[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes a hash is taken over."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record without its ``hash``, ``key`` and ``mac``."""
    return hashlib.sha256(
        canonical({k: v for k, v in record.items() if k not in UNHASHED})
    ).hexdigest()


def record_mac(key: bytes, hash_: str) -> str:
    """The signature of a record with that hash."""
    return sign(key, "record", hash_)


def head_mac(key: bytes, seq: int, hash_: str) -> str:
    """The signature of a head saying ``seq`` records, the last with hash ``hash_``."""
    return sign(key, "head", f"{seq}\n{hash_}")


def head_path(path: Path) -> Path:
    """``<log>.head``."""
    return path.with_name(path.name + ".head")


def lock_path(path: Path) -> Path:
    """``<log>.lock``: the file appenders ``flock``."""
    return path.with_name(path.name + ".lock")


def _read_head(path: Path) -> tuple[dict[str, Any] | None, bytes | None]:
    try:
        raw = head_path(path).read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as e:
        raise ConfigError(f"{head_path(path)}: not a readable head ({e})") from e
    try:
        head = json.loads(raw)
    except ValueError:
        head = None
    return (head if isinstance(head, dict) else {}), raw


def _read(path: Path, keys: KeyRing) -> _State:
    """Walk the chain, check every signature and compare the end with the head. The head is
    read first: an append writes its line before its head, so a reader racing it sees at
    worst one record more than the head (``head_behind``), never fewer."""
    head, head_raw = _read_head(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    state = _State([], 0, len(data), None, head=head, head_raw=head_raw)
    records = state.records
    lines = data.split(b"\n")
    prev = GENESIS
    for number, raw in enumerate(lines[:-1], start=1):
        record, problem = _check_line(path, keys, raw, number, prev, len(records), state)
        if problem is not None:
            state.problem = problem
            break
        records.append(record)
        prev = record["hash"]
        state.end += len(raw) + 1
    else:
        state.torn = bool(lines[-1])
    if not records and state.problem is None:
        state.keyed = head is not None and "mac" in head
    state.verification = _compare(path, keys, state)
    return state


def _check_line(
    path: Path,
    keys: KeyRing,
    raw: bytes,
    number: int,
    prev: str,
    count: int,
    state: _State,
) -> tuple[dict[str, Any], Verification | None]:
    def found(problem: str, detail: str) -> tuple[dict[str, Any], Verification]:
        return {}, Verification(False, count, problem, number, f"line {number}: {detail}")

    try:
        record = json.loads(raw)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        return found("not_json", "not a JSON record")
    if number == 1:
        state.keyed = "mac" in record
    if record.get("hash") != record_hash(record):
        return found("edited", "its hash does not match its content (edited)")
    if state.keyed:
        if "mac" not in record or not KEY_ID.match(str(record.get("key"))):
            return found("edited", "its signature is missing (edited)")
        key = keys.key(record["key"], path)
        if not same(record["mac"], record_mac(key, record["hash"])):
            return found(
                "edited", "its signature does not match its content (edited and re-hashed)"
            )
    if record.get("prev") != prev or record.get("seq") != count + 1:
        return found(
            "deleted_or_reordered",
            f"seq {record.get('seq')!r} does not follow record {count} (a record was deleted "
            "or moved)",
        )
    return record, None


def _compare(path: Path, keys: KeyRing, state: _State) -> Verification:
    """The verdict once the chain was walked: the chain's own problem, else the head's."""
    records, head = state.records, state.head
    n = len(records)
    if state.problem is not None:
        return state.problem
    keyed = bool(state.keyed)
    key_id = (records[-1]["key"] if n else (head or {}).get("key")) if keyed else None
    seq = head.get("seq") if head else None
    tip = head.get("hash") if head else None

    def verdict(ok: bool, problem: str | None = None, detail: str = "") -> Verification:
        return Verification(
            ok,
            n,
            problem,
            n + 1 if problem == "torn_tail" else None,
            detail,
            key_id if keyed else None,
            seq if isinstance(seq, int) else None,
            tip if isinstance(tip, str) else None,
        )

    if head is None:
        if n == 0 and not state.torn:
            return verdict(True)
        return verdict(
            False,
            "no_head",
            f"{head_path(path)} is missing (a head is written when a log starts and replaced "
            "only by an append: the end of the log was cut, or its head deleted)",
        )
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not isinstance(tip, str):
        return verdict(False, "bad_head", f"{head_path(path)} is not a head (edited)")
    if keyed:
        if not KEY_ID.match(str(head.get("key"))):
            return verdict(False, "bad_head", f"{head_path(path)} names no key (edited)")
        key = keys.key(head["key"], path)
        if not same(head.get("mac"), head_mac(key, seq, tip)):
            return verdict(
                False,
                "bad_head",
                f"the signature of {head_path(path)} does not match it (the head was "
                "replaced or edited)",
            )
    if n < seq:
        return verdict(
            False,
            "truncated",
            f"the head says {seq} records, the log has {n}: records were removed from the end",
        )
    behind = n == seq + 1 and (seq == 0 and tip == GENESIS or records[seq - 1]["hash"] == tip)
    if not behind and (n != seq or (records[-1]["hash"] if records else GENESIS) != tip):
        return verdict(False, "deleted_or_reordered", "the head does not match the last record")
    if not keyed and n:
        return verdict(
            False,
            "unkeyed",
            f"{n} decisions, chain and head consistent, but not signed (written before logs "
            "were signed: anyone could have rewritten it); compare it with a backup, then "
            "run `talentgraph decisions rekey` to sign it",
        )
    if behind:
        return verdict(
            False,
            "head_behind",
            "one record more than the head (a crash between the record and its head; "
            "recoverable: the next decision continues the log)",
        )
    if state.torn:
        return verdict(
            False,
            "torn_tail",
            "the last line is incomplete (a write was cut off; recoverable: it is not a "
            "record, and the next decision drops it)",
        )
    return verdict(True)


def verify(path: Path, keys_dir: Path | None = None) -> Verification:
    """Check the whole log against its chain, its signatures and its head (module docstring).

    Raises:
        DecisionKeyError: a signed log whose key is missing (``engine.decisions.keys``).
    """
    return _read(Path(path), KeyRing(keys_dir)).verification


def _usable(path: Path, state: _State) -> None:
    """Raise unless the log is intact or only holds a crash's leftovers."""
    result = state.verification
    if result.ok or result.problem in RECOVERABLE:
        return
    if result.problem == "unkeyed":
        raise ConfigError(UNKEYED.format(path=path))
    raise ConfigError(TAMPERED.format(path=path, detail=result.detail))


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the log's append lock: a lock per log in this process, then an exclusive
    ``flock`` on ``<log>.lock`` (other processes)."""
    path = Path(path)
    name = os.path.abspath(path)
    with _GUARD:
        lock = _LOCKS.setdefault(name, threading.Lock())
    with lock:
        fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the flock


_GUARD = threading.Lock()
_LOCKS: dict[str, threading.Lock] = {}


class DecisionLog:
    """Appends decisions to a signed, hash-chained log; safe from several threads and
    processes at once.

    Use :meth:`open`: it checks the chain first and refuses a tampered log.
    """

    def __init__(self, path: Path, seq: int, last: str, keys: KeyRing | None = None) -> None:
        self.path = path
        self.seq = seq
        self.last = last
        self.keys = keys if keys is not None else KeyRing()
        self._seen: tuple[int, bytes | None] | None = None
        self._key_id: str | None = None

    @classmethod
    def open(cls, path: Path, keys_dir: Path | None = None) -> DecisionLog:
        """Open the log at ``path`` (its folder is created; the log is not written: an
        append starts it). Reading never writes: a torn tail or a head left behind by a
        crash are read as they are and mended by the next append.

        Raises:
            ConfigError: the log was edited, truncated, reordered, its head removed or
                replaced, or it is not signed (:func:`verify`'s detail).
            DecisionKeyError: its key is missing.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = KeyRing(keys_dir)
        state = _read(path, keys)
        _usable(path, state)
        log = cls(path, len(state.records), _tip(state), keys)
        return log

    def append(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Append one record (``fields`` must be JSON-ready and not use ``seq``, ``prev``,
        ``hash``, ``key`` or ``mac``); returns the record as written.

        Raises:
            ConfigError: a reserved field, a value JSON cannot hold, a record over
                ``MAX_RECORD_BYTES``, or a log that fails verification.
            DecisionKeyError: the log's key is missing.
            DecisionWriteError: the write failed (the log is put back as it was).
        """
        clash = [k for k in RESERVED if k in fields]
        if clash:
            raise ConfigError(f"decision fields may not be named {clash}")
        try:
            size = len(canonical(fields))
        except (TypeError, ValueError) as e:
            raise ConfigError(f"a decision record must be JSON-ready: {e}") from e
        if size > MAX_RECORD_BYTES:
            raise ConfigError(TOO_BIG.format(limit=MAX_RECORD_BYTES, size=size))
        with locked(self.path):
            return self._append_locked(fields)

    def _append_locked(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        end = self._sync()
        key_id, key = _signing_key(self.keys, self._key_id, self.path)
        record: dict[str, Any] = {**fields, "seq": self.seq + 1, "prev": self.last}
        record["hash"] = record_hash(record)
        record["key"] = key_id
        record["mac"] = record_mac(key, record["hash"])
        line = canonical(record) + b"\n"
        try:
            _write_at(self.path, end, line)
            head_raw = _write_head(self.path, record["seq"], record["hash"], key_id, key)
        except OSError as e:
            _truncate(self.path, end)
            raise DecisionWriteError(
                WRITE_FAILED.format(path=self.path, reason=e.strerror or e, records=self.seq)
            ) from e
        self.seq, self.last = record["seq"], record["hash"]
        self._seen = (end + len(line), head_raw)
        return record

    def _sync(self) -> int:
        """Under the lock: bring ``seq``/``last`` up to the log on disk (another writer may
        have appended), drop a torn tail, start a new log; returns the offset to write at."""
        size = self.path.stat().st_size if self.path.exists() else 0
        head_raw = _read_head(self.path)[1]
        if self._seen is not None and self._seen == (size, head_raw):
            return size
        state = _read(self.path, self.keys)
        _usable(self.path, state)
        self.seq, self.last = len(state.records), _tip(state)
        if not state.keyed:  # a new log (or an empty unsigned one): a signed head first
            self._key_id = self.keys.current_id(create=True)
            key = self.keys.key(self._key_id, self.path)
            try:
                head_raw = _write_head(self.path, 0, GENESIS, self._key_id, key)
            except OSError as e:
                raise DecisionWriteError(
                    WRITE_FAILED.format(path=self.path, reason=e.strerror or e, records=0)
                ) from e
        else:
            self._key_id = state.verification.key_id
        if state.end != size:  # a torn tail: not a record, its append never returned
            _truncate(self.path, state.end)
        self._seen = (state.end, head_raw)
        return state.end


def _signing_key(keys: KeyRing, key_id: str | None, log: Path) -> tuple[str, bytes]:
    """``key_id`` and its key, to sign ``log`` with.

    Raises:
        DecisionKeyError: ``key_id`` is None (a signed log always names its key, and
            ``current_id(create=True)`` makes one: this is checked, not assumed, so that it
            holds under ``python -O`` too), not a key id, or its key file is missing.
    """
    if key_id is None:
        raise DecisionKeyError(BAD_KEY_ID.format(log=log, key_id=key_id))
    return key_id, keys.key(key_id, log)


def _tip(state: _State) -> str:
    return state.records[-1]["hash"] if state.records else GENESIS


def read(path: Path, keys_dir: Path | None = None) -> list[dict[str, Any]]:
    """Every record of the log at ``path``, oldest first, after checking the chain, the
    signatures and the head (a crash's leftovers are read as they are: never written);
    ``[]`` when there is no log and no head (a head without its log is a deleted log).

    Raises:
        ConfigError: the log was edited, truncated, reordered, deleted, its head removed or
            replaced, or it is not signed.
        DecisionKeyError: its key is missing.
    """
    path = Path(path)
    if not path.exists() and not head_path(path).exists():
        return []
    state = _read(path, KeyRing(keys_dir))
    _usable(path, state)
    return state.records


def rekey(path: Path, keys_dir: Path | None = None, new_key: bool = False) -> Verification:
    """Sign the log with the current key (``new_key``: with a new key, made current first):
    a log written before signatures (``unkeyed``) or one signed with an older key. The
    records' hashes do not change (a signature is not part of the hash). The log is written
    to a temporary file and renamed over the old one, then the head.

    Raises:
        ConfigError: the chain or head fails verification (an unsigned log is trusted as
            it is: check it against a backup first).
        DecisionKeyError: the key the log is signed with now is missing.
    """
    path = Path(path)
    if not path.exists() and not head_path(path).exists():
        raise ConfigError(f"no decision log at {path}: nothing to sign")
    keys = KeyRing(keys_dir)
    with locked(path):
        state = _read(path, keys)
        result = state.verification
        unsigned = not state.keyed and result.problem in ("unkeyed", "no_head")
        if not (result.ok or result.problem in RECOVERABLE or unsigned):
            raise ConfigError(TAMPERED.format(path=path, detail=result.detail))
        key_id, key = _signing_key(
            keys, keys.rotate() if new_key else keys.current_id(create=True), path
        )
        lines = []
        for record in state.records:
            signed = {**record, "key": key_id, "mac": record_mac(key, record["hash"])}
            lines.append(canonical(signed) + b"\n")
        try:
            _replace(path, b"".join(lines))
            _write_head(path, len(state.records), _tip(state), key_id, key)
        except OSError as e:
            raise DecisionWriteError(
                f"decision log {path}: signing failed ({e.strerror or e}); the log still "
                "verifies with its previous key. Free space on that disk and run it again"
            ) from e
    return verify(path, keys_dir)


def _write_at(path: Path, offset: int, data: bytes) -> None:
    """Write ``data`` at ``offset`` (the end of the last valid line), fsync."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _truncate(path: Path, offset: int) -> None:
    """Cut the log back to ``offset`` (a failed or torn write), durably."""
    if not path.exists():
        return
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, offset)
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` (temporary file, fsync, rename)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.unlink(missing_ok=True)
        _write_at(tmp, 0, data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_head(path: Path, seq: int, last: str, key_id: str, key: bytes) -> bytes:
    """Replace the head (temporary file, fsync, rename); returns the bytes written."""
    head = head_path(path)
    raw = json.dumps(
        {"seq": seq, "hash": last, "key": key_id, "mac": head_mac(key, seq, last)}
    ).encode()
    _replace(head, raw)
    try:
        fsync_dir(head.parent)
    except OSError:  # the rename is done; a crash now at worst leaves the head behind
        pass
    return raw
