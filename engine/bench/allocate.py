"""``talentgraph bench allocate``: the allocation at scale, against its exact merit optimum.

On one trained store, in one process, with the calibrated scores ``recommend_candidates``
returns (the arcs ``engine.allocation.build.instance_from_engine`` builds):

1. **medium** (default 2,000 candidates x 300 roles, capacity 5; :func:`contested_draw`:
   the roles drawn by the seed, the candidates those roles' served pools hold most often, so
   that each competes for several roles; both sides drawn at random gave 3.8 arcs per
   candidate at scale 1, a thin and easy instance): the instance build (batched, and the per-role ``rank`` path it replaces, checked equal), the
   exact optimum (min-cost flow), the seeded NSGA-II with merit-only weights (what
   ``allocate(..., weights={"merit": 1, "diversity": 0, "preference": 0})`` chooses) and the
   same search from random valid individuals only; some pairs of the merit optimum are
   excluded by policy. Every allocation of every front is checked against every hard
   constraint (pairs among the arcs, one role per candidate, capacity, exclusions, quotas).
2. **quota**: the group with the lowest share among the merit-optimal placements gets a
   minimum share ``margin`` above it; the chosen allocation must meet it; the merit it costs
   against the exact optimum and whether the search relaxed are reported.
3. **scale** (``full``): every candidate and role of the store, the same measures; the
   batched arcs are checked against ``rank`` on a seeded sample of 50 roles.
4. **exact alone** on a synthetic instance (default 20,000 x 3,000, the top 50 roles per
   candidate: 1 M arcs), and a cross-check of the optimum with scipy's
   ``min_weight_full_bipartite_matching`` on the slot-expanded problem of a smaller one.

Budgets are generations; the same seed gives the same numbers (times aside).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.allocation.build import instance_from_engine
from engine.allocation.exact import exact_allocation
from engine.allocation.policy import AllocationPolicy
from engine.allocation.pools import role_pools
from engine.allocation.problem import AllocationInstance
from engine.allocation.solve import SolveResult, solve
from engine.bench.facts import peak_rss_mib
from engine.bench.store import trained_bench_store

if TYPE_CHECKING:
    from engine.api import MatchingEngine

MERIT_ONLY = {"merit": 1.0, "diversity": 0.0, "preference": 0.0}


def contested_draw(
    rec: Any, roles: int, candidates: int, seed: int
) -> tuple[list[str], list[str], dict[str, Any]]:
    """``roles`` roles drawn by ``seed``, and the ``candidates`` candidates found in the most
    of their served pools (``Recommender.pool``; ties in a seeded random order).

    Returns:
        The role ids, the candidate ids (both sorted) and facts on the draw: the fewest pools
        a drawn candidate is in, and the mean.
    """
    ids = rec.runtime.exported.ids
    rng = np.random.default_rng(seed)
    r_idx = np.sort(rng.choice(len(ids["Role"]), size=min(roles, len(ids["Role"])), replace=False))
    held = np.concatenate([np.zeros(0, np.int64), *role_pools(rec, r_idx)])
    in_pools = np.bincount(held, minlength=len(ids["Candidate"]))
    shuffle = rng.permutation(in_pools.size)
    order = shuffle[np.argsort(-in_pools[shuffle], kind="stable")]
    c_idx = np.sort(order[: min(candidates, int((in_pools > 0).sum()))])
    facts = {
        "how": "roles drawn by the seed; the candidates in the most of their served pools",
        "pools_per_candidate_min": int(in_pools[c_idx].min()) if c_idx.size else 0,
        "pools_per_candidate_mean": round(float(in_pools[c_idx].mean()), 2) if c_idx.size else 0,
        "candidates_in_any_pool": int((in_pools > 0).sum()),
    }
    return [ids["Role"].ids[i] for i in r_idx], [ids["Candidate"].ids[i] for i in c_idx], facts


def hard_constraint_breaches(
    inst: AllocationInstance, assignment: dict[int, int], excluded: set[tuple[int, int]]
) -> list[str]:
    """What one allocation breaks (empty: nothing), checked from its assignment alone."""
    breaches = []
    arcs = set(zip(inst.arc_candidate.tolist(), inst.arc_role.tolist(), strict=True))
    if any(pair not in arcs for pair in assignment.items()):
        breaches.append("a pair that is not an arc")
    if any(pair in excluded for pair in assignment.items()):
        breaches.append("an excluded pair")
    counts = np.bincount(list(assignment.values()), minlength=inst.capacity.size)
    if (counts > inst.capacity).any():
        breaches.append("a role over capacity")
    placed = np.array(sorted(assignment), dtype=np.int64)
    for (category, group), share in inst.quotas.items():
        have = int((inst.groups[category][placed] == group).sum())
        if have < np.ceil(share * placed.size - 1e-9):
            breaches.append(f"quota {category}={group} missed")
    return breaches  # one role per candidate: a dict keyed by candidate cannot break it


def _run(
    inst: AllocationInstance,
    excluded: set[tuple[int, int]],
    exact: float,
    say: Callable[[str], None],
    **kwargs: Any,
) -> tuple[dict[str, Any], SolveResult]:
    """One NSGA-II run: time, the chosen merit against the optimum, every front checked."""
    began = time.perf_counter()
    result = solve(inst, say=say, **kwargs)
    seconds = time.perf_counter() - began
    breaches = [
        b
        for m in [*result.front, result.chosen]
        for b in hard_constraint_breaches(inst, m.assignment, excluded)
    ]
    quota_met = [m.quota_shortfall == 0 for m in result.front]
    best = max(m.merit for m in result.front)
    return {
        "seconds": round(seconds, 2),
        "front": len(result.front),
        "chosen_merit": round(result.chosen.merit, 4),
        "chosen_share_of_optimum": round(result.chosen.merit / exact, 5) if exact else 1.0,
        "chosen_gap_pct": round(100 * (1 - result.chosen.merit / exact), 3) if exact else 0.0,
        "best_front_share_of_optimum": round(best / exact, 5) if exact else 1.0,
        "chosen_placed": len(result.chosen.assignment),
        "chosen_diversity": round(result.chosen.diversity, 4),
        "front_members_meeting_quotas": int(sum(quota_met)),
        "hard_constraint_breaches": sorted(set(breaches)),
        "all_hard_constraints_hold": not breaches,
        "relaxed": list(result.relaxed),
    }, result


def _exact(inst: AllocationInstance) -> tuple[dict[str, Any], Any]:
    began = time.perf_counter()
    out = exact_allocation(
        inst.arc_candidate, inst.arc_role, inst.arc_score, inst.capacity, inst.n_candidates
    )
    return {
        "seconds": round(time.perf_counter() - began, 3),
        "merit": round(out.total, 4),
        "placed": len(out.assignment),
        "arcs": out.arcs,
    }, out


def _instance_facts(inst: AllocationInstance) -> dict[str, Any]:
    _, degree = inst.offsets
    return {
        "candidates": inst.n_candidates,
        "roles": int(inst.capacity.size),
        "places": int(inst.capacity.sum()),
        "arcs": int(inst.arc_score.size),
        "candidates_with_arcs": int((degree > 0).sum()),
        "mean_arcs_per_candidate": round(float(degree.mean()), 2),
    }


def quota_case(
    inst: AllocationInstance,
    group_names: dict[str, list[str]],
    exact: Any,
    margin: float,
    categories: tuple[str, ...],
) -> tuple[str, str, int, float, float]:
    """The group (attribute, name, code) of ``categories`` (the fairness attributes: a
    minimum-representation quota protects a group) with the lowest share among the merit
    optimum's placements (of groups holding at least 5 % of the candidates), its share
    there, and the quota ``share + margin``."""
    placed = np.array(sorted(exact.assignment), dtype=np.int64)
    best = None
    for category in categories:
        codes = inst.groups[category]
        for code, name in enumerate(group_names[category]):
            if (codes == code).mean() < 0.05:
                continue
            share = float((codes[placed] == code).mean())
            if best is None or share < best[4]:
                best = (category, name, code, 0.0, share)
    if best is None:
        raise ValueError("no group holds 5 % of the candidates")
    category, name, code, _, share = best
    return category, name, code, round(min(1.0, share + margin), 3), share


def _case(
    eng: MatchingEngine,
    role_ids: list[str],
    cand_ids: list[str],
    label: str,
    *,
    capacity: int,
    generations: int,
    pop_size: int,
    seed: int,
    excluded_share: float,
    margin: float,
    compare_rank: bool,
    rank_sample: int = 50,
    random_start: bool,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Build, exact, seeded (and random-start) runs and the quota case on one selection."""
    out: dict[str, Any] = {}
    rec = eng.serving.recommender()
    say(f"[{label}] building the instance ({len(cand_ids):,} x {len(role_ids):,}) ...")
    began = time.perf_counter()
    inst, ids = instance_from_engine(
        eng.context, role_ids, cand_ids, AllocationPolicy(capacity=capacity)
    )
    out["build_seconds"] = round(time.perf_counter() - began, 2)
    # the path the batched build replaces: one ranked list per role (every role of the
    # medium case, a seeded sample of ``rank_sample`` roles otherwise), checked equal
    checked = (
        np.arange(len(ids.roles))
        if compare_rank
        else np.sort(
            np.random.default_rng(seed).choice(
                len(ids.roles), min(rank_sample, len(ids.roles)), replace=False
            )
        )
    )
    col = {c: i for i, c in enumerate(ids.candidates)}
    began = time.perf_counter()
    arcs = set()
    for j in checked.tolist():
        for m in rec.rank("Role", ids.roles[j], 300, reasons=False):
            if m.candidate_id in col:
                arcs.add((col[m.candidate_id], j, round(m.score, 12)))
    out["build_rank_checked_roles"] = int(checked.size)
    out["build_rank_per_role_seconds"] = round(time.perf_counter() - began, 2)
    on_checked = np.isin(inst.arc_role, checked)
    mine = {
        (int(c), int(r), round(float(s), 12))
        for c, r, s in zip(
            inst.arc_candidate[on_checked],
            inst.arc_role[on_checked],
            inst.arc_score[on_checked],
            strict=True,
        )
    }
    out["build_batched_equals_rank"] = mine == arcs
    say(f"[{label}] exact optimum over {inst.arc_score.size:,} arcs ...")
    out["exact_unrestricted"], optimum = _exact(inst)
    # a recruiter's exclusions: a share of the merit optimum's own pairs, drawn by the seed
    rng = np.random.default_rng(seed)
    pairs = sorted(optimum.assignment.items())
    n_excluded = round(excluded_share * len(pairs))
    chosen = rng.choice(len(pairs), size=n_excluded, replace=False) if n_excluded else []
    excluded = {pairs[i] for i in chosen}
    policy = AllocationPolicy(
        capacity=capacity,
        exclusions=tuple((ids.candidates[c], ids.roles[r]) for c, r in sorted(excluded)),
    )
    keep = np.array(
        [(int(c), int(r)) not in excluded for c, r in zip(inst.arc_candidate, inst.arc_role)]
    )
    inst = AllocationInstance.build(
        inst.n_candidates,
        inst.capacity,
        inst.arc_candidate[keep],
        inst.arc_role[keep],
        inst.arc_score[keep],
        inst.arc_preference[keep],
        groups=inst.groups,
    )
    if compare_rank:  # the policy's exclusions through the engine give the same instance
        began = time.perf_counter()
        again, _ = instance_from_engine(eng.context, role_ids, cand_ids, policy)
        out["build_with_exclusions_seconds"] = round(time.perf_counter() - began, 2)
        out["build_exclusions_equal"] = all(
            np.array_equal(getattr(again, f), getattr(inst, f))
            for f in ("capacity", "arc_candidate", "arc_role", "arc_score", "arc_preference")
        )
    out["instance"] = {**_instance_facts(inst), "excluded_pairs": len(excluded)}
    out["exact"], optimum = _exact(inst)
    exact = optimum.total
    budget = {"pop_size": pop_size, "generations": generations, "seed": seed}
    budget_api = {"pop_size": pop_size, "generations": generations}
    say(f"[{label}] seeded NSGA-II ({generations} generations, population {pop_size}) ...")
    out["seeded"], _ = _run(inst, excluded, exact, say, weights=MERIT_ONLY, **budget)
    if compare_rank:  # what the API chooses is what the seeded run chose
        say(f"[{label}] eng.allocate end to end ...")
        began = time.perf_counter()
        api = eng.allocate(role_ids, cand_ids, MERIT_ONLY, policy, **budget_api)
        out["api"] = {
            "seconds": round(time.perf_counter() - began, 2),
            "chosen_merit": round(api.front[api.chosen].merit, 4),
            "exact_merit": round(api.exact_merit, 4),
            "equals_seeded_run": abs(api.front[api.chosen].merit - out["seeded"]["chosen_merit"])
            < 1e-3,
            "excluded_pairs_placed": sum(
                (a.candidate_id, a.role_id) in set(policy.exclusions) for a in api.assignments
            ),
        }
    if random_start:
        say(f"[{label}] the same search from random valid individuals only ...")
        out["random_start"], _ = _run(
            inst, excluded, exact, say, weights=MERIT_ONLY, seeded=False, **budget
        )
    category, name, code, share, had = quota_case(
        inst, ids.group_names, optimum, margin, tuple(eng.settings.train.fairness_attributes)
    )
    say(f"[{label}] quota {category}={name} >= {share:.3f} (merit optimum: {had:.3f}) ...")
    quota_inst = dataclasses.replace(inst, quotas={(category, code): share})
    quota, result = _run(quota_inst, excluded, exact, say, weights=MERIT_ONLY, **budget)
    placed = np.array(sorted(result.chosen.assignment), dtype=np.int64)
    quota.update(
        attribute=category,
        group=name,
        merit_optimum_share=round(had, 4),
        min_share=share,
        chosen_share=round(float((inst.groups[category][placed] == code).mean()), 4),
        chosen_meets_quota=result.chosen.quota_shortfall == 0,
        merit_cost_pct=quota["chosen_gap_pct"],
    )
    out["quota"] = quota
    return out


