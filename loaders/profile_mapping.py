"""Candidates, roles and interactions into the GraphBuffer: the one mapping both paths use.

Rows reach this module as Arrow blocks whichever way they were validated: rows the
columnar check vouched for come straight from Arrow's parse; rows pydantic validated
(CSV, suspect rows, rows that repeat a skill) are dumped into the same Arrow schema by
``records_table``. So a new property is one edit here, and the two validation paths cannot
drift (``tests/loaders/test_columnar.py`` proves them equal on malformed data).

Before anything is resolved or created, ``refused_rows`` finds rows that link to a row this
import rejected or removed (``skills[2].skill: skill 'sk-9' was rejected at skills.jsonl
line 4``); the caller quarantines them. A block passed to ``map_candidates``/``map_roles``
lists every skill and stint once (``merge_repeats`` merged the others).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from loaders.columnar import arrow_schema
from loaders.row_mapping import RowMapper, month_index, months_between

# (column, item field or None for a scalar column, label, what the reason calls it)
CANDIDATE_REFS: tuple[tuple[str, str | None, str, str], ...] = (
    ("location", None, "Location", "location"),
    ("skills", "skill", "Skill", "skill"),
    ("experience", "organization", "Organization", "organization"),
    ("experience", "domain", "Domain", "domain"),
)
ROLE_REFS: tuple[tuple[str, str | None, str, str], ...] = (
    ("organization", None, "Organization", "organization"),
    ("location", None, "Location", "location"),
    ("domain", None, "Domain", "domain"),
    ("occupation", None, "Occupation", "occupation"),
    ("skills", "skill", "Skill", "skill"),
)


@dataclass(frozen=True)
class RowIssue:
    """A finding about one row of a block: its index, the field and the reason."""

    row: int
    field: str
    reason: str


def records_table(model: type[BaseModel], rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Rows dumped from validated models (``model_dump(mode="json")``) as an Arrow table in
    the schema ``columnar.parse_block`` reads, so both paths feed one mapping."""
    return pa.Table.from_pylist(list(rows), schema=arrow_schema(model))


def _column(table: pa.Table, *path: str) -> pa.Array:
    values = table.column(path[0]).combine_chunks()
    for name in path[1:]:
        values = pc.struct_field(values, name)
    return values


def _flat(values: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """(flattened items, parent row of each, position of each within its row's list)."""
    flat = pc.list_flatten(values)
    parents = pc.list_parent_indices(values).to_numpy(zero_copy_only=False)
    first = np.searchsorted(parents, parents, side="left")
    return flat, parents, np.arange(len(parents)) - first


def refused_rows(
    table: pa.Table, mapper: RowMapper, refs: tuple[tuple[str, str | None, str, str], ...]
) -> list[RowIssue]:
    """Rows naming a row this import rejected or removed (first such field per row)."""
    resolver = mapper.resolver
    found: dict[int, RowIssue] = {}
    for column, item, label, what in refs:
        if not resolver.any_refused(label):
            continue
        values = _column(table, column)
        if item is None:
            refs_, rows, pos = values, np.arange(table.num_rows), None
        else:
            flat, rows, pos = _flat(values)
            refs_ = pc.struct_field(flat, item)

        encoded = refs_.dictionary_encode()
        reasons = [resolver.refusal(label, r, what) for r in encoded.dictionary.to_pylist()]
        if not any(reasons):
            continue
        codes = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)
        valid = np.asarray(refs_.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        for i in np.flatnonzero(valid):
            reason = reasons[codes[i]]
            row = int(rows[i])
            if reason and row not in found:
                field = column if pos is None else f"{column}[{pos[i]}].{item}"
                found[row] = RowIssue(row, field, reason)
    return [found[r] for r in sorted(found)]


def _identity_codes(mapper: RowMapper, label: str, refs: pa.Array) -> np.ndarray:
    """One integer per ref; equal integers for refs that resolve to the same node."""
    encoded = refs.dictionary_encode()
    first: dict[str, int] = {}
    per_unique = np.array(
        [
            first.setdefault(mapper.identity(label, r), len(first))
            for r in encoded.dictionary.to_pylist()
        ],
        dtype=np.int64,
    )
    return per_unique[pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)]


