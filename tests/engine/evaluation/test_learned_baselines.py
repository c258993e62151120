"""Learned baselines (engine/evaluation/learned_baselines.py) on the tiny dataset.

Hand-checkable facts from tests/data/tiny/README.md used below:

- r3 (Python Developer) requires only python. c6 holds python (0.8) and never interacted
  with r3; c8 (forklift, inventory) and c9 (route_planning, inventory, communication) hold
  no skill of r3, directly or through SIMILAR_TO.
- Labelled interactions: positives c1-r1, c3-r1, c2-r5, c4-r2, c5-r3, c7-r4 (each reached a
  positive stage), negative c10-r3 (rejected); c6-r2 (withdrew) and c8-r4 (applied) carry
  no label. Every positive holds all of its role's required skills.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.evaluation.learned_baselines import (
    CfOnlyScorer,
    EmbeddingCosineScorer,
    GcnScorer,
    RandomForestScorer,
    _adjacency,
    _offsets,
    _SymmetricSpmm,
)
from engine.models.cf import CollaborativeFilter, interaction_matrix
from graph_schema.errors import NotTrainedError, UnknownIdError
from loaders.pyg_export import ExportedGraph, export_graph
from loaders.stores.ladybug import LadybugStore

CANDIDATES = [f"c{i}" for i in range(1, 11)]
ROLES = [f"r{i}" for i in range(1, 6)]
ALL_C = [c for c in CANDIDATES for _ in ROLES]  # every (candidate, role) pair
ALL_R = [r for _ in CANDIDATES for r in ROLES]


@pytest.fixture(scope="module")
def exported(tiny_store_ro: LadybugStore) -> ExportedGraph:
    return export_graph(tiny_store_ro)


@pytest.fixture(scope="module")
def forest(exported: ExportedGraph) -> RandomForestScorer:
    return RandomForestScorer(seed=0, n_estimators=50, n_jobs=1).fit(exported)


@pytest.fixture(scope="module")
def gcn(exported: ExportedGraph) -> GcnScorer:
    return GcnScorer(seed=0, epochs=40).fit(exported)


def _vectors(exported: ExportedGraph) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return (
        rng.normal(size=(len(exported.ids["Candidate"]), 4)),
        rng.normal(size=(len(exported.ids["Role"]), 4)),
    )


def test_embedding_cosine_matches_hand_computed(exported: ExportedGraph) -> None:
    cand, role = _vectors(exported)
    cand[exported.ids["Candidate"].index_of("c2")] = [1.0, 2.0, 2.0, 0.0]  # norm 3
    role[exported.ids["Role"].index_of("r4")] = [0.0, 3.0, 0.0, 4.0]  # norm 5
    scorer = EmbeddingCosineScorer(exported.ids["Candidate"], exported.ids["Role"], cand, role)
    scores = scorer.score_pairs(["c2", "c7"], ["r4", "r1"])
    c7 = cand[exported.ids["Candidate"].index_of("c7")]
    r1 = role[exported.ids["Role"].index_of("r1")]
    expected = c7 @ r1 / (np.linalg.norm(c7) * np.linalg.norm(r1))
    np.testing.assert_allclose(scores, [6.0 / 15.0, expected], rtol=1e-6)


def test_cf_only_equals_collaborative_filter(exported: ExportedGraph) -> None:
    scores = CfOnlyScorer().fit(exported, factors=3, seed=0).score_pairs(ALL_C, ALL_R)
    model = CollaborativeFilter(factors=3, seed=0).fit(interaction_matrix(exported))
    cand_idx = np.array([exported.ids["Candidate"].index_of(c) for c in ALL_C])
    role_idx = np.array([exported.ids["Role"].index_of(r) for r in ALL_R])
    np.testing.assert_array_equal(scores, model.score(cand_idx, role_idx)[0])


def test_scores_have_one_finite_value_per_pair(
    exported: ExportedGraph, forest: RandomForestScorer, gcn: GcnScorer
) -> None:
    cand, role = _vectors(exported)
    scorers = [
        EmbeddingCosineScorer(exported.ids["Candidate"], exported.ids["Role"], cand, role),
        CfOnlyScorer().fit(exported, factors=3),
        forest,
        gcn,
    ]
    for scorer in scorers:
        scores = scorer.score_pairs(ALL_C, ALL_R)
        assert scores.shape == (len(ALL_C),) and scores.dtype == np.float64
        assert np.isfinite(scores).all(), type(scorer).__name__
        assert scorer.score_pairs([], []).shape == (0,)


@pytest.mark.parametrize("cls", [CfOnlyScorer, RandomForestScorer, GcnScorer])
def test_unfitted_scorer_raises(cls: type) -> None:
    with pytest.raises(NotTrainedError, match=f"{cls.__name__} is not fitted yet"):
        cls().score_pairs(["c1"], ["r1"])


def test_unknown_id_is_named(forest: RandomForestScorer, gcn: GcnScorer) -> None:
    for scorer in (forest, gcn):
        with pytest.raises(UnknownIdError, match="Candidate id 'c99'"):
            scorer.score_pairs(["c1", "c99"], ["r1", "r1"])
        with pytest.raises(UnknownIdError, match="Role id 'nope'"):
            scorer.score_pairs(["c1", "c2"], ["r1", "nope"])


def test_random_forest_reads_hand_made_features_only(forest: RandomForestScorer) -> None:
    assert forest.feature_names_ == [
        "required_coverage",
        "required_coverage_similar",
        "optional_coverage",
        "optional_coverage_similar",
        "missing_required",
        "location_fit",
        "location_missing",
        "location_preferred",
        "country_preferred",
        "reliability",
        "attendance",
        "engagement",
        "churn_risk",
        "experience_years",
    ]
    assert not any(n.startswith(("text_", "gnn_", "cf_")) for n in forest.feature_names_)
    assert forest.model_.n_features_in_ == len(forest.feature_names_)
    # 6 positives + 1 rejection labelled, 2 sampled negatives per positive
    assert forest.n_pairs_ == 7 + 12


def test_random_forest_prefers_a_candidate_holding_the_required_skills(
    forest: RandomForestScorer,
) -> None:
    c6, c8, c9 = forest.score_pairs(["c6", "c8", "c9"], ["r3", "r3", "r3"])
    assert c6 > c8 and c6 > c9


def test_random_forest_is_seeded(exported: ExportedGraph, forest: RandomForestScorer) -> None:
    again = RandomForestScorer(seed=0, n_estimators=50, n_jobs=1).fit(exported)
    np.testing.assert_array_equal(again.score_pairs(ALL_C, ALL_R), forest.score_pairs(ALL_C, ALL_R))


def test_gcn_is_seeded(exported: ExportedGraph, gcn: GcnScorer) -> None:
    scores = gcn.score_pairs(ALL_C, ALL_R)
    again = GcnScorer(seed=0, epochs=40).fit(exported).score_pairs(ALL_C, ALL_R)
    other = GcnScorer(seed=1, epochs=40).fit(exported).score_pairs(ALL_C, ALL_R)
    np.testing.assert_array_equal(again, scores)
    assert not np.allclose(other, scores)
    assert np.all(np.abs(scores) <= 1.0 + 1e-6)  # a cosine


def test_gcn_trains_on_nexus_supervision(gcn: GcnScorer) -> None:
    assert len(gcn.history_) == 40
    assert gcn.history_[-1]["loss"] < gcn.history_[0]["loss"]
    assert 0 <= gcn.best_epoch_ < 40
    assert set(gcn.embeddings_) == {"Candidate", "Role"}


def test_gcn_adjacency_is_symmetric_and_its_gradient_exact(exported: ExportedGraph) -> None:
    data = exported.data
    n = sum(int(data[t].num_nodes) for t in data.node_types)
    edges = {et: data[et].edge_index for et in data.edge_types}
    adj = _adjacency(edges, _offsets(exported), n)
    dense = adj.to_dense()
    torch.testing.assert_close(dense, dense.T)
    assert torch.all(dense.diagonal() > 0)  # self-loops
    x = torch.randn(n, 3, generator=torch.Generator().manual_seed(0), requires_grad=True)
    weights = torch.randn(n, 3, generator=torch.Generator().manual_seed(1))
    (_SymmetricSpmm.apply(adj, x) * weights).sum().backward()
    fast = x.grad.clone()
    x.grad = None
    ((dense @ x) * weights).sum().backward()
    torch.testing.assert_close(fast, x.grad)
