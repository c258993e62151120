"""Export the feature graph of a store to PyTorch Geometric: ``HeteroData`` plus id maps.

Node and edge types come from ``SCHEMA.metadata()``; a type is exported when it has at
least one node or edge. Sensitive attributes are not in the graph (they live in the
audit-only sensitive store), so the export cannot hold them. Every read is a catalog query
under ``cypher/export/``. Rows are fetched in bulk: on LadybugDB as one Arrow table per
query, elsewhere through ``GraphStore.run``. Node order is the sorted id order, and edges are sorted by
(source index, target index, attributes), so the export is the same whatever order the store
returns rows in.

Features (``data[label].feature_names`` and ``data[edge_type].edge_attr_names`` name the
columns):

- Candidate: reliability, attendance, engagement, churn_risk, experience_years
  (``log1p(years) / 4``), remote_ok; a missing value is imputed with the mean of the known
  values (0 when none is known) and flagged in a ``<name>_missing`` column.
- Role: capacity (``log1p``), remote (+ ``remote_missing``).
- other labels: one constant ``bias`` column of ones.
- ``text_features[label]`` rows (aligned with ``ids[label].ids``) are appended as
  ``text_0 ... text_{d-1}``.
- HAS_SKILL: level, years (``log1p(years) / 4``), each with a missing flag; REQUIRES_SKILL:
  importance (+ flag), required; SIMILAR_TO: weight; WORKED_AT: duration_years (1 when an
  end date is unknown), current; INTERACTED: one-hot ``type=<stage>``; others: no edge_attr.

Example:
    >>> from loaders.stores import open_store
    >>> with open_store("/tmp/tg-store") as store:          # doctest: +SKIP
    ...     exported = export_graph(store)
    >>> exported.data["Candidate"].x.shape                  # doctest: +SKIP
    torch.Size([10, 12])
    >>> exported.ids["Candidate"].index_of("c1")            # doctest: +SKIP
    0
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from torch_geometric.data import HeteroData

from graph_schema import SCHEMA, EdgeType, NodeLabel
from graph_schema.errors import (
    ConfigError,
    SchemaError,
    StoreError,
    UnknownIdError,
)
from graph_schema.relationships import INTERACTION_TYPES
from loaders.row_mapping import month_index
from loaders.stores.base import GraphStore

UNKNOWN_ID = "{label} id {value!r} is not in the export ({count} ids)"
UNKNOWN_INDEX = "{label} index {value} is out of range [0, {count})"
DUPLICATE_IDS = "{label} has duplicate ids in the store, e.g. {example!r}"
DANGLING_EDGE = "{edge_type}: {end} id {value!r} is not a {label} node of the export"
AMBIGUOUS_TARGET = "{rel} from {src} has several target labels {targets}; the export needs one"
BAD_TEXT_LABEL = "text_features[{label!r}]: {label} is not an exported node type; exported: {known}"
BAD_TEXT_SHAPE = (
    "text_features[{label!r}] must be a 2-D array with one row per id of ids[{label!r}] "
    "({rows} rows); got shape {shape}"
)
_YEARS_SCALE = 4.0  # log1p(years) / 4 keeps 0..50 years within about [0, 1]

Transform = Callable[[np.ndarray], np.ndarray]


def _identity(values: np.ndarray) -> np.ndarray:
    return values


def _log1p_years(values: np.ndarray) -> np.ndarray:
    return np.log1p(np.clip(values, 0.0, None)) / _YEARS_SCALE


def _log1p(values: np.ndarray) -> np.ndarray:
    return np.log1p(np.clip(values, 0.0, None))


@dataclass(frozen=True)
class Column:
    """One numeric attribute read by the export.

    Args:
        name: the query's column (and feature) name.
        transform: applied to the known values.
        flag_missing: add a ``<name>_missing`` column and impute the mean of known values;
            otherwise a missing value becomes ``default``.
        default: the value of a missing attribute when ``flag_missing`` is false.
    """

    name: str
    transform: Transform = _identity
    flag_missing: bool = True
    default: float = 0.0


NODE_QUERIES: dict[NodeLabel, tuple[str, tuple[Column, ...]]] = {
    "Candidate": (
        "export/candidate_features",
        (
            Column("reliability"),
            Column("attendance"),
            Column("engagement"),
            Column("churn_risk"),
            Column("experience_years", _log1p_years),
            Column("remote_ok"),
        ),
    ),
    "Role": (
        "export/role_features",
        (
            Column("capacity", _log1p, flag_missing=False, default=float(np.log1p(1))),
            Column("remote"),
        ),
    ),
}
"""Labels with numeric attributes: their catalog query and columns; others get ``bias``."""

EDGE_QUERIES: dict[str, tuple[str, tuple[Column, ...]]] = {
    "HAS_SKILL": ("export/has_skill_edges", (Column("level"), Column("years", _log1p_years))),
    "REQUIRES_SKILL": (
        "export/requires_skill_edges",
        (Column("importance"), Column("required", flag_missing=False)),
    ),
    "SIMILAR_TO": ("export/similar_to_edges", (Column("weight", flag_missing=False),)),
    "WORKED_AT": ("export/worked_at_edges", ()),
    "INTERACTED": ("export/interacted_edges", ()),
}
"""Relationship types with exported attributes; the rest use the ``export/edges`` template."""


class IdMap:
    """Stable two-way map between the ids of one node label and row indices (sorted ids).

    Example:
        >>> m = IdMap("Skill", ["sql", "git", "python"])
        >>> m.ids, m.index_of("python"), m.id_of(0)
        (['git', 'python', 'sql'], 1, 'git')

    Args:
        label: the node label (for messages).
        ids: the node ids, in any order; they must be unique.

    Raises:
        StoreError: ``ids`` has duplicates.
    """

    def __init__(self, label: NodeLabel, ids: Iterable[str]) -> None:
        self.label = label
        self._array = pa.array(sorted(ids), type=pa.string())
        self.ids: list[str] = self._array.to_pylist()
        self._index = {value: i for i, value in enumerate(self.ids)}
        if len(self._index) != len(self.ids):
            dup = next(v for i, v in enumerate(self.ids[1:]) if v == self.ids[i])
            raise StoreError(DUPLICATE_IDS.format(label=label, example=dup))

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._index

    def __repr__(self) -> str:
        return f"IdMap({self.label!r}, {len(self)} ids)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdMap) and (self.label, self.ids) == (other.label, other.ids)

    __hash__ = None  # type: ignore[assignment]

    def index_of(self, node_id: str) -> int:
        """Row index of ``node_id``.

        Raises:
            UnknownIdError: ``node_id`` is not in the map.
        """
        try:
            return self._index[node_id]
        except KeyError:
            raise UnknownIdError(
                UNKNOWN_ID.format(label=self.label, value=node_id, count=len(self))
            ) from None

    def id_of(self, index: int) -> str:
        """Id at row ``index``.

        Raises:
            UnknownIdError: ``index`` is out of range.
        """
        if not 0 <= index < len(self.ids):
            raise UnknownIdError(
                UNKNOWN_INDEX.format(label=self.label, value=index, count=len(self))
            )
        return self.ids[index]

    def positions_in(self, node_ids: pa.Array | pa.ChunkedArray) -> pa.Array:
        """For each id of the map, in map order, its position in ``node_ids`` (a permutation)."""
        return pc.index_in(self._array, value_set=node_ids)

    def indices_of(self, node_ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Row indices of many ids at once (int64; -1 where an id is not in the map)."""
        found = pc.index_in(node_ids, value_set=self._array)
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


