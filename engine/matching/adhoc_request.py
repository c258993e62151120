"""Request models of ad-hoc scoring: one validation of a worker profile and a job posting.

``MatchingEngine.score`` and ``WorkerMatcher.score`` validate their two arguments here before
any feature is computed, so the zero-shot and the trained path refuse the same inputs with
the same message. The shapes are those ``engine.features.adhoc`` documents: a profile or a
posting is shaped like a ``CandidateRow`` or a ``RoleRow`` of the dataset format with every
field optional, and a skill is a name string or a dict with ``skill`` (or ``name``) and
``level`` / ``years`` (profile) or ``importance`` / ``required`` (posting). Values follow
the dataset rules (``loaders.records``: levels, importance and signals in [0, 1], years in
[0, 70], ``YYYY-MM`` months, real booleans, no coercion of strings to numbers) and sizes are
capped (``MAX_SKILLS``, ``MAX_ITEMS``, ``MAX_TEXT_CHARS``) so one request cannot starve
the scorer. Unlike a dataset row, a required posting skill may omit its importance: ad-hoc
features fill it with the mean of the known ones and report it in ``Match.missing``.

Example:
    >>> profile = validate_request(WorkerProfile, {"skills": ["python"]}, "worker_profile")
    >>> profile.as_dict()
    {'skills': [{'skill': 'python'}]}
    >>> validate_request(WorkerProfile, {"skills": [{"skill": "sql", "level": 7}]},
    ...                  "worker_profile")
    Traceback (most recent call last):
    ...
    graph_schema.errors.RequestError: worker_profile.skills[0].level: Input should be less \
than or equal to 1; got 7
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from graph_schema.errors import RequestError
from loaders.records import Id, Ref, Sensitive, Signals, Unit, YearMonth, check_stint

MAX_SKILLS = 500
"""Most skills a profile or a posting may list."""
MAX_ITEMS = 100
"""Most entries of any other list: experience, preferred locations, preferred domains."""
MAX_TEXT_CHARS = 20_000
"""Longest free text (headline, summary, title, description); names and ids stay <= 512."""
MAX_REPORTED = 10
"""Most broken rules one ``RequestError`` lists; the rest are counted."""

FIELD_REASON = "{reason}; got {value}"
MORE_ERRORS = "{count} more broken rules not shown"

Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
Finite = Field(allow_inf_nan=False)
Level = Annotated[Unit, Finite]
Years = Annotated[float, Field(ge=0, le=70), Finite]  # as loaders.records.CandidateSkill.years
Refs = Annotated[list[Ref], Field(max_length=MAX_ITEMS)]

_SHOW = reprlib.Repr()
_SHOW.maxstring = _SHOW.maxother = 80
_SKILL_NAME = AliasChoices("skill", "name")


class Request(BaseModel):
    """Base of the request models: strict types, no unknown fields, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, str_strip_whitespace=True)

    def as_dict(self) -> dict[str, Any]:
        """The fields the caller gave, as plain dicts and lists (what ``adhoc_features`` reads)."""
        return self.model_dump(exclude_unset=True)


class _Skill(Request):
    skill: Ref = Field(validation_alias=_SKILL_NAME)

    @model_validator(mode="before")
    @classmethod
    def _name_only(cls, data: Any) -> Any:
        return {"skill": data} if isinstance(data, str) else data


class WorkerSkill(_Skill):
    """A skill a worker holds: ``"python"`` or ``{"skill": "python", "level": 0.8}``."""

    level: Level | None = None
    years: Years | None = None


class JobSkill(_Skill):
    """A skill a posting asks for: ``"sql"`` or ``{"skill": "sql", "importance": 1,
    "required": True}``."""

    importance: Level | None = None
    required: bool = False


class WorkerExperience(Request):
    """One past or current job; only ``start`` and ``end`` are scored."""

    organization: Ref | None = None
    title: Text | None = None
    domain: Ref | None = None
    start: YearMonth | None = None
    end: YearMonth | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> WorkerExperience:
        check_stint(self.start, self.end)
        return self


