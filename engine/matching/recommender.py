"""``Recommender``: top-k candidates for a role (or roles for a candidate), fast and exact.

The fast path retrieves a pool from two generators and re-scores it with the merit scorer:

- **FAISS**: the nearest neighbours of the query's graph embedding (NexusGNN) in the mirror
  of the other side's embeddings (``pool_faiss`` of them);
- **skills**: the items with the highest importance-weighted skill overlap with the query,
  through ``SIMILAR_TO`` (a sparse product over the query's skills; ``pool_skills`` of them).

Pool sizes, measured at scale 5 (100,000 candidates, 100 sampled roles, recall@10 against
exact scoring of everyone): 200 + 300 gave p50 11.5 ms at recall 0.999; 100 + 200, 8.6 ms
at 0.993; 50 + 250, 8.6 ms at 0.997 (the default). Scoring cost grows with the pool, and the
skill pool finds most of the exact top 10.

The union is scored exactly (features + calibrated scorer) and the best ``k`` get short
reasons. A role's list can be re-ranked toward a group target (``rerank``, the methods of
``engine.fairness.rerank``): the whole scored pool, best first, is re-ranked with the group of
each candidate (handed in by the caller from the audit module; the recommender reads no
sensitive attribute), toward the group mix of that pool. ``exact=True`` scores every item instead: the reference the fast path's recall is
measured against (``talentgraph bench recommend``).

Example:
    >>> rec = Recommender(runtime, indexes, skill_names)            # doctest: +SKIP
    >>> [m.candidate_id for m in rec.candidates_for("r1", k=3)]     # doctest: +SKIP
    ['c4', 'c1', 'c9']
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np

from engine.fairness.metrics import UNKNOWN_GROUP
from engine.fairness.rerank import rerank as rerank_pool
from engine.features.pair_features import FEATURE_NAMES
from engine.features.reasons import feature_reasons
from engine.kernels.sparse_entries import entries
from engine.results import Match
from engine.retrieval.faiss_index import MAX_K, VectorIndex
from engine.runtime.match_runtime import MatchRuntime
from graph_schema.errors import ConfigError
from graph_schema.params import out_of_range


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` largest scores (any order)."""
    if n >= scores.size:
        return np.arange(scores.size)
    return np.argpartition(-scores, n - 1)[:n]


