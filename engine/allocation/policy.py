"""What an allocation must respect (``AllocationPolicy``) and the stakeholder weights.

The policy holds the hard constraints a recruiter sets: places per role (``capacity``),
minimum-representation quotas (a group's minimum share among the placed candidates) and
excluded (candidate, role) pairs. One role per candidate is not a setting: it always holds.
The stakeholder ``weights`` choose one allocation from the Pareto front; they are not
constraints. :func:`normalise_weights` is the one place both forms of weights are read.

Example:
    >>> policy = AllocationPolicy(
    ...     capacity=5,
    ...     quotas=[{"attribute": "gender", "group": "female", "min_share": 0.4}],
    ...     exclusions=[("c7", "r2")],
    ... )
    >>> policy.capacity_of("r2", 3), policy.quotas[0].min_share
    (5, 0.4)
    >>> normalise_weights({"merit": 1, "diversity": 0, "preference": 0})
    (1.0, 0.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from graph_schema.errors import ConfigError

OBJECTIVES: tuple[str, ...] = ("merit", "diversity", "preference")
BAD_WEIGHTS = (
    "The 'weights' parameter of allocate must be three numbers >= 0 (merit, diversity, "
    "preference), not all 0, or a dict with keys among {keys}. Got {value!r} instead."
)
BAD_POLICY = "The 'policy' parameter of allocate is invalid: {errors}"

Share = Annotated[float, Field(ge=0.0, le=1.0)]


class Quota(BaseModel):
    """A minimum share of one group (of an audited attribute) among the placed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attribute: str
    group: str
    min_share: Share


class AllocationPolicy(BaseModel):
    """The hard constraints of an allocation.

    Attributes:
        capacity: places per role: one number for every role, per role id (roles not
            named keep the graph's), or ``None`` (the roles' ``capacity`` in the graph,
            1 where unknown).
        quotas: minimum shares; also given as ``{(attribute, group): share}``.
        exclusions: (candidate id, role id) pairs that must not be assigned.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    capacity: Annotated[int, Field(ge=0)] | dict[str, Annotated[int, Field(ge=0)]] | None = None
    quotas: tuple[Quota, ...] = ()
    exclusions: tuple[tuple[str, str], ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _quota_mapping(cls, data: Any) -> Any:
        """Accept quotas as ``{(attribute, group): share}`` (the engine's older keyword)."""
        if isinstance(data, Mapping) and isinstance(data.get("quotas"), Mapping):
            data = dict(data)
            data["quotas"] = [
                {"attribute": a, "group": g, "min_share": s} for (a, g), s in data["quotas"].items()
            ]
        return data

    def capacity_of(self, role_id: str, graph_capacity: int | None) -> int:
        """Places of one role under this policy (``graph_capacity`` from the graph)."""
        if isinstance(self.capacity, int):
            return self.capacity
        if isinstance(self.capacity, dict) and role_id in self.capacity:
            return self.capacity[role_id]
        return int(graph_capacity or 1)


def make_policy(
    policy: AllocationPolicy | Mapping[str, Any] | None = None,
    *,
    capacity: int | Mapping[str, int] | None = None,
    quotas: Mapping[tuple[str, str], float] | None = None,
) -> AllocationPolicy:
    """One validated policy from ``policy`` and the ``capacity``/``quotas`` shortcuts.

    Raises:
        ConfigError: an invalid policy, or a shortcut that repeats a field ``policy`` sets.
    """
    try:
        base = (
            policy
            if isinstance(policy, AllocationPolicy)
            else AllocationPolicy.model_validate(dict(policy or {}))
        )
        update: dict[str, Any] = {}
        if capacity is not None:
            if base.capacity is not None:
                raise ConfigError("capacity is given twice: as a keyword and in the policy")
            update["capacity"] = capacity
        if quotas:
            if base.quotas:
                raise ConfigError("quotas are given twice: as a keyword and in the policy")
            update["quotas"] = quotas
        if not update:
            return base
        return AllocationPolicy.model_validate({**base.model_dump(), **update})
    except ValidationError as e:
        errors = "; ".join(
            f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise ConfigError(BAD_POLICY.format(errors=errors)) from e


def normalise_weights(
    weights: Sequence[float] | Mapping[str, float],
) -> tuple[float, float, float]:
    """``(merit, diversity, preference)`` from a 3-sequence or a dict (missing keys are 0).

    Raises:
        ConfigError: the wrong length or keys, a negative or non-numeric weight, all 0.
    """
    try:
        if isinstance(weights, Mapping):
            if not weights or set(weights) - set(OBJECTIVES):
                raise ValueError
            values = tuple(float(weights.get(k, 0.0)) for k in OBJECTIVES)
        else:
            values = tuple(float(w) for w in weights)
    except (TypeError, ValueError) as e:
        raise ConfigError(BAD_WEIGHTS.format(keys=set(OBJECTIVES), value=weights)) from e
    if len(values) != 3 or min(values) < 0 or sum(values) == 0:
        raise ConfigError(BAD_WEIGHTS.format(keys=set(OBJECTIVES), value=weights))
    return values  # type: ignore[return-value]
