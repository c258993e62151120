"""Typed Arrow tables for writes: columns cast to the GraphSchema's property types.

A batch whose ``attendance`` column holds only nulls must still be a DOUBLE column, or
LadybugDB binds it as STRING and refuses the write; typing columns from the schema, not
from the values, makes every batch bind the same way.

Example:
    >>> t = node_table("Candidate", [{"id": "c1"}])
    >>> str(t.schema.field("attendance").type), t.column("attendance").null_count
    ('double', 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from graph_schema import SCHEMA, PropertySpec

ARROW_TYPES: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "DOUBLE": pa.float64(),
    "INT64": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "STRING[]": pa.list_(pa.string()),
    "DOUBLE[]": pa.list_(pa.float64()),
}


def typed_table(
    fields: Sequence[PropertySpec], data: pa.Table | Sequence[dict[str, Any]]
) -> pa.Table:
    """``data`` (a table or row dicts) as a table with exactly ``fields``, in order and typed."""
    schema = pa.schema([pa.field(f.name, ARROW_TYPES[f.type]) for f in fields])
    if isinstance(data, pa.Table):
        columns = [
            data.column(f.name).cast(schema.field(f.name).type)
            if f.name in data.column_names
            else pa.nulls(data.num_rows, schema.field(f.name).type)
            for f in fields
        ]
        return pa.Table.from_arrays(columns, schema=schema)
    return pa.Table.from_pylist(
        [{f.name: row.get(f.name) for f in fields} for row in data], schema=schema
    )


def node_table(label: str, data: pa.Table | Sequence[dict[str, Any]]) -> pa.Table:
    spec = SCHEMA.node(label)
    return typed_table((PropertySpec(spec.key, "STRING"), *spec.properties), data)


def edge_table(rel_type: str, data: pa.Table | Sequence[dict[str, Any]]) -> pa.Table:
    spec = SCHEMA.relationship(rel_type)
    ends = (PropertySpec("src", "STRING"), PropertySpec("dst", "STRING"))
    return typed_table((*ends, *spec.properties), data)
