"""The typed definition of the talentgraph graph: labels, relationships, properties, DDL.

Pure: no I/O. ``SCHEMA`` is the registry every other package reads.
"""

from __future__ import annotations

from graph_schema.errors import (
    ConfigError,
    InputRowError,
    NotTrainedError,
    QueryNotFoundError,
    SchemaError,
    SensitiveAccessError,
    StoreError,
    StoreUnavailableError,
    TalentGraphError,
    UnknownIdError,
)
from graph_schema.schema import (
    SCHEMA,
    EdgeType,
    GraphSchema,
    Metadata,
    NodeLabel,
    NodeSpec,
    PropertySpec,
    RelSpec,
    RelType,
)

__all__ = [
    "SCHEMA",
    "ConfigError",
    "EdgeType",
    "GraphSchema",
    "InputRowError",
    "Metadata",
    "NodeLabel",
    "NodeSpec",
    "NotTrainedError",
    "PropertySpec",
    "QueryNotFoundError",
    "RelSpec",
    "RelType",
    "SchemaError",
    "SensitiveAccessError",
    "StoreError",
    "StoreUnavailableError",
    "TalentGraphError",
    "UnknownIdError",
]
