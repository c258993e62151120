"""Columnar fast path, second half: Arrow rows of a block into the GraphBuffer.

The vectorised twin of ``RowMapper.candidate/role`` for rows ``columnar.parse_block``
accepted. Rules that need context (a skill listed twice once names are resolved, an
interaction naming an unknown candidate) are checked here too; rows that break one are
*demoted*: returned to the caller, which sends them through the per-row path so that they
are rejected with the per-row path's exact message. Nothing is created for a demoted row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders.row_mapping import RowMapper, change_status, row_hash


@dataclass
class BlockOutcome:
    """What happened to the accepted rows of one block."""

    demoted: list[int] = field(default_factory=list)  # indices into the block's table
    written: int = 0
    unchanged: int = 0


def _column(table: pa.Table, *path: str) -> pa.Array:
    values = table.column(path[0]).combine_chunks()
    for name in path[1:]:
        values = pc.struct_field(values, name)
    return values


def _codes(mapper: RowMapper, label: str, refs: pa.Array) -> tuple[np.ndarray, list[str]]:
    """Identity code per ref (same code = same node once resolved) and unique refs."""
    encoded = refs.dictionary_encode()
    uniq = encoded.dictionary.to_pylist()
    ident = [mapper.identity(label, r) for r in uniq]
    first: dict[str, int] = {}
    code_of_uniq = np.array([first.setdefault(k, len(first)) for k in ident], dtype=np.int64)
    idx = encoded.indices.to_numpy(zero_copy_only=False)
    return code_of_uniq[idx], uniq


def _duplicate_parents(parents: np.ndarray, *keys: np.ndarray) -> set[int]:
    """Parents (rows) in which the same key tuple occurs twice."""
    if not len(parents):
        return set()
    combined = parents.astype(np.int64)
    span = int(parents.max()) + 1
    for key in keys:
        width = int(key.max()) + 2  # keys are >= -1
        span *= width
        if span >= 2**62:  # too wide to pack into one int64: compare rows instead
            stacked = np.stack([parents, *keys], axis=1)
            _, inv, counts = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
            return set(parents[counts[inv.ravel()] > 1].tolist())
        combined = combined * width + (key.astype(np.int64) + 1)
    order = np.argsort(combined, kind="stable")
    ordered = combined[order]
    twice = np.flatnonzero(ordered[1:] == ordered[:-1])
    return set(parents[order[twice]].tolist())


def _resolve(mapper: RowMapper, label: str, refs: pa.Array) -> pa.Array:
    """Resolve every ref (creating nodes for unmatched ones), vectorised over unique refs."""
    encoded = refs.dictionary_encode()
    ids = pa.array(
        [mapper.resolver.resolve(label, r) for r in encoded.dictionary.to_pylist()],
        type=pa.string(),
    )
    return pc.take(ids, encoded.indices)


def _months(ym: pa.Array) -> np.ndarray:
    year = pc.cast(pc.utf8_slice_codeunits(ym, 0, 4), pa.int64()).to_numpy(zero_copy_only=False)
    month = pc.cast(pc.utf8_slice_codeunits(ym, 5, 7), pa.int64()).to_numpy(zero_copy_only=False)
    return year * 12 + month


def _split_changed(
    table: pa.Table,
    raws: Sequence[bytes],
    label: str,
    mapper: RowMapper,
    hashes: dict[str, str | None],
    out: BlockOutcome,
) -> tuple[list[int], list[str], list[str]]:
    """Rows to write (changed or new), with digests; registers every id."""
    keep, digests, changed = [], [], []
    for i, (node_id, raw) in enumerate(zip(table.column("id").to_pylist(), raws, strict=True)):
        mapper.resolver.add(label, node_id)
        digest = row_hash(raw)
        status = change_status(hashes, node_id, digest)
        if status == "unchanged":
            out.unchanged += 1
            continue
        keep.append(i)
        digests.append(digest)
        if status == "changed":
            changed.append(node_id)
    return keep, digests, changed


def _demote_duplicates(
    table: pa.Table,
    keep: list[int],
    mapper: RowMapper,
    list_col: str,
    label: str,
    ref: str,
    extra: str | None = None,
) -> set[int]:
    """Rows (indices into ``keep``) that list the same node twice in ``list_col``."""
    if not keep:
        return set()
    sub = table.take(pa.array(keep, type=pa.int64()))
    values = _column(sub, list_col)
    flat = pc.list_flatten(values)
    if not len(flat):
        return set()
    parents = pc.list_parent_indices(values).to_numpy()
    codes, _ = _codes(mapper, label, pc.struct_field(flat, ref))
    keys = [codes]
    if extra is not None:
        encoded = pc.struct_field(flat, extra).dictionary_encode()
        keys.append(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False))
    return _duplicate_parents(parents, *keys)


def _rows_to_write(
    table: pa.Table,
    raws: Sequence[bytes],
    label: str,
    mapper: RowMapper,
    hashes: dict[str, str | None],
    changed: list[str],
    out: BlockOutcome,
    lists: tuple[tuple[str, str, str, str | None], ...],
) -> tuple[list[int], list[str]]:
    """Rows of the block to write (new or changed) and their digests.

    Rows listing one node twice in any of ``lists`` ((column, label, ref field, extra key))
    are demoted into ``out.demoted``; ids of changed rows that are written go to ``changed``.
    """
    keep, digests, changed_ids = _split_changed(table, raws, label, mapper, hashes, out)
    bad: set[int] = set()
    for column, ref_label, ref, extra in lists:
        bad |= _demote_duplicates(table, keep, mapper, column, ref_label, ref, extra)
    if bad:
        out.demoted = [keep[i] for i in sorted(bad)]
        digests = [d for i, d in enumerate(digests) if i not in bad]
        keep = [k for i, k in enumerate(keep) if i not in bad]
    demoted_ids = set(table.take(out.demoted).column("id").to_pylist()) if out.demoted else set()
    changed.extend(c for c in changed_ids if c not in demoted_ids)
    return keep, digests


def map_candidates(
    table: pa.Table,
    raws: Sequence[bytes],
    mapper: RowMapper,
    hashes: dict[str, str | None],
    changed: list[str],
) -> BlockOutcome:
    """Candidates of one block into the buffer; returns demoted rows and counts."""
    out = BlockOutcome()
    keep, digests = _rows_to_write(
        table,
        raws,
        "Candidate",
        mapper,
        hashes,
        changed,
        out,
        (
            ("skills", "Skill", "skill", None),
            ("experience", "Organization", "organization", "start"),
        ),
    )
    if not keep:
        return out
    t = table.take(keep)
    n = t.num_rows
    ids = _column(t, "id")
    exp = _column(t, "experience")
    exp_flat = pc.list_flatten(exp)
    exp_parents = pc.list_parent_indices(exp).to_numpy()
    years: list[float | None] = [None] * n
    if len(exp_flat):
        start = _months(pc.struct_field(exp_flat, "start"))
        end = _months(pc.fill_null(pc.struct_field(exp_flat, "end"), mapper.as_of))
        total = np.bincount(exp_parents, weights=np.maximum(0, end - start), minlength=n)
        has = np.bincount(exp_parents, minlength=n) > 0
        years = [round(float(total[i]) / 12, 2) if has[i] else None for i in range(n)]

    def lists(*path: str) -> list[list[str]]:
        return [v or [] for v in _column(t, *path).to_pylist()]

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
                "experience_years": pa.array(years, type=pa.float64()),
                "remote_ok": _column(t, "preferences", "remote"),
                "preferred_locations": pa.array(
                    lists("preferences", "locations"), type=pa.list_(pa.string())
                ),
                "preferred_domains": pa.array(
                    lists("preferences", "domains"), type=pa.list_(pa.string())
                ),
                "row_hash": pa.array(digests, type=pa.string()),
            }
        ),
    )
    sensitive = _column(t, "sensitive")
    names = [f.name for f in sensitive.type]
    fields = {name: pc.struct_field(sensitive, name) for name in names}
    any_set = np.zeros(n, dtype=bool)
    for values in fields.values():
        any_set |= np.asarray(values.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if any_set.any():
        mask = pa.array(any_set)
        mapper.buffer.extend_nodes(
            "SensitiveAttributes",
            pa.table({"id": ids.filter(mask), **{k: v.filter(mask) for k, v in fields.items()}}),
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
    if len(exp_flat):
        domains = pc.struct_field(exp_flat, "domain")
        mapper.buffer.extend_edges(
            "Candidate",
            "WORKED_AT",
            "Organization",
            pa.table(
                {
                    "src": pc.take(ids, pa.array(exp_parents)),
                    "dst": _resolve(
                        mapper, "Organization", pc.struct_field(exp_flat, "organization")
                    ),
                    "title": pc.struct_field(exp_flat, "title"),
                    "domain": _resolve(mapper, "Domain", domains)
                    if domains.null_count < len(domains)
                    else domains,
                    "start_date": pc.struct_field(exp_flat, "start"),
                    "end_date": pc.struct_field(exp_flat, "end"),
                }
            ),
        )
    _link(mapper, "Candidate", ids, "LOCATED_IN", "Location", _column(t, "location"))
    out.written = n
    return out


def _skill_edges(
    mapper: RowMapper,
    src_label: str,
    rel: str,
    ids: pa.Array,
    skills: pa.Array,
    properties: Callable[[pa.Array], dict[str, pa.Array]],
) -> None:
    """Edges to Skill from a list-of-struct ``skills`` column (one edge per list item)."""
    flat = pc.list_flatten(skills)
    if len(flat):
        mapper.buffer.extend_edges(
            src_label,
            rel,
            "Skill",
            pa.table(
                {
                    "src": pc.take(ids, pc.list_parent_indices(skills)),
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


def map_roles(
    table: pa.Table,
    raws: Sequence[bytes],
    mapper: RowMapper,
    hashes: dict[str, str | None],
    changed: list[str],
) -> BlockOutcome:
    """Roles of one block into the buffer; returns demoted rows and counts."""
    out = BlockOutcome()
    keep, digests = _rows_to_write(
        table, raws, "Role", mapper, hashes, changed, out, (("skills", "Skill", "skill", None),)
    )
    if not keep:
        return out
    t = table.take(keep)
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
                "row_hash": pa.array(digests, type=pa.string()),
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
    out.written = t.num_rows
    return out


def interaction_rows(table: pa.Table, mapper: RowMapper) -> tuple[pa.Table, list[int]]:
    """Interaction edges of one block (``at`` in canonical UTC form) and demoted rows.

    A row naming an unknown candidate or role is demoted (the per-row path rejects it).
    """
    cand, role = _column(table, "candidate"), _column(table, "role")
    bad = np.zeros(table.num_rows, dtype=bool)
    for label, refs in (("Candidate", cand), ("Role", role)):
        encoded = refs.dictionary_encode()
        known = np.array(
            [mapper.resolver.knows(label, r) for r in encoded.dictionary.to_pylist()], dtype=bool
        )
        bad |= ~known[encoded.indices.to_numpy(zero_copy_only=False)]
    at = _column(table, "at")
    # parse_block only accepts "YYYY-MM-DDTHH:MM:SS" + "Z" or "+00:00": same text as
    # canonical_time() gives for that instant.
    canonical = pc.binary_join_element_wise(pc.utf8_slice_codeunits(at, 0, 19), "+00:00", "")
    rows = pa.table(
        {
            "src": cand,
            "dst": role,
            "type": _column(table, "type"),
            "actor": _column(table, "actor"),
            "at": canonical,
        }
    )
    return rows, np.flatnonzero(bad).tolist()
