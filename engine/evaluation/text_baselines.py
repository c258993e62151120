"""Text baselines: supervised TF-IDF models, BM25 and skill Jaccard.

Each is a ``PairScorer`` built on ``IndexedScorer``. They read only the export (id maps,
skill edges, the interaction history through ``interaction_labels``), the candidates' and
roles' texts (``graph_texts`` / ``free_texts``) and the skills' names and aliases, never a
sensitive attribute. Every one is deterministic for a seed.

- ``TfidfLogRegPerRole``: one logistic regression per role on candidate TF-IDF vectors.
- ``TfidfLogRegPairwise``: one logistic regression on shared-term pair vectors.
- ``Bm25Scorer``: Okapi BM25, the role text as the query against candidate texts.
- ``SkillJaccardScorer``: Jaccard of skill-id sets, the candidate's widened by the skills
  whose name or alias its text mentions.

Example:
    >>> texts = graph_texts(store, exported)                              # doctest: +SKIP
    >>> lr = TfidfLogRegPerRole(seed=0)                                   # doctest: +SKIP
    >>> lr.fit(exported, texts["Candidate"], texts["Role"])               # doctest: +SKIP
    >>> lr.score_pairs(["c1", "c7"], ["r1", "r1"])                        # doctest: +SKIP
    array([0.91, 0.08])

Fit times measured on a 2-core CPU (scale 0.2: 4,000 candidates, 600 roles; scale 1:
20,000 candidates, 3,000 roles): per role 5.7 s / 56 s, pairwise 2.1 s / 22 s, BM25
0.7 s / 3.4 s, Jaccard 1.0 s / 7.4 s; ranking both directions' pools takes under 1 s at
scale 0.2 and at most 3.4 s (per role) at scale 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from engine.evaluation.baselines import texts_from_store
from engine.evaluation.learned_baselines import IndexedScorer
from engine.features.labels import interaction_labels
from engine.features.lexical import (
    EMPTY_VOCABULARY,
    PhraseFinder,
    bm25_documents,
    row_dot,
    tfidf_space,
)
from graph_schema import EdgeType
from graph_schema.edge_types import HAS_SKILL, REQUIRES_SKILL
from graph_schema.errors import ConfigError
from loaders.pyg_export import ExportedGraph
from loaders.stores.base import GraphStore

BAD_TEXTS = "{name} must hold one text per {label} id of the export ({rows}); got {got}"


def free_texts(store: GraphStore, exported: ExportedGraph) -> tuple[list[str], list[str]]:
    """Headline + summary per candidate, title + description per role, in export id order."""
    candidates, roles = texts_from_store(store)
    return (
        [candidates.get(c, "") for c in exported.ids["Candidate"].ids],
        [roles.get(r, "") for r in exported.ids["Role"].ids],
    )


def skill_phrases(store: GraphStore) -> dict[str, list[str]]:
    """``{skill id: [preferred name, *aliases]}`` from the store's Skill nodes."""
    return {r["id"]: [r["name"] or "", *(r["aliases"] or [])] for r in store.run("skill_names")}


def _check_texts(exported: ExportedGraph, candidate: Sequence[str], role: Sequence[str]) -> None:
    for name, label, texts in (
        ("candidate_texts", "Candidate", candidate),
        ("role_texts", "Role", role),
    ):
        if len(texts) != len(exported.ids[label]):
            raise ConfigError(
                BAD_TEXTS.format(
                    name=name, label=label, rows=len(exported.ids[label]), got=len(texts)
                )
            )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


