"""The ``talentgraph`` command line: a thin layer over the engine API.

This module is the command tree: every command, in the order ``--help`` lists them. The
commands live one module a group (``data``, ``train``, ``match``, ``allocate``,
``decisions``, ``evaluate``, ``audit``, ``bench``, ``demo``): each parses its arguments,
calls the engine and hands the result to ``engine.console``, the one place that prints.
Errors are mapped to exit codes in one place, the app's group (``engine.cli.errors``):
0 success, 1 a check that failed, 2 any error.

``--db`` takes a directory (embedded LadybugDB, default ``./.talentgraph``) or a
``neo4j://`` URI (credentials from ``TALENTGRAPH_NEO4J_USER``/``TALENTGRAPH_NEO4J_PASSWORD``).

Example:
    >>> from typer.testing import CliRunner
    >>> CliRunner().invoke(app, ["stats", "--db", "data/store"]).exit_code  # doctest: +SKIP
    0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from engine.cli import (
    allocate,
    audit,
    bench,
    data,
    decisions,
    demo,
    evaluate,
    match,
    serve,
    train,
)
from engine.cli.errors import GuardedGroup, set_debug

__all__ = ["app"]

app = typer.Typer(
    help="talentgraph: graph-based candidate-role matching with fairness audits.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=GuardedGroup,  # every error: a message and exit 2 (engine.cli.errors)
)


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="On an error, write the traceback to a log file.")
    ] = False,
) -> None:
    """talentgraph: graph-based candidate-role matching with fairness audits."""
    set_debug(debug)


COMMANDS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("generate", data.generate),
    ("import", data.import_),
    ("stats", data.stats),
    ("cypher", data.cypher),
    ("train", train.train),
    ("recommend", match.recommend),
    ("allocate", allocate.allocate),
    ("decide", decisions.decide),
    ("replay", decisions.replay),
    ("explain", match.explain),
    ("evaluate", evaluate.evaluate),
    ("audit", audit.audit),
    ("serve", serve.serve),
    ("demo", demo.demo),
)
"""Top-level commands: (name, function)."""
GROUPS: tuple[tuple[str, str, tuple[tuple[str, Callable[..., None]], ...]], ...] = (
    (
        "bench",
        "Benchmarks (results go to BENCHMARKS.md by hand).",
        (
            ("import", bench.bench_import),
            ("recommend", bench.bench_recommend),
            ("explain", bench.bench_explain),
            ("allocate", bench.bench_allocate),
            ("encode", bench.bench_encode),
            ("serve", bench.bench_serve),
        ),
    ),
    (
        "decisions",
        "The recruiter decision log.",
        (
            ("verify", decisions.decisions_verify),
            ("rekey", decisions.decisions_rekey),
            ("restore", decisions.decisions_restore),
        ),
    ),
    (
        "policy",
        "The allocation policy an administrator or auditor sets (quotas).",
        (("quotas", allocate.policy_quotas),),
    ),
    (
        "keys",
        "API keys of the HTTP server (talentgraph serve): create, list, revoke.",
        (
            ("create", serve.keys_create),
            ("list", serve.keys_list),
            ("revoke", serve.keys_revoke),
        ),
    ),
)
"""Command groups: (name, help, their commands)."""


def _register(app: typer.Typer) -> None:
    """Every command and group on ``app``, in the order of ``COMMANDS`` and ``GROUPS``."""
    for name, command in COMMANDS:
        app.command(name)(command)
    for name, help_text, commands in GROUPS:
        group = typer.Typer(help=help_text, no_args_is_help=True)
        for sub, command in commands:
            group.command(sub)(command)
        app.add_typer(group, name=name)


_register(app)
