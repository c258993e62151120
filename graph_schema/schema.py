"""GraphSchema: the registry of labels, relationship types and their typed properties.

The schema is a value (like PyG's ``HeteroData.metadata()``): DDL generation, the import
job, the PyG export and NexusGNN all read it. Property types come from the pydantic models
in ``nodes.py`` and ``relationships.py``. Sensitive attributes are not in it: they live in
their own store (``sensitive.py``), so every label of the graph is a feature label.

Example:
    >>> from graph_schema import SCHEMA
    >>> SCHEMA.node("Candidate").key
    'id'
    >>> ("Candidate", "HAS_SKILL", "Skill") in SCHEMA.metadata()[1]
    True
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from graph_schema.errors import SchemaError
from graph_schema.nodes import NODE_MODELS, Node
from graph_schema.relationships import RELATIONSHIP_MODELS, Relationship

NodeLabel = str
RelType = str
EdgeType = tuple[NodeLabel, RelType, NodeLabel]
Metadata = tuple[list[NodeLabel], list[EdgeType]]
PropertyType = str  # "STRING" | "DOUBLE" | "INT64" | "BOOLEAN" | "STRING[]" | "DOUBLE[]"

_SCALARS: dict[Any, PropertyType] = {str: "STRING", float: "DOUBLE", int: "INT64", bool: "BOOLEAN"}


def _property_type(annotation: Any) -> PropertyType:
    """Map a pydantic field annotation to a store property type."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _property_type(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            raise SchemaError(f"unsupported union property type {annotation!r}")
        return _property_type(inner[0])
    if origin is typing.Literal:
        return _SCALARS[type(get_args(annotation)[0])]
    if origin is list:
        return _property_type(get_args(annotation)[0]) + "[]"
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise SchemaError(f"unsupported property type {annotation!r}")


@dataclass(frozen=True)
class PropertySpec:
    """One property: its name and store type."""

    name: str
    type: PropertyType


@dataclass(frozen=True)
class NodeSpec:
    """A node label with its key and properties (the key is not repeated in properties)."""

    label: NodeLabel
    model: type[Node]
    properties: tuple[PropertySpec, ...]
    key: str = "id"
    derived: tuple[str, ...] = ()

    @property
    def property_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties)


@dataclass(frozen=True)
class RelSpec:
    """A relationship type: its (source, target) label pairs, key and properties."""

    type: RelType
    model: type[Relationship]
    endpoints: tuple[tuple[NodeLabel, NodeLabel], ...]
    properties: tuple[PropertySpec, ...]
    key: tuple[str, ...] = ()

    @property
    def property_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties)


def _props(model: type[Any], skip: tuple[str, ...] = ()) -> tuple[PropertySpec, ...]:
    return tuple(
        PropertySpec(name, _property_type(field.annotation))
        for name, field in model.model_fields.items()
        if name not in skip
    )


class GraphSchema:
    """Registry of node and relationship specs built from the pydantic models."""

    def __init__(
        self,
        node_models: tuple[type[Node], ...],
        rel_models: tuple[type[Relationship], ...],
    ) -> None:
        self._nodes = {
            m.label: NodeSpec(m.label, m, _props(m, skip=("id",)), derived=m.derived)
            for m in node_models
        }
        self._rels = {
            m.rel_type: RelSpec(m.rel_type, m, m.endpoints, _props(m), m.key) for m in rel_models
        }
        for spec in self._rels.values():
            for src, dst in spec.endpoints:
                if src not in self._nodes or dst not in self._nodes:
                    raise SchemaError(f"{spec.type} links unknown label {src} or {dst}")

    @property
    def nodes(self) -> tuple[NodeSpec, ...]:
        return tuple(self._nodes.values())

    @property
    def relationships(self) -> tuple[RelSpec, ...]:
        return tuple(self._rels.values())

    def node(self, label: NodeLabel) -> NodeSpec:
        try:
            return self._nodes[label]
        except KeyError:
            raise SchemaError(
                f"unknown node label {label!r}; known: {', '.join(self._nodes)}"
            ) from None

    def relationship(self, rel_type: RelType) -> RelSpec:
        try:
            return self._rels[rel_type]
        except KeyError:
            raise SchemaError(
                f"unknown relationship type {rel_type!r}; known: {', '.join(self._rels)}"
            ) from None

    def edge_types(self) -> list[EdgeType]:
        return [(src, r.type, dst) for r in self.relationships for src, dst in r.endpoints]

    def metadata(self) -> Metadata:
        """(node types, edge types) of the graph, as PyG expects."""
        return [s.label for s in self.nodes], self.edge_types()


SCHEMA = GraphSchema(NODE_MODELS, RELATIONSHIP_MODELS)
