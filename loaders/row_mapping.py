"""From validated dataset rows to graph rows: which nodes and edges one row becomes.

Each ``map_*`` function takes one validated row, resolves its references through the
``Resolver`` and appends to the ``GraphBuffer``. It raises ``RowRejected`` (field, reason)
for rules that need context beyond the row itself: a skill or stint listed twice within a
row, a similarity naming an unknown skill or repeating an earlier one. (Interactions are
checked in ``table_reader``, which sees both validation paths.)
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from loaders.graph_buffer import GraphBuffer
from loaders.records import (
    CandidateRow,
    DomainRow,
    LocationRow,
    OccupationRow,
    OrganizationRow,
    RoleRow,
    SimilarityRow,
    SkillRow,
)
from loaders.resolve import Resolver, normalise

UNKNOWN_REF = "unknown {what} {ref!r} (not in {table} nor in the graph)"
DUPLICATE_SKILL = "skill {ref!r} is listed twice (also {other})"
DUPLICATE_SIMILARITY = "the similarity {source!r} -> {target!r} is listed twice"
DUPLICATE_STINT = "a stint at {ref!r} starting {start} is listed twice (also {other})"


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


def months(start: str, end: str) -> int:
    sy, sm = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    return max(0, (ey - sy) * 12 + em - sm)


class RowMapper:
    """Maps rows of every table into one GraphBuffer.

    Args:
        resolver: known ids and names (the store's and this dataset's).
        buffer: where nodes and edges accumulate.
        as_of: ``YYYY-MM`` that open-ended experience runs until (for experience_years).
    """

    def __init__(self, resolver: Resolver, buffer: GraphBuffer, as_of: str) -> None:
        self.resolver, self.buffer, self.as_of = resolver, buffer, as_of
        self._emitted: dict[str, int] = {}

    def _link(self, src_label: str, src: str, rel: str, dst_label: str, ref: str | None) -> None:
        if ref:
            dst = self.resolver.resolve(dst_label, ref)
            self.buffer.edge(src_label, rel, dst_label, {"src": src, "dst": dst})

    def domain(self, row: DomainRow) -> None:
        self.resolver.add("Domain", row.id, [row.name])
        self.buffer.node("Domain", {"id": row.id, "name": row.name})

    def location(self, row: LocationRow) -> None:
        self.resolver.add("Location", row.id, [row.name])
        self.buffer.node("Location", row.model_dump(include={"id", "name", "kind"}))
        self._link("Location", row.id, "PART_OF", "Location", row.parent)

    def organization(self, row: OrganizationRow) -> None:
        self.resolver.add("Organization", row.id, [row.name])
        self.buffer.node("Organization", {"id": row.id, "name": row.name})
        self._link("Organization", row.id, "LOCATED_IN", "Location", row.location)
        self._link("Organization", row.id, "IN_DOMAIN", "Domain", row.domain)

    def skill(self, row: SkillRow) -> None:
        self.resolver.add("Skill", row.id, [row.name, *row.aliases])
        self.buffer.node("Skill", row.model_dump(exclude={"domain"}))
        self._link("Skill", row.id, "IN_DOMAIN", "Domain", row.domain)

    def occupation(self, row: OccupationRow) -> None:
        self.resolver.add("Occupation", row.id, [row.name, *row.aliases])
        self.buffer.node("Occupation", row.model_dump())

    def similarity(self, row: SimilarityRow) -> None:
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

    def _skills(self, skills: list[Any]) -> list[tuple[str, Any]]:
        """Resolve a row's skills; nothing is created when the row is rejected."""
        seen: dict[str, int] = {}
        for i, item in enumerate(skills):
            key = self.identity("Skill", item.skill)
            if key in seen:
                other = f"skills[{seen[key]}]"
                raise RowRejected(
                    f"skills[{i}].skill", DUPLICATE_SKILL.format(ref=item.skill, other=other)
                )
            seen[key] = i
        return [(self.resolver.resolve("Skill", item.skill), item) for item in skills]

    def _check_stints(self, experience: list[Any]) -> None:
        seen: dict[tuple[str, str], int] = {}
        for i, job in enumerate(experience):
            key = (self.identity("Organization", job.organization), job.start)
            if key in seen:
                other = f"experience[{seen[key]}]"
                raise RowRejected(
                    f"experience[{i}]",
                    DUPLICATE_STINT.format(ref=job.organization, start=job.start, other=other),
                )
            seen[key] = i

    def role(self, row: RoleRow, digest: str) -> None:
        skills = self._skills(row.skills)
        self.buffer.node(
            "Role",
            {
                "id": row.id,
                "title": row.title,
                "description": row.description,
                "capacity": row.capacity,
                "remote": row.remote,
                "row_hash": digest,
            },
        )
        for skill_id, item in skills:
            self.buffer.edge(
                "Role",
                "REQUIRES_SKILL",
                "Skill",
                {
                    "src": row.id,
                    "dst": skill_id,
                    "importance": item.importance,
                    "required": item.required,
                },
            )
        self._link("Role", row.id, "OFFERED_BY", "Organization", row.organization)
        self._link("Role", row.id, "LOCATED_IN", "Location", row.location)
        self._link("Role", row.id, "IN_DOMAIN", "Domain", row.domain)
        self._link("Role", row.id, "OF_OCCUPATION", "Occupation", row.occupation)

    def candidate(self, row: CandidateRow, digest: str) -> None:
        self._check_stints(row.experience)
        skills = self._skills(row.skills)
        total = sum(months(e.start, e.end or self.as_of) for e in row.experience)
        signals, prefs = row.signals, row.preferences
        self.buffer.node(
            "Candidate",
            {
                "id": row.id,
                "headline": row.headline,
                "summary": row.summary,
                "reliability": signals.reliability,
                "attendance": signals.attendance,
                "engagement": signals.engagement,
                "churn_risk": signals.churn_risk,
                "experience_years": round(total / 12, 2) if row.experience else None,
                "remote_ok": prefs.remote,
                "preferred_locations": prefs.locations,
                "preferred_domains": prefs.domains,
                "row_hash": digest,
            },
        )
        sensitive = row.sensitive.model_dump(exclude_none=True)
        if sensitive:
            self.buffer.node("SensitiveAttributes", {"id": row.id, **sensitive})
        for skill_id, item in skills:
            self.buffer.edge(
                "Candidate",
                "HAS_SKILL",
                "Skill",
                {
                    "src": row.id,
                    "dst": skill_id,
                    "level": item.level,
                    "years": item.years,
                },
            )
        for job in row.experience:
            org = self.resolver.resolve("Organization", job.organization)
            domain = self.resolver.resolve("Domain", job.domain) if job.domain else None
            self.buffer.edge(
                "Candidate",
                "WORKED_AT",
                "Organization",
                {
                    "src": row.id,
                    "dst": org,
                    "title": job.title,
                    "domain": domain,
                    "start_date": job.start,
                    "end_date": job.end,
                },
            )
        self._link("Candidate", row.id, "LOCATED_IN", "Location", row.location)

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
