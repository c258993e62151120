"""``DecisionLog``: an append-only, hash-chained JSONL log of recruiter decisions.

Each line is one record: the decision's fields, its sequence number ``seq`` (from 1), the
``prev`` hash (the previous record's ``hash``; 64 zeros for the first) and its own ``hash``,
the SHA-256 of the canonical JSON (sorted keys, no spaces) of everything else in the line.
Editing a record changes its hash; deleting one breaks the next record's ``prev`` and the
sequence. Deleting records *at the end* leaves a shorter, valid chain, so the log keeps its
head (sequence number and hash of the last record) in a second file, ``<log>.head``,
replaced atomically after every append: :func:`verify` compares the two.

Appends are crash-safe: the line is written and fsynced, then the head is replaced (write to
a temporary file, fsync, rename). A crash between the two leaves one record more than the head
says; :func:`verify` reports it as ``head_behind`` (recoverable: :meth:`DecisionLog.open`
advances the head after checking the chain), never as tampering. A torn last line (a crash
mid-write) is reported as ``torn_tail`` and dropped on open, since its append never returned.

Example:
    >>> log = DecisionLog.open(Path("/tmp/tg-doc/decisions.jsonl"))      # doctest: +SKIP
    >>> log.append({"role_id": "r1", "candidate_id": "c1", "decision": "accept"})  # doctest: +SKIP
    >>> verify(Path("/tmp/tg-doc/decisions.jsonl")).ok                   # doctest: +SKIP
    True
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_schema.errors import ConfigError

GENESIS = "0" * 64
RESERVED = ("seq", "prev", "hash")


def canonical(record: Mapping[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes a hash is taken over."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record without its own ``hash`` field."""
    return hashlib.sha256(canonical({k: v for k, v in record.items() if k != "hash"})).hexdigest()


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found.

    Attributes:
        ok: the chain is intact and agrees with the head.
        records: valid records read (before the first problem).
        problem: ``None``, or one of ``edited``, ``deleted_or_reordered``, ``not_json``,
            ``torn_tail``, ``truncated`` (fewer records than the head), ``head_behind``
            (one more record than the head: a crash between line and head), ``no_head``.
        line: 1-based line of the problem (``None`` when not a line's).
        detail: a sentence for people.
    """

    ok: bool
    records: int
    problem: str | None = None
    line: int | None = None
    detail: str = ""


def _head_path(path: Path) -> Path:
    return path.with_name(path.name + ".head")


def _read_head(path: Path) -> dict[str, Any] | None:
    try:
        head = json.loads(_head_path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise ConfigError(f"{_head_path(path)}: not a readable head ({e})") from e
    return head


def _walk(path: Path) -> tuple[list[dict[str, Any]], Verification | None]:
    """The valid records in order, and the first problem of the chain (if any)."""
    records: list[dict[str, Any]] = []
    if not path.exists():
        return records, None
    data = path.read_bytes()
    lines = data.split(b"\n")
    complete = lines[:-1]  # the part after the last newline is a torn write if non-empty
    prev = GENESIS
    for number, raw in enumerate(complete, start=1):
        try:
            record = json.loads(raw)
            assert isinstance(record, dict)
        except (ValueError, AssertionError):
            return records, Verification(
                False, len(records), "not_json", number, f"line {number} is not a JSON record"
            )
        if record.get("hash") != record_hash(record):
            return records, Verification(
                False,
                len(records),
                "edited",
                number,
                f"line {number}: its hash does not match its content (edited)",
            )
        if record.get("prev") != prev or record.get("seq") != len(records) + 1:
            return records, Verification(
                False,
                len(records),
                "deleted_or_reordered",
                number,
                f"line {number}: seq {record.get('seq')} does not follow record {len(records)} (a record was deleted or moved)",
            )
        records.append(record)
        prev = record["hash"]
    if lines[-1]:
        return records, Verification(
            False,
            len(records),
            "torn_tail",
            len(complete) + 1,
            "the last line is incomplete (a write was cut off)",
        )
    return records, None


def verify(path: Path) -> Verification:
    """Check the whole log against its chain and its head (see the module docstring)."""
    path = Path(path)
    records, problem = _walk(path)
    if problem is not None:
        return problem
    head = _read_head(path)
    if head is None:
        if records:
            return Verification(
                False, len(records), "no_head", None, f"{_head_path(path)} is missing"
            )
        return Verification(True, 0)
    count, last = head.get("seq", 0), head.get("hash", GENESIS)
    if len(records) < count:
        return Verification(
            False,
            len(records),
            "truncated",
            None,
            f"the head says {count} records, the log has {len(records)}: records were removed from the end",
        )
    if len(records) == count + 1 and (count == 0 or records[count - 1]["hash"] == last):
        return Verification(
            False,
            len(records),
            "head_behind",
            None,
            "one record more than the head (a crash between the record and its head; recoverable)",
        )
    tip = records[-1]["hash"] if records else GENESIS
    if len(records) != count or tip != last:
        return Verification(
            False,
            len(records),
            "deleted_or_reordered",
            None,
            "the head does not match the last record",
        )
    return Verification(True, len(records))


class DecisionLog:
    """Appends decisions to a hash-chained log; one writer at a time.

    Use :meth:`open`: it checks the chain first and refuses a tampered log.
    """

    def __init__(self, path: Path, seq: int, last: str) -> None:
        self.path = path
        self.seq = seq
        self.last = last

    @classmethod
    def open(cls, path: Path) -> DecisionLog:
        """Open (creating) the log at ``path``; recover a torn tail or a head left behind.

        Raises:
            ConfigError: the log was edited, truncated or reordered (:func:`verify`'s detail).
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        result = verify(path)
        if result.problem == "torn_tail":
            keep = path.read_bytes().rfind(b"\n") + 1  # the torn part follows the last newline
            with open(path, "r+b") as f:
                f.truncate(keep)
                os.fsync(f.fileno())
            result = verify(path)
        if result.problem == "head_behind" or (result.problem == "no_head" and result.records):
            records, problem = _walk(path)
            if problem is None:
                _write_head(path, len(records), records[-1]["hash"])
                result = verify(path)
        if not result.ok:
            raise ConfigError(
                f"decision log {path}: {result.detail}; run `talentgraph decisions verify`"
            )
        records, _ = _walk(path)
        return cls(path, len(records), records[-1]["hash"] if records else GENESIS)

    def append(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Append one record (``fields`` must be JSON-ready and not use ``seq``, ``prev`` or
        ``hash``); returns the record as written.

        Raises:
            ConfigError: a reserved field, or a value JSON cannot hold.
        """
        clash = [k for k in RESERVED if k in fields]
        if clash:
            raise ConfigError(f"decision fields may not be named {clash}")
        record = {**fields, "seq": self.seq + 1, "prev": self.last}
        try:
            record["hash"] = record_hash(record)
            line = canonical(record) + b"\n"
        except (TypeError, ValueError) as e:
            raise ConfigError(f"a decision record must be JSON-ready: {e}") from e
        with open(self.path, "ab") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        _write_head(self.path, record["seq"], record["hash"])
        self.seq, self.last = record["seq"], record["hash"]
        return record


def read(path: Path) -> list[dict[str, Any]]:
    """Every record of the log at ``path``, oldest first, after :meth:`DecisionLog.open`
    checked the chain (and recovered a crash's leftovers); ``[]`` when there is no log (and
    no head: a head without its log is a deleted log).

    Raises:
        ConfigError: the log was edited, truncated, reordered or deleted.
    """
    path = Path(path)
    if not path.exists() and not _head_path(path).exists():
        return []
    DecisionLog.open(path)
    records, _ = _walk(path)
    return records


def _write_head(path: Path, seq: int, last: str) -> None:
    head = _head_path(path)
    tmp = head.with_name(head.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps({"seq": seq, "hash": last}))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, head)
