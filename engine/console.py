"""The one place that prints: every command's result, report and message, for people.

Results go to stdout (as rich tables and text, or as JSON with ``--json``); errors and
warnings beside JSON go to stderr, so that ``--json`` output on stdout stays JSON. Each
``print_*`` function takes a command's result and ``as_json``; values read from the graph or
the decision log are printed with control characters escaped (``graph_schema.printable``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engine.results import Explanation
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
    """A table of query rows (columns from the first row). Names and values are shown as
    they are, never read as Rich markup (a stored ``[link=...]`` is text); ``title`` is
    the caller's markup."""
    table = Table(title=title, show_lines=False)
    columns = list(rows[0]) if rows else []
    for column in columns:
        table.add_column(escape(str(column)))
    for row in rows[:limit]:
        table.add_row(*(escape(_cell(row.get(c))) for c in columns))
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


def print_import_report(report: ImportReport, as_json: bool = False) -> None:
    """The final report of an import: files, writes, rejections, speed, and the warnings of
    its files (a CSV header with unknown or missing columns)."""
    if as_json:
        print_json(report)
        return
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
            console.print(f"  {escape(message)}")
    if report.quarantined:
        console.print(
            f"[red]{report.quarantined:,} rows rejected[/red], quarantined in "
            f"{report.quarantine_file}"
        )
        for message in report.rejections[:10]:
            console.print(f"  {escape(message)}")
        if report.quarantined > 10:
            console.print(f"  … {report.quarantined - 10:,} more in the quarantine file")
    for message in report.file_errors:
        console.print(f"[yellow]warning:[/yellow] {escape(message)}")


def print_json(result: Any) -> None:
    """A command's result as JSON on stdout (pydantic models, dataclasses, dicts, lists)."""
    import dataclasses

    if hasattr(result, "model_dump_json"):
        print(result.model_dump_json(indent=2))
        return
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = dataclasses.asdict(result)
    print(json.dumps(result, indent=2, default=str))


def say(message: str) -> None:
    """A progress line, stamped with the time."""
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {escape(message)}")


def quiet(message: str) -> None:
    """No progress lines (``--json``: stdout is the result)."""


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar; yields ``progress(done, total)`` to move it."""
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield progress


def print_warnings(flags: Iterable[str], as_json: bool = False) -> None:
    """A result's warnings: in red on stdout, or on stderr beside JSON (stdout stays JSON)."""
    for flag in flags:
        if as_json:
            typer.echo(f"WARNING: {flag}", err=True)
        else:
            console.print(f"[bold red]WARNING[/bold red]: {escape(flag)}")


def print_written(*paths: Path) -> None:
    """Where a command wrote its result."""
    console.print(f"written to {' and '.join(map(str, paths))}")


def _logged(value: object) -> str:
    """A value read from the graph or the decision log, for the console: control characters
    written as escapes (``graph_schema.printable``), markup escaped."""
    from graph_schema.printable import printable

    return escape(printable(value))


def print_generation(summary: Any, as_json: bool = False) -> None:
    """``generate``: rows written per table, the history's shortlist rates, the time."""
    if as_json:
        print_json(summary)
        return
    console.print(counts_table(summary.counts, f"Rows written to {summary.out_dir}", "table"))
    rates = ", ".join(f"{group} {rate:.1%}" for group, rate in summary.shortlist_rates.items())
    console.print(
        f"HAS_SKILL entries: {summary.has_skill:,}. Historical shortlist rate by gender: {rates}; "
        f"impact ratio {summary.shortlist_impact_ratio:.2f} (recruiter bias {summary.bias}). "
        f"Ground truth for evaluation only: {summary.files['ground_truth']}. "
        f"{summary.seconds:.1f} s."
    )


def print_stats(counts: dict[str, dict[str, int]], as_json: bool = False) -> None:
    """``stats``: node counts per label, relationship counts per type."""
    if as_json:
        print_json(counts)
        return
    console.print(counts_table(counts["nodes"], "Nodes", "label"))
    console.print(counts_table(counts["relationships"], "Relationships", "type"))


def print_rows(rows: list[dict[str, Any]], title: str, as_json: bool = False) -> None:
    """Query rows as a table titled ``title``, or as JSON."""
    if as_json:
        print_json(rows)
        return
    console.print(rows_table(rows, title=escape(title)))


