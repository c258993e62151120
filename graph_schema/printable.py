"""Text that is safe to show on a terminal: the one definition of a control character and the
one way values read from files, logs or the graph are escaped before anyone prints them.

Control characters are C0 (U+0000 to U+001F: escape, carriage return, line feed, ...), DEL,
C1 (U+0080 to U+009F), the Unicode line and paragraph separators and every invisible format
character (Unicode category Cf: the bidirectional embeddings, overrides, isolates and marks,
zero-width space, soft hyphen, byte-order mark, ...; U+061C included). Printed raw, they move
the cursor, recolour the terminal, start a forged line, reverse the text around them or make
``ana\\u200b`` pass for ``ana``.

Example:
    >>> printable("ana\\x1b[2J\\nok \\u202eevil")
    'ana\\\\x1b[2J\\\\nok \\\\u202eevil'
"""

from __future__ import annotations

import unicodedata

SEPARATORS = frozenset("\u2028\u2029")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def is_control(char: str) -> bool:
    """Whether ``char`` is a control or invisible format character (module docstring)."""
    code = ord(char)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or char in SEPARATORS
        or unicodedata.category(char) == "Cf"
    )


def printable(value: object) -> str:
    """``str(value)`` with every control character written as an escape (``\\x1b``, ``\\n``,
    ``\\u202e``)."""
    text = str(value)
    if not any(is_control(c) for c in text):
        return text
    return "".join(_escape(c) if is_control(c) else c for c in text)


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
