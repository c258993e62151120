"""Quarantine: where rejected input rows go, with file, line, field, reason and the raw row.

A bad row never aborts an import and is never dropped silently: it is appended here as one
JSON line and counted. The quarantine file is meant for a human to fix and re-import.

Example:
    >>> q = Quarantine(None)
    >>> q.reject("candidates.jsonl", 3, "id", "field required", '{"name": 1}')
    >>> q.count, q.by_file()
    (1, {'candidates.jsonl': 1})
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from graph_schema.errors import InputRowError


@dataclass(frozen=True)
class Rejection:
    """One rejected row."""

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
    """One pydantic error -> 'must be ...; got VALUE' style text."""
    msg = error["msg"].removeprefix("Value error, ")
    if error["type"] in ("missing", "value_error", "json_invalid"):
        return msg
    value = error.get("input")
    return f"{msg}; got {json.dumps(value, default=str)[:120]}"


class Quarantine:
    """Collects rejections in memory (for the report) and appends them to a JSONL file.

    Args:
        path: file to append to; ``None`` keeps rejections in memory only.
        keep: how many rejections to keep in memory for the report (all are written).
    """

    def __init__(self, path: Path | None, keep: int = 1000) -> None:
        self.path = path
        self.keep = keep
        self.count = 0
        self.sample: list[Rejection] = []
        self._per_file: Counter[str] = Counter()
        self._fh: IO[str] | None = None

    def reject(self, file: str, line: int, field: str, reason: str, raw: str) -> None:
        rejection = Rejection(file, line, field, reason, raw)
        self.count += 1
        self._per_file[file] += 1
        if len(self.sample) < self.keep:
            self.sample.append(rejection)
        if self.path is not None:
            if self._fh is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = self.path.open("a", encoding="utf-8")
            self._fh.write(json.dumps(rejection.__dict__, ensure_ascii=False) + "\n")

    def reject_validation(self, file: str, line: int, error: ValidationError, raw: str) -> None:
        """Quarantine a row with pydantic's first error (all errors go into the reason)."""
        errors = error.errors(include_url=False)
        first = errors[0]
        reason = describe(first)
        if len(errors) > 1:
            reason += (
                f" (+{len(errors) - 1} more: "
                + "; ".join(f"{field_path(e['loc'])}: {describe(e)}" for e in errors[1:4])
                + ")"
            )
        self.reject(file, line, field_path(first["loc"]), reason, raw)

    def by_file(self) -> dict[str, int]:
        return dict(self._per_file)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
