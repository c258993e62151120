"""Training pairs for the merit scorer from the interaction history.

A pair is positive when it reached a positive stage (``POSITIVE_INTERACTIONS``:
SHORTLISTED, INTERVIEWED, OFFERED, HIRED; a recruiter judged the candidate worth
pursuing, even if a later stage rejected them), negative when it was REJECTED without
reaching one. Pairs with only APPLIED or WITHDREW carry no recruiter judgement and are left
out. Negatives are topped up with pairs that never interacted, sampled with a seed.

Example:
    >>> pairs = interaction_labels(exported, sampled_negatives=1.0, seed=0)  # doctest: +SKIP
    >>> pairs.label.mean()                                                   # doctest: +SKIP
    0.41
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph_schema.errors import ConfigError
from graph_schema.relationships import POSITIVE_INTERACTIONS
from loaders.pyg_export import ExportedGraph

INTERACTED = ("Candidate", "INTERACTED", "Role")
BAD_RATIO = "sampled_negatives must be a float >= 0; got {value!r}"


@dataclass(frozen=True)
class LabelledPairs:
    """Pairs of candidate and role indices with a 0/1 label and where the label came from.

    Attributes:
        cand_idx, role_idx: int64 row indices into the export's id maps.
        label: 1 positive, 0 negative.
        sampled: 1 for a sampled non-interacted negative, 0 for a labelled interaction.
    """

    cand_idx: np.ndarray
    role_idx: np.ndarray
    label: np.ndarray
    sampled: np.ndarray

    def take(self, rows: np.ndarray) -> LabelledPairs:
        """The pairs at positions ``rows``."""
        return LabelledPairs(
            self.cand_idx[rows], self.role_idx[rows], self.label[rows], self.sampled[rows]
        )

    def __len__(self) -> int:
        return int(self.label.size)


def interaction_labels(
    exported: ExportedGraph, *, sampled_negatives: float = 1.0, seed: int = 0
) -> LabelledPairs:
    """Labelled pairs from the INTERACTED edges, plus sampled non-interacted negatives.

    Args:
        exported: the export (INTERACTED ``edge_attr`` is a one-hot of the stage).
        sampled_negatives: sampled negatives per positive pair (0 for none).
        seed: seed of the sampling.

    Returns:
        Labelled pairs sorted by (candidate, role) for the interactions, then the samples.

    Raises:
        ConfigError: ``sampled_negatives`` is negative.
    """
    if not sampled_negatives >= 0:
        raise ConfigError(BAD_RATIO.format(value=sampled_negatives))
    n_c, n_r = len(exported.ids["Candidate"]), len(exported.ids["Role"])
    if INTERACTED in exported.data.edge_types:
        store = exported.data[INTERACTED]
        index = store.edge_index.numpy().astype(np.int64)
        attr, names = store.edge_attr.numpy(), list(store.edge_attr_names)
    else:
        index, attr, names = np.zeros((2, 0), np.int64), np.zeros((0, 0)), []
    stage = {name.removeprefix("type="): attr[:, i] > 0 for i, name in enumerate(names)}
    none = np.zeros(index.shape[1], bool)
    positive = np.any([stage.get(t, none) for t in POSITIVE_INTERACTIONS], axis=0)
    key = index[0] * n_r + index[1]
    pairs, inverse = np.unique(key, return_inverse=True)
    pos = np.bincount(inverse, weights=positive, minlength=pairs.size) > 0
    neg = np.bincount(inverse, weights=stage.get("REJECTED", none), minlength=pairs.size) > 0
    keep = pos | neg
    pairs, label = pairs[keep], pos[keep].astype(np.float64)

    wanted = round(float(sampled_negatives * label.sum()))
    free = n_c * n_r - np.unique(key).size
    wanted = min(wanted, free)
    rng = np.random.default_rng(seed)
    taken = np.unique(key)
    samples = np.zeros(0, np.int64)
    while samples.size < wanted:
        draw = rng.integers(0, n_c * n_r, 2 * (wanted - samples.size) + 16)
        draw = draw[~np.isin(draw, taken)]
        draw = np.unique(draw)
        draw = draw[~np.isin(draw, samples)]
        samples = np.concatenate([samples, rng.permutation(draw)[: wanted - samples.size]])
    all_keys = np.concatenate([pairs, samples])
    return LabelledPairs(
        cand_idx=all_keys // n_r,
        role_idx=all_keys % n_r,
        label=np.concatenate([label, np.zeros(samples.size)]),
        sampled=np.concatenate([np.zeros(pairs.size), np.ones(samples.size)]),
    )
