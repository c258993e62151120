"""The candidate-side score S_u, term by term on a case worked out by hand, and over the
trained tiny store (stated domains read from the graph, applications from the export).

Hand case: two candidates, three roles, two domains. Candidate 0 listed domain 0 and applied to
role 2; candidate 1 listed no domain and applied to nothing. Role texts (unit vectors):
r0 = (1, 0), r1 = (0, 1), r2 = (0.6, 0.8). Role domains: r0 -> 0, r1 -> 1, r2 -> -1 (none).

Terms (skills, location, domain, profile, applications) and S_u with weights 0.3, 0.25, 0.15,
0.15, 0.15:

- (c0, r0): 0.8, 1 (a listed place), 1 (listed domain), 0.5, 0.6 (r0 . r2) ->
  0.24 + 0.25 + 0.15 + 0.075 + 0.09 = 0.805
- (c0, r1): 0.2, 0.5 (same country), 0 (another domain), 0 (negative cosine clipped),
  0.8 (r1 . r2) -> 0.06 + 0.125 + 0 + 0 + 0.12 = 0.305
- (c0, r2): 1.0, 0, 0 (role without domain), 0 (no text vector), 1 (applied) -> 0.45
- (c1, r0): 0.5, 1 (same place), 0.5 (no domain listed), 0.2, 0 (no application) ->
  0.15 + 0.25 + 0.075 + 0.03 + 0 = 0.505
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from engine.features.pair_features import FEATURE_NAMES
from engine.matching.candidate_side import (
    TERMS,
    CandidateSide,
    applied_roles,
    candidate_reasons,
)

COL = {name: i for i, name in enumerate(FEATURE_NAMES)}


def _features(rows: list[dict[str, float]]) -> np.ndarray:
    X = np.zeros((len(rows), len(FEATURE_NAMES)))
    for i, values in enumerate(rows):
        for name, value in values.items():
            X[i, COL[name]] = value
    return X


def _hand_side() -> CandidateSide:
    return CandidateSide(
        role_domain=np.array([0, 1, -1]),
        preferred_domain=sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 0.0]])),
        applied=sp.csr_matrix(np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])),
        role_text=np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32),
    )


def test_terms_and_score_on_a_hand_case() -> None:
    cand, role = np.array([0, 0, 0, 1]), np.array([0, 1, 2, 0])
    X = _features(
        [
            {"required_coverage_similar": 0.8, "location_preferred": 1, "text_cosine": 0.5},
            {"required_coverage_similar": 0.2, "location_fit": 0.5, "text_cosine": -0.3},
            {"required_coverage_similar": 1.0, "text_cosine": 0.9, "text_missing": 1},
            {"required_coverage_similar": 0.5, "location_fit": 1, "text_cosine": 0.2},
        ]
    )
    side = _hand_side()
    expected = np.array(
        [
            [0.8, 1.0, 1.0, 0.5, 0.6],
            [0.2, 0.5, 0.0, 0.0, 0.8],
            [1.0, 0.0, 0.0, 0.0, 1.0],
            [0.5, 1.0, 0.5, 0.2, 0.0],
        ]
    )
    np.testing.assert_allclose(side.terms(cand, role, X), expected, atol=1e-6)
    np.testing.assert_allclose(side.scores(cand, role, X), [0.805, 0.305, 0.45, 0.505], atol=1e-6)
    assert candidate_reasons(expected[0]) == [
        "in a place the candidate wants to work",
        "in a domain the candidate asked for",
    ]
    assert candidate_reasons(expected[2]) == ["like roles the candidate applied to"]


def test_country_preference_counts_half() -> None:
    X = _features([{"country_preferred": 1}])
    assert _hand_side().terms(np.array([1]), np.array([1]), X)[0, TERMS.index("location")] == 0.5


@pytest.fixture(scope="module")
def side(trained_engine) -> tuple[CandidateSide, object]:
    runtime = trained_engine.eng.serving.recommender().runtime
    return CandidateSide.from_runtime(runtime, trained_engine.eng.store), runtime


@pytest.mark.slow
def test_reads_stated_domains_and_applications(trained_engine, side) -> None:
    cs, runtime = side
    ids = runtime.exported.ids
    first = next(
        r
        for r in trained_engine.eng.store.run("export/candidate_domain_preferences")
        if r["preferred_domains"]
    )
    row = ids["Candidate"].index_of(first["id"])
    listed = {ids["Domain"].ids[j] for j in cs.preferred_domain[row].indices}
    assert listed == set(first["preferred_domains"])
    assert cs.applied.nnz > 0 and cs.applied.shape == (len(ids["Candidate"]), len(ids["Role"]))
    assert (cs.role_domain >= 0).all()
    assert applied_roles(runtime).nnz == cs.applied.nnz


@pytest.mark.slow
def test_scores_are_deterministic_and_in_range(side) -> None:
    cs, runtime = side
    cand = np.repeat(np.arange(5), len(runtime.exported.ids["Role"]))
    role = np.tile(np.arange(len(runtime.exported.ids["Role"])), 5)
    X = runtime.features(cand, role)
    a, b = cs.scores(cand, role, X), cs.scores(cand, role, X)
    assert np.array_equal(a, b) and a.min() >= 0.0 and a.max() <= 1.0
    applied = cs.applied.tocoo()
    at = (cand == applied.row[0]) & (role == applied.col[0])
    if at.any():  # a role the candidate applied to scores 1 on the applications term
        assert cs.terms(cand[at], role[at], X[at])[0, TERMS.index("applications")] == 1.0
