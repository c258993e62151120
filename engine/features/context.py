"""``FeatureContext``: everything pair features need, read once from an ``ExportedGraph``.

Matrices are aligned with the export's id maps (sorted ids). Skill levels live in a sparse
candidate x skill matrix; ``effective_level`` adds one hop through ``SIMILAR_TO`` (followed
in either direction): the best similar skill's level x weight x ``similarity_decay``, kept
when it beats the direct level. Locations resolve to the node itself and its country, the
top of its ``PART_OF`` chain.

Example:
    >>> ctx = FeatureContext.from_export(exported)          # doctest: +SKIP
    >>> ctx.level[ctx.candidates.index_of("c1"), ctx.skills.index_of("triage")]  # doctest: +SKIP
    0.9
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from engine.kernels.sparse_entries import entries
from engine.options import TRAIN_DEFAULTS
from graph_schema import EdgeType
from graph_schema.edge_types import HAS_SKILL, PART_OF, REQUIRES_SKILL, SIMILAR_TO
from graph_schema.errors import ConfigError
from graph_schema.params import out_of_range
from loaders.pyg_export import ExportedGraph, IdMap

SIGNALS: tuple[str, ...] = (
    "reliability",
    "attendance",
    "engagement",
    "churn_risk",
    "experience_years",
)
"""Candidate columns of the export used as features (experience is ``log1p(years) / 4``)."""

MISSING_LABEL = "the export has no {label} nodes; FeatureContext needs candidates and roles"
BAD_EMBEDDING = (
    "{kind}[{label!r}] must be a 2-D array with one row per {label} id ({rows}); got shape {shape}"
)


def _edges(
    exported: ExportedGraph, edge_type: EdgeType
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(src, dst, attr, attr_names) of one edge type; empty arrays when it has no edge."""
    data = exported.data
    if edge_type not in data.edge_types:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 0)), []
    store = data[edge_type]
    index = store.edge_index.numpy()
    attr = store.edge_attr.numpy().astype(np.float64) if "edge_attr" in store else None
    names = list(getattr(store, "edge_attr_names", []))
    if attr is None:
        attr = np.zeros((index.shape[1], 0))
    return index[0], index[1], attr, names


def _column(names: list[str], attr: np.ndarray, name: str) -> np.ndarray:
    return attr[:, names.index(name)]


def _node_column(exported: ExportedGraph, label: str, name: str, default: float) -> np.ndarray:
    store = exported.data[label]
    names = list(store.feature_names)
    if name not in names:
        return np.full(store.num_nodes, default)
    return store.x[:, names.index(name)].numpy().astype(np.float64)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero), float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _country_of(exported: ExportedGraph) -> np.ndarray:
    """Per location: the top of its ``PART_OF`` chain (itself for a country)."""
    parent = np.arange(len(exported.ids["Location"]))
    child, up, _, _ = _edges(exported, PART_OF)
    parent[child] = up
    for _ in range(8):  # city -> region -> country chains are short; cycles stop here
        parent = parent[parent]
    return parent


