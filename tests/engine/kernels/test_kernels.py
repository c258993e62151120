"""The compiled kernels against the library code they replace: equal bit for bit.

``TreeEnsemble`` (QuickScorer) against scikit-learn's own tree walk, on trees of 2 to 64
leaves, with missing and infinite values and ties at thresholds; ``entries`` against
scipy's indexing, on matrices of several dtypes with rows left empty.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.kernels.sparse_entries import entries
from engine.kernels.trees import MAX_LEAVES
from engine.models.scorer import MeritScorer
from graph_schema.errors import ConfigError


def _data(seed: int, rows: int, width: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, width)).round(1)  # rounded: many values sit on thresholds
    X[rng.random(X.shape) < 0.15] = np.nan
    y = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1]) + rng.normal(size=rows) > 0
    return X, y.astype(int)


@pytest.mark.parametrize("leaves", [2, 3, 15, MAX_LEAVES])
def test_tree_margins_equal_scikit_learn_bit_for_bit(leaves: int) -> None:
    X, y = _data(leaves, 3000)
    scorer = MeritScorer(seed=0, max_iter=40, max_leaf_nodes=leaves, min_samples_leaf=5)
    scorer.fit(X, y)
    test, _ = _data(leaves + 100, 500)
    test[:5] = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0])[:, None]  # whole rows
    expected = scorer.model_.decision_function(test)
    assert np.array_equal(scorer.trees().margin(test), expected)
    assert np.array_equal(scorer.decision_function(test), expected)
    proba = scorer.calibrator_.predict_proba(expected[:, None])[:, 1]
    assert np.array_equal(scorer.predict(test), np.clip(proba, 0.0, 1.0))


def test_every_leaf_is_reachable_and_found() -> None:
    """Each row lands on the leaf scikit-learn's walk reaches: compared leaf by leaf."""
    X, y = _data(7, 4000)
    scorer = MeritScorer(seed=1, max_iter=1, max_leaf_nodes=31, min_samples_leaf=2).fit(X, y)
    trees = scorer.trees()
    predictor = scorer.model_._predictors[0][0]
    test, _ = _data(8, 4000)
    from_library = predictor.predict(test, np.zeros((0, 8), np.uint32), np.zeros(0, np.uint32), 1)
    assert np.array_equal(trees.margin(test), trees.baseline + from_library)
    assert np.unique(from_library).size > 20  # many leaves taken, not one


def test_no_rows_and_a_single_row() -> None:
    X, y = _data(3, 500)
    scorer = MeritScorer(seed=0, max_iter=10).fit(X, y)
    assert scorer.trees().margin(np.zeros((0, X.shape[1]))).shape == (0,)
    one = X[:1]
    assert np.array_equal(scorer.decision_function(one), scorer.model_.decision_function(one))


def test_more_leaves_than_a_word_holds_is_refused() -> None:
    with pytest.raises(ConfigError, match="max_leaf_nodes"):
        MeritScorer(max_leaf_nodes=MAX_LEAVES + 1).fit(*_data(0, 200))


@settings(max_examples=60, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    density=st.floats(0.0, 0.6),
    dtype=st.sampled_from([np.float64, np.float32, np.int8, np.bool_]),
    seed=st.integers(0, 2**31 - 1),
)
def test_entries_equal_scipy_indexing(
    shape: tuple[int, int], density: float, dtype: type, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    dense = (rng.random(shape) < density) * rng.integers(1, 5, size=shape)
    matrix = sp.csr_matrix(dense.astype(dtype))
    rows = rng.integers(0, shape[0], size=200)
    cols = rng.integers(0, shape[1], size=200)
    expected = np.asarray(matrix[rows, cols], dtype=np.float64).ravel()
    assert np.array_equal(entries(matrix, rows, cols), expected)


def test_entries_of_nothing() -> None:
    matrix = sp.csr_matrix((3, 4))
    assert entries(matrix, np.array([0, 2]), np.array([1, 3])).tolist() == [0.0, 0.0]
    assert entries(matrix, np.zeros(0, int), np.zeros(0, int)).shape == (0,)
