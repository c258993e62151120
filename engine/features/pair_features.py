"""Vectorised features of many (candidate, role) pairs at once.

Columns (``FEATURE_NAMES``):

- ``text_cosine``, ``text_missing``: cosine of the text embeddings (0 and flag 1 when the
  context has none); ``gnn_cosine``, ``gnn_missing``: the same for graph embeddings.
- ``required_coverage``: sum over the role's required skills of importance x the
  candidate's level, over the sum of their importance; ``optional_coverage`` the same over
  the optional skills. ``*_similar`` variants use the level reached through one
  ``SIMILAR_TO`` hop (best similar skill x weight x decay) when it beats the direct level.
  A role with no skill in a group covers it fully (1).
- ``missing_required``: required skills the candidate does not hold directly.
- ``location_fit``: 1 for the same location or a remote role and a remote-ok candidate,
  0.5 for the same country, else 0; ``location_missing``: either location unknown.
- ``location_preferred``: the role's place is one the candidate says they would work in;
  ``country_preferred``: the role's country holds such a place (willing to move there).
- ``experience_years`` (``log1p(years) / 4``), ``reliability``, ``attendance``,
  ``engagement``, ``churn_risk``: the candidate's export columns.
- ``lex_required_mentioned``: share of the role's required importance the candidate holds
  or names in their own text (``ctx.mentioned``; NaN when the context has no mentions).
- ``cf_score``, ``cf_cold``: collaborative filtering score and cold-start flag (0 and 1
  without a model).
- ``HISTORY_FEATURES`` (``engine.features.history``): the lexical channel and the pair
  beside the role's past hires and the candidate's past roles (NaN without a history).

No sensitive attribute is a feature, and the context cannot hold one.

Example:
    >>> X = pair_features(ctx, cand_idx, np.full(len(cand_idx), role))  # doctest: +SKIP
    >>> X.shape == (len(cand_idx), len(FEATURE_NAMES))                  # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.features.context import SIGNALS, FeatureContext
from engine.features.history import HISTORY_FEATURES, HireHistory
from engine.kernels.sparse_entries import entries

FEATURE_NAMES: tuple[str, ...] = (
    "text_cosine",
    "text_missing",
    "gnn_cosine",
    "gnn_missing",
    "required_coverage",
    "required_coverage_similar",
    "optional_coverage",
    "optional_coverage_similar",
    "missing_required",
    "location_fit",
    "location_missing",
    "location_preferred",
    "country_preferred",
    *SIGNALS,
    "lex_required_mentioned",
    "cf_score",
    "cf_cold",
    *HISTORY_FEATURES,
)
"""Column names of the pair feature matrix, in order."""

CfScorer = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
"""``(cand_idx, role_idx) -> (scores, cold flags)``, e.g. ``CollaborativeFilter.score``."""

_COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}


def _role_skill_entries(ctx: FeatureContext, role_idx: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per role skill of each pair: (pair position, skill, importance, required)."""
    imp = ctx.importance
    count = np.diff(imp.indptr)[role_idx]
    pair = np.repeat(np.arange(role_idx.size), count)
    starts = np.repeat(imp.indptr[role_idx], count)
    offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    entry = starts + offsets
    return pair, imp.indices[entry], imp.data[entry], ctx.importance_required[entry]


def _coverage(pair: np.ndarray, weight: np.ndarray, level: np.ndarray, n: int) -> np.ndarray:
    total = np.bincount(pair, weights=weight, minlength=n)
    got = np.bincount(pair, weights=weight * level, minlength=n)
    return np.divide(got, total, out=np.ones(n), where=total > 0)


