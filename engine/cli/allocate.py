"""Allocation commands: ``allocate`` candidates to roles, and ``policy quotas``, the minimum
group shares an administrator or auditor sets for it."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Annotated

import typer

from engine import console
from engine.cli.options import DbOption, JsonOption, open_engine
from graph_schema.errors import ConfigError

ID_FILE_LIMIT = 16 * 2**20
ID_FILE = "{path}: {problem} (an id list is a regular file of at most 16 MiB, one id a line)"


def id_list(value: str) -> list[str]:
    """Comma-separated ids, or @FILE with one id per line (a regular file, at most
    ``ID_FILE_LIMIT`` bytes: never a device, a FIFO or a folder).

    Raises:
        ConfigError: the file cannot be opened, is not a regular file, is larger than the
            limit or is not UTF-8 text (``ID_FILE``).
    """
    if not value.startswith("@"):
        return [x.strip() for x in value.split(",") if x.strip()]
    path = Path(value[1:])
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise ConfigError(ID_FILE.format(path=path, problem=e.strerror)) from e
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ConfigError(ID_FILE.format(path=path, problem="not a regular file"))
    with os.fdopen(fd, "rb") as f:
        data = f.read(ID_FILE_LIMIT + 1)
    if len(data) > ID_FILE_LIMIT:
        raise ConfigError(ID_FILE.format(path=path, problem="larger than 16 MiB"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(ID_FILE.format(path=path, problem="not UTF-8 text")) from e
    return [x.strip() for x in text.splitlines() if x.strip()]


def parse_weights(
    weights: str, exclude: list[str] | None
) -> tuple[dict[str, float] | tuple[float, ...], list[tuple[str, ...]]]:
    """``--weights`` (three numbers, or merit=1,diversity=0,...) and ``--exclude``
    (CANDIDATE:ROLE) as the engine takes them.

    Raises:
        typer.BadParameter: either is malformed (a usage error: exit 2 with click's message).
    """
    try:
        if "=" in weights:
            w = {k.strip(): float(v) for k, v in (x.split("=", 1) for x in weights.split(","))}
        else:
            w = tuple(float(x) for x in weights.split(","))
        exclusions = [tuple(x.split(":", 1)) for x in exclude or []]
        if any(len(x) != 2 for x in exclusions):
            raise ValueError("--exclude takes CANDIDATE:ROLE")
    except ValueError as e:
        raise typer.BadParameter(
            f"--weights a,b,c (or merit=1,diversity=0,preference=0) and --exclude "
            f"CANDIDATE:ROLE ({e})"
        ) from e
    if isinstance(w, tuple) and len(w) != 3:
        raise typer.BadParameter("--weights needs three numbers: merit,diversity,preference")
    return w, exclusions


def allocate(
    roles: Annotated[str, typer.Option(help="Role ids, comma-separated, or @FILE.")],
    candidates: Annotated[str, typer.Option(help="Candidate ids, comma-separated, or @FILE.")],
    weights: Annotated[
        str, typer.Option(help="Merit,diversity,preference weights, or merit=1,diversity=0,...")
    ] = "1,1,1",
    capacity: Annotated[
        int | None,
        typer.Option(help="Places per role, 0 to 1,000,000 (default: the graph's capacity)."),
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="CANDIDATE:ROLE a recruiter excluded (repeatable).")
    ] = None,
    generations: Annotated[int, typer.Option(min=1, help="NSGA-II generations.")] = 100,
    group_shares: Annotated[
        bool,
        typer.Option(
            "--group-shares",
            help="Auditor's or administrator's view: report the group shares, diversity and "
            "quota shortfall among the placed (withheld from a recruiter's allocation).",
        ),
    ] = False,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the allocation as JSON.")] = False,
) -> None:
    """Allocate candidates to roles: Pareto front of merit, diversity and preference.

    Quotas are the stored policy ('talentgraph policy quotas'), applied with at least 30
    candidates and 30 places. What describes the sensitive groups of the placed is shown
    only with --group-shares (and at least 30 placed).
    """
    w, exclusions = parse_weights(weights, exclude)
    role_ids, candidate_ids = id_list(roles), id_list(candidates)  # before the store
    with open_engine(db, read_only=True) as eng:
        out = eng.allocate(
            role_ids,
            candidate_ids,
            w,
            {"exclusions": exclusions},
            capacity=capacity,
            generations=generations,
            disclose_groups=group_shares,
        )
    console.print_allocation(out, as_json)


def policy_quotas(
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="ATTRIBUTE=GROUP:SHARE, e.g. gender=female:0.4 (repeatable); replaces the "
            "stored quotas.",
        ),
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove every stored quota.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show, set (--set) or clear (--clear) the allocation quotas 'allocate' applies: an
    administrator's or auditor's policy, minimum group shares among the placed."""
    if set_ and clear:
        raise typer.BadParameter("give --set or --clear, not both")
    with open_engine(db, read_only=not (set_ or clear)) as eng:
        if clear:
            eng.set_allocation_quotas(None)
        elif set_:
            eng.set_allocation_quotas(list(set_))
        stored = eng.allocation_quotas()
    console.print_quotas(stored, as_json)