@dataclass(frozen=True)
class ExportedGraph:
    """The exported ``HeteroData`` and, per node type, the map between ids and row indices."""

    data: HeteroData
    ids: dict[NodeLabel, IdMap] = field(default_factory=dict)


# -- reading ---------------------------------------------------------------------------------
def _fetch(
    store: GraphStore, name: str, *, label: str | None = None, rel: str | None = None
) -> pa.Table:
    """Run export query ``name`` and return its rows as one Arrow table.

    ``GraphStore.run_table`` checks the parameters and, on LadybugDB, builds the columns
    natively, which is what makes a 2M-edge export take seconds.
    """
    return store.run_table(name, label=label, rel_type=rel)


def _floats(table: pa.Table, name: str) -> np.ndarray:
    """Column ``name`` as float64 with NaN for nulls (all NaN if the column is absent)."""
    if name not in table.column_names:
        return np.full(table.num_rows, np.nan)
    column = table[name]
    if pa.types.is_boolean(column.type) or pa.types.is_integer(column.type):
        column = pc.cast(column, pa.float64())
    elif pa.types.is_null(column.type):
        return np.full(table.num_rows, np.nan)
    return column.to_numpy().astype(np.float64)


def _columns(table: pa.Table, columns: tuple[Column, ...]) -> tuple[list[np.ndarray], list[str]]:
    """Transformed, imputed feature columns and their names."""
    out: list[np.ndarray] = []
    names: list[str] = []
    for col in columns:
        raw = _floats(table, col.name)
        missing = np.isnan(raw)
        values = raw.copy()
        values[~missing] = col.transform(raw[~missing])
        if col.flag_missing:
            known = values[~missing]
            values[missing] = float(known.mean()) if known.size else 0.0
            out += [values, missing.astype(np.float64)]
            names += [col.name, f"{col.name}_missing"]
        else:
            values[missing] = col.default
            out.append(values)
            names.append(col.name)
    return out, names


