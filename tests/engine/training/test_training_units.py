"""Fast checks of the training and serving parts on the tiny graph: the stacking split,
the cold-start columns, short reasons and the zero-shot WorkerMatcher prior."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.features.labels import interaction_labels
from engine.features.pair_features import FEATURE_NAMES
from engine.features.reasons import feature_reasons
from engine.matching.worker_matcher import WorkerMatcher, prior_score
from engine.runtime.match_runtime import as_cold
from engine.training.split import cross_fit_folds, without_pairs
from graph_schema.edge_types import INTERACTED
from loaders.pyg_export import export_graph

SENSITIVE = re.compile(r"\b(gender|female|male|non-binary|age|ethnic\w*|disab\w*|nationality)\b")


@pytest.fixture(scope="module")
def exported(tiny_store_ro):
    return export_graph(tiny_store_ro)


def _pairs(graph) -> set[tuple[int, int]]:
    index = graph.data[INTERACTED].edge_index.numpy()
    return set(zip(index[0].tolist(), index[1].tolist(), strict=True))


def test_cross_fit_folds_hide_each_folds_pairs_from_its_graph(exported) -> None:
    labels = interaction_labels(exported, sampled_negatives=2.0, seed=0)
    fold = cross_fit_folds(labels, folds=2, seed=0)
    labelled = labels.sampled == 0
    for k in (0, 1):
        # positives and sampled negatives are dealt evenly (tiny has one labelled negative)
        positives = (labels.label == 1) & labelled
        assert abs(int((positives & (fold == k)).sum()) - positives.sum() / 2) <= 1
        assert abs(int(((fold == k) & ~labelled).sum()) - (~labelled).sum() / 2) <= 1
        held = (fold == k) & labelled
        pairs = set(zip(labels.cand_idx[held].tolist(), labels.role_idx[held].tolist()))
        graph = without_pairs(exported, labels.cand_idx[held], labels.role_idx[held])
        assert pairs and not pairs & _pairs(graph)
        assert _pairs(graph) | pairs == _pairs(exported)  # the rest stays, the export too
    np.testing.assert_array_equal(fold, cross_fit_folds(labels, folds=2, seed=0))
    assert not np.array_equal(fold, cross_fit_folds(labels, folds=2, seed=1))


def test_as_cold_blanks_graph_and_history_columns_only() -> None:
    X = np.arange(2 * len(FEATURE_NAMES), dtype=float).reshape(2, -1)
    cold = as_cold(X)
    col = {n: i for i, n in enumerate(FEATURE_NAMES)}
    assert cold[:, col["gnn_missing"]].tolist() == [1.0, 1.0]
    assert cold[:, col["cf_cold"]].tolist() == [1.0, 1.0]
    assert cold[:, col["gnn_cosine"]].tolist() == [0.0, 0.0]
    history = [i for n, i in col.items() if n.startswith(("lex_", "hist_"))]
    assert history and np.isnan(cold[:, history]).all()
    keep = [i for n, i in col.items() if not n.startswith(("gnn_", "cf_", "lex_", "hist_"))]
    np.testing.assert_array_equal(cold[:, keep], X[:, keep])


def test_feature_reasons_name_held_and_lacking_skills() -> None:
    row = dict.fromkeys(FEATURE_NAMES, 0.0) | {"location_fit": 0.5, "text_cosine": 0.7}
    out = feature_reasons(row, held=["triage"], lacking=["patient care"], n_required=2)
    assert out == [
        "holds required skill triage (1 of 2)",
        "lacks required patient care",
        "same country",
        "profile text close to the role (similarity 0.70)",
    ]


def test_worker_matcher_prior_by_hand_and_missing_fields() -> None:
    worker = {
        "id": "w",
        "skills": [{"skill": "Triage", "level": 0.8}, "Wound care"],
        "location": "London",
        "signals": {"reliability": 1.0, "attendance": 1.0, "engagement": 1.0, "churn_risk": 0.0},
        "sensitive": {"gender": "female"},
    }
    job = {
        "id": "j",
        "location": "london",
        "skills": [
            {"skill": "triage", "importance": 1.0, "required": True},
            {"skill": "sql", "importance": 1.0, "required": True},
            {"skill": "wound care", "importance": 0.5, "required": False},
        ],
    }
    match = WorkerMatcher(encoder=None).score(worker, job)
    # required 0.8 / 2 = 0.4; optional 0.5 (default level); text unknown 0.5; location 1;
    # signals 1
    expected = 0.45 * 0.4 + 0.15 * 0.5 + 0.20 * 0.5 + 0.10 * 1.0 + 0.10 * 1.0
    assert match.score == pytest.approx(expected)
    assert match.reasons[:2] == ("holds required skill triage (1 of 2)", "lacks required sql")
    assert "worker.skills[1].level" in match.missing and "worker.experience" in match.missing
    assert not SENSITIVE.search(" ".join(match.reasons).lower())


def test_prior_score_is_neutral_on_an_empty_pair() -> None:
    values = WorkerMatcher(encoder=None).features({}, {}).values
    # no skills wanted: coverage 1 (0.45 + 0.15); text, location, signals unknown: 0.5 each
    assert prior_score(values) == pytest.approx(0.6 + 0.5 * 0.4)


def test_a_close_past_hire_is_a_reason_and_no_history_is_none() -> None:
    row = dict.fromkeys(FEATURE_NAMES, 0.0) | {"text_missing": 1.0, "cf_cold": 1.0}
    close = feature_reasons(row | {"hist_text_nearest": 0.91}, held=[], lacking=[], n_required=0)
    assert close == ["profile close to someone this role took before (similarity 0.91)"]
    unknown = row | {"hist_text_nearest": float("nan")}
    assert feature_reasons(unknown, held=[], lacking=[], n_required=0) == []
