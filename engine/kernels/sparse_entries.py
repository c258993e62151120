"""``entries``: many single entries of a CSR matrix at once, by a binary search in each
entry's own row.

Reading ``matrix[rows[i], cols[i]]`` for a few thousand pairs is the inner loop of every
pair-feature row (skill levels, similar-skill levels, mentions, preferences). A search in
the row's own slice of ``indices`` touches a few neighbouring words; the global key search
it replaces (``np.searchsorted`` over ``row * n_cols + col`` of all stored entries, tens of
millions at scale 5) missed the cache on every step and cost a third of a role query.

Compiled by numba in memory when first called (about a second per combination of dtypes); nothing compiled
is read from or written to disk.

Example:
    >>> m = sp.csr_matrix(np.array([[0.0, 2.0], [3.0, 0.0]]))
    >>> entries(m, np.array([0, 1, 1]), np.array([1, 0, 1])).tolist()
    [2.0, 3.0, 0.0]
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp


@numba.njit(cache=False, nogil=True)
def _entries(indptr, indices, data, rows, cols, out):  # pragma: no cover - compiled
    for i in range(rows.size):
        lo = indptr[rows[i]]
        hi = indptr[rows[i] + 1]
        col = cols[i]
        while lo < hi:
            mid = (lo + hi) >> 1
            if indices[mid] < col:
                lo = mid + 1
            else:
                hi = mid
        if lo < indptr[rows[i] + 1] and indices[lo] == col:
            out[i] = data[lo]
    return out


def entries(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``matrix[rows[i], cols[i]]`` as float64, 0 where no entry is stored.

    Args:
        matrix: a CSR matrix with sorted indices (``has_sorted_indices``).
        rows, cols: the entries to read (same length, in range).
    """
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    out = np.zeros(rows.size, dtype=np.float64)
    if rows.size == 0 or matrix.nnz == 0:
        return out
    # the matrix's own arrays, whatever their dtypes (numba compiles one loop per
    # combination): converting tens of millions of entries per call would cost more than
    # the search
    return _entries(matrix.indptr, matrix.indices, matrix.data, rows, cols, out)
