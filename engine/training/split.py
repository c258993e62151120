"""The stacking split: history the merit scorer learns from is hidden from the models below it.

The merit scorer reads the text cosine, the NexusGNN cosine and the CF score of a pair. If the
encoder, NexusGNN or CF had been trained on that very pair's interaction, those features
would be inflated on exactly the pairs that label the scorer, and the scorer would trust them
more than they deserve on new pairs (the pairs it ranks in production). So a seeded share of
the labelled (candidate, role) pairs, stratified by label, is *held*: its INTERACTED edges are
removed from the graph the lower models learn from, and the scorer is fitted on the held pairs
(plus a proportional share of sampled negatives), whose features were computed without them.

Example:
    >>> split = stacking_split(exported, labels, share=0.3, seed=0)   # doctest: +SKIP
    >>> split.graph.data["Candidate", "INTERACTED", "Role"].num_edges  # doctest: +SKIP
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from engine.features.labels import LabelledPairs
from loaders.pyg_export import ExportedGraph

INTERACTED = ("Candidate", "INTERACTED", "Role")


@dataclass(frozen=True)
class StackingSplit:
    """Scorer rows and the graph without them.

    Attributes:
        scorer_rows: positions in the labels the scorer is fitted on.
        lower_rows: labelled (not sampled) positions the lower models may learn from.
        graph: the export without the INTERACTED edges of the held pairs.
    """

    scorer_rows: np.ndarray
    lower_rows: np.ndarray
    graph: ExportedGraph


def _take(rng: np.random.Generator, rows: np.ndarray, share: float) -> np.ndarray:
    if rows.size == 0:
        return rows
    n = min(rows.size, max(1, round(share * rows.size)))
    return np.sort(rng.permutation(rows)[:n])


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


def stacking_split(
    exported: ExportedGraph, labels: LabelledPairs, *, share: float, seed: int
) -> StackingSplit:
    """Hold ``share`` of the labelled pairs (per class) and sampled negatives for the scorer.

    Args:
        exported: the export the labels come from.
        labels: ``interaction_labels(exported, ...)``.
        share: share of each class of labelled pairs held for the scorer, in (0, 1).
        seed: seed of the choice.

    Returns:
        The split; the graph is a shallow copy sharing every tensor but INTERACTED's.
    """
    rng = np.random.default_rng(seed)
    labelled = labels.sampled == 0
    positions = np.arange(len(labels))
    held = [_take(rng, positions[labelled & (labels.label == y)], share) for y in (1.0, 0.0)]
    held_labelled = np.concatenate(held)
    sampled = _take(rng, positions[~labelled], share)
    scorer_rows = np.sort(np.concatenate([held_labelled, sampled]))
    lower = np.setdiff1d(positions[labelled], held_labelled)
    graph = without_pairs(exported, labels.cand_idx[held_labelled], labels.role_idx[held_labelled])
    return StackingSplit(scorer_rows=scorer_rows, lower_rows=lower, graph=graph)
