"""Matching commands: ``recommend`` candidates for a role or roles for a candidate, and
``explain`` one (candidate, role) score."""

from __future__ import annotations

from typing import Annotated

import typer

from engine import console
from engine.cli.options import DbOption, open_engine


def recommend(
    role: Annotated[
        str | None, typer.Option("--role", help="Rank candidates for this role.")
    ] = None,
    candidate: Annotated[
        str | None, typer.Option("--candidate", help="Rank roles for this candidate.")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="How many.")] = 10,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print matches as JSON.")] = False,
    fusion: Annotated[
        str | None,
        typer.Option(
            help="--candidate only: fuse merit with the candidate side (weighted_sum, comb_max, "
            "comb_min, comb_sum, comb_mnz, rrf, isr, borda; fair: the weight evening out the "
            "top 10's role countries)."
        ),
    ] = None,
    weight: Annotated[
        float, typer.Option(help="The candidate side's weight in [0, 1] (with --fusion).")
    ] = 0.5,
) -> None:
    """Recommend candidates for a role (--role) or roles for a candidate (--candidate)."""
    if (role is None) == (candidate is None):
        raise typer.BadParameter("give exactly one of --role ID or --candidate ID")
    if fusion is not None and role is not None:
        raise typer.BadParameter("--fusion ranks roles for a candidate; give --candidate ID")
    import warnings

    from engine.fairness.groups import FairnessUnavailableWarning

    with open_engine(db, read_only=True) as eng, warnings.catch_warnings():
        warnings.simplefilter("ignore", FairnessUnavailableWarning)  # printed with the matches
        if role is not None:
            matches = eng.recommend_candidates(role, k=k)
        else:
            matches = eng.recommend_roles(candidate, k=k, fusion=fusion, weight=weight)
    console.print_matches(matches, role=role, candidate=candidate, as_json=as_json)


def explain(
    candidate: Annotated[str, typer.Option("--candidate", help="The candidate.")],
    role: Annotated[str, typer.Option("--role", help="The role.")],
    level: Annotated[
        str, typer.Option(help="summary | detailed | comparative | counterfactual.")
    ] = "summary",
    versus: Annotated[
        str | None, typer.Option(help="comparative: the other candidate (default: next ranked).")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="counterfactual: the top k to reach.")] = 10,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
) -> None:
    """Explain a (candidate, role) score: SHAP attributions in recruiter language, graph paths."""
    with open_engine(db, read_only=True) as eng:
        found = eng.explain(candidate, role, level, versus=versus, k=k)
    console.print_explanation(found, as_json)
