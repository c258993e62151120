"""Relationship types of the graph: endpoints and properties, one pydantic model each.

Direction matters and follows DESIGN.md. ``key`` names the properties that, with the two
endpoints, identify one relationship (a candidate can work at the same organization twice,
with different ``start``); everything else is updated in place on re-import.

Interactions are one relationship type, ``INTERACTED {type, actor, at}``, keyed by
(candidate, role, type): one edge per stage of the funnel. One type keeps the DDL, the
bulk loader and the PyG export simple, and a query filters on ``r.type``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
InteractionType = Literal[
    "APPLIED", "SHORTLISTED", "INTERVIEWED", "OFFERED", "HIRED", "REJECTED", "WITHDREW"
]
INTERACTION_TYPES: tuple[str, ...] = InteractionType.__args__  # type: ignore[attr-defined]
POSITIVE_INTERACTIONS: tuple[str, ...] = ("SHORTLISTED", "INTERVIEWED", "OFFERED", "HIRED")


class Relationship(BaseModel):
    """Base of every relationship model."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rel_type: ClassVar[str] = ""
    endpoints: ClassVar[tuple[tuple[str, str], ...]] = ()
    key: ClassVar[tuple[str, ...]] = ()


class HasSkill(Relationship):
    rel_type: ClassVar[str] = "HAS_SKILL"
    endpoints: ClassVar[tuple[tuple[str, str], ...]] = (("Candidate", "Skill"),)
    level: Unit | None = None
    years: Annotated[float, Field(ge=0, le=70)] | None = None


class RequiresSkill(Relationship):
    rel_type: ClassVar[str] = "REQUIRES_SKILL"
    endpoints: ClassVar[tuple[tuple[str, str], ...]] = (("Role", "Skill"), ("Occupation", "Skill"))
    importance: Unit | None = None
    required: bool = False


class SimilarTo(Relationship):
    rel_type: ClassVar[str] = "SIMILAR_TO"
    endpoints: ClassVar[tuple[tuple[str, str], ...]] = (("Skill", "Skill"),)
    weight: Unit = 0.0


class LocatedIn(Relationship):
    rel_type: ClassVar[str] = "LOCATED_IN"
    endpoints: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Candidate", "Location"),
        ("Role", "Location"),
        ("Organization", "Location"),
    )


class PartOf(Relationship):
    rel_type: ClassVar[str] = "PART_OF"
    endpoints: ClassVar[tuple[tuple[str, str], ...]] = (("Location", "Location"),)


class WorkedAt(Relationship):
    rel_type: ClassVar[str] = "WORKED_AT"
    endpoints: ClassVar[tuple[tuple[str, str], ...]] = (("Candidate", "Organization"),)
    key: ClassVar[tuple[str, ...]] = ("start_date",)
    title: str | None = None
    domain: str | None = None
    start_date: str = ""
    end_date: str | None = None


class OfferedBy(Relationship):
    rel_type: ClassVar[str] = "OFFERED_BY"
    endpoints: ClassVar[tuple[tuple[str, str], ...]] = (("Role", "Organization"),)


class InDomain(Relationship):
    rel_type: ClassVar[str] = "IN_DOMAIN"
    endpoints: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Role", "Domain"),
        ("Organization", "Domain"),
        ("Skill", "Domain"),
    )


class OfOccupation(Relationship):
    rel_type: ClassVar[str] = "OF_OCCUPATION"
    endpoints: ClassVar[tuple[tuple[str, str], ...]] = (("Role", "Occupation"),)


class Interacted(Relationship):
    rel_type: ClassVar[str] = "INTERACTED"
    endpoints: ClassVar[tuple[tuple[str, str], ...]] = (("Candidate", "Role"),)
    key: ClassVar[tuple[str, ...]] = ("type",)
    type: InteractionType = "APPLIED"
    actor: Literal["candidate", "recruiter"] = "candidate"
    at: str | None = None


RELATIONSHIP_MODELS: tuple[type[Relationship], ...] = (
    HasSkill,
    RequiresSkill,
    SimilarTo,
    LocatedIn,
    PartOf,
    WorkedAt,
    OfferedBy,
    InDomain,
    OfOccupation,
    Interacted,
)