def random_arcs(
    candidates: int, roles: int, top: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``top`` distinct random roles per candidate, with random scores rounded to 1e-6."""
    rng = np.random.default_rng(seed)
    c = np.repeat(np.arange(candidates), top)
    r = np.concatenate([rng.choice(roles, top, replace=False) for _ in range(candidates)])
    return c, r, np.round(rng.random(c.size), 6)


def synthetic_exact(
    candidates: int, roles: int, top: int, capacity: int, seed: int
) -> dict[str, Any]:
    """The exact solver alone on random scores, ``top`` distinct roles per candidate."""
    c, r, s = random_arcs(candidates, roles, top, seed)
    began = time.perf_counter()
    out = exact_allocation(c, r, s, np.full(roles, capacity), candidates)
    return {
        "candidates": candidates,
        "roles": roles,
        "top_roles_per_candidate": top,
        "capacity": capacity,
        "arcs": out.arcs,
        "seconds": round(time.perf_counter() - began, 2),
        "merit": round(out.total, 6),
        "placed": len(out.assignment),
        "peak_rss_mib": peak_rss_mib(),
    }


def scipy_cross_check(
    candidates: int, roles: int, top: int, capacity: int, seed: int
) -> dict[str, Any]:
    """The min-cost flow's optimum against scipy's sparse full bipartite matching on the
    slot-expanded problem (each role's ``capacity`` slots, plus one own "unplaced" slot per
    candidate; costs ``1 + max - score`` so that every edge is stored and positive)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    c, r, s = random_arcs(candidates, roles, top, seed)
    began = time.perf_counter()
    flow = exact_allocation(c, r, s, np.full(roles, capacity), candidates)
    flow_s = time.perf_counter() - began
    shift = 1.0 + float(s.max())
    slot = np.arange(capacity)
    rows = np.concatenate([np.repeat(c, capacity), np.arange(candidates)])
    cols = np.concatenate(
        [(r[:, None] * capacity + slot[None, :]).ravel(), roles * capacity + np.arange(candidates)]
    )
    cost = np.concatenate([np.repeat(shift - s, capacity), np.full(candidates, shift)])
    began = time.perf_counter()
    graph = csr_matrix((cost, (rows, cols)), shape=(candidates, roles * capacity + candidates))
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    scipy_s = time.perf_counter() - began
    total = candidates * shift - float(np.asarray(graph[row_ind, col_ind]).sum())
    return {
        "candidates": candidates,
        "roles": roles,
        "top_roles_per_candidate": top,
        "capacity": capacity,
        "flow_seconds": round(flow_s, 3),
        "scipy_seconds": round(scipy_s, 3),
        "flow_merit": round(flow.total, 6),
        "scipy_merit": round(total, 6),
        "agree": abs(flow.total - total) <= 1e-6 * candidates,
    }


def bench_allocate(
    scale: float,
    seed: int,
    workdir: Path,
    *,
    candidates: int = 2000,
    roles: int = 300,
    capacity: int = 5,
    generations: int = 100,
    pop_size: int = 60,
    excluded_share: float = 0.01,
    margin: float = 0.05,
    full: bool = True,
    synthetic: tuple[int, int, int] = (20000, 3000, 50),
    cross_check: tuple[int, int, int] = (5000, 750, 50),
    train: Any = None,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the allocation benchmark (see the module docstring).

    Args:
        scale, seed, workdir: the benchmark store (``engine.bench.store.trained_bench_store``).
        candidates, roles: the medium selection (:func:`contested_draw` by ``seed``).
        capacity: places per role in every case.
        generations, pop_size: the NSGA-II budget of every run.
        excluded_share: share of the merit optimum's pairs excluded by policy.
        margin: the quota is the lowest group share of the merit optimum plus this.
        full: also run every candidate and role of the store.
        synthetic: (candidates, roles, top) of the exact-only instance; ``(0, 0, 0)`` skips.
        cross_check: (candidates, roles, top) of the scipy cross-check; ``(0, 0, 0)`` skips.
        train: ``TrainOptions`` for the training run when the store has no model.
        say: progress lines.
    """
    with trained_bench_store(scale, seed, workdir, train) as (eng, facts):
        began = time.perf_counter()
        rec = eng.serving.recommender()
        facts["open_seconds"] = round(time.perf_counter() - began, 1)
        ids = rec.runtime.exported.ids
        all_roles, all_cands = list(ids["Role"].ids), list(ids["Candidate"].ids)
        facts["nodes"] = {"Candidate": len(all_cands), "Role": len(all_roles)}
        facts["budget"] = {"generations": generations, "pop_size": pop_size, "seed": seed}
        pick_r, pick_c, draw = contested_draw(rec, roles, candidates, seed)
        common = {
            "capacity": capacity,
            "generations": generations,
            "pop_size": pop_size,
            "seed": seed,
            "excluded_share": excluded_share,
            "margin": margin,
            "say": say,
        }
        facts["medium"] = {
            "draw": draw,
            **_case(eng, pick_r, pick_c, "medium", compare_rank=True, random_start=True, **common),
        }
        if full:
            facts["full"] = _case(
                eng,
                all_roles,
                all_cands,
                "full",
                compare_rank=False,
                random_start=False,
                **common,
            )
        if all(synthetic):
            say(f"exact solver alone on a synthetic {synthetic[0]:,} x {synthetic[1]:,} ...")
            facts["synthetic_exact"] = synthetic_exact(*synthetic, capacity, seed)
        if all(cross_check):
            say(f"scipy cross-check on {cross_check[0]:,} x {cross_check[1]:,} ...")
            facts["scipy_cross_check"] = scipy_cross_check(*cross_check, capacity, seed)
        facts["peak_rss_mib"] = peak_rss_mib()
    return facts
