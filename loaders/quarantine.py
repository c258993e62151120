"""Quarantine: where rejected input rows go, with file, line, field, reason and the raw row.

A bad row never aborts an import and is never dropped silently: it is appended here as one
JSON line and counted. The quarantine file is meant for a human to fix and re-import, so it
keeps the raw row, but never a sensitive value in clear:

- the values of sensitive fields are replaced by ``"[redacted]"`` in the raw row, at any
  depth: ``sensitive.*`` and any key that names a protected attribute, in any case or
  separator (``sex``, ``Date-Of-Birth``, ``ETHNIC_ORIGIN``, ``marital status``:
  ``graph_schema.sensitive.PROTECTED_NAMES``); reasons about them never quote the value;
- a row that does not parse as a JSON object (broken JSON, bytes that are not UTF-8, a bare
  list) keeps no raw text at all: its values cannot be told apart;
- a minor's row keeps file, line, field and reason only;
- the value of an unknown (extra) key or column is never quoted in a reason (its name may
  be a lookalike of a protected one: ``"ѕex"`` with a Cyrillic ``ѕ``);
- file, field and reason are printable: control characters (C0, C1) and bidirectional
  formatting characters taken from the input are escaped (``\\x1b``, ``\\u202e``), so a
  reason echoed to a terminal cannot move the cursor or reorder the text (``printable``);
- files are created 0600 in a folder made 0700.

Rows imported with a change (a skill listed twice and merged) are *warnings*: counted and
written beside the quarantine file (``warnings-...jsonl``: file, line, field, message).

Example:
    >>> q = Quarantine(None)
    >>> q.reject("candidates.jsonl", 3, "id", "field required",
    ...          '{"name": 1, "sensitive": {"gender": "f"}}')
    >>> q.count, q.by_file(), q.sample[0].raw
    (1, {'candidates.jsonl': 1}, '{"name": 1, "sensitive": {"gender": "[redacted]"}}')
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from graph_schema.errors import InputRowError
from graph_schema.printable import printable
from graph_schema.sensitive import is_protected_name, name_words
from loaders.private_files import private_append

REDACTED = "[redacted]"
WITHHELD = ""  # raw text that cannot be parsed as a JSON object is not kept


# C0 and C1 controls, DEL, bidirectional formatting marks, line and paragraph separators.
def is_sensitive_key(key: object) -> bool:
    """``sensitive`` (and ``sensitive.age_band``) or the name of a protected attribute, in
    any case, padding or separator: ``Gender ``, ``Date-Of-Birth``, ``ETHNIC_ORIGIN``."""
    if not isinstance(key, str):
        return False
    return "sensitive" in name_words(key) or is_protected_name(key)


def _redact_value(value: Any) -> Any:
    """Every value under a sensitive key, at any depth, replaced by REDACTED."""
    if isinstance(value, dict):
        return {
            k: _redact_all(v) if is_sensitive_key(k) else _redact_value(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    return value


def _redact_all(value: Any) -> Any:
    """Inside a sensitive object: every leaf redacted, keys kept."""
    if isinstance(value, dict):
        return {k: _redact_all(v) for k, v in value.items()}
    return REDACTED


@dataclass(frozen=True)
class Rejection:
    """One rejected row (or, for a warning, one merged value; ``raw`` is then empty)."""

    file: str
    line: int
    field: str
    reason: str
    raw: str

    @property
    def message(self) -> str:
        return InputRowError.MESSAGE.format(
            file=self.file, line=self.line, field=self.field, reason=self.reason
        )


def field_path(loc: tuple[Any, ...]) -> str:
    """pydantic ``loc`` -> ``skills[2].level``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "-"


