"""``talentgraph explain`` output: an ``Explanation`` as text and tables on the console."""

from __future__ import annotations

from rich.markup import escape

from engine.console import console, rows_table
from engine.results import Explanation


def print_explanation(e: Explanation) -> None:
    """Score and link, reasons, attributions (detailed, comparative), paths, changes."""
    console.print(
        f"[bold]{escape(e.candidate_id)}[/bold] for role [bold]{escape(e.role_id)}[/bold] "
        f"({e.level}): score {e.score:.3f}; raw log-odds {e.raw_score:+.3f} = base "
        f"{e.base_value:+.3f} + attributions"
        + (f" + withheld {e.withheld:+.3f}" if e.withheld else "")
    )
    console.print(f"[dim]{escape(e.link)}[/dim]")
    if e.versus is not None:
        console.print(
            f"versus {escape(e.versus)}: score {e.versus_score:.3f}, raw log-odds "
            f"{e.versus_raw_score:+.3f}"
        )
    for i, text in enumerate(e.reasons, start=1):
        console.print(f"{i}. {escape(text)}")
    if e.attributions:
        rows = [
            {
                "feature": a.feature,
                "group": a.group,
                "value": "-" if a.value is None else f"{a.value:.3f}",
                **(
                    {"other": "-" if a.other_value is None else f"{a.other_value:.3f}"}
                    if e.versus is not None
                    else {}
                ),
                "shap": f"{a.shap:+.4f}",
            }
            for a in e.attributions
        ]
        console.print(rows_table(rows, title="Attributions (raw log-odds)"))
    if e.paths:
        rows = [
            {"kind": p.kind, "strength": f"{p.strength:.3f}", "path": p.sentence} for p in e.paths
        ]
        console.print(rows_table(rows, title="Graph paths (strength = product of weights)"))
