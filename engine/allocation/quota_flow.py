"""A quota-meeting seed: the exact merit flow with a bonus on the groups a quota protects.

A minimum-representation quota (group ``g`` holds at least ``share`` of the placed) is not a
flow constraint, but its Lagrangian is a change of arc costs: every arc of a member of ``g``
gains ``lam * (1 - share)``, every other arc loses ``lam * share`` (so a placement of a
non-member must now earn its place, and the bypass may win). For each quota the smallest
``lam`` (bisection, ``steps`` halvings of ``[0, (1 + max score) / share]``; at the top no
non-member is worth placing) at which the
min-cost flow of the changed scores meets it is found, quotas in turn, a few rounds; the
result meets every quota it can and gives up as little merit as this price allows. It is one
of the NSGA-II's seeds (``engine.allocation.solve``), not a proof of optimality: the merit it
costs is measured against the exact optimum in ``talentgraph bench allocate``.

Example:
    >>> x = quota_seed(instance)            # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from engine.allocation.exact import exact_allocation
from engine.allocation.problem import AllocationInstance, constraint_rows


def _flow_row(inst: AllocationInstance, value: np.ndarray) -> np.ndarray:
    """The variables (``x``) of the min-cost flow over arc values ``value``."""
    # arcs that cannot beat the bypass are never used: dropping them keeps the flow small
    use = value > 0
    out = exact_allocation(
        inst.arc_candidate[use],
        inst.arc_role[use],
        value[use],
        inst.capacity,
        inst.n_candidates,
    )
    return inst.variables(out.assignment)


def _shortfall(inst: AllocationInstance, x: np.ndarray, key: tuple[str, int]) -> float:
    """Members of the quota's group missing from the placed of ``x`` (0: met)."""
    placed = x > 0
    have = int((inst.groups[key[0]][placed] == key[1]).sum())
    return max(0.0, float(np.ceil(inst.quotas[key] * placed.sum() - 1e-9)) - have)


def quota_seed(inst: AllocationInstance, steps: int = 12, rounds: int = 3) -> np.ndarray:
    """One allocation meeting the instance's quotas where a price on them can (see the
    module docstring); the merit optimum when there is no quota.

    Args:
        inst: the instance.
        steps: bisection steps per quota (the price's resolution is ``2**-steps``).
        rounds: passes over the quotas (a later quota's price may undo an earlier one).
    """
    prices = {key: 0.0 for key in inst.quotas}

    def value() -> np.ndarray:
        v = inst.arc_score.copy()
        for (category, group), share in inst.quotas.items():
            member = inst.groups[category][inst.arc_candidate] == group
            lam = prices[category, group]
            v += np.where(member, lam * (1.0 - share), -lam * share)
        return v

    x = _flow_row(inst, value())
    for _ in range(rounds):
        if not inst.quotas or constraint_rows(inst, inst.arcs_of(x[None, :]))[0, 1] == 0:
            break
        for key in inst.quotas:
            if _shortfall(inst, x, key) == 0:
                continue
            low, high = (
                prices[key],
                (1.0 + np.abs(inst.arc_score).max()) / max(inst.quotas[key], 1e-3),
            )
            prices[key] = high
            best = _flow_row(inst, value())
            if _shortfall(inst, best, key) > 0:  # out of reach of any price: leave it
                prices[key] = low
                continue
            for _ in range(steps):
                prices[key] = (low + high) / 2
                trial = _flow_row(inst, value())
                if _shortfall(inst, trial, key) == 0:
                    high, best = prices[key], trial
                else:
                    low = prices[key]
            prices[key] = high
            x = best
    return x
