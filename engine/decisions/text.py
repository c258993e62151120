"""Text fields of a decision: their limits going in, and their escaping coming out.

Every text field a decision logs is bounded, and the ones printed in a line of output (ids, the
reviewer) hold no control characters, so a logged value can never move the cursor, colour the
terminal, start a forged line or reverse the text around it:

| field | length | refused |
|---|---|---|
| ``role_id``, ``candidate_id`` | 1 to ``MAX_ID`` (512, as dataset ids) | any control character |
| ``reviewer`` | 1 to ``MAX_REVIEWER`` (200) | any control character |
| ``reason`` | 0 to ``MAX_REASON`` (2,000) | control characters but line feed and tab |

Control characters are those of :mod:`graph_schema.printable` (C0, DEL, C1, line and
paragraph separators, every invisible format character: bidi overrides, zero-width space,
soft hyphen, ...). On output, :func:`printable` writes each of them as an escape (``\\x1b``,
``\\n``, ``\\u202e``), for values logged before the limits (or appended through the log's
own API).

Example:
    >>> printable("ana\\x1b[2J\\nok")
    'ana\\\\x1b[2J\\\\nok'
    >>> check_text("reviewer", "ana", MAX_REVIEWER)
"""

from __future__ import annotations

from graph_schema.printable import is_control, printable

__all__ = ["check_text", "is_control", "printable"]

MAX_ID = 512
MAX_REVIEWER = 200
MAX_REASON = 2000


NOT_TEXT = "{field} must be a string; got {kind}"
TOO_LONG = "{field} must be at most {limit:,} characters; got {length:,}"
EMPTY = "{field} must not be empty"
CONTROL = (
    "{field} must not hold control characters (C0/C1, escape, line breaks, bidirectional "
    "overrides); got {code} at character {index}"
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
