"""The fairness-accuracy table of ``talentgraph evaluate --fairness``: each mitigation, measured.

On the held-out pools of the ground truth (as ``run_evaluation``), one row per way of ranking:

- **engine, no mitigation**: the model trained without any fairness step that changes scores
  (retrained in a scratch folder when the served model has one);
- **in-training mitigations**, each retrained: the text eraser (LEACE on the candidates'
  text vectors, ``text_erasure``), the proxy screen's features withheld (``drop_proxies``),
  and both;
- **re-rankers** on the unmitigated engine's scores, per role pool: FA*IR, DetGreedy, DetCons,
  DetRelaxed, DetConstSort (``engine.fairness.rerank``), toward the group mix of the pool over
  the intersection of the fairness attributes (``"female|35-44"``);
- **both**: the text eraser and DetConstSort.

Columns: role->candidate and candidate->role NDCG@10 (re-rankers change only the role side),
the impact ratio of the top-10 shortlists (lowest group's selection rate over the highest's)
for each fairness attribute and for their intersection, and the paired bootstrap interval of
each row's role NDCG@10 minus the unmitigated engine's. Groups with fewer than ``MIN_ROWS``
pool appearances are left out of the ratios (too few to judge; listed in the JSON), as the
audit does with small categories. The groups are read through ``engine.fairness.audit`` and
used by the re-rankers and the measurement only.

Example:
    >>> table = fairness_accuracy(eng, truth, seed=0)       # doctest: +SKIP
    >>> print(table.markdown)                               # doctest: +SKIP
"""

from __future__ import annotations

import base64
import io
import math
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.evaluation.bootstrap import paired_bootstrap
from engine.evaluation.harness import rank_pools
from engine.evaluation.ranking_metrics import RankingReport, evaluate_rankings
from engine.fairness.audit import sensitive_groups
from engine.fairness.metrics import UNKNOWN_GROUP, selection_rate_at_k
from engine.fairness.rerank import METHODS
from engine.matching.recommender import fair_order

Say = Callable[[str], None]
MIN_ROWS = 30
RERANKERS = tuple(m for m in METHODS if m != "none")
TRAINED = {
    "engine + text erasure": {"text_erasure": True},
    "engine + proxies withheld": {"drop_proxies": True},
    "engine + text erasure + proxies withheld": {"text_erasure": True, "drop_proxies": True},
}
BOTH = ("engine + text erasure + det_const_sort", "engine + text erasure", "det_const_sort")
REFERENCE = "engine, no mitigation"


@dataclass(frozen=True)
class FairnessRow:
    method: str
    role: RankingReport
    candidate: RankingReport
    impact_ratio: dict[str, float]
    """attribute (or ``"a x b"``) -> impact ratio@10 over groups with enough rows."""


@dataclass(frozen=True)
class FairnessAccuracy:
    rows: list[FairnessRow]
    markdown: str
    data: dict[str, Any]
    plot_png: bytes


def impact_ratio_top10(rankings: Mapping[str, list[str]], groups: Mapping[str, str]) -> float:
    """Lowest over highest selection rate at 10 among groups with >= ``MIN_ROWS`` rows."""
    metrics = selection_rate_at_k(rankings, 10, sensitive_features=groups)
    rates = [
        v
        for g, v in metrics.by_group.items()
        if metrics.counts[g] >= MIN_ROWS and g != UNKNOWN_GROUP and not math.isnan(v)
    ]
    if not rates or max(rates) == 0:
        return math.nan
    return min(rates) / max(rates)


def reranked(
    rankings: Mapping[str, list[str]],
    scores: Mapping[str, Mapping[str, float]],
    groups: Mapping[str, str],
    method: str,
    k: int = 10,
) -> dict[str, list[str]]:
    """Each role's pool ranking with its top ``k`` re-ranked (the rest by score after it)."""
    out = {}
    for role, ranking in rankings.items():
        values = np.array([scores[role][c] for c in ranking])
        top = [ranking[i] for i in fair_order(method, values, ranking, groups, k)]
        chosen = set(top)
        out[role] = top + [c for c in ranking if c not in chosen]
    return out


def _scored(runtime_scorer: Any, pools: Mapping[str, Mapping[str, int]]):
    """(role rankings, role -> candidate -> score) of one scorer on the role pools."""
    roles, cands = [], []
    for role, pool in pools.items():
        for c in sorted(pool):
            roles.append(role)
            cands.append(c)
    values = np.nan_to_num(np.asarray(runtime_scorer.score_pairs(cands, roles), float), nan=-1.0)
    scores: dict[str, dict[str, float]] = {}
    for r, c, v in zip(roles, cands, values, strict=True):
        scores.setdefault(r, {})[c] = float(v)
    rankings = {r: sorted(s, key=lambda c, s=s: (-s[c], c)) for r, s in scores.items()}
    return rankings, scores