def print_training(report: Any, as_json: bool = False) -> None:
    """``train``: seconds per stage, NexusGNN's validation and probe, warnings, total time."""
    if as_json:
        print_json(report)
        return
    console.print(
        counts_table(report.seconds, f"Model {report.version}: seconds per stage", "stage")
    )
    nexus = report.nexus
    if nexus:
        probe = nexus.get("probe") or {}
        console.print(
            f"NexusGNN ({nexus['mode']}, {nexus['epochs']} epochs): validation AUC "
            f"{nexus['val_auc']:.3f}. Probe recovering {probe.get('attribute', '-')} from "
            f"candidate embeddings: accuracy {probe.get('probe_accuracy', float('nan')):.3f} "
            f"vs majority rate {probe.get('majority_rate', float('nan')):.3f}."
        )
    print_warnings(report.warnings)
    console.print(f"Trained in {report.total_seconds:.1f} s.")


def print_matches(
    matches: list[Any],
    *,
    role: str | None = None,
    candidate: str | None = None,
    as_json: bool = False,
) -> None:
    """``recommend``: candidates for ``role`` or roles for ``candidate``, with reasons, then
    the warnings the matches carry (once each)."""
    flags = list(dict.fromkeys(w for m in matches for w in m.warnings))
    if as_json:
        print_json([m.model_dump() for m in matches])
        print_warnings(flags, as_json=True)
        return
    if role is not None:
        title, other = f"Candidates for role {role}", "candidate"
    else:
        title, other = f"Roles for candidate {candidate}", "role"
    rows = [
        {
            "rank": m.rank,
            other: m.candidate_id if other == "candidate" else m.role_id,
            "score": f"{m.score:.3f}",
            "why": "; ".join(m.reasons),
        }
        for m in matches
    ]
    console.print(rows_table(rows, title=escape(title)))
    print_warnings(flags)


def print_allocation(out: Any, as_json: bool = False) -> None:
    """``allocate``: the chosen assignments, the point chosen on the front against the exact
    optimum, group shares against the stored quotas, notes and warnings."""
    if as_json:
        print_json(out)
        print_warnings(out.warnings, as_json=True)
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
    print_warnings(out.warnings)


def print_quotas(stored: list[Any], as_json: bool = False) -> None:
    """``policy quotas``: the stored allocation quotas."""
    if as_json:
        print_json([q.model_dump() if hasattr(q, "model_dump") else str(q) for q in stored])
        return
    if not stored:
        console.print("no allocation quotas stored")
        return
    console.print("allocation quotas (applied with at least 30 candidates and 30 places):")
    for quota in stored:
        console.print(f"  {escape(str(quota))}")


def print_decision(d: Any, as_json: bool = False) -> None:
    """``decide``: the decision as logged."""
    if as_json:
        print_json(d)
        return
    console.print(
        f"decision {d.seq} logged ({_logged(d.decision)} {_logged(d.candidate_id)} for "
        f"{_logged(d.role_id)}, {d.hash[:12]})"
    )


def print_verification(result: Any, path: Path, as_json: bool = False) -> None:
    """``decisions verify``: the log at ``path`` intact, or what is wrong with it."""
    if as_json:
        print_json(result)
    elif result.ok:
        console.print(
            f"[green]ok[/green]: {result.records} decisions, chain and head intact (last hash "
            f"{(result.head_hash or '-')[:16]}, key {_logged(result.key_id or '-')}; "
            f"{_logged(path)})"
        )
    else:
        console.print(f"[red]{result.problem}[/red]: {_logged(result.detail)} ({_logged(path)})")


def print_rekey(result: Any, path: Path, keys_dir: Path, as_json: bool = False) -> None:
    """``decisions rekey``: how many decisions were signed, with which key."""
    if as_json:
        print_json(result)
        return
    console.print(
        f"{result.records} decisions signed with key {result.key_id} ({_logged(path)}); keep "
        f"{_logged(keys_dir)} backed up apart from the store"
    )


def print_restored(written: int, as_json: bool = False) -> None:
    """``decisions restore``: decision edges written to the graph."""
    if as_json:
        print_json({"edges_written": written})
        return
    console.print(f"{written} decision edges written")


def print_replay(r: Any, as_json: bool = False) -> None:
    """``replay``: the decision, the model and inputs it was replayed with, and the ranking
    the same as shown or the ranks that differ."""
    if as_json:
        print_json(r)
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


def print_explanation(found: Explanation, as_json: bool = False) -> None:
    """``explain``: the explanation as text and tables, or as JSON."""
    if as_json:
        print_json(found)
        return
    _explanation(found)


def _explanation(e: Explanation) -> None:
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


def print_evaluation(
    result: Any, fairness: Any = None, fusion: Any = None, as_json: bool = False
) -> None:
    """``evaluate``: the results table, then the fairness and fusion tables when computed."""
    if as_json:
        data = {"results": result.data}
        if fairness is not None:
            data["fairness"] = fairness.data
        if fusion is not None:
            data["fusion"] = fusion.data
        print_json(data)
        return
    print(result.markdown)
    for table in (fairness, fusion):
        if table is not None:
            print("\n" + table.markdown)


