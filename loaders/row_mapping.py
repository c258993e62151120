"""From validated taxonomy rows to graph rows, and the helpers every mapping shares.

``RowMapper`` maps one validated row of the small tables (domains, locations,
organizations, skills, occupations, similarities): it resolves references through the
``Resolver`` and appends to the ``GraphBuffer``, raising ``RowRejected`` (field, reason) for
rules that need context beyond the row: a similarity naming an unknown skill or repeating
an earlier one, a reference to a row this import rejected. Its ``merge_repeats`` merges a
skill or stint a candidate or role lists twice. Candidates, roles and interactions are
mapped in Arrow blocks by ``profile_mapping``, whichever path validated them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders.graph_buffer import GraphBuffer
from loaders.records import (
    CandidateRow,
    DomainRow,
    LocationRow,
    OccupationRow,
    OrganizationRow,
    RoleRow,
    RoleSkill,
    Row,
    SimilarityRow,
    SkillRow,
)
from loaders.resolve import Resolver, normalise

UNKNOWN_REF = "unknown {what} {ref!r} (not in {table} nor in the graph)"
DUPLICATE_SIMILARITY = "the similarity {source!r} -> {target!r} is listed twice"
MERGED_SKILL = (
    "skill {ref!r} names the same skill as {other} ({kept!r}); merged into one "
    "(highest level and years, or highest importance)"
)
MERGED_STINT = "the stint at {ref!r} starting {start} is listed twice; merged into one"


class RowRejected(Exception):
    """A row that passed validation but breaks a cross-row rule."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def row_hash(raw: str | bytes) -> str:
    """Digest of a row's raw text: an unchanged row is skipped on re-import.

    The raw text, not the parsed row, so that both validation paths (per-row and columnar)
    agree; a row re-exported with other white space or key order counts as changed, which
    costs a rewrite, never a missed update.
    """
    data = raw.encode() if isinstance(raw, str) else raw
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def change_status(hashes: dict[str, str | None], node_id: str, digest: str) -> str:
    """``"new"``, ``"changed"`` or ``"unchanged"``: a row's digest against the stored one."""
    if node_id not in hashes:
        return "new"
    return "unchanged" if hashes[node_id] == digest else "changed"


def canonical_time(at: datetime) -> str:
    """One text form per instant (UTC, ISO-8601), so re-imports compare equal."""
    return at.astimezone(UTC).isoformat()


