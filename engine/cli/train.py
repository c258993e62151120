"""``train``: the encoder, NexusGNN, CF and the merit scorer on the store's graph."""

from __future__ import annotations

from typing import Annotated

import typer

from engine import console
from engine.cli.options import DbOption, open_engine


def train(
    db: DbOption = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default TALENTGRAPH_SEED or 0).")] = None,
    finetune: Annotated[
        bool | None, typer.Option(help="Fine-tune the text encoder on the history.")
    ] = None,
    gnn: Annotated[bool | None, typer.Option(help="Train NexusGNN.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Train encoder, NexusGNN, CF and merit scorer; write embeddings back; index them."""
    with open_engine(db, command="train") as eng:
        changes = {k: v for k, v in {"finetune": finetune, "gnn": gnn}.items() if v is not None}
        options = eng.settings.train.model_copy(update=changes)
        report = eng.train(seed=seed, options=options, say=None if as_json else console.say)
    console.print_training(report, as_json)
