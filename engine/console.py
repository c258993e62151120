"""Rendering results for people: import reports, counts and query results as rich tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from loaders.import_job import ImportReport

console = Console(soft_wrap=True)
errors = Console(soft_wrap=True, stderr=True)
"""Errors and warnings go to stderr, so that ``--json`` output on stdout stays JSON."""
"""Messages are never hard-wrapped at the terminal's width (a command named in an error stays
copyable, and what a test reads does not depend on ``COLUMNS``); tables still fit the width."""


def _cell(value: Any) -> str:
    """A value read from the graph, for a table cell: control characters escaped (a stored
    value can never move the cursor or recolour the terminal)."""
    from graph_schema.printable import printable

    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list) and len(value) > 6:
        value = f"[{', '.join(map(str, value[:6]))}, … +{len(value) - 6}]"
    return "" if value is None else printable(value)


def rows_table(rows: Sequence[dict[str, Any]], title: str | None = None, limit: int = 200) -> Table:
    """A table of query rows (columns from the first row)."""
    table = Table(title=title, show_lines=False)
    columns = list(rows[0]) if rows else []
    for column in columns:
        table.add_column(column)
    for row in rows[:limit]:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    if len(rows) > limit:
        table.caption = f"{len(rows) - limit} more rows not shown"
    return table


def counts_table(counts: dict[str, int], title: str, name: str = "name") -> Table:
    """A two-column table: ``name`` and count, sorted by name."""
    table = Table(title=title)
    table.add_column(name)
    table.add_column("count", justify="right")
    for key, count in sorted(counts.items()):
        table.add_row(key, f"{count:,}")
    return table


def print_import_report(report: ImportReport) -> None:
    """The final report of an import: files, writes, rejections, speed."""
    files = Table(title=f"Import of {report.dataset} ({report.mode})")
    for column in ("file", "rows", "imported", "of which updated", "merged", "quarantined"):
        files.add_column(column, justify="left" if column == "file" else "right")
    for t in report.tables:
        files.add_row(
            t.file,
            f"{t.rows:,}",
            f"{t.imported:,}",
            f"{t.updated:,}",
            f"{t.merged:,}",
            f"[red]{t.quarantined:,}[/red]" if t.quarantined else "0",
        )
    console.print(files)
    console.print(counts_table(report.node_counts, "Nodes in the store", "label"))
    console.print(counts_table(report.relationship_counts, "Relationships in the store", "type"))
    if report.created:
        created = ", ".join(f"{n:,} {label}" for label, n in report.created.items())
        console.print(f"Created from references by name: {created}")
    written = sum(report.relationships_written.values())
    console.print(
        f"{report.rows:,} rows in {report.seconds:.2f} s ({report.rows_per_second:,.0f} rows/s); "
        f"{written:,} relationships written ({report.relationships_per_second:,.0f}/s)"
    )
    if report.removed:
        removed = ", ".join(f"{n:,} {label}" for label, n in report.removed.items())
        console.print(f"Removed (rows that now describe a minor): {removed}")
    if report.warnings:
        console.print(
            f"[yellow]{report.warnings:,} rows imported with a change[/yellow] "
            f"(listed in {report.warnings_file})"
        )
        for message in report.warning_messages[:5]:
            console.print(f"  {message}")
    if report.quarantined:
        console.print(
            f"[red]{report.quarantined:,} rows rejected[/red], quarantined in "
            f"{report.quarantine_file}"
        )
        for message in report.rejections[:10]:
            console.print(f"  {message}")
        if report.quarantined > 10:
            console.print(f"  … {report.quarantined - 10:,} more in the quarantine file")
