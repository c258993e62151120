"""Reading dataset tables from JSON Lines or CSV into (line, raw text, payload) records.

Files are found and opened by ``table_files``: regular files only (a symbolic link only to
a file inside the dataset folder), at most ``ReadLimits.file_bytes`` each. A line (JSONL) or
record (CSV) is read up to ``ReadLimits.line_bytes``; a longer one is skipped to its end and
comes out as a record with ``error`` set (quarantined on its own), never held in memory.

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
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from graph_schema.errors import ConfigError
from loaders.quarantine import is_sensitive_key
from loaders.table_files import MAX_LINE_BYTES, ReadLimits, checked_target, open_table

STRING_LISTS: frozenset[str] = frozenset({"aliases", "locations", "domains"})
MAX_ROW_BYTES = MAX_LINE_BYTES  # the default limit of one row (ReadLimits.line_bytes)
TOO_LARGE = (
    "the row is {size:,} bytes; a row may be at most {limit:,} bytes "
    "(import_options.max_line_bytes)"
)
RECORD_TOO_LARGE = (
    "the record that starts on this line is over {limit:,} bytes "
    "(import_options.max_line_bytes), or a quoted cell in it is never closed: lines "
    "{first}..{last} (the rest of the file) were not read"
)
COLUMN_CLASH = "column {column!r} and a column {child!r} inside it are both given"
EXTRA_CELLS = "the row has {count} more cells than the header has columns"
UNTERMINATED = (
    "a quoted cell opened on this line is never closed: lines {first}..{last} (the rest of "
    "the file) were read as one record"
)
BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
NOT_UTF8 = "not valid UTF-8 ({detail}); the file must be UTF-8"
_ESCAPED = re.compile("[\udc80-\udcff]")  # undecodable bytes under errors="surrogateescape"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class RawRecord:
    """One input record: where it is, its raw text, and its payload (str for JSONL).

    ``error`` is set when the record cannot be validated (bytes that are not UTF-8, a row
    too large, a CSV shape error); ``raw`` then shows bad bytes escaped (``\\xff``) and
    ``payload`` holds what can still be read (bad bytes replaced), to name the row's id.
    A row over the size limit keeps neither (it was never read into memory).
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


def jsonl_record(number: int, data: bytes, limit: int = MAX_ROW_BYTES) -> RawRecord:
    """One JSONL line as a RawRecord: ``error`` set for bytes that are not UTF-8 or a line
    over ``limit`` bytes."""
    if len(data) > limit:
        return too_large(number, len(data), limit)
    text, error = decode_line(data)
    payload = data.decode("utf-8", errors="replace") if error else text
    return RawRecord(number, text, payload, error)


BAD_UTF16 = (
    "{file}: line {line} is not valid UTF-16 ({reason}); the file looks cut off: export it "
    "again (nothing after the last complete line was read)"
)


def too_large(number: int, size: int, limit: int) -> RawRecord:
    """The record of a line over ``limit`` bytes: where and how large, no content."""
    return RawRecord(number, "", "", TOO_LARGE.format(size=size, limit=limit))


def _drain(readline: Callable[[int], Any], eol: str | bytes) -> int:
    """Read the rest of an over-long line in pieces; the length of what was left, without
    the end of line ``eol`` (``"\\r\\n"`` or ``b"\\r\\n"``)."""
    size = 0
    while True:
        chunk = readline(_CHUNK)
        if not chunk or chunk[-1:] == eol[-1:]:
            return size + len(chunk.rstrip(eol))
        size += len(chunk)


