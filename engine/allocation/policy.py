"""What an allocation must respect (``AllocationPolicy``), the stored quotas, the stakeholder
weights, and the checks of every argument of ``allocate``.

A recruiter's call sets places per role (``capacity``, an int in [0, :data:`MAX_CAPACITY`])
and excluded (candidate, role) pairs. Minimum-representation quotas (a group's minimum share
among the placed) are not a per-call argument: a quota chosen per call over a chosen set of
candidates answers, by its error or its result, which group each candidate belongs to. They
are an allocation policy an administrator or auditor stores with the store
(``talentgraph policy quotas --set gender=female:0.4``,
``MatchingEngine.set_allocation_quotas``), in ``<sensitive store>.allocation-policy.json``
beside the audit-only sensitive store; ``allocate`` applies the stored ones
(``engine.allocation.report``) and refuses quotas given to it. One role per candidate is not a setting: it always holds. The
stakeholder ``weights`` choose one allocation from the Pareto front; they are not
constraints. :func:`normalise_weights` is the one place both forms of weights are read.

Every bad value is a ``ConfigError`` naming the parameter, the rule and the value, as
scikit-learn words it: "The 'capacity' parameter of allocate must be an int in [0, 1000000]
or a dict of role id -> such an int. Got 100000000000000000000 instead."

Example:
    >>> policy = AllocationPolicy(capacity=5, exclusions=[("c7", "r2")])
    >>> policy.capacity_of("r2", 3)
    5
    >>> normalise_weights({"merit": 1, "diversity": 0, "preference": 0})
    (1.0, 0.0, 0.0)
    >>> str(parse_quota("gender=female:0.4", ("gender", "age_band")))
    'gender=female:0.4'
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from graph_schema.errors import ConfigError
from graph_schema.params import bad_parameter
from loaders.private_files import FILE_MODE, fsync_dir, private_dir

OBJECTIVES: tuple[str, ...] = ("merit", "diversity", "preference")
MAX_CAPACITY = 1_000_000
"""Places of one role at most: the largest ``capacity`` a role may have in the dataset
format (``loaders.records``)."""
MAX_GENERATIONS = 10_000
MAX_POP_SIZE = 1_000
POLICY_SUFFIX = ".allocation-policy.json"
MAX_QUOTA_SHARE = 0.5
"""The largest minimum share a stored quota may ask for: a quota asks for representation,
not exclusion. A share of 1 (or close) over a pool of merit-ordered candidates makes one
``allocate`` call sort everyone by group (all placed in it, all unplaced not); capped, the
placed set still carries aggregate group information (docs/allocation.md)."""
MAX_NAME_LENGTH = 100
"""The longest quota attribute or group name (characters)."""

BAD_WEIGHTS = (
    "The 'weights' parameter of allocate must be three finite numbers >= 0 (merit, diversity, "
    "preference), not all 0, or a dict of such numbers with keys among {keys}. Got {value!r} "
    "instead."
)
BAD_POLICY = "The 'policy' parameter of allocate is invalid: {errors}"
CAPACITY_RULE = f"an int in [0, {MAX_CAPACITY}] or a dict of role id -> such an int"
IDS_RULE = "a non-empty list of {what} ids (strings)"
PER_CALL_QUOTAS = (
    "The '{name}' parameter of allocate takes no quotas: quotas are an allocation policy an "
    "administrator stores ('talentgraph policy quotas --set ATTRIBUTE=GROUP:SHARE' or "
    "MatchingEngine.set_allocation_quotas), and allocate applies the stored ones. "
    "Got {value!r} instead."
)
QUOTA_RULE = (
    "ATTRIBUTE=GROUP:SHARE with ATTRIBUTE one of {categories}, a GROUP name (1 to "
    f"{MAX_NAME_LENGTH} characters, no control or format characters) and SHARE a number in "
    f"[0, {MAX_QUOTA_SHARE:g}]"
)
QUOTA_OVER_CAP = (
    "quotas whose minimum share is at most {cap:g} (a quota asks for representation, not "
    "exclusion; {quota} asks for {share:g})"
)
QUOTA_TWICE = "quotas naming each ATTRIBUTE=GROUP once ({quota} is given twice)"
QUOTA_OVER_ONE = (
    "quotas whose minimum shares of one attribute add up to at most 1 (those of {attribute} "
    "add up to {total:g}: no allocation that places anyone can meet them)"
)
BAD_POLICY_FILE = "allocation policy {path}: {error}"

Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Capacity = Annotated[int, Field(ge=0, le=MAX_CAPACITY)]


class Quota(BaseModel):
    """A minimum share of one group (of a diversity category) among the placed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attribute: Annotated[str, Field(min_length=1)]
    group: Annotated[str, Field(min_length=1)]
    min_share: Share

    @field_validator("attribute", "group")
    @classmethod
    def _printable(cls, value: str) -> str:
        """No control or format characters (Unicode Cc, Cf: escapes, bidi overrides) and at
        most :data:`MAX_NAME_LENGTH` characters: names are stored and printed."""
        if len(value) > MAX_NAME_LENGTH:
            raise ValueError(f"longer than {MAX_NAME_LENGTH} characters")
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
            raise ValueError("control or format characters are not allowed")
        return value

    def __str__(self) -> str:
        return f"{self.attribute}={self.group}:{self.min_share:g}"


