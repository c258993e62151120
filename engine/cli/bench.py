"""The ``bench`` group: each benchmark of ``engine.bench`` run, summed up and written to
``WORKDIR/bench-<name>.json`` (results go to BENCHMARKS.md by hand)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from engine import console

BenchScale = Annotated[float, typer.Option(help="Dataset scale (5 = 100,000 candidates).")]
BenchDir = Annotated[Path, typer.Option(help="Where datasets, stores and models are kept.")]
BenchSeed = Annotated[int, typer.Option()]


def write_result(result: dict[str, Any], out: Path) -> None:
    """A bench command's result as JSON (values JSON lacks, e.g. paths, as strings)."""
    out.write_text(json.dumps(result, indent=2, default=str))
    console.print_written(out)


def bench_import(
    scale: BenchScale = 5.0,
    seed: BenchSeed = 0,
    workdir: BenchDir = Path(".bench"),
    changed: Annotated[float, typer.Option(help="Share of rows changed for the re-import.")] = 0.10,
    baseline: Annotated[bool, typer.Option(help="Also time the MERGE-only first import.")] = True,
) -> None:
    """First (bulk) import and incremental re-import of changed rows into the embedded store."""
    from engine.bench.imports import bench_import as run

    result = run(scale=scale, seed=seed, workdir=workdir, changed=changed, baseline=baseline)
    console.print_bench_import(result, scale)
    write_result(result, workdir / f"bench-import-s{scale:g}.json")


def bench_recommend(
    scale: BenchScale = 5.0,
    seed: BenchSeed = 0,
    workdir: BenchDir = Path(".bench"),
    queries: Annotated[int, typer.Option(help="Sampled queries per direction.")] = 200,
    k: Annotated[int, typer.Option("-k", help="List length.")] = 10,
) -> None:
    """Latency of recommend (fast path) vs exact scoring of everyone, and its recall@k."""
    from engine.bench.recommend import bench_recommend as run

    result = run(scale=scale, seed=seed, workdir=workdir, queries=queries, k=k)
    console.print_bench_recommend(result, k)
    write_result(result, workdir / f"bench-recommend-s{scale:g}.json")


def bench_explain(
    scale: BenchScale = 1.0,
    seed: BenchSeed = 0,
    workdir: BenchDir = Path(".bench"),
    pairs: Annotated[int, typer.Option(help="Sampled (candidate, role) pairs.")] = 200,
    slow: Annotated[int, typer.Option(help="Pairs explained comparatively/counterfactually.")] = 20,
) -> None:
    """Latency of explain (SHAP + paths, and each alone), additivity, fidelity, stability."""
    from engine.bench.explain import bench_explain as run

    result = run(scale=scale, seed=seed, workdir=workdir, pairs=pairs, slow=slow)
    console.print_bench_explain(result)
    write_result(result, workdir / f"bench-explain-s{scale:g}.json")


def bench_allocate(
    scale: BenchScale = 1.0,
    seed: BenchSeed = 0,
    workdir: BenchDir = Path(".bench"),
    candidates: Annotated[int, typer.Option(help="Candidates of the medium case.")] = 2000,
    roles: Annotated[int, typer.Option(help="Roles of the medium case.")] = 300,
    capacity: Annotated[int, typer.Option(help="Places per role.")] = 5,
    generations: Annotated[int, typer.Option(help="NSGA-II generations per run.")] = 100,
    full: Annotated[bool, typer.Option(help="Also allocate every candidate and role.")] = True,
) -> None:
    """Allocation: exact optimum, seeded vs random-start NSGA-II, a quota, every constraint."""
    from engine.bench.allocate import bench_allocate as run

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
    console.print_bench_allocate(result)
    write_result(result, workdir / f"bench-allocate-s{scale:g}.json")


def bench_encode(
    texts: Annotated[int, typer.Option(help="Profile texts encoded in each precision.")] = 512,
    seed: BenchSeed = 0,
    workdir: BenchDir = Path(".bench"),
) -> None:
    """Text encoding in fp32 (the default: the same model on every CPU) against bf16."""
    from engine.bench.encode import bench_encode as run

    result = run(texts=texts, seed=seed, workdir=workdir)
    console.print_bench_encode(result)
    write_result(result, workdir / "bench-encode.json")


def bench_serve(
    scale: BenchScale = 1.0,
    seed: BenchSeed = 0,
    workdir: BenchDir = Path(".bench"),
    requests: Annotated[int, typer.Option(min=20, help="Shortlist requests over HTTP.")] = 2000,
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Clients at once.")] = 8,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Shortlist length.")] = 10,
) -> None:
    """The HTTP shortlist under load (idle, then during an import job) vs the Python call."""
    from engine.bench.serve import bench_serve as run

    result = run(
        scale=scale, seed=seed, workdir=workdir, requests=requests, concurrency=concurrency, k=k
    )
    console.print_bench_serve(result)
    write_result(result, workdir / f"bench-serve-s{scale:g}.json")
