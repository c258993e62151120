"""A fingerprint of what a ranking was computed from, logged with each decision.

A role's ranking is a function of the model (its version folder) and of the graph the
runtime was built from (``MatchModel.runtime``): the nodes and their features (text vectors
included), every edge type, the stated location preferences and skills named in texts, and,
when the list is re-ranked, each candidate's group. The graph is not versioned, so
``talentgraph replay`` rebuilds the runtime from the graph as it is *now*; the fingerprint
says whether that graph is the one the ranking was shown from and, when it is not, which part
changed (a node label, an edge type, ``preferred``, ``mentioned``, ``groups``).

Parts are short SHA-256 digests (16 hex). Node parts hash the sorted ids and the features
rounded to 4 decimals (text vectors recomputed on another machine may differ in the last
bits); INTERACTED edges hash their (candidate id, role id, stage) triples in order, so an
added or removed decision edge is told apart from a new node; other edge types hash their
index arrays sorted, which together with the node ids pins them down.

Example:
    >>> parts = inputs_fingerprint(eng.serving.recommender().runtime)    # doctest: +SKIP
    >>> sorted(parts)[:2]                                         # doctest: +SKIP
    ['Candidate', 'Candidate-HAS_SKILL-Skill']
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from graph_schema.edge_types import INTERACTED

DIGITS = 4
_CACHE: dict[int, tuple[weakref.ref[Any], dict[str, str]]] = {}


def _digest(chunks: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(len(chunk).to_bytes(8, "little"))
        h.update(chunk)
    return h.hexdigest()[:16]


def _ids(ids: list[str]) -> bytes:
    return "\n".join(ids).encode()


def _sparse(matrix: Any) -> list[bytes]:
    m = sp.csr_matrix(matrix)
    m.sort_indices()
    return [
        np.asarray(m.shape, np.int64).tobytes(),
        m.indptr.astype(np.int64).tobytes(),
        m.indices.astype(np.int64).tobytes(),
        np.round(m.data.astype(np.float64), DIGITS).tobytes(),
    ]


def interactions_part(exported: Any) -> str:
    """The digest of the INTERACTED edges: sorted (candidate, role, stage) triples."""
    if INTERACTED not in exported.data.edge_types:
        return _digest([])
    store = exported.data[INTERACTED]
    src, dst = store.edge_index.numpy()
    stage = np.asarray(store.edge_attr.numpy()).argmax(axis=1)
    names = [n.removeprefix("type=") for n in store.edge_attr_names]
    cand, role = exported.ids["Candidate"].ids, exported.ids["Role"].ids
    rows = sorted(f"{cand[s]}\t{role[d]}\t{names[t]}" for s, d, t in zip(src, dst, stage))
    return _digest([_ids(rows)])


def graph_parts(exported: Any) -> dict[str, str]:
    """Digest per node label and per edge type of an export."""
    data = exported.data
    parts: dict[str, str] = {}
    for label, ids in exported.ids.items():
        x = np.round(data[label].x.numpy().astype(np.float64), DIGITS)
        parts[label] = _digest([_ids(ids.ids), x.tobytes()])
    for edge_type in data.edge_types:
        name = "-".join(edge_type)
        if edge_type == INTERACTED:
            parts[name] = interactions_part(exported)
            continue
        store = data[edge_type]
        index = store.edge_index.numpy().astype(np.int64)
        order = np.lexsort((index[1], index[0]))
        chunks = [index[:, order].tobytes()]
        if getattr(store, "edge_attr", None) is not None:
            chunks.append(np.round(store.edge_attr.numpy()[order].astype(np.float64), DIGITS))
            chunks[-1] = chunks[-1].tobytes()
        parts[name] = _digest(chunks)
    return parts


def runtime_parts(runtime: Any) -> dict[str, str]:
    """``graph_parts`` of the runtime's export, with ``preferred`` and ``mentioned`` (what
    the features read beside the export); cached for the runtime's lifetime."""
    key = id(runtime)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is runtime:
        return hit[1]
    parts = graph_parts(runtime.exported)
    ctx = runtime.ctx
    for name, matrix in (
        ("preferred", ctx.preferred_location),
        ("mentioned", ctx.mentioned),
    ):
        parts[name] = _digest(_sparse(matrix) if matrix is not None else [])
    _CACHE[key] = (weakref.ref(runtime, lambda _: _CACHE.pop(key, None)), parts)
    return parts


def groups_part(groups: Mapping[str, str] | None) -> str:
    """The digest of the candidate -> group map a re-ranking used (empty: none)."""
    if groups is None:
        return _digest([])
    return _digest([_ids([f"{c}\t{g}" for c, g in sorted(groups.items())])])


def inputs_fingerprint(runtime: Any, groups: Mapping[str, str] | None = None) -> dict[str, str]:
    """Everything a role's ranking read besides the model, as named digests."""
    return {**runtime_parts(runtime), "groups": groups_part(groups)}


def changed(logged: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    """The parts that differ (or exist on one side only), sorted."""
    return sorted(k for k in set(logged) | set(now) if logged.get(k) != now.get(k))
