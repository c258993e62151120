"""``run_evaluation``: the trained engine, its ablations and the baselines on held-out truth.

Everything is ranked on the generator's held-out pools (``_evaluation/ground_truth.jsonl``,
pairs that never appear in the imported history) in the same run, with the same seed:

- **engine**: the model trained for this store (``talentgraph train``);
- **ablations**, retrained in a scratch directory without touching the graph: each
  component of ``COMPONENTS`` flipped from what the model was trained with ("engine
  without NexusGNN" when it has it, "engine with NexusGNN" when it does not): NexusGNN, the
  text adapter, the adversary, the hire-history features, the lexical channel, CF, and the
  hard and weak negatives. A component stays in the default pipeline only if its ablation
  loses measurably (the paired interval excludes 0) on at least one world;
- **baselines**: random, keyword TF-IDF, zero-shot embedding cosine (MiniLM), collaborative
  filtering alone, a random forest on hand-made features, a homogeneous GCN, and the text
  baselines of ``text_baselines`` (TF-IDF + logistic regression per role and pairwise, BM25,
  skill Jaccard with aliases).

Then the full engine is compared with every other method by a paired bootstrap over queries
(``bootstrap``): Top-3 and NDCG@10 in both directions, ``data["intervals"]`` and a second
markdown table.

The impact ratio of the top-10 shortlists is computed on the role pools across the groups of
the audited attribute (read through the audit-only path; no method reads it).

Example:
    >>> result = run_evaluation(ctx, "data/s1", seed=0)     # doctest: +SKIP
    >>> print(result.markdown)                               # doctest: +SKIP
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.context import EngineContext
from engine.evaluation.baselines import RandomScorer, TfidfScorer, texts_from_store
from engine.evaluation.bootstrap import PairedInterval, intervals_table, paired_bootstrap
from engine.evaluation.ground_truth import load_ground_truth
from engine.evaluation.harness import (
    EvaluationRow,
    PairScorer,
    evaluate_method,
    markdown_table,
    rank_pools,
)
from engine.evaluation.learned_baselines import (
    CfOnlyScorer,
    EmbeddingCosineScorer,
    GcnScorer,
    IndexedScorer,
    RandomForestScorer,
)
from engine.evaluation.text_baselines import (
    Bm25Scorer,
    SkillJaccardScorer,
    TfidfLogRegPairwise,
    TfidfLogRegPerRole,
    free_texts,
    skill_phrases,
)
from engine.fairness.metrics import selection_rate_at_k
from engine.features.preferences import read_preferred_locations
from engine.models.corpus import graph_texts
from engine.runtime.match_runtime import MatchRuntime
from engine.training.pipeline import audit_groups, train_model
from graph_schema.params import out_of_range
from loaders.pyg_export import export_graph

Say = Callable[[str], None]
COMPONENTS: dict[str, tuple[Callable[[Any], bool], dict[str, Any], dict[str, Any]]] = {
    # name: (whether the options have it, options without it, options with it)
    "NexusGNN": (lambda o: o.gnn, {"gnn": False}, {"gnn": True}),
    "fine-tuning": (lambda o: o.finetune, {"finetune": False}, {"finetune": True}),
    "adversary": (
        lambda o: o.adversary_weight > 0,
        {"adversary_weight": 0.0},
        {"adversary_weight": 1.0},
    ),
    "hire history": (lambda o: o.history, {"history": False}, {"history": True}),
    "lexical channel": (lambda o: o.lexical, {"lexical": False}, {"lexical": True}),
    "CF": (lambda o: o.cf, {"cf": False}, {"cf": True}),
    "hard and weak negatives": (
        lambda o: o.hard_negatives > 0 or o.weak_negatives,
        {"hard_negatives": 0.0, "weak_negatives": False},
        {"hard_negatives": 1.0, "weak_negatives": True},
    ),
}


def ablations_of(options: Any) -> dict[str, dict[str, Any]]:
    """``{row name: option changes}``: every component flipped from ``options`` (the
    adversary only when NexusGNN is trained, since it acts on NexusGNN's embeddings)."""
    out: dict[str, dict[str, Any]] = {}
    for name, (has, without, with_it) in COMPONENTS.items():
        if name == "adversary" and not options.gnn:
            continue
        if has(options):
            out[f"engine without {name}"] = without
        else:
            out[f"engine with {name}"] = with_it
    return out


REFERENCE = "engine (full)"
INTERVAL_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("role", "top@3", "R Top-3"),
    ("role", "ndcg@10", "R NDCG@10"),
    ("candidate", "top@3", "C Top-3"),
    ("candidate", "ndcg@10", "C NDCG@10"),
)
"""(direction, per-query metric, column) of the bootstrap table."""


