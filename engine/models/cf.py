"""Collaborative filtering on the candidate x role interaction matrix (implicit feedback).

PureSVD (Cremonesi, Koren and Turrin, 2010): a seeded, randomised truncated SVD of the 0/1
matrix "candidate interacted with role"; a pair's score is its entry in the rank-k
reconstruction. A candidate or role with no interaction in the training matrix is cold:
its score is 0 and its ``cold`` flag is 1.

Training the merit scorer on a CF score computed from the very interactions that label the
pairs would leak the label; ``out_of_fold_scores`` scores each pair with a model fitted
without that pair.

Example:
    >>> import scipy.sparse as sp
    >>> m = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1.0]]))
    >>> cf = CollaborativeFilter(factors=2, seed=0).fit(m)
    >>> scores, cold = cf.score(np.array([0, 2]), np.array([1, 2]))
    >>> np.round(scores, 3).tolist(), cold.tolist()
    ([1.0, 1.0], [0.0, 0.0])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import randomized_svd

from engine.options import TRAIN_DEFAULTS
from graph_schema.edge_types import INTERACTED
from graph_schema.errors import ConfigError, NotTrainedError
from loaders.pyg_export import ExportedGraph

NOT_TRAINED = "{cls} is not fitted; call {cls}.fit(interactions) before {method}()"
BAD_FACTORS = "The 'factors' parameter of CollaborativeFilter must be an int >= 1. Got {value!r}."


def interaction_matrix(exported: ExportedGraph) -> sp.csr_matrix:
    """Candidate x role 0/1 matrix: 1 where the candidate has any interaction with the role."""
    shape = (len(exported.ids["Candidate"]), len(exported.ids["Role"]))
    if INTERACTED not in exported.data.edge_types:
        return sp.csr_matrix(shape)
    index = exported.data[INTERACTED].edge_index.numpy()
    matrix = sp.csr_matrix((np.ones(index.shape[1]), (index[0], index[1])), shape=shape)
    matrix.data[:] = 1.0  # several stages of one pair count once
    return matrix


class CollaborativeFilter:
    """Rank-``factors`` PureSVD of an implicit-feedback matrix.

    Args:
        factors: rank of the reconstruction (capped by the matrix shape).
        seed: seed of the randomised SVD.
    """

    def __init__(self, factors: int = TRAIN_DEFAULTS.cf_factors, seed: int = 0) -> None:
        self.factors = factors
        self.seed = seed

    def fit(self, interactions: sp.spmatrix | np.ndarray) -> CollaborativeFilter:
        """Factorise ``interactions`` (candidates x roles, non-negative).

        Raises:
            ConfigError: ``factors`` is not a positive int.
        """
        if not isinstance(self.factors, int) or self.factors < 1:
            raise ConfigError(BAD_FACTORS.format(value=self.factors))
        matrix = sp.csr_matrix(interactions, dtype=np.float64)
        rank = max(1, min(self.factors, min(matrix.shape) - 1))
        self.shape_ = matrix.shape
        self.candidate_seen_ = np.asarray(matrix.getnnz(axis=1) > 0)
        self.role_seen_ = np.asarray(matrix.getnnz(axis=0) > 0)
        if matrix.nnz == 0 or min(matrix.shape) < 2:
            self.candidate_factors_ = np.zeros((matrix.shape[0], 1))
            self.role_factors_ = np.zeros((matrix.shape[1], 1))
            return self
        u, s, vt = randomized_svd(matrix, rank, random_state=self.seed)
        self.candidate_factors_ = u * s
        self.role_factors_ = vt.T
        return self

    def score(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores of many pairs and their cold-start flags (1 where either side is unseen).

        Raises:
            NotTrainedError: ``fit`` has not been called.
        """
        if not hasattr(self, "candidate_factors_"):
            raise NotTrainedError(NOT_TRAINED.format(cls=type(self).__name__, method="score"))
        cand_idx, role_idx = np.asarray(cand_idx), np.asarray(role_idx)
        scores = np.einsum(
            "ij,ij->i", self.candidate_factors_[cand_idx], self.role_factors_[role_idx]
        )
        cold = ~(self.candidate_seen_[cand_idx] & self.role_seen_[role_idx])
        return np.where(cold, 0.0, scores), cold.astype(np.float64)


def out_of_fold_scores(
    interactions: sp.spmatrix,
    cand_idx: np.ndarray,
    role_idx: np.ndarray,
    *,
    folds: int = 5,
    factors: int = TRAIN_DEFAULTS.cf_factors,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """CF scores of pairs, each from a model fitted with that pair's fold hidden.

    Args:
        interactions: the training matrix (candidates x roles).
        cand_idx, role_idx: the pairs to score.
        folds: number of folds the pairs are split into (seeded).
        factors: rank of each fold's model.
        seed: seed of the split and of each SVD.

    Returns:
        (scores, cold flags), aligned with the pairs.
    """
    cand_idx, role_idx = np.asarray(cand_idx), np.asarray(role_idx)
    fold = np.random.default_rng(seed).integers(0, folds, cand_idx.size)
    matrix = sp.csr_matrix(interactions, dtype=np.float64)
    scores, cold = np.zeros(cand_idx.size), np.zeros(cand_idx.size)
    for k in range(folds):
        members = fold == k
        hidden = sp.csr_matrix(
            (np.ones(members.sum()), (cand_idx[members], role_idx[members])), shape=matrix.shape
        )
        train = matrix - matrix.multiply(hidden > 0)
        train.eliminate_zeros()
        model = CollaborativeFilter(factors=factors, seed=seed).fit(train)
        scores[members], cold[members] = model.score(cand_idx[members], role_idx[members])
    return scores, cold
