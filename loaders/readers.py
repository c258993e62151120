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
MAX_ROW_BYTES = 16 * 1024 * 1024  # one row of one table; a larger one is quarantined
TOO_LARGE = "the row is {size:,} bytes; a row may be at most {limit:,} bytes"
COLUMN_CLASH = "column {column!r} and a column {child!r} inside it are both given"
EXTRA_CELLS = "the row has {count} more cells than the header has columns"
UNTERMINATED = (
    "a quoted cell opened on this line is never closed: lines {first}..{last} (the rest of "
    "the file) were read as one record"
)
BOM = b"\xef\xbb\xbf"
NOT_UTF8 = "not valid UTF-8 ({detail}); the file must be UTF-8"
_ESCAPED = re.compile("[\udc80-\udcff]")  # undecodable bytes under errors="surrogateescape"


@dataclass(frozen=True)
class RawRecord:
    """One input record: where it is, its raw text, and its payload (str for JSONL).

    ``error`` is set when the record cannot be validated (bytes that are not UTF-8, a row
    too large, a CSV shape error); ``raw`` then shows bad bytes escaped (``\\xff``) and
    ``payload`` holds what can still be read (bad bytes replaced), to name the row's id.
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


def jsonl_record(number: int, data: bytes) -> RawRecord:
    """One JSONL line as a RawRecord: ``error`` set for bytes that are not UTF-8 or a line
    over MAX_ROW_BYTES."""
    text, error = decode_line(data)
    if error is None and len(data) > MAX_ROW_BYTES:
        error = TOO_LARGE.format(size=len(data), limit=MAX_ROW_BYTES)
    payload = data.decode("utf-8", errors="replace") if error else text
    return RawRecord(number, text, payload, error)


def utf16(path: Path) -> str | None:
    """``"utf-16"`` when the file starts with a UTF-16 byte-order mark (Excel's "Unicode
    text"), else None: such a file is read as UTF-16, not as bytes that are not UTF-8."""
    with path.open("rb") as fh:
        head = fh.read(2)
    return "utf-16" if head in (b"\xff\xfe", b"\xfe\xff") else None


def jsonl_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, UTF-8 bytes) of the non-blank lines of a JSONL file, without a BOM."""
    if utf16(path):
        text = path.read_text(encoding="utf-16", errors="surrogatepass")
        for number, line in enumerate(text.split("\n"), start=1):
            data = line.rstrip("\r").encode("utf-8", errors="surrogatepass")
            if data.strip():
                yield number, data
        return
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
    """A CSV record (header -> cell) as the nested dict a JSONL row would be.

    Raises:
        ValueError: a column and a dotted column inside it (``sensitive``, ``sensitive.gender``).
    """
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
            except (json.JSONDecodeError, RecursionError):
                value = cell  # left as text: validation names the field and the value
        elif key in STRING_LISTS:
            value = [part.strip() for part in cell.split(";") if part.strip()]
        target = out
        *parents, leaf = column.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
            if not isinstance(target, dict):  # a bad row, not a bad argument
                raise ValueError(COLUMN_CLASH.format(column=parent, child=column))  # noqa: TRY004
        if leaf in target and isinstance(target[leaf], dict):
            raise ValueError(COLUMN_CLASH.format(column=column, child=f"{column}.*"))
        target[leaf] = value
    return out


def iter_records(path: Path) -> Iterator[RawRecord]:
    """Records of one table file; blank JSONL lines are skipped (they are not rows)."""
    if path.suffix == ".jsonl":
        for number, line in jsonl_lines(path):
            yield jsonl_record(number, line)
        return
    csv.field_size_limit(2**31 - 1)  # sizes are checked per row below, as for JSONL
    encoding = utf16(path) or "utf-8-sig"
    with path.open("r", encoding=encoding, errors="surrogateescape", newline="") as fh:
        reader = csv.DictReader(fh, strict=True)
        _ = reader.fieldnames  # reads the header, so line_num counts it
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error:
                with path.open("rb") as raw:
                    last = sum(1 for _ in raw)
                error = UNTERMINATED.format(first=start, last=last)
                yield RawRecord(start, "", {}, error)
                return
            yield _csv_record(start, row)
            start = reader.line_num + 1


def _csv_record(line: int, row: dict[str | None, Any]) -> RawRecord:
    """One CSV record as a RawRecord; ``error`` set for bad bytes, extra cells, clashes."""
    extra = row.pop(None, None)
    raw = json.dumps({**row, **({"": extra} if extra else {})}, ensure_ascii=False)
    error = None
    if _ESCAPED.search(raw):
        data = raw.encode("utf-8", errors="surrogateescape")
        raw, error = decode_line(data)
        row = {  # bad bytes replaced: enough to read the id (and an age band) of the row
            k: v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            if isinstance(v, str)
            else v
            for k, v in row.items()
            if isinstance(k, str)
        }
    elif len(raw) > MAX_ROW_BYTES:
        error = TOO_LARGE.format(size=len(raw), limit=MAX_ROW_BYTES)
    elif extra:
        error = EXTRA_CELLS.format(count=len(extra))
    try:
        shaped = shape_csv_row(row)  # type: ignore[arg-type]
    except ValueError as e:
        return RawRecord(line, raw, {}, error or str(e))
    return RawRecord(line, raw, shaped, error)
