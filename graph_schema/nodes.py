"""Node labels of the talentgraph graph, one pydantic model each.

These models are the single typed definition of what a node carries in the store. The
`GraphSchema` registry (``schema.py``) reads their fields to generate DDL and the PyG
metadata; the import job builds instances of them (as column tables on hot paths).

Example:
    >>> Skill(id="python", name="Python").name
    'Python'
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class Node(BaseModel):
    """Base of every node: an ``id`` that is unique within its label."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: ClassVar[str] = ""
    # Properties the engine computes and writes back (embeddings); imports never set them.
    derived: ClassVar[tuple[str, ...]] = ()

    id: Annotated[str, Field(min_length=1)]


class Skill(Node):
    """A skill or knowledge area (ESCO-grounded when imported from ESCO)."""

    label: ClassVar[str] = "Skill"
    derived: ClassVar[tuple[str, ...]] = ("embedding", "embedding_version")
    name: str
    aliases: list[str] = []
    description: str | None = None
    skill_type: str | None = None
    esco_uri: str | None = None
    embedding: list[float] | None = None
    embedding_version: str | None = None


class Occupation(Node):
    """An ESCO occupation: the template a role is derived from."""

    label: ClassVar[str] = "Occupation"
    name: str
    aliases: list[str] = []
    description: str | None = None
    isco_group: str | None = None
    esco_uri: str | None = None


class Candidate(Node):
    """A worker. Sensitive attributes are not in the graph: see ``sensitive.py``."""

    label: ClassVar[str] = "Candidate"
    derived: ClassVar[tuple[str, ...]] = ("embedding", "embedding_version")
    headline: str | None = None
    summary: str | None = None
    reliability: Unit | None = None
    attendance: Unit | None = None
    engagement: Unit | None = None
    churn_risk: Unit | None = None
    experience_years: float | None = None
    remote_ok: bool | None = None
    preferred_locations: list[str] = []
    preferred_domains: list[str] = []
    row_hash: str | None = None
    embedding: list[float] | None = None
    embedding_version: str | None = None


class Role(Node):
    """An opportunity with requirements and a capacity (job, shift, place, fellowship)."""

    label: ClassVar[str] = "Role"
    derived: ClassVar[tuple[str, ...]] = ("embedding", "embedding_version")
    title: str
    description: str | None = None
    capacity: int = 1
    remote: bool | None = None
    row_hash: str | None = None
    embedding: list[float] | None = None
    embedding_version: str | None = None


class Organization(Node):
    """An employer or host organization."""

    label: ClassVar[str] = "Organization"
    name: str


class Location(Node):
    """A place; ``PART_OF`` links a city to its country."""

    label: ClassVar[str] = "Location"
    name: str
    kind: str | None = None


class Domain(Node):
    """A sector or field (healthcare, logistics, software, ...)."""

    label: ClassVar[str] = "Domain"
    name: str


NODE_MODELS: tuple[type[Node], ...] = (
    Skill,
    Occupation,
    Candidate,
    Role,
    Organization,
    Location,
    Domain,
)
