"""Age statements: does a value say that a person may be under 18?

No profile of a minor is imported, and a row that says a stored person is a minor removes
that person (``table_reader``). A statement counts whatever its spelling: text is read
after Unicode NFKC normalisation (the full-width ``０16-17`` is ``016-17``), case folding and
with any dash as ``-``. A statement says *minor* when it allows an age under 18 (as an age
band ``16-24`` always has):

- a number, or text that is only a number (``16``, ``16 years old``, ``17 yrs old``,
  ``aged 16``, ``~17``, ``17 ans``, ``16 Jahre``, ``16 años``) under 18; number words up to
  nineteen count as numbers (``sixteen``, ``seize``, ``sechzehn``, ``dieciséis``);
- a range ``LOW-HIGH`` with any separator (``LOW to HIGH``, ``LOW..HIGH``, ``16/17``,
  ``16~17``, ``16 or 17``) with LOW under 18; ``-17`` is an upper bound;
- a lower bound under 18: ``16+``, ``over 16``, ``at least 16``, ``16 and over``;
- an upper bound, which allows any age below it: ``under 18``, ``u18``, ``< 21``,
  ``up to 25``, ``17 and under``;
- a word: minor, child, kid, juvenile, underage, infant, toddler, baby, teen, teenager,
  adolescent, pupil, jugendlich, minderjährig, Kind, mineur, enfant, menor, niño;
- a date of birth (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``, ``YYYYMMDD``, ``DD/MM/YYYY`` read
  both ways, ``1 March 2010``, ``March 1, 2010``, ``1er mars 2010``, ``1. März 2010``,
  ``1 de marzo de 2010``) less than 18 years before the first day of the import's month
  (``as_of``): the youngest age the date allows; in an age field too (``age_band:
  2010-03-01``), read at the month of the import being read (``reading_as_of``) or else
  the current month;
- a flag (``minor``, ``is_minor``, ``underage``, ``under_18``) that is true.

Fields are recognised by name in any case or separator (``Date-Of-Birth``, ``AGE_BAND``),
and by their words: a name with the word ``age`` (``age_in_years``), ``alter`` or ``edad``
is an age; one holding ``birth``, ``born``, ``dob``, ``yob``, ``naissance``, ``geburt`` or
``nacimiento`` (``year_born``) a date of birth.

Example:
    >>> [states_minor(v) for v in ("16", "under 18", "minor", "\\uff1016-17", "25-34", "65+")]
    [True, True, True, True, False, False]
    >>> birth_states_minor("2010-03-01", "2025-01"), birth_states_minor("1990", "2025-01")
    (True, False)
"""

from __future__ import annotations

