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
# appears in a dataset (the quarantine redacts it; docs/dataset.md and docs/import.md list the
# names). Names are compared as words in any case and with any separator (``Date-Of-Birth``,
# ``ETHNIC_ORIGIN``, ``marital status``, ``ageBand``, ``s e x``), after NFKC normalisation,
# without format characters (a soft hyphen), accents (``religión``) or lookalike letters
# (a Cyrillic ``ѕ`` in ``ѕex``), and in French, German and Spanish too.
PROTECTED_NAMES: tuple[str, ...] = (
    "sex",
    "gender",
    "date of birth",
    "year of birth",
    "age",
    "ethnicity",
    "race",
    "caste",
    "religion",
    "faith",
    "disability",
    "health",
    "nationality",
    "marital status",
    "pregnancy",
    "sexual orientation",
    "pronouns",
    "political opinion",
    "trade union membership",
    # French, German, Spanish
    "sexe",
    "genre",
    "geschlecht",
    "sexo",
    "género",
    "nationalité",
    "nationalität",
    "nacionalidad",
    "religión",
    "ethnie",
    "âge",
    "alter",
    "edad",
    "date de naissance",
    "geburtsdatum",
    "fecha de nacimiento",
)
# A name holding one of these words is protected (short words only as whole words:
# ``age`` is in ``age_band`` but not in ``language``); a name whose words, joined, are one
# of them is too (``DoB`` splits as ``do b``, ``d.o.b.`` as ``d o b``, ``s e x``)...
PROTECTED_WORDS: frozenset[str] = frozenset(
    {
        "sex",
        "sexe",
        "sexo",
        "genre",
        "age",
        "aged",
        "ages",
        "alter",
        "edad",
        "dob",
        "yob",
        "race",
        "racial",
        "born",
        "minor",
        "underage",
        "caste",
        "faith",
        "health",
        "pronoun",
        "pronouns",
        "politics",
        "religion",
        "ethnie",
        "etnia",
        "raza",
        "geschlecht",
    }
)
# ... and so is a name whose words, joined, contain one of these stems.
PROTECTED_STEMS: tuple[str, ...] = (
    "gender",
    "genero",
    "birth",
    "ethnic",
    "ethnie",
    "religio",
    "religi",
    "disabilit",
    "disabled",
    "nationalit",
    "nacionalidad",
    "citizenship",
    "marital",
    "pregnan",
    "sexualorientation",
    "orientationsexuelle",
    "orientacionsexual",
    "sexuality",
    "ageband",
    "agegroup",
    "agerange",
    "pronoun",
    "politicalopinion",
    "politicalview",
    "politicalaffiliation",
    "politicalparty",
    "politicalbelief",
    "tradeunion",
    "unionmembership",
    "healthstatus",
    "healthcondition",
    "medicalcondition",
    "naissance",
    "geburt",
    "nacimiento",
    "behinderung",
    "discapacidad",
    "handicap",
    "religiousbelief",
    "beliefs",
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\W_]+")
# Letters of other scripts that look like Latin ones (the common confusables).
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "ѕ": "s",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ԁ": "d",
        "һ": "h",
        "ԛ": "q",
        "ԝ": "w",
        "ɡ": "g",
        "ӏ": "l",
        "ь": "b",
        "А": "A",
        "В": "B",
        "Е": "E",
        "Ѕ": "S",
        "І": "I",
        "Ї": "I",
        "Ј": "J",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "У": "Y",
        "Х": "X",
        "Ԁ": "D",
        "Һ": "H",
        "Ԛ": "Q",
        "Ԝ": "W",
        "Ӏ": "I",
        # Greek
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "γ": "y",
        "η": "n",
        "Α": "A",
        "Β": "B",
        "Ε": "E",
        "Ζ": "Z",
        "Η": "H",
        "Ι": "I",
        "Κ": "K",
        "Μ": "M",
        "Ν": "N",
        "Ο": "O",
        "Ρ": "P",
        "Τ": "T",
        "Υ": "Y",
        "Χ": "X",
        # Latin lookalikes
        "ı": "i",
        "ſ": "s",
        "ℓ": "l",
    }
)


def normalize_name(name: str) -> str:
    """A field name as it is matched: NFKC, without format characters (soft hyphen, zero
    width), lookalike letters of other scripts mapped to Latin, accents removed."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = text.translate(_CONFUSABLES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", text)


def name_words(name: str) -> list[str]:
    """The words of a field name, normalised (``normalize_name``) and case-folded:
    ``Date-Of-Birth``, ``date_of_birth`` and ``dateOfBirth`` are all
    ``["date", "of", "birth"]``."""
    text = _CAMEL.sub(" ", normalize_name(name))
    return [w for w in _SEPARATORS.split(text.casefold()) if w]


def is_protected_name(name: str) -> bool:
    """Does a column or key name name a protected attribute (``PROTECTED_NAMES``)?

    Example:
        >>> [is_protected_name(n) for n in ("Date-Of-Birth", "ETHNIC_ORIGIN", "language")]
        [True, True, False]
    """
    words = name_words(name)
    joined = "".join(words)
    return (
        joined in PROTECTED_WORDS
        or any(w in PROTECTED_WORDS for w in words)
        or any(s in joined for s in PROTECTED_STEMS)
    )
