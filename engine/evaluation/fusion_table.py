"""The two-sided fusion table of ``talentgraph evaluate --fusion``: each fusion, measured.

On the held-out candidate pools of the ground truth (each candidate query: 100 roles, none of
them in the imported history), every pool pair gets its recruiter-side merit score ``S_j``
(the trained runtime) and its candidate-side score ``S_u`` (``engine.matching.candidate_side``).
One row per way of ranking each pool: ``S_j`` alone (what ``recommend_roles`` serves without
fusion), ``S_u`` alone, every method of ``engine.matching.fusion`` (weight ``w``, both sides
min-max normalised per candidate), and the fairness-optimised fusion (``"fair"``: per
candidate, the weight of the normalised weighted sum on 101 values in [0, 1] whose top 10 has
the lowest DGI over one role attribute; one row per attribute). Equally even weights go to the
one closest to 0.5, as served; a second row per attribute sends them to 0 (``S_j``), which
keeps the DGI and shows how much of the accuracy cost is the fusion's, not the evenness's.

Columns:

- **C NDCG@10**: NDCG@10 of the candidate's ranking against the truth's graded relevance
  (0..3, from the hidden true fit; ``engine.evaluation.ranking_metrics``).
- **mutual NDCG@10**: the same against *mutual* grades: a pool pair keeps its grade when the
  role also meets the candidate's stated preferences, else 0. The candidate accepts a role when
  it is in a place they listed or their own place, or remote while they accept remote work
  (``location_fit`` 1 or ``location_preferred``), and in a domain they listed (or they listed
  none). Grade > 0 is the recruiter side's acceptance (the truth), the stated preferences the
  candidate's. No held-out pair was applied to (the generator keeps them out of the history),
  so applications cannot define acceptance here. ``S_u`` reads the same stated preferences:
  its lead on this column is partly by construction; C NDCG@10 is the independent check.
  Candidates with no mutual pair graded above 0 are left out.
- **DGI** per role attribute (country, remote, domain): the gap of the top 10 against each
  group's share of all roles (``engine.matching.fair_fusion.gap``: two groups, the ratio gap;
  more, the Jensen-Shannon distance), averaged over candidates; **DUP** the same against the
  shares of the roles of the candidate's own past interactions (candidates whose history holds
  fewer than two groups are left out). Lower is more even.
- 95 % paired bootstrap intervals over candidates of each row minus ``S_j``
  (``engine.evaluation.bootstrap``) for both NDCG columns and every DGI.

Example:
    >>> table = fusion_table(ctx, truth, seed=0)       # doctest: +SKIP
    >>> print(table.markdown)                          # doctest: +SKIP
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import scipy.sparse as sp

from engine.context import EngineContext
from engine.evaluation.bootstrap import PairedInterval, paired_bootstrap
from engine.evaluation.ranking_metrics import RankingReport, evaluate_rankings
from engine.features.pair_features import FEATURE_NAMES
from engine.matching.fair_fusion import gap, optimise_weight, shares
from engine.matching.fusion import METHODS, fuse
from engine.matching.two_sided import FAIR_METHOD, FAIR_TOP, ROLE_ATTRIBUTES
from graph_schema.edge_types import INTERACTED

Say = Callable[[str], None]
TOP = 10
RECRUITER = "S_j: recruiter side (unfused)"
CANDIDATE = "S_u: candidate side (unfused)"
PREFER = (0.5, 0.0)
"""Ties of the fair search go to the weight closest to 0.5 (as served), or to 0 (``S_j``)."""
_LOCATION_FIT = FEATURE_NAMES.index("location_fit")
_LOCATION_PREFERRED = FEATURE_NAMES.index("location_preferred")


@dataclass(frozen=True)
class FusionRow:
    """One way of ranking the candidate pools and what it gives.

    Attributes:
        method: the row label.
        w: the weight used (``None`` for the unfused rows and the Comb* methods; the mean
            chosen weight for the fair rows).
        candidate: ranking quality against the truth's grades.
        mutual: ranking quality against the mutual grades.
        dgi, dup: attribute -> per-candidate gap of the top 10 (DGI, DUP).
    """

    method: str
    w: float | None
    candidate: RankingReport
    mutual: RankingReport
    dgi: dict[str, dict[str, float]]
    dup: dict[str, dict[str, float]]

    def mean(self, which: str, attribute: str) -> float:
        values = list(getattr(self, which)[attribute].values())
        return float(np.mean(values)) if values else math.nan


@dataclass(frozen=True)
class FusionTable:
    rows: list[FusionRow]
    markdown: str
    data: dict[str, Any]
    plot_png: bytes


def _interacted(runtime: Any) -> sp.csr_matrix:
    """Candidate x role 0/1: any interaction edge (the candidate's past roles)."""
    exported = runtime.exported
    shape = (len(exported.ids["Candidate"]), len(exported.ids["Role"]))
    if INTERACTED not in exported.data.edge_types:
        return sp.csr_matrix(shape)
    src, dst = exported.data[INTERACTED].edge_index.numpy()
    m = sp.csr_matrix((np.ones(src.size), (src, dst)), shape=shape)
    m.data[:] = 1.0
    return m


def _gaps(
    rankings: Mapping[str, Sequence[str]],
    group_of: Mapping[str, Any],
    references: Mapping[str, Mapping[Any, float]],
) -> dict[str, float]:
    """Candidate -> gap of its top ``TOP`` (candidates whose reference has < 2 groups: out)."""
    return {
        c: gap(list(r[:TOP]), group_of, references[c])
        for c, r in rankings.items()
        if len(references.get(c, {})) >= 2
    }


def fusion_table(
    ctx: EngineContext,
    truth: Any,
    *,
    weight: float = 0.5,
    seed: int = 0,
    resamples: int = 2000,
    say: Say = lambda _: None,
) -> FusionTable:
    """Measure every fusion on ``truth``'s candidate pools (see the module docstring).

    Args:
        ctx: the context of an open, trained engine over the dataset's store.
        truth: the held-out ground truth (``engine.evaluation.ground_truth``).
        weight: the candidate side's weight of the weighted methods.
        seed: seed of the bootstrap.
        resamples: paired bootstrap resamples.
        say: progress, one line per row.

    Raises:
        NotTrainedError: the engine is not trained.
    """
    ranker = ctx.serving.two_sided()
    runtime, side = ranker.recommender.runtime, ranker.side
    ids = runtime.exported.ids
    pools = {
        c: {r: g for r, g in pool.items() if r in ids["Role"]}
        for c, pool in truth.pools("candidate").items()
        if c in ids["Candidate"]
    }
    queries = sorted(pools)
    cand_ids = [c for c in queries for _ in sorted(pools[c])]
    role_ids = [r for c in queries for r in sorted(pools[c])]
    cand = np.array([ids["Candidate"].index_of(c) for c in cand_ids], dtype=np.int64)
    role = np.array([ids["Role"].index_of(r) for r in role_ids], dtype=np.int64)
    say("scoring both sides of the candidate pools")
    merit, X = runtime.score_pairs(cand, role)
    terms = side.terms(cand, role, X)
    suits = side.weighted(terms)
    location_ok = (np.nan_to_num(X[:, _LOCATION_FIT]) >= 1.0) | (
        np.nan_to_num(X[:, _LOCATION_PREFERRED]) > 0
    )
    domain_ok = terms[:, 2] >= 0.5  # listed, or no domain listed
    accepts = location_ok & domain_ok
    su: dict[str, dict[str, float]] = {c: {} for c in queries}
    sj: dict[str, dict[str, float]] = {c: {} for c in queries}
    mutual: dict[str, dict[str, int]] = {c: {} for c in queries}
    for i, (c, r) in enumerate(zip(cand_ids, role_ids, strict=True)):
        su[c][r], sj[c][r] = float(suits[i]), float(merit[i])
        mutual[c][r] = pools[c][r] if accepts[i] else 0

    groups = {a: ranker.groups(a) for a in ROLE_ATTRIBUTES}
    history = _interacted(runtime)
    past = {
        c: [ids["Role"].ids[j] for j in history[ids["Candidate"].index_of(c)].indices]
        for c in queries
    }
    dgi_refs = {a: dict.fromkeys(queries, ref) for a, (_, ref) in groups.items()}
    dup_refs = {a: {c: shares(past[c], g) for c in queries} for a, (g, _) in groups.items()}

    rows: list[FusionRow] = []

    def add(name: str, rankings: dict[str, list[str]], w: float | None) -> None:
        rows.append(
            FusionRow(
                name,
                w,
                evaluate_rankings(rankings, pools),
                evaluate_rankings(rankings, mutual),
                {a: _gaps(rankings, g, dgi_refs[a]) for a, (g, _) in groups.items()},
                {a: _gaps(rankings, g, dup_refs[a]) for a, (g, _) in groups.items()},
            )
        )

    def by(scores: dict[str, dict[str, float]]) -> dict[str, list[str]]:
        return {c: sorted(s, key=lambda r, s=s: (-s[r], r)) for c, s in scores.items()}

    say(RECRUITER)
    add(RECRUITER, by(sj), None)
    say(CANDIDATE)
    add(CANDIDATE, by(su), None)
    for method in METHODS:
        say(method)
        weighted = method in ("weighted_sum", "rrf", "isr", "borda")
        rankings = {
            c: [f.role_id for f in fuse(su[c], sj[c], method, w=weight, normalise=True)]
            for c in queries
        }
        add(f"{method} (normalised)", rankings, weight if weighted else None)
    chosen: dict[str, list[float]] = {}
    for (attribute, (group_of, reference)), prefer in product(groups.items(), PREFER):
        name = f"fair: DGI over {attribute}" + ("" if prefer == 0.5 else ", ties to S_j")
        say(name)
        rankings, ws = {}, []
        for c in queries:
            if len(reference) < 2:  # one group: every top is as even as any other
                w, fused = prefer, fuse(su[c], sj[c], FAIR_METHOD, w=prefer, normalise=True)
            else:
                choice = optimise_weight(
                    su[c],
                    sj[c],
                    group_of,
                    reference,
                    method=FAIR_METHOD,
                    k=FAIR_TOP,
                    normalise=True,
                    prefer=prefer,
                )
                w, fused = choice.w, choice.fused
            ws.append(w)
            rankings[c] = [f.role_id for f in fused]
        chosen[name] = ws
        add(name, rankings, float(np.mean(ws)))

    reference_row = rows[0]
    intervals: dict[str, dict[str, PairedInterval | None]] = {}
    for row in rows[1:]:
        cells: dict[str, PairedInterval | None] = {
            "ndcg@10": _interval(row.candidate, reference_row.candidate, resamples, seed),
            "mutual ndcg@10": _interval(row.mutual, reference_row.mutual, resamples, seed),
        }
        for a in ROLE_ATTRIBUTES:
            mine = {c: {"dgi": v} for c, v in row.dgi[a].items()}
            theirs = {c: {"dgi": v} for c, v in reference_row.dgi[a].items()}
            cells[f"dgi {a}"] = (
                paired_bootstrap(mine, theirs, "dgi", resamples=resamples, seed=seed)
                if mine
                else None
            )
        intervals[row.method] = cells
    data = _data(rows, intervals, chosen, weight, pools, mutual, dup_refs)
    return FusionTable(rows, _markdown(rows, intervals), data, _plot(rows))


def _interval(
    a: RankingReport, b: RankingReport, resamples: int, seed: int
) -> PairedInterval | None:
    if not a.per_query:
        return None
    return paired_bootstrap(a, b, "ndcg@10", resamples=resamples, seed=seed)


def _cell(iv: PairedInterval | None) -> str:
    return "" if iv is None else iv.cell()


def _markdown(rows: list[FusionRow], intervals: Mapping[str, Mapping[str, Any]]) -> str:
    head = ["method", "w", "C NDCG@10", "minus S_j [95 %]", "mutual NDCG@10", "minus S_j [95 %]"]
    head += [f"DGI {a}" for a in ROLE_ATTRIBUTES] + [f"DUP {a}" for a in ROLE_ATTRIBUTES]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for r in rows:
        iv = intervals.get(r.method, {})
        cells = [
            r.method,
            "" if r.w is None else f"{r.w:.2f}",
            f"{r.candidate.ndcg:.3f}",
            _cell(iv.get("ndcg@10")),
            f"{r.mutual.ndcg:.3f}",
            _cell(iv.get("mutual ndcg@10")),
        ]
        cells += [f"{r.mean('dgi', a):.3f}" for a in ROLE_ATTRIBUTES]
        cells += [f"{r.mean('dup', a):.3f}" for a in ROLE_ATTRIBUTES]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| DGI, row minus S_j [95 %] | " + " | ".join(ROLE_ATTRIBUTES) + " |"]
    lines.append("|---" * (len(ROLE_ATTRIBUTES) + 1) + "|")
    for r in rows[1:]:
        iv = intervals[r.method]
        cells = [_cell(iv.get(f"dgi {a}")) for a in ROLE_ATTRIBUTES]
        lines.append(f"| {r.method} | " + " | ".join(cells) + " |")
    lines += [
        "",
        (
            "Mean difference over candidates and its 95 % paired bootstrap interval; * the "
            "interval excludes 0. Lower DGI/DUP is more even; a negative NDCG difference is "
            "the accuracy cost."
        ),
    ]
    return "\n".join(lines)


def _data(
    rows: list[FusionRow],
    intervals: Mapping[str, Mapping[str, PairedInterval | None]],
    chosen: Mapping[str, list[float]],
    weight: float,
    pools: Mapping[str, Mapping[str, int]],
    mutual: Mapping[str, Mapping[str, int]],
    dup_refs: Mapping[str, Mapping[str, Mapping[Any, float]]],
) -> dict[str, Any]:
    def iv_dict(iv: PairedInterval | None) -> dict[str, float] | None:
        if iv is None:
            return None
        return {"mean": iv.mean_difference, "low": iv.low, "high": iv.high}

    return {
        "weight": weight,
        "normalised": True,
        "fair_method": FAIR_METHOD,
        "top": TOP,
        "candidate_queries": len(pools),
        "pairs": sum(map(len, pools.values())),
        "mutual_pairs_graded": sum(1 for p in mutual.values() for g in p.values() if g > 0),
        "graded_pairs": sum(1 for p in pools.values() for g in p.values() if g > 0),
        "dup_candidates": {
            a: sum(len(v) >= 2 for v in refs.values()) for a, refs in dup_refs.items()
        },
        "rows": [
            {
                "method": r.method,
                "w": r.w,
                "candidate_ndcg@10": r.candidate.ndcg,
                "candidate_queries": r.candidate.queries,
                "mutual_ndcg@10": r.mutual.ndcg,
                "mutual_queries": r.mutual.queries,
                "dgi": {a: r.mean("dgi", a) for a in ROLE_ATTRIBUTES},
                "dup": {a: r.mean("dup", a) for a in ROLE_ATTRIBUTES},
                "minus_S_j": {k: iv_dict(v) for k, v in intervals.get(r.method, {}).items()},
            }
            for r in rows
        ],
        "fair_weights": {
            name: {
                "mean": float(np.mean(ws)),
                "share_0": float(np.mean(np.array(ws) == 0.0)),
                "share_1": float(np.mean(np.array(ws) == 1.0)),
            }
            for name, ws in chosen.items()
            if ws
        },
    }


def _plot(rows: list[FusionRow]) -> bytes:
    """Candidate NDCG@10 against DGI of each role attribute, one panel each (PNG bytes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(ROLE_ATTRIBUTES), figsize=(14, 4.8), dpi=110)
    for ax, attribute in zip(axes, ROLE_ATTRIBUTES, strict=True):
        for r in rows:
            x, y = r.candidate.ndcg, r.mean("dgi", attribute)
            marker = "s" if r.method.startswith("fair") else "o"
            ax.scatter(x, y, s=30, marker=marker)
            label = r.method.split(" (")[0].replace("fair: DGI over ", "fair/")
            ax.annotate(label, (x, y), fontsize=6, xytext=(3, 2), textcoords="offset points")
        ax.set_xlabel("candidate -> role NDCG@10 (held-out truth)")
        ax.set_ylabel(f"DGI@{TOP} over role {attribute} (lower: more even)")
        ax.set_title(f"role {attribute}")
    fig.suptitle("Two-sided fusion: ranking quality against DGI")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
