"""Learned baselines the engine is measured against: embeddings, CF, a random forest, a GCN.

Each is a ``PairScorer`` (``engine.evaluation.harness``) built on ``IndexedScorer``, which maps
id sequences to the export's row indices once, so a baseline only scores index arrays:

- ``EmbeddingCosineScorer``: cosine of vectors the caller passes in (e.g. zero-shot MiniLM
  text embeddings).
- ``CfOnlyScorer``: PureSVD collaborative filtering on the interaction matrix alone.
- ``RandomForestScorer``: a random forest on the hand-made pair features only (skill
  coverage, missing required skills, location, experience, behavioural signals): no text,
  graph-embedding or CF column.
- ``GcnScorer``: a homogeneous two-layer GCN over the whole graph (one node set, one learned
  vector per node plus its padded features and a node-type one-hot), trained by link
  prediction on NexusTrainer's supervision; a pair scores the cosine of its embeddings.

They read only the export, which holds no sensitive attribute. Every one is seeded: the same
seed gives the same scores.

Example:
    >>> exported = export_graph(store)                                   # doctest: +SKIP
    >>> rf = RandomForestScorer(seed=0).fit(exported)                    # doctest: +SKIP
    >>> rf.score_pairs(["c1", "c7"], ["r1", "r1"])                       # doctest: +SKIP
    array([0.93, 0.02])
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyarrow as pa
import torch
import torch.nn.functional as F
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from torch import nn
from torch_geometric.nn import GCNConv
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import coalesce, remove_self_loops

from engine.features.context import FeatureContext, _unit_rows
from engine.features.labels import interaction_labels
from engine.features.pair_features import FEATURE_NAMES, pair_features
from engine.models.cf import CollaborativeFilter, interaction_matrix
from engine.models.nexus_gnn import LinkScorer
from engine.models.nexus_training import (
    SUPERVISED,
    _check_no_sensitive_features,
    _corrupt,
    _Split,
    _split,
)
from engine.options import TRAIN_DEFAULTS
from graph_schema import EdgeType, NodeLabel
from graph_schema.errors import ConfigError, NotTrainedError
from loaders.pyg_export import ExportedGraph, IdMap

NOT_TRAINED = "{cls} is not fitted yet; call {cls}.fit(exported) before score_pairs()."
LENGTH_MISMATCH = "score_pairs needs as many role ids as candidate ids; got {n_c} and {n_r}"
BAD_VECTORS = "{name} must be a 2-D array with one row per {label} id ({rows}); got shape {shape}"
BAD_WIDTHS = "candidate_vectors and role_vectors must have the same width; got {c} and {r}"
LEARNED_PREFIXES: tuple[str, ...] = ("text_", "gnn_", "cf_", "lex_", "hist_")
"""Prefixes of the pair-feature columns the random forest must not see (learned signals)."""
HAND_MADE_FEATURES: tuple[str, ...] = tuple(
    name for name in FEATURE_NAMES if not name.startswith(LEARNED_PREFIXES)
)
"""Coverage, missing required skills, location, experience and signals, in FEATURE_NAMES order."""
_HAND_MADE_COLUMNS = np.array([FEATURE_NAMES.index(name) for name in HAND_MADE_FEATURES])


class IndexedScorer:
    """Base of the baselines: ids -> export row indices -> ``_score_idx``.

    Subclasses call ``_bind`` (in ``__init__`` or ``fit``) with the candidate and role id
    maps and implement ``_score_idx``.

    Example:
        >>> class Same(IndexedScorer):
        ...     def __init__(self) -> None:
        ...         self._bind(IdMap("Candidate", ["c1", "c2"]), IdMap("Role", ["r1"]))
        ...     def _score_idx(self, cand_idx, role_idx):
        ...         return (cand_idx == role_idx).astype(float)
        >>> Same().score_pairs(["c1", "c2"], ["r1", "r1"]).tolist()
        [1.0, 0.0]
    """

    def _bind(self, ids_candidate: IdMap, ids_role: IdMap) -> None:
        self.candidates_ = ids_candidate
        self.roles_ = ids_role

    def indices(
        self, candidate_ids: Sequence[str], role_ids: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row indices (int64) of aligned candidate and role ids.

        Raises:
            NotTrainedError: the scorer is not fitted.
            ConfigError: the sequences differ in length.
            UnknownIdError: an id is not in its id map (the message names it).
        """
        if not hasattr(self, "candidates_"):
            raise NotTrainedError(NOT_TRAINED.format(cls=type(self).__name__))
        if len(candidate_ids) != len(role_ids):
            raise ConfigError(LENGTH_MISMATCH.format(n_c=len(candidate_ids), n_r=len(role_ids)))
        out = []
        for ids, id_map in ((candidate_ids, self.candidates_), (role_ids, self.roles_)):
            idx = id_map.indices_of(pa.array(list(ids), type=pa.string()))
            missing = np.flatnonzero(idx < 0)
            if missing.size:
                id_map.index_of(ids[int(missing[0])])  # raises UnknownIdError naming the id
            out.append(idx)
        return out[0], out[1]

    def score_pairs(self, candidate_ids: Sequence[str], role_ids: Sequence[str]) -> np.ndarray:
        """One score per pair ``(candidate_ids[i], role_ids[i])``; higher is better (float64).

        Raises:
            NotTrainedError: the scorer is not fitted.
            ConfigError: the sequences differ in length.
            UnknownIdError: an id is not in the graph the scorer was built on.
        """
        cand_idx, role_idx = self.indices(candidate_ids, role_ids)
        return np.asarray(self._score_idx(cand_idx, role_idx), dtype=np.float64)

    def _score_idx(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _pair_cosine(
    candidates: np.ndarray, roles: np.ndarray, cand_idx: np.ndarray, role_idx: np.ndarray
) -> np.ndarray:
    """Row-wise dot products of unit-norm rows: the cosine of each pair."""
    return np.einsum("ij,ij->i", candidates[cand_idx], roles[role_idx])


class EmbeddingCosineScorer(IndexedScorer):
    """Cosine of given candidate and role vectors (zero vectors score 0).

    Example:
        >>> ids_c, ids_r = IdMap("Candidate", ["c1"]), IdMap("Role", ["r1"])
        >>> s = EmbeddingCosineScorer(ids_c, ids_r, np.array([[1.0, 0]]), np.array([[1.0, 1]]))
        >>> s.score_pairs(["c1"], ["r1"]).round(4).tolist()
        [0.7071]

    Args:
        ids_candidate, ids_role: the id maps the vector rows are aligned with.
        candidate_vectors: one row per id of ``ids_candidate`` (e.g. MiniLM text vectors).
        role_vectors: one row per id of ``ids_role``, same width.

    Raises:
        ConfigError: a matrix is not 2-D with one row per id, or the widths differ.
    """

    def __init__(
        self,
        ids_candidate: IdMap,
        ids_role: IdMap,
        candidate_vectors: np.ndarray,
        role_vectors: np.ndarray,
    ) -> None:
        self.ids_candidate = ids_candidate
        self.ids_role = ids_role
        self.candidate_vectors = candidate_vectors
        self.role_vectors = role_vectors
        units = []
        for name, vectors, id_map in (
            ("candidate_vectors", candidate_vectors, ids_candidate),
            ("role_vectors", role_vectors, ids_role),
        ):
            matrix = np.asarray(vectors)
            if matrix.ndim != 2 or matrix.shape[0] != len(id_map):
                raise ConfigError(
                    BAD_VECTORS.format(
                        name=name, label=id_map.label, rows=len(id_map), shape=matrix.shape
                    )
                )
            units.append(_unit_rows(matrix))
        if units[0].shape[1] != units[1].shape[1]:
            raise ConfigError(BAD_WIDTHS.format(c=units[0].shape[1], r=units[1].shape[1]))
        self.candidate_units_, self.role_units_ = units
        self._bind(ids_candidate, ids_role)

    def _score_idx(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        return _pair_cosine(self.candidate_units_, self.role_units_, cand_idx, role_idx)


class CfOnlyScorer(IndexedScorer):
    """Collaborative filtering alone: the PureSVD score of each pair (cold pairs score 0).

    Example:
        >>> cf = CfOnlyScorer().fit(exported, factors=32, seed=0)        # doctest: +SKIP
    """

    def fit(
        self, exported: ExportedGraph, factors: int = TRAIN_DEFAULTS.cf_factors, seed: int = 0
    ) -> CfOnlyScorer:
        """Factorise ``interaction_matrix(exported)``.

        Args:
            exported: the export (``loaders.pyg_export.export_graph``).
            factors: rank of the reconstruction.
            seed: seed of the randomised SVD.

        Returns:
            ``self``, with ``model_`` (a fitted ``CollaborativeFilter``).

        Raises:
            ConfigError: ``factors`` is not a positive int.
        """
        self.model_ = CollaborativeFilter(factors=factors, seed=seed).fit(
            interaction_matrix(exported)
        )
        self._bind(exported.ids["Candidate"], exported.ids["Role"])
        return self

    def _score_idx(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        return self.model_.score(cand_idx, role_idx)[0]


class RandomForestScorer(IndexedScorer):
    """A random forest on hand-made pair features (``HAND_MADE_FEATURES``); score = P(positive).

    Labels come from ``interaction_labels`` (positive stages vs rejections, topped up with
    sampled non-interacted negatives).

    Example:
        >>> rf = RandomForestScorer(seed=0).fit(exported)                  # doctest: +SKIP
        >>> rf.feature_names_[:2]                                          # doctest: +SKIP
        ['required_coverage', 'required_coverage_similar']

    Args:
        seed: seeds the negative sampling and the forest.
        n_estimators: trees.
        max_depth: tree depth limit (``None``: grown until ``min_samples_leaf``).
        min_samples_leaf: smallest leaf.
        n_jobs: worker processes of scikit-learn (1 or 2 on a small machine).
    """

    def __init__(
        self,
        seed: int = 0,
        n_estimators: int = 200,
        max_depth: int | None = None,
        min_samples_leaf: int = 5,
        n_jobs: int = 2,
    ) -> None:
        self.seed = seed
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.n_jobs = n_jobs

    def fit(
        self,
        exported: ExportedGraph,
        similarity_decay: float = TRAIN_DEFAULTS.similarity_decay,
        sampled_negatives: float = TRAIN_DEFAULTS.sampled_negatives,
        preferred: Any = None,
    ) -> RandomForestScorer:
        """Build the feature context (no text, no GNN) and fit the forest on labelled pairs.

        Args:
            exported: the export (``loaders.pyg_export.export_graph``).
            similarity_decay: decay of a skill reached through ``SIMILAR_TO``, in [0, 1].
            sampled_negatives: sampled non-interacted negatives per positive pair.
            preferred: candidates' stated locations (``read_preferred_locations``), so the
                forest sees the same hand-made location features as the engine.

        Returns:
            ``self``, with ``context_``, ``model_``, ``feature_names_`` and ``n_pairs_``.

        Raises:
            ConfigError: a bad decay or ratio, or an export without candidates or roles.
        """
        self.context_ = FeatureContext.from_export(
            exported, similarity_decay=similarity_decay, preferred=preferred
        )
        pairs = interaction_labels(exported, sampled_negatives=sampled_negatives, seed=self.seed)
        features = self._features(pairs.cand_idx, pairs.role_idx)
        self.feature_names_ = list(HAND_MADE_FEATURES)
        self.n_pairs_ = len(pairs)
        self.model_ = RandomForestClassifier(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            n_jobs=self.n_jobs,
            random_state=self.seed,
        ).fit(features, pairs.label)
        self._bind(exported.ids["Candidate"], exported.ids["Role"])
        return self

    def _features(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        return pair_features(self.context_, cand_idx, role_idx)[:, _HAND_MADE_COLUMNS]

    def _score_idx(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        classes = list(self.model_.classes_)
        if 1.0 not in classes or cand_idx.size == 0:  # no positive pair to learn from
            return np.zeros(cand_idx.size)
        proba = self.model_.predict_proba(self._features(cand_idx, role_idx))
        return proba[:, classes.index(1.0)]


class _SymmetricSpmm(torch.autograd.Function):
    """``adj @ x`` for a symmetric sparse ``adj``; the backward pass uses ``adj`` as its own
    transpose (torch's sparse backward transposes ``adj`` every time: 5x slower at scale 1).
    """

    @staticmethod
    def forward(ctx: Any, adj: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        ctx.adj = adj
        return adj @ x

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[None, torch.Tensor]:
        return None, ctx.adj @ grad


class _SymmetricGCNConv(GCNConv):
    """``GCNConv`` over a pre-normalised symmetric sparse adjacency (``normalize=False``)."""

    def message_and_aggregate(self, adj_t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return _SymmetricSpmm.apply(adj_t, x)


class _Gcn(nn.Module):
    """Two GCN layers over one node set; input = shared projection + a learned node vector."""

    def __init__(self, in_dim: int, num_nodes: int, hidden: int, out: int) -> None:
        super().__init__()
        self.project = nn.Linear(in_dim, hidden)
        self.node_embedding = nn.Embedding(num_nodes, hidden)
        nn.init.normal_(self.node_embedding.weight, std=0.1)
        # the adjacency is normalised once (gcn_norm with self-loops), not on every call
        self.conv1 = _SymmetricGCNConv(hidden, hidden, normalize=False)
        self.conv2 = _SymmetricGCNConv(hidden, out, normalize=False)

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        h = self.project(x) + self.node_embedding.weight
        h = F.relu(self.conv1(h, adj))
        return self.conv2(h, adj)


@contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """Use ``count`` torch threads inside the block (``None``: unchanged), then restore."""
    before = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _offsets(exported: ExportedGraph) -> dict[NodeLabel, int]:
    """First row of each node type in the homogeneous node order (``data.node_types``)."""
    offsets, start = {}, 0
    for label in exported.data.node_types:
        offsets[label] = start
        start += int(exported.data[label].num_nodes)
    return offsets


def _node_features(exported: ExportedGraph) -> torch.Tensor:
    """Each type's features zero-padded to one width, then a node-type one-hot."""
    data = exported.data
    types = data.node_types
    width = max(int(data[t].x.shape[1]) for t in types)
    blocks = []
    for i, label in enumerate(types):
        x = data[label].x.float()
        block = torch.zeros(x.shape[0], width + len(types))
        block[:, : x.shape[1]] = x
        block[:, width + i] = 1.0
        blocks.append(block)
    return torch.cat(blocks)


def _adjacency(
    edges: dict[EdgeType, torch.Tensor], offsets: dict[NodeLabel, int], num_nodes: int
) -> torch.Tensor:
    """Symmetric-normalised adjacency with self-loops (sparse COO) of the typed edges."""
    parts = [
        torch.stack([index[0] + offsets[src], index[1] + offsets[dst]])
        for (src, _, dst), index in edges.items()
    ]
    index = torch.cat(parts, dim=1) if parts else torch.zeros((2, 0), dtype=torch.long)
    index = torch.cat([index, index.flip(0)], dim=1)  # undirected, whatever edges holds
    index, _ = remove_self_loops(coalesce(index, num_nodes=num_nodes))
    index, weight = gcn_norm(index, None, num_nodes, add_self_loops=True)
    size = (num_nodes, num_nodes)
    return torch.sparse_coo_tensor(index, weight, size, check_invariants=False).coalesce()


class GcnScorer(IndexedScorer):
    """Homogeneous GCN baseline: link prediction, then cosine of candidate and role vectors.

    The exported graph becomes one node set (offsets in ``data.node_types`` order) with
    undirected, unweighted edges of every type. Supervision is NexusTrainer's (``_split``:
    HAS_SKILL, REQUIRES_SKILL and positive INTERACTED pairs, 10% held out for validation and
    removed from message passing); each positive pair meets a negative with a uniform target
    (seeded ``torch.Generator``), loss is the mean over types of BCE on ``LinkScorer`` logits
    (scaled cosine). Full-batch; the epoch with the best validation AUC is kept. The final
    embeddings use every edge. Measured at scale 1 (29.7k nodes, 0.84M adjacency entries,
    2-core CPU shared with other jobs, 1 thread): 200 epochs in 85 s, validation AUC 0.96.

    Example:
        >>> gcn = GcnScorer(seed=0, max_seconds=90).fit(exported)        # doctest: +SKIP
        >>> gcn.history_[gcn.best_epoch_]["val_auc"]                     # doctest: +SKIP

    Args:
        seed: seeds the split, negatives and initialisation.
        hidden: hidden width.
        out: embedding width.
        epochs: full-batch steps.
        lr: Adam learning rate.
        max_seconds: stop after this many seconds of training (``None``: no limit).
        batch_pairs: positive pairs per supervised type per epoch, drawn afresh each epoch
            (``None``: all). Message passing is always full-batch; this bounds the loss.
        num_threads: torch intra-op threads during ``fit`` (restored after); ``None`` keeps
            the process setting. The default 1 is deliberate: on a 2-core CPU shared with
            other work, 2 threads spin-wait for each other (a 40-epoch fit of the tiny graph
            took 0.7 s with 1 thread and 35 s with 2; at scale 1 in 90 s, 183 epochs and
            validation AUC 0.96 with 1 thread, 35 epochs and 0.72 with 2).
    """

    def __init__(
        self,
        seed: int = 0,
        hidden: int = 64,
        out: int = 64,
        epochs: int = 200,
        lr: float = 0.01,
        max_seconds: float | None = 90.0,
        batch_pairs: int | None = 20_000,
        num_threads: int | None = 1,
    ) -> None:
        self.seed = seed
        self.hidden = hidden
        self.out = out
        self.epochs = epochs
        self.lr = lr
        self.max_seconds = max_seconds
        self.batch_pairs = batch_pairs
        self.num_threads = num_threads

    def fit(self, exported: ExportedGraph) -> GcnScorer:
        """Train on ``exported`` and keep unit-norm Candidate and Role embeddings.

        Args:
            exported: the export (``loaders.pyg_export.export_graph``).

        Returns:
            ``self``, with ``model_``, ``embeddings_``, ``history_`` (loss and validation
            AUC per epoch), ``best_epoch_`` and ``train_seconds_``.

        Raises:
            ConfigError: a feature names a sensitive field, or there is no supervision edge.
        """
        _check_no_sensitive_features(exported)
        data = exported.data
        offsets = _offsets(exported)
        num_nodes = sum(int(data[t].num_nodes) for t in data.node_types)
        with _threads(self.num_threads), torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            gen = torch.Generator().manual_seed(self.seed)
            split = _split(exported, gen)
            x = _node_features(exported)
            model = _Gcn(x.shape[1], num_nodes, self.hidden, self.out)
            scorer = LinkScorer([et[1] for et in SUPERVISED])
            adj = _adjacency(split.edges, offsets, num_nodes)
            self._train(exported, split, x, adj, model, scorer, offsets, gen)
            full = {et: data[et].edge_index for et in data.edge_types}
            model.eval()
            with torch.no_grad():
                z = model(x, _adjacency(full, offsets, num_nodes))
        self.model_ = model
        self.scorer_ = scorer
        self.embeddings_ = {
            label: _unit_rows(z[offsets[label] : offsets[label] + len(exported.ids[label])].numpy())
            for label in ("Candidate", "Role")
        }
        self._bind(exported.ids["Candidate"], exported.ids["Role"])
        return self

    def _train(
        self,
        exported: ExportedGraph,
        split: _Split,
        x: torch.Tensor,
        adj: torch.Tensor,
        model: _Gcn,
        scorer: LinkScorer,
        offsets: dict[NodeLabel, int],
        gen: torch.Generator,
    ) -> None:
        optimizer = torch.optim.Adam([*model.parameters(), *scorer.parameters()], lr=self.lr)
        self.history_: list[dict[str, float]] = []
        best: tuple[float, dict[str, dict[str, torch.Tensor]]] | None = None
        start = time.perf_counter()
        for epoch in range(self.epochs):
            model.train()
            z = model(x, adj)
            losses = []
            for et, pairs in split.train.items():
                if self.batch_pairs is not None and pairs.shape[1] > self.batch_pairs:
                    pick = torch.randperm(pairs.shape[1], generator=gen)[: self.batch_pairs]
                    pairs = pairs[:, pick]
                neg = _corrupt(pairs, exported.data[et[2]].num_nodes, gen)
                both = torch.cat([pairs, neg], dim=1)
                logits = self._logits(z, scorer, et, both, offsets)
                target = torch.cat([torch.ones(pairs.shape[1]), torch.zeros(neg.shape[1])])
                losses.append(F.binary_cross_entropy_with_logits(logits, target))
            loss = torch.stack(losses).mean()
            # No dropout: this forward pass is also the validation pass of the current weights.
            auc = self._validation(z.detach(), scorer, split, offsets)
            self.history_.append(
                {"epoch": float(epoch), "loss": float(loss.detach()), "val_auc": auc}
            )
            if not math.isinf(auc) and (best is None or auc > best[0]):
                state = {"model": model.state_dict(), "scorer": scorer.state_dict()}
                best = (auc, copy.deepcopy(state))
                self.best_epoch_ = epoch
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if self.max_seconds is not None and time.perf_counter() - start > self.max_seconds:
                break
        self.train_seconds_ = time.perf_counter() - start
        if best is None:  # nothing held out: keep the last weights
            self.best_epoch_ = len(self.history_) - 1
        else:
            model.load_state_dict(best[1]["model"])
            scorer.load_state_dict(best[1]["scorer"])

    @staticmethod
    def _logits(
        z: torch.Tensor,
        scorer: LinkScorer,
        edge_type: EdgeType,
        pairs: torch.Tensor,
        offsets: dict[NodeLabel, int],
    ) -> torch.Tensor:
        src, rel, dst = edge_type
        # index_select: its backward is an index_add, far cheaper on CPU than z[idx]'s
        z_src = z.index_select(0, pairs[0] + offsets[src])
        return scorer(z_src, z.index_select(0, pairs[1] + offsets[dst]), rel)

    @torch.no_grad()
    def _validation(
        self, z: torch.Tensor, scorer: LinkScorer, split: _Split, offsets: dict[NodeLabel, int]
    ) -> float:
        """Pooled validation AUC over the supervised types (-inf when nothing is held out)."""
        scores, labels = [], []
        for et, pos in split.val.items():
            if pos.shape[1] == 0:
                continue
            both = torch.cat([pos, split.val_neg[et]], dim=1)
            scores.append(self._logits(z, scorer, et, both, offsets).numpy())
            labels.append(np.r_[np.ones(pos.shape[1]), np.zeros(pos.shape[1])])
        if not scores:
            return -math.inf
        return float(roc_auc_score(np.concatenate(labels), np.concatenate(scores)))

    def _score_idx(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        return _pair_cosine(
            self.embeddings_["Candidate"], self.embeddings_["Role"], cand_idx, role_idx
        )