import calendar
import datetime
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
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
AGE_WORDS: frozenset[str] = frozenset({"age", "aged", "ages", "alter", "edad", "eta"})
BIRTH_STEMS: tuple[str, ...] = ("birth", "born", "naissance", "geburt", "nacimiento", "nacido")
BIRTH_WORDS: frozenset[str] = frozenset({"dob", "yob"})
_TRUE = frozenset({"true", "yes", "y", "1", "x"})
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_WORDS = re.compile(
    r"\b(?:minors?|child(?:ren)?|kids?|juveniles?|under-?age|infants?|toddlers?|bab(?:y|ies)"
    r"|teens?|teenagers?|teenage|teen-?ager|adolescen(?:ts?|tes?|ce)|pupils?|schoolchild\w*"
    r"|jugendlich\w*|minderjahrig\w*|kind(?:er)?|mineur(?:e|s|es)?|enfants?|menor(?:es)?"
    r"|nin[oa]s?|adolescentes?)\b"
)
_UPPER = re.compile(
    r"(?:\b(?:under|below|less than|younger than|not yet|up to|max(?:imum)?|unter|noch nicht"
    r"|moins de|pas encore|menos de|hasta|bis)|(?<!\w)u|<=?|=<|\u2264)"
    r"\s*-?\s*\d"
)
# "born 2011", "geboren 2011", "nee en 2011", "b. 2011": a year of birth inside a text
_BORN_IN = re.compile(r"\b(?:born|geboren|nee?|nacid[oa]|b\.)\s*(?:in|en|im)?\s*(\d{4})\b")
_LEADING_DASH = re.compile(r"^-\s*\d")  # "-17": up to 17
_TRAILING_UPPER = re.compile(r"\d\s*-?\s*(?:(?:and|or|&)\s*(?:under|below|younger|less)\b|-\s*$)")
_LOWER_STRICT = re.compile(r"(?:\b(?:over|above|older than)|>(?!=))\s*(\d{1,3})\b")
_LOWER = re.compile(
    r"(?:\b(?:at least|min(?:imum)?)|>=|=>|\u2265)\s*(\d{1,3})\b"
    r"|(\d{1,3})\s*(?:\+|\bplus\b|(?:and|or|&)\s*(?:over|above|older|up)\b)"
)
_RANGE = re.compile(
    r"(?<![\d./-])(\d{1,3})\s*"
    r"(?:-+|~|/|\\|\||,|;|:|_|\.\.+|\u2026|\bto\b|\band\b|\bor\b|\bthrough\b|\bthru\b|\bbis\b"
    r"|\ba\b|\bal\b|\by\b|\bet\b|\bund\b|\bhasta\b)"
    r"\s*(\d{1,3})(?![\d./-])"
)
_APPROX = (
    r"(?:~|\u2248|\u223c|ca\.?|circa|approx\.?|approximately|about|around|roughly|almost"
    r"|nearly|env\.?|environ|etwa|ungefahr|fast|aprox\.?|aproximadamente|unos|casi)?\s*"
)
_UNITS = (
    r"(?:y|yo|y\.o\.?|y/o|yr?s?\.?|years?|jahre?n?|j\.?|ans?|anos?|anni|lat|jaar|a\.?)?"
    r"\s*(?:old|alt|of age|de edad|d'age)?\.?"
)
_NUMBER = re.compile(
    r"(?:(?:ages?d?|alter|edad|age de|im alter von|a l'age de|de)\s*:?\s*)?"
    + _APPROX
    + r"(\d{1,3}(?:[.,]\d+)?)\s*"
    + _UNITS
)
_NUMBER_WORDS: dict[str, int] = {
    # English
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    # French
    "un": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "dix-sept": 17,
    "dix-huit": 18,
    "dix-neuf": 19,
    # German
    "eins": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "funf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "zwolf": 12,
    "dreizehn": 13,
    "vierzehn": 14,
    "funfzehn": 15,
    "sechzehn": 16,
    "siebzehn": 17,
    "achtzehn": 18,
    "neunzehn": 19,
    # Spanish
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "doce": 12,
    "trece": 13,
    "catorce": 14,
    "quince": 15,
    "dieciseis": 16,
    "diecisiete": 17,
    "dieciocho": 18,
    "diecinueve": 19,
}
_TENS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "vingt": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
    "zwanzig": 20,
    "dreissig": 30,
    "vierzig": 40,
    "funfzig": 50,
    "veinte": 20,
    "treinta": 30,
    "cuarenta": 40,
    "cincuenta": 50,
    "sesenta": 60,
}
_COMPOUND = re.compile(
    r"\b(" + "|".join(_TENS) + r")(?:[- ](?:and |et |y )?(one|two|three|four|five|six|seven"
    r"|eight|nine|un|deux|trois|quatre|cinq|six|sept|huit|neuf|uno|dos|tres|cuatro|cinco|seis"
    r"|siete|ocho|nueve))?\b"
)
_NUMBER_WORD = re.compile(r"\b(" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b")
_ISO_DATE = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[t ].*)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan janvier janv januar jan enero ene",
        "february feb fevrier fevr fev februar febrero",
        "march mar mars marz maerz marzo",
        "april apr avril avr abril abr",
        "may mai mayo",
        "june jun juin juni junio",
        "july jul juillet juil juli julio",
        "august aug aout august agosto ago",
        "september sep sept septembre september septiembre setiembre",
        "october oct octobre oktober okt octubre",
        "november nov novembre november noviembre",
        "december dec decembre dezember dez diciembre dic",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)
_MONTH = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY_MONTH_YEAR = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th|er|e|º|o)?\.?\s*(?:de\s+|of\s+)?" + _MONTH + r",?\s*(?:de\s+)?(\d{4})"
)
_MONTH_DAY_YEAR = re.compile(_MONTH + r"\s*(\d{1,2})(?:st|nd|rd|th)?,?\s*(\d{4})")
_MONTH_YEAR = re.compile(_MONTH + r",?\s*(?:de\s+)?(\d{4})")
# The month of the import being read (``YYYY-MM``): an age field holding a date is read at it.
reading_as_of: ContextVar[str | None] = ContextVar("reading_as_of", default=None)


@contextmanager
def import_month(as_of: str) -> Iterator[None]:
    """Read dates found in age fields at ``as_of`` (``YYYY-MM``) inside the block."""
    token = reading_as_of.set(as_of)
    try:
        yield
    finally:
        reading_as_of.reset(token)


