"""Write-back: embeddings the engine computes become node properties in the graph.

So that Cypher users can see and use them (similarity in a query, export to other tools).
They are *derived* properties (``GraphSchema`` marks them): imports never set or clear them,
and each carries the version of the model that produced it.

Example:
    >>> write_embeddings(store, "Candidate", ["c1"], np.ones((1, 4)), "nexus-v1")  # doctest: +SKIP
    1
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from graph_schema import SCHEMA
from graph_schema.errors import ConfigError
from loaders.stores.base import GraphStore

NOT_EMBEDDABLE = "label {label!r} has no embedding property; embeddable labels: {known}"
SHAPE_MISMATCH = "{n_ids} ids but {n_rows} embedding rows; they must be aligned"


def embeddable_labels() -> tuple[str, ...]:
    return tuple(s.label for s in SCHEMA.nodes if "embedding" in s.derived)


def write_embeddings(
    store: GraphStore, label: str, ids: Sequence[str], vectors: np.ndarray, version: str
) -> int:
    """Store ``vectors[i]`` as ``embedding`` of node ``ids[i]``; returns rows written.

    Raises:
        ConfigError: the label has no embedding property, or ids and rows differ in number.
    """
    if label not in embeddable_labels():
        raise ConfigError(NOT_EMBEDDABLE.format(label=label, known=", ".join(embeddable_labels())))
    if len(ids) != len(vectors):
        raise ConfigError(SHAPE_MISMATCH.format(n_ids=len(ids), n_rows=len(vectors)))
    matrix = np.asarray(vectors, dtype=np.float64)
    flat = pa.array(matrix.reshape(-1), type=pa.float64())
    offsets = pa.array(
        np.arange(0, matrix.size + 1, matrix.shape[1] if matrix.ndim == 2 else 1, dtype=np.int32)
    )
    table = pa.table(
        {
            "id": pa.array(list(ids), type=pa.string()),
            "embedding": pa.ListArray.from_arrays(offsets, flat),
            "embedding_version": pa.array([version] * len(ids), type=pa.string()),
        }
    )
    return store.write_table("set_embeddings", table, label=label)


def read_embeddings(store: GraphStore, label: str) -> tuple[list[str], np.ndarray, list[str]]:
    """(ids, matrix, versions) of the nodes of ``label`` that have an embedding, by id."""
    if label not in embeddable_labels():
        raise ConfigError(NOT_EMBEDDABLE.format(label=label, known=", ".join(embeddable_labels())))
    rows = sorted(store.run("export/embeddings", label=label), key=lambda r: r["id"])
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32), []
    matrix = np.asarray([r["embedding"] for r in rows], dtype=np.float32)
    return [r["id"] for r in rows], matrix, [r["embedding_version"] for r in rows]
