"""Reading one table of a dataset: validate, check cross-row rules, map into the buffer.

Two paths, one outcome. JSONL tables with many rows (candidates, roles, interactions) are
read in blocks through the columnar path (``columnar.py``); every row it cannot vouch for,
and every CSV row, goes through the per-row path: pydantic validation, then
``RowMapper``. Rows are visited in file order in both, so "first at line N" and duplicate
checks mean the same thing whichever path a row took.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ValidationError
from tqdm import tqdm

from loaders.columnar import canonical_utc, parse_block
from loaders.columnar_mapping import map_candidates, map_roles
from loaders.quarantine import Quarantine
from loaders.readers import RawRecord, iter_records
from loaders.records import CandidateRow, InteractionRow, RoleRow, Row
from loaders.row_mapping import (
    UNKNOWN_REF,
    RowMapper,
    RowRejected,
    canonical_time,
    change_status,
    row_hash,
)

DUPLICATE_ID = "duplicate id {id!r} (first at line {first})"
DUPLICATE_INTERACTION = "duplicate interaction {key} (first at line {first})"
COLUMNAR_TABLES: frozenset[str] = frozenset({"candidates", "roles", "interactions"})
BLOCK_ROWS = 50_000


@dataclass
class ReadState:
    """What every table read shares: resolution state, quarantine, change detection."""

    mapper: RowMapper
    quarantine: Quarantine
    hashes: dict[str, dict[str, str | None]]
    stored_interactions: set[tuple[Any, ...]]
    changed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    interaction_first: dict[tuple[str, str, str], int] = field(default_factory=dict)


@dataclass
class TableStats:
    rows: int = 0
    accepted: int = 0
    unchanged: int = 0
    rejected: int = 0


def _blocks(path: Path, size: int) -> Iterator[list[tuple[int, bytes]]]:
    block: list[tuple[int, bytes]] = []
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            line = line.rstrip(b"\n")
            if line.strip():
                block.append((number, line))
                if len(block) == size:
                    yield block
                    block = []
    if block:
        yield block


class TableReader:
    """Reads tables into ``state`` (one instance per import)."""

    def __init__(self, state: ReadState, progress: bool, columnar: bool = True) -> None:
        self.state = state
        self.progress = progress
        self.columnar = columnar

    def read(self, table: str, model: type[Row], path: Path) -> TableStats:
        stats = TableStats()
        first_line: dict[str, int] = {}
        bar = tqdm(desc=f"read {path.name}", unit=" rows", disable=not self.progress, leave=False)
        if self.columnar and path.suffix == ".jsonl" and table in COLUMNAR_TABLES:
            for block in _blocks(path, BLOCK_ROWS):
                self._read_block(path.name, model, block, stats, first_line)
                bar.update(len(block))
        else:
            for record in iter_records(path):
                stats.rows += 1
                self._row(path.name, model, record, stats, first_line)
                bar.update()
        bar.close()
        return stats

    # -- per-row path -------------------------------------------------------------------
    def _reject(
        self, file: str, record: RawRecord, stats: TableStats, field_: str, reason: str
    ) -> None:
        self.state.quarantine.reject(file, record.line, field_, reason, record.raw)
        stats.rejected += 1

    def _row(
        self,
        file: str,
        model: type[Row],
        record: RawRecord,
        stats: TableStats,
        first_line: dict[str, int],
        id_checked: bool = False,
    ) -> None:
        state = self.state
        try:
            if isinstance(record.payload, dict):
                row = model.model_validate(record.payload)
            else:
                row = model.model_validate_json(record.payload)
        except ValidationError as e:
            state.quarantine.reject_validation(file, record.line, e, record.raw)
            stats.rejected += 1
            return
        row_id = getattr(row, "id", None)
        if row_id is not None and not id_checked:
            if row_id in first_line:
                reason = DUPLICATE_ID.format(id=row_id, first=first_line[row_id])
                return self._reject(file, record, stats, "id", reason)
            first_line[row_id] = record.line
        try:
            outcome = self._map(row, record)
        except RowRejected as e:
            return self._reject(file, record, stats, e.field, e.reason)
        if outcome == "unchanged":
            stats.unchanged += 1
        else:
            stats.accepted += 1

    def _check_interaction(self, line: int, key: tuple[str, str, str]) -> tuple[str, str] | None:
        """(field, reason) if this interaction breaks a cross-row rule, else None."""
        mapper = self.state.mapper
        for field_, label, ref, table in (
            ("candidate", "Candidate", key[0], "candidates"),
            ("role", "Role", key[1], "roles"),
        ):
            if not mapper.resolver.knows(label, ref):
                return field_, UNKNOWN_REF.format(what=field_, ref=ref, table=table)
        first = self.state.interaction_first.setdefault(key, line)
        if first != line:
            return "type", DUPLICATE_INTERACTION.format(key=list(key), first=first)
        return None

    def _map(self, row: BaseModel, record: RawRecord) -> str | None:
        state, mapper = self.state, self.state.mapper
        if isinstance(row, CandidateRow | RoleRow):
            label = "Candidate" if isinstance(row, CandidateRow) else "Role"
            digest = row_hash(record.raw)
            status = change_status(state.hashes[label], row.id, digest)
            mapper.resolver.add(label, row.id)
            if status == "unchanged":
                return "unchanged"
            (mapper.candidate if label == "Candidate" else mapper.role)(row, digest)  # type: ignore[operator,arg-type]
            if status == "changed":
                state.changed[label].append(row.id)
            return None
        if isinstance(row, InteractionRow):
            problem = self._check_interaction(record.line, (row.candidate, row.role, row.type))
            if problem:
                raise RowRejected(*problem)
            at = canonical_time(row.at)
            if (row.candidate, row.role, row.type, at) in state.stored_interactions:
                return "unchanged"
            mapper.buffer.edge(
                "Candidate",
                "INTERACTED",
                "Role",
                {
                    "src": row.candidate,
                    "dst": row.role,
                    "type": row.type,
                    "actor": row.actor,
                    "at": at,
                },
            )
            return None
        getattr(mapper, type(row).__name__.removesuffix("Row").lower())(row)
        return None

    # -- columnar path ------------------------------------------------------------------
    def _slow(
        self,
        file: str,
        model: type[Row],
        line: int,
        raw: bytes,
        stats: TableStats,
        first_line: dict[str, int],
        id_checked: bool = False,
    ) -> None:
        text = raw.decode("utf-8", errors="replace")
        self._row(file, model, RawRecord(line, text, raw), stats, first_line, id_checked)  # type: ignore[arg-type]

    def _read_block(
        self,
        file: str,
        model: type[Row],
        block: list[tuple[int, bytes]],
        stats: TableStats,
        first_line: dict[str, int],
    ) -> None:
        stats.rows += len(block)
        table, suspect = parse_block(model, [raw for _, raw in block])
        if table is None:
            for line, raw in block:
                self._slow(file, model, line, raw, stats, first_line)
            return
        is_interaction = model is InteractionRow
        keys = (
            list(
                zip(
                    *(table.column(c).to_pylist() for c in ("candidate", "role", "type")),
                    strict=True,
                )
            )
            if is_interaction
            else table.column("id").to_pylist()
        )
        accepted: list[int] = []
        for i, (line, raw) in enumerate(block):
            if suspect[i]:
                self._slow(file, model, line, raw, stats, first_line)
            elif is_interaction:
                if self._check_interaction(line, keys[i]) is None:
                    accepted.append(i)
                else:  # the per-row path rejects it with the same rule and message
                    self._slow(file, model, line, raw, stats, first_line)
            elif keys[i] in first_line:
                self._slow(file, model, line, raw, stats, first_line)
            else:
                first_line[keys[i]] = line
                accepted.append(i)
        if not accepted:
            return
        rows = table.take(accepted)
        if is_interaction:
            self._interactions(rows, stats)
            return
        label = "Candidate" if model is CandidateRow else "Role"
        mapper_fn = map_candidates if model is CandidateRow else map_roles
        raws = [block[i][1] for i in accepted]
        out = mapper_fn(
            rows, raws, self.state.mapper, self.state.hashes[label], self.state.changed[label]
        )
        stats.accepted += out.written
        stats.unchanged += out.unchanged
        for j in out.demoted:
            line, raw = block[accepted[j]]
            self._slow(file, model, line, raw, stats, first_line, id_checked=True)

    def _interactions(self, rows: pa.Table, stats: TableStats) -> None:
        # parse_block accepts only whole-second times with "Z" or an offset; canonical_utc
        # gives the same text as canonical_time for them.
        at = canonical_utc(rows.column("at").combine_chunks()).to_pylist()
        src, dst, kind = (rows.column(c).to_pylist() for c in ("candidate", "role", "type"))
        stored = self.state.stored_interactions
        new = [i for i in range(rows.num_rows) if (src[i], dst[i], kind[i], at[i]) not in stored]
        stats.unchanged += rows.num_rows - len(new)
        stats.accepted += len(new)
        if new:
            picked = rows.take(new)
            self.state.mapper.buffer.extend_edges(
                "Candidate",
                "INTERACTED",
                "Role",
                pa.table(
                    {
                        "src": picked.column("candidate"),
                        "dst": picked.column("role"),
                        "type": picked.column("type"),
                        "actor": picked.column("actor"),
                        "at": pa.array([at[i] for i in new], type=pa.string()),
                    }
                ),
            )
