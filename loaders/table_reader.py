"""Reading one table of a dataset: validate, check cross-row rules, map into the buffer.

Every row ends in exactly one of three counts, so that for every file
``rows = imported + merged + quarantined``:

- **imported**: written (new, or a changed version of a stored row: ``updated``);
- **merged**: nothing new to write: unchanged since the last import, or an exact repeat of
  an earlier row of the file (same id and bytes; an interaction at the same time);
- **quarantined**: rejected with file, line, field and reason (``Quarantine``).

Candidates, roles and interactions are read in blocks. A JSONL block is parsed by Arrow and
checked vectorised (``columnar.py``); every row it cannot vouch for, and every CSV row, is
validated by pydantic on its own. Both kinds of row then meet in one Arrow table per block
and go through one mapping (``profile_mapping``). Rows are visited in file order, so "first
at line N" means the same whichever path a row took. The small taxonomy tables are read row
by row (``RowMapper``).

A row that names a row this import rejected is quarantined too, saying where
(``candidate 'c-2' was rejected at candidates.jsonl line 17``); a stored candidate whose new
row says, in any field and any spelling, that the person may be under 18 is removed
(``ReadState.removed``; ``loaders.minors``). A CSV header with unknown, missing or repeated
columns is reported once per file (``ReadState.file_errors``), with every column the table has.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ValidationError
from tqdm import tqdm

from loaders.columnar import canonical_utc, parse_block
from loaders.dataset_fields import header_problem
from loaders.minors import MINOR_STATEMENT, import_month, row_states_minor
from loaders.profile_mapping import (
    CANDIDATE_REFS,
    ROLE_REFS,
    map_candidates,
    map_interactions,
    map_roles,
    records_table,
    refused_rows,
    rows_with_repeats,
)
from loaders.quarantine import Quarantine
from loaders.readers import (
    RawRecord,
    csv_header,
    iter_records,
    jsonl_lines,
    jsonl_record,
    too_large,
)
from loaders.records import MINOR_ERROR, CandidateRow, InteractionRow, Row
from loaders.row_mapping import (
    UNKNOWN_REF,
    RowMapper,
    RowRejected,
    canonical_time,
    change_status,
    row_hash,
)
from loaders.table_files import ReadLimits

DUPLICATE_ID = "duplicate id {id!r} with other values (first at line {first})"
DUPLICATE_INTERACTION = "duplicate interaction {key} at another time (first at line {first})"
BLOCK_ROWS = 50_000
NO_ARROW_TABLE = (
    "{file}: {rows} rows vouched for by the columnar check but no Arrow table to take them "
    "from (a bug in the table reader)"
)
PROFILE_TABLES: frozenset[str] = frozenset({"candidates", "roles", "interactions"})
# The label whose ids a table's rows carry (rejected ids are remembered per label).
LABEL_OF: dict[str, str] = {
    "domains": "Domain",
    "locations": "Location",
    "organizations": "Organization",
    "skills": "Skill",
    "occupations": "Occupation",
    "roles": "Role",
    "candidates": "Candidate",
}


@dataclass
class ReadState:
    """What every table read shares: resolution state, quarantine, change detection, and
    what the writer must do beyond the buffer (replace, commit digests, remove)."""

    mapper: RowMapper
    quarantine: Quarantine
    hashes: dict[str, dict[str, str | None]]
    stored_interactions: set[tuple[Any, ...]]
    changed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    digests: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    removed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    removed_count: Counter[str] = field(default_factory=Counter)  # of those, ids that existed
    interaction_first: dict[tuple[str, str, str], tuple[int, str]] = field(default_factory=dict)
    file_errors: list[str] = field(default_factory=list)  # a CSV header's problems, per file


@dataclass
class TableStats:
    rows: int = 0
    imported: int = 0
    updated: int = 0
    merged: int = 0
    quarantined: int = 0
    warnings: int = 0


class _Block:
    """Consecutive records of one file: line numbers and bytes; the decoded ``RawRecord``
    of a row is built only when the per-row path or the quarantine needs it."""

    def __init__(
        self, lines: list[int], datas: list[bytes], records: list[RawRecord | None], limit: int
    ) -> None:
        self.lines, self.datas, self.limit = lines, datas, limit
        self._records = records
        # JSONL: a short ASCII line is valid; build records of the others (a line over the
        # limit has its record already, and no bytes)
        for i, data in enumerate(datas):
            if records[i] is None and not data.isascii():
                record = jsonl_record(lines[i], data, limit)
                if record.error is not None:
                    self._records[i] = record

    def __len__(self) -> int:
        return len(self.lines)

    def record(self, i: int) -> RawRecord:
        record = self._records[i]
        if record is None:
            record = self._records[i] = jsonl_record(self.lines[i], self.datas[i], self.limit)
        return record

    def broken(self, i: int) -> bool:
        """True when record ``i`` is known to be undecodable (or otherwise unreadable)."""
        record = self._records[i]
        return record is not None and record.error is not None


def _blocks(path: Path, size: int, limits: ReadLimits) -> Iterator[_Block]:
    lines: list[int] = []
    datas: list[bytes] = []
    records: list[RawRecord | None] = []
    if path.suffix == ".jsonl":
        for number, data, length in jsonl_lines(path, limits):
            lines.append(number)
            datas.append(data if data is not None else b"")
            records.append(
                None if data is not None else too_large(number, length, limits.line_bytes)
            )
            if len(lines) == size:
                yield _Block(lines, datas, records, limits.line_bytes)
                lines, datas, records = [], [], []
        if lines:
            yield _Block(lines, datas, records, limits.line_bytes)
        return
    for record in iter_records(path, limits):
        lines.append(record.line)
        datas.append(record.raw.encode("utf-8", errors="backslashreplace"))
        records.append(record)
        if len(lines) == size:
            yield _Block(lines, datas, records, limits.line_bytes)
            lines, datas, records = [], [], []
    if lines:
        yield _Block(lines, datas, records, limits.line_bytes)


def payload_dict(record: RawRecord) -> dict[str, Any] | None:
    """The fields a rejected record carries, if they can be read (to name it in references
    and to spot a minor); an undecodable record is read with its bad bytes replaced."""
    payload: Any = record.payload
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError):
            return None
    return payload if isinstance(payload, dict) else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _texts(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class TableReader:
    """Reads tables into ``state`` (one instance per import)."""

    def __init__(
        self,
        state: ReadState,
        progress: bool,
        columnar: bool = True,
        limits: ReadLimits | None = None,
    ) -> None:
        self.state = state
        self.progress = progress
        self.columnar = columnar
        self.limits = limits or ReadLimits()

    def read(self, table: str, model: type[Row], path: Path) -> TableStats:
        with import_month(self.state.mapper.as_of):  # a date in an age band: read at as_of
            return self._read(table, model, path)

    def _read(self, table: str, model: type[Row], path: Path) -> TableStats:
        stats = TableStats()
        seen: dict[str, tuple[int, str]] = {}
        if path.suffix == ".csv":
            problem = header_problem(path.name, model, csv_header(path, self.limits))
            if problem is not None:
                self.state.file_errors.append(problem)
        bar = tqdm(desc=f"read {path.name}", unit=" rows", disable=not self.progress, leave=False)
        if table in PROFILE_TABLES:
            for block in _blocks(path, BLOCK_ROWS, self.limits):
                self._block(path.name, table, model, block, stats, seen)
                bar.update(len(block))
        else:  # the small taxonomy tables: record by record
            for record in iter_records(path, self.limits):
                self._row(path.name, table, model, record, stats, seen)
                bar.update()
        bar.close()
        return stats

    # -- outcomes -----------------------------------------------------------------------
    def _reject(
        self,
        file: str,
        table: str,
        record: RawRecord,
        stats: TableStats,
        field_: str,
        reason: str,
        *,
        minor: bool = False,
    ) -> None:
        self.state.quarantine.reject(file, record.line, field_, reason, record.raw, minor=minor)
        stats.quarantined += 1
        label = LABEL_OF.get(table)
        payload = payload_dict(record) if label else None
        node_id = _text(payload.get("id")) if payload else None
        if label and node_id and payload:
            names = [payload.get("name"), *_texts(payload.get("aliases"))]
            where = f"{file} line {record.line}"
            self.state.mapper.resolver.reject(label, node_id, where, names)

    def _validate(
        self, file: str, table: str, model: type[Row], record: RawRecord, stats: TableStats
    ) -> BaseModel | None:
        """The validated row, or None after quarantining it (a minor's stored profile is
        marked for removal)."""
        if record.error is not None:
            minor = self._minor_statement(table, record) is not None
            self._reject(file, table, record, stats, "-", record.error, minor=minor)
            if minor:
                self._remove_minor(file, record)
            return None
        try:
            if isinstance(record.payload, dict):
                return model.model_validate(record.payload)
            return model.model_validate_json(record.payload)
        except ValidationError as e:
            field_, reason = self.state.quarantine.describe(e)
            minor = any(x["type"] == MINOR_ERROR for x in e.errors())
            if not minor:  # an age in a field the row model does not have, or beside an error
                where = self._minor_statement(table, record)
                if where is not None:
                    field_, reason, minor = where, MINOR_STATEMENT, True
            self._reject(file, table, record, stats, field_, reason, minor=minor)
            if minor:
                self._remove_minor(file, record)
            return None

    def _minor_statement(self, table: str, record: RawRecord) -> str | None:
        """The field of a rejected candidate row that says the person may be under 18."""
        if table != "candidates":
            return None
        return row_states_minor(payload_dict(record), self.state.mapper.as_of)

    def _remove_minor(self, file: str, record: RawRecord) -> None:
        """A row describing a minor removes the person, whatever else the import says: the
        stored profile, a row of this import with the same id (written, then removed at the
        end of the stage), and any later row with that id (refused)."""
        state = self.state
        payload = payload_dict(record)
        node_id = _text(payload.get("id")) if payload else None
        if not node_id or state.mapper.resolver.is_removed("Candidate", node_id):
            return
        hashes = state.hashes.get("Candidate", {})
        written = node_id in hashes or state.mapper.resolver.knows("Candidate", node_id)
        hashes.pop(node_id, None)
        state.digests["Candidate"] = [d for d in state.digests["Candidate"] if d[0] != node_id]
        state.changed["Candidate"] = [i for i in state.changed["Candidate"] if i != node_id]
        state.removed["Candidate"].append(node_id)
        if written:
            state.removed_count["Candidate"] += 1
        state.mapper.resolver.remove("Candidate", node_id, f"{file} line {record.line}")

    def _first(
        self, seen: dict[str, tuple[int, str]], node_id: str, line: int, digest: str
    ) -> str | None:
        """None for the first row with ``node_id``; "merged" for an exact repeat; else the
        reason to reject it."""
        first = seen.get(node_id)
        if first is None:
            seen[node_id] = (line, digest)
            return None
        if first[1] == digest:
            return "merged"
        return DUPLICATE_ID.format(id=node_id, first=first[0])

    # -- taxonomy tables, row by row ----------------------------------------------------
    def _row(
        self,
        file: str,
        table: str,
        model: type[Row],
        record: RawRecord,
        stats: TableStats,
        seen: dict[str, tuple[int, str]],
    ) -> None:
        stats.rows += 1
        row = self._validate(file, table, model, record, stats)
        if row is None:
            return
        row_id = getattr(row, "id", None)
        if row_id is not None:
            verdict = self._first(seen, row_id, record.line, row_hash(record.raw))
            if verdict == "merged":
                stats.merged += 1
                return
            if verdict is not None:
                return self._reject(file, table, record, stats, "id", verdict)
        try:
            getattr(self.state.mapper, type(row).__name__.removesuffix("Row").lower())(row)
        except RowRejected as e:
            return self._reject(file, table, record, stats, e.field, e.reason)
        stats.imported += 1

    # -- candidates, roles, interactions: blocks ----------------------------------------
    def _fast_rows(
        self, file: str, model: type[Row], block: _Block
    ) -> tuple[pa.Table | None, dict[int, int]]:
        """(Arrow table, {position in block: row in table}) of rows the columnar check
        vouches for; the other rows go through pydantic."""
        if not self.columnar or not file.endswith(".jsonl"):
            return None, {}
        good = [i for i in range(len(block)) if not block.broken(i)]
        if not good:
            return None, {}
        table, suspect = parse_block(model, [block.datas[i] for i in good])
        if table is None:
            return None, {}
        fast = {pos: j for j, pos in enumerate(good) if not suspect[j]}
        if model is not InteractionRow and fast:
            lists = ("skills", "experience") if model is CandidateRow else ("skills",)
            rows = sorted(fast.values())
            repeats = rows_with_repeats(table.take(rows), self.state.mapper, lists)
            again = {rows[k] for k in repeats}
            fast = {pos: j for pos, j in fast.items() if j not in again}
        return table, fast

    def _known(self, arrow: pa.Table, column: str, label: str) -> list[bool]:
        """Per row of ``arrow``: does ``column`` name a known ``label`` node (vectorised)."""
        encoded = arrow.column(column).combine_chunks().dictionary_encode()
        resolver = self.state.mapper.resolver
        known = np.array([resolver.knows(label, r) for r in encoded.dictionary.to_pylist()])
        return known[pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)].tolist()

    def _block(
        self,
        file: str,
        table_name: str,
        model: type[Row],
        block: _Block,
        stats: TableStats,
        seen: dict[str, tuple[int, str]],
    ) -> None:
        stats.rows += len(block)
        arrow, fast = self._fast_rows(file, model, block)
        interactions = model is InteractionRow
        at: list[str] = []
        if interactions and arrow is not None:
            # "at" in its canonical UTC text, once per block (the keys and the mapping use it)
            canonical = canonical_utc(arrow.column("at").combine_chunks())
            arrow = arrow.set_column(arrow.schema.get_field_index("at"), "at", canonical)
            at = canonical.to_pylist()
            keys = list(zip(*(arrow.column(c).to_pylist() for c in ("candidate", "role", "type"))))
            known = [
                a and b
                for a, b in zip(
                    self._known(arrow, "candidate", "Candidate"),
                    self._known(arrow, "role", "Role"),
                    strict=True,
                )
            ]
        elif arrow is not None:
            ids = arrow.column("id").to_pylist()
        # Accepted rows in file order: (position, Arrow row index or dumped dict, warnings,
        # digest).
        accepted: list[tuple[int, int | dict[str, Any], Sequence[tuple[str, str]], str]] = []
        lines = block.lines
        for pos in range(len(block)):
            warnings: Sequence[tuple[str, str]] = ()
            line = lines[pos]
            if pos in fast:
                value: int | dict[str, Any] = fast[pos]
                if interactions:
                    row_key: Any = (keys[value], at[value])
                    if known[value]:  # the common case, without a call per row
                        verdict = self._repeat_or_stored(line, *row_key)
                    else:
                        verdict = self._check_interaction(line, *row_key)
                else:
                    row_key = ids[value]
            else:
                row = self._validate(file, table_name, model, block.record(pos), stats)
                if row is None:
                    continue
                if isinstance(row, InteractionRow):
                    at_text = canonical_time(row.at)
                    value = {**row.model_dump(mode="json"), "at": at_text}
                    verdict = self._check_interaction(
                        line, (row.candidate, row.role, row.type), at_text
                    )
                else:
                    row, warnings = self.state.mapper.merge_repeats(row)  # type: ignore[arg-type]
                    value = row.model_dump(mode="json")
                    row_key = row.id
            digest = ""
            if not interactions:
                digest = row_hash(block.datas[pos])
                verdict = self._check_profile(table_name, seen, row_key, line, digest)
            if verdict == "merged":
                stats.merged += 1
            elif verdict is not None:
                self._reject(file, table_name, block.record(pos), stats, *verdict)
            else:
                accepted.append((pos, value, warnings, digest))
        if accepted:
            self._map_block(file, table_name, model, block, arrow, accepted, stats)

    def _check_profile(
        self, table: str, seen: dict[str, tuple[int, str]], node_id: str, line: int, digest: str
    ) -> tuple[str, str] | str | None:
        """(field, reason) to reject the row, "merged" if it adds nothing, else None."""
        label = LABEL_OF[table]
        resolver = self.state.mapper.resolver
        if resolver.is_removed(label, node_id):
            return ("id", resolver.refusal(label, node_id, label.lower()) or "")
        verdict = self._first(seen, node_id, line, digest)
        if verdict == "merged":
            return verdict
        if verdict is not None:
            return ("id", verdict)
        if change_status(self.state.hashes[label], node_id, digest) == "unchanged":
            return "merged"
        return None

    def _check_interaction(
        self, line: int, key: tuple[str, str, str], at: str
    ) -> tuple[str, str] | str | None:
        """(field, reason) if this interaction breaks a cross-row rule, "merged" if it adds
        nothing, else None."""
        resolver = self.state.mapper.resolver
        for field_, label, ref, table in (
            ("candidate", "Candidate", key[0], "candidates"),
            ("role", "Role", key[1], "roles"),
        ):
            if not resolver.knows(label, ref):
                reason = resolver.refusal(label, ref, field_)
                return field_, reason or UNKNOWN_REF.format(what=field_, ref=ref, table=table)
        return self._repeat_or_stored(line, key, at)

    def _repeat_or_stored(
        self, line: int, key: tuple[str, str, str], at: str
    ) -> tuple[str, str] | str | None:
        """The interaction rules past its references: a repeat or already stored."""
        first = self.state.interaction_first.setdefault(key, (line, at))
        if first[0] != line:
            if first[1] == at:
                return "merged"
            return "type", DUPLICATE_INTERACTION.format(key=list(key), first=first[0])
        stored = self.state.stored_interactions
        if stored and (*key, at) in stored:
            return "merged"
        return None

    def _map_block(
        self,
        file: str,
        table_name: str,
        model: type[Row],
        block: _Block,
        arrow: pa.Table | None,
        accepted: list[tuple[int, int | dict[str, Any], Sequence[tuple[str, str]], str]],
        stats: TableStats,
    ) -> None:
        """Assemble the accepted rows into one table (file order) and map it."""
        state, mapper = self.state, self.state.mapper
        fast: list[tuple[int, int]] = []
        slow: list[tuple[int, dict[str, Any]]] = []
        for k, entry in enumerate(accepted):
            value = entry[1]
            (slow if type(value) is dict else fast).append((k, value))  # type: ignore[arg-type]
        parts: list[pa.Table] = []
        if fast:
            if arrow is None:  # only the columnar check vouches for rows, from its table
                raise RuntimeError(NO_ARROW_TABLE.format(file=file, rows=len(fast)))
            parts.append(arrow.take(pa.array([v for _, v in fast], pa.int64())))
        if slow:
            parts.append(records_table(model, [v for _, v in slow]))
        order = [k for k, _ in fast] + [k for k, _ in slow]
        table = parts[0]
        if len(parts) > 1:
            inverse = sorted(range(len(order)), key=order.__getitem__)
            table = pa.concat_tables(parts).take(pa.array(inverse, pa.int64()))
        if model is InteractionRow:
            map_interactions(table, mapper)
            stats.imported += table.num_rows
            return
        label = LABEL_OF[table_name]
        refused = refused_rows(table, mapper, CANDIDATE_REFS if label == "Candidate" else ROLE_REFS)
        for issue in refused:
            record = block.record(accepted[issue.row][0])
            self._reject(file, table_name, record, stats, issue.field, issue.reason)
        if refused:
            bad = {issue.row for issue in refused}
            keep = [k for k in range(table.num_rows) if k not in bad]
            table = table.take(pa.array(keep, pa.int64()))
            accepted = [accepted[k] for k in keep]
        (map_candidates if label == "Candidate" else map_roles)(table, mapper)
        hashes = state.hashes[label]
        ids = table.column("id").to_pylist()
        for node_id, (pos, _, warnings, digest) in zip(ids, accepted, strict=True):
            if mapper.resolver.is_removed(label, node_id):
                continue  # a later row of this block describes a minor: removed at stage end
            mapper.resolver.add(label, node_id)
            if node_id in hashes:
                state.changed[label].append(node_id)
                stats.updated += 1
            state.digests[label].append((node_id, digest))
            for field_, message in warnings:
                state.quarantine.warn(file, block.lines[pos], field_, message)
                stats.warnings += 1
        stats.imported += len(accepted)
