"""How good the explanations are: fidelity (deletion) and stability (near-identical profiles).

- **Fidelity**: for each pair, the ``m`` features with the largest absolute attribution are
  "deleted" (set to a reference value: the column's median over a reference sample of pairs,
  NaN, i.e. missing, for a column without any value) and the move of the raw log-odds is
  compared with deleting ``m`` features drawn at random (mean over ``draws`` draws). Faithful
  attributions move the score more: ``ratio = mean top move / mean random move`` > 1.
- **Stability**: each candidate's profile is nudged (the level of one held skill of the role
  by 0.01, else 0.1 more years of experience: ``engine.explain.profile``), re-scored and
  re-explained. Reported: the relative L1 distance of the two attribution vectors, the
  move of the score, and the share of pairs whose three summary reasons (top groups) are the
  same groups in the same order.

Example:
    >>> fidelity(scorer, X, reference_values(X_sample), m=3, seed=0)["ratio"]  # doctest: +SKIP
    4.1
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.explain.attributions import attribute
from engine.explain.profile import ProfileEdit, edited_features
from engine.kernels.sparse_entries import entries
from engine.models.scorer import MeritScorer

if TYPE_CHECKING:
    from engine.explain.levels import Explainer


def reference_values(X: np.ndarray) -> np.ndarray:
    """Per column, the median over the rows that have a value (NaN for a column with none)."""
    X = np.asarray(X, dtype=np.float64)
    out = np.full(X.shape[1], np.nan)
    for j in range(X.shape[1]):
        col = X[:, j][~np.isnan(X[:, j])]
        if col.size:
            out[j] = float(np.median(col))
    return out


def fidelity(
    scorer: MeritScorer,
    X: np.ndarray,
    reference: np.ndarray,
    *,
    m: int = 3,
    draws: int = 20,
    seed: int = 0,
) -> dict[str, Any]:
    """Deletion fidelity over the rows of ``X`` (see the module docstring)."""
    att = attribute(scorer, X)
    n, width = att.X.shape
    rows = np.arange(n)[:, None]
    top = np.argsort(-np.abs(att.shap), axis=1, kind="stable")[:, :m]
    deleted = att.X.copy()
    deleted[rows, top] = reference[top]
    top_move = np.abs(scorer.decision_function(deleted) - att.raw)
    rng = np.random.default_rng(seed)
    random_move = np.zeros(n)
    for _ in range(draws):
        pick = np.argsort(rng.random((n, width)), axis=1)[:, :m]
        deleted = att.X.copy()
        deleted[rows, pick] = reference[pick]
        random_move += np.abs(scorer.decision_function(deleted) - att.raw) / draws
    return {
        "pairs": int(n),
        "deleted_features": m,
        "random_draws": draws,
        "top_move_mean": round(float(top_move.mean()), 4),
        "random_move_mean": round(float(random_move.mean()), 4),
        "ratio": round(float(top_move.mean() / max(random_move.mean(), 1e-12)), 2),
        "top_beats_random_share": round(float((top_move > random_move).mean()), 3),
    }


def nudge(explainer: Explainer, cand: int, role: int) -> ProfileEdit:
    """A near-identical profile: one held skill of the role 0.01 higher (lower at 1.0), else
    0.1 more years of experience."""
    ctx = explainer.runtime.ctx
    lo, hi = ctx.importance.indptr[role], ctx.importance.indptr[role + 1]
    skills = ctx.importance.indices[lo:hi]
    level = entries(ctx.level, np.full(skills.size, cand), skills)
    held = np.flatnonzero(level > 0)
    if held.size == 0:
        return ProfileEdit(years=0.1)
    i = held[0]
    new = level[i] + 0.01 if level[i] <= 0.99 else level[i] - 0.01
    return ProfileEdit(levels={int(skills[i]): float(new)})


def stability(explainer: Explainer, pairs: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """Explanations of nudged profiles against the originals (see the module docstring)."""
    distance, moved, same = [], [], []
    for cand, role in pairs:
        X = edited_features(
            explainer.runtime, cand, role, [ProfileEdit(), nudge(explainer, cand, role)]
        )
        a = explainer.pair(cand, role, X[:1])
        b = explainer.pair(cand, role, X[1:])
        norm = float(np.abs(a.att.shap).sum())
        distance.append(float(np.abs(a.att.shap - b.att.shap).sum()) / max(norm, 1e-12))
        moved.append(abs(float(a.att.score[0] - b.att.score[0])))
        top_a = [g for g, _, _ in explainer.group_reasons(a)[:3]]
        top_b = [g for g, _, _ in explainer.group_reasons(b)[:3]]
        same.append(top_a == top_b)
    return {
        "pairs": len(distance),
        "relative_l1_mean": round(float(np.mean(distance)), 4),
        "relative_l1_max": round(float(np.max(distance)), 4),
        "score_move_mean": round(float(np.mean(moved)), 5),
        "same_summary_share": round(float(np.mean(same)), 3),
    }
