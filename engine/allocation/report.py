"""``allocate``: the engine's allocation, from instance to the ``Allocation`` result.

Checks every argument (``engine.allocation.policy``), builds the instance from the engine
(``engine.allocation.build``), runs the seeded NSGA-II (``engine.allocation.solve``) with the
engine's seed, and reports the chosen allocation with each placement's score, preference and
short reasons, the whole front, and the exact merit optimum it is measured against.

Groups are the audit's, and so is its minimum group size (``MIN_N``, 30 distinct people):

- the quotas are the stored ones (``talentgraph policy quotas``); a caller's are refused;
- the quotas and the sensitive diversity categories (the fairness attributes) apply only
  when there are at least ``MIN_N`` *placeable* candidates (a scored arc, not excluded, to a
  role with a place) and ``MIN_N`` places they can fill (``build.Arcs.placeable``), never
  counted on the listed ones: candidates excluded from every role would pad a handful. Below, nothing of the
  allocation depends on a sensitive attribute, and a note says so without naming a group:
  otherwise a chosen handful of candidates and a quota answer, by the error or the result,
  which group each of them belongs to;
- what describes the groups of the placed (a front point's diversity and quota shortfall,
  the quota groups' shares) is reported only for at least ``MIN_N`` placed (``None`` and a
  note otherwise), and only to whom may read group aggregates (``disclose_groups``: an
  auditor or administrator). Two allocations that differ by one candidate (29 the same,
  capacity 30) would otherwise tell that candidate's group by the difference of their shares
  (or of their diversity, an entropy of the same counts); a recruiter's allocation reports
  neither while sensitive categories shaped it (a note says so);
- stored quotas that no allocation placing anyone meets (e.g. a group none of the
  candidates holds) are an error, never an empty allocation reported as meeting them; the
  message names no group;
- a missing or unreadable sensitive store leaves the sensitive categories out, with a
  warning on the result (``FairnessUnavailableWarning``); stored quotas on them cannot be
  applied then, which is an error naming the file.
"""

from __future__ import annotations

import warnings as python_warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.allocation.build import instance_from_arcs, served_instance_arcs
from engine.allocation.policy import (
    PER_CALL_QUOTAS,
    AllocationPolicy,
    Quota,
    check_budget,
    check_ids,
    make_policy,
    normalise_weights,
    stored_quotas,
)
from engine.allocation.solve import solve
from engine.context import EngineContext
from engine.fairness.groups import MIN_N, FairnessUnavailableWarning, sensitive_problem
from engine.results import Allocation, Assignment, FrontPoint, GroupShare
from graph_schema.errors import ConfigError, StoreError

SMALL = (
    "Quotas and the sensitive diversity categories ({attributes}) were not applied: they need "
    "at least {min_n} placeable candidates (with a scored, not excluded arc to a role with a "
    "place) and {min_n} places they can fill (the audit's minimum group size); this "
    "allocation has {candidates} and {places}."
)
SUPPRESSED = (
    "Group shares, diversity and quota shortfall are not reported for an allocation that "
    "places fewer than {min_n} people."
)
NOT_MET = (
    "The stored allocation quotas cannot be met for these {candidates} candidates and {places} "
    "places: {why}. They are an administrator's policy ('talentgraph policy quotas'); "
    "allocate does not drop them."
)
NOT_MET_EMPTY = "only an allocation that places nobody meets them"
NOT_MET_SHORT = "the best allocation found misses them by {shortfall:g} placements"
WITHHELD = (
    "Group shares, the diversity and the quota shortfall of an allocation shaped by the "
    "sensitive categories ({attributes}) are reported to auditors and administrators only "
    "(disclose_groups; allocate --group-shares): two allocations that differ by one candidate "
    "would tell that candidate's group."
)
NO_SENSITIVE_DIVERSITY = "diversity without the sensitive categories ({attributes}): {problem}"
QUOTAS_NEED_SENSITIVE = (
    "the stored allocation quotas name sensitive attributes, which cannot be read: {problem}"
)


