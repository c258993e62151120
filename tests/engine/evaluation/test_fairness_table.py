"""The fairness-accuracy table: impact ratio over groups with enough rows, re-ranked pools,
and the whole table on the trained session store (every mitigation row, intervals, plot)."""

from __future__ import annotations

import math

import pytest

from engine.evaluation.fairness_table import (
    MIN_ROWS,
    REFERENCE,
    RERANKERS,
    TRAINED,
    fairness_accuracy,
    impact_ratio_top10,
    reranked,
)
from engine.evaluation.ground_truth import load_ground_truth


def test_impact_ratio_top10_by_hand_and_small_groups_left_out() -> None:
    # 10 roles, each pool: 10 "f" then 10 "m" candidates, best first -> f always selected
    pools = {
        f"r{i}": [f"f{j}" for j in range(10)] + [f"m{j}" for j in range(10)] for i in range(10)
    }
    groups = {f"f{j}": "f" for j in range(10)} | {f"m{j}": "m" for j in range(10)}
    assert impact_ratio_top10(pools, groups) == 0.0
    # half and half in every top 10: ratio 1
    mixed = {
        r: [x for pair in zip(p[:10], p[10:], strict=True) for x in pair] for r, p in pools.items()
    }
    assert impact_ratio_top10(mixed, groups) == pytest.approx(1.0)
    # a group with 10 appearances (< MIN_ROWS), never selected, is not in the ratio (else 0)
    tiny = dict(groups, z="x")
    small = {r: [*p, "z"] for r, p in mixed.items()}
    assert MIN_ROWS > 10 and impact_ratio_top10(small, tiny) == pytest.approx(1.0)


def test_reranked_changes_only_the_top_k_and_keeps_everyone() -> None:
    ranking = [f"c{i}" for i in range(12)]
    groups = {c: ("a" if i < 8 else "b") for i, c in enumerate(ranking)}
    scores = {"r": {c: 1.0 - i / 100 for i, c in enumerate(ranking)}}
    out = reranked({"r": ranking}, scores, groups, "det_const_sort", k=4)["r"]
    assert sorted(out) == sorted(ranking)
    assert sum(groups[c] == "b" for c in out[:4]) >= 1  # pool share of b is 1/3: floor(4/3) = 1
    assert [c for c in out[4:]] == [c for c in ranking if c not in out[:4]]


@pytest.mark.slow
def test_the_table_on_a_trained_store(trained_engine) -> None:
    truth = load_ground_truth(trained_engine.data)
    table = fairness_accuracy(trained_engine.eng.context, truth, seed=0, resamples=100)
    names = [row.method for row in table.rows]
    assert names[0] == REFERENCE
    assert set(TRAINED) <= set(names)
    assert any(n.startswith("default: ") for n in names)
    assert {f"engine + {m}" for m in RERANKERS} <= set(names)
    for row in table.rows:
        assert 0.0 <= row.role.ndcg <= 1.0
        for value in row.impact_ratio.values():
            assert math.isnan(value) or 0.0 <= value <= 1.0
    # re-rankers leave the candidate side alone
    reference = table.rows[0]
    for row in table.rows:
        if row.method.startswith("engine + ") and row.method[9:] in RERANKERS:
            assert row.candidate.ndcg == reference.candidate.ndcg
    assert table.plot_png.startswith(b"\x89PNG")
    assert "impact ratio@10 gender x age_band" in table.markdown
    assert len(table.data["rows"]) == len(table.rows)