class Recommender:
    """Ranks candidates for roles and roles for candidates over one runtime.

    Args:
        runtime: the scoring state (``MatchModel.runtime``).
        indexes: FAISS mirrors by label (``"Candidate"``, ``"Role"``); a label without
            one is served by the skill generator alone.
        skill_names: skill names aligned with the runtime's Skill ids (for reasons).
        pool_faiss: neighbours taken from FAISS.
        pool_skills: items taken by skill overlap.
    """

    def __init__(
        self,
        runtime: MatchRuntime,
        indexes: Mapping[str, VectorIndex],
        skill_names: Sequence[str],
        pool_faiss: int = 50,
        pool_skills: int = 250,
    ) -> None:
        self.runtime = runtime
        self.indexes = dict(indexes)
        self.skill_names = list(skill_names)
        self.pool_faiss = pool_faiss
        self.pool_skills = pool_skills
        ctx = runtime.ctx
        self._level_csc = ctx.effective_level.tocsc()
        self._id_arrays = {
            label: np.asarray(runtime.exported.ids[label].ids, dtype=object)
            for label in ("Candidate", "Role")
        }

    # -- pools ------------------------------------------------------------------------
    def _faiss_pool(self, query_label: str, query: int, target: str) -> np.ndarray:
        index = self.indexes.get(target)
        if index is None:
            return np.zeros(0, np.int64)
        vector = self.runtime.graph_vectors[query_label][query]
        _, ids = index.search(vector, min(self.pool_faiss, MAX_K, index.count_))
        where = self.runtime.exported.ids[target]
        return np.array([where.index_of(i) for i in ids[0] if i in where], dtype=np.int64)

    def _skill_scores_for_role(self, role: int) -> np.ndarray:
        imp = self.runtime.ctx.importance
        lo, hi = imp.indptr[role], imp.indptr[role + 1]
        skills, weights = imp.indices[lo:hi], imp.data[lo:hi]
        if skills.size == 0:
            return np.zeros(self._level_csc.shape[0])
        return np.asarray(self._level_csc[:, skills] @ weights).ravel()

    def _skill_scores_for_candidate(self, cand: int) -> np.ndarray:
        level = self.runtime.ctx.effective_level.getrow(cand)
        return np.asarray(self.runtime.ctx.importance @ level.T.toarray()).ravel()

    def pool(self, label: str, query: int) -> np.ndarray:
        """Indices of the items retrieved for one query (``label`` is the query's label)."""
        target = "Role" if label == "Candidate" else "Candidate"
        skill = (
            self._skill_scores_for_role(query)
            if label == "Role"
            else self._skill_scores_for_candidate(query)
        )
        by_skill = _top(skill, self.pool_skills)
        by_skill = by_skill[skill[by_skill] > 0]
        return np.union1d(self._faiss_pool(label, query, target), by_skill)

    # -- ranking ----------------------------------------------------------------------
    def rank(
        self,
        label: str,
        query_id: str,
        k: int,
        *,
        exact: bool = False,
        reasons: bool = True,
        rerank: str = "none",
        groups: Mapping[str, str] | None = None,
        warnings: tuple[str, ...] = (),
    ) -> list[Match]:
        """The best ``k`` items for one query, best first.

        Args:
            label: ``"Role"`` (rank candidates for a role) or ``"Candidate"``.
            query_id: the role or candidate id.
            k: how many, in [1, 1000].
            exact: score every item instead of the retrieved pool.
            reasons: attach short reasons.
            rerank: a method of ``engine.fairness.rerank.METHODS`` (role queries only);
                ``"fair"`` (FA*IR) protects every group but the pool's largest.
            groups: candidate id -> group (an audited attribute or an intersection, from
                ``engine.audit``); needed by every method but ``"none"``.
            warnings: put on every ``Match`` (``Match.warnings``): what kept the list from
                being served as configured (``engine.fairness.groups.served_groups``).

        Raises:
            UnknownIdError: ``query_id`` is not in the graph (the message names it).
            ConfigError: ``k`` out of range.
        """
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise out_of_range("k", f"an int in [1, {MAX_K}]", k)
        ids = self.runtime.exported.ids
        query = ids[label].index_of(query_id)
        target = "Role" if label == "Candidate" else "Candidate"
        items = np.arange(len(ids[target])) if exact else self.pool(label, query)
        if items.size == 0:
            return []
        queries = np.full(items.size, query)
        cand, role = (items, queries) if label == "Role" else (queries, items)
        scores, X = self.runtime.score_pairs(cand, role)
        item_ids = self._id_arrays[target][items]
        order = np.lexsort((item_ids, -scores))
        if rerank != "none" and label == "Role":
            order = order[fair_order(rerank, scores[order], item_ids[order], groups, k, query_id)]
        order = order[:k]
        out = []
        for rank, pos in enumerate(order, start=1):
            c, r = int(cand[pos]), int(role[pos])
            out.append(
                Match(
                    candidate_id=ids["Candidate"].ids[c],
                    role_id=ids["Role"].ids[r],
                    score=float(scores[pos]),
                    rank=rank,
                    reasons=tuple(self.reasons(c, r, X[pos])) if reasons else (),
                    warnings=warnings,
                )
            )
        return out

    def reasons(self, cand: int, role: int, row: np.ndarray) -> list[str]:
        """Short reasons of one pair from its feature row."""
        ctx = self.runtime.ctx
        lo, hi = ctx.importance.indptr[role], ctx.importance.indptr[role + 1]
        is_required = ctx.importance_required[lo:hi]
        required = ctx.importance.indices[lo:hi][is_required]
        importance = ctx.importance.data[lo:hi][is_required]
        level = entries(ctx.level, np.full(required.size, cand), required)
        order = np.argsort(-importance, kind="stable")
        held = [self.skill_names[required[i]] for i in order if level[i] > 0]
        lacking = [self.skill_names[required[i]] for i in order if level[i] <= 0]
        values = dict(zip(FEATURE_NAMES, row.tolist(), strict=True))
        return feature_reasons(values, held=held, lacking=lacking, n_required=int(required.size))


def request_offset(query_id: str) -> float:
    """A per-request number in [0, 1), the same for the same id on any machine (the
    systematic-rounding offset of the ``proportional`` re-ranker)."""
    digest = hashlib.sha256(query_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def fair_order(
    method: str,
    scores: np.ndarray,
    candidate_ids: Sequence[str],
    groups: Mapping[str, str] | None,
    k: int,
    query_id: str,
) -> np.ndarray:
    """Positions (into a best-first pool) of its top ``k`` re-ranked by ``method`` toward the
    pool's group mix; candidates without a known group are their own group ``"unknown"``.
    ``query_id`` (the role) seeds the ``proportional`` method's offset.

    Raises:
        ConfigError: no ``groups`` were given, or a bad method.
    """
    if groups is None:
        raise ConfigError(f"re-ranking by {method!r} needs each candidate's group; got none")
    labels = [groups.get(c, UNKNOWN_GROUP) for c in candidate_ids]
    protected = None
    if method == "fair":
        counts: dict[str, int] = {}
        for g in labels:
            counts[g] = counts.get(g, 0) + 1
        largest = max(sorted(counts), key=counts.__getitem__)
        protected = [g != largest for g in labels]
    offset = request_offset(query_id)
    return rerank_pool(method, scores, labels, k, protected=protected, offset=offset).indices
