"""``talentgraph bench explain``: latency of ``eng.explain`` and the quality of its answers.

On one dataset and one trained store (the store of ``bench recommend``, trained when
missing), in one process, over sampled pairs: a random role and a random candidate of its
top 10 (what a recruiter asks to have explained), after a warm-up, one pair at a time:

1. ``summary`` and ``detailed``: SHAP of the pair *and* its graph paths (what users call);
2. the baselines within: SHAP only (features, TreeSHAP, reasons; no Cypher) and the paths
   only (the ``cypher/explain`` queries);
3. ``comparative`` (against the next candidate in the served list) on a smaller sample, and
   ``counterfactual`` for candidates ranked 21st to 50th of the same roles (it scores every
   candidate of the role: the exact ranking it verifies against);
4. additivity (largest ``|base + sum(shap) + withheld - raw|``, ``raw`` recomputed by the
   tree model), the largest gap between the score shown and ``scorer.predict``, deletion
   fidelity and stability (``engine.explain.quality``).

p50 and p99 in milliseconds, as ``bench recommend`` reports them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.bench.facts import peak_rss_mib, percentiles
from engine.bench.store import trained_bench_store

if TYPE_CHECKING:
    from engine.api import MatchingEngine


def _timed(fn: Any, items: list[Any]) -> tuple[dict[str, float], list[Any]]:
    seconds, out = [], []
    for item in items:
        began = time.perf_counter()
        out.append(fn(*item))
        seconds.append(time.perf_counter() - began)
    return percentiles(seconds), out


def measure(
    eng: MatchingEngine, pairs: list[tuple[str, str]], slow: int, seed: int
) -> dict[str, Any]:
    """Latencies and quality over ``pairs`` of (candidate id, role id)."""
    from engine.explain.levels import explainer_for
    from engine.explain.quality import fidelity, reference_values, stability

    explainer = explainer_for(eng.context)
    ids = explainer.runtime.exported.ids
    index = [(ids["Candidate"].index_of(c), ids["Role"].index_of(r)) for c, r in pairs]
    for c, r in pairs[:5]:  # warm-up: the SHAP explainer, caches, the store's pages
        explainer.explain(c, r, "detailed")
    out: dict[str, Any] = {"pairs": len(pairs)}
    out["summary"], _ = _timed(lambda c, r: explainer.explain(c, r, "summary"), pairs)
    out["detailed"], detailed = _timed(lambda c, r: explainer.explain(c, r, "detailed"), pairs)
    out["shap_only"], _ = _timed(lambda c, r: explainer.group_reasons(explainer.pair(c, r)), index)
    out["paths_only"], _ = _timed(explainer.paths, index)
    few = pairs[:slow]
    out["comparative"], _ = _timed(lambda c, r: explainer.explain(c, r, "comparative"), few)
    outside = []  # counterfactuals of candidates ranked 21st to 50th: changes are needed
    rng = np.random.default_rng(seed)
    for _, r in few:
        _, order = explainer.ranking(ids["Role"].index_of(r))
        outside.append((ids["Candidate"].ids[int(order[rng.integers(20, 50)])], r))
    out["counterfactual"], found = _timed(
        lambda c, r: explainer.explain(c, r, "counterfactual"), outside
    )
    out["counterfactual_pairs"] = len(few)
    out["counterfactual_reached"] = sum(bool(e.reached) for e in found)
    out["counterfactual_changes"] = [len(e.changes) for e in found]
    X = np.vstack([explainer.runtime.features(np.array([c]), np.array([r])) for c, r in index])
    raw = explainer.runtime.scorer.decision_function(X)  # the tree model, not TreeSHAP's sum
    out["additivity_max_error"] = float(
        max(
            abs(e.base_value + sum(a.shap for a in e.attributions) + e.withheld - model)
            for e, model in zip(detailed, raw, strict=True)
        )
    )
    out["score_max_error"] = float(
        np.abs(np.array([e.score for e in detailed]) - explainer.runtime.scorer.predict(X)).max()
    )
    out["paths_per_pair_mean"] = round(float(np.mean([len(e.paths) for e in detailed])), 1)
    rng = np.random.default_rng(seed)
    n_c, n_r = len(ids["Candidate"]), len(ids["Role"])
    sample = explainer.runtime.features(rng.integers(0, n_c, 2000), rng.integers(0, n_r, 2000))
    out["fidelity"] = fidelity(explainer.runtime.scorer, X, reference_values(sample), seed=seed)
    out["stability"] = stability(explainer, index)
    return out


def bench_explain(
    scale: float, seed: int, workdir: Path, pairs: int = 200, slow: int = 20, train: Any = None
) -> dict[str, Any]:
    """Generate, import and train when missing (the ``bench recommend`` store); then measure.

    Args:
        scale: dataset scale (1 = 20,000 candidates).
        seed: dataset, training and sample seed.
        workdir: where the dataset, the store and the model are kept (shared with
            ``bench recommend``).
        pairs: sampled (candidate, role) pairs.
        slow: pairs of them explained at the comparative and counterfactual levels.
        train: ``TrainOptions`` for the training run when the store has no model.
    """
    with trained_bench_store(scale, seed, workdir, train) as (eng, facts):
        began = time.perf_counter()
        rec = eng.serving.recommender()
        facts["open_seconds"] = round(time.perf_counter() - began, 1)
        ids = rec.runtime.exported.ids
        facts["nodes"] = {label: len(ids[label]) for label in ("Candidate", "Role")}
        rng = np.random.default_rng(seed)
        roles = rng.choice(ids["Role"].ids, size=pairs, replace=len(ids["Role"]) < pairs)
        sampled = []
        for role in roles:
            top = eng.recommend_candidates(str(role), k=10)
            if top:
                sampled.append((top[int(rng.integers(len(top)))].candidate_id, str(role)))
        facts["load_average"] = _load()
        facts["explain"] = measure(eng, sampled, slow, seed)
        facts["load_average_after"] = _load()
        facts["peak_rss_mib"] = peak_rss_mib()
    return facts


def _load() -> list[float]:
    import os

    return [round(x, 2) for x in os.getloadavg()]
