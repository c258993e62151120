"""Column buffers of nodes and edges waiting to be written, one per label and edge type.

The import job appends validated values here; the writer turns each buffer into an Arrow
table (bulk COPY) or row batches (UNWIND ... MERGE). Columns, not dicts: a scale-5 import
holds over a million HAS_SKILL edges and dict-per-row would double its memory.

Example:
    >>> buf = GraphBuffer()
    >>> buf.node("Domain", {"id": "health", "name": "Healthcare"})
    True
    >>> buf.node("Domain", {"id": "health", "name": "Health"})      # first row wins
    False
    >>> buf.nodes["Domain"].table().num_rows
    1
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from graph_schema import SCHEMA


class ColumnBuffer:
    """Rows stored column by column, in a fixed column order."""

    def __init__(self, columns: tuple[str, ...], key: tuple[str, ...] = ()) -> None:
        self.columns = columns
        self.key = key  # extra key columns beyond the endpoints (edges)
        self._data: dict[str, list[Any]] = {c: [] for c in columns}
        self._lists = [(c, self._data[c]) for c in columns]
        self._keys: set[Any] = set()

    def __len__(self) -> int:
        return len(self._data[self.columns[0]])

    def append(self, row: dict[str, Any], key: Any) -> bool:
        """Add ``row`` unless a row with the same ``key`` is already here."""
        if key in self._keys:
            return False
        self._keys.add(key)
        for column, values in self._lists:
            values.append(row.get(column))
        return True

    def table(self) -> pa.Table:
        return pa.table({c: self._data[c] for c in self.columns})


class GraphBuffer:
    """Nodes per label and edges per (src, REL, dst), deduplicated by their keys."""

    def __init__(self) -> None:
        self.nodes: dict[str, ColumnBuffer] = {}
        self.edges: dict[tuple[str, str, str], ColumnBuffer] = {}

    def node(self, label: str, row: dict[str, Any]) -> bool:
        buf = self.nodes.get(label)
        if buf is None:
            spec = SCHEMA.node(label)
            buf = self.nodes[label] = ColumnBuffer((spec.key, *spec.property_names))
        return buf.append(row, row["id"])

    def edge(self, src: str, rel_type: str, dst: str, row: dict[str, Any]) -> bool:
        group = (src, rel_type, dst)
        buf = self.edges.get(group)
        if buf is None:
            spec = SCHEMA.relationship(rel_type)
            buf = self.edges[group] = ColumnBuffer(("src", "dst", *spec.property_names), spec.key)
        if buf.key:
            return buf.append(row, (row["src"], row["dst"], *(row.get(k) for k in buf.key)))
        return buf.append(row, (row["src"], row["dst"]))

    def edge_groups(self) -> Iterator[tuple[tuple[str, str, str], ColumnBuffer]]:
        yield from ((k, v) for k, v in self.edges.items() if len(v))
