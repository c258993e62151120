"""Pair features of an *edited* candidate profile: skills added, levels raised, years added.

Counterfactuals and the stability measure re-score a candidate as if their profile were
different, with the real scorer. The features are derived the way training and serving
derive them, by the same function (``pair_features``) on a one-candidate-per-row
``FeatureContext``: row ``i`` holds the candidate's own row of every candidate-side array
(location, preferences, text and graph vectors, mentions, signals) with edit ``i`` applied to
the skill levels (and ``effective_level`` recomputed through ``SIMILAR_TO`` from them) and to
the years of experience (``experience_years = log1p(years) / 4``). The collaborative filter
and the hire history are read for the real candidate, except ``hist_skill_centroid``, the one
history column that reads the candidate's skills, recomputed from the edited levels.

What an edit does *not* move: the profile text and its embedding, the NexusGNN embedding and
the interactions (a new skill written into the profile text would move them too). With no
edit the rows equal ``MatchRuntime.features`` exactly (``tests/engine/explain/test_explain.py``).

Example:
    >>> X = edited_features(runtime, cand, role, [ProfileEdit({skill: 0.8})])  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from engine.features.context import SIGNALS, FeatureContext, _effective_level
from engine.features.history import HISTORY_FEATURES
from engine.features.lexical import row_dot
from engine.features.pair_features import FEATURE_NAMES, pair_features
from engine.runtime.match_runtime import MatchRuntime

_COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}
_YEARS = SIGNALS.index("experience_years")


@dataclass(frozen=True)
class ProfileEdit:
    """Changes to one candidate's profile.

    Attributes:
        levels: skill index -> the new direct level (a skill not held is added).
        years: years of experience added.
    """

    levels: Mapping[int, float] = field(default_factory=dict)
    years: float = 0.0


def years_of(signal: float) -> float:
    """Years of experience from the ``experience_years`` feature (``log1p(years) / 4``)."""
    return float(np.expm1(4.0 * signal))


def _rows(matrix: sp.spmatrix | None, cand: int, m: int) -> sp.csr_matrix | None:
    if matrix is None:
        return None
    row = sp.csr_matrix(matrix[cand])
    return sp.csr_matrix(sp.vstack([row] * m)) if m else row[:0]


def _unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale) @ matrix)


def edited_levels(ctx: FeatureContext, cand: int, edits: Sequence[ProfileEdit]) -> sp.csr_matrix:
    """Edited direct levels, one row per edit (sorted indices)."""
    base = ctx.level[cand]
    held = dict(zip(base.indices.tolist(), base.data.tolist(), strict=True))
    rows, cols, vals = [], [], []
    for i, edit in enumerate(edits):
        levels = {**held, **{int(s): float(v) for s, v in edit.levels.items()}}
        for s, v in levels.items():
            if v > 0:
                rows.append(i)
                cols.append(s)
                vals.append(v)
    out = sp.csr_matrix((vals, (rows, cols)), shape=(len(edits), ctx.level.shape[1]))
    out.sort_indices()
    return out


def edited_features(
    runtime: MatchRuntime, cand: int, role: int, edits: Sequence[ProfileEdit]
) -> np.ndarray:
    """Pair features (columns ``FEATURE_NAMES``) of the candidate edited by each of ``edits``
    against ``role``: one row per edit.

    Args:
        runtime: the scoring state.
        cand, role: row indices of the candidate and the role.
        edits: the profile edits (``ProfileEdit()`` for the unchanged profile).
    """
    ctx = runtime.ctx
    m = len(edits)
    take = np.full(m, cand)
    level = edited_levels(ctx, cand, edits)
    effective = _effective_level(level, ctx.similarity, ctx.similarity_decay)
    effective.sort_indices()
    signals = ctx.signals[take].copy()
    years = np.array([e.years for e in edits], dtype=np.float64)
    signals[:, _YEARS] = np.log1p(np.expm1(4.0 * signals[:, _YEARS]) + years) / 4.0
    one = dataclasses.replace(
        ctx,
        level=level,
        effective_level=effective,
        candidate_location=ctx.candidate_location[take],
        candidate_country=ctx.candidate_country[take],
        candidate_remote_ok=ctx.candidate_remote_ok[take],
        signals=signals,
        preferred_location=_rows(ctx.preferred_location, cand, m),
        preferred_country=_rows(ctx.preferred_country, cand, m),
        mentioned=_rows(ctx.mentioned, cand, m),
        text={**ctx.text, "Candidate": ctx.text["Candidate"][take]} if ctx.text else {},
        gnn={**ctx.gnn, "Candidate": ctx.gnn["Candidate"][take]} if ctx.gnn else {},
    )
    roles = np.full(m, role)
    cf = None
    if runtime.use_cf:
        cf = lambda _c, r: runtime.cf.score(take, r)  # the real candidate's CF
    X = pair_features(one, np.arange(m), roles, cf=cf)
    history = runtime.history
    first = _COLUMN[HISTORY_FEATURES[0]]
    if history is not None:
        X[:, first:] = history.features(take, roles)
        if history.hires.nnz:
            skill = row_dot(_unit_rows(effective), history.skill_centroid, np.arange(m), roles)
            known = history.role_count[roles] > 0
            X[:, _COLUMN["hist_skill_centroid"]] = np.where(known, skill, np.nan)
    return X