def print_table_files(name: str, stem: Path) -> None:
    """Where ``evaluate --out`` wrote the ``name`` table and its plot."""
    console.print(f"{name} table and plot: {stem}.md, {stem}.json, {stem}.png")


def print_audit(
    report: Any, attribute: str, out: Path, seconds: float, as_json: bool = False
) -> None:
    """``audit``: its warnings on stderr (JSON or not), then the report: selection rates and
    impact ratios per category, the scoring impact ratio, what was audited and where."""
    for note in report.notes:  # a thin sensitive store, ...: said on stderr, JSON or not
        if note.startswith("WARNING"):
            errors.print(f"[bold red]{escape(note)}[/bold red]")
    if as_json:
        print_json(report)
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
        f"roles in {seconds:.1f} s; written to {escape(str(out))}/audit.json "
        "and audit.html. The 0.8 line is information, not a pass mark."
    )


def print_bench_import(result: dict[str, Any], scale: float) -> None:
    """``bench import``: one row per run."""
    console.print(rows_table(result["runs"], title=f"bench import, scale {scale}"))


def print_bench_recommend(result: dict[str, Any], k: int) -> None:
    """``bench recommend``: latencies and recall@k of each direction."""
    for direction in ("recommend_candidates", "recommend_roles"):
        r = result[direction]
        console.print(
            f"{direction}: fast p50 {r['fast']['p50_ms']} ms, p99 {r['fast']['p99_ms']} ms; "
            f"exact p50 {r['exact']['p50_ms']} ms, p99 {r['exact']['p99_ms']} ms; "
            f"recall@{k} {r[f'recall_at_{k}']} (min {r['min_recall']}); "
            f"mean pool {r['mean_pool']}"
        )


def print_bench_serve(result: dict[str, Any]) -> None:
    """``bench serve``: the HTTP shortlist idle and during an import, vs in-process."""
    inproc = result["in_process"]
    console.print(
        f"start {result['start_seconds']} s (to /health); in-process p50 {inproc['p50_ms']} ms, "
        f"p99 {inproc['p99_ms']} ms; server peak RSS {result['server_peak_rss_mib']} MiB"
    )
    for phase in ("idle", "during_import"):
        r = result[phase]
        console.print(
            f"HTTP {phase}: {r['requests']} requests, {r['errors']} errors, {r['per_second']}/s; "
            f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms"
        )


def print_bench_explain(result: dict[str, Any]) -> None:
    """``bench explain``: latencies of each level, additivity, fidelity, stability."""
    r = result["explain"]
    for name in ("summary", "detailed", "shap_only", "paths_only", "comparative", "counterfactual"):
        console.print(f"{name}: p50 {r[name]['p50_ms']} ms, p99 {r[name]['p99_ms']} ms")
    console.print(
        f"additivity max error {r['additivity_max_error']:.2e}; fidelity {r['fidelity']}; "
        f"stability {r['stability']}"
    )


def print_bench_allocate(result: dict[str, Any]) -> None:
    """``bench allocate``: times, gap to the optimum and the quota's cost of each case."""
    for case in ("medium", "full"):
        if case in result:
            r = result[case]
            console.print(
                f"{case}: exact {r['exact']['seconds']} s; seeded {r['seeded']['seconds']} s, "
                f"gap {r['seeded']['chosen_gap_pct']} %; quota met "
                f"{r['quota']['chosen_meets_quota']} at merit cost "
                f"{r['quota']['merit_cost_pct']} %"
            )


def print_bench_encode(result: dict[str, Any]) -> None:
    """``bench encode``: throughput and distance to fp32 of each precision."""
    for precision in ("fp32", "bf16"):
        r = result[precision]
        console.print(
            f"{precision}: {r['texts_per_second']} texts/s ({r['seconds']} s for "
            f"{result['texts']} texts), smallest cosine to fp32 {r['min_cosine_to_fp32']}"
        )
    native = "native" if result["native_bf16"] else "emulated (no avx512_bf16/amx_bf16)"
    console.print(f"bf16 is {native} on this CPU: {result['bf16_speedup']}x the speed of fp32")


def print_key_created(info: dict[str, Any], token: str, as_json: bool = False) -> None:
    """``keys create``: the key's record, then its token alone on the last line (shown once)."""
    if as_json:
        print(json.dumps({**info, "token": token}, indent=2))
        return
    console.print(rows_table([info], title="API key created"))
    console.print("The token below is shown once; only its hash is kept:")
    print(token)


def print_keys(keys: list[dict[str, Any]], as_json: bool = False) -> None:
    """``keys list`` / ``keys revoke``: the keys (no secrets)."""
    if as_json:
        print_json(keys)
        return
    console.print(rows_table(keys, title=f"API keys ({len(keys)})") if keys else "no API keys")