def fairness_accuracy(
    eng: Any,
    truth: Any,
    *,
    seed: int = 0,
    resamples: int = 2000,
    say: Say = lambda _: None,
) -> FairnessAccuracy:
    """Measure every mitigation on ``truth`` (see the module docstring).

    Args:
        eng: an open, trained ``MatchingEngine`` over the dataset's store.
        truth: the held-out ground truth (``engine.evaluation.ground_truth``).
        seed: seed of the retrains and the bootstrap.
        resamples: paired bootstrap resamples.
        say: progress, one line per row.
    """
    from engine.evaluation.run import RuntimeScorer
    from engine.training.pipeline import train_model

    model = eng.model()
    attributes = tuple(model.options.fairness_attributes)
    by_attr = {a: sensitive_groups(eng.store, a) for a in attributes}
    joint = eng.fairness_groups()
    measured = {**by_attr, " x ".join(attributes): joint}
    role_pools, cand_pools = truth.pools("role"), truth.pools("candidate")
    base = model.options.model_copy(
        update={"text_erasure": False, "drop_proxies": False, "progress": False}
    )
    scratch = Path(tempfile.mkdtemp(prefix="tg-fairness-"))
    runtimes: dict[str, Any] = {}

    def runtime_of(name: str, change: Mapping[str, Any]) -> Any:
        options = base.model_copy(update=dict(change))
        if options == model.options.model_copy(update={"progress": False}):
            return eng.recommender().runtime
        _, rt = train_model(
            eng.store,
            options,
            seed=seed,
            model_dir=scratch / name.replace(" ", "-").replace("+", "and"),
            write_back=False,
            cache_dir=model.cache_dir or model.directory,
        )
        return rt

    rows: list[FairnessRow] = []
    scored: dict[str, tuple[dict[str, list[str]], dict[str, dict[str, float]]]] = {}
    cand_reports: dict[str, RankingReport] = {}

    def add(name: str, rankings: Mapping[str, list[str]], candidate: RankingReport) -> None:
        ratios = {a: impact_ratio_top10(rankings, g) for a, g in measured.items()}
        rows.append(FairnessRow(name, evaluate_rankings(rankings, role_pools), candidate, ratios))

    for name, change in [(REFERENCE, {}), *TRAINED.items()]:
        say(name)
        runtimes[name] = runtime_of(name, change)
        scorer = RuntimeScorer(runtimes[name])
        scored[name] = _scored(scorer, role_pools)
        cand_reports[name] = evaluate_rankings(
            rank_pools(scorer, cand_pools, "candidate"), cand_pools
        )
        add(name, scored[name][0], cand_reports[name])
    for method in RERANKERS:
        say(f"engine + {method}")
        rankings, scores = scored[REFERENCE]
        add(
            f"engine + {method}", reranked(rankings, scores, joint, method), cand_reports[REFERENCE]
        )
    name, trained, method = BOTH
    say(name)
    rankings, scores = scored[trained]
    add(name, reranked(rankings, scores, joint, method), cand_reports[trained])

    reference = rows[0]
    intervals = {
        row.method: paired_bootstrap(
            row.role, reference.role, "ndcg@10", resamples=resamples, seed=seed
        )
        for row in rows[1:]
    }
    markdown = _markdown(rows, list(measured), intervals)
    data = {
        "attributes": list(measured),
        "min_rows": MIN_ROWS,
        "rows": [
            {
                "method": r.method,
                "role_ndcg@10": r.role.ndcg,
                "candidate_ndcg@10": r.candidate.ndcg,
                "impact_ratio@10": r.impact_ratio,
                "role_ndcg@10_minus_unmitigated": (
                    None
                    if r.method not in intervals
                    else {
                        "mean": intervals[r.method].mean_difference,
                        "low": intervals[r.method].low,
                        "high": intervals[r.method].high,
                    }
                ),
            }
            for r in rows
        ],
        "proxy_screen": model.report.get("proxy_screen"),
    }
    return FairnessAccuracy(rows, markdown, data, _plot(rows, list(measured)))


def _markdown(rows: list[FairnessRow], attrs: list[str], intervals: Mapping[str, Any]) -> str:
    head = ["method", "R NDCG@10", "minus unmitigated [95 %]", "C NDCG@10"]
    head += [f"impact ratio@10 {a}" for a in attrs]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for r in rows:
        iv = intervals.get(r.method)
        delta = "" if iv is None else f"{iv.mean_difference:+.3f} [{iv.low:+.3f}, {iv.high:+.3f}]"
        cells = [r.method, f"{r.role.ndcg:.3f}", delta, f"{r.candidate.ndcg:.3f}"]
        cells += [f"{r.impact_ratio[a]:.3f}" for a in attrs]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _plot(rows: list[FairnessRow], attrs: list[str]) -> bytes:
    """Role NDCG@10 against the lowest impact ratio of each row (PNG bytes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5), dpi=110)
    for r in rows:
        worst = min(r.impact_ratio[a] for a in attrs)
        ax.scatter(r.role.ndcg, worst, s=36)
        ax.annotate(
            r.method.replace("engine + ", "+ "),
            (r.role.ndcg, worst),
            fontsize=7,
            xytext=(4, 3),
            textcoords="offset points",
        )
    ax.axhline(0.8, color="grey", lw=0.8, ls="--")
    ax.text(ax.get_xlim()[0], 0.805, "0.8 (four-fifths, for information)", fontsize=7, color="grey")
    ax.set_xlabel("role -> candidate NDCG@10 (held-out truth)")
    ax.set_ylabel(f"lowest impact ratio@10 ({', '.join(attrs)})")
    ax.set_title("Mitigations: ranking quality against impact ratio")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def plot_data_uri(png: bytes) -> str:
    """The plot as a ``data:`` URI (for HTML reports)."""
    return "data:image/png;base64," + base64.b64encode(png).decode()
