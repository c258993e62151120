"""The edge types of the PyG export that the engine reads by name, defined once.

Each is a ``(source label, relationship type, target label)`` triple of ``SCHEMA`` (a test
checks they all are), the key of ``ExportedGraph.data[...]``.

Example:
    >>> from graph_schema.edge_types import INTERACTED
    >>> INTERACTED
    ('Candidate', 'INTERACTED', 'Role')
"""

from __future__ import annotations

from graph_schema.schema import EdgeType

INTERACTED: EdgeType = ("Candidate", "INTERACTED", "Role")
HAS_SKILL: EdgeType = ("Candidate", "HAS_SKILL", "Skill")
REQUIRES_SKILL: EdgeType = ("Role", "REQUIRES_SKILL", "Skill")
SIMILAR_TO: EdgeType = ("Skill", "SIMILAR_TO", "Skill")
PART_OF: EdgeType = ("Location", "PART_OF", "Location")

ENGINE_EDGE_TYPES: tuple[EdgeType, ...] = (
    INTERACTED,
    HAS_SKILL,
    REQUIRES_SKILL,
    SIMILAR_TO,
    PART_OF,
)
