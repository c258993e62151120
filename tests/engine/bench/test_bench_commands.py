"""``bench recommend``, ``bench explain`` and ``bench serve`` end to end on one tiny benchmark store (they
share it): every figure they report is there and the quality checks they make hold; ``bench
encode`` on a few texts."""

from __future__ import annotations

import pytest

from engine.bench.explain import bench_explain
from engine.bench.recommend import bench_recommend
from engine.bench.serve import bench_serve
from engine.options import TrainOptions

pytestmark = pytest.mark.slow
FAST = TrainOptions(finetune_epochs=2, progress=False)


def test_both_benchmarks_on_one_store(tmp_path) -> None:
    facts = bench_recommend(0.02, 0, tmp_path, queries=10, k=10, train=FAST)
    assert facts["train"]["seconds"] > 0 and facts["nodes"] == {"Candidate": 400, "Role": 60}
    for direction in ("recommend_candidates", "recommend_roles"):
        found = facts[direction]
        assert found["fast"]["p50_ms"] > 0 and found["exact"]["p50_ms"] > 0
        assert found["recall_at_10"] >= 0.9
    assert facts["recommend_candidates"]["served"]["rerank"] == "proportional"
    again = bench_explain(0.02, 0, tmp_path, pairs=10, slow=2, train=FAST)
    assert "train" not in again  # the store and model of the first run are reused
    explain = again["explain"]
    assert explain["summary"]["p50_ms"] > 0
    assert explain["additivity_max_error"] < 1e-6 and explain["score_max_error"] < 1e-6
    assert explain["counterfactual_pairs"] == 2
    served = bench_serve(0.02, 0, tmp_path, requests=40, concurrency=4, k=5)
    assert served["start_seconds"] > 0 and served["server_peak_rss_mib"] > 0
    for phase in ("idle", "during_import"):
        assert served[phase]["requests"] == 20 and served[phase]["errors"] == 0
        assert served[phase]["p50_ms"] > 0
    assert served["import_job_state_after_load"] in ("queued", "running", "done")


def test_bench_encode_times_both_precisions_on_the_same_texts(tmp_path) -> None:
    from engine.bench.encode import bench_encode

    found = bench_encode(texts=24, seed=0, workdir=tmp_path)
    assert found["texts"] == 24 and isinstance(found["native_bf16"], bool)
    assert found["fp32"]["min_cosine_to_fp32"] == pytest.approx(1.0, abs=1e-6)
    assert 0.999 < found["bf16"]["min_cosine_to_fp32"] < 1.0  # close, but not the same model
    assert found["bf16_speedup"] == pytest.approx(
        found["fp32"]["seconds"] / found["bf16"]["seconds"], rel=0.05
    )
