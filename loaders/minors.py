"""Age statements: does a value say that a person may be under 18?

No profile of a minor is imported, and a row that says a stored person is a minor removes
that person (``table_reader``). A statement counts whatever its spelling: text is read
after Unicode NFKC normalisation (the full-width ``０16-17`` is ``016-17``), case folding and
with any dash as ``-``. A statement says *minor* when it allows an age under 18 (as an age
band ``16-24`` always has):

- a number, or text that is only a number (``16``, ``16 years old``, ``aged 16``) under 18;
- a range ``LOW-HIGH`` (also ``LOW to HIGH``, ``LOW..HIGH``) with LOW under 18;
- a lower bound under 18: ``16+``, ``over 16``, ``at least 16``, ``16 and over``;
- an upper bound, which allows any age below it: ``under 18``, ``u18``, ``< 21``,
  ``up to 25``, ``17 and under``;
- a word: minor, child, kid, juvenile, underage, infant, toddler, baby;
- a date of birth (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``, ``DD/MM/YYYY`` read both ways)
  less than 18 years before the first day of the import's month (``as_of``): the youngest
  age the date allows;
- a flag (``minor``, ``is_minor``, ``underage``, ``under_18``) that is true.

Fields are recognised by name in any case or separator (``Date-Of-Birth``, ``AGE_BAND``).

Example:
    >>> [states_minor(v) for v in ("16", "under 18", "minor", "\\uff1016-17", "25-34", "65+")]
    [True, True, True, True, False, False]
    >>> birth_states_minor("2010-03-01", "2025-01"), birth_states_minor("1990", "2025-01")
    (True, False)
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from graph_schema.sensitive import name_words

ADULT_AGE = 18
MINOR_STATEMENT = "says the person is under 18; profiles of minors are not imported"
# Normalised field names (``name_words`` joined) that state an age, a birth date, a flag.
AGE_FIELDS: frozenset[str] = frozenset(
    {
        "age",
        "ageband",
        "agegroup",
        "agerange",
        "agebracket",
        "agecategory",
        "ageyears",
        "yearsold",
        "currentage",
    }
)
BIRTH_FIELDS: frozenset[str] = frozenset(
    {
        "dateofbirth",
        "dob",
        "birthdate",
        "birthday",
        "yearofbirth",
        "birthyear",
        "yob",
        "born",
        "bornon",
        "dateborn",
    }
)
FLAG_FIELDS: frozenset[str] = frozenset(
    {"minor", "isminor", "underage", "isunderage", "under18", "isunder18", "child", "ischild"}
)
_TRUE = frozenset({"true", "yes", "y", "1", "x"})
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63]")
_WORDS = re.compile(
    r"\b(?:minors?|child(?:ren)?|kids?|juveniles?|under-?age|infants?|toddlers?|bab(?:y|ies))\b"
)
_UPPER = re.compile(
    r"(?:\b(?:under|below|less than|younger than|up to|max(?:imum)?)|(?<!\w)u|<=?|=<|\u2264)"
    r"\s*-?\s*\d"
)
_TRAILING_UPPER = re.compile(r"\d\s*-?\s*(?:(?:and|or|&)\s*(?:under|below|younger|less)\b|-\s*$)")
_LOWER_STRICT = re.compile(r"(?:\b(?:over|above|older than)|>(?!=))\s*(\d{1,3})\b")
_LOWER = re.compile(
    r"(?:\b(?:at least|min(?:imum)?)|>=|=>|\u2265)\s*(\d{1,3})\b"
    r"|(\d{1,3})\s*(?:\+|\bplus\b|(?:and|or|&)\s*(?:over|above|older|up)\b)"
)
_RANGE = re.compile(r"(?<![\d./-])(\d{1,3})\s*(?:-|\bto\b|\.\.|\band\b)\s*(\d{1,3})(?![\d./-])")
_NUMBER = re.compile(
    r"(?:ages?d?\s*:?\s*)?(\d{1,3}(?:[.,]\d+)?)\s*"
    r"(?:y|yo|y/o|yrs?\.?|years?(?:\s+old)?|years of age)?"
)
_ISO_DATE = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[t ].*)?")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")


def _fold(text: str) -> str:
    text = _DASHES.sub("-", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(text.split())


def field_key(name: str) -> str:
    """A field name as the tables above hold it: ``Date-Of-Birth`` -> ``dateofbirth``."""
    return "".join(name_words(name))


def states_minor(value: Any) -> bool:
    """Does an age or age-band value allow an age under 18 (see the module docstring)?"""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return math.isfinite(value) and 0 <= value < ADULT_AGE
    if not isinstance(value, str):
        return False
    text = _fold(value)
    if not text:
        return False
    if _WORDS.search(text) or _UPPER.search(text) or _TRAILING_UPPER.search(text):
        return True
    if any(int(m.group(1)) + 1 < ADULT_AGE for m in _LOWER_STRICT.finditer(text)):
        return True
    for m in _LOWER.finditer(text):
        if int(m.group(1) or m.group(2)) < ADULT_AGE:
            return True
    if any(int(m.group(1)) < ADULT_AGE for m in _RANGE.finditer(text)):
        return True
    number = _NUMBER.fullmatch(text)
    return number is not None and float(number.group(1).replace(",", ".")) < ADULT_AGE


def _latest_birth(value: Any) -> tuple[int, int, int] | None:
    """The latest (year, month, day) a date-of-birth value allows, if it reads as one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 1000 <= value <= 9999:
        return value, 12, 31
    if not isinstance(value, str):
        return None
    text = _fold(value)
    readings: list[tuple[int, int, int | None]] = []
    if m := _ISO_DATE.fullmatch(text):
        readings.append(
            (int(m.group(1)), int(m.group(2) or 12), int(m.group(3)) if m.group(3) else None)
        )
    elif m := _DMY.fullmatch(text):
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        readings += [(year, b, a), (year, a, b)]  # day/month or month/day: both
    dates = []
    for year, month, day in readings:
        if 1 <= year <= 9999 and 1 <= month <= 12:
            last = calendar.monthrange(year, month)[1]
            if day is None or 1 <= day <= last:
                dates.append((year, month, day or last))
    return max(dates) if dates else None


