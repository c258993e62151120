"""Re-ranked recommendations on a trained store: the list is the re-ranker's output over the
whole scored pool, every prefix holds each group's minimum, groups come from the audit
module, and a bad method is refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.fairness.rerank import det_const_sort, target_from_pool
from graph_schema.errors import ConfigError

pytestmark = pytest.mark.slow


def _roles(trained_engine, n: int = 5) -> list[str]:
    lines = (trained_engine.data / "roles.jsonl").read_text().splitlines()
    return [json.loads(line)["id"] for line in lines[:n]]


def test_det_const_sort_list_equals_an_independent_rerank_of_the_pool(trained_engine) -> None:
    eng = trained_engine.eng
    groups = eng.serving.fairness_status()[0]
    assert groups and set(groups.values()) >= {"25-34", "35-44"}  # settings: age band
    for role in _roles(trained_engine):
        by_score = eng.recommend_candidates(role, k=1000, rerank="none")
        fair = eng.recommend_candidates(role, k=10, rerank="det_const_sort")
        labels = [groups.get(m.candidate_id, "unknown") for m in by_score]
        scores = np.array([m.score for m in by_score])
        target = target_from_pool(labels)
        expected = det_const_sort(scores, labels, target, 10)
        assert [m.candidate_id for m in fair] == [by_score[i].candidate_id for i in expected]
        assert [m.rank for m in fair] == list(range(1, len(fair) + 1))
        for i in range(1, len(fair) + 1):
            top = [groups.get(m.candidate_id, "unknown") for m in fair[:i]]
            for g, share in target.items():
                assert top.count(g) >= int(np.floor(i * share + 1e-9))


def test_every_method_runs_and_the_default_is_proportional(trained_engine) -> None:
    eng = trained_engine.eng
    role = _roles(trained_engine, 1)[0]
    served = [m.candidate_id for m in eng.recommend_candidates(role, k=10)]
    explicit = eng.recommend_candidates(role, k=10, rerank="proportional")
    assert [m.candidate_id for m in explicit] == served
    plain = eng.recommend_candidates(role, k=10, rerank="none")
    assert [m.score for m in plain] == sorted((m.score for m in plain), reverse=True)
    for method in ("fair", "det_greedy", "det_cons", "det_relaxed", "det_const_sort"):
        out = eng.recommend_candidates(role, k=10, rerank=method)
        assert len(out) == len(plain) and len({m.candidate_id for m in out}) == len(out)
        assert {m.candidate_id for m in out} <= {
            m.candidate_id for m in eng.recommend_candidates(role, k=1000, rerank="none")
        }
    with pytest.raises(ConfigError, match="method"):
        eng.recommend_candidates(role, k=10, rerank="quota")
