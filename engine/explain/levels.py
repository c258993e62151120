"""``Explainer``: the four levels of ``eng.explain(candidate_id, role_id, level=...)``.

- ``summary``: the 3 strongest reasons (attribution groups by absolute TreeSHAP value, in
  recruiter language) and the strongest graph path of each kind (at most 3);
- ``detailed``: every shown feature's attribution (largest first), every group as a
  reason, every graph path; ``base_value + sum(shap) + withheld == raw_score``;
- ``comparative``: two candidates for the same role (``versus``; default the candidate
  ranked just below in the served ranking, the recommender's pool re-scored with the
  candidate in it, or just above for the last). Attributions are the per-feature
  differences (first minus second), most in the first candidate's favour first; they sum,
  with the withheld difference, to the difference of raw log-odds (the base value cancels);
- ``counterfactual``: the smallest set of profile changes found (a skill the role lists
  added at level 0.7 or 1.0, a held one raised, 2 or 5 more years of experience) that brings
  the candidate into the role's top ``k``. Every set is re-scored with the real scorer on
  features derived by ``engine.explain.profile.edited_features`` and compared with the exact
  ranking of every other candidate. Sets of up to ``EXACT_SIZE`` changes are searched
  exhaustively (so a set of that size or less is the smallest), larger ones greedily. No
  change touches a sensitive attribute (none is in the graph) or a withheld (proxy) group.

Rankings here are by merit score (the recommender's order without a fairness re-ranker):
what is explained is the merit scorer; a re-ranker's moves are the re-ranker's.

Proxies (``MatchModel.proxy_features``): a group holding one is withheld everywhere: not a
reason, not listed, its paths dropped, no counterfactual change through it; ``withheld``
keeps the sum of its attributions so additivity stays checkable.

Example:
    >>> explainer = Explainer(ctx.serving.recommender(), ctx.store)          # doctest: +SKIP
    >>> explainer.explain("c00001", "r00001", "summary").reasons      # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.context import EngineContext
from engine.explain.attributions import (
    GROUP_OF,
    GROUPS,
    Attributed,
    attribute,
    link_text,
    withheld_groups,
)
from engine.explain.paths import read_paths, strongest_per_kind
from engine.explain.phrases import PairFacts, group_phrase, pair_facts, reason
from engine.explain.profile import ProfileEdit, edited_features, years_of
from engine.features.context import SIGNALS
from engine.features.pair_features import FEATURE_NAMES
from engine.kernels.sparse_entries import entries
from engine.results import Attribution, Explanation, ProfileChange
from graph_schema.errors import ConfigError
from graph_schema.params import bad_parameter
from loaders.stores.base import GraphStore

if TYPE_CHECKING:
    from engine.matching.recommender import Recommender

LEVELS: tuple[str, ...] = ("summary", "detailed", "comparative", "counterfactual")
SUMMARY_REASONS = 3
TARGET_LEVELS: tuple[float, ...] = (0.7, 1.0)
MORE_YEARS: tuple[float, ...] = (2.0, 5.0)
EXACT_SIZE = 3
COMBO_CAP = 5000
MAX_CHANGES = 6
SAME_CANDIDATE = "comparative needs two different candidates; got {value!r} twice"


def _value(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


@dataclass(frozen=True)
class _Pair:
    cand: int
    role: int
    att: Attributed
    values: dict[str, float]
    facts: PairFacts


@dataclass(frozen=True)
class _Action:
    key: int  # skill index, or -1 for years
    change: ProfileChange
    level: float | None
    years: float


class Explainer:
    """Explanations of the merit scorer over one runtime and store.

    Args:
        recommender: the engine's ``Recommender`` (runtime, skill names, exact ranking).
        store: the graph store the path queries run on (read-only).
        proxy_features: feature names flagged as proxies of a sensitive attribute.
        check: recompute each pair's raw log-odds with the tree model and check additivity
            (``engine.explain.attributions.attribute``); off by default: the tests and
            ``bench explain`` check it against the model independently.
    """

    def __init__(
        self,
        recommender: Recommender,
        store: GraphStore,
        proxy_features: Iterable[str] = frozenset(),
        check: bool = False,
    ) -> None:
        self.recommender = recommender
        self.check = check
        self.runtime = recommender.runtime
        self.store = store
        self.proxy_features = frozenset(proxy_features)
        self.withheld = withheld_groups(self.proxy_features)
        self.shown = tuple(g for g in GROUPS if g not in self.withheld)
        self.link = link_text(self.runtime.scorer)
        self._hidden_cols = np.array(
            [GROUP_OF[f] in self.withheld for f in FEATURE_NAMES], dtype=bool
        )
        self._sorted_signals = np.sort(self.runtime.ctx.signals, axis=0)
        self._ids = self.runtime.exported.ids

    # -- entry point ---------------------------------------------------------------------
    def explain(
        self,
        candidate_id: str,
        role_id: str,
        level: str = "summary",
        *,
        versus: str | None = None,
        k: int = 10,
    ) -> Explanation:
        """The explanation of one pair at ``level`` (see the module docstring).

        Raises:
            UnknownIdError: an id is not in the graph.
            ConfigError: an unknown level, a ``k`` out of range, or ``versus`` equal to
                ``candidate_id``.
        """
        if level not in LEVELS:
            rule = "a str among {" + ", ".join(repr(x) for x in LEVELS) + "}"
            raise bad_parameter("level", "explain", rule, level)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 1000:
            raise bad_parameter("k", "explain", "an int in [1, 1000]", k)
        cand = self._ids["Candidate"].index_of(candidate_id)
        role = self._ids["Role"].index_of(role_id)
        if level == "summary":
            return self.summary(cand, role)
        if level == "detailed":
            return self.detailed(cand, role)
        if level == "comparative":
            other = None if versus is None else self._ids["Candidate"].index_of(versus)
            return self.comparative(cand, role, other)
        return self.counterfactual(cand, role, k)

    # -- shared pieces -------------------------------------------------------------------
    def pair(self, cand: int, role: int, X: np.ndarray | None = None) -> _Pair:
        """Features (or the given row ``X``), attributions and facts of one pair."""
        if X is None:
            X = self.runtime.features(np.array([cand]), np.array([role]))
        att = attribute(self.runtime.scorer, X, check=self.check)
        values = dict(zip(FEATURE_NAMES, att.X[0].tolist(), strict=True))
        signals = np.array([values[s] for s in SIGNALS])
        facts = pair_facts(
            self.runtime,
            cand,
            role,
            self.recommender.skill_names,
            self._sorted_signals,
            signals,
        )
        return _Pair(cand, role, att, values, facts)

    def group_reasons(self, p: _Pair) -> list[tuple[str, float, str]]:
        """(group, attribution, reason) of every shown group, largest absolute value first."""
        groups = p.att.group_values()
        out = [
            (g, groups[g], reason(g, groups[g], group_phrase(g, p.values, p.facts)))
            for g in self.shown
        ]
        return sorted(out, key=lambda x: (-abs(x[1]), self.shown.index(x[0])))

    def withheld_sum(self, shap_row: np.ndarray) -> float:
        return float(shap_row[self._hidden_cols].sum())

    def _base(self, p: _Pair, level: str, **fields: Any) -> Explanation:
        return Explanation(
            candidate_id=self._ids["Candidate"].ids[p.cand],
            role_id=self._ids["Role"].ids[p.role],
            level=level,
            score=float(p.att.score[0]),
            raw_score=float(p.att.raw[0]),
            base_value=p.att.base,
            link=self.link,
            **{"withheld": self.withheld_sum(p.att.shap[0]), **fields},
        )

    def paths(self, cand: int, role: int) -> list:
        return read_paths(
            self.store,
            self._ids["Candidate"].ids[cand],
            self._ids["Role"].ids[role],
            withheld=self.withheld,
        )

    def attributions(self, p: _Pair) -> tuple[Attribution, ...]:
        """Every shown feature's attribution, largest absolute value first."""
        rows = [
            Attribution(
                feature=f,
                group=GROUP_OF[f],
                value=_value(p.att.X[0, j]),
                shap=float(p.att.shap[0, j]),
            )
            for j, f in enumerate(FEATURE_NAMES)
            if not self._hidden_cols[j]
        ]
        return tuple(sorted(rows, key=lambda a: (-abs(a.shap), a.feature)))

    # -- levels --------------------------------------------------------------------------
    def summary(self, cand: int, role: int) -> Explanation:
        p = self.pair(cand, role)
        reasons = [r for _, _, r in self.group_reasons(p)[:SUMMARY_REASONS]]
        paths = strongest_per_kind(self.paths(cand, role))[:SUMMARY_REASONS]
        return self._base(p, "summary", reasons=tuple(reasons), paths=tuple(paths))

    def detailed(self, cand: int, role: int) -> Explanation:
        p = self.pair(cand, role)
        return self._base(
            p,
            "detailed",
            reasons=tuple(r for _, _, r in self.group_reasons(p)),
            attributions=self.attributions(p),
            paths=tuple(self.paths(cand, role)),
        )

    def ranking(self, role: int) -> tuple[np.ndarray, np.ndarray]:
        """(exact scores of every candidate for ``role``, candidate order best first; ties
        by id, as ``Recommender.rank`` breaks them)."""
        n = len(self._ids["Candidate"])
        scores, _ = self.runtime.score_pairs(np.arange(n), np.full(n, role))
        ids = self.recommender._id_arrays["Candidate"]
        return scores, np.lexsort((ids, -scores))

    def served_order(self, cand: int, role: int) -> np.ndarray:
        """The role's served ranking (``Recommender`` pool, exactly re-scored) with the
        candidate added when the pool missed them: candidate indices, best first."""
        items = np.union1d(self.recommender.pool("Role", role), [cand])
        scores, _ = self.runtime.score_pairs(items, np.full(items.size, role))
        ids = self.recommender._id_arrays["Candidate"][items]
        return items[np.lexsort((ids, -scores))]

    def comparative(self, cand: int, role: int, other: int | None = None) -> Explanation:
        if other is None:
            order = self.served_order(cand, role)
            at = int(np.flatnonzero(order == cand)[0])
            other = int(order[at + 1] if at + 1 < order.size else order[at - 1])
        if other == cand:
            raise ConfigError(SAME_CANDIDATE.format(value=self._ids["Candidate"].ids[cand]))
        a, b = self.pair(cand, role), self.pair(other, role)
        diff = a.att.shap[0] - b.att.shap[0]
        rows = [
            Attribution(
                feature=f,
                group=GROUP_OF[f],
                value=_value(a.att.X[0, j]),
                other_value=_value(b.att.X[0, j]),
                shap=float(diff[j]),
            )
            for j, f in enumerate(FEATURE_NAMES)
            if not self._hidden_cols[j]
        ]
        rows.sort(key=lambda x: (-x.shap, x.feature))
        ga, gb = a.att.group_values(), b.att.group_values()
        other_id = self._ids["Candidate"].ids[other]
        groups = sorted(self.shown, key=lambda g: (-(ga[g] - gb[g]), self.shown.index(g)))
        reasons = [
            f"{g}: {group_phrase(g, a.values, a.facts)} vs {group_phrase(g, b.values, b.facts)} "
            f"for {other_id} ({ga[g] - gb[g]:+.2f} log-odds)"
            for g in groups[:SUMMARY_REASONS]
        ]
        return self._base(
            a,
            "comparative",
            reasons=tuple(reasons),
            attributions=tuple(rows),
            withheld=self.withheld_sum(diff),
            versus=other_id,
            versus_score=float(b.att.score[0]),
            versus_raw_score=float(b.att.raw[0]),
        )

    # -- counterfactual ------------------------------------------------------------------
    def actions(self, cand: int, role: int) -> list[_Action]:
        """Every single change a counterfactual may propose for this pair."""
        ctx = self.runtime.ctx
        names = self.recommender.skill_names
        lo, hi = ctx.importance.indptr[role], ctx.importance.indptr[role + 1]
        skills, importance = ctx.importance.indices[lo:hi], ctx.importance.data[lo:hi]
        required = ctx.importance_required[lo:hi]
        level = entries(ctx.level, np.full(skills.size, cand), skills)
        out: list[_Action] = []
        for i in np.lexsort((-importance, ~required)):
            group = "required skills" if required[i] else "optional skills"
            if group in self.withheld:
                continue
            s, before = int(skills[i]), float(level[i])
            kind = "raise_level" if before > 0 else "add_skill"
            which = "required" if required[i] else "nice-to-have"
            for target in TARGET_LEVELS:
                if target <= before:
                    continue
                text = (
                    f"raise {names[s]} from level {before:.2f} to {target:.1f}"
                    if before > 0
                    else f"add the {which} skill {names[s]} at level {target:.1f}"
                )
                change = ProfileChange(
                    kind=kind,
                    skill_id=self._ids["Skill"].ids[s],
                    skill=names[s],
                    before=before,
                    after=target,
                    text=text,
                )
                out.append(_Action(s, change, target, 0.0))
        if "experience" not in self.withheld:
            years = years_of(float(ctx.signals[cand, SIGNALS.index("experience_years")]))
            for more in MORE_YEARS:
                change = ProfileChange(
                    kind="add_years",
                    before=years,
                    after=years + more,
                    text=f"{more:.0f} more years of experience ({years:.0f} -> {years + more:.0f})",
                )
                out.append(_Action(-1, change, None, more))
        return out

    def _score(self, cand: int, role: int, combos: list[tuple[_Action, ...]]) -> np.ndarray:
        edits = [
            ProfileEdit(
                levels={a.key: a.level for a in combo if a.level is not None},
                years=sum(a.years for a in combo),
            )
            for combo in combos
        ]
        out = np.zeros(len(edits))
        for lo in range(0, len(edits), 1000):
            X = edited_features(self.runtime, cand, role, edits[lo : lo + 1000])
            out[lo : lo + 1000] = self.runtime.scorer.predict(X)
        return out

    def counterfactual(self, cand: int, role: int, k: int = 10) -> Explanation:
        p = self.pair(cand, role, edited_features(self.runtime, cand, role, [ProfileEdit()]))
        scores, order = self.ranking(role)
        ids = self.recommender._id_arrays["Candidate"]
        others = order[order != cand]
        kth = int(others[min(k, others.size) - 1])
        own_id = ids[cand]

        def rank_of(score: float) -> int:
            beats = (scores[others] > score) | ((scores[others] == score) & (ids[others] < own_id))
            return 1 + int(beats.sum())

        threshold = float(scores[kth])
        start = rank_of(float(p.att.score[0]))
        common = {"k": k, "threshold": threshold}
        if start <= k:
            return self._base(
                p,
                "counterfactual",
                reasons=(f"already ranks {start} for this role (top {k}): no change needed",),
                counterfactual_score=float(p.att.score[0]),
                counterfactual_rank=start,
                reached=True,
                **common,
            )
        actions = self.actions(cand, role)
        best, best_score = self._search(cand, role, actions, rank_of, k)
        final = float(self._score(cand, role, [best])[0]) if best else float(p.att.score[0])
        rank = rank_of(final)  # verified: the chosen set re-scored on its own
        reached = rank <= k
        lead = (
            f"with these {len(best)} change(s) the candidate would rank {rank} "
            f"(score {p.att.score[0]:.3f} -> {final:.3f}; top {k} needs more than {threshold:.3f})"
            if reached
            else f"no set of up to {MAX_CHANGES} skill or experience changes reaches the top "
            f"{k} (best: rank {rank}, score {final:.3f}; needs more than {threshold:.3f})"
        )
        del best_score
        return self._base(
            p,
            "counterfactual",
            reasons=(lead, *(a.change.text for a in best)),
            changes=tuple(a.change for a in best),
            counterfactual_score=final,
            counterfactual_rank=rank,
            reached=reached,
            **common,
        )

    def _search(
        self, cand: int, role: int, actions: list[_Action], rank_of: Any, k: int
    ) -> tuple[tuple[_Action, ...], float]:
        """The smallest set of actions reaching the top ``k`` (highest score among equals),
        else the best set found; exhaustive up to ``EXACT_SIZE``, then greedy."""
        best: tuple[_Action, ...] = ()
        best_score = -1.0
        for size in range(1, min(EXACT_SIZE, len(actions)) + 1):
            combos = [
                c
                for c in itertools.combinations(actions, size)
                if len({a.key for a in c}) == size  # one change per skill, one for years
            ]
            if len(combos) > COMBO_CAP:
                break
            scores = self._score(cand, role, combos)
            top = int(np.argmax(scores))
            best, best_score = combos[top], float(scores[top])
            if rank_of(best_score) <= k:
                return best, best_score
        while len(best) < MAX_CHANGES:
            used = {a.key for a in best}
            extra = [a for a in actions if a.key not in used]
            if not extra:
                break
            combos = [(*best, a) for a in extra]
            scores = self._score(cand, role, combos)
            top = int(np.argmax(scores))
            best, best_score = combos[top], float(scores[top])
            if rank_of(best_score) <= k:
                break
        return best, best_score


def explainer_for(ctx: EngineContext) -> Explainer:
    """The engine's ``Explainer``, built once per recommender (a retrain builds a new one).

    It is kept on the recommender itself, so it goes with it (a cache keyed by the
    recommender would keep both alive: the explainer refers to it). Proxies are read from
    the model (``MatchModel.proxy_features``, empty when absent).
    """
    recommender = ctx.serving.recommender()
    found = getattr(recommender, "explainer_", None)
    if found is None or found.store is not ctx.store:
        proxies = getattr(ctx.serving.model(), "proxy_features", frozenset())
        found = Explainer(recommender, ctx.store, proxies)
        recommender.explainer_ = found  # type: ignore[attr-defined]
    return found