class TfidfLogRegPerRole(IndexedScorer):
    """One-vs-rest over roles: a logistic regression per role on candidate TF-IDF vectors.

    For each role with at least one positive pair (SHORTLISTED or later), the training rows
    are candidate TF-IDF vectors: positives = its positive candidates (plus, by default, the
    role's own text as one more positive); negatives = its rejected candidates, its sampled
    non-interacted candidates (``interaction_labels``) and ``other_positives`` positives of
    other roles drawn with the seed. Each fit is ``liblinear`` on sparse input restricted to
    the terms its rows use (an unused term would get weight 0 anyway), and the weights are
    kept as one sparse role x term matrix.

    Comparability: every per-role fit uses ``class_weight="balanced"``, so each output is
    the probability of a positive at the same 1:1 prior for every role, whatever its count
    of positives; this is what makes the outputs of different roles comparable when a
    candidate query ranks many roles. A role without any positive falls back to the TF-IDF
    cosine of candidate and role text, mapped to the same scale by a Platt sigmoid fitted
    (balanced, one weight and a bias) on the cosine of every labelled pair. Within a role
    query every candidate is scored by the same model, so the fallback never mixes there.

    Args:
        seed: seeds the negative sampling and the fits.
        other_positives: positives of other roles drawn as negatives per role.
        sampled_negatives: non-interacted negatives per positive (``interaction_labels``).
        role_text_positive: add the role's text as one positive row.
        c: inverse L2 regularisation strength.
        min_df, ngram_range: of the TF-IDF vocabulary.
    """

    def __init__(
        self,
        seed: int = 0,
        other_positives: int = 100,
        sampled_negatives: float = 1.0,
        role_text_positive: bool = True,
        c: float = 1.0,
        min_df: int = 2,
        ngram_range: tuple[int, int] = (1, 2),
    ) -> None:
        self.seed = seed
        self.other_positives = other_positives
        self.sampled_negatives = sampled_negatives
        self.role_text_positive = role_text_positive
        self.c = c
        self.min_df = min_df
        self.ngram_range = ngram_range

    def fit(
        self, exported: ExportedGraph, candidate_texts: Sequence[str], role_texts: Sequence[str]
    ) -> TfidfLogRegPerRole:
        """Fit the per-role models and the fallback's Platt scale.

        Args:
            exported: the export (id maps, INTERACTED edges).
            candidate_texts, role_texts: one text per id, in ``exported.ids`` order
                (``graph_texts``).

        Returns:
            ``self``, with ``coef_`` (roles x terms, sparse), ``intercept_``, ``fitted_``
            (roles with a model) and ``platt_`` (weight, bias of the fallback).

        Raises:
            ConfigError: the texts are misaligned or hold no usable term.
        """
        _check_texts(exported, candidate_texts, role_texts)
        _, self.x_cand_, self.x_role_ = tfidf_space(
            candidate_texts, role_texts, min_df=self.min_df, ngram_range=self.ngram_range
        )
        pairs = interaction_labels(
            exported, sampled_negatives=self.sampled_negatives, seed=self.seed
        )
        n_roles, n_terms = self.x_role_.shape
        rng = np.random.default_rng(self.seed)
        positive = pairs.label > 0
        pos_cands = np.unique(pairs.cand_idx[positive])
        order = np.argsort(pairs.role_idx, kind="stable")
        bounds = np.searchsorted(pairs.role_idx[order], np.arange(n_roles + 1))
        rows, cols, vals = [], [], []
        self.intercept_ = np.zeros(n_roles)
        self.fitted_ = np.zeros(n_roles, dtype=bool)
        for r in range(n_roles):
            take = order[bounds[r] : bounds[r + 1]]
            mine = pairs.cand_idx[take][positive[take]]
            if mine.size == 0:
                continue
            others = pos_cands[~np.isin(pos_cands, mine)]
            drawn = rng.choice(others, min(self.other_positives, others.size), replace=False)
            negatives = np.concatenate([pairs.cand_idx[take][~positive[take]], drawn])
            if negatives.size == 0:
                continue  # nothing to contrast with: the cosine fallback scores this role
            x = sp.vstack([self.x_cand_[mine], self.x_cand_[negatives]])
            y = np.r_[np.ones(mine.size), np.zeros(negatives.size)]
            if self.role_text_positive:
                x, y = sp.vstack([x, self.x_role_[r]]), np.r_[y, 1.0]
            x = x.tocsr()
            used = np.unique(x.indices)  # other terms would get weight 0: fit without them
            model = LogisticRegression(
                solver="liblinear", C=self.c, class_weight="balanced", random_state=self.seed
            ).fit(x[:, used], y)
            rows.append(np.full(used.size, r))
            cols.append(used)
            vals.append(model.coef_[0])
            self.intercept_[r] = model.intercept_[0]
            self.fitted_[r] = True
        cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt)
        self.coef_ = sp.csr_matrix(
            (cat(vals, np.float64), (cat(rows, np.int64), cat(cols, np.int64))),
            shape=(n_roles, n_terms),
        )
        self.platt_ = self._platt(pairs.cand_idx, pairs.role_idx, pairs.label)
        self._bind(exported.ids["Candidate"], exported.ids["Role"])
        return self

    def _platt(self, cand: np.ndarray, role: np.ndarray, label: np.ndarray) -> tuple[float, float]:
        """(weight, bias) of ``sigmoid(weight * cosine + bias)`` at a balanced prior."""
        if np.unique(label).size < 2:
            return 1.0, 0.0
        cosine = row_dot(self.x_cand_, self.x_role_, cand, role)[:, None]
        model = LogisticRegression(class_weight="balanced").fit(cosine, label)
        return float(model.coef_[0, 0]), float(model.intercept_[0])

    def _score_idx(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        out = np.empty(cand_idx.size)
        fitted = self.fitted_[role_idx]
        z = row_dot(self.x_cand_, self.coef_, cand_idx[fitted], role_idx[fitted])
        out[fitted] = _sigmoid(z + self.intercept_[role_idx[fitted]])
        weight, bias = self.platt_
        cosine = row_dot(self.x_cand_, self.x_role_, cand_idx[~fitted], role_idx[~fitted])
        out[~fitted] = _sigmoid(weight * cosine + bias)
        return out


class TfidfLogRegPairwise(IndexedScorer):
    """One logistic regression on pair vectors: which shared terms make a match.

    A pair's vector is the element-wise product of the L2-normalised candidate and role
    TF-IDF vectors (non-zero only on the terms both texts use, so it is sparse and its sum
    is their cosine), plus the cosine as one more column. Labels come from
    ``interaction_labels`` (positive stages vs rejections, plus sampled non-interacted
    negatives). Score = predicted probability of a positive.

    Args:
        seed: seeds the negative sampling and the fit.
        sampled_negatives: non-interacted negatives per positive.
        c: inverse L2 regularisation strength.
        min_df, ngram_range: of the TF-IDF vocabulary.
    """

    def __init__(
        self,
        seed: int = 0,
        sampled_negatives: float = 2.0,
        c: float = 1.0,
        min_df: int = 2,
        ngram_range: tuple[int, int] = (1, 2),
    ) -> None:
        self.seed = seed
        self.sampled_negatives = sampled_negatives
        self.c = c
        self.min_df = min_df
        self.ngram_range = ngram_range

    def fit(
        self, exported: ExportedGraph, candidate_texts: Sequence[str], role_texts: Sequence[str]
    ) -> TfidfLogRegPairwise:
        """Fit on the labelled pairs; returns ``self`` with ``model_`` (or ``None`` when the
        history has a single class, and every pair then scores its cosine).

        Raises:
            ConfigError: the texts are misaligned or hold no usable term.
        """
        _check_texts(exported, candidate_texts, role_texts)
        _, self.x_cand_, self.x_role_ = tfidf_space(
            candidate_texts, role_texts, min_df=self.min_df, ngram_range=self.ngram_range
        )
        pairs = interaction_labels(
            exported, sampled_negatives=self.sampled_negatives, seed=self.seed
        )
        self.model_: LogisticRegression | None = None
        if np.unique(pairs.label).size == 2:
            self.model_ = LogisticRegression(
                solver="liblinear", C=self.c, random_state=self.seed
            ).fit(self._pairs(pairs.cand_idx, pairs.role_idx), pairs.label)
        self._bind(exported.ids["Candidate"], exported.ids["Role"])
        return self

    def _pairs(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> sp.csr_matrix:
        shared = self.x_cand_[cand_idx].multiply(self.x_role_[role_idx]).tocsr()
        cosine = sp.csr_matrix(np.asarray(shared.sum(axis=1)))
        return sp.hstack([shared, cosine], format="csr")

    def _score_idx(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        if cand_idx.size == 0:
            return np.zeros(0)
        x = self._pairs(cand_idx, role_idx)
        if self.model_ is None:
            return np.asarray(x[:, -1].todense()).ravel()
        return self.model_.predict_proba(x)[:, list(self.model_.classes_).index(1.0)]


class Bm25Scorer(IndexedScorer):
    """Okapi BM25 (``k1``, ``b``) of the role text as the query, candidate texts as documents.

    Direction: a pair scores ``BM25(query = role text, document = candidate text)``, with
    document frequencies and the mean length over the candidates (``bm25_documents``); a
    query term counts once per occurrence. In a candidate query the roles are different
    queries of the same document, so longer role texts tend to score higher there.
    Terms are lower-case words without English stop words.

    Example:
        >>> bm = Bm25Scorer().fit(exported, texts["Candidate"], texts["Role"])   # doctest: +SKIP
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b

    def fit(
        self, exported: ExportedGraph, candidate_texts: Sequence[str], role_texts: Sequence[str]
    ) -> Bm25Scorer:
        """Count terms and weight the candidate documents.

        Raises:
            ConfigError: the texts are misaligned or the candidates hold no term.
        """
        _check_texts(exported, candidate_texts, role_texts)
        counter = CountVectorizer(stop_words="english")
        try:
            counts = counter.fit_transform(candidate_texts).tocsr()
        except ValueError as e:
            raise ConfigError(EMPTY_VOCABULARY.format(what="BM25", min_df=1)) from e
        self.documents_ = bm25_documents(counts, k1=self.k1, b=self.b)
        self.queries_ = counter.transform(role_texts).astype(np.float64).tocsr()
        self._bind(exported.ids["Candidate"], exported.ids["Role"])
        return self

    def _score_idx(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        return row_dot(self.documents_, self.queries_, cand_idx, role_idx)


class SkillJaccardScorer(IndexedScorer):
    """Jaccard of the candidate's and the role's sets of skill ids.

    The role's set is its ``REQUIRES_SKILL`` skills. The candidate's set is its
    ``HAS_SKILL`` skills plus every skill whose preferred name or an alias occurs in the
    candidate's text as a whole-word phrase (``PhraseFinder``: case-insensitive). Two empty
    sets score 0.

    Example:
        >>> j = SkillJaccardScorer().fit(exported, free_texts(store, exported)[0],
        ...                              skill_phrases(store))            # doctest: +SKIP
    """

    def fit(
        self,
        exported: ExportedGraph,
        candidate_texts: Sequence[str],
        skill_names: Mapping[str, Sequence[str | None]],
    ) -> SkillJaccardScorer:
        """Build the candidate x skill and role x skill incidence matrices.

        Args:
            exported: the export (id maps, skill edges).
            candidate_texts: one text per candidate id in export order (``free_texts``).
            skill_names: ``{skill id: [name, *aliases]}`` (``skill_phrases``); ids not in
                the export are ignored.

        Raises:
            ConfigError: ``candidate_texts`` is misaligned.
        """
        n_c, n_r = len(exported.ids["Candidate"]), len(exported.ids["Role"])
        if len(candidate_texts) != n_c:
            raise ConfigError(
                BAD_TEXTS.format(
                    name="candidate_texts", label="Candidate", rows=n_c, got=len(candidate_texts)
                )
            )
        skills = exported.ids.get("Skill")
        n_s = len(skills) if skills is not None else 0
        finder = PhraseFinder({s: n for s, n in skill_names.items() if skills and s in skills})
        found_c, found_s = [], []
        for i, text in enumerate(candidate_texts):
            for skill in finder.find(text):
                found_c.append(i)
                found_s.append(skills.index_of(skill))
        self.candidate_skills_ = self._incidence(exported, HAS_SKILL, n_c, n_s, found_c, found_s)
        self.role_skills_ = self._incidence(exported, REQUIRES_SKILL, n_r, n_s, [], [])
        self.n_text_skills_ = len(found_c)
        self._bind(exported.ids["Candidate"], exported.ids["Role"])
        return self

    @staticmethod
    def _incidence(
        exported: ExportedGraph,
        edge_type: EdgeType,
        rows: int,
        cols: int,
        extra_rows: list[int],
        extra_cols: list[int],
    ) -> sp.csr_matrix:
        src, dst = (np.zeros(0, np.int64),) * 2
        if edge_type in exported.data.edge_types:
            src, dst = exported.data[edge_type].edge_index.numpy()
        r = np.concatenate([src, np.asarray(extra_rows, np.int64)])
        c = np.concatenate([dst, np.asarray(extra_cols, np.int64)])
        matrix = sp.csr_matrix((np.ones(r.size), (r, c)), shape=(rows, cols))
        matrix.data[:] = 1.0  # duplicates were summed: back to a set
        return matrix

    def _score_idx(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        inter = row_dot(self.candidate_skills_, self.role_skills_, cand_idx, role_idx)
        size_c = np.asarray(self.candidate_skills_.sum(axis=1)).ravel()[cand_idx]
        size_r = np.asarray(self.role_skills_.sum(axis=1)).ravel()[role_idx]
        union = size_c + size_r - inter
        return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
