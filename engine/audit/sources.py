"""What a bias audit looks at: the rows of (role, candidate) pairs, from each source.

No sensitive attribute is read here (``engine.audit`` is their only reader); this
module only says which pairs were considered, which were selected and how they scored.

- **recommendations**: every role of the trained graph, with the pool the engine considers
  for it. ``pool="retrieved"`` (default) is what ``recommend_candidates`` scores when it
  serves a role: the union of the FAISS and skill-overlap generators
  (``Recommender.pool``); ``pool="all"`` scores every candidate for every role (exact; only
  for small stores: roles x candidates pairs). Each pool is ranked by the calibrated merit
  score exactly as ``Recommender.rank`` does (score descending, ties by candidate id), so
  its top ``k`` are the ``recommend_candidates(role, k)`` list (re-ranked as served when a
  ``rerank`` method is given: the audit's default is the engine's ``settings.rerank``).
  Selected = in the top ``k``; the score of every pair in the pool feeds the scoring table.
- **history**: every (candidate, role) pair of the interaction history (read through the
  catalog query ``export/interacted_edges``). Selected = the pair reached SHORTLISTED or a
  later stage (``selection="shortlisted"``) or was HIRED (``selection="hired"``); the score
  is the engine's merit score of the pair when the engine is trained (in sample: the
  scorer learnt from this history).
- **rankings**: any ranked lists given by the caller (``rows_from_rankings``), e.g. a
  re-ranked output.
- **decisions**: the recruiter decision log (``engine.decisions.log``, verified first), one
  row per (role, candidate) pair decided, with its latest decision (an earlier one on the
  same pair was revised). Selected = accepted or overridden (the candidate goes forward);
  ``overridden`` marks the decisions that went against the ranking shown. The counts per
  role and per reviewer (``decision_counts``) count every logged decision.

Example:
    >>> rows = rows_from_rankings({"r1": ["c1", "c2", "c3"]}, k=1)
    >>> rows.selected.tolist(), rows.rank.tolist()
    ([True, False, False], [1, 2, 3])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.context import EngineContext
from engine.results import DecisionCount
from graph_schema.params import bad_parameter
from graph_schema.relationships import POSITIVE_INTERACTIONS

Progress = Callable[[int, int], None]
POOLS = ("retrieved", "all")
HISTORY_SELECTIONS = ("shortlisted", "hired")
BATCH_PAIRS = 200_000
"""Pairs scored in one call (bounds the feature matrix of ``pool="all"``)."""
DECISION_POOL = (
    "every (role, candidate) pair a recruiter decided, with its latest logged decision; "
    "selected: accepted or overridden"
)
POOL_TEXT = {
    "retrieved": "per role, the candidates the recommender retrieves and scores (FAISS and "
    "skill-overlap generators)",
    "all": "per role, every candidate of the graph (exact)",
}


@dataclass(frozen=True)
class AuditRows:
    """Aligned rows, one per (role, candidate) pair considered.

    Attributes:
        query: role id of each row.
        candidate: candidate id of each row.
        selected: selected (top ``k``, or the history's stage reached).
        score: merit score of each row, or ``None`` (no score: no scoring table).
        rank: 1-based position in its role's ranked pool, or ``None`` (not a ranking).
        pool: what the rows are, in words (goes to the report).
    """

    query: np.ndarray
    candidate: np.ndarray
    selected: np.ndarray
    score: np.ndarray | None = None
    rank: np.ndarray | None = None
    pool: str = ""

    def __len__(self) -> int:
        return int(self.selected.size)

    def take(self, mask: np.ndarray) -> AuditRows:
        """The rows where ``mask`` holds."""
        return AuditRows(
            self.query[mask],
            self.candidate[mask],
            self.selected[mask],
            None if self.score is None else self.score[mask],
            None if self.rank is None else self.rank[mask],
            self.pool,
        )


def rows_from_rankings(
    rankings: Mapping[str, Sequence[str]],
    k: int,
    scores: Mapping[str, Sequence[float]] | None = None,
    pool: str = "the given rankings (each list the whole pool considered, best first)",
) -> AuditRows:
    """Rows of ranked pools (role -> candidate ids, best first): the top ``k`` are selected.

    Args:
        rankings: each role's whole considered pool, best first.
        k: the cut-off.
        scores: each role's scores aligned with its ranking (optional).
        pool: the pool, in words.
    """
    query, cand, rank, score = [], [], [], []
    for role, ranking in rankings.items():
        query += [role] * len(ranking)
        cand += list(ranking)
        rank += range(1, len(ranking) + 1)
        if scores is not None:
            score += list(scores[role])
    ranks = np.asarray(rank, dtype=np.int64)
    return AuditRows(
        np.asarray(query, dtype=object),
        np.asarray(cand, dtype=object),
        ranks <= k,
        np.asarray(score, dtype=np.float64) if scores is not None else None,
        ranks,
        pool,
    )


def recommendation_rows(
    ctx: EngineContext,
    k: int,
    pool: str = "retrieved",
    progress: Progress | None = None,
    rerank: str = "none",
    groups: Mapping[str, str] | None = None,
) -> AuditRows:
    """Every role's pool ranked by the trained engine, as ``recommend_candidates`` ranks it.

    Args:
        ctx: the engine's context (``engine.context``; trained).
        k: the cut-off (top ``k`` selected).
        pool: ``"retrieved"`` or ``"all"`` (see the module docstring).
        progress: called with (roles done, roles) after each batch.
        rerank: the re-ranking of the served top ``k`` (``Recommender.rank``'s ``rerank``):
            the top ``k`` are then the re-ranked ones, the rest of the pool follows by score.
        groups: candidate id -> group the re-ranking works with (``rerank`` not ``"none"``).

    Raises:
        NotTrainedError: the engine is not trained.
    """
    if pool not in POOLS:
        raise bad_parameter("pool", "audit", f"one of {POOLS}", pool)
    from engine.matching.recommender import fair_order

    rec = ctx.serving.recommender()
    runtime = rec.runtime
    role_ids = np.asarray(runtime.exported.ids["Role"].ids, dtype=object)
    cand_ids = np.asarray(runtime.exported.ids["Candidate"].ids, dtype=object)
    everyone = np.arange(cand_ids.size)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    batch: list[tuple[int, np.ndarray]] = []

    def flush() -> None:
        roles = np.concatenate([np.full(items.size, r) for r, items in batch])
        cands = np.concatenate([items for _, items in batch])
        scores = runtime.score_pairs(cands, roles)[0]
        start = 0
        for r, items in batch:
            s = scores[start : start + items.size]
            start += items.size
            order = np.lexsort((cand_ids[items], -s))  # as Recommender.rank
            if rerank != "none":
                ranked_ids = cand_ids[items][order]
                top = order[fair_order(rerank, s[order], ranked_ids, groups, k, role_ids[r])]
                order = np.concatenate([top, order[~np.isin(order, top)]])
            rank = np.empty(items.size, np.int64)
            rank[order] = np.arange(1, items.size + 1)
            parts.append((np.full(items.size, r), items, s, rank))
        batch.clear()

    pending = 0
    for r in range(role_ids.size):
        items = everyone if pool == "all" else rec.pool("Role", r)
        if items.size:
            batch.append((r, items))
            pending += items.size
        if pending >= BATCH_PAIRS or r == role_ids.size - 1:
            if batch:
                flush()
            pending = 0
            if progress is not None:
                progress(r + 1, role_ids.size)
    if not parts:
        empty = np.zeros(0, dtype=object)
        return AuditRows(empty, empty, np.zeros(0, bool), np.zeros(0), np.zeros(0, np.int64))
    role_idx, cand_idx, score, rank = (np.concatenate(c) for c in zip(*parts))
    served = "" if rerank == "none" else f"; the top {k} re-ranked by {rerank!r}, as served"
    return AuditRows(
        role_ids[role_idx],
        cand_ids[cand_idx],
        rank <= k,
        score.astype(np.float64),
        rank,
        POOL_TEXT[pool] + served,
    )


def history_pairs(store: Any) -> dict[tuple[str, str], set[str]]:
    """(candidate id, role id) -> the interaction types of the pair, from the graph."""
    pairs: dict[tuple[str, str], set[str]] = {}
    for row in store.run("export/interacted_edges"):
        pairs.setdefault((row["src"], row["dst"]), set()).add(row["type"])
    return pairs


def score_pairs(ctx: EngineContext, candidates: Sequence[str], roles: Sequence[str]) -> np.ndarray:
    """The engine's merit score of each pair (NaN for an id the trained graph lacks).

    Raises:
        NotTrainedError: the engine is not trained.
    """
    runtime = ctx.serving.recommender().runtime
    cmap, rmap = runtime.exported.ids["Candidate"], runtime.exported.ids["Role"]
    known = np.array([c in cmap and r in rmap for c, r in zip(candidates, roles)], dtype=bool)
    out = np.full(len(known), np.nan)
    if known.any():
        c = np.array([cmap.index_of(x) for x, ok in zip(candidates, known) if ok], np.int64)
        r = np.array([rmap.index_of(x) for x, ok in zip(roles, known) if ok], np.int64)
        out[known] = np.concatenate(
            [
                runtime.score_pairs(c[i : i + BATCH_PAIRS], r[i : i + BATCH_PAIRS])[0]
                for i in range(0, c.size, BATCH_PAIRS)
            ]
        )
    return out


def history_rows(
    ctx: EngineContext, selection: str = "shortlisted", scored: bool = True
) -> AuditRows:
    """Every pair of the interaction history; selected = its furthest stage (see above).

    Args:
        ctx: the engine's context (trained, for the scores).
        selection: ``"shortlisted"`` (SHORTLISTED or later) or ``"hired"``.
        scored: add the engine's merit score of each pair (the engine must be trained).
    """
    if selection not in HISTORY_SELECTIONS:
        raise bad_parameter("history_selection", "audit", f"one of {HISTORY_SELECTIONS}", selection)
    stages = set(POSITIVE_INTERACTIONS) if selection == "shortlisted" else {"HIRED"}
    pairs = sorted(history_pairs(ctx.store).items())
    cands = np.asarray([c for (c, _), _ in pairs], dtype=object)
    roles = np.asarray([r for (_, r), _ in pairs], dtype=object)
    selected = np.asarray([bool(types & stages) for _, types in pairs], dtype=bool)
    score = score_pairs(ctx, cands, roles) if scored and len(pairs) else None
    what = "SHORTLISTED or a later stage" if selection == "shortlisted" else "HIRED"
    return AuditRows(
        roles,
        cands,
        selected,
        score,
        None,
        f"every (candidate, role) pair of the interaction history; selected: reached {what}",
    )


def decision_rows(records: Sequence[Mapping[str, Any]]) -> tuple[AuditRows, np.ndarray]:
    """Rows of the decided pairs (latest decision per pair, in log order of that decision)
    and, aligned, whether that decision was an override."""
    latest: dict[tuple[str, str], Mapping[str, Any]] = {}
    for r in records:
        latest.pop((r["role_id"], r["candidate_id"]), None)  # keep log order of the latest
        latest[(r["role_id"], r["candidate_id"])] = r
    kinds = np.asarray([r["decision"] for r in latest.values()], dtype=object)
    rows = AuditRows(
        np.asarray([role for role, _ in latest], dtype=object),
        np.asarray([c for _, c in latest], dtype=object),
        np.isin(kinds, ["accept", "override"]),
        None,
        None,
        DECISION_POOL,
    )
    return rows, kinds == "override"


def decision_counts(
    records: Sequence[Mapping[str, Any]],
    min_n: int,
    interval: Callable[[int, int], tuple[float, float]],
) -> tuple[DecisionCount, ...]:
    """Accept, reject and override counts and rates over all decisions, then per role and
    per reviewer (each sorted by key); ``interval`` gives the override rate's interval."""
    groups: dict[tuple[str, str], list[str]] = {}
    for r in records:
        for by, key in (("all", "all"), ("role", r["role_id"]), ("reviewer", r["reviewer"])):
            groups.setdefault((by, key), []).append(r["decision"])
    order = {"all": 0, "role": 1, "reviewer": 2}
    out = []
    for (by, key), kinds in sorted(groups.items(), key=lambda x: (order[x[0][0]], x[0][1])):
        n = len(kinds)
        counts = {k: kinds.count(k) for k in ("accept", "reject", "override")}
        out.append(
            DecisionCount(
                by=by,  # type: ignore[arg-type]
                key=key,
                decisions=n,
                accepted=counts["accept"],
                rejected=counts["reject"],
                overridden=counts["override"],
                accept_rate=counts["accept"] / n,
                reject_rate=counts["reject"] / n,
                override_rate=counts["override"] / n,
                override_ci=interval(counts["override"], n),
                insufficient_evidence=n < min_n,
            )
        )
    return tuple(out)