def rows_with_repeats(table: pa.Table, mapper: RowMapper, model_lists: Sequence[str]) -> set[int]:
    """Rows that list one skill (or one stint) twice once names are resolved: these go
    through ``RowMapper.merge_repeats`` on the per-row path before mapping (vectorised: one
    identity per distinct name, then one sort)."""
    bad: set[int] = set()
    for column in model_lists:
        flat, parents, _ = _flat(_column(table, column))
        if not len(flat):
            continue
        if column == "experience":
            keys = [
                _identity_codes(mapper, "Organization", pc.struct_field(flat, "organization")),
                pc.fill_null(pc.struct_field(flat, "start").dictionary_encode().indices, -1)
                .to_numpy(zero_copy_only=False)
                .astype(np.int64),
            ]
        else:
            keys = [_identity_codes(mapper, "Skill", pc.struct_field(flat, "skill"))]
        combined = parents.astype(np.int64)
        for key in keys:  # one int64 per (row, key...): rows < 2**20, keys < 2**21 each
            combined = combined * (int(key.max()) + 2) + (key + 1)
        _, inverse, counts = np.unique(combined, return_inverse=True, return_counts=True)
        bad |= set(parents[counts[inverse] > 1].tolist())
    return bad


def _resolve(mapper: RowMapper, label: str, refs: pa.Array) -> pa.Array:
    """Resolve every ref (creating nodes for unmatched ones), vectorised over unique refs."""
    encoded = refs.dictionary_encode()
    ids = pa.array(
        [mapper.resolver.resolve(label, r) for r in encoded.dictionary.to_pylist()],
        type=pa.string(),
    )
    return pc.take(ids, encoded.indices)


def experience_years(table: pa.Table, as_of: str) -> pa.Array:
    """Years of experience per row: the sum of its stints' months (an open stint runs until
    ``as_of``) / 12, rounded to 0.01; null for a row without stints."""
    n = table.num_rows
    flat, parents, _ = _flat(_column(table, "experience"))
    if not len(flat):
        return pa.nulls(n, pa.float64())
    start = month_index(pc.struct_field(flat, "start"))
    end = month_index(pc.fill_null(pc.struct_field(flat, "end"), as_of))
    total = np.bincount(parents, weights=months_between(start, end), minlength=n)
    has = np.bincount(parents, minlength=n) > 0
    return pa.array([round(float(total[i]) / 12, 2) if has[i] else None for i in range(n)])


def _skill_edges(
    mapper: RowMapper,
    src_label: str,
    rel: str,
    ids: pa.Array,
    skills: pa.Array,
    properties: Callable[[pa.Array], dict[str, pa.Array]],
) -> None:
    """Edges to Skill from a list-of-struct ``skills`` column (one edge per list item)."""
    flat, parents, _ = _flat(skills)
    if len(flat):
        mapper.buffer.extend_edges(
            src_label,
            rel,
            "Skill",
            pa.table(
                {
                    "src": pc.take(ids, pa.array(parents)),
                    "dst": _resolve(mapper, "Skill", pc.struct_field(flat, "skill")),
                    **properties(flat),
                }
            ),
        )


def _link(
    mapper: RowMapper, src_label: str, ids: pa.Array, rel: str, dst_label: str, refs: pa.Array
) -> None:
    mask = refs.is_valid()
    if pc.any(mask).as_py():
        mapper.buffer.extend_edges(
            src_label,
            rel,
            dst_label,
            pa.table(
                {"src": ids.filter(mask), "dst": _resolve(mapper, dst_label, refs.filter(mask))}
            ),
        )


def _strings(table: pa.Table, *path: str) -> pa.Array:
    return pa.array([v or [] for v in _column(table, *path).to_pylist()], pa.list_(pa.string()))