def _current_as_of() -> str:
    return reading_as_of.get() or datetime.date.today().strftime("%Y-%m")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _DASHES.sub("-", unicodedata.normalize("NFKC", text))
    return " ".join(text.split())


def _digits(text: str) -> str:
    """Number words as digits: ``sixteen`` -> ``16``, ``twenty-five`` -> ``25``."""

    def compound(m: re.Match[str]) -> str:
        unit = _NUMBER_WORDS.get(m.group(2) or "", 0)
        return str(_TENS[m.group(1)] + unit)

    text = _COMPOUND.sub(compound, text)
    return _NUMBER_WORD.sub(lambda m: str(_NUMBER_WORDS[m.group(1)]), text)


def is_age_field(name: str) -> bool:
    """Does a field name state an age (``age_band``, ``Age in years``, ``Alter``)?"""
    words = name_words(name)
    joined = "".join(words)
    return (
        joined in AGE_FIELDS
        or any(w in AGE_WORDS for w in words)
        or joined.startswith("age")
        or "yearsold" in joined
    )


def is_birth_field(name: str) -> bool:
    """Does a field name state a date or year of birth (``DoB``, ``year_born``)?"""
    words = name_words(name)
    joined = "".join(words)
    return (
        joined in BIRTH_FIELDS
        or joined in BIRTH_WORDS
        or any(w in BIRTH_WORDS for w in words)
        or any(s in joined for s in BIRTH_STEMS)
    )


def field_key(name: str) -> str:
    """A field name as the tables above hold it: ``Date-Of-Birth`` -> ``dateofbirth``."""
    return "".join(name_words(name))


def states_minor(value: Any, as_of: str | None = None) -> bool:
    """Does an age or age-band value allow an age under 18 (see the module docstring)?

    A date in it is read as a date of birth at ``as_of`` (by default the month of the
    import being read, else the current month)."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return math.isfinite(value) and 0 <= value < ADULT_AGE
    if not isinstance(value, str):
        return False
    text = _fold(value)
    if not text:
        return False
    if _date_like(text) and birth_states_minor(text, as_of or _current_as_of()):
        return True
    born = _BORN_IN.search(text)
    if born and birth_states_minor(int(born.group(1)), as_of or _current_as_of()):
        return True
    if _WORDS.search(text):
        return True
    text = _digits(text)
    if _UPPER.search(text) or _TRAILING_UPPER.search(text) or _LEADING_DASH.search(text):
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


def _date_like(text: str) -> bool:
    """Is folded ``text`` a date (not an age band): a year, a full date, a month name?"""
    return bool(
        _ISO_DATE.fullmatch(text)
        or _COMPACT_DATE.fullmatch(text)
        or _DMY.fullmatch(text)
        or _DAY_MONTH_YEAR.fullmatch(text)
        or _MONTH_DAY_YEAR.fullmatch(text)
        or _MONTH_YEAR.fullmatch(text)
    )


def _readings(text: str) -> list[tuple[int, int, int | None]]:
    """(year, month, day or None) readings of a folded date text."""
    if m := _COMPACT_DATE.fullmatch(text):
        return [(int(m.group(1)), int(m.group(2)), int(m.group(3)))]
    if m := _ISO_DATE.fullmatch(text):
        day = int(m.group(3)) if m.group(3) else None
        return [(int(m.group(1)), int(m.group(2) or 12), day)]
    if m := _DMY.fullmatch(text):
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return [(year, b, a), (year, a, b)]  # day/month or month/day: both
    if m := _DAY_MONTH_YEAR.fullmatch(text):
        return [(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))]
    if m := _MONTH_DAY_YEAR.fullmatch(text):
        return [(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))]
    if m := _MONTH_YEAR.fullmatch(text):
        return [(int(m.group(2)), _MONTHS[m.group(1)], None)]
    return []


def _latest_birth(value: Any) -> tuple[int, int, int] | None:
    """The latest (year, month, day) a date-of-birth value allows, if it reads as one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 1000 <= value <= 9999:
        return value, 12, 31
    if isinstance(value, int) and 10_000_000 <= value <= 99_991_231:
        value = str(value)  # 20100301
    if not isinstance(value, str):
        return None
    dates = []
    for year, month, day in _readings(_fold(value)):
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
            (is_age_field(key) and states_minor(value, as_of))
            or (is_birth_field(key) and birth_states_minor(value, as_of))
            or (name in FLAG_FIELDS and _true(value))
        ):
            return key
        if isinstance(value, Mapping):
            inner = row_states_minor(value, as_of, _depth + 1)
            if inner is not None:
                return f"{key}.{inner}"
    return None
