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
row describes a minor is removed (``ReadState.removed``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ValidationError
from tqdm import tqdm

from loaders.columnar import canonical_utc, parse_block
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
from loaders.readers import RawRecord, decode_line, iter_records, jsonl_lines
from loaders.records import MINOR_ERROR, CandidateRow, InteractionRow, Row
from loaders.row_mapping import (
    UNKNOWN_REF,
    RowMapper,
    RowRejected,
    canonical_time,
    change_status,
    row_hash,
)

DUPLICATE_ID = "duplicate id {id!r} with other values (first at line {first})"
DUPLICATE_INTERACTION = "duplicate interaction {key} at another time (first at line {first})"
BLOCK_ROWS = 50_000
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
    interaction_first: dict[tuple[str, str, str], tuple[int, str]] = field(default_factory=dict)


@dataclass
class TableStats:
    rows: int = 0
    imported: int = 0
    updated: int = 0
    merged: int = 0
    quarantined: int = 0
    warnings: int = 0


@dataclass(frozen=True)
class _Item:
    """One non-blank record: its bytes (for the digest and Arrow) and its decoded record."""

    data: bytes
    record: RawRecord


def _items(path: Path) -> Iterator[_Item]:
    if path.suffix == ".jsonl":
        for number, line in jsonl_lines(path):
            text, error = decode_line(line)
            yield _Item(line, RawRecord(number, text, "" if error else text, error))
    else:
        for record in iter_records(path):
            yield _Item(record.raw.encode("utf-8", errors="backslashreplace"), record)


def _blocks(path: Path, size: int) -> Iterator[list[_Item]]:
    block: list[_Item] = []
    for item in _items(path):
        block.append(item)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block


def payload_id(record: RawRecord) -> str | None:
    """The ``id`` a rejected record carries, if it can be read (to name it in references)."""
    payload: Any = record.payload
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return None
    node_id = payload.get("id") if isinstance(payload, dict) else None
    return node_id.strip() if isinstance(node_id, str) and node_id.strip() else None


class TableReader:
    """Reads tables into ``state`` (one instance per import)."""

    def __init__(self, state: ReadState, progress: bool, columnar: bool = True) -> None:
        self.state = state
        self.progress = progress
        self.columnar = columnar

    def read(self, table: str, model: type[Row], path: Path) -> TableStats:
        stats = TableStats()
        seen: dict[str, tuple[int, str]] = {}
        bar = tqdm(desc=f"read {path.name}", unit=" rows", disable=not self.progress, leave=False)
        for block in _blocks(path, BLOCK_ROWS if table in PROFILE_TABLES else 1):
            if table in PROFILE_TABLES:
                self._block(path.name, table, model, block, stats, seen)
            else:
                self._row(path.name, table, model, block[0], stats, seen)
            bar.update(len(block))
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
        node_id = payload_id(record) if label else None
        if label and node_id:
            self.state.mapper.resolver.reject(label, node_id, f"{file} line {record.line}")

    def _validate(
        self, file: str, table: str, model: type[Row], record: RawRecord, stats: TableStats
    ) -> BaseModel | None:
        """The validated row, or None after quarantining it (a minor's stored profile is
        marked for removal)."""
        if record.error is not None:
            self._reject(file, table, record, stats, "-", record.error)
            return None
        try:
            if isinstance(record.payload, dict):
                return model.model_validate(record.payload)
            return model.model_validate_json(record.payload)
        except ValidationError as e:
            field_, reason = self.state.quarantine.describe(e)
            minor = any(x["type"] == MINOR_ERROR for x in e.errors())
            self._reject(file, table, record, stats, field_, reason, minor=minor)
            node_id = payload_id(record)
            if minor and node_id and node_id in self.state.hashes.get("Candidate", {}):
                del self.state.hashes["Candidate"][node_id]
                self.state.removed["Candidate"].append(node_id)
                self.state.mapper.resolver.remove(
                    "Candidate", node_id, f"{file} line {record.line}"
                )
            return None

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
        item: _Item,
        stats: TableStats,
        seen: dict[str, tuple[int, str]],
    ) -> None:
        stats.rows += 1
        record = item.record
        row = self._validate(file, table, model, record, stats)
        if row is None:
            return
        row_id = getattr(row, "id", None)
        if row_id is not None:
            verdict = self._first(seen, row_id, record.line, row_hash(item.data))
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
        self, file: str, model: type[Row], items: list[_Item]
    ) -> tuple[pa.Table | None, dict[int, int]]:
        """(Arrow table, {position in items: row in table}) of rows the columnar check
        vouches for; the other rows go through pydantic."""
        if not self.columnar or not file.endswith(".jsonl"):
            return None, {}
        good = [i for i, it in enumerate(items) if it.record.error is None]
        if not good:
            return None, {}
        table, suspect = parse_block(model, [items[i].data for i in good])
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

    def _block(
        self,
        file: str,
        table_name: str,
        model: type[Row],
        items: list[_Item],
        stats: TableStats,
        seen: dict[str, tuple[int, str]],
    ) -> None:
        stats.rows += len(items)
        arrow, fast = self._fast_rows(file, model, items)
        interactions = model is InteractionRow
        if interactions and arrow is not None:
            at = canonical_utc(arrow.column("at").combine_chunks()).to_pylist()
            keys = list(zip(*(arrow.column(c).to_pylist() for c in ("candidate", "role", "type"))))
        elif arrow is not None:
            ids = arrow.column("id").to_pylist()
        # Accepted rows in file order: (item, Arrow row index or dumped dict, extra).
        accepted: list[tuple[_Item, int | dict[str, Any], Any]] = []
        for pos, item in enumerate(items):
            record = item.record
            warnings: list[tuple[str, str]] = []
            if pos in fast:
                value: int | dict[str, Any] = fast[pos]
                row_key = (keys[value], at[value]) if interactions else ids[value]
            else:
                row = self._validate(file, table_name, model, record, stats)
                if row is None:
                    continue
                if isinstance(row, InteractionRow):
                    at_text = canonical_time(row.at)
                    value = {**row.model_dump(mode="json"), "at": at_text}
                    row_key = ((row.candidate, row.role, row.type), at_text)
                else:
                    row, warnings = self.state.mapper.merge_repeats(row)  # type: ignore[arg-type]
                    value = row.model_dump(mode="json")
                    row_key = row.id
            if interactions:
                verdict = self._check_interaction(record.line, *row_key)
            else:
                verdict = self._check_profile(table_name, seen, row_key, item)
            if verdict == "merged":
                stats.merged += 1
            elif verdict is not None:
                self._reject(file, table_name, record, stats, *verdict)
            else:
                accepted.append((item, value, warnings))
        if accepted:
            self._map_block(file, table_name, model, arrow, accepted, stats)

    def _check_profile(
        self, table: str, seen: dict[str, tuple[int, str]], node_id: str, item: _Item
    ) -> tuple[str, str] | str | None:
        digest = row_hash(item.data)
        verdict = self._first(seen, node_id, item.record.line, digest)
        if verdict == "merged":
            return verdict
        if verdict is not None:
            return ("id", verdict)
        if change_status(self.state.hashes[LABEL_OF[table]], node_id, digest) == "unchanged":
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
        first = self.state.interaction_first.get(key)
        if first is not None:
            if first[1] == at:
                return "merged"
            return "type", DUPLICATE_INTERACTION.format(key=list(key), first=first[0])
        self.state.interaction_first[key] = (line, at)
        if (*key, at) in self.state.stored_interactions:
            return "merged"
        return None

    def _map_block(
        self,
        file: str,
        table_name: str,
        model: type[Row],
        arrow: pa.Table | None,
        accepted: list[tuple[_Item, int | dict[str, Any], Any]],
        stats: TableStats,
    ) -> None:
        """Assemble the accepted rows into one table (file order) and map it."""
        state, mapper = self.state, self.state.mapper
        fast = [(k, v) for k, (_, v, _) in enumerate(accepted) if isinstance(v, int)]
        slow = [(k, v) for k, (_, v, _) in enumerate(accepted) if isinstance(v, dict)]
        parts: list[pa.Table] = []
        if fast:
            assert arrow is not None
            part = arrow.take([v for _, v in fast])
            if model is InteractionRow:
                at = canonical_utc(part.column("at").combine_chunks())
                part = part.set_column(part.schema.get_field_index("at"), "at", at)
            parts.append(part)
        if slow:
            parts.append(records_table(model, [v for _, v in slow]))
        order = [k for k, _ in fast] + [k for k, _ in slow]
        inverse = sorted(range(len(order)), key=order.__getitem__)
        table = pa.concat_tables(parts).take(inverse) if len(parts) > 1 else parts[0]
        if model is InteractionRow:
            map_interactions(table, mapper)
            stats.imported += table.num_rows
            return
        label = LABEL_OF[table_name]
        refused = refused_rows(table, mapper, CANDIDATE_REFS if label == "Candidate" else ROLE_REFS)
        for issue in refused:
            record = accepted[issue.row][0].record
            self._reject(file, table_name, record, stats, issue.field, issue.reason)
        if refused:
            bad = {issue.row for issue in refused}
            keep = [k for k in range(table.num_rows) if k not in bad]
            table = table.take(pa.array(keep, pa.int64()))
            accepted = [accepted[k] for k in keep]
        (map_candidates if label == "Candidate" else map_roles)(table, mapper)
        hashes = state.hashes[label]
        ids = table.column("id").to_pylist()
        for node_id, (item, _, warnings) in zip(ids, accepted, strict=True):
            mapper.resolver.add(label, node_id)
            if node_id in hashes:
                state.changed[label].append(node_id)
                stats.updated += 1
            state.digests[label].append((node_id, row_hash(item.data)))
            for field_, message in warnings:
                state.quarantine.warn(file, item.record.line, field_, message)
                stats.warnings += 1
        stats.imported += len(accepted)
