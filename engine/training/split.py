"""Cross-fitting folds: the history a pair's features come from never includes that pair.

The merit scorer reads the text cosine (adapter), the NexusGNN cosine and the CF score of a
pair. Had those models been trained on that pair's own interaction, its features would be
inflated on exactly the pairs that label the scorer, and the scorer would trust them more
than they deserve on new pairs (the ones it ranks in production). So every labelled pair is
assigned to one of ``folds`` folds (seeded, stratified by label); the features of fold k are
computed by models trained on the graph without fold k's INTERACTED edges
(:func:`without_pairs`), and the scorer learns from all folds. Sampled negatives never
interacted; they are spread over the folds the same way.

Example:
    >>> fold = cross_fit_folds(labels, folds=2, seed=0)              # doctest: +SKIP
    >>> graph = without_pairs(exported, cand[fold == 0], role[fold == 0])  # doctest: +SKIP
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from engine.features.labels import LabelledPairs
from graph_schema.edge_types import INTERACTED
from loaders.pyg_export import ExportedGraph


def without_pairs(exported: ExportedGraph, cand_idx: np.ndarray, role_idx: np.ndarray):
    """A copy of ``exported`` whose INTERACTED edges of the given pairs are removed."""
    if INTERACTED not in exported.data.edge_types or cand_idx.size == 0:
        return exported
    data = copy.copy(exported.data)
    store = exported.data[INTERACTED]
    n_roles = len(exported.ids["Role"])
    index = store.edge_index
    keys = index[0] * n_roles + index[1]
    held = torch.from_numpy(np.asarray(cand_idx, np.int64) * n_roles + role_idx)
    keep = ~torch.isin(keys, held)
    data[INTERACTED].edge_index = index[:, keep]
    if "edge_attr" in store:
        data[INTERACTED].edge_attr = store.edge_attr[keep]
    return ExportedGraph(data=data, ids=exported.ids)


def cross_fit_folds(labels: LabelledPairs, folds: int, seed: int) -> np.ndarray:
    """Fold of each labelled pair, in ``[0, folds)``: balanced within each class and within
    the sampled negatives (a seeded permutation dealt round-robin)."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(labels), dtype=np.int64)
    groups = (
        (labels.sampled == 0) & (labels.label == 1),
        (labels.sampled == 0) & (labels.label == 0),
        labels.sampled == 1,
    )
    for members in groups:
        rows = rng.permutation(np.flatnonzero(members))
        fold[rows] = np.arange(rows.size) % folds
    return fold
