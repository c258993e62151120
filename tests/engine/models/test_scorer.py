"""MeritScorer and CollaborativeFilter (engine/models): contract, exact SHAP, held-out AUC.

Fast tests use a seeded numpy problem; the slow test runs the whole pipeline on a
scale-0.01 generated dataset: labels from the interaction history, a held-out quarter of
the labelled pairs, CF scores out of fold for the training pairs and from a model that never
saw the held-out pairs, then AUC of the calibrated score on the held-out pairs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

from engine.features.context import FeatureContext
from engine.features.labels import interaction_labels
from engine.features.pair_features import FEATURE_NAMES, pair_features
from engine.models.cf import CollaborativeFilter, interaction_matrix, out_of_fold_scores
from engine.models.scorer import MeritScorer
from graph_schema.errors import ConfigError, NotTrainedError
from loaders.import_job import ImportJob, ImportOptions
from loaders.pyg_export import export_graph
from loaders.stores.ladybug import LadybugStore
from synthetic import generate


def _problem(seed: int = 0, n: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, 6))
    X[rng.random(X.shape) < 0.05] = np.nan
    signal = np.nan_to_num(X[:, 0], nan=0.5) + 0.5 * np.nan_to_num(X[:, 1], nan=0.5)
    y = (signal + 0.3 * rng.normal(size=n) > 0.75).astype(int)
    return X, y


def test_not_trained_errors_name_class_and_method() -> None:
    X, _ = _problem()
    with pytest.raises(NotTrainedError, match=r"MeritScorer is not fitted; call MeritScorer\.fit"):
        MeritScorer().predict(X)
    with pytest.raises(NotTrainedError, match=r"before explainer\(\)"):
        MeritScorer().explainer()
    with pytest.raises(NotTrainedError, match=r"CollaborativeFilter\.fit\(interactions\)"):
        CollaborativeFilter().score(np.array([0]), np.array([0]))


def test_init_stores_arguments_and_fit_validates() -> None:
    scorer = MeritScorer(seed=3, calibration="bogus")  # type: ignore[arg-type]
    assert scorer.seed == 3 and scorer.calibration == "bogus" and not hasattr(scorer, "model_")
    X, y = _problem()
    with pytest.raises(ConfigError, match="The 'calibration' parameter of MeritScorer"):
        scorer.fit(X, y)
    with pytest.raises(ConfigError, match=r"both classes 0 and 1; got \[1\]"):
        MeritScorer().fit(X, np.ones(len(y)))
    fitted = MeritScorer().fit(X, y)
    assert fitted.n_features_in_ == 6
    with pytest.raises(ConfigError, match="6 columns"):
        fitted.predict(X[:, :3])


@pytest.mark.parametrize("calibration", ["platt", "isotonic"])
def test_scores_in_unit_interval_and_seeded(calibration: str) -> None:
    X, y = _problem()
    a = MeritScorer(seed=0, calibration=calibration).fit(X, y).predict(X)
    b = MeritScorer(seed=0, calibration=calibration).fit(X, y).predict(X)
    c = MeritScorer(seed=1, calibration=calibration).fit(X, y).predict(X)
    assert a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    X_test, y_test = _problem(seed=9)
    scorer = MeritScorer(seed=0, calibration=calibration).fit(X, y)
    assert roc_auc_score(y_test, scorer.predict(X_test)) > 0.8


def test_shap_values_sum_to_raw_margin() -> None:
    X, y = _problem()
    scorer = MeritScorer(seed=0).fit(X, y)
    explainer = scorer.explainer()
    values = np.asarray(explainer.shap_values(X[:200]))
    base = float(np.ravel(explainer.expected_value)[0])
    np.testing.assert_allclose(
        values.sum(axis=1) + base, scorer.decision_function(X[:200]), atol=1e-8
    )
    platt = scorer.predict(X[:200])
    assert np.all(np.diff(platt[np.argsort(scorer.decision_function(X[:200]))]) >= -1e-12)


def test_cf_cold_start_and_out_of_fold() -> None:
    # two blocks of co-interaction; candidate 4 and role 3 never interacted
    m = sp.csr_matrix(
        np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0.0]])
    )
    cf = CollaborativeFilter(factors=2, seed=0).fit(m)
    scores, cold = cf.score(np.array([0, 4, 0]), np.array([1, 0, 3]))
    assert scores[0] > 0.5 and cold.tolist() == [0.0, 1.0, 1.0] and scores[1:].tolist() == [0, 0]
    again, _ = CollaborativeFilter(factors=2, seed=0).fit(m).score(np.array([0]), np.array([1]))
    assert again[0] == scores[0]
    # pair (2, 2) is role 2's only link from candidate 2: hidden, candidate 2 is cold
    oof, oof_cold = out_of_fold_scores(m, np.array([2]), np.array([2]), folds=2, seed=0)
    assert oof_cold.tolist() == [1.0] and oof.tolist() == [0.0]
    with pytest.raises(ConfigError, match="'factors' parameter"):
        CollaborativeFilter(factors=0).fit(m)


@pytest.mark.slow
def test_pipeline_on_generated_dataset(tmp_path: Path) -> None:
    generate(tmp_path / "data", scale=0.01, seed=0, progress=False)
    with LadybugStore(tmp_path / "store") as store:
        report = ImportJob(store, ImportOptions(progress=False)).run(tmp_path / "data")
        assert report.quarantined == 0
        exported = export_graph(store)
    ctx = FeatureContext.from_export(exported)
    pairs = interaction_labels(exported, sampled_negatives=1.0, seed=0)
    held_out = np.random.default_rng(0).random(len(pairs)) < 0.25
    train, test = pairs.take(~held_out), pairs.take(held_out)
    assert 0 < test.label.sum() < len(test)

    matrix = interaction_matrix(exported)
    hide = sp.csr_matrix((np.ones(len(test)), (test.cand_idx, test.role_idx)), shape=matrix.shape)
    seen = matrix - matrix.multiply(hide > 0)
    oof = out_of_fold_scores(seen, train.cand_idx, train.role_idx, factors=16, seed=0)
    cf = CollaborativeFilter(factors=16, seed=0).fit(seen)
    X_train = pair_features(ctx, train.cand_idx, train.role_idx, cf=lambda c, r: oof)
    X_test = pair_features(ctx, test.cand_idx, test.role_idx, cf=cf.score)

    scorer = MeritScorer(seed=0, feature_names=FEATURE_NAMES).fit(X_train, train.label)
    scores = scorer.predict(X_test)
    assert scores.min() >= 0.0 and scores.max() <= 1.0
    again = MeritScorer(seed=0, feature_names=FEATURE_NAMES).fit(X_train, train.label)
    np.testing.assert_array_equal(again.predict(X_test), scores)
    auc = roc_auc_score(test.label, scores)
    print(f"held-out AUC {auc:.3f} on {len(test)} pairs ({int(test.label.sum())} positive)")
    assert auc > 0.6

    explainer = scorer.explainer()
    values = np.asarray(explainer.shap_values(X_test))
    base = float(np.ravel(explainer.expected_value)[0])
    np.testing.assert_allclose(
        values.sum(axis=1) + base, scorer.decision_function(X_test), atol=1e-8
    )
