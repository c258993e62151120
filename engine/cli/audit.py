"""``audit``: selection and scoring rates and impact ratios per category (NYC LL144)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from engine import console
from engine.cli.options import DbOption, JsonOption, open_engine


def audit(
    out: Annotated[Path, typer.Option(help="Folder for audit.json and audit.html.")],
    db: DbOption = None,
    attribute: Annotated[str, typer.Option(help="Sensitive attribute audited.")] = "gender",
    k: Annotated[int, typer.Option("--k", "-k", help="Top k of each role selected.")] = 10,
    intersect: Annotated[
        str | None, typer.Option(help="Second attribute for the intersection tables.")
    ] = None,
    source: Annotated[
        str, typer.Option(help="recommendations, history or decisions (the decision log).")
    ] = "recommendations",
    pool: Annotated[
        str, typer.Option(help="Recommendations: 'retrieved' (served pool) or 'all' (exact).")
    ] = "retrieved",
    truth: Annotated[
        Path | None,
        typer.Option(help="Generated dataset whose _evaluation/ ground truth is the reference."),
    ] = None,
    rerank: Annotated[
        str | None,
        typer.Option(help="Re-ranking of the audited top k (default: TALENTGRAPH_RERANK)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Assess selection and scoring rates and impact ratios per category (NYC LL144).

    Writes OUT/audit.json (the FairnessReport) and OUT/audit.html (tables and plots, one
    self-contained page). The 0.8 line is information, not a pass mark.
    """
    from engine.audit.html import render_html

    began = time.perf_counter()
    with (
        open_engine(db, read_only=True) as eng,
        console.progress_bar("scoring every role's pool") as progress,
    ):
        report = eng.audit(
            attribute,
            k,
            intersect,
            source,
            pool=pool,
            truth_dir=truth,
            progress=progress,
            rerank=rerank,
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "audit.json").write_text(report.model_dump_json(indent=2) + "\n")
    (out / "audit.html").write_text(render_html(report), encoding="utf-8")
    console.print_audit(report, attribute, out, time.perf_counter() - began, as_json)