class WorkerPreferences(Request):
    locations: Refs = []
    domains: Refs = []
    remote: bool | None = None


class WorkerSensitive(Sensitive):
    """``loaders.records.Sensitive`` with bounded text; never read by scoring."""

    gender: Text | None = None
    age_band: Text | None = None
    ethnicity: Text | None = None
    disability: Text | None = None
    nationality: Text | None = None


class WorkerProfile(Request):
    """An ad-hoc worker profile (``CandidateRow`` fields, all optional).

    Example:
        >>> WorkerProfile.model_validate({"id": "w1", "skills": ["python"]}).skills[0].skill
        'python'
    """

    id: Id | None = None
    headline: Text | None = None
    summary: Text | None = None
    location: Ref | None = None
    skills: Annotated[list[WorkerSkill], Field(max_length=MAX_SKILLS)] | None = None
    experience: Annotated[list[WorkerExperience], Field(max_length=MAX_ITEMS)] | None = None
    signals: Signals | None = None
    preferences: WorkerPreferences | None = None
    sensitive: WorkerSensitive | None = None


class JobPosting(Request):
    """An ad-hoc job posting (``RoleRow`` fields, all optional).

    Example:
        >>> JobPosting.model_validate({"skills": [{"name": "sql", "required": True}]}).as_dict()
        {'skills': [{'skill': 'sql', 'required': True}]}
    """

    id: Id | None = None
    title: Text | None = None
    description: Text | None = None
    organization: Ref | None = None
    location: Ref | None = None
    domain: Ref | None = None
    occupation: Ref | None = None
    remote: bool | None = None
    skills: Annotated[list[JobSkill], Field(max_length=MAX_SKILLS)] | None = None
    capacity: Annotated[int, Field(ge=1, le=1_000_000)] | None = None


RequestT = TypeVar("RequestT", bound=Request)


def _path(argument: str, loc: tuple[int | str, ...]) -> str:
    return argument + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def _shown(value: Any) -> str:
    """The value, short: a container or a long string by its size."""
    if isinstance(value, list | tuple | dict | set | frozenset):
        return f"a {type(value).__name__} of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, str) and len(value) > _SHOW.maxstring:
        return f"a string of {len(value)} characters"
    return _SHOW.repr(value)


def _problem(argument: str, error: dict[str, Any]) -> tuple[str, str]:
    """(field path, reason with the value) of one pydantic error."""
    loc = tuple(error["loc"])
    reason = error["msg"]
    if error["type"] == "value_error":  # our own rule: its message names the values
        return _path(argument, loc), str(error["ctx"]["error"])
    if error["type"] == "missing" or "sensitive" in loc:  # nothing to show / never quoted
        return _path(argument, loc), reason
    return _path(argument, loc), FIELD_REASON.format(reason=reason, value=_shown(error["input"]))


def validate_request(model: type[RequestT], value: Any, argument: str) -> RequestT:
    """``value`` as a validated ``model`` (a validated instance is returned as it is).

    Args:
        model: ``WorkerProfile`` or ``JobPosting``.
        value: what the caller passed.
        argument: the parameter name, the first part of every field path in errors.

    Returns:
        The validated request.

    Raises:
        RequestError: ``value`` is not a dict of that shape or breaks a rule; the message
            gives one line per broken rule: ``worker_profile.skills[3].level: Input should be
            less than or equal to 1; got 1000000000.0``.
    """
    if isinstance(value, Mapping) and not isinstance(value, dict | Request):
        value = dict(value)  # strict validation takes dicts; any mapping is a fine argument
    try:
        return model.model_validate(value, strict=True)
    except ValidationError as e:
        errors = e.errors(include_url=False)
        problems = [_problem(argument, error) for error in errors[:MAX_REPORTED]]
        if len(errors) > MAX_REPORTED:
            problems.append((argument, MORE_ERRORS.format(count=len(errors) - MAX_REPORTED)))
        raise RequestError(argument, problems) from e
