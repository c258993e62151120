"""Lexical helpers of the features and the text baselines: TF-IDF spaces, Okapi BM25, skill
phrases in text (``engine.features`` uses them; ``engine.evaluation`` imports them from here).

Everything works on scipy sparse matrices whose rows are aligned with an export's id maps,
so a baseline scores a batch of pairs with one row-wise product (``row_dot``).

- ``tfidf_space``: one TF-IDF vocabulary over candidate and role texts (L2-normalised rows).
- ``bm25_documents``: the BM25 weight of every (document, term) of a count matrix.
- ``PhraseFinder``: which phrases (skill names and aliases) occur in a text, word-bounded,
  case- and punctuation-insensitive.

Example:
    >>> finder = PhraseFinder({"py": ["Python", "py"], "ml": ["machine learning"]})
    >>> sorted(finder.find("Python and Machine-Learning, 5 years"))
    ['ml', 'py']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from graph_schema.errors import ConfigError

EMPTY_VOCABULARY = (
    "the candidate and role texts leave no term for {what} (min_df={min_df}); "
    "the export has no usable text"
)
_ROW_CHUNK = 4096
_TOKEN = re.compile(r"\w[\w+#]*")
"""A word, keeping trailing ``+``/``#`` so that ``c++`` and ``c#`` stay distinct from ``c``."""


def tfidf_space(
    candidate_texts: Sequence[str],
    role_texts: Sequence[str],
    *,
    min_df: int = 2,
    ngram_range: tuple[int, int] = (1, 2),
) -> tuple[TfidfVectorizer, sp.csr_matrix, sp.csr_matrix]:
    """A sublinear TF-IDF vocabulary fitted on both sides; rows are L2-normalised (float32).

    Returns:
        ``(vectorizer, candidate rows, role rows)`` in the order of the given texts.

    Raises:
        ConfigError: no term survives ``min_df`` and English stop words.
    """
    vectorizer = TfidfVectorizer(
        min_df=min_df,
        ngram_range=ngram_range,
        sublinear_tf=True,
        stop_words="english",
        dtype=np.float32,
    )
    try:
        vectorizer.fit([*candidate_texts, *role_texts])
    except ValueError as e:  # "empty vocabulary" / "no terms remain"
        raise ConfigError(EMPTY_VOCABULARY.format(what="TF-IDF", min_df=min_df)) from e
    return (
        vectorizer,
        vectorizer.transform(candidate_texts).tocsr(),
        vectorizer.transform(role_texts).tocsr(),
    )


def row_dot(a, b, a_idx: np.ndarray, b_idx: np.ndarray) -> np.ndarray:
    """``a[a_idx[i]] . b[b_idx[i]]`` for every ``i`` (float64), dense or sparse rows.

    A query's pairs share one side (a role query one role, a candidate query one
    candidate): then the shared row is read once and the other side's rows meet it in one
    matrix-vector product. Otherwise the pairs are multiplied row by row, in chunks.
    """
    a_idx, b_idx = np.asarray(a_idx, np.int64), np.asarray(b_idx, np.int64)
    if a_idx.size == 0:
        return np.zeros(0)
    if (b_idx == b_idx[0]).all():
        return _against_one(a, a_idx, _dense_row(b, b_idx[0]))
    if (a_idx == a_idx[0]).all():
        return _against_one(b, b_idx, _dense_row(a, a_idx[0]))
    out = np.zeros(a_idx.size)
    for lo in range(0, a_idx.size, _ROW_CHUNK):
        i, j = a_idx[lo : lo + _ROW_CHUNK], b_idx[lo : lo + _ROW_CHUNK]
        if sp.issparse(a) or sp.issparse(b):
            left, right = sp.csr_matrix(a[i]), sp.csr_matrix(b[j])
            out[lo : lo + i.size] = np.asarray(left.multiply(right).sum(axis=1)).ravel()
        else:
            out[lo : lo + i.size] = np.einsum("ij,ij->i", a[i], b[j])
    return out