def allocate(
    ctx: EngineContext,
    role_ids: Sequence[str],
    candidate_ids: Sequence[str],
    weights: Sequence[float] | Mapping[str, float] = (1.0, 1.0, 1.0),
    policy: AllocationPolicy | Mapping[str, Any] | None = None,
    *,
    capacity: int | Mapping[str, int] | None = None,
    quotas: Any = None,
    generations: int = 100,
    pop_size: int = 60,
    disclose_groups: bool = False,
) -> Allocation:
    """See ``MatchingEngine.allocate`` and the module docstring.

    Raises:
        ConfigError: a bad argument, a caller's quotas, or stored quotas that cannot be met.
        StoreError: stored quotas on sensitive attributes and no readable sensitive store.
        UnknownIdError: an id is not in the graph.
    """
    if quotas:
        raise ConfigError(PER_CALL_QUOTAS.format(name="quotas", value=quotas))
    if isinstance(policy, Mapping) and policy.get("quotas"):
        raise ConfigError(PER_CALL_QUOTAS.format(name="policy", value=dict(policy)))
    if isinstance(policy, AllocationPolicy) and policy.quotas:
        raise ConfigError(PER_CALL_QUOTAS.format(name="policy", value=policy))
    weights = normalise_weights(weights)
    check_budget(generations, pop_size)
    policy = make_policy(policy, capacity=capacity)
    roles = check_ids(role_ids, "role_ids", "role")
    cands = check_ids(candidate_ids, "candidate_ids", "candidate")
    sensitive_attributes = tuple(ctx.settings.train.fairness_attributes)
    categories = (*sensitive_attributes, "location", "institution")
    stored = stored_quotas(ctx.store, categories)
    arcs = served_instance_arcs(ctx, roles, cands, policy)
    # the placeable candidates and the places they can fill, not the ones listed: excluded or
    # unscored candidates would otherwise pad a chosen handful up to the minimum
    placeable, places = arcs.placeable()
    large = placeable >= MIN_N and places >= MIN_N
    notes: list[str] = []
    flags: list[str] = []
    applied: tuple[Quota, ...] = stored if large else ()
    use_sensitive = large
    if not large:
        notes.append(
            SMALL.format(
                attributes=", ".join(sensitive_attributes) or "-",
                candidates=placeable,
                places=places,
                min_n=MIN_N,
            )
        )
    elif sensitive_attributes:
        problem = sensitive_problem(ctx.store)
        if problem is not None:
            if any(q.attribute in sensitive_attributes for q in applied):
                raise StoreError(QUOTAS_NEED_SENSITIVE.format(problem=problem))
            use_sensitive = False
            flags.append(
                NO_SENSITIVE_DIVERSITY.format(
                    attributes=", ".join(sensitive_attributes), problem=problem
                )
            )
            python_warnings.warn(flags[-1], FairnessUnavailableWarning, stacklevel=3)
    inst, ids = instance_from_arcs(
        ctx, arcs, policy.model_copy(update={"quotas": applied}), sensitive=use_sensitive
    )
    result = solve(
        inst, weights=weights, pop_size=pop_size, generations=generations, seed=ctx.settings.seed
    )
    if inst.quotas and large:  # never below the minimum: the error would tell groups apart
        _check_met(inst, result, placeable, places)
    rec = ctx.serving.recommender()
    graph_ids = rec.runtime.exported.ids
    score = {
        (int(c), int(r)): (float(s), float(p))
        for c, r, s, p in zip(
            inst.arc_candidate, inst.arc_role, inst.arc_score, inst.arc_preference, strict=True
        )
    }
    placed = sorted(result.chosen.assignment.items(), key=lambda cr: (-score[cr][0], cr[0]))
    c_idx = np.array(
        [graph_ids["Candidate"].index_of(ids.candidates[c]) for c, _ in placed], dtype=np.int64
    )
    r_idx = np.array([graph_ids["Role"].index_of(ids.roles[r]) for _, r in placed], dtype=np.int64)
    X = rec.runtime.features(c_idx, r_idx) if placed else None
    assignments = tuple(
        Assignment(
            candidate_id=ids.candidates[c],
            role_id=ids.roles[r],
            score=score[c, r][0],
            preference=score[c, r][1],
            reasons=tuple(rec.reasons(int(c_idx[i]), int(r_idx[i]), X[i])),
        )
        for i, (c, r) in enumerate(placed)
    )
    # what describes the sensitive groups of the placed, to whom may read it (module docstring)
    withheld = use_sensitive and bool(sensitive_attributes) and not disclose_groups
    front = tuple(
        FrontPoint(
            merit=m.merit,
            diversity=m.diversity if len(m.assignment) >= MIN_N and not withheld else None,
            preference=m.preference,
            placed=len(m.assignment),
            quota_shortfall=(
                m.quota_shortfall if len(m.assignment) >= MIN_N and not withheld else None
            ),
        )
        for m in result.front
    )
    if withheld:
        notes.append(WITHHELD.format(attributes=", ".join(sensitive_attributes)))
    elif any(len(m.assignment) < MIN_N for m in result.front):
        notes.append(SUPPRESSED.format(min_n=MIN_N))
    chosen = next(i for i, m in enumerate(result.front) if m is result.chosen)
    unplaced = tuple(c for i, c in enumerate(ids.candidates) if i not in result.chosen.assignment)
    return Allocation(
        assignments=assignments,
        unplaced=unplaced,
        front=front,
        chosen=chosen,
        exact_merit=result.exact_merit,
        weights=result.weights,
        relaxed=tuple(result.relaxed),
        quotas_applied=bool(applied),
        group_shares=(
            () if withheld else _shares(inst, ids.group_names, applied, result.chosen.assignment)
        ),
        notes=tuple(notes),
        warnings=tuple(flags),
    )


def _check_met(inst: Any, result: Any, candidates: int, places: int) -> None:
    """Raise when the chosen allocation misses a quota, or meets them only by placing nobody
    while someone could be placed."""
    chosen = result.chosen
    placeable = bool(inst.arc_role.size) and bool((inst.capacity[inst.arc_role] > 0).any())
    if chosen.quota_shortfall > 0:
        why = NOT_MET_SHORT.format(shortfall=chosen.quota_shortfall)
    elif not chosen.assignment and placeable:
        why = NOT_MET_EMPTY
    else:
        return
    raise ConfigError(NOT_MET.format(candidates=candidates, places=places, why=why))


def _shares(
    inst: Any,
    group_names: Mapping[str, list[str]],
    quotas: Sequence[Quota],
    assignment: Mapping[int, int],
) -> tuple[GroupShare, ...]:
    """Each applied quota's group share among the placed (none below ``MIN_N`` placed)."""
    if len(assignment) < MIN_N:
        return ()
    placed = np.fromiter(assignment.keys(), np.int64, len(assignment))
    out = []
    for quota in quotas:
        labels = group_names[quota.attribute]
        code = labels.index(quota.group) if quota.group in labels else -2
        members = int((inst.groups[quota.attribute][placed] == code).sum())
        out.append(
            GroupShare(
                attribute=quota.attribute,
                group=quota.group,
                share=members / placed.size,
                min_share=quota.min_share,
            )
        )
    return tuple(out)
