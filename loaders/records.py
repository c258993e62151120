"""Row models of the dataset format (DESIGN.md): what one JSONL line or CSV record holds.

Validation happens here, once, at the boundary. Every model forbids unknown fields, so a
typo in a column name is reported instead of silently ignored. Rules that span fields
(an experience must not end before it starts; a required skill needs an importance; no
minor is imported) are ``model_validator``s.

Example:
    >>> RoleRow.model_validate({"id": "r1", "title": "Nurse", "skills": [
    ...     {"skill": "triage", "importance": 0.9, "required": True}]}).skills[0].required
    True
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from graph_schema.relationships import InteractionType
from loaders.minors import states_minor
from loaders.vocabulary import ACTOR, FUNNEL_STAGE, LOCATION_KIND

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Id = Annotated[str, Field(min_length=1, max_length=512)]
Ref = Annotated[str, Field(min_length=1, max_length=512)]
YearMonth = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]

# Reasons about sensitive fields never quote the value: they end up in quarantine files.
MINOR_REASON = "age_band describes a minor; profiles of minors are not imported"
MINOR_ERROR = "minor_profile"  # pydantic error type of MINOR_REASON (the import removes the person)
BAND_SHAPE = "age_band must look like '25-34' or '65+' with ages up to {oldest}"
# ASCII digits only ("２５-３４" is refused), as on the columnar path.
_BAND = re.compile(r"^([0-9]{1,3})\s*(?:-\s*([0-9]{1,3})|\+)$")
OLDEST_AGE = 120

# Plausible dates. Work experience starts no earlier than EARLIEST_MONTH and neither starts
# nor ends after the month of the import (an ongoing stint has no end); an interaction
# happens between EARLIEST_INSTANT and a day after the import, given as ISO-8601 text or
# as a number of Unix seconds (never milliseconds: 253402300800 is the year 10000).
EARLIEST_MONTH = "1940-01"
EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
MONTH_RANGE = "{what} {value} is outside {low}..{high} (the month of this import)"
INSTANT_RANGE = "must be between {low} and a day after this import ({high}); got {value!r}"
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def this_month() -> str:
    """``YYYY-MM`` of now (UTC): the latest month an experience may start or end in."""
    now = datetime.now(UTC)
    return _year_month(now.year, now.month)


@lru_cache(maxsize=4)
def _year_month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def check_stint(start: str | None, end: str | None) -> None:
    """The rules of a stint's months (files and ad-hoc profiles alike): each within
    EARLIEST_MONTH..this month, and the end not before the start.

    Raises:
        ValueError: naming the month and the rule.
    """
    high = this_month()
    for what, value in (("start", start), ("end", end)):
        if value is not None and not EARLIEST_MONTH <= value <= high:
            raise ValueError(
                MONTH_RANGE.format(what=what, value=value, low=EARLIEST_MONTH, high=high)
            )
    if start is not None and end is not None and end < start:
        raise ValueError(f"end {end} is before start {start}")


def latest_instant() -> datetime:
    """The latest plausible interaction time: a day after now (clocks and time zones)."""
    return datetime.now(UTC) + timedelta(days=1)


def _out_of_range(value: Any) -> ValueError:
    return ValueError(
        INSTANT_RANGE.format(
            low=EARLIEST_INSTANT.date().isoformat(),
            high=latest_instant().strftime("%Y-%m-%d"),
            value=value,
        )
    )


def _unix_seconds(value: Any) -> Any:
    """A number, or text that is only a number (a CSV cell), is Unix time in seconds, held
    to the range of ISO text (pydantic alone would read a large one as milliseconds); any
    other value is left to pydantic.

    Raises:
        ValueError: the instant is outside EARLIEST_INSTANT..a day after now, naming the
            value as given.
    """
    number = value
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        text = value.strip()
        number = int(text) if text.lstrip("+-").isdigit() else float(text)
    if isinstance(number, bool) or not isinstance(number, int | float):
        return value
    try:
        at = datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        raise _out_of_range(value) from None
    if not EARLIEST_INSTANT <= at <= latest_instant():
        raise _out_of_range(value)
    return at


def _plausible_instant(at: datetime) -> datetime:
    high = latest_instant()
    try:
        utc = at.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is past datetime.max in UTC
        utc = None
    if utc is None or not EARLIEST_INSTANT <= utc <= high:
        raise _out_of_range(at.isoformat())
    return at


class Row(BaseModel):
    """Base of every row and sub-row model."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SkillRow(Row):
    id: Id
    name: Annotated[str, Field(min_length=1)]
    aliases: list[str] = []
    description: str | None = None
    domain: Ref | None = None
    skill_type: str | None = None
    esco_uri: str | None = None


