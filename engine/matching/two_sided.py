"""Roles for a candidate, fused from both sides: what suits the candidate and what merit says.

For one candidate the recommender retrieves its pool of roles (``Recommender.pool``: FAISS
neighbours and skill overlap) and computes the pair features once. From them come two lists,
each cut to its best ``list_length`` roles:

- ``S_j``, the recruiter side: the calibrated merit score (what ``recommend_roles`` ranks by
  without fusion);
- ``S_u``, the candidate side (``engine.matching.candidate_side``).

``fusion`` names a method of ``engine.matching.fusion`` (outer join, missing score 0 and rank
max + 1, dense ranks; ``weight`` is the candidate side's ``w``), or ``"fair"``: per
candidate, the weight of a normalised weighted sum on a grid of 101 values in [0, 1] whose
top 10 has the lowest DGI over a role attribute (``engine.matching.fair_fusion``: the gap
for two groups, the Jensen-Shannon distance for more, against each group's share of all
roles). Role attributes: ``country`` (the top of the role's location chain), ``remote``
(``remote`` / ``on-site``), ``domain``. A role without the attribute has no group and is
left out of the shares.

Each ``Match`` keeps the calibrated merit score ``S_j`` as its ``score`` (the contract of
``Match``); its ``rank`` is the fused position, and its reasons are the merit reasons followed by
the candidate-side reasons that apply.

Example:
    >>> ranker = TwoSidedRanker(recommender, CandidateSide.from_runtime(rt, store))  # doctest: +SKIP
    >>> [m.role_id for m in ranker.rank("c00001", 3, "rrf")]                          # doctest: +SKIP
    ['r00412', 'r00007', 'r01980']
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.matching.candidate_side import CandidateSide, candidate_reasons
from engine.matching.fair_fusion import catalogue_reference, optimise_weight
from engine.matching.fusion import METHODS, FusedRole, fuse
from engine.matching.recommender import Recommender
from engine.results import Match
from engine.retrieval.faiss_index import MAX_K
from engine.runtime.match_runtime import MatchRuntime
from graph_schema.params import bad_parameter, out_of_range

FAIR = "fair"
FUSIONS: tuple[str, ...] = (*METHODS, FAIR)
ROLE_ATTRIBUTES: tuple[str, ...] = ("country", "remote", "domain")
FAIR_METHOD = "weighted_sum"
FAIR_TOP = 10
LIST_LENGTH = 100


def role_groups(runtime: MatchRuntime, side: CandidateSide, attribute: str) -> dict[str, str]:
    """Role id -> group of a role attribute (``ROLE_ATTRIBUTES``); roles without it are absent.

    Raises:
        ConfigError: an unknown attribute.
    """
    if attribute not in ROLE_ATTRIBUTES:
        rule = f"one of {', '.join(map(repr, ROLE_ATTRIBUTES))}"
        raise bad_parameter("fair_attribute", "recommend_roles", rule, attribute)
    ids = runtime.exported.ids
    roles = ids["Role"].ids
    if attribute == "remote":
        remote = runtime.ctx.role_remote
        return {r: "remote" if remote[i] > 0 else "on-site" for i, r in enumerate(roles)}
    if attribute == "country":
        where, names = runtime.ctx.role_country, ids["Location"].ids if "Location" in ids else []
    else:
        where, names = side.role_domain, ids["Domain"].ids if "Domain" in ids else []
    return {r: names[where[i]] for i, r in enumerate(roles) if where[i] >= 0}


def _best(scores: np.ndarray, role_ids: np.ndarray, n: int) -> dict[str, float]:
    """The ``n`` best roles of a list as role id -> score (ties by role id)."""
    order = np.lexsort((role_ids, -scores))[:n]
    return {str(role_ids[i]): float(scores[i]) for i in order}


class TwoSidedRanker:
    """Fuses the candidate-side and recruiter-side lists of one candidate's retrieved roles.

    Args:
        recommender: the recommender (its runtime, pools and reasons).
        side: the candidate-side score over the same runtime.
        list_length: how many roles each side's list keeps before the outer join.
    """

    def __init__(
        self, recommender: Recommender, side: CandidateSide, list_length: int = LIST_LENGTH
    ) -> None:
        self.recommender = recommender
        self.side = side
        self.list_length = list_length
        self._references: dict[str, tuple[dict[str, str], dict[str, float]]] = {}

    def groups(self, attribute: str) -> tuple[dict[str, str], dict[str, float]]:
        """(role id -> group, each group's share of all roles) of a role attribute (cached)."""
        if attribute not in self._references:
            group_of = role_groups(self.recommender.runtime, self.side, attribute)
            self._references[attribute] = (group_of, catalogue_reference(group_of))
        return self._references[attribute]

    def rank(
        self,
        candidate_id: str,
        k: int,
        fusion: str,
        weight: float = 0.5,
        *,
        normalise: bool = True,
        fair_attribute: str = "country",
    ) -> list[Match]:
        """The ``k`` best roles for a candidate in fused order.

        Args:
            candidate_id: the candidate.
            k: how many, in [1, 1000].
            fusion: a method of ``engine.matching.fusion.METHODS`` or ``"fair"``.
            weight: the candidate side's weight ``w`` in [0, 1] (``"fair"`` chooses its own).
            normalise: min-max scale each side over the candidate's list before fusing.
            fair_attribute: the role attribute ``"fair"`` evens out (``ROLE_ATTRIBUTES``).

        Raises:
            UnknownIdError: no candidate ``candidate_id`` in the graph.
            ConfigError: ``k``, ``fusion``, ``weight`` or ``fair_attribute`` out of range.
        """
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise out_of_range("k", f"an int in [1, {MAX_K}]", k)
        if fusion not in FUSIONS:
            rule = f"None or one of {', '.join(map(repr, FUSIONS))}"
            raise bad_parameter("fusion", "recommend_roles", rule, fusion)
        runtime = self.recommender.runtime
        ids = runtime.exported.ids
        query = ids["Candidate"].index_of(candidate_id)
        pool = self.recommender.pool("Candidate", query)
        if pool.size == 0:
            return []
        cand = np.full(pool.size, query)
        merit, X = runtime.score_pairs(cand, pool)
        terms = self.side.terms(cand, pool, X)
        suits = self.side.weighted(terms)
        role_ids = np.asarray(ids["Role"].ids, dtype=object)[pool]
        lists = _best(suits, role_ids, self.list_length), _best(merit, role_ids, self.list_length)
        fused = self.fused(*lists, fusion, weight, normalise, fair_attribute)[:k]
        at = {str(r): i for i, r in enumerate(role_ids)}
        out = []
        for rank, item in enumerate(fused, start=1):
            i = at[item.role_id]
            reasons = self.recommender.reasons(query, int(pool[i]), X[i])
            out.append(
                Match(
                    candidate_id=candidate_id,
                    role_id=item.role_id,
                    score=float(np.clip(merit[i], 0.0, 1.0)),
                    rank=rank,
                    reasons=(*reasons, *candidate_reasons(terms[i])),
                )
            )
        return out

    def fused(
        self,
        suits: Mapping[str, float],
        merit: Mapping[str, float],
        fusion: str,
        weight: float,
        normalise: bool,
        fair_attribute: str,
    ) -> list[FusedRole]:
        """The fused list of two scored lists (see :meth:`rank` for the parameters)."""
        if fusion != FAIR:
            return fuse(suits, merit, fusion, w=weight, normalise=normalise)
        group_of, reference = self.groups(fair_attribute)
        if len(reference) < 2:  # one group: every top is as even as any other
            return fuse(suits, merit, FAIR_METHOD, w=0.5, normalise=normalise)
        choice = optimise_weight(
            suits,
            merit,
            group_of,
            reference,
            method=FAIR_METHOD,
            k=FAIR_TOP,
            normalise=normalise,
        )
        return choice.fused
