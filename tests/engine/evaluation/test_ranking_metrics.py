"""Ranking metrics on hand-computed examples, NDCG against a direct formula, ground truth I/O."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from engine.evaluation.ground_truth import load_ground_truth
from engine.evaluation.ranking_metrics import (
    dcg,
    evaluate_rankings,
    ndcg_at_k,
    reciprocal_rank,
    top_k_hit,
)
from graph_schema.errors import ConfigError, InputRowError

LOG2_3, LOG2_5, LOG2_6 = math.log2(3), math.log2(5), math.log2(6)

JUDGEMENTS = {
    "q1": {"a": 3, "b": 2, "c": 0, "d": 1},
    "q2": {"e": 2, "f": 2, "g": 1},
    "q3": {"k": 0, "l": 0},  # no item above 0: skipped
    "q4": {"m": 1},  # judged but never ranked: all metrics 0
}
RANKINGS = {
    "q1": ["b", "a", "x", "d"],  # x is unjudged: grade 0
    "q2": ["g", "h", "i", "j", "f"],
    "q3": ["k"],
    "q9": ["z"],  # not judged: ignored
}


def test_q1_by_hand() -> None:
    graded = JUDGEMENTS["q1"]
    ranking = RANKINGS["q1"]
    # targets = {a} (best grade 3); a is at rank 2
    assert top_k_hit(ranking, graded, 1) == 0.0
    assert top_k_hit(ranking, graded, 3) == 1.0
    assert reciprocal_rank(ranking, graded) == 0.5
    # DCG  = (2^2-1)/log2(2) + (2^3-1)/log2(3) + 0/log2(4) + (2^1-1)/log2(5) = 3 + 7/log2 3 + 1/log2 5
    # IDCG = (2^3-1)/log2(2) + (2^2-1)/log2(3) + (2^1-1)/log2(4) + 0       = 7 + 3/log2 3 + 1/2
    expected = (3 + 7 / LOG2_3 + 1 / LOG2_5) / (7 + 3 / LOG2_3 + 0.5)
    assert ndcg_at_k(ranking, graded, 10) == pytest.approx(expected)  # 7.84718 / 9.39279
    assert expected == pytest.approx(0.835448, abs=1e-6)


def test_q2_ties_for_best_grade() -> None:
    graded = JUDGEMENTS["q2"]
    ranking = RANKINGS["q2"]
    # targets = {e, f} (both grade 2); first target f at rank 5
    assert reciprocal_rank(ranking, graded) == 0.2
    assert [top_k_hit(ranking, graded, k) for k in (1, 3, 10)] == [0.0, 0.0, 1.0]
    # DCG = (2^1-1)/1 + (2^2-1)/log2(6);  IDCG = 3/1 + 3/log2(3) + 1/log2(4)
    expected = (1 + 3 / LOG2_6) / (3 + 3 / LOG2_3 + 0.5)
    assert ndcg_at_k(ranking, graded, 10) == pytest.approx(expected)
    # cut at 3: DCG@3 = 1; IDCG@3 unchanged (three judged items)
    assert ndcg_at_k(ranking, graded, 3) == pytest.approx(1 / (3 + 3 / LOG2_3 + 0.5))


def test_evaluate_rankings_averages_per_query() -> None:
    report = evaluate_rankings(RANKINGS, JUDGEMENTS)
    assert (report.queries, report.skipped) == (3, 1)  # q1, q2, q4 evaluated; q3 skipped
    # top@1: 0, 0, 0 | top@3: 1, 0, 0 | top@10: 1, 1, 0
    assert report.top_k_accuracy == {1: 0.0, 3: pytest.approx(1 / 3), 10: pytest.approx(2 / 3)}
    assert report.mrr == pytest.approx((0.5 + 0.2 + 0.0) / 3)
    q1 = (3 + 7 / LOG2_3 + 1 / LOG2_5) / (7 + 3 / LOG2_3 + 0.5)
    q2 = (1 + 3 / LOG2_6) / (3 + 3 / LOG2_3 + 0.5)
    assert report.ndcg == pytest.approx((q1 + q2 + 0.0) / 3)
    assert set(report.per_query) == {"q1", "q2", "q4"}
    # top-1 accuracy is the share of queries with reciprocal rank 1 (same target definition)
    assert report.top_k_accuracy[1] == np.mean([r["rr"] == 1 for r in report.per_query.values()])


def test_perfect_ranking_scores_one() -> None:
    judgements = {"q": {"a": 1, "b": 3, "c": 2, "d": 0}}
    report = evaluate_rankings({"q": ["b", "c", "a", "d"]}, judgements)
    assert (report.top_k_accuracy[1], report.mrr, report.ndcg) == (1.0, 1.0, 1.0)


def test_nothing_to_evaluate_gives_nan() -> None:
    report = evaluate_rankings({}, {"q": {"a": 0}})
    assert report.queries == 0 and report.skipped == 1
    assert math.isnan(report.mrr) and math.isnan(report.ndcg)


def _ndcg_oracle(grades_ranked: np.ndarray, grades_all: np.ndarray, k: int) -> float:
    discount = 1 / np.log2(np.arange(2, k + 2))
    gains = 2.0 ** grades_ranked[:k] - 1
    ideal = 2.0 ** np.sort(grades_all)[::-1][:k] - 1
    return float((gains * discount[: len(gains)]).sum() / (ideal * discount[: len(ideal)]).sum())


@pytest.mark.parametrize("seed", range(5))
def test_ndcg_against_direct_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    items = [f"i{j}" for j in range(40)]
    grades = rng.integers(0, 4, len(items))
    grades[0] = 3  # at least one relevant item
    judgements = dict(zip(items, grades.tolist()))
    ranking = [items[j] for j in rng.permutation(len(items))[:25]]
    ranked = np.array([judgements[i] for i in ranking])
    for k in (1, 5, 10, 25):
        assert ndcg_at_k(ranking, judgements, k) == pytest.approx(_ndcg_oracle(ranked, grades, k))
    assert dcg([3, 0, 1], 2) == pytest.approx(7.0)  # (2^3-1)/log2 2 + 0/log2 3


def test_bad_input_messages() -> None:
    with pytest.raises(ConfigError) as info:
        evaluate_rankings({"q": ["a", "b", "a"]}, {"q": {"a": 1}})
    assert str(info.value) == "The ranking of query 'q' lists 'a' more than once."
    with pytest.raises(ConfigError) as info:
        ndcg_at_k(["a"], {"a": 1}, 0)
    assert str(info.value) == "The 'k' parameter of ndcg_at_k must be an int >= 1. Got 0 instead."


# ----------------------------------------------------------------- ground truth I/O
ROWS = [
    {"direction": "role", "query": "r1", "candidate": "c1", "role": "r1", "fit": 0.7, "relevance": 3},
    {"direction": "role", "query": "r1", "candidate": "c2", "role": "r1", "fit": 0.2, "relevance": 0},
    {"direction": "candidate", "query": "c1", "candidate": "c1", "role": "r2", "fit": 0.4, "relevance": 1},
]  # fmt: skip


def _write(folder: Path, rows: list[dict[str, object]], manifest: dict | None = None) -> Path:
    evaluation = folder / "_evaluation"
    evaluation.mkdir(parents=True)
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    (evaluation / "ground_truth.jsonl").write_text(text)
    if manifest is not None:
        (evaluation / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_load_ground_truth(tmp_path: Path) -> None:
    manifest = {"biased_group": {"attribute": "gender", "value": "female"}, "seed": 0}
    truth = load_ground_truth(_write(tmp_path, ROWS, manifest))
    assert truth.pools("role") == {"r1": {"c1": 3, "c2": 0}}
    assert truth.pools("candidate") == {"c1": {"r2": 1}}
    assert truth.fit["role"]["r1"] == {"c1": 0.7, "c2": 0.2}
    assert truth.biased_group == ("gender", "female")
    assert truth.manifest["seed"] == 0


def test_load_ground_truth_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ground_truth.jsonl not found"):
        load_ground_truth(tmp_path / "nothing")
    bad = dict(ROWS[0], relevance=5)
    with pytest.raises(InputRowError) as info:
        load_ground_truth(_write(tmp_path / "a", [ROWS[0], bad]))
    assert str(info.value) == (
        "ground_truth.jsonl line 2: relevance: Input should be less than or equal to 3"
    )
    wrong_query = dict(ROWS[0], query="r9")
    with pytest.raises(InputRowError, match="line 1: -: .*query 'r9' must equal the row's role"):
        load_ground_truth(_write(tmp_path / "b", [wrong_query]))
    with pytest.raises(InputRowError, match="line 2: -: pair \\('r1', 'c1'\\) of direction"):
        load_ground_truth(_write(tmp_path / "c", [ROWS[0], ROWS[0]]))
    assert load_ground_truth(_write(tmp_path / "d", ROWS[:1])).biased_group is None


@pytest.mark.slow
def test_generated_ground_truth_ranked_by_fit_is_perfect(tmp_path: Path) -> None:
    from synthetic import generate

    generate(tmp_path, scale=0.01, seed=0, progress=False)
    truth = load_ground_truth(tmp_path)
    assert truth.biased_group == ("gender", "female")
    for direction in ("role", "candidate"):
        pools = truth.pools(direction)
        assert pools
        rankings = {q: sorted(pool, key=lambda i, q=q: -truth.fit[direction][q][i]) for q, pool in pools.items()}  # fmt: skip
        report = evaluate_rankings(rankings, pools)
        # relevance is monotone in fit, so ranking by fit is an ideal ranking
        assert report.ndcg == pytest.approx(1.0) and report.mrr == 1.0
