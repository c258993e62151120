"""What the commands share: the ``--db`` and ``--json`` options and the engine on ``--db``.

``--db`` takes a directory (embedded LadybugDB, default ``./.talentgraph``) or a
``neo4j://`` URI (credentials from ``TALENTGRAPH_NEO4J_USER``/``TALENTGRAPH_NEO4J_PASSWORD``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from engine.settings import Settings

if TYPE_CHECKING:
    from engine.api import MatchingEngine

DbOption = Annotated[str | None, typer.Option("--db", help="Store directory or neo4j:// URI.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def open_engine(
    db: str | None, create: bool = False, read_only: bool = False, command: str = ""
) -> MatchingEngine:
    """The engine on ``--db``; only ``import`` creates a store (``create=True``): every other
    command needs an existing one and creates nothing. A command that only reads opens it
    ``read_only``: nothing in the store changes, not a byte (a read-write open lets the
    database rewrite its header).

    Raises:
        TalentGraphError: no store at ``db`` (unless ``create``), or it cannot be opened; the
            app's group turns it into a message and exit 2 (``engine.cli.errors``).
    """
    from engine.api import MatchingEngine
    from engine.server.owner import refuse_if_served

    settings = Settings()
    target = settings.db if db is None else db  # an empty --db is refused, not the default
    refuse_if_served(target, command)  # a running server owns it: say so, name its endpoint
    return MatchingEngine.open(target, settings=settings, create=create, read_only=read_only)
