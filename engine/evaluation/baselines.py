"""Baselines the engine is measured against: random, keyword TF-IDF, true fit (ceiling).

Each is a ``PairScorer`` (``engine.evaluation.harness``). They read only what any method may
read: the candidates' and roles' free text from the store, never sensitive attributes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from graph_schema.errors import NotTrainedError
from loaders.stores.base import GraphStore


def texts_from_store(store: GraphStore) -> tuple[dict[str, str], dict[str, str]]:
    """(candidate id -> headline + summary, role id -> title + description)."""
    candidates = {
        r["id"]: " ".join(filter(None, (r["headline"], r["summary"])))
        for r in store.run("export/candidate_texts")
    }
    roles = {
        r["id"]: " ".join(filter(None, (r["title"], r["description"])))
        for r in store.run("export/role_texts")
    }
    return candidates, roles


class RandomScorer:
    """A seeded random score per pair (the floor): same pair, same score, any call order."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def score_pairs(self, candidate_ids: Sequence[str], role_ids: Sequence[str]) -> np.ndarray:
        out = np.empty(len(candidate_ids))
        for i, (c, r) in enumerate(zip(candidate_ids, role_ids, strict=True)):
            digest = hashlib.blake2b(f"{self.seed}|{c}|{r}".encode(), digest_size=8).digest()
            out[i] = int.from_bytes(digest, "big") / 2**64
        return out


class TfidfScorer:
    """Keyword match: cosine of TF-IDF vectors of the role text and the candidate text."""

    def __init__(self, min_df: int = 2, ngram_range: tuple[int, int] = (1, 2)) -> None:
        self.min_df = min_df
        self.ngram_range = ngram_range

    def fit(self, candidate_texts: Mapping[str, str], role_texts: Mapping[str, str]) -> TfidfScorer:
        self.vectorizer_ = TfidfVectorizer(
            min_df=self.min_df,
            ngram_range=self.ngram_range,
            sublinear_tf=True,
            stop_words="english",
        )
        corpus = list(candidate_texts.values()) + list(role_texts.values())
        self.vectorizer_.fit(corpus)
        self.candidate_index_ = {c: i for i, c in enumerate(candidate_texts)}
        self.role_index_ = {r: i for i, r in enumerate(role_texts)}
        self.candidates_ = self.vectorizer_.transform(list(candidate_texts.values()))
        self.roles_ = self.vectorizer_.transform(list(role_texts.values()))
        return self

    def score_pairs(self, candidate_ids: Sequence[str], role_ids: Sequence[str]) -> np.ndarray:
        if not hasattr(self, "vectorizer_"):
            raise NotTrainedError(
                "This TfidfScorer is not fitted yet; call 'fit' before 'score_pairs'."
            )
        ci = np.array([self.candidate_index_[c] for c in candidate_ids])
        ri = np.array([self.role_index_[r] for r in role_ids])
        # rows are L2-normalised: the cosine is the row-wise dot product
        return np.asarray(self.candidates_[ci].multiply(self.roles_[ri]).sum(axis=1)).ravel()


class TrueFitScorer:
    """The generator's hidden true fit where known (a ceiling for sanity checks, not a method)."""

    def __init__(self, fit: Mapping[tuple[str, str], float]) -> None:
        self.fit = fit

    def score_pairs(self, candidate_ids: Sequence[str], role_ids: Sequence[str]) -> np.ndarray:
        return np.array(
            [self.fit.get((c, r), np.nan) for c, r in zip(candidate_ids, role_ids, strict=True)]
        )


def true_fit_pairs(
    fit: Mapping[str, Mapping[str, Mapping[str, float]]],
) -> dict[tuple[str, str], float]:
    """``GroundTruth.fit`` as (candidate id, role id) -> true fit, both directions."""
    pairs: dict[tuple[str, str], float] = {}
    for role, pool in fit.get("role", {}).items():
        pairs.update({(cand, role): value for cand, value in pool.items()})
    for cand, pool in fit.get("candidate", {}).items():
        pairs.update({(cand, role): value for role, value in pool.items()})
    return pairs
