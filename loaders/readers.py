"""Reading dataset tables from JSON Lines or CSV into (line, raw text, payload) records.

Encoding is checked here, at the boundary: files are UTF-8, with or without a byte-order
mark (Excel's "CSV UTF-8" writes one); a record holding bytes that are not UTF-8 comes out
with ``error`` set and no payload, so the import quarantines that record alone.

JSONL lines are passed on as text so that pydantic parses and validates them in one step
(``model_validate_json``). CSV records become dicts shaped like the JSONL objects:

- a dotted column (``signals.reliability``) becomes a nested field;
- a cell starting with ``[`` or ``{`` is JSON (``skills`` as a list of objects);
- a list-of-strings column may instead be ``;``-separated (``aliases``: ``js;ecmascript``);
- an empty cell is an absent field.

Example:
    >>> shape_csv_row({"id": "c1", "signals.reliability": "0.9", "aliases": "a;b", "x": ""})
    {'id': 'c1', 'signals': {'reliability': '0.9'}, 'aliases': ['a', 'b']}
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_schema.errors import ConfigError

STRING_LISTS: frozenset[str] = frozenset({"aliases", "locations", "domains"})
CSV_FIELD_LIMIT = 10_000_000
BOM = b"\xef\xbb\xbf"
NOT_UTF8 = "not valid UTF-8 ({detail}); the file must be UTF-8"
_ESCAPED = re.compile("[\udc80-\udcff]")  # undecodable bytes under errors="surrogateescape"


@dataclass(frozen=True)
class RawRecord:
    """One input record: where it is, its raw text, and its payload (str for JSONL).

    ``error`` is set (and ``payload`` is empty) when the record's bytes are not UTF-8;
    ``raw`` then shows the bad bytes escaped (``\\xff``).
    """

    line: int
    raw: str
    payload: str | dict[str, Any]
    error: str | None = None


def decode_line(data: bytes) -> tuple[str, str | None]:
    """(text, error): ``data`` as UTF-8, or escaped text and why it is not UTF-8."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        detail = f"byte 0x{data[e.start]:02x} at position {e.start}"
        return data.decode("utf-8", errors="backslashreplace"), NOT_UTF8.format(detail=detail)


def jsonl_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of the non-blank lines of a JSONL file, without a leading BOM."""
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number == 1 and line.startswith(BOM):
                line = line[len(BOM) :]
            line = line.rstrip(b"\r\n")
            if line.strip():
                yield number, line


def table_path(directory: Path, table: str) -> Path | None:
    """The file holding ``table`` (``candidates.jsonl`` or ``candidates.csv``), if any."""
    found = [p for p in (directory / f"{table}.jsonl", directory / f"{table}.csv") if p.exists()]
    if len(found) > 1:
        raise ConfigError(
            f"{directory}: both {found[0].name} and {found[1].name} exist; keep one format per table"
        )
    return found[0] if found else None


def shape_csv_row(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None or cell is None or cell == "":
            continue
        key = column.rsplit(".", 1)[-1]
        value: Any = cell
        stripped = cell.strip()
        if stripped[:1] in "[{":
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError:
                value = cell  # left as text: validation names the field and the value
        elif key in STRING_LISTS:
            value = [part.strip() for part in cell.split(";") if part.strip()]
        target = out
        *parents, leaf = column.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return out


def iter_records(path: Path) -> Iterator[RawRecord]:
    """Records of one table file; blank JSONL lines are skipped (they are not rows)."""
    if path.suffix == ".jsonl":
        for number, line in jsonl_lines(path):
            text, error = decode_line(line)
            yield RawRecord(number, text, "" if error else text, error)
        return
    csv.field_size_limit(CSV_FIELD_LIMIT)
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.DictReader(fh)
        _ = reader.fieldnames  # reads the header, so line_num counts it
        start = reader.line_num + 1
        for row in reader:
            extra = row.pop(None, None)  # type: ignore[call-overload]
            raw = json.dumps(row, ensure_ascii=False)
            if _ESCAPED.search(raw):
                data = raw.encode("utf-8", errors="surrogateescape")
                text, error = decode_line(data)
                yield RawRecord(start, text, {}, error)
            else:
                shaped = shape_csv_row(row)
                if extra:
                    shaped["__extra_cells__"] = extra  # rejected by extra="forbid"
                yield RawRecord(start, raw, shaped)
            start = reader.line_num + 1
