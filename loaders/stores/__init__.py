"""Graph stores: the GraphStore interface, the embedded LadybugDB store and Neo4j."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loaders.stores.base import GraphStore


def open_store(
    target: str | Path, auth: tuple[str, str] | None = None, **kwargs: Any
) -> GraphStore:
    """Open the store ``target`` names: a ``neo4j://``/``bolt://`` URI, else a directory.

    Args:
        target: embedded store directory, or a Neo4j URI.
        auth: (user, password) for Neo4j.
        **kwargs: passed to the store (``batch_size``, ``database``, ...).
    """
    text = str(target)
    if text.split("://", 1)[0] in ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"):
        from loaders.stores.neo4j import Neo4jStore

        return Neo4jStore(text, auth=auth, **kwargs)
    from loaders.stores.ladybug import LadybugStore

    return LadybugStore(Path(text), **kwargs)


__all__ = ["GraphStore", "open_store"]
