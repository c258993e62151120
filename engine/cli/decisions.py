"""Decision commands: ``decide`` (record a recruiter's decision), ``replay`` (recompute the
ranking it was taken on) and the ``decisions`` group (``verify``, ``rekey``, ``restore``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine import console
from engine.cli.errors import EXIT_CHECK_FAILED
from engine.cli.options import DbOption, JsonOption, open_engine
from engine.settings import Settings
from graph_schema.errors import StoreUnavailableError
from loaders.stores.ladybug import DB_FILE as DB_MARKER

NO_STORE = "no talentgraph store at {path} (run 'talentgraph import DATASET --db {path}' first)"


def decide(
    role: Annotated[str, typer.Option("--role", help="The role.")],
    candidate: Annotated[str, typer.Option("--candidate", help="The candidate.")],
    decision: Annotated[str, typer.Option(help="accept | reject | override.")],
    reviewer: Annotated[str, typer.Option(help="Who decides.")],
    reason: Annotated[str, typer.Option(help="Why (required for an override).")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a recruiter's decision: the log (with what was shown), then the graph."""
    with open_engine(db, command="decide") as eng:
        d = eng.record_decision(role, candidate, decision, reviewer, reason)
    console.print_decision(d, as_json)


def decisions_verify(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Check the decision log's hash chain, signatures and head: exit 1 on any edit or
    deletion, 2 when its key is missing."""
    from engine.decisions.log import verify

    target = db or Settings().db
    log = Settings().decisions_path(target)
    if "://" not in target and not ((Path(target) / DB_MARKER).exists() or log.exists()):
        raise StoreUnavailableError(NO_STORE.format(path=target))  # a typo'd --db
    result = verify(log)
    console.print_verification(result, log, as_json)
    if not result.ok:
        raise typer.Exit(EXIT_CHECK_FAILED)


def decisions_rekey(
    new_key: Annotated[
        bool, typer.Option("--new-key", help="Make a new key current first (rotation).")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign the log with the current key: a log written before signatures (compare it with a
    backup first), or, with --new-key, with a new key (docs/decisions.md)."""
    from engine.decisions.keys import default_keys_dir
    from engine.decisions.log import rekey
    from engine.server.owner import refuse_if_served

    refuse_if_served(db or Settings().db, "rekey")
    path = Settings().decisions_path(db or Settings().db)
    result = rekey(path, new_key=new_key)
    console.print_rekey(result, path, default_keys_dir(), as_json)


def decisions_restore(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Re-apply every logged decision to the graph (after a crash; imports do it themselves)."""
    from engine.decisions.record import restore

    with open_engine(db) as eng:
        written = restore(eng.context)
    console.print_restored(written, as_json)


def replay(
    decision_id: Annotated[str, typer.Argument(help="Seq number or start of the hash.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute the ranking a logged decision was taken on, from its logged model version;
    exit 1 when it differs from the ranking shown."""
    with open_engine(db, read_only=True) as eng:
        r = eng.replay_decision(decision_id)
    console.print_replay(r, as_json)
    if not r.same:
        raise typer.Exit(EXIT_CHECK_FAILED)