class StoredQuotas(BaseModel):
    """The file of the stored quotas (``<sensitive store>.allocation-policy.json``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quotas: tuple[Quota, ...] = ()


class AllocationPolicy(BaseModel):
    """The hard constraints of an allocation.

    Attributes:
        capacity: places per role: one number for every role, per role id (roles not
            named keep the graph's), or ``None`` (the roles' ``capacity`` in the graph,
            1 where unknown); at most :data:`MAX_CAPACITY`.
        quotas: the minimum shares the allocation applies: set by ``allocate`` from the
            stored quotas (a caller's are refused there); also given as
            ``{(attribute, group): share}``.
        exclusions: (candidate id, role id) pairs that must not be assigned.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    capacity: Capacity | dict[str, Capacity] | None = None
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
        """Places of one role under this policy (``graph_capacity`` from the graph, at most
        :data:`MAX_CAPACITY`)."""
        if isinstance(self.capacity, int):
            return self.capacity
        if isinstance(self.capacity, dict) and role_id in self.capacity:
            return self.capacity[role_id]
        return min(int(graph_capacity or 1), MAX_CAPACITY)


def _bad(name: str, rule: str, value: Any, method: str = "allocate") -> ConfigError:
    return bad_parameter(name, method, rule, value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_capacity(capacity: Any) -> None:
    """Raise unless ``capacity`` is ``None``, an int in [0, :data:`MAX_CAPACITY`] or a dict
    of role id -> such an int."""
    if capacity is None:
        return
    values = capacity.values() if isinstance(capacity, Mapping) else [capacity]
    if isinstance(capacity, Mapping) and not all(isinstance(k, str) for k in capacity):
        raise _bad("capacity", CAPACITY_RULE, capacity)
    if not all(_is_int(v) and 0 <= v <= MAX_CAPACITY for v in values):
        raise _bad("capacity", CAPACITY_RULE, capacity)


def check_budget(generations: Any, pop_size: Any, method: str = "allocate") -> None:
    """Raise unless ``generations`` is an int in [1, 10000] and ``pop_size`` in [4, 1000]."""
    if not _is_int(generations) or not 1 <= generations <= MAX_GENERATIONS:
        raise _bad("generations", f"an int in [1, {MAX_GENERATIONS}]", generations, method)
    if not _is_int(pop_size) or not 4 <= pop_size <= MAX_POP_SIZE:
        raise _bad("pop_size", f"an int in [4, {MAX_POP_SIZE}]", pop_size, method)


def check_ids(ids: Any, name: str, what: str) -> list[str]:
    """``ids`` without repeats (first kept), or raise: not a non-empty list of strings."""
    rule = IDS_RULE.format(what=what)
    if isinstance(ids, str) or not isinstance(ids, Sequence) or not ids:
        raise _bad(name, rule, ids)
    for value in ids:
        if not isinstance(value, str) or not value:
            raise _bad(name, rule, value)
    return list(dict.fromkeys(ids))


def make_policy(
    policy: AllocationPolicy | Mapping[str, Any] | None = None,
    *,
    capacity: int | Mapping[str, int] | None = None,
    quotas: Mapping[tuple[str, str], float] | None = None,
) -> AllocationPolicy:
    """One validated policy from ``policy`` and the ``capacity``/``quotas`` shortcuts.

    Raises:
        ConfigError: an invalid policy, a capacity out of range, or a shortcut that repeats a
            field ``policy`` sets.
    """
    check_capacity(capacity)
    if isinstance(policy, Mapping):
        check_capacity(policy.get("capacity"))
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
        ConfigError: the wrong length or keys, a negative, infinite, NaN or non-numeric
            weight, all 0.
    """
    bad = ConfigError(BAD_WEIGHTS.format(keys=OBJECTIVES, value=weights))
    try:
        if isinstance(weights, Mapping):
            if not weights or set(weights) - set(OBJECTIVES):
                raise ValueError
            values = tuple(float(weights.get(k, 0.0)) for k in OBJECTIVES)
        else:
            values = tuple(float(w) for w in weights)
    except (TypeError, ValueError) as e:
        raise bad from e
    if len(values) != 3 or not all(math.isfinite(v) and v >= 0 for v in values):
        raise bad
    if sum(values) == 0:
        raise bad
    return values  # type: ignore[return-value]


# ------------------------------------------------------------------------- stored quotas
def parse_quota(text: str, categories: Sequence[str], method: str = "policy quotas") -> Quota:
    """A quota from ``ATTRIBUTE=GROUP:SHARE`` (e.g. ``gender=female:0.4``).

    Raises:
        ConfigError: not of that form, an attribute that is not a diversity category, or a
            share outside [0, 1].
    """
    rule = QUOTA_RULE.format(categories=", ".join(categories))
    attribute, eq, rest = str(text).partition("=")
    group, colon, share = rest.rpartition(":")
    try:
        if not (eq and colon) or attribute not in categories:
            raise ValueError
        return Quota(attribute=attribute, group=group, min_share=float(share))
    except (ValueError, ValidationError) as e:
        raise _bad("quotas", rule, text, method) from e


def as_quotas(
    quotas: Any, categories: Sequence[str], method: str = "set_allocation_quotas"
) -> tuple[Quota, ...]:
    """Checked quotas from ``{(attribute, group): share}``, ``ATTRIBUTE=GROUP:SHARE``
    strings, ``Quota`` objects or their dicts (``None``: none).

    Each names a diversity category (``categories``) and a group once (names of at most
    :data:`MAX_NAME_LENGTH` characters, no control or format character), asks for a share of
    at most :data:`MAX_QUOTA_SHARE`, and the shares of one attribute add up to at most 1 (more: only an allocation placing nobody meets them). The
    groups are not looked up: whether a group has members is not the setter's to learn, and
    a group nobody holds makes ``allocate`` refuse the policy as one that cannot be met.

    Raises:
        ConfigError: a quota breaks one of these rules (the message names it).
    """
    rule = QUOTA_RULE.format(categories=", ".join(categories))
    if quotas is None:
        return ()
    if isinstance(quotas, Mapping):
        items: list[Any] = [
            {"attribute": k[0], "group": k[1], "min_share": v}
            if isinstance(k, tuple) and len(k) == 2
            else k
            for k, v in quotas.items()
        ]
    elif isinstance(quotas, str) or not isinstance(quotas, Sequence):
        raise _bad("quotas", rule, quotas, method)
    else:
        items = list(quotas)
    out: list[Quota] = []
    for item in items:
        if isinstance(item, str):
            out.append(parse_quota(item, categories, method))
            continue
        try:
            quota = item if isinstance(item, Quota) else Quota.model_validate(item)
        except ValidationError as e:
            raise _bad("quotas", rule, item, method) from e
        if quota.attribute not in categories:
            raise _bad("quotas", rule, str(quota), method)
        out.append(quota)
    seen: set[tuple[str, str]] = set()
    totals: dict[str, float] = {}
    for quota in out:
        if (quota.attribute, quota.group) in seen:
            raise _bad(
                "quotas", QUOTA_TWICE.format(quota=str(quota)), [str(q) for q in out], method
            )
        seen.add((quota.attribute, quota.group))
        if quota.min_share > MAX_QUOTA_SHARE + 1e-12:
            rule_cap = QUOTA_OVER_CAP.format(
                cap=MAX_QUOTA_SHARE, quota=str(quota), share=quota.min_share
            )
            raise _bad("quotas", rule_cap, [str(q) for q in out], method)
        totals[quota.attribute] = totals.get(quota.attribute, 0.0) + quota.min_share
    for attribute, total in totals.items():
        if total > 1 + 1e-9:
            rule_over = QUOTA_OVER_ONE.format(attribute=attribute, total=total)
            raise _bad("quotas", rule_over, [str(q) for q in out], method)
    return tuple(out)


def policy_path(store: Any) -> Path:
    """The stored quotas of ``store``: ``<sensitive store>.allocation-policy.json`` beside
    its sensitive store (``<store>/sensitive.allocation-policy.json`` for the embedded one)."""
    sensitive = Path(store.sensitive_store.path)
    return sensitive.with_name(sensitive.stem + POLICY_SUFFIX)


def stored_quotas(store: Any, categories: Sequence[str]) -> tuple[Quota, ...]:
    """The quotas stored for ``store`` (none when no file), checked as :func:`as_quotas`.

    Raises:
        ConfigError: the file is not a valid policy (the message names the file).
    """
    path = policy_path(store)
    if not path.exists():
        return ()
    try:
        stored = StoredQuotas.model_validate_json(path.read_bytes())
        return as_quotas(stored.quotas, categories, method="the stored allocation policy")
    except ValidationError as e:
        errors = "; ".join(
            f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise ConfigError(BAD_POLICY_FILE.format(path=path, error=errors)) from e
    except ConfigError as e:
        raise ConfigError(BAD_POLICY_FILE.format(path=path, error=e)) from e
    except OSError as e:
        raise ConfigError(BAD_POLICY_FILE.format(path=path, error=e)) from e


def store_quotas(store: Any, quotas: Any, categories: Sequence[str]) -> tuple[Quota, ...]:
    """Replace the stored quotas of ``store`` (``None`` or empty: remove them), atomically
    (a private file written beside, then renamed); returns what is stored.

    Raises:
        ConfigError: a quota breaks a rule of :func:`as_quotas`.
    """
    checked = as_quotas(quotas, categories)
    path = policy_path(store)
    if not checked:
        if path.exists():
            path.unlink()
            fsync_dir(path.parent)
        return ()
    if not path.parent.exists():
        private_dir(path.parent)
    text = StoredQuotas(quotas=checked).model_dump_json(indent=2) + "\n"
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, path)
    fsync_dir(path.parent)
    return checked
