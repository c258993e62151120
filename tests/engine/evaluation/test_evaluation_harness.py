"""The evaluation harness on a generated dataset: ceiling, floor and a keyword baseline."""

from __future__ import annotations

import math

import pytest

from engine.evaluation.baselines import (
    RandomScorer,
    TfidfScorer,
    TrueFitScorer,
    texts_from_store,
    true_fit_pairs,
)
from engine.evaluation.ground_truth import load_ground_truth
from engine.evaluation.harness import evaluate_method, markdown_table
from loaders.import_job import ImportJob, ImportOptions
from loaders.stores.ladybug import LadybugStore
from synthetic import generate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("eval")
    generate(root / "data", scale=0.05, seed=0, progress=False)
    store = LadybugStore(root / "store")
    ImportJob(store, ImportOptions(progress=False)).run(root / "data")
    truth = load_ground_truth(root / "data")
    groups = {r["id"]: r["gender"] for r in store.read_sensitive("audit")}
    yield store, truth, groups
    store.close()


def test_ceiling_floor_and_keyword_baseline(world) -> None:
    store, truth, groups = world
    ceiling = evaluate_method("true fit", TrueFitScorer(true_fit_pairs(truth.fit)), truth, groups)
    floor = evaluate_method("random", RandomScorer(seed=0), truth, groups)
    tfidf = evaluate_method("TF-IDF", TfidfScorer().fit(*texts_from_store(store)), truth, groups)
    assert ceiling.role.ndcg == pytest.approx(1.0) and ceiling.candidate.mrr == pytest.approx(1.0)
    assert floor.role.ndcg < tfidf.role.ndcg < ceiling.role.ndcg
    assert 0.0 < tfidf.impact_ratio_top10 <= 1.0 and not math.isnan(floor.impact_ratio_top10)
    table = markdown_table([ceiling, tfidf, floor])
    assert table.splitlines()[2].startswith("| true fit | 1.000")
    again = evaluate_method("random", RandomScorer(seed=0), truth, groups)
    assert again == floor  # deterministic for a seed