def _stack(columns: list[np.ndarray], rows: int) -> np.ndarray:
    return np.stack(columns, axis=1) if columns else np.zeros((rows, 0))


# -- nodes -----------------------------------------------------------------------------------
def _node_table(store: GraphStore, label: NodeLabel) -> pa.Table:
    name = NODE_QUERIES[label][0] if label in NODE_QUERIES else "export/node_ids"
    return _fetch(store, name, label=None if label in NODE_QUERIES else label)


def _node_features(label: NodeLabel, table: pa.Table) -> tuple[np.ndarray, list[str]]:
    if label not in NODE_QUERIES:
        return np.ones((table.num_rows, 1)), ["bias"]
    columns, names = _columns(table, NODE_QUERIES[label][1])
    return _stack(columns, table.num_rows), names


def _with_text(
    label: NodeLabel, x: np.ndarray, names: list[str], text: np.ndarray | None
) -> tuple[np.ndarray, list[str]]:
    if text is None:
        return x, names
    text = np.asarray(text)
    if text.ndim != 2 or text.shape[0] != x.shape[0]:
        raise ConfigError(BAD_TEXT_SHAPE.format(label=label, rows=x.shape[0], shape=text.shape))
    # float32 throughout: a 100k x 384 text block would double to 300 MB as float64.
    features = np.concatenate([x.astype(np.float32), text.astype(np.float32, copy=False)], axis=1)
    return features, names + [f"text_{i}" for i in range(text.shape[1])]


# -- edges -----------------------------------------------------------------------------------
def _worked_at(table: pa.Table) -> tuple[list[np.ndarray], list[str]]:
    if table.num_rows == 0:
        return [np.zeros(0), np.zeros(0)], ["duration_years", "current"]
    start = month_index(table["start_date"])
    end = month_index(table["end_date"])
    duration = (end - start) / 12.0
    duration = np.where(np.isnan(duration) | (duration < 0), 1.0, duration)
    current = pc.is_null(table["end_date"]).to_numpy(zero_copy_only=False).astype(np.float64)
    return [duration, current], ["duration_years", "current"]


def _interacted(table: pa.Table) -> tuple[list[np.ndarray], list[str]]:
    kinds = (
        table["type"].to_numpy(zero_copy_only=False)
        if table.num_rows
        else np.zeros(0, dtype=object)
    )
    return (
        [(kinds == kind).astype(np.float64) for kind in INTERACTION_TYPES],
        [f"type={kind}" for kind in INTERACTION_TYPES],
    )


def _edge_attrs(rel: str, table: pa.Table) -> tuple[list[np.ndarray], list[str]]:
    if rel == "WORKED_AT":
        return _worked_at(table)
    if rel == "INTERACTED":
        return _interacted(table)
    if rel in EDGE_QUERIES:
        return _columns(table, EDGE_QUERIES[rel][1])
    return [], []


def _check_single_targets(edge_types: list[EdgeType]) -> None:
    """The ``export/edges`` template leaves the target unlabelled: one target per source.

    Raises:
        SchemaError: a (source, type) pair read by the template has several target labels.
    """
    targets: dict[tuple[NodeLabel, str], set[NodeLabel]] = {}
    for src, rel, dst in edge_types:
        targets.setdefault((src, rel), set()).add(dst)
    for (src, rel), found in targets.items():
        if len(found) > 1 and rel not in EDGE_QUERIES:
            raise SchemaError(AMBIGUOUS_TARGET.format(rel=rel, src=src, targets=sorted(found)))