def birth_states_minor(value: Any, as_of: str) -> bool:
    """Is a person born at ``value`` (a date of birth) possibly under 18 on the first day
    of ``as_of`` (``YYYY-MM``)?"""
    born = _latest_birth(value)
    if born is None:
        return False
    year, month = int(as_of[:4]), int(as_of[5:7])
    age = year - born[0] - ((month, 1) < born[1:])
    return age < ADULT_AGE


def _true(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value == 1
    return isinstance(value, str) and _fold(value) in _TRUE


def row_states_minor(payload: Mapping[str, Any] | None, as_of: str, _depth: int = 0) -> str | None:
    """The path (``sensitive.age``) of the first field of a row that says the person may
    be under 18, or None. Objects are searched to a depth of four; lists are not (a stint or
    a skill has no age of the person).

    Args:
        payload: the row as read (a JSONL object, a shaped CSV record).
        as_of: ``YYYY-MM`` of the import (dates of birth are read at its first day).
    """
    if not isinstance(payload, Mapping) or _depth > 4:
        return None
    for key, value in payload.items():
        if not isinstance(key, str):
            continue
        name = field_key(key)
        if (
            (name in AGE_FIELDS and states_minor(value))
            or (name in BIRTH_FIELDS and birth_states_minor(value, as_of))
            or (name in FLAG_FIELDS and _true(value))
        ):
            return key
        if isinstance(value, Mapping):
            inner = row_states_minor(value, as_of, _depth + 1)
            if inner is not None:
                return f"{key}.{inner}"
    return None
