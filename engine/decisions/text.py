"""Text fields of a decision: their limits going in, and their escaping coming out.

Every text field a decision logs is bounded, and the ones printed in a line of output (ids, the
reviewer) hold no control characters, so a logged value can never move the cursor, colour the
terminal, start a forged line or reverse the text around it:

| field | length | refused |
|---|---|---|
| ``role_id``, ``candidate_id`` | 1 to ``MAX_ID`` (512, as dataset ids) | any control character |
| ``reviewer`` | 1 to ``MAX_REVIEWER`` (200) | any control character |
| ``reason`` | 0 to ``MAX_REASON`` (2,000) | control characters but line feed and tab |

Control characters are C0 (U+0000 to U+001F: escape, carriage return, line feed, ...), DEL,
C1 (U+0080 to U+009F), the Unicode line and paragraph separators, the bidirectional
embeddings, overrides, isolates and marks (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
U+2069) and every other invisible format character (category Cf: U+200B, U+00AD, U+FEFF, ...). On output, :func:`printable` writes each of them as an escape (``\\x1b``, ``\\n``,
``\\u202e``), for values logged before the limits (or appended through the log's own API).

Example:
    >>> printable("ana\\x1b[2J\\nok")
    'ana\\\\x1b[2J\\\\nok'
    >>> check_text("reviewer", "ana", MAX_REVIEWER)
"""

from __future__ import annotations

import unicodedata

MAX_ID = 512
MAX_REVIEWER = 200
MAX_REASON = 2000

BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
SEPARATORS = frozenset("\u2028\u2029")

NOT_TEXT = "{field} must be a string; got {kind}"
TOO_LONG = "{field} must be at most {limit:,} characters; got {length:,}"
EMPTY = "{field} must not be empty"
CONTROL = (
    "{field} must not hold control characters (C0/C1, escape, line breaks, bidirectional "
    "overrides); got {code} at character {index}"
)


def is_control(char: str) -> bool:
    """Whether ``char`` is a control character in the sense above, or an invisible format
    character (Unicode category Cf: zero-width space, soft hyphen, byte-order mark, ...), by
    which ``ana\u200b`` would pass for ``ana``."""
    code = ord(char)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or char in BIDI
        or char in SEPARATORS
        or unicodedata.category(char) == "Cf"
    )


def check_text(
    field: str, value: object, limit: int, *, allow: str = "", required: bool = False
) -> None:
    """Refuse a value that is not a string, is empty (when ``required``), is longer than
    ``limit`` characters or holds a control character (other than those in ``allow``).

    Raises:
        ConfigError: naming the field, the rule and the value's length or character.
    """
    from graph_schema.errors import ConfigError

    if not isinstance(value, str):
        raise ConfigError(NOT_TEXT.format(field=field, kind=type(value).__name__))
    if required and not value:
        raise ConfigError(EMPTY.format(field=field))
    if len(value) > limit:
        raise ConfigError(TOO_LONG.format(field=field, limit=limit, length=len(value)))
    for index, char in enumerate(value, start=1):
        if is_control(char) and char not in allow:
            raise ConfigError(CONTROL.format(field=field, code=f"U+{ord(char):04X}", index=index))


def printable(value: object) -> str:
    """``str(value)`` with every control character written as an escape."""
    text = str(value)
    if not any(is_control(c) for c in text):
        return text
    return "".join(_escape(c) if is_control(c) else c for c in text)


def _escape(char: str) -> str:
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
