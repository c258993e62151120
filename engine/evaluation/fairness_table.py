"""The fairness-accuracy table of ``talentgraph evaluate --fairness``: each mitigation, measured.

On the held-out pools of the ground truth (as ``run_evaluation``), one row per way of ranking:

- **engine, no mitigation**: the model trained without any fairness step that changes scores
  (retrained in a scratch folder when the served model has one);
- **in-training mitigations**, each retrained: the text eraser (LEACE on the candidates'
  text vectors, ``text_erasure``), the proxy screen's features withheld (``drop_proxies``),
  and both;
- **re-rankers** on the unmitigated engine's scores, per role pool: FA*IR, DetGreedy, DetCons,
  DetRelaxed, DetConstSort, proportional (``engine.fairness.rerank``), toward the group mix of
  the pool over the re-ranking groups the engine serves (``Serving.fairness_status``);
- **the default mitigation**: the trained steps (text eraser and proxies withheld) with the
  served re-ranker (``settings.rerank`` by ``settings.rerank_attributes``), when it is on.

Columns: role->candidate and candidate->role NDCG@10 (re-rankers change only the role side),
the impact ratio of the top-10 shortlists (lowest group's selection rate over the highest's)
for each fairness attribute and for their intersection, and the paired bootstrap interval of
each row's role NDCG@10 minus the unmitigated engine's. Groups with fewer than ``MIN_ROWS``
pool appearances, or under 2 % of them, are left out of the ratios, as the audit does with
small categories. The JSON gives each ratio's 95 % percentile bootstrap range over roles,
because a selection rate at 10 of a group with a few hundred pool appearances moves by
10-20 % from sample to sample; the markdown leaves it out, since the bootstrap of a ratio of
the lowest to the highest of several rates is biased low (the point estimate can fall above
its range), so read it as spread, not as a confidence interval. An **oracle** row ranks each pool by its true relevance: the impact ratio a
ranking that knew merit exactly would show on these pools. The groups are read through ``engine.audit`` and
used by the re-rankers and the measurement only.

Example:
    >>> table = fairness_accuracy(ctx, truth, seed=0)       # doctest: +SKIP
    >>> print(table.markdown)                               # doctest: +SKIP
"""

from __future__ import annotations

import io
import math
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.context import EngineContext
from engine.evaluation.bootstrap import paired_bootstrap
from engine.evaluation.harness import rank_pools
from engine.evaluation.ranking_metrics import RankingReport, evaluate_rankings
from engine.fairness.groups import sensitive_groups
from engine.fairness.metrics import UNKNOWN_GROUP, joined
from engine.fairness.rerank import METHODS
from engine.matching.recommender import fair_order

Say = Callable[[str], None]
MIN_ROWS = 30
MIN_SHARE = 0.02  # as the audit (NYC LL144): smaller categories are listed, not rated
RERANKERS = tuple(m for m in METHODS if m != "none")
TRAINED = {
    "engine + text erasure": {"text_erasure": True},
    "engine + proxies withheld": {"drop_proxies": True},
    "engine + text erasure + proxies withheld": {"text_erasure": True, "drop_proxies": True},
}
DEFAULT_TRAINED = "engine + text erasure + proxies withheld"
REFERENCE = "engine, no mitigation"
ORACLE = "oracle: ranked by true relevance"


@dataclass(frozen=True)
class FairnessRow:
    method: str
    role: RankingReport
    candidate: RankingReport
    impact_ratio: dict[str, float]
    """attribute (or ``"a x b"``) -> impact ratio@10 over groups with enough rows."""
    impact_interval: dict[str, tuple[float, float]]
    """attribute -> 95 % bootstrap interval (over roles) of the impact ratio."""


@dataclass(frozen=True)
class FairnessAccuracy:
    rows: list[FairnessRow]
    markdown: str
    data: dict[str, Any]
    plot_png: bytes