def map_candidates(t: pa.Table, mapper: RowMapper) -> None:
    """Candidate rows (new or changed, every skill and stint once) into the buffer.

    ``row_hash`` is written empty: the import commits each row's digest only after
    everything the row owns is stored (``graph_writer.commit_digests``).
    """
    n = t.num_rows
    if not n:
        return
    ids = _column(t, "id")
    mapper.buffer.extend_nodes(
        "Candidate",
        pa.table(
            {
                "id": ids,
                "headline": _column(t, "headline"),
                "summary": _column(t, "summary"),
                "reliability": _column(t, "signals", "reliability"),
                "attendance": _column(t, "signals", "attendance"),
                "engagement": _column(t, "signals", "engagement"),
                "churn_risk": _column(t, "signals", "churn_risk"),
                "experience_years": experience_years(t, mapper.as_of),
                "remote_ok": _column(t, "preferences", "remote"),
                "preferred_locations": _strings(t, "preferences", "locations"),
                "preferred_domains": _strings(t, "preferences", "domains"),
                "row_hash": pa.nulls(n, pa.string()),
            }
        ),
    )
    sensitive = _column(t, "sensitive")
    fields = {f.name: pc.struct_field(sensitive, f.name) for f in sensitive.type}
    any_set = np.zeros(n, dtype=bool)
    for values in fields.values():
        any_set |= np.asarray(values.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if any_set.any():  # for the sensitive store: never a node of the graph
        mask = pa.array(any_set)
        mapper.buffer.extend_sensitive(
            pa.table({"id": ids.filter(mask), **{k: v.filter(mask) for k, v in fields.items()}})
        )
    _skill_edges(
        mapper,
        "Candidate",
        "HAS_SKILL",
        ids,
        _column(t, "skills"),
        lambda flat: {
            "level": pc.struct_field(flat, "level"),
            "years": pc.struct_field(flat, "years"),
        },
    )
    flat, parents, _ = _flat(_column(t, "experience"))
    if len(flat):
        domains = pc.struct_field(flat, "domain")
        mapper.buffer.extend_edges(
            "Candidate",
            "WORKED_AT",
            "Organization",
            pa.table(
                {
                    "src": pc.take(ids, pa.array(parents)),
                    "dst": _resolve(mapper, "Organization", pc.struct_field(flat, "organization")),
                    "title": pc.struct_field(flat, "title"),
                    "domain": _resolve(mapper, "Domain", domains)
                    if domains.null_count < len(domains)
                    else domains,
                    "start_date": pc.struct_field(flat, "start"),
                    "end_date": pc.struct_field(flat, "end"),
                }
            ),
        )
    _link(mapper, "Candidate", ids, "LOCATED_IN", "Location", _column(t, "location"))


def map_roles(t: pa.Table, mapper: RowMapper) -> None:
    """Role rows (new or changed, every skill once) into the buffer (``row_hash`` empty)."""
    if not t.num_rows:
        return
    ids = _column(t, "id")
    mapper.buffer.extend_nodes(
        "Role",
        pa.table(
            {
                "id": ids,
                "title": _column(t, "title"),
                "description": _column(t, "description"),
                "capacity": pc.fill_null(_column(t, "capacity"), 1),
                "remote": _column(t, "remote"),
                "row_hash": pa.nulls(t.num_rows, pa.string()),
            }
        ),
    )
    _skill_edges(
        mapper,
        "Role",
        "REQUIRES_SKILL",
        ids,
        _column(t, "skills"),
        lambda flat: {
            "importance": pc.struct_field(flat, "importance"),
            "required": pc.fill_null(pc.struct_field(flat, "required"), False),
        },
    )
    for rel, label, column in (
        ("OFFERED_BY", "Organization", "organization"),
        ("LOCATED_IN", "Location", "location"),
        ("IN_DOMAIN", "Domain", "domain"),
        ("OF_OCCUPATION", "Occupation", "occupation"),
    ):
        _link(mapper, "Role", ids, rel, label, _column(t, column))


def map_interactions(t: pa.Table, mapper: RowMapper) -> None:
    """Interaction rows (``at`` already in canonical UTC text) into INTERACTED edges."""
    if t.num_rows:
        mapper.buffer.extend_edges(
            "Candidate",
            "INTERACTED",
            "Role",
            pa.table(
                {
                    "src": _column(t, "candidate"),
                    "dst": _column(t, "role"),
                    "type": _column(t, "type"),
                    "actor": _column(t, "actor"),
                    "at": _column(t, "at"),
                }
            ),
        )
