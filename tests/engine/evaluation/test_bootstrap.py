"""Paired bootstrap over queries (engine/evaluation/bootstrap.py) and its table in evaluate."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.evaluation.bootstrap import PairedInterval, intervals_table, paired_bootstrap
from engine.evaluation.harness import EvaluationRow
from engine.evaluation.ranking_metrics import evaluate_rankings
from engine.evaluation.run import INTERVAL_COLUMNS, REFERENCE, _interval_dict, _intervals
from graph_schema.errors import ConfigError


def _per_query(values: list[float], metric: str = "top@3") -> dict[str, dict[str, float]]:
    return {f"q{i:02d}": {metric: v} for i, v in enumerate(values)}


def test_identical_reports_give_zero_interval() -> None:
    a = _per_query([1.0, 0.0, 0.5, 1.0, 0.0])
    iv = paired_bootstrap(a, dict(a), "top@3", resamples=500, seed=1)
    assert (iv.mean_difference, iv.low, iv.high, iv.excludes_zero) == (0.0, 0.0, 0.0, False)


def test_better_on_every_query_excludes_zero() -> None:
    rng = np.random.default_rng(0)
    b = rng.uniform(0, 0.5, 40)
    a = b + rng.uniform(0.05, 0.3, 40)  # A above B on every query
    iv = paired_bootstrap(_per_query(list(a)), _per_query(list(b)), "top@3", seed=0)
    assert iv.excludes_zero and 0.05 <= iv.low < iv.mean_difference < iv.high <= 0.3
    flipped = paired_bootstrap(_per_query(list(b)), _per_query(list(a)), "top@3", seed=0)
    assert flipped.excludes_zero and flipped.high < 0
    assert flipped.mean_difference == pytest.approx(-iv.mean_difference)


def test_hand_checked_mean_difference_and_pairing() -> None:
    # differences 1, 0, 0.25, -0.25: mean 0.25. Unpaired, the two means also differ by
    # 0.25, but pairing is what keeps the interval inside the range of the differences.
    a = _per_query([1.0, 0.5, 0.25, 0.0])
    b = _per_query([0.0, 0.5, 0.0, 0.25])
    iv = paired_bootstrap(a, b, "top@3", resamples=3000, seed=7)
    assert iv.mean_difference == pytest.approx(0.25) and iv.queries == 4
    assert -0.25 <= iv.low < 0.25 < iv.high <= 1.0 and not iv.excludes_zero
    assert iv == paired_bootstrap(a, b, "top@3", resamples=3000, seed=7)  # seeded


def test_reads_ranking_reports() -> None:
    judged = {"r1": {"c1": 3, "c2": 1}, "r2": {"c3": 2, "c4": 0}}
    good = evaluate_rankings({"r1": ["c1", "c2"], "r2": ["c3", "c4"]}, judged)
    bad = evaluate_rankings({"r1": ["c2", "c1"], "r2": ["c4", "c3"]}, judged)
    iv = paired_bootstrap(good, bad, "rr", resamples=200)
    assert iv.mean_difference == pytest.approx(0.5)  # 1 - 1/2 on both queries


def test_clear_errors() -> None:
    a = _per_query([1.0, 0.0])
    with pytest.raises(ConfigError, match="same queries"):
        paired_bootstrap(a, _per_query([1.0]), "top@3")
    with pytest.raises(ConfigError, match="'ndcg@10' is not in"):
        paired_bootstrap(a, a, "ndcg@10")
    with pytest.raises(ConfigError, match="at least one query"):
        paired_bootstrap({}, {}, "top@3")
    with pytest.raises(ConfigError, match="resamples"):
        paired_bootstrap(a, a, "top@3", resamples=0)


def _row(name: str, hits: list[int]) -> EvaluationRow:
    """A row whose role and candidate queries hit (target first) or miss (target unranked:
    Top-3 and NDCG@10 both 0)."""
    reports = []
    for side in ("r", "c"):
        judged = {f"{side}{i}": {"x": 3, "y": 0, "z": 0, "w": 0} for i in range(len(hits))}
        ranked = {q: (["x", "y", "z", "w"] if h else ["y", "z", "w"]) for q, h in zip(judged, hits)}
        reports.append(evaluate_rankings(ranked, judged))
    return EvaluationRow(name, reports[0], reports[1], 1.0)


def test_evaluate_intervals_table_and_data() -> None:
    rows = [_row(REFERENCE, [1] * 30), _row("BM25", [0] * 30), _row("copy", [1] * 30)]
    intervals = _intervals(rows, 300, 0)
    assert [method for method, _ in intervals] == ["BM25", "copy"]
    bm25, copy = (ivs for _, ivs in intervals)
    assert all(iv.excludes_zero and iv.mean_difference == 1.0 for iv in bm25)
    assert all(not iv.excludes_zero and iv.high == 0.0 for iv in copy)
    headers = [column for _, _, column in INTERVAL_COLUMNS]
    table = intervals_table(REFERENCE, intervals, headers).splitlines()
    assert table[0] == "| engine (full) minus | R Top-3 | R NDCG@10 | C Top-3 | C NDCG@10 |"
    assert table[2] == "| BM25 | " + " | ".join(["+1.000 [+1.000, +1.000] *"] * 4) + " |"
    assert table[3].count("+0.000 [+0.000, +0.000]") == 4 and "*" not in table[3]
    data = json.loads(json.dumps(_interval_dict("BM25", bm25)))
    assert data["versus"] == REFERENCE and data["candidate"]["ndcg@10"]["excludes_zero"]


def test_cell_marks_only_intervals_excluding_zero() -> None:
    wide = PairedInterval("top@3", 10, 0.02, -0.01, 0.05, 0.95, 100, False)
    assert wide.cell() == "+0.020 [-0.010, +0.050]"
    assert intervals_table("e", [("m", [None])], ["R Top-3"]).splitlines()[2] == "| m | n/a |"
