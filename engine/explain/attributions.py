"""Exact TreeSHAP attributions of the merit scorer, grouped the way a recruiter reads them.

What is explained is the tree model's **raw log-odds** (``MeritScorer.decision_function``),
with shap's default tree-path-dependent ``TreeExplainer``: on scikit-learn's
``HistGradientBoostingClassifier`` it is exact there (``base_value + sum(shap) == raw`` to
about 1e-14). The calibrated score is a monotone function of that number (Platt:
``1 / (1 + exp(-(a * raw + b)))``) and is shown beside it, never attributed: shap's exact
tree-path-dependent algorithm supports only the raw output; ``model_output="probability"``
needs the interventional mode, whose answer depends on a background sample and which
explains the trees' own sigmoid, not the calibrated score (it was additive when checked here
with shap 0.51, 7e-9, though the issue reported errors of 0.4-0.9 log-odds: see
docs/explanations.md); and a ``CalibratedClassifierCV`` is refused by it.

Features are grouped (``GROUPS``) into what a recruiter recognises: required skills,
location, reliability, ... A group's attribution is the sum of its features' (still exact).
A group with a feature flagged as a proxy of a sensitive attribute
(``MatchModel.proxy_features``) is *withheld*: it is never a reason, its features are not
listed, and only the sum of their attributions is reported (``Explanation.withheld``), so
additivity stays checkable without naming them.

Example:
    >>> result = attribute(scorer, X[:1])                        # doctest: +SKIP
    >>> result.base + result.shap.sum() - result.raw[0]          # doctest: +SKIP
    1.2e-15
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from engine.features.pair_features import FEATURE_NAMES
from engine.models.scorer import MeritScorer
from graph_schema.errors import TalentGraphError

GROUPS: dict[str, tuple[str, ...]] = {
    "required skills": (
        "required_coverage",
        "required_coverage_similar",
        "missing_required",
        "lex_required_mentioned",
    ),
    "optional skills": ("optional_coverage", "optional_coverage_similar"),
    "location": ("location_fit", "location_missing", "location_preferred", "country_preferred"),
    "profile text": ("text_cosine", "text_missing", "lex_cosine"),
    "graph similarity": ("gnn_cosine", "gnn_missing"),
    "reliability": ("reliability",),
    "attendance": ("attendance",),
    "engagement": ("engagement",),
    "churn risk": ("churn_risk",),
    "experience": ("experience_years",),
    "similar candidates": ("cf_score", "cf_cold"),
    "past hires of the role": (
        "lex_hires",
        "hist_text_centroid",
        "hist_text_nearest",
        "hist_skill_centroid",
        "hist_graph_centroid",
        "hist_peer_text",
        "hist_role_hires",
    ),
    "candidate's past roles": ("hist_past_text", "hist_past_skill", "hist_candidate_roles"),
}
"""Recruiter-level groups of the pair features; every feature is in exactly one."""

GROUP_OF: dict[str, str] = {f: g for g, features in GROUPS.items() for f in features}
NOT_ADDITIVE = (
    "TreeSHAP attributions of the merit scorer do not add up: base {base!r} + sum {total!r} "
    "differs from the raw log-odds {raw!r} by {error:.3g} (tolerance {tol:g})"
)
ADDITIVITY_TOL = 1e-6


def withheld_groups(proxy_features: Iterable[str]) -> frozenset[str]:
    """Groups never shown as reasons: those holding a proxy feature (or an unknown name)."""
    return frozenset(GROUP_OF.get(f, f) for f in proxy_features)


@dataclass(frozen=True)
class Attributed:
    """TreeSHAP of some pairs.

    Attributes:
        X: the feature rows (pairs x ``FEATURE_NAMES``).
        shap: attributions, same shape, raw log-odds.
        base: the expected value (same for every row).
        raw: raw log-odds of each row (``scorer.decision_function``).
        score: calibrated score of each row (``scorer.predict``).
    """

    X: np.ndarray
    shap: np.ndarray
    base: float
    raw: np.ndarray
    score: np.ndarray

    def group_values(self, row: int = 0) -> dict[str, float]:
        """Attribution per group for one row (a sum of exact attributions)."""
        out = dict.fromkeys(GROUPS, 0.0)
        for j, name in enumerate(FEATURE_NAMES):
            out[GROUP_OF[name]] += float(self.shap[row, j])
        return out


def attribute(scorer: MeritScorer, X: np.ndarray, *, check: bool = True) -> Attributed:
    """Exact TreeSHAP attributions of ``X`` on the scorer's raw log-odds.

    Args:
        check: compute the raw log-odds with the tree model itself
            (``scorer.decision_function``) and check additivity. Without it the raw output
            is TreeSHAP's own sum, ``base + sum(shap)``: about 9 ms less per pair (200 trees
            walked again through scikit-learn's per-tree Python loop); the two agree within
            3.5e-14 on every pair ``bench explain`` and ``tests/engine/explain/test_explain.py``
            compare.

    Raises:
        TalentGraphError: with ``check``, base + attributions misses the raw output by more
            than ``ADDITIVITY_TOL`` for some row (a model TreeSHAP does not explain exactly).
    """
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    explainer = scorer.explainer()
    phi = np.asarray(explainer.shap_values(X), dtype=np.float64).reshape(X.shape)
    base = float(np.ravel(explainer.expected_value)[0])
    if not check:
        raw = base + phi.sum(axis=1)
        return Attributed(X=X, shap=phi, base=base, raw=raw, score=calibrated(scorer, raw))
    raw = scorer.decision_function(X)
    error = np.abs(base + phi.sum(axis=1) - raw)
    if error.max(initial=0.0) > ADDITIVITY_TOL:
        i = int(np.argmax(error))
        raise TalentGraphError(
            NOT_ADDITIVE.format(
                base=base,
                total=float(phi[i].sum()),
                raw=float(raw[i]),
                error=float(error[i]),
                tol=ADDITIVITY_TOL,
            )
        )
    return Attributed(X=X, shap=phi, base=base, raw=raw, score=calibrated(scorer, raw))


def calibrated(scorer: MeritScorer, raw: np.ndarray) -> np.ndarray:
    """``scorer.predict`` from raw log-odds already computed (no second pass over the trees,
    no input validation: about 8 ms less per pair). Platt: ``expit(a * raw + b)``, what
    ``LogisticRegression.predict_proba`` computes; isotonic: the calibrator itself."""
    raw = np.asarray(raw, dtype=np.float64)
    if scorer.calibration == "platt":
        a = float(scorer.calibrator_.coef_.ravel()[0])
        b = float(scorer.calibrator_.intercept_.ravel()[0])
        scores = expit(raw * a + b)
    else:
        scores = scorer.calibrator_.predict(raw)
    return np.clip(scores, 0.0, 1.0)


def link_text(scorer: MeritScorer) -> str:
    """How base value, attributions, raw log-odds and the calibrated score relate."""
    exact = "raw_score = base_value + sum(attributions) + withheld (exact TreeSHAP, log-odds)"
    if scorer.calibration == "platt":
        a = float(scorer.calibrator_.coef_.ravel()[0])
        b = float(scorer.calibrator_.intercept_.ravel()[0])
        return f"{exact}; score = 1 / (1 + exp(-({a:.6g} * raw_score + {b:+.6g}))) (Platt)"
    return f"{exact}; score = isotonic(raw_score) (monotone calibration)"
