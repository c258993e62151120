"""The engine end to end on a small generated dataset: train, recommend both ways, score
ad-hoc profiles, persistence, write-back and the FAISS mirror, the CLI, evaluation.

One scale-0.02 dataset (400 candidates, 60 roles) is generated, imported into a real
embedded store and trained once per module with short budgets; nothing is mocked.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from engine import MatchingEngine, Settings
from engine.cli import app
from engine.evaluation.run import run_evaluation
from engine.matching.recommender import Recommender
from engine.options import TrainOptions
from engine.retrieval.mirror import IndexMirror
from engine.runtime.model import INDEX
from graph_schema.errors import NotTrainedError, SensitiveAccessError, UnknownIdError
from loaders.import_job import ImportOptions
from loaders.writeback import read_embeddings
from synthetic import generate

pytestmark = pytest.mark.slow

FAST = TrainOptions(
    finetune_epochs=5, gnn=True, gnn_epochs=8, history=True, lexical=True, cf=True, progress=False
)
SENSITIVE = re.compile(r"\b(gender|female|male|non-binary|age band|ethnic\w*|nationality)\b")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("engine")
    data = root / "data"
    generate(data, scale=0.02, seed=0)
    settings = Settings(db=str(root / "store"), train=FAST)
    eng = MatchingEngine.open(root / "store", settings=settings)
    eng.import_dataset(data, ImportOptions(progress=False))
    report = eng.train(seed=0)
    yield eng, report, data, root
    eng.close()


def test_train_reports_every_stage_and_writes_embeddings_back(trained) -> None:
    eng, report, _, _ = trained
    assert set(report.seconds) == {"export", "encode", "fold_1", "fold_2", "scorer", "write_back"}
    assert report.nexus["probe"]["attribute"] == "gender"
    for label in ("Candidate", "Role"):
        ids, matrix, versions = read_embeddings(eng.store, label)
        assert len(ids) == eng.stats()["nodes"][label]
        assert set(versions) == {report.version}
        np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)
        mirror = IndexMirror(eng.model_dir / INDEX)
        assert mirror.sync(eng.store, label).count_ == len(ids)
        assert mirror.last_action_ == "loaded"  # in step with the graph


def test_recommend_candidates_is_ranked_scored_and_explained(trained) -> None:
    eng, _, _, _ = trained
    role = eng.store.run("node_ids", label="Role")[0]["id"]
    matches = eng.recommend_candidates(role, k=5)
    assert [m.rank for m in matches] == [1, 2, 3, 4, 5]
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert {m.role_id for m in matches} == {role} and len({m.candidate_id for m in matches}) == 5
    assert all(m.reasons for m in matches)
    assert not SENSITIVE.search(" ".join(r for m in matches for r in m.reasons).lower())


def test_fast_path_ranks_its_pool_as_exact_scoring_does(trained) -> None:
    eng, _, _, _ = trained
    rec = eng.serving.recommender()
    # a pool as wide as the graph: the fast path must give exactly the exact ranking
    wide = Recommender(rec.runtime, rec.indexes, rec.skill_names, pool_faiss=1000)
    roles = [r["id"] for r in eng.store.run("node_ids", label="Role")]
    recall = []
    for role in roles[:20]:
        exact = [m.candidate_id for m in rec.rank("Role", role, 10, exact=True, reasons=False)]
        assert [m.candidate_id for m in wide.rank("Role", role, 10, reasons=False)] == exact
        fast = {m.candidate_id for m in rec.rank("Role", role, 10, reasons=False)}
        recall.append(len(fast & set(exact)) / 10)
    # the default pools (50 FAISS neighbours + 250 by skill) miss little
    assert np.mean(recall) >= 0.9


def test_recommend_roles_and_unknown_ids(trained) -> None:
    eng, _, _, _ = trained
    candidate = eng.store.run("node_ids", label="Candidate")[0]["id"]
    matches = eng.recommend_roles(candidate, k=3)
    assert len(matches) == 3 and {m.candidate_id for m in matches} == {candidate}
    with pytest.raises(UnknownIdError, match="Role id 'nope' is not in the export"):
        eng.recommend_candidates("nope")
    with pytest.raises(UnknownIdError, match="Candidate id 'ghost'"):
        eng.recommend_roles("ghost")


def test_reopened_engine_gives_the_same_recommendations(trained) -> None:
    eng, _, _, root = trained
    role = eng.store.run("node_ids", label="Role")[1]["id"]
    before = eng.recommend_candidates(role, k=5)
    eng.store.close()
    again = MatchingEngine.open(root / "store", settings=eng.settings)
    try:
        assert again.recommend_candidates(role, k=5) == before
    finally:
        again.close()
        eng.store = MatchingEngine.open(root / "store", settings=eng.settings).store
        eng._context = None


def test_adhoc_score_uses_the_trained_cold_start_scorer(trained) -> None:
    eng, _, _, _ = trained
    worker = {"id": "w1", "headline": "Nurse", "skills": [{"skill": "triage", "level": 0.9}]}
    job = {"id": "j1", "title": "ER nurse", "skills": [{"skill": "triage", "importance": 1}]}
    match = eng.score(worker, job)
    assert 0.0 <= match.score <= 1.0 and match.candidate_id == "w1" and match.role_id == "j1"
    assert "worker.location" in match.missing and "job.location" in match.missing


def test_training_reads_sensitive_attributes_only_for_its_fairness_steps(
    trained, monkeypatch
) -> None:
    """The adversary, the proxy screen and the text eraser read them (through the audit
    module); with none of them, training never calls the sensitive store."""
    eng, _, _, root = trained

    def refuse(purpose: str):
        raise SensitiveAccessError("read_sensitive called")

    monkeypatch.setattr(eng.store, "read_sensitive", refuse)
    update = {
        "finetune": False,
        "gnn": True,
        "adversary_weight": 0.0,
        "probe": False,
        "fairness_attributes": (),
    }
    options = FAST.model_copy(update=update)
    from engine.training.pipeline import train_model

    model, _ = train_model(eng.store, options, seed=0, model_dir=root / "no-adv", write_back=False)
    assert model.report.nexus["probe"] is None and model.report.proxy_screen is None
    with pytest.raises(SensitiveAccessError):
        train_model(eng.store, FAST, seed=0, model_dir=root / "adv", write_back=False)


def test_untrained_engine_says_what_to_do(tmp_path: Path) -> None:
    eng = MatchingEngine.open(tmp_path / "empty", settings=Settings(db=str(tmp_path / "empty")))
    with pytest.raises(NotTrainedError, match="talentgraph train"):
        eng.recommend_candidates("r1")
    # ad-hoc scoring still works, from the zero-shot prior
    assert 0 <= eng.score({"skills": ["python"]}, {"skills": ["python"]}).score <= 1
    eng.close()


def test_cli_recommend_prints_reasons(trained) -> None:
    eng, _, _, root = trained
    role = eng.store.run("node_ids", label="Role")[0]["id"]
    eng.store.close()
    try:
        result = CliRunner().invoke(
            app, ["recommend", "--role", role, "-k", "3", "--db", str(root / "store"), "--json"]
        )
        assert result.exit_code == 0, result.output
        assert '"reasons"' in result.output and role in result.output
        missing = CliRunner().invoke(
            app, ["recommend", "--role", "zz", "--db", str(root / "store")]
        )
        assert missing.exit_code == 2 and "Role id 'zz'" in missing.output
    finally:
        eng.store = MatchingEngine.open(root / "store", settings=eng.settings).store
        eng._context = None


def test_evaluation_of_the_engine_on_held_out_truth(trained) -> None:
    eng, _, data, _ = trained
    result = run_evaluation(eng.context, data, seed=0, baselines=False, ablations=False)
    (row,) = result.rows
    assert row.method == "engine (full)"
    assert row.role.queries > 0 and 0 <= row.role.ndcg <= 1
    assert 0 <= row.impact_ratio_top10 <= 1
    assert "| engine (full) |" in result.markdown
    assert set(result.data["engine_selection_rate_top10"]) >= {"female", "male"}
    probe = result.data["embedding_probes"]["engine (full)"]
    assert probe["attribute"] == "gender" and 0 <= probe["probe_accuracy"] <= 1