def month_index(dates: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Months since year 0 of ``YYYY-MM[...]`` strings; NaN where null or unparseable."""
    strings = pc.cast(dates, pa.string())
    ok = pc.fill_null(pc.match_substring_regex(strings, r"^\d{4}-\d{2}"), False)
    safe = pc.if_else(ok, strings, pa.scalar("0000-01"))
    year = pc.cast(pc.utf8_slice_codeunits(safe, 0, 4), pa.int64()).to_numpy()
    month = pc.cast(pc.utf8_slice_codeunits(safe, 5, 7), pa.int64()).to_numpy()
    out = (year * 12 + month - 1).astype(np.float64)
    out[~np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)] = np.nan
    return out


def months_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole months from ``start`` to ``end`` (month indices), never negative."""
    return np.maximum(0, end - start)


def months(start: str, end: str) -> int:
    """``months_between`` of two ``YYYY-MM`` strings (ad-hoc profiles, one at a time)."""
    index = month_index(pa.array([start, end]))
    return int(months_between(index[0], index[1]))


def _merged_skill(kept: Any, item: Any) -> Any:
    """Two mentions of one skill as one: the higher of each value (None counts as absent)."""

    def high(a: float | None, b: float | None) -> float | None:
        return b if a is None else a if b is None else max(a, b)

    if isinstance(kept, RoleSkill):
        return kept.model_copy(
            update={
                "importance": high(kept.importance, item.importance),
                "required": kept.required or item.required,
            }
        )
    return kept.model_copy(
        update={"level": high(kept.level, item.level), "years": high(kept.years, item.years)}
    )


class RowMapper:
    """Maps rows of the taxonomy tables into one GraphBuffer (candidates, roles and
    interactions go through ``profile_mapping``, in Arrow blocks).

    Args:
        resolver: known ids and names (the store's and this dataset's).
        buffer: where nodes and edges accumulate.
        as_of: ``YYYY-MM`` that open-ended experience runs until (for experience_years).
    """

    def __init__(self, resolver: Resolver, buffer: GraphBuffer, as_of: str) -> None:
        self.resolver, self.buffer, self.as_of = resolver, buffer, as_of
        self._emitted: dict[str, int] = {}

    def _check_refs(self, *refs: tuple[str, str, str | None]) -> None:
        """Raise RowRejected when a reference ((field, label, ref)) names a rejected row."""
        for field, label, ref in refs:
            if ref:
                reason = self.resolver.refusal(label, ref, field)
                if reason:
                    raise RowRejected(field, reason)

    def _link(self, src_label: str, src: str, rel: str, dst_label: str, ref: str | None) -> None:
        if ref:
            dst = self.resolver.resolve(dst_label, ref)
            self.buffer.edge(src_label, rel, dst_label, {"src": src, "dst": dst})

    def domain(self, row: DomainRow) -> None:
        self.resolver.add("Domain", row.id, [row.name])
        self.buffer.node("Domain", {"id": row.id, "name": row.name})

    def location(self, row: LocationRow) -> None:
        self._check_refs(("parent", "Location", row.parent))
        self.resolver.add("Location", row.id, [row.name])
        self.buffer.node("Location", row.model_dump(include={"id", "name", "kind"}))
        self._link("Location", row.id, "PART_OF", "Location", row.parent)

    def organization(self, row: OrganizationRow) -> None:
        self._check_refs(("location", "Location", row.location), ("domain", "Domain", row.domain))
        self.resolver.add("Organization", row.id, [row.name])
        self.buffer.node("Organization", {"id": row.id, "name": row.name})
        self._link("Organization", row.id, "LOCATED_IN", "Location", row.location)
        self._link("Organization", row.id, "IN_DOMAIN", "Domain", row.domain)

    def skill(self, row: SkillRow) -> None:
        self._check_refs(("domain", "Domain", row.domain))
        self.resolver.add("Skill", row.id, [row.name, *row.aliases])
        self.buffer.node("Skill", row.model_dump(exclude={"domain"}))
        self._link("Skill", row.id, "IN_DOMAIN", "Domain", row.domain)

    def occupation(self, row: OccupationRow) -> None:
        self.resolver.add("Occupation", row.id, [row.name, *row.aliases])
        self.buffer.node("Occupation", row.model_dump())

    def similarity(self, row: SimilarityRow) -> None:
        self._check_refs(("source", "Skill", row.source), ("target", "Skill", row.target))
        src = self.resolver.find("Skill", row.source)
        dst = self.resolver.find("Skill", row.target)
        for field, ref, found in (("source", row.source, src), ("target", row.target, dst)):
            if found is None:
                raise RowRejected(field, UNKNOWN_REF.format(what="skill", ref=ref, table="skills"))
        row_data = {"src": src, "dst": dst, "weight": row.weight}
        if not self.buffer.edge("Skill", "SIMILAR_TO", "Skill", row_data):
            raise RowRejected("target", DUPLICATE_SIMILARITY.format(source=src, target=dst))

    def identity(self, label: str, ref: str) -> str:
        """What ``ref`` will resolve to, without creating anything (for duplicate checks)."""
        return self.resolver.find(label, ref) or "\0" + normalise(ref)

    def merge_repeats(self, row: CandidateRow | RoleRow) -> tuple[Row, list[tuple[str, str]]]:
        """``row`` with every skill (and stint) listed once, and a warning per merge.

        Exports list one skill under an alias and its preferred name ("DBMS", "database
        management systems"): the person is kept, the two merged (a candidate's highest
        level and years; a role's highest importance, required if either is). A stint at
        one organization with one start month listed twice keeps its first title and the
        later end (an open end wins).

        Returns:
            (row, [(field, message), ...]).
        """
        warnings: list[tuple[str, str]] = []
        skills: list[Any] = []
        first: dict[str, int] = {}
        for i, item in enumerate(row.skills):
            key = self.identity("Skill", item.skill)
            if key not in first:
                first[key] = len(skills)
                skills.append(item)
                continue
            j = first[key]
            kept = skills[j]
            skills[j] = _merged_skill(kept, item)
            warnings.append(
                (
                    f"skills[{i}].skill",
                    MERGED_SKILL.format(
                        ref=item.skill, other=f"skills[{row.skills.index(kept)}]", kept=kept.skill
                    ),
                )
            )
        update: dict[str, Any] = {"skills": skills}
        if isinstance(row, CandidateRow):
            stints: list[Any] = []
            seen: dict[tuple[str, str], int] = {}
            for i, job in enumerate(row.experience):
                key = (self.identity("Organization", job.organization), job.start)
                if key not in seen:
                    seen[key] = len(stints)
                    stints.append(job)
                    continue
                kept = stints[seen[key]]
                end = None if kept.end is None or job.end is None else max(kept.end, job.end)
                stints[seen[key]] = kept.model_copy(update={"end": end})
                warnings.append(
                    (
                        f"experience[{i}]",
                        MERGED_STINT.format(ref=job.organization, start=job.start),
                    )
                )
            update["experience"] = stints
        return (row.model_copy(update=update) if warnings else row), warnings

    def emit_created(self) -> None:
        """Add the nodes created for unmatched references since the last call to the buffer."""
        for label, refs in self.resolver.created.items():
            done = self._emitted.setdefault(label, 0)
            for ref in list(refs)[done:]:
                row: dict[str, Any] = {"id": ref, "name": ref}
                if label == "Skill":
                    row["aliases"] = []
                self.buffer.node(label, row)
            self._emitted[label] = len(refs)

    def created_counts(self) -> dict[str, int]:
        return {label: len(refs) for label, refs in self.resolver.created.items() if refs}
