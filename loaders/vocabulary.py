"""The words other systems use for our enumerated fields, in one documented table.

Exports from applicant-tracking systems write funnel stages in their own words and case
(``hired``, ``Offer accepted``, ``not selected``). Every enumerated field of the dataset
format accepts any case and these synonyms; what is still unknown is rejected with the
list of known values. ``docs/import.md`` prints the table (``talentgraph`` keeps it here
only).

Example:
    >>> FUNNEL_STAGE("Offer accepted"), ACTOR("Hiring manager"), LOCATION_KIND("state")
    ('HIRED', 'recruiter', 'region')
    >>> FUNNEL_STAGE("ghosted")
    Traceback (most recent call last):
    ...
    ValueError: unknown interaction type 'ghosted'; known: APPLIED, SHORTLISTED, INTERVIEWED, OFFERED, HIRED, REJECTED, WITHDREW (or a synonym listed in docs/import.md)
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_SEPARATORS = re.compile(r"[\s_\-/.]+")
UNKNOWN_WORD = "unknown {what} {value!r}; known: {known} (or a synonym listed in docs/import.md)"


def word_key(text: str) -> str:
    """Case-, width- and separator-insensitive form: ``"Offer_Accepted "`` -> ``"offer accepted"``."""
    return _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


class Vocabulary:
    """Canonical values of one enumerated field and the words that mean each.

    Called on a raw value (as a pydantic ``BeforeValidator``), returns the canonical value,
    leaves a non-string as it is (pydantic then names the type error) and raises
    ``ValueError`` for an unknown word.
    """

    def __init__(self, what: str, words: dict[str, tuple[str, ...]]) -> None:
        self.what = what
        self.words = words
        self._lookup: dict[str, str] = {}
        for canonical, synonyms in words.items():
            for word in (canonical, *synonyms):
                key = word_key(word)
                if self._lookup.setdefault(key, canonical) != canonical:
                    raise ValueError(f"{what}: {word!r} means two values")

    @property
    def canonical(self) -> tuple[str, ...]:
        return tuple(self.words)

    def find(self, value: str) -> str | None:
        """The canonical value ``value`` means, or None."""
        return self._lookup.get(word_key(value))

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        found = self.find(value)
        if found is None:
            raise ValueError(
                UNKNOWN_WORD.format(what=self.what, value=value, known=", ".join(self.canonical))
            )
        return found


# Funnel stages. "declined" alone is the employer's decision in most systems (Workday,
# SuccessFactors: "Declined" disposition); a candidate declining is written with the
# candidate or the offer named ("offer declined", "candidate declined") and is WITHDREW.
FUNNEL_STAGE = Vocabulary(
    "interaction type",
    {
        "APPLIED": (
            "apply",
            "application",
            "application received",
            "application submitted",
            "submitted",
            "new",
            "new applicant",
            "new application",
            "candidate applied",
            "in review",
        ),
        "SHORTLISTED": (
            "shortlist",
            "short listed",
            "screened",
            "screening passed",
            "passed screening",
            "phone screen",
            "phone screened",
            "qualified",
            "advanced",
        ),
        "INTERVIEWED": (
            "interview",
            "interviewing",
            "interview scheduled",
            "interview completed",
            "onsite",
            "on site",
            "final interview",
            "technical interview",
        ),
        "OFFERED": ("offer", "offer made", "offer extended", "offer sent"),
        "HIRED": (
            "hire",
            "offer accepted",
            "accepted offer",
            "accepted",
            "placed",
            "placement",
            "started",
            "onboarded",
            "joined",
        ),
        "REJECTED": (
            "reject",
            "declined",
            "not selected",
            "unsuccessful",
            "disqualified",
            "not progressed",
            "not hired",
            "no hire",
            "application rejected",
            "archived",
        ),
        "WITHDREW": (
            "withdrawn",
            "withdraw",
            "withdrawal",
            "candidate withdrew",
            "offer declined",
            "declined offer",
            "candidate declined",
            "dropped out",
        ),
    },
)

ACTOR = Vocabulary(
    "actor",
    {
        "candidate": ("applicant", "worker", "job seeker", "talent", "self"),
        "recruiter": ("employer", "hiring manager", "hr", "company", "client", "sourcer"),
    },
)

LOCATION_KIND = Vocabulary(
    "location kind",
    {
        "city": ("town", "municipality", "locality"),
        "region": ("state", "province", "county", "district", "area"),
        "country": ("nation",),
        "remote": ("anywhere", "virtual", "work from home", "wfh"),
    },
)

VOCABULARIES: tuple[Vocabulary, ...] = (FUNNEL_STAGE, ACTOR, LOCATION_KIND)


def vocabulary_table() -> str:
    """The synonyms as a markdown table (for docs/import.md; a test keeps the doc in sync)."""
    lines = ["| field | value | also accepted (any case, `_`/`-` as spaces) |", "|---|---|---|"]
    for vocab in VOCABULARIES:
        for canonical, words in vocab.words.items():
            lines.append(f"| {vocab.what} | `{canonical}` | {', '.join(words)} |")
    return "\n".join(lines)