def describe(error: dict[str, Any]) -> str:
    """One pydantic error -> 'must be ...; got VALUE' style text. Never a sensitive value,
    never a whole object or list (a row wrapped in a list would be quoted whole)."""
    msg = error["msg"].removeprefix("Value error, ")
    if error["type"] in ("missing", "value_error", "json_invalid", "extra_forbidden"):
        return msg  # an unknown key's value is never quoted: its name may hide a protected one
    if any(is_sensitive_key(part) for part in error["loc"]):
        return msg
    value = error.get("input")
    if isinstance(value, dict):
        return f"{msg}; got an object"
    if isinstance(value, list | tuple):
        return f"{msg}; got a list of {len(value)} items"
    return f"{msg}; got {json.dumps(value, default=str)[:120]}"


def redact(raw: str) -> str:
    """``raw`` (a JSON row) with sensitive values replaced, at any depth.

    Only a JSON object is kept: text that does not parse as one (broken JSON, escaped bytes
    that are not UTF-8, a bare list or value) is withheld altogether (``WITHHELD``), since
    which of its values are sensitive cannot be told. An object with a key given twice is
    written back as parsed (the raw text could hold a sensitive value JSON drops).
    """
    repeated = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        repeated = repeated or len({k for k, _ in items}) < len(items)
        return dict(items)

    try:
        row = json.loads(raw, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return WITHHELD
    if not isinstance(row, dict):
        return WITHHELD
    redacted = _redact_value(row)
    if redacted == row and not repeated:
        return raw
    return json.dumps(redacted, ensure_ascii=False)


class Quarantine:
    """Collects rejections in memory (for the report) and appends them to a JSONL file.

    Args:
        path: file to append to; ``None`` keeps rejections in memory only.
        keep: how many rejections (and warnings) to keep in memory for the report.
    """

    def __init__(self, path: Path | None, keep: int = 1000) -> None:
        self.path = path
        self.keep = keep
        self.count = 0
        self.warning_count = 0
        self.sample: list[Rejection] = []
        self.warnings: list[Rejection] = []
        self._per_file: Counter[str] = Counter()
        self._fh: IO[str] | None = None
        self._warn_fh: IO[str] | None = None

    @property
    def warnings_path(self) -> Path | None:
        if self.path is None:
            return None
        return self.path.with_name("warnings-" + self.path.name.removeprefix("import-"))

    def reject(
        self, file: str, line: int, field: str, reason: str, raw: str, *, minor: bool = False
    ) -> None:
        """Quarantine one row; a ``minor``'s row keeps no raw content at all."""
        rejection = Rejection(
            printable(file), line, printable(field), printable(reason), "" if minor else redact(raw)
        )
        self.count += 1
        self._per_file[file] += 1
        if len(self.sample) < self.keep:
            self.sample.append(rejection)
        if self.path is not None:
            if self._fh is None:
                self._fh = private_append(self.path)
            self._fh.write(json.dumps(rejection.__dict__, ensure_ascii=False) + "\n")

    def warn(self, file: str, line: int, field: str, message: str) -> None:
        """Record a row that was imported with a change (e.g. a skill listed twice, merged)."""
        warning = Rejection(printable(file), line, printable(field), printable(message), "")
        self.warning_count += 1
        if len(self.warnings) < self.keep:
            self.warnings.append(warning)
        path = self.warnings_path
        if path is not None:
            if self._warn_fh is None:
                self._warn_fh = private_append(path)
            entry = {k: v for k, v in warning.__dict__.items() if k != "raw"}
            self._warn_fh.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def describe(self, error: ValidationError) -> tuple[str, str]:
        """(field, reason) of a row pydantic rejected: its first error, and up to three more."""
        errors = error.errors(include_url=False)
        first = errors[0]
        reason = describe(first)
        if len(errors) > 1:
            reason += (
                f" (+{len(errors) - 1} more: "
                + "; ".join(f"{field_path(e['loc'])}: {describe(e)}" for e in errors[1:4])
                + ")"
            )
        return field_path(first["loc"]), reason

    def by_file(self) -> dict[str, int]:
        return dict(self._per_file)

    def close(self) -> None:
        for fh in (self._fh, self._warn_fh):
            if fh is not None:
                fh.close()
        self._fh = self._warn_fh = None