def _dense_row(matrix, row: int) -> np.ndarray:
    picked = matrix[int(row)]
    return np.asarray(picked.toarray() if sp.issparse(picked) else picked, np.float64).ravel()


def _against_one(matrix, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``matrix[rows] @ vector`` (float64); a CSR matrix is read in place (no row copy)."""
    if not sp.issparse(matrix):
        return np.asarray(matrix[rows] @ vector, np.float64).ravel()
    matrix = matrix.tocsr()
    starts, lengths = matrix.indptr[rows], np.diff(matrix.indptr)[rows]
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    entries = np.repeat(starts, lengths) + offsets
    products = matrix.data[entries] * vector[matrix.indices[entries]]
    owner = np.repeat(np.arange(rows.size), lengths)
    return np.bincount(owner, weights=products, minlength=rows.size)


def bm25_documents(counts: sp.csr_matrix, *, k1: float = 1.2, b: float = 0.75) -> sp.csr_matrix:
    """Okapi BM25 weight of each (document, term) with a count above 0.

    ``w(d, t) = idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))`` with
    ``idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))`` (the non-negative Lucene form), ``|d|``
    the document's token count and ``avgdl`` the mean over the ``N`` documents. A query's
    score is then ``sum_t qtf(t) * w(d, t)``.

    Example:
        >>> w = bm25_documents(sp.csr_matrix(np.array([[1, 0], [1, 1]])))
        >>> round(float(w[0, 0]), 4)  # ln(1.2) * 2.2 / (1 + 1.2 * (0.25 + 0.75 / 1.5))
        0.2111
    """
    counts = sp.csr_matrix(counts, dtype=np.float64)
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
    length = np.asarray(counts.sum(axis=1)).ravel()
    avgdl = float(length.mean()) if n_docs and length.mean() > 0 else 1.0
    norm = k1 * (1.0 - b + b * length / avgdl)  # per document
    tf = counts.data
    rows = np.repeat(np.arange(n_docs), np.diff(counts.indptr))
    weights = idf[counts.indices] * tf * (k1 + 1.0) / (tf + norm[rows])
    return sp.csr_matrix((weights, counts.indices, counts.indptr), shape=counts.shape)


def phrase_key(text: str) -> str:
    """Lower-case words joined by one space: the form in which phrases are matched."""
    return " ".join(_TOKEN.findall(text.lower()))


class PhraseFinder:
    """Finds which named things occur in a text as whole-word phrases.

    A phrase matches when its words (``phrase_key``) appear consecutively in the text's
    words: word-bounded, case-insensitive, and blind to punctuation between words
    (``follow-up`` matches ``follow up``). Phrases are indexed by their first word: a text
    word only tries the phrase lengths that start with it, so the cost hardly grows with
    the number or the length of the phrases.

    Args:
        names: ``{node id: [preferred name, alias, ...]}``; empty names are ignored.
    """

    def __init__(self, names: Mapping[str, Sequence[str | None]]) -> None:
        self.index: dict[str, set[str]] = {}
        self.lengths: dict[str, set[int]] = {}  # first word -> word counts of its phrases
        for node_id, phrases in names.items():
            for phrase in phrases:
                key = phrase_key(phrase or "")
                if key:
                    self.index.setdefault(key, set()).add(node_id)
                    words = key.split(" ")
                    self.lengths.setdefault(words[0], set()).add(len(words))

    def find(self, text: str) -> set[str]:
        """The ids whose name or an alias occurs in ``text``."""
        words = _TOKEN.findall((text or "").lower())
        found: set[str] = set()
        for i, word in enumerate(words):
            for n in self.lengths.get(word, ()):
                hit = self.index.get(" ".join(words[i : i + n])) if i + n <= len(words) else None
                if hit:
                    found |= hit
        return found
