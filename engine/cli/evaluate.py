"""``evaluate``: the engine, its ablations and the baselines on the held-out ground truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from engine import console
from engine.cli.options import DbOption, JsonOption, open_engine


def write_table(stem: Path, markdown: str, data: Any, plot_png: bytes | None = None) -> None:
    """``stem``.md, ``stem``.json (values JSON lacks as strings) and ``stem``.png if a plot."""
    stem.with_suffix(".md").write_text(markdown + "\n")
    stem.with_suffix(".json").write_text(json.dumps(data, indent=2, default=str))
    if plot_png is not None:
        stem.with_suffix(".png").write_bytes(plot_png)


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
    say = console.quiet if as_json else console.say
    with open_engine(db, read_only=True) as eng:
        result = run_evaluation(
            eng.context,
            dataset,
            seed=seed,
            baselines=baselines,
            ablations=ablations,
            bootstrap=bootstrap,
            say=say,
        )
        if fairness:
            truth = load_ground_truth(dataset)
            table = fairness_accuracy(eng.context, truth, seed=seed, resamples=bootstrap, say=say)
        if fusion:
            truth = load_ground_truth(dataset)
            fused = fusion_table(
                eng.context, truth, seed=seed, resamples=max(bootstrap, 1), say=say
            )
    console.print_evaluation(result, table, fused, as_json)
    if out is None:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    write_table(out, result.markdown, result.data)
    if not as_json:
        console.print_written(out.with_suffix(".md"), out.with_suffix(".json"))
    for name, extra in (("fairness", table), ("fusion", fused)):
        if extra is not None:
            stem = out.with_name(f"{out.name}-{name}")
            write_table(stem, extra.markdown, extra.data, extra.plot_png)
            if not as_json:
                console.print_table_files(name, stem)