def _edge_store(
    store: GraphStore, edge_type: EdgeType, ids: Mapping[NodeLabel, IdMap]
) -> tuple[torch.Tensor, np.ndarray, list[str]] | None:
    """(edge_index, edge_attr, names) of one edge type, sorted; ``None`` when it has no edge."""
    src, rel, dst = edge_type
    name = EDGE_QUERIES[rel][0] if rel in EDGE_QUERIES else "export/edges"
    table = _fetch(store, name, label=src, rel=None if rel in EDGE_QUERIES else rel)
    if table.num_rows == 0:
        return None
    index = np.stack([ids[src].indices_of(table["src"]), ids[dst].indices_of(table["dst"])])
    for row, (end, label) in enumerate((("source", src), ("target", dst))):
        bad = np.flatnonzero(index[row] < 0)
        if bad.size:
            value = table["src" if row == 0 else "dst"][int(bad[0])].as_py()
            raise StoreError(
                DANGLING_EDGE.format(edge_type=edge_type, end=end, value=value, label=label)
            )
    columns, names = _edge_attrs(rel, table)
    attr = _stack(columns, table.num_rows)
    # np.lexsort sorts by its last key first: source, then target, then attributes.
    order = np.lexsort([*(attr[:, i] for i in reversed(range(attr.shape[1]))), index[1], index[0]])
    return torch.from_numpy(index[:, order].copy()), attr[order], names


# -- the export ------------------------------------------------------------------------------
def export_graph(
    store: GraphStore, *, text_features: Mapping[NodeLabel, np.ndarray] | None = None
) -> ExportedGraph:
    """Read the feature graph of ``store`` into a ``HeteroData`` with stable id maps.

    Args:
        store: an open store with the talentgraph schema.
        text_features: optional per-label arrays (one row per id of ``ids[label].ids``, in
            that order) appended to the numeric node features, e.g. text embeddings.

    Returns:
        ``ExportedGraph``: ``data`` has ``x``, ``feature_names`` and ``num_nodes`` per node
        type with nodes, and ``edge_index`` (2 x E, long), ``edge_attr_names`` and, for
        types with attributes, ``edge_attr`` (E x A, float) per edge type with edges.

    Raises:
        ConfigError: a ``text_features`` entry names a label that is not exported or does
            not have one row per node.
        StoreError: a query failed, an id is duplicated, or an edge ends outside the export.
    """
    node_types, edge_types = SCHEMA.metadata()
    _check_single_targets(edge_types)
    data = HeteroData()
    ids: dict[NodeLabel, IdMap] = {}
    for label in node_types:
        table = _node_table(store, label)
        if table.num_rows == 0:
            continue
        ids[label] = IdMap(label, table["id"].to_pylist())
        table = table.take(ids[label].positions_in(table["id"]))  # rows in id-map order
        x, names = _node_features(label, table)
        data[label].x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        data[label].num_nodes = len(ids[label])
        data[label].feature_names = names
    for edge_type in edge_types:
        src, _, dst = edge_type
        if src not in ids or dst not in ids:
            continue
        found = _edge_store(store, edge_type, ids)
        if found is None:
            continue
        edge_index, attr, names = found
        data[edge_type].edge_index = edge_index
        if names:
            data[edge_type].edge_attr = torch.from_numpy(np.ascontiguousarray(attr, np.float32))
        data[edge_type].edge_attr_names = names
    exported = ExportedGraph(data=data, ids=ids)
    return with_text_features(exported, text_features) if text_features else exported


def with_text_features(
    exported: ExportedGraph, text_features: Mapping[NodeLabel, np.ndarray]
) -> ExportedGraph:
    """``exported`` with ``text_features[label]`` appended to the node features, without
    reading the store again (the copy shares every other tensor with ``exported``).

    Raises:
        ConfigError: an entry names a label that is not exported or does not have one row
            per node.
    """
    data = copy.copy(exported.data)
    for label, text in text_features.items():
        if label not in exported.ids:
            if np.asarray(text).shape[:1] != (0,):
                known = ", ".join(exported.ids)
                raise ConfigError(BAD_TEXT_LABEL.format(label=label, known=known))
            continue
        x, names = _with_text(
            label, exported.data[label].x.numpy(), list(exported.data[label].feature_names), text
        )
        data[label].x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        data[label].feature_names = names
    return ExportedGraph(data=data, ids=exported.ids)
