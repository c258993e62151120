"""Graph stores: the GraphStore interface, the embedded LadybugDB store and Neo4j."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from graph_schema.errors import ConfigError
from loaders.stores.base import GraphStore
from loaders.stores.target import check_target

NEO4J_SCHEMES: tuple[str, ...] = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
UNSUPPORTED_URI = (
    "store {value!r} is a URI with scheme {scheme!r}, which no store supports; Neo4j takes "
    "{schemes} (e.g. neo4j://host:7687), and a directory path (no scheme, not file://) is the "
    "embedded LadybugDB store"
)
_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def open_store(
    target: str | Path,
    auth: tuple[str, str] | None = None,
    sensitive_dir: str | Path | None = None,
    create: bool = True,
    read_only: bool = False,
    **kwargs: Any,
) -> GraphStore:
    """Open the store ``target`` names: a ``neo4j://``/``bolt://`` URI, else a directory.

    The scheme is matched case-insensitively (``NEO4J://host`` is ``neo4j://host``). Anything
    else of the form ``scheme://...`` is refused before anything is created on disk, so that a
    mistyped URI never becomes a local directory; ``file://`` is refused too (give the path),
    and so are a blank value, ``-`` and a store scheme without ``://`` (``neo4j:/x``).

    Args:
        target: embedded store directory, or a Neo4j URI.
        auth: (user, password) for Neo4j.
        sensitive_dir: Neo4j only: the folder of the local sensitive store (default
            ``$XDG_STATE_HOME/talentgraph/sensitive``); the embedded store always keeps it
            in its directory (``<target>/sensitive.sqlite``).
        create: embedded store: make it when ``target`` holds none (a new or empty folder;
            a folder holding other files is refused); ``False``: it must exist (reads).
        read_only: open without write access: the embedded store in this process, nothing
            on disk changed; Neo4j sessions in read access mode.
        **kwargs: passed to the store (``batch_size``, ``database``, ...).

    Raises:
        ConfigError: ``target`` is a URI whose scheme is not one of ``NEO4J_SCHEMES``, or
            malformed (``loaders.stores.target``).
    """
    text = str(target)
    check_target(text, NEO4J_SCHEMES)
    match = _URI.match(text)
    if match:
        scheme = match.group(1).lower()
        if scheme not in NEO4J_SCHEMES:
            raise ConfigError(
                UNSUPPORTED_URI.format(
                    value=text, scheme=match.group(1), schemes=", ".join(NEO4J_SCHEMES)
                )
            )
        from loaders.stores.neo4j import Neo4jStore

        uri = scheme + text[match.end(1) :]
        return Neo4jStore(
            uri, auth=auth, sensitive_dir=sensitive_dir, read_only=read_only, **kwargs
        )
    from loaders.stores.ladybug import LadybugStore

    return LadybugStore(Path(text), create=create, read_only=read_only, **kwargs)


__all__ = ["NEO4J_SCHEMES", "GraphStore", "open_store"]