def _utf16_lines(fh: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    text = io.TextIOWrapper(fh, encoding="utf-16", errors="surrogatepass", newline="\n")
    number = 0
    while True:
        try:
            line = text.readline(limit + 2)
        except UnicodeDecodeError as e:  # a cut-off file: an odd byte, half a surrogate pair
            name = getattr(fh, "name", "the table file")
            raise ConfigError(BAD_UTF16.format(file=name, line=number + 1, reason=e.reason)) from e
        if not line:
            return
        number += 1
        if len(line) > limit + 1 and not line.endswith("\n"):
            yield (
                number,
                None,
                len(line.encode("utf-8", "surrogatepass")) + _drain(text.readline, "\r\n"),
            )
            continue
        data = line.rstrip("\n").rstrip("\r").encode("utf-8", errors="surrogatepass")
        if len(data) > limit:
            yield number, None, len(data)
        elif data.strip():
            yield number, data, len(data)


def jsonl_lines(
    path: Path, limits: ReadLimits | None = None
) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, UTF-8 bytes, size) of the non-blank lines of a JSONL file, without a
    BOM or end of line; the bytes are None for a line over ``limits.line_bytes`` (read to its
    end, not kept).

    Raises:
        ConfigError: the file is not a regular file of the folder, or is too large.
    """
    limits = limits or ReadLimits()
    limit = limits.line_bytes
    with open_table(path, limits) as fh:
        if fh.peek(2)[:2] in UTF16_BOMS:
            yield from _utf16_lines(fh, limit)
            return
        if fh.peek(len(BOM))[: len(BOM)] == BOM:
            fh.read(len(BOM))
        number = 0
        while True:
            line = fh.readline(limit + 2)  # the line, "\r\n" and one byte to see it is too long
            if not line:
                return
            number += 1
            if len(line) > limit + 1 and not line.endswith(b"\n"):
                yield number, None, len(line) + _drain(fh.readline, b"\r\n")
                continue
            line = line.rstrip(b"\r\n")
            if len(line) > limit:
                yield number, None, len(line)
            elif line.strip():
                yield number, line, len(line)


def table_path(directory: Path, table: str) -> Path | None:
    """The file holding ``table`` (``candidates.jsonl`` or ``candidates.csv``), if any.

    Raises:
        ConfigError: both exist, or the file is not a regular file of the folder (a FIFO, a
            device, a symbolic link out of the folder).
    """
    found = [
        p for p in (directory / f"{table}.jsonl", directory / f"{table}.csv") if os.path.lexists(p)
    ]
    if len(found) > 1:
        raise ConfigError(
            f"{directory}: both {found[0].name} and {found[1].name} exist; keep one format per table"
        )
    if not found:
        return None
    checked_target(found[0], directory)
    return found[0]


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


class _RecordTooLarge(Exception):
    """A CSV record grew past the limit (raised through the csv reader)."""


class _CsvLines:
    """Physical lines of a CSV file for ``csv.reader``: a record (the lines since ``mark``)
    of more than ``limit`` characters raises ``_RecordTooLarge`` instead of growing."""

    def __init__(self, text: IO[str], limit: int) -> None:
        self.text, self.limit, self.taken = text, limit, 0

    def mark(self) -> None:
        self.taken = 0

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        line = self.text.readline(self.limit + 2 - self.taken)
        if not line:
            raise StopIteration
        self.taken += len(line)
        if self.taken > self.limit + 1:
            raise _RecordTooLarge
        return line


def _line_count(path: Path, limits: ReadLimits) -> int:
    """Lines of the file (the last one may lack its end of line), read in chunks."""
    count, last = 0, b"\n"
    with open_table(path, limits) as fh:
        while chunk := fh.read(_CHUNK):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def csv_header(path: Path, limits: ReadLimits | None = None) -> list[str]:
    """The column names of a CSV table (its first record)."""
    for record in _csv_records(path, limits or ReadLimits(), header_only=True):
        return record  # type: ignore[return-value]
    return []


def iter_records(path: Path, limits: ReadLimits | None = None) -> Iterator[RawRecord]:
    """Records of one table file; blank JSONL lines are skipped (they are not rows).

    Raises:
        ConfigError: the file is not a regular file of the folder, or is too large.
    """
    limits = limits or ReadLimits()
    if path.suffix == ".jsonl":
        for number, line, size in jsonl_lines(path, limits):
            if line is None:
                yield too_large(number, size, limits.line_bytes)
            else:
                yield jsonl_record(number, line, limits.line_bytes)
        return
    yield from _csv_records(path, limits)  # type: ignore[misc]


def _csv_records(
    path: Path, limits: ReadLimits, header_only: bool = False
) -> Iterator[RawRecord | list[str]]:
    csv.field_size_limit(2**31 - 1)  # sizes are checked per record (``_CsvLines``)
    with open_table(path, limits) as binary:
        encoding = "utf-16" if binary.peek(2)[:2] in UTF16_BOMS else "utf-8-sig"
        text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
        lines = _CsvLines(text, limits.line_bytes)
        reader = csv.DictReader(lines, strict=True)
        start = 1
        try:
            header = reader.fieldnames  # reads the header, so line_num counts it
        except (csv.Error, _RecordTooLarge):
            header = None
        if header_only:
            yield list(header or [])
            return
        if header is None:  # an empty file, or a header that cannot be read
            if reader.line_num:
                last = _line_count(path, limits)
                yield RawRecord(
                    start,
                    "",
                    {},
                    RECORD_TOO_LARGE.format(limit=limits.line_bytes, first=start, last=last),
                )
            return
        start = reader.line_num + 1
        while True:
            lines.mark()
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, _RecordTooLarge) as e:
                last = _line_count(path, limits)
                template = RECORD_TOO_LARGE if isinstance(e, _RecordTooLarge) else UNTERMINATED
                error = template.format(limit=limits.line_bytes, first=start, last=last)
                yield RawRecord(start, "", {}, error)
                return
            yield _csv_record(start, row, limits.line_bytes)
            start = reader.line_num + 1


def _csv_record(line: int, row: dict[str | None, Any], limit: int = MAX_ROW_BYTES) -> RawRecord:
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
    elif len(raw) > limit:
        error = TOO_LARGE.format(size=len(raw), limit=limit)
    elif extra:
        error = EXTRA_CELLS.format(count=len(extra))
        if any(is_sensitive_key(column) for column in row):
            raw = ""  # cells shifted past a sensitive column: any of them may be its value
    try:
        shaped = shape_csv_row(row)  # type: ignore[arg-type]
    except ValueError as e:
        return RawRecord(line, raw, {}, error or str(e))
    return RawRecord(line, raw, shaped, error)
