"""What ``--db`` may name: a directory or a well-formed store URI, checked before any disk use.

A value that is blank, ``-``, padded with whitespace, or a store scheme without ``://``
(``neo4j:/x``, ``bolt:``) would otherwise become a folder in the working directory; each
is a ``ConfigError`` naming the value. ``open_store`` calls ``check_target`` first.

Example:
    >>> check_target("neo4j:/x", ("neo4j", "bolt"))
    Traceback (most recent call last):
    ConfigError: store 'neo4j:/x' is a malformed neo4j URI: ...
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from graph_schema.errors import ConfigError

BLANK_TARGET = (
    "store {value!r} is empty or blank; give a store directory or a URI such as neo4j://host:7687"
)
PADDED_TARGET = (
    "store {value!r} starts or ends with whitespace; give the directory or URI without it"
)
DASH_TARGET = (
    "store '-' names no store ('-' is not standard input here); give a store directory or a "
    "URI such as neo4j://host:7687"
)
MALFORMED_URI = (
    "store {value!r} is a malformed {scheme} URI: a URI needs '://' after the scheme (e.g. "
    "neo4j://host:7687), and a directory path has no scheme"
)
_SCHEME_WITHOUT_SLASHES = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(?!//)")


def check_target(value: str, schemes: Sequence[str]) -> None:
    """Refuse a ``--db`` value that is neither a directory path nor a well-formed URI.

    Args:
        value: the store target as given.
        schemes: the URI schemes stores take (``file`` is refused elsewhere, also here).

    Raises:
        ConfigError: ``value`` is blank, ``-``, padded with whitespace, or one of
            ``schemes`` (any case) followed by ``:`` but not ``://``.
    """
    if not value.strip():
        raise ConfigError(BLANK_TARGET.format(value=value))
    if value != value.strip():
        raise ConfigError(PADDED_TARGET.format(value=value))
    if value == "-":
        raise ConfigError(DASH_TARGET)
    match = _SCHEME_WITHOUT_SLASHES.match(value)
    if match and match.group(1).lower() in {*schemes, "file"}:
        raise ConfigError(MALFORMED_URI.format(value=value, scheme=match.group(1)))
