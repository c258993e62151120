"""``talentgraph serve`` (the HTTP API) and ``talentgraph keys`` (who may call it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine import console
from engine.cli.options import DbOption, JsonOption, open_engine
from engine.settings import Settings


def _db(db: str | None) -> str:
    """``--db`` (default the setting); an embedded store must exist: keys are created for a
    store, never a store for keys.

    Raises:
        StoreUnavailableError: no store at the path.
    """
    from graph_schema.errors import StoreUnavailableError
    from loaders.stores.ladybug import DB_FILE, NO_STORE

    target = Settings().db if db is None else db
    if "://" not in target and not (Path(target) / DB_FILE).is_file():
        raise StoreUnavailableError(
            NO_STORE.format(path=target, reason=f"the folder holds no {DB_FILE}")
        )
    return target


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (more than 1 needs Neo4j).")
    ] = 1,
    access_log: Annotated[
        Path | None,
        typer.Option(help="JSON lines, one per request (default: STORE/logs/access.jsonl)."),
    ] = None,
    rate: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="Requests a minute per key.")
    ] = 600,
) -> None:
    """Serve the HTTP API (docs/api.md): the server owns the store while it runs."""
    import uvicorn

    from engine.server.app import create_app
    from engine.server.keys import ApiKeys, keys_path
    from engine.server.owner import claim, release

    target = _db(db)
    if workers > 1 and "://" not in target:
        raise typer.BadParameter(
            "the embedded store is owned by one process: --workers 1 (the server answers reads "
            "on threads), or serve a Neo4j store",
            param_hint="--workers",
        )
    keys = ApiKeys(keys_path(target))
    log = access_log or (Path(target) / "logs" / "access.jsonl" if "://" not in target else None)
    with open_engine(target) as eng:
        try:
            version = eng.serving.model().version  # loaded now, not on the first request
        except Exception as e:  # noqa: BLE001 (an untrained store is served: score, catalogue)
            version = None
            console.say(f"not trained yet ({e}); shortlists answer 409 until POST /v1/train")
        owner = claim(target, host, port)
        app = create_app(
            eng,
            keys,
            access_log=log,
            rate_per_minute=rate,
            on_shutdown=(lambda: release(owner), eng.close),  # closed cleanly on SIGTERM too
        )
        if not keys.list():
            console.say("no API key yet: `talentgraph keys create --role admin --name NAME`")
        console.say(f"serving {target} (model {version}) on http://{host}:{port}")
        try:
            uvicorn.run(app, host=host, port=port, workers=1, log_level="warning")
        finally:
            release(owner)


def keys_create(
    role: Annotated[str, typer.Option(help="recruiter, analyst, auditor or admin.")],
    name: Annotated[str, typer.Option(help="Who holds the key (shown in logs and decisions).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API key; its token is the last line printed, shown once."""
    from engine.server.keys import ApiKeys, keys_path

    info, token = ApiKeys(keys_path(_db(db))).create(role, name)
    console.print_key_created(info.listed(), token, as_json)


def keys_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """The API keys (never their secrets)."""
    from engine.server.keys import ApiKeys, keys_path

    console.print_keys([k.listed() for k in ApiKeys(keys_path(_db(db))).list()], as_json)


def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (keys list).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke an API key (a running server refuses it from its next request)."""
    from engine.server.keys import ApiKeys, keys_path

    info = ApiKeys(keys_path(_db(db))).revoke(key_id)
    console.print_keys([info.listed()], as_json)