def _cosine(
    vectors: dict[str, np.ndarray], cand_idx: np.ndarray, role_idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    if not vectors:
        return np.zeros(cand_idx.size), np.ones(cand_idx.size)
    cos = np.einsum("ij,ij->i", vectors["Candidate"][cand_idx], vectors["Role"][role_idx])
    return cos.astype(np.float64), np.zeros(cand_idx.size)


def location_fit(
    ctx: FeatureContext, cand_idx: np.ndarray, role_idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(fit, missing flag) of many pairs; see the module docstring for the scale."""
    c_loc, r_loc = ctx.candidate_location[cand_idx], ctx.role_location[role_idx]
    c_cty, r_cty = ctx.candidate_country[cand_idx], ctx.role_country[role_idx]
    known = (c_loc >= 0) & (r_loc >= 0)
    fit = np.where(known & (c_loc == r_loc), 1.0, np.where(known & (c_cty == r_cty), 0.5, 0.0))
    remote = (ctx.role_remote[role_idx] > 0) & (ctx.candidate_remote_ok[cand_idx] > 0)
    return np.where(remote, 1.0, fit), (~known).astype(np.float64)


def pair_features(
    ctx: FeatureContext,
    cand_idx: np.ndarray,
    role_idx: np.ndarray,
    *,
    cf: CfScorer | None = None,
    history: HireHistory | None = None,
) -> np.ndarray:
    """Feature matrix of pairs ``(cand_idx[i], role_idx[i])``, columns ``FEATURE_NAMES``.

    Args:
        ctx: the graph context.
        cand_idx: candidate row indices (the context's ``candidates`` id map).
        role_idx: role row indices, same length.
        cf: optional collaborative filtering scorer (``CollaborativeFilter.score`` or a
            function giving out-of-fold scores); without it ``cf_cold`` is 1.
        history: the hire history (``HireHistory``); without it its columns are NaN.

    Returns:
        float64 array of shape (pairs, len(FEATURE_NAMES)).
    """
    cand_idx = np.asarray(cand_idx, dtype=np.int64)
    role_idx = np.asarray(role_idx, dtype=np.int64)
    n = cand_idx.size
    out = np.zeros((n, len(FEATURE_NAMES)))
    col = _COLUMN
    out[:, col["text_cosine"]], out[:, col["text_missing"]] = _cosine(ctx.text, cand_idx, role_idx)
    out[:, col["gnn_cosine"]], out[:, col["gnn_missing"]] = _cosine(ctx.gnn, cand_idx, role_idx)

    pair, skill, importance, required = _role_skill_entries(ctx, role_idx)
    direct = entries(ctx.level, cand_idx[pair], skill)
    similar = entries(ctx.effective_level, cand_idx[pair], skill)
    for group, mask in (("required", required), ("optional", ~required)):
        p, w = pair[mask], importance[mask]
        out[:, col[f"{group}_coverage"]] = _coverage(p, w, direct[mask], n)
        out[:, col[f"{group}_coverage_similar"]] = _coverage(p, w, similar[mask], n)
    if ctx.mentioned is None:
        out[:, col["lex_required_mentioned"]] = np.nan
    else:
        said = entries(ctx.mentioned, cand_idx[pair], skill)
        held = ((direct > 0) | (said > 0)).astype(np.float64)
        out[:, col["lex_required_mentioned"]] = _coverage(
            pair[required], importance[required], held[required], n
        )
    lacking = (required & (direct <= 0)).astype(np.float64)
    out[:, col["missing_required"]] = np.bincount(pair, weights=lacking, minlength=n)

    out[:, col["location_fit"]], out[:, col["location_missing"]] = location_fit(
        ctx, cand_idx, role_idx
    )
    if ctx.preferred_location is not None:
        for name, matrix, where in (
            ("location_preferred", ctx.preferred_location, ctx.role_location),
            ("country_preferred", ctx.preferred_country, ctx.role_country),
        ):
            place = where[role_idx]
            found = entries(matrix, cand_idx, np.maximum(place, 0))
            out[:, col[name]] = np.where(place >= 0, found, 0.0)
    first = col[SIGNALS[0]]
    out[:, first : first + len(SIGNALS)] = ctx.signals[cand_idx]
    if cf is None:
        out[:, col["cf_cold"]] = 1.0
    else:
        out[:, col["cf_score"]], out[:, col["cf_cold"]] = cf(cand_idx, role_idx)
    first = col[HISTORY_FEATURES[0]]
    if history is None:
        out[:, first:] = np.nan
    else:
        out[:, first:] = history.features(cand_idx, role_idx)
    return out
