"""Features learnt from who was hired: a candidate beside the people a role took before.

A recruiter trusts "people like the ones who worked out". ``HireHistory`` turns a history of
positive pairs (shortlisted or later, hires weighted double) into pair features, columns
``HISTORY_FEATURES``:

- ``lex_cosine``: TF-IDF cosine of the candidate's text and the role's text (the lexical
  channel: what a bag of words knows is never lost);
- ``lex_hires``: TF-IDF cosine of the candidate's text and the centroid of the texts of the
  role's past hires (a Rocchio classifier per role);
- ``hist_text_centroid`` / ``hist_text_nearest``: cosine of the candidate's text vector with
  the centroid of the role's past hires, and with the nearest of them;
- ``hist_skill_centroid``: the same in skill space (effective levels, ``SIMILAR_TO``
  included); ``hist_graph_centroid``: in graph space (NexusGNN vectors, when trained);
- ``hist_peer_text``: cosine with the centroid of the hires of the roles most like this one
  (text neighbours), so that a role without history still has "people like the ones who
  worked out";
- ``hist_role_hires``: log1p of the role's (weighted) positives, so the scorer knows how far
  to trust the above;
- the mirror image for the candidate: ``hist_past_text`` / ``hist_past_skill``, the cosine
  of the role's text / skill vector with the centroid of the roles where the candidate was
  shortlisted or hired before; ``hist_candidate_roles``: log1p of their count.

A feature with no history behind it (a role never filled, a candidate never shortlisted) is
NaN, which the gradient-boosted scorer handles natively. Training builds one ``HireHistory``
per cross-fitting fold from the other folds' positives only, so a pair's features never
come from its own outcome (``engine.training.split``). At serving the candidate's own past
hire at this role is left out of ``hist_text_nearest``.

Example:
    >>> history = HireHistory.build(ctx, lexical, cand_idx, role_idx, weight)  # doctest: +SKIP
    >>> history.features(np.array([0, 1]), np.array([3, 3])).shape            # doctest: +SKIP
    (2, 11)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from engine.features.context import FeatureContext
from engine.features.lexical import row_dot

HISTORY_FEATURES: tuple[str, ...] = (
    "lex_cosine",
    "lex_hires",
    "hist_text_centroid",
    "hist_text_nearest",
    "hist_skill_centroid",
    "hist_graph_centroid",
    "hist_peer_text",
    "hist_role_hires",
    "hist_past_text",
    "hist_past_skill",
    "hist_candidate_roles",
)
"""Columns of :meth:`HireHistory.features`, in order."""

PEERS = 10
"""Text neighbours of a role whose hires form its peer centroid."""
_CHUNK = 4096
_NEAREST_ENTRIES = 1 << 18


@dataclass(frozen=True)
class Lexical:
    """Unit TF-IDF rows of every candidate and role text (``tfidf_space``)."""

    candidates: sp.csr_matrix
    roles: sp.csr_matrix


def _unit(matrix: np.ndarray | sp.spmatrix) -> np.ndarray | sp.csr_matrix:
    """Rows scaled to unit L2 norm; zero rows stay zero."""
    if sp.issparse(matrix):
        matrix = sp.csr_matrix(matrix, dtype=np.float64)
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        return sp.csr_matrix(sp.diags(scale) @ matrix)
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def text_peers(role_text: np.ndarray, peers: int = PEERS) -> sp.csr_matrix:
    """Role x role weights of each role's ``peers`` nearest other roles by text cosine
    (weights = the cosine, clipped at 0), computed in blocks."""
    n = role_text.shape[0]
    k = min(peers, n - 1)
    if k <= 0:
        return sp.csr_matrix((n, n))
    rows, cols, vals = [], [], []
    for lo in range(0, n, 1024):
        sims = role_text[lo : lo + 1024] @ role_text.T
        block = np.arange(lo, min(lo + 1024, n))
        sims[block - lo, block] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        rows.append(np.repeat(block, k))
        cols.append(top.ravel())
        vals.append(np.take_along_axis(sims, top, axis=1).ravel())
    weight = np.clip(np.concatenate(vals), 0.0, None)
    return sp.csr_matrix((weight, (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))


@dataclass(frozen=True)
class HireHistory:
    """Per-role centroids of past hires and per-candidate past roles, ready to score pairs.

    Build it with :meth:`build`. Attributes are aligned with the context's id maps.
    """

    ctx: FeatureContext
    lexical: Lexical | None
    hires: sp.csr_matrix  # role x candidate, weight of each positive pair
    past: sp.csr_matrix  # candidate x role, the same pairs
    text_centroid: np.ndarray | None
    skill_centroid: sp.csr_matrix
    graph_centroid: np.ndarray | None
    peer_text: np.ndarray | None
    lex_centroid: sp.csr_matrix | None
    role_skill: sp.csr_matrix
    candidate_skill: sp.csr_matrix
    role_count: np.ndarray  # weighted positives per role
    past_skill: sp.csr_matrix  # candidate x skill, unit centroid of past roles' skills
    past_text_norm: np.ndarray | None  # norm of each candidate's summed past role vectors

    @classmethod
    def build(
        cls,
        ctx: FeatureContext,
        lexical: Lexical | None,
        cand_idx: np.ndarray,
        role_idx: np.ndarray,
        weight: np.ndarray,
        peers: sp.csr_matrix | None = None,
    ) -> HireHistory:
        """Centroids from the positive pairs ``(cand_idx[i], role_idx[i])``.

        Args:
            ctx: the feature context (text and graph vectors, skill levels).
            lexical: TF-IDF rows of the texts (``None``: no lexical columns).
            cand_idx, role_idx: the positive pairs the history may use.
            weight: weight of each pair (e.g. 2 for a hire, 1 for a shortlist).
            peers: role x role neighbour weights (default :func:`text_peers` of the
                context's role text vectors).
        """
        n_c, n_r = len(ctx.candidates), len(ctx.roles)
        hires = sp.csr_matrix(
            (np.asarray(weight, np.float64), (role_idx, cand_idx)), shape=(n_r, n_c)
        )
        hires.sum_duplicates()
        hires.sort_indices()
        text = ctx.text.get("Candidate")
        candidate_skill = _unit(ctx.effective_level)
        text_centroid = None if text is None else _unit(hires @ text)
        peer_text = None
        if text is not None and hires.nnz:
            peers = text_peers(ctx.text["Role"]) if peers is None else peers
            peer_text = _unit(peers @ (hires @ text))
        graph = ctx.gnn.get("Candidate")
        past = hires.T.tocsr()
        role_skill = _unit(ctx.importance)
        past_text_norm = None
        if text is not None and hires.nnz:
            past_text_norm = np.zeros(n_c)
            for lo in range(0, n_c, _CHUNK):
                summed = past[lo : lo + _CHUNK] @ ctx.text["Role"]
                past_text_norm[lo : lo + _CHUNK] = np.linalg.norm(summed, axis=1)
        return cls(
            ctx=ctx,
            lexical=lexical,
            hires=hires,
            past=past,
            text_centroid=text_centroid,
            skill_centroid=_unit(hires @ candidate_skill),
            graph_centroid=None if graph is None else _unit(hires @ graph),
            peer_text=peer_text,
            lex_centroid=None if lexical is None else _unit(hires @ lexical.candidates),
            role_skill=role_skill,
            candidate_skill=candidate_skill,
            role_count=np.asarray(hires.sum(axis=1)).ravel(),
            past_skill=_unit(past @ role_skill),
            past_text_norm=past_text_norm,
        )

    def features(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        """Pairs x ``HISTORY_FEATURES`` (float64, NaN where no history stands behind)."""
        c = np.asarray(cand_idx, np.int64)
        r = np.asarray(role_idx, np.int64)
        out = np.full((c.size, len(HISTORY_FEATURES)), np.nan)
        col = {name: i for i, name in enumerate(HISTORY_FEATURES)}
        role_count = self.role_count
        has_hires = role_count[r] > 0
        cand_count = np.diff(self.past.indptr)[c]
        has_past = cand_count > 0
        ctx = self.ctx

        def put(name: str, values: np.ndarray, known: np.ndarray) -> None:
            out[:, col[name]] = np.where(known, values, np.nan)

        if self.lexical is not None:
            lex = self.lexical
            out[:, col["lex_cosine"]] = row_dot(lex.candidates, lex.roles, c, r)
            put("lex_hires", row_dot(lex.candidates, self.lex_centroid, c, r), has_hires)
        if self.hires.nnz == 0:  # no history: only the lexical cosine and the counts
            out[:, col["hist_role_hires"]] = 0.0
            out[:, col["hist_candidate_roles"]] = 0.0
            return out
        if self.text_centroid is not None:
            text = ctx.text["Candidate"]
            put("hist_text_centroid", row_dot(text, self.text_centroid, c, r), has_hires)
            put("hist_text_nearest", self._nearest(text, c, r), has_hires)
            peer = row_dot(text, self.peer_text, c, r)
            put("hist_peer_text", peer, np.abs(peer) > 0)
            put("hist_past_text", self._past_text(c, r), has_past)
        put(
            "hist_skill_centroid",
            row_dot(self.candidate_skill, self.skill_centroid, c, r),
            has_hires,
        )
        if self.graph_centroid is not None:
            graph = ctx.gnn["Candidate"]
            put("hist_graph_centroid", row_dot(graph, self.graph_centroid, c, r), has_hires)
        put("hist_past_skill", row_dot(self.past_skill, self.role_skill, c, r), has_past)
        out[:, col["hist_role_hires"]] = np.log1p(role_count[r])
        out[:, col["hist_candidate_roles"]] = np.log1p(cand_count)
        return out

    def _past_text(self, c: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Cosine of each pair's role text with the centroid of the candidate's past roles
        (0 for a candidate without past roles)."""
        roles = self.ctx.text["Role"]
        if (r == r[0]).all():  # a role query: one product over the roles, then the pairs
            summed = np.asarray(self.past[c] @ (roles @ roles[r[0]]), np.float64).ravel()
        else:
            summed = np.zeros(c.size)
            for lo in range(0, c.size, _CHUNK):
                rows = np.asarray(self.past[c[lo : lo + _CHUNK]] @ roles)
                summed[lo : lo + _CHUNK] = np.einsum("ij,ij->i", rows, roles[r[lo : lo + _CHUNK]])
        norm = self.past_text_norm[c]
        return np.divide(summed, norm, out=np.zeros(c.size), where=norm > 0)

    def _nearest(self, text: np.ndarray, c: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Per pair, the best cosine of the candidate with one of the role's past hires
        other than the candidate itself (-1 when there is none)."""
        indptr, hired = self.hires.indptr, self.hires.indices
        if (r == r[0]).all():  # a role query: its hires against every candidate at once
            others = hired[indptr[r[0]] : indptr[r[0] + 1]]
            if others.size == 0:
                return np.full(c.size, -1.0)
            sims = (text[c] @ text[others].T).astype(np.float64)
            sims[c[:, None] == others[None, :]] = -1.0
            return sims.max(axis=1)
        count = np.diff(indptr)[r]
        best = np.full(c.size, -1.0)
        ends = np.cumsum(count)
        lo = 0
        while lo < c.size:  # blocks of pairs whose hire lists fit in _NEAREST_ENTRIES rows
            base = ends[lo - 1] if lo else 0
            hi = max(lo + 1, int(np.searchsorted(ends, base + _NEAREST_ENTRIES, side="right")))
            n = count[lo:hi]
            pair = np.repeat(np.arange(lo, hi), n)
            offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
            other = hired[np.repeat(indptr[r[lo:hi]], n) + offsets]
            sims = np.einsum("ij,ij->i", text[c[pair]], text[other]).astype(np.float64)
            sims[other == c[pair]] = -1.0
            np.maximum.at(best, pair, sims)
            lo = hi
        return best