def _selection_counts(
    rankings: Mapping[str, list[str]], groups: Mapping[str, str], k: int = 10
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(groups, selected, rows): per query (row) and group (column), how many of the group
    are in the top ``k`` and in the pool."""
    names = sorted({groups.get(c, UNKNOWN_GROUP) for r in rankings.values() for c in r})
    col = {g: i for i, g in enumerate(names)}
    selected = np.zeros((len(rankings), len(names)))
    rows = np.zeros((len(rankings), len(names)))
    for q, ranking in enumerate(rankings.values()):
        for position, c in enumerate(ranking):
            j = col[groups.get(c, UNKNOWN_GROUP)]
            rows[q, j] += 1
            selected[q, j] += position < k
    return names, selected, rows


def _eligible(names: list[str], rows: np.ndarray) -> np.ndarray:
    """Groups in the ratio: known, >= ``MIN_ROWS`` rows and >= ``MIN_SHARE`` of all rows."""
    total = rows.sum(0)
    share = total / max(total.sum(), 1)
    known = np.array([g != UNKNOWN_GROUP for g in names])
    return known & (total >= MIN_ROWS) & (share >= MIN_SHARE)


def _ratio(selected: np.ndarray, rows: np.ndarray) -> float:
    rates = selected / np.where(rows > 0, rows, np.nan)
    if rates.size == 0 or np.isnan(rates).all() or np.nanmax(rates) == 0:
        return math.nan
    return float(np.nanmin(rates) / np.nanmax(rates))


def impact_ratio_top10(rankings: Mapping[str, list[str]], groups: Mapping[str, str]) -> float:
    """Lowest over highest selection rate at 10 among the eligible groups (``_eligible``)."""
    names, selected, rows = _selection_counts(rankings, groups)
    keep = _eligible(names, rows)
    return _ratio(selected.sum(0)[keep], rows.sum(0)[keep])


def impact_ratio_interval(
    rankings: Mapping[str, list[str]],
    groups: Mapping[str, str],
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """95 % percentile bootstrap interval of :func:`impact_ratio_top10`, resampling queries
    (roles) with replacement; the eligible groups are those of the full data."""
    names, selected, rows = _selection_counts(rankings, groups)
    keep = _eligible(names, rows)
    selected, rows = selected[:, keep], rows[:, keep]
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(rows), size=(resamples, len(rows)))
    ratios = np.array([_ratio(selected[d].sum(0), rows[d].sum(0)) for d in draws])
    ratios = ratios[~np.isnan(ratios)]
    if ratios.size == 0:
        return math.nan, math.nan
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(low), float(high)


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
        top = [ranking[i] for i in fair_order(method, values, ranking, groups, k, role)]
        chosen = set(top)
        out[role] = top + [c for c in ranking if c not in chosen]
    return out


def _by_truth(pools: Mapping[str, Mapping[str, int]]) -> dict[str, list[str]]:
    """Each pool ranked by its true relevance (ties by id): the oracle."""
    return {q: sorted(pool, key=lambda c, pool=pool: (-pool[c], c)) for q, pool in pools.items()}


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
    ctx: EngineContext,
    truth: Any,
    *,
    seed: int = 0,
    resamples: int = 2000,
    say: Say = lambda _: None,
) -> FairnessAccuracy:
    """Measure every mitigation on ``truth`` (see the module docstring).

    Args:
        ctx: the context of an open, trained engine over the dataset's store.
        truth: the held-out ground truth (``engine.evaluation.ground_truth``).
        seed: seed of the retrains and the bootstrap.
        resamples: paired bootstrap resamples.
        say: progress, one line per row.
    """
    from engine.evaluation.run import RuntimeScorer
    from engine.training.pipeline import train_model

    model = ctx.serving.model()
    attributes = tuple(model.options.fairness_attributes)
    by_attr = {a: sensitive_groups(ctx.store, a) for a in attributes}
    joint = ctx.serving.fairness_status()[0]  # what the served re-ranker works with
    measured = {**by_attr, " x ".join(attributes): joined(*by_attr.values())}
    role_pools, cand_pools = truth.pools("role"), truth.pools("candidate")
    base = model.options.model_copy(
        update={"text_erasure": False, "drop_proxies": False, "progress": False}
    )
    scratch = Path(tempfile.mkdtemp(prefix="tg-fairness-"))
    runtimes: dict[str, Any] = {}

    def runtime_of(name: str, change: Mapping[str, Any]) -> Any:
        options = base.model_copy(update=dict(change))
        if options == model.options.model_copy(update={"progress": False}):
            return ctx.serving.recommender().runtime
        _, rt = train_model(
            ctx.store,
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
        spans = {
            a: impact_ratio_interval(rankings, g, resamples=max(resamples // 2, 100), seed=seed)
            for a, g in measured.items()
        }
        role = evaluate_rankings(rankings, role_pools)
        rows.append(FairnessRow(name, role, candidate, ratios, spans))

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
    method = ctx.settings.rerank
    if method != "none":  # the default mitigation: the trained steps and the served re-ranker
        by = " x ".join(ctx.settings.rerank_attributes or attributes)
        name = f"default: text erasure + proxies withheld + {method} by {by}"
        say(name)
        rankings, scores = scored[DEFAULT_TRAINED]
        add(name, reranked(rankings, scores, joint, method), cand_reports[DEFAULT_TRAINED])
    say(ORACLE)
    add(ORACLE, _by_truth(role_pools), evaluate_rankings(_by_truth(cand_pools), cand_pools))

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
        "min_share": MIN_SHARE,
        "rows": [
            {
                "method": r.method,
                "role_ndcg@10": r.role.ndcg,
                "candidate_ndcg@10": r.candidate.ndcg,
                "impact_ratio@10": r.impact_ratio,
                "impact_ratio@10_interval": r.impact_interval,
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
        "proxy_screen": model.report.proxy_screen,
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
