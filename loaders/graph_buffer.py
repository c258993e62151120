"""Column buffers of nodes and edges waiting to be written, one per label and edge type.

The import job appends validated values here; the writer turns each buffer into an Arrow
table (bulk COPY) or row batches (UNWIND ... MERGE). Columns, not dicts: a scale-5 import
holds over a million HAS_SKILL edges and dict-per-row would double its memory.

Sensitive attributes are not graph nodes: they wait apart, in ``sensitive``, for the
sensitive store (``loaders.sensitive_store``).

Example:
    >>> buf = GraphBuffer()
    >>> buf.node("Domain", {"id": "health", "name": "Healthcare"})
    True
    >>> buf.node("Domain", {"id": "health", "name": "Health"})      # first row wins
    False
    >>> buf.node_table("Domain").num_rows
    1
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa

from graph_schema import SCHEMA
from loaders.stores.arrow import edge_table, node_table


class ColumnBuffer:
    """Rows stored column by column, in a fixed column order."""

    def __init__(self, columns: tuple[str, ...], key: tuple[str, ...] = ()) -> None:
        self.columns = columns
        self.key = key  # extra key columns beyond the endpoints (edges)
        self._data: dict[str, list[Any]] = {c: [] for c in columns}
        self._lists = [(c, self._data[c]) for c in columns]
        self._keys: set[Any] = set()
        self._tables: list[pa.Table] = []

    def __len__(self) -> int:
        return len(self._data[self.columns[0]]) + sum(t.num_rows for t in self._tables)

    def extend(self, table: pa.Table) -> None:
        """Add rows known to be unique (the columnar path checks its keys itself)."""
        self._tables.append(table)

    def append(self, row: dict[str, Any], key: Any) -> bool:
        """Add ``row`` unless a row with the same ``key`` is already here."""
        if key in self._keys:
            return False
        self._keys.add(key)
        for column, values in self._lists:
            values.append(row.get(column))
        return True

    def table(self, typed: Callable[[pa.Table | list[dict[str, Any]]], pa.Table]) -> pa.Table:
        """All rows as one table, each part typed by ``typed`` (the schema's column types)."""
        parts = [typed(pa.table({c: self._data[c] for c in self.columns}))]
        parts += [typed(t) for t in self._tables]
        return pa.concat_tables(parts) if len(parts) > 1 else parts[0]


class GraphBuffer:
    """Nodes per label and edges per (src, REL, dst), deduplicated by their keys."""

    def __init__(self) -> None:
        self.nodes: dict[str, ColumnBuffer] = {}
        self.edges: dict[tuple[str, str, str], ColumnBuffer] = {}
        self.sensitive: list[pa.Table] = []  # rows of the sensitive store, not of the graph

    def node(self, label: str, row: dict[str, Any]) -> bool:
        buf = self.nodes.get(label)
        if buf is None:
            spec = SCHEMA.node(label)
            buf = self.nodes[label] = ColumnBuffer((spec.key, *spec.property_names))
        return buf.append(row, row["id"])

    def edge(self, src: str, rel_type: str, dst: str, row: dict[str, Any]) -> bool:
        buf = self._edge_buffer(src, rel_type, dst)
        if buf.key:
            return buf.append(row, (row["src"], row["dst"], *(row.get(k) for k in buf.key)))
        return buf.append(row, (row["src"], row["dst"]))

    def _edge_buffer(self, src: str, rel_type: str, dst: str) -> ColumnBuffer:
        group = (src, rel_type, dst)
        buf = self.edges.get(group)
        if buf is None:
            spec = SCHEMA.relationship(rel_type)
            buf = self.edges[group] = ColumnBuffer(("src", "dst", *spec.property_names), spec.key)
        return buf

    def extend_nodes(self, label: str, table: pa.Table) -> None:
        if label not in self.nodes:
            spec = SCHEMA.node(label)
            self.nodes[label] = ColumnBuffer((spec.key, *spec.property_names))
        self.nodes[label].extend(table)

    def extend_edges(self, src: str, rel_type: str, dst: str, table: pa.Table) -> None:
        self._edge_buffer(src, rel_type, dst).extend(table)

    def extend_sensitive(self, table: pa.Table) -> None:
        """Add sensitive-attribute rows (``id`` and the attributes) for the sensitive store."""
        self.sensitive.append(table)

    def sensitive_table(self) -> pa.Table | None:
        """Every sensitive-attribute row of this buffer, or ``None`` when there is none."""
        parts = [t for t in self.sensitive if t.num_rows]
        return pa.concat_tables(parts, promote_options="permissive") if parts else None

    def node_table(self, label: str) -> pa.Table:
        return self.nodes[label].table(lambda part: node_table(label, part))

    def edge_table(self, group: tuple[str, str, str]) -> pa.Table:
        return self.edges[group].table(lambda part: edge_table(group[1], part))

    def edge_groups(self) -> Iterator[tuple[tuple[str, str, str], ColumnBuffer]]:
        yield from ((k, v) for k, v in self.edges.items() if len(v))