class RuntimeScorer(IndexedScorer):
    """A trained runtime as a ``PairScorer`` (calibrated merit score of each pair)."""

    def __init__(self, runtime: MatchRuntime) -> None:
        self.runtime = runtime
        self._bind(runtime.exported.ids["Candidate"], runtime.exported.ids["Role"])

    def _score_idx(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        return self.runtime.score_pairs(cand_idx, role_idx)[0]


@dataclass(frozen=True)
class EvaluationResult:
    """Rows (engine first), the markdown table and a JSON-ready dict."""

    rows: list[EvaluationRow]
    markdown: str
    data: dict[str, Any]


def _row_dict(row: EvaluationRow, seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {"method": row.method, "impact_ratio_top10": row.impact_ratio_top10}
    for side in ("role", "candidate"):
        rep = asdict(getattr(row, side))
        rep.pop("per_query")
        out[side] = rep
    out["seconds"] = round(seconds, 2)
    return out


def run_evaluation(
    ctx: EngineContext,
    dataset_dir: str | Path,
    *,
    seed: int = 0,
    baselines: bool = True,
    ablations: bool = True,
    bootstrap: int = 2000,
    say: Say = lambda _: None,
) -> EvaluationResult:
    """Evaluate the trained engine of ``ctx`` and everything it is compared with.

    Args:
        ctx: the context of an engine whose store holds the dataset, trained.
        dataset_dir: the generated dataset (its ``_evaluation/`` folder is read).
        seed: seed of every baseline and ablation.
        baselines: include the baselines.
        ablations: include the ablations (each retrains part of the engine).
        bootstrap: resamples of the paired bootstrap of the engine against every other
            method (0: no intervals).
        say: progress, one line per method.

    Raises:
        NotTrainedError: the engine is not trained.
        ConfigError: the dataset has no ground truth, or ``bootstrap`` is not an int >= 0.
    """
    if not isinstance(bootstrap, int) or isinstance(bootstrap, bool) or bootstrap < 0:
        raise out_of_range("bootstrap", "an int >= 0", bootstrap)
    truth = load_ground_truth(dataset_dir)
    model = ctx.serving.model()
    attribute = model.options.audit_attribute
    groups = audit_groups(ctx.store, attribute)
    results: list[tuple[EvaluationRow, float]] = []
    probes: dict[str, Any] = {"engine (full)": (model.report.nexus or {}).get("probe")}

    def measure(name: str, make: Callable[[], PairScorer]) -> None:
        say(name)
        began = time.perf_counter()
        scorer = make()
        row = evaluate_method(name, scorer, truth, groups)
        results.append((row, time.perf_counter() - began))

    runtime = ctx.serving.recommender().runtime
    measure("engine (full)", lambda: RuntimeScorer(runtime))
    if ablations:
        scratch = Path(tempfile.mkdtemp(prefix="tg-ablation-"))
        for name, change in ablations_of(model.options).items():
            options = model.options.model_copy(update={**change, "progress": False})

            def make(options: Any = options, name: str = name) -> PairScorer:
                ablation, rt = train_model(
                    ctx.store,
                    options,
                    seed=seed,
                    model_dir=scratch / name.replace(" ", "-"),
                    write_back=False,
                    cache_dir=model.cache_dir or model.directory,
                )
                probes[name] = (ablation.report.nexus or {}).get("probe")
                return RuntimeScorer(rt)

            measure(name, make)
    if baselines:
        plain = export_graph(ctx.store)
        ids_c, ids_r = plain.ids["Candidate"], plain.ids["Role"]
        measure("random", lambda: RandomScorer(seed=seed))
        measure("keyword TF-IDF", lambda: TfidfScorer().fit(*texts_from_store(ctx.store)))

        def zero_shot() -> PairScorer:
            texts = graph_texts(ctx.store, plain)
            encoder = model.encoder()  # the frozen base encoder: the adapter is separate
            vectors = [encoder.encode(texts[label]) for label in ("Candidate", "Role")]
            return EmbeddingCosineScorer(ids_c, ids_r, *vectors)

        measure("zero-shot embedding (MiniLM)", zero_shot)
        measure("collaborative filtering", lambda: CfOnlyScorer().fit(plain, seed=seed))
        measure(
            "random forest, hand-made features",
            lambda: RandomForestScorer(seed=seed).fit(
                plain,
                similarity_decay=model.options.similarity_decay,
                preferred=read_preferred_locations(ctx.store, plain),
            ),
        )
        measure("homogeneous GCN", lambda: GcnScorer(seed=seed).fit(plain))
        texts = graph_texts(ctx.store, plain)
        cand_texts, role_texts = texts["Candidate"], texts["Role"]
        measure(
            "TF-IDF + logistic regression (per role)",
            lambda: TfidfLogRegPerRole(seed=seed).fit(plain, cand_texts, role_texts),
        )
        measure(
            "TF-IDF + logistic regression (pairwise)",
            lambda: TfidfLogRegPairwise(seed=seed).fit(plain, cand_texts, role_texts),
        )
        measure("BM25", lambda: Bm25Scorer().fit(plain, cand_texts, role_texts))
        measure(
            "skill Jaccard with aliases",
            lambda: SkillJaccardScorer().fit(
                plain, free_texts(ctx.store, plain)[0], skill_phrases(ctx.store)
            ),
        )
    rows = [row for row, _ in results]
    data = {
        "dataset": str(dataset_dir),
        "seed": seed,
        "model_version": model.version,
        "audited_attribute": attribute,
        "generator": {
            k: truth.manifest.get(k) for k in ("bias", "biased_group", "shortlist_impact_ratio")
        },
        "queries": {"role": len(truth.pools("role")), "candidate": len(truth.pools("candidate"))},
        "methods": [_row_dict(row, s) for row, s in results],
        "embedding_probes": probes,
        "engine_selection_rate_top10": _rates(runtime, truth, groups),
    }
    intervals = _intervals(rows, bootstrap, seed) if bootstrap else []
    data["intervals"] = [_interval_dict(method, ivs) for method, ivs in intervals]
    markdown = markdown_table(rows)
    if intervals:
        headers = [column for _, _, column in INTERVAL_COLUMNS]
        markdown += "\n\n" + intervals_table(REFERENCE, intervals, headers)
    return EvaluationResult(rows=rows, markdown=markdown, data=data)


def _intervals(
    rows: list[EvaluationRow], resamples: int, seed: int
) -> list[tuple[str, list[PairedInterval | None]]]:
    """The full engine minus every other row, per ``INTERVAL_COLUMNS`` (None: no query)."""
    reference = next(row for row in rows if row.method == REFERENCE)
    out = []
    for row in rows:
        if row is reference:
            continue
        cells: list[PairedInterval | None] = []
        for direction, metric, _ in INTERVAL_COLUMNS:
            mine, theirs = getattr(reference, direction), getattr(row, direction)
            cells.append(
                paired_bootstrap(mine, theirs, metric, resamples=resamples, seed=seed)
                if mine.per_query
                else None
            )
        out.append((row.method, cells))
    return out


def _interval_dict(method: str, intervals: list[PairedInterval | None]) -> dict[str, Any]:
    """``{"method", "versus", "role": {"top@3": {...}, ...}, "candidate": {...}}``."""
    out: dict[str, Any] = {"method": method, "versus": REFERENCE, "role": {}, "candidate": {}}
    for (direction, metric, _), iv in zip(INTERVAL_COLUMNS, intervals, strict=True):
        out[direction][metric] = asdict(iv) if iv is not None else None
    return out


def _rates(runtime: MatchRuntime, truth: Any, groups: dict[str, str]) -> dict[str, float]:
    """Selection rate at 10 per group of the full engine on the role pools."""
    rankings = rank_pools(RuntimeScorer(runtime), truth.pools("role"), "role")
    metrics = selection_rate_at_k(rankings, 10, sensitive_features=groups)
    return {str(g): float(v) for g, v in metrics.by_group.items()}