def _locations(exported: ExportedGraph, label: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per node of ``label``: its location index and its country index (-1 when unknown)."""
    place = np.full(n, -1, np.int64)
    src, dst, _, _ = _edges(exported, (label, "LOCATED_IN", "Location"))
    place[src] = dst  # one location per node; sorted edges make the last one win
    if "Location" not in exported.ids:
        return place, place.copy()
    parent = _country_of(exported)
    country = np.where(place >= 0, parent[np.maximum(place, 0)], -1)
    return place, country


def _effective_level(
    level: sp.csr_matrix, similarity: sp.csr_matrix, decay: float
) -> sp.csr_matrix:
    """max(level[c, s], decay x max_t level[c, t] x similarity[t, s]) as a sparse matrix."""
    coo = level.tocoo()
    sim = similarity.tocsr()
    degree = np.diff(sim.indptr)[coo.col]
    rows = np.repeat(coo.row, degree)
    starts = np.repeat(sim.indptr[coo.col], degree)
    offsets = np.arange(degree.sum()) - np.repeat(np.cumsum(degree) - degree, degree)
    cols = sim.indices[starts + offsets]
    values = np.repeat(coo.data, degree) * sim.data[starts + offsets] * decay
    rows = np.concatenate([coo.row, rows])
    cols = np.concatenate([coo.col, cols])
    values = np.concatenate([coo.data, values])
    n_skills = level.shape[1]
    key = rows.astype(np.int64) * n_skills + cols
    order = np.lexsort([-values, key])  # per key, the best value first
    key, values = key[order], values[order]
    first = np.ones(key.size, bool)
    first[1:] = key[1:] != key[:-1]
    key, values = key[first], values[first]
    return sp.csr_matrix((values, (key // n_skills, key % n_skills)), shape=level.shape)


@dataclass(frozen=True)
class FeatureContext:
    """Sparse graph facts that pair features read, aligned with the export's id maps.

    Build it with ``FeatureContext.from_export``. Sensitive attributes are not part of the
    export, so they cannot reach this object.

    Attributes:
        candidates, roles, skills: the id maps.
        level: candidate x skill level (CSR; the export imputes an unknown level).
        effective_level: ``level`` plus one ``SIMILAR_TO`` hop with decay (CSR).
        importance: role x skill importance (CSR); ``required``: role x skill 0/1 (CSR).
        similarity: skill x skill weight, symmetrised by the max of both directions (CSR).
        candidate_location, candidate_country, role_location, role_country: indices into
            the Location id map, -1 when unknown.
        candidate_remote_ok, role_remote: 0/1 (unknown counts as 0).
        signals: candidate x ``SIGNALS`` (float64, imputed by the export).
        preferred_location: candidate x location 0/1 of stated preferences (CSR), and
            ``preferred_country`` the countries of those places (``None``: not read).
        mentioned: candidate x skill 0/1 of skills the candidate's text names
            (``engine.features.mentions``; ``None``: not read).
        text, gnn: optional label -> unit-norm row matrices (float32) aligned with the ids.
        similarity_decay: the decay used for ``effective_level``.
    """

    candidates: IdMap
    roles: IdMap
    skills: IdMap
    level: sp.csr_matrix
    effective_level: sp.csr_matrix
    importance: sp.csr_matrix
    required: sp.csr_matrix
    similarity: sp.csr_matrix
    candidate_location: np.ndarray
    candidate_country: np.ndarray
    role_location: np.ndarray
    role_country: np.ndarray
    candidate_remote_ok: np.ndarray
    role_remote: np.ndarray
    signals: np.ndarray
    preferred_location: sp.csr_matrix | None = None
    preferred_country: sp.csr_matrix | None = None
    mentioned: sp.csr_matrix | None = None
    text: dict[str, np.ndarray] = field(default_factory=dict)
    gnn: dict[str, np.ndarray] = field(default_factory=dict)
    similarity_decay: float = TRAIN_DEFAULTS.similarity_decay

    @cached_property
    def importance_required(self) -> np.ndarray:
        """For each stored entry of ``importance`` (CSR order), whether the skill is required."""
        rows = np.repeat(np.arange(self.importance.shape[0]), np.diff(self.importance.indptr))
        return entries(self.required, rows, self.importance.indices) > 0

    @classmethod
    def from_export(
        cls,
        exported: ExportedGraph,
        *,
        similarity_decay: float = TRAIN_DEFAULTS.similarity_decay,
        text: dict[str, np.ndarray] | None = None,
        gnn: dict[str, np.ndarray] | None = None,
        preferred: sp.csr_matrix | None = None,
        mentioned: sp.csr_matrix | None = None,
    ) -> FeatureContext:
        """Read the matrices once.

        Args:
            exported: the output of ``loaders.pyg_export.export_graph``.
            similarity_decay: factor on a skill reached through ``SIMILAR_TO``, in [0, 1].
            text: optional ``{"Candidate": ..., "Role": ...}`` text embeddings, one row per id.
            gnn: optional embeddings of the same shape convention (e.g. NexusGNN output).
            preferred: optional candidate x location matrix of stated location preferences
                (``engine.features.preferences.read_preferred_locations``).
            mentioned: optional candidate x skill matrix of skills named in the candidates'
                texts (``engine.features.mentions.mentioned_skills``).

        Returns:
            The context.

        Raises:
            ConfigError: no Candidate or Role nodes, a decay out of range, or an embedding
                matrix whose rows do not match the id map.
        """
        if not 0.0 <= similarity_decay <= 1.0:
            raise out_of_range("similarity_decay", "a float in [0, 1]", similarity_decay)
        for label in ("Candidate", "Role"):
            if label not in exported.ids:
                raise ConfigError(MISSING_LABEL.format(label=label))
        cands, roles = exported.ids["Candidate"], exported.ids["Role"]
        skills = exported.ids.get("Skill", IdMap("Skill", []))
        n_c, n_r, n_s = len(cands), len(roles), len(skills)

        src, dst, attr, names = _edges(exported, HAS_SKILL)
        lv = _column(names, attr, "level") if src.size else np.zeros(0)
        level = sp.csr_matrix((lv, (src, dst)), shape=(n_c, n_s))
        src, dst, attr, names = _edges(exported, REQUIRES_SKILL)
        imp = _column(names, attr, "importance") if src.size else np.zeros(0)
        req = _column(names, attr, "required") if src.size else np.zeros(0)
        importance = sp.csr_matrix((imp, (src, dst)), shape=(n_r, n_s))
        required = sp.csr_matrix((req, (src, dst)), shape=(n_r, n_s))
        required.eliminate_zeros()
        src, dst, attr, names = _edges(exported, SIMILAR_TO)
        weight = _column(names, attr, "weight") if src.size else np.zeros(0)
        one_way = sp.csr_matrix((weight, (src, dst)), shape=(n_s, n_s))
        similarity = one_way.maximum(one_way.T).tocsr()
        similarity.setdiag(0)
        similarity.eliminate_zeros()
        for matrix in (level, importance, required, similarity):
            matrix.sort_indices()

        c_loc, c_country = _locations(exported, "Candidate", n_c)
        r_loc, r_country = _locations(exported, "Role", n_r)
        signals = np.stack([_node_column(exported, "Candidate", s, 0.0) for s in SIGNALS], 1)
        remote_ok = _node_column(exported, "Candidate", "remote_ok", 0.0)
        remote_ok_missing = _node_column(exported, "Candidate", "remote_ok_missing", 0.0)
        role_remote = _node_column(exported, "Role", "remote", 0.0)
        role_remote_missing = _node_column(exported, "Role", "remote_missing", 0.0)
        effective = _effective_level(level, similarity, similarity_decay)
        effective.sort_indices()
        preferred_country = None
        if preferred is not None:
            preferred = sp.csr_matrix(preferred, dtype=np.float64)
            coo = preferred.tocoo()
            top = _country_of(exported)
            preferred_country = sp.csr_matrix(
                (np.ones(coo.nnz), (coo.row, top[coo.col])), shape=preferred.shape
            )
            preferred_country.data[:] = 1.0
            for matrix in (preferred, preferred_country):
                matrix.sum_duplicates()
                matrix.sort_indices()
        return cls(
            candidates=cands,
            roles=roles,
            skills=skills,
            level=level,
            effective_level=effective,
            importance=importance,
            required=required,
            similarity=similarity,
            candidate_location=c_loc,
            candidate_country=c_country,
            role_location=r_loc,
            role_country=r_country,
            # an unknown flag is imputed with the mean by the export; unknown means "no" here
            candidate_remote_ok=np.where(remote_ok_missing > 0, 0.0, np.round(remote_ok)),
            role_remote=np.where(role_remote_missing > 0, 0.0, np.round(role_remote)),
            signals=signals,
            preferred_location=preferred,
            preferred_country=preferred_country,
            mentioned=None if mentioned is None else sp.csr_matrix(mentioned, dtype=np.float64),
            text=_checked("text", text, {"Candidate": n_c, "Role": n_r}),
            gnn=_checked("gnn", gnn, {"Candidate": n_c, "Role": n_r}),
            similarity_decay=similarity_decay,
        )


def _checked(
    kind: str, matrices: dict[str, np.ndarray] | None, rows: dict[str, int]
) -> dict[str, np.ndarray]:
    """Unit-norm copies of the Candidate and Role embedding matrices, shapes checked."""
    out: dict[str, np.ndarray] = {}
    for label, matrix in (matrices or {}).items():
        matrix = np.asarray(matrix)
        if label not in rows or matrix.ndim != 2 or matrix.shape[0] != rows[label]:
            raise ConfigError(
                BAD_EMBEDDING.format(
                    kind=kind, label=label, rows=rows.get(label, 0), shape=matrix.shape
                )
            )
        out[label] = _unit_rows(matrix)
    if len(out) == 1 or (out and out["Candidate"].shape[1] != out["Role"].shape[1]):
        raise ConfigError(f"{kind} needs Candidate and Role matrices of the same width")
    return out
