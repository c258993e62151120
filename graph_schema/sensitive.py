"""Sensitive attributes: the row model of the audit-only sensitive store, not of the graph.

They are not a label of the graph, so no Cypher on the graph can reach them (an audit-only
label guarded by a text check was walked around: ``label(n) = "Sensitive" + "Attributes"``).
The import writes them to their own store, ``loaders.sensitive_store.SensitiveStore`` (a
private SQLite file: ``<store>/sensitive.sqlite`` for the embedded store), keyed by the
candidate id; ``GraphStore.read_sensitive(purpose="audit")`` is the one reader, for fairness
audits and the adversary's target in training.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class SensitiveAttributes(BaseModel):
    """Protected attributes of one candidate: one row of the sensitive store.

    Example:
        >>> SensitiveAttributes(id="c1", gender="female").gender
        'female'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(min_length=1)]  # the candidate id
    gender: str | None = None
    age_band: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    nationality: str | None = None


# The attributes, in column order: gender, age_band, ethnicity, disability, nationality.
SENSITIVE_FIELDS: tuple[str, ...] = tuple(f for f in SensitiveAttributes.model_fields if f != "id")


# Protected attributes by name: a column or key named so holds a sensitive value wherever it
# appears in a dataset (the quarantine redacts it; docs/dataset.md lists the names). Names
# are compared as words in any case and with any separator: ``Date-Of-Birth``,
# ``ETHNIC_ORIGIN``, ``marital status``, ``ageBand``.
PROTECTED_NAMES: tuple[str, ...] = (
    "sex",
    "gender",
    "date of birth",
    "year of birth",
    "age",
    "ethnicity",
    "race",
    "religion",
    "disability",
    "nationality",
    "marital status",
    "pregnancy",
)
# A name holding one of these words is protected (short words only as whole words:
# ``age`` is in ``age_band`` but not in ``language``)...
PROTECTED_WORDS: frozenset[str] = frozenset(
    {"sex", "age", "aged", "dob", "yob", "race", "racial", "born", "minor", "underage"}
)
# ... and so is a name whose words, joined, contain one of these stems.
PROTECTED_STEMS: tuple[str, ...] = (
    "gender",
    "birth",
    "ethnic",
    "religio",
    "disabilit",
    "disabled",
    "nationalit",
    "citizenship",
    "marital",
    "pregnan",
    "sexualorientation",
    "ageband",
    "agegroup",
    "agerange",
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\W_]+")


def name_words(name: str) -> list[str]:
    """The words of a field name, NFKC-normalised and case-folded: ``Date-Of-Birth``,
    ``date_of_birth`` and ``dateOfBirth`` are all ``["date", "of", "birth"]``."""
    text = _CAMEL.sub(" ", unicodedata.normalize("NFKC", name))
    return [w for w in _SEPARATORS.split(text.casefold()) if w]


def is_protected_name(name: str) -> bool:
    """Does a column or key name name a protected attribute (``PROTECTED_NAMES``)?

    Example:
        >>> [is_protected_name(n) for n in ("Date-Of-Birth", "ETHNIC_ORIGIN", "language")]
        [True, True, False]
    """
    words = name_words(name)
    joined = "".join(words)
    return any(w in PROTECTED_WORDS for w in words) or any(s in joined for s in PROTECTED_STEMS)