class CandidateSkill(Row):
    skill: Ref
    level: Unit | None = None
    years: Annotated[float, Field(ge=0, le=70)] | None = None


class Experience(Row):
    organization: Ref
    title: str | None = None
    domain: Ref | None = None
    start: YearMonth
    end: YearMonth | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> Experience:
        check_stint(self.start, self.end)
        return self


class Signals(Row):
    reliability: Unit | None = None
    attendance: Unit | None = None
    engagement: Unit | None = None
    churn_risk: Unit | None = None


class Preferences(Row):
    locations: list[Ref] = []
    domains: list[Ref] = []
    remote: bool | None = None


class Sensitive(Row):
    """Protected attributes; free-form values, one rule: no minors (an age band that says,
    in any spelling, that the person may be under 18: ``loaders.minors``)."""

    gender: str | None = None
    age_band: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    nationality: str | None = None

    @model_validator(mode="after")
    def _no_minors(self) -> Sensitive:
        if not self.age_band:
            return self
        if states_minor(self.age_band):
            raise PydanticCustomError(MINOR_ERROR, MINOR_REASON)
        match = _BAND.match(self.age_band)
        low = int(match.group(1)) if match else -1
        high = int(match.group(2)) if match and match.group(2) else low
        if match is None or not low <= high <= OLDEST_AGE:
            raise PydanticCustomError("sensitive_value", BAND_SHAPE.format(oldest=OLDEST_AGE))
        return self


class CandidateRow(Row):
    id: Id
    headline: str | None = None
    summary: str | None = None
    location: Ref | None = None
    skills: list[CandidateSkill] = []
    experience: list[Experience] = []
    signals: Signals = Signals()
    preferences: Preferences = Preferences()
    sensitive: Sensitive = Sensitive()


class OccupationRow(Row):
    id: Id
    name: Annotated[str, Field(min_length=1)]
    aliases: list[str] = []
    description: str | None = None
    isco_group: str | None = None
    esco_uri: str | None = None


class SimilarityRow(Row):
    """One edge of the skill-similarity network (``SIMILAR_TO``)."""

    source: Ref
    target: Ref
    weight: Unit

    @model_validator(mode="after")
    def _no_self_loop(self) -> SimilarityRow:
        if self.source == self.target:
            raise ValueError(f"a skill cannot be similar to itself ({self.source!r})")
        return self


class RoleSkill(Row):
    skill: Ref
    importance: Unit | None = None
    required: bool = False

    @model_validator(mode="after")
    def _required_has_importance(self) -> RoleSkill:
        if self.required and self.importance is None:
            raise ValueError("a required skill needs an importance in [0, 1]")
        return self


class RoleRow(Row):
    id: Id
    title: Annotated[str, Field(min_length=1)]
    description: str | None = None
    organization: Ref | None = None
    location: Ref | None = None
    domain: Ref | None = None
    occupation: Ref | None = None
    remote: bool | None = None
    skills: list[RoleSkill] = []
    capacity: Annotated[int, Field(ge=1, le=1_000_000)] = 1


class OrganizationRow(Row):
    id: Id
    name: Annotated[str, Field(min_length=1)]
    location: Ref | None = None
    domain: Ref | None = None


class LocationRow(Row):
    id: Id
    name: Annotated[str, Field(min_length=1)]
    parent: Ref | None = None
    kind: (
        Annotated[Literal["city", "region", "country", "remote"], BeforeValidator(LOCATION_KIND)]
        | None
    ) = None


class DomainRow(Row):
    id: Id
    name: Annotated[str, Field(min_length=1)]


class InteractionRow(Row):
    candidate: Ref
    role: Ref
    type: Annotated[InteractionType, BeforeValidator(FUNNEL_STAGE)]
    actor: Annotated[Literal["candidate", "recruiter"], BeforeValidator(ACTOR)]
    at: Annotated[AwareDatetime, BeforeValidator(_unix_seconds), AfterValidator(_plausible_instant)]


# File stem -> row model, in the order an import must read them (referenced tables first).
TABLES: dict[str, type[Row]] = {
    "domains": DomainRow,
    "locations": LocationRow,
    "organizations": OrganizationRow,
    "skills": SkillRow,
    "occupations": OccupationRow,
    "roles": RoleRow,
    "candidates": CandidateRow,
    # After candidates and roles: a similarity may name a skill they created by reference,
    # so that a first import and a re-import accept the same similarities.
    "similarities": SimilarityRow,
    "interactions": InteractionRow,
}
REQUIRED_TABLES: tuple[str, ...] = ("candidates", "roles")
