"""``demo``: the whole path on a small dataset, command by command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine import console
from engine.cli.data import generate, import_
from engine.cli.match import recommend
from engine.cli.options import DbOption, open_engine
from engine.cli.train import train

DEMO_QUERY = "explore/role_closest_skills"


def demo(
    out: Annotated[Path, typer.Option(help="Where the demo dataset is written.")] = Path(
        "data/demo"
    ),
    db: DbOption = None,
    scale: Annotated[float, typer.Option(help="Dataset scale for the demo.")] = 0.05,
) -> None:
    """The whole path on a small dataset: generate, import, train, recommend with reasons."""
    generate(out, scale=scale, seed=0, bias=None)
    import_(out, db=db)
    with open_engine(db, read_only=True) as eng:
        role = eng.store.run("node_ids", label="Role")[0]["id"]
        rows = eng.query(DEMO_QUERY, {"role_id": role, "limit": 10})
    console.print_rows(rows, f"{DEMO_QUERY} for role {role}")
    train(db=db)
    recommend(role=role, candidate=None, k=5, db=db)
    with open_engine(db, read_only=True) as eng:
        candidate = eng.recommend_candidates(role, k=1)[0].candidate_id
    recommend(role=None, candidate=candidate, k=5, db=db)
