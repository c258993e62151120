"""Training pairs for the merit scorer from the interaction history.

A pair is positive when it reached a positive stage (``POSITIVE_INTERACTIONS``:
SHORTLISTED, INTERVIEWED, OFFERED, HIRED; a recruiter judged the candidate worth
pursuing, even if a later stage rejected them), negative when it was REJECTED without
reaching one. Pairs with only APPLIED or WITHDREW carry no recruiter judgement and are left
out, unless ``weak_negatives``: an application that went nowhere (APPLIED only) while the
candidate was shortlisted or hired elsewhere is then a negative too (a weak one: the
recruiter moved on, or the candidate did). Negatives are topped up with pairs that never
interacted, sampled with a seed: uniformly, and ``hard_negatives`` per positive pair drawn
from roles like the positive's own (the most skill-similar of a few random roles), so the
scorer also learns what separates a fit from a near miss, not only from a random role.

Each pair carries a ``grade`` for learning to rank: 3 offered or hired, 2 interviewed,
1 shortlisted, 0 otherwise.

Example:
    >>> pairs = interaction_labels(exported, sampled_negatives=1.0, seed=0)  # doctest: +SKIP
    >>> pairs.label.mean()                                                   # doctest: +SKIP
    0.41
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from graph_schema.edge_types import INTERACTED, REQUIRES_SKILL
from graph_schema.params import out_of_range
from graph_schema.relationships import POSITIVE_INTERACTIONS
from loaders.pyg_export import ExportedGraph


@dataclass(frozen=True)
class LabelledPairs:
    """Pairs of candidate and role indices with a 0/1 label and where the label came from.

    Attributes:
        cand_idx, role_idx: int64 row indices into the export's id maps.
        label: 1 positive, 0 negative.
        sampled: 1 for a sampled non-interacted negative, 0 for a labelled interaction.
        grade: 0..3, the furthest positive stage (3 offered or hired, 2 interviewed,
            1 shortlisted, 0 none).
    """

    cand_idx: np.ndarray
    role_idx: np.ndarray
    label: np.ndarray
    sampled: np.ndarray
    grade: np.ndarray

    def take(self, rows: np.ndarray) -> LabelledPairs:
        """The pairs at positions ``rows``."""
        return LabelledPairs(
            self.cand_idx[rows],
            self.role_idx[rows],
            self.label[rows],
            self.sampled[rows],
            self.grade[rows],
        )

    def __len__(self) -> int:
        return int(self.label.size)


GRADES: dict[str, int] = {"SHORTLISTED": 1, "INTERVIEWED": 2, "OFFERED": 3, "HIRED": 3}
HARD_DRAWS = 8


def interaction_labels(
    exported: ExportedGraph,
    *,
    sampled_negatives: float,
    seed: int = 0,
    weak_negatives: bool = False,
    hard_negatives: float = 0.0,
) -> LabelledPairs:
    """Labelled pairs from the INTERACTED edges, plus sampled non-interacted negatives.

    Args:
        exported: the export (INTERACTED ``edge_attr`` is a one-hot of the stage).
        sampled_negatives: uniformly sampled negatives per positive pair (0 for none); no
            default: the pipeline's is ``TrainOptions.sampled_negatives``.
        seed: seed of the sampling.
        weak_negatives: label an APPLIED-only pair negative when its candidate has a
            positive pair elsewhere.
        hard_negatives: negatives per positive pair from skill-similar roles (0 for none).

    Returns:
        Labelled pairs sorted by (candidate, role) for the interactions, then the samples.

    Raises:
        ConfigError: ``sampled_negatives`` is negative.
    """
    if not sampled_negatives >= 0:
        raise out_of_range("sampled_negatives", "a float >= 0", sampled_negatives)
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
    grade = np.zeros(pairs.size, np.int64)
    for name, value in GRADES.items():
        reached = np.bincount(inverse, weights=stage.get(name, none), minlength=pairs.size) > 0
        grade = np.maximum(grade, np.where(reached, value, 0))
    keep = pos | neg
    if weak_negatives:
        placed = np.zeros(n_c, bool)
        placed[pairs[pos] // n_r] = True
        keep |= placed[pairs // n_r]
    pairs, label, grade = pairs[keep], pos[keep].astype(np.float64), grade[keep]

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
    if hard_negatives > 0:
        hard = _hard_negatives(exported, pairs[label > 0], hard_negatives, rng)
        hard = np.unique(hard[~np.isin(hard, taken) & ~np.isin(hard, samples)])
        samples = np.concatenate([samples, hard])
    all_keys = np.concatenate([pairs, samples])
    return LabelledPairs(
        cand_idx=all_keys // n_r,
        role_idx=all_keys % n_r,
        label=np.concatenate([label, np.zeros(samples.size)]),
        sampled=np.concatenate([np.zeros(pairs.size), np.ones(samples.size)]),
        grade=np.concatenate([grade, np.zeros(samples.size, np.int64)]),
    )


def _hard_negatives(
    exported: ExportedGraph, positive_keys: np.ndarray, per_pair: float, rng: np.random.Generator
) -> np.ndarray:
    """Keys ``candidate * n_roles + role`` of near misses: for each positive pair (in a
    seeded share ``per_pair``, repeated when above 1), the role most similar in required
    skills to the positive's role among ``HARD_DRAWS`` random roles."""
    n_r = len(exported.ids["Role"])
    n_s = len(exported.ids["Skill"]) if "Skill" in exported.ids else 0
    if (
        positive_keys.size == 0
        or n_r < 2
        or REQUIRES_SKILL not in exported.data.edge_types
        or not n_s
    ):
        return np.zeros(0, np.int64)
    src, dst = exported.data[REQUIRES_SKILL].edge_index.numpy()
    skills = sp.csr_matrix((np.ones(src.size), (src, dst)), shape=(n_r, n_s))
    norms = np.sqrt(np.asarray(skills.sum(axis=1)).ravel())
    skills = sp.csr_matrix(sp.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ skills)
    whole, part = int(per_pair), per_pair - int(per_pair)
    keys = np.concatenate(
        [np.repeat(positive_keys, whole), positive_keys[rng.random(positive_keys.size) < part]]
    )
    cand, role = keys // n_r, keys % n_r
    draws = rng.integers(0, n_r, (keys.size, HARD_DRAWS))
    sims = np.asarray(
        skills[np.repeat(role, HARD_DRAWS)].multiply(skills[draws.ravel()]).sum(axis=1)
    ).reshape(keys.size, HARD_DRAWS)
    sims[draws == role[:, None]] = -1.0
    chosen = draws[np.arange(keys.size), np.argmax(sims, axis=1)]
    return cand * n_r + chosen
