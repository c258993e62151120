"""``talentgraph bench import`` (first bulk import, re-import, increment).

Absolute times depend on the machine; the ratios in one run do not. Each run of
``bench_import`` therefore measures, on the same dataset and machine:

1. the first import into an empty embedded store (bulk COPY path);
2. a re-import of the unchanged dataset (idempotency: counts must not move);
3. a re-import where a share of candidate and role rows changed (the incremental path);
4. baselines: the first import with per-row pydantic validation instead of the columnar
   path, and with MERGE instead of bulk COPY.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.bench.facts import machine, peak_rss_mib
from loaders.import_job import ImportJob, ImportOptions, ImportReport
from loaders.stores.ladybug import LadybugStore


def change_rows(src: Path, dst: Path, share: float, seed: int) -> dict[str, int]:
    """Copy dataset ``src`` to ``dst`` with ``share`` of candidate and role rows changed."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("_evaluation"))
    rng = np.random.default_rng(seed)
    changed = {}
    for table in ("candidates", "roles"):
        lines = (dst / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()
        picks = rng.choice(len(lines), size=int(len(lines) * share), replace=False)
        for i in picks:
            row = json.loads(lines[i])
            if table == "candidates":
                row["headline"] = (row.get("headline") or "") + " (updated)"
                if row.get("skills"):
                    row["skills"][0]["level"] = round(float(rng.uniform(0.2, 1.0)), 2)
                    row["skills"] = row["skills"][:-1] if len(row["skills"]) > 2 else row["skills"]
            else:
                row["capacity"] = int(row.get("capacity", 1)) + 1
            lines[i] = json.dumps(row, ensure_ascii=False)
        (dst / f"{table}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        changed[table] = len(picks)
    return changed


def _run(
    label: str, store_dir: Path, data: Path, options: ImportOptions, fresh: bool
) -> tuple[dict[str, Any], ImportReport]:
    if fresh and store_dir.exists():
        shutil.rmtree(store_dir)
    with LadybugStore(store_dir, batch_size=options.batch_size) as store:
        report = ImportJob(store, options).run(data)
    rels = sum(report.relationships_written.values())
    rows_written = sum(t.imported for t in report.tables)
    return {
        "run": label,
        "mode": report.mode,
        "rows_read": report.rows,
        "rows_written": rows_written,
        "rels_written": rels,
        "seconds": report.seconds,
        "read_validate_s": report.phase_seconds["read_validate"],
        "write_after_read_s": report.phase_seconds["write_after_read"],
        "write_busy_s": report.phase_seconds["write_busy"],
        "rows_read_per_s": round(report.rows / report.seconds),
        "rows_written_per_s": round(rows_written / report.seconds),
        "rels_per_s": round(rels / report.seconds),
        "peak_rss_mib": peak_rss_mib(),
        "quarantined": report.quarantined,
    }, report


def bench_import(
    scale: float, seed: int, workdir: Path, changed: float = 0.10, baseline: bool = True
) -> dict[str, Any]:
    """Run the import benchmark; returns machine facts, dataset facts and one row per run."""
    from synthetic import generate

    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"data-s{scale:g}-seed{seed}"
    if not (data / "candidates.jsonl").exists():
        started = time.perf_counter()
        generate(data, scale=scale, seed=seed, progress=True)
        print(f"generated {data} in {time.perf_counter() - started:.1f} s")
    options = ImportOptions(progress=True, as_of="2026-01")
    store_dir = workdir / f"store-s{scale:g}"
    runs = []
    first, first_report = _run("first import (bulk COPY)", store_dir, data, options, fresh=True)
    runs.append(first)
    again, again_report = _run("re-import, unchanged", store_dir, data, options, fresh=False)
    runs.append(again)
    changed_dir = workdir / f"data-s{scale:g}-seed{seed}-changed{int(changed * 100)}"
    counts = change_rows(data, changed_dir, changed, seed + 1)
    inc, _ = _run(
        f"re-import, {changed:.0%} rows changed", store_dir, changed_dir, options, fresh=False
    )
    runs.append(inc)
    baselines = (
        ("baseline: first import, per-row validation", "rows", {"columnar": False}),
        ("baseline: first import via MERGE", "merge", {"bulk": False}),
    )
    for label, suffix, update in baselines if baseline else ():
        path = workdir / f"store-s{scale:g}-{suffix}"
        row, _ = _run(label, path, data, options.model_copy(update=update), fresh=True)
        runs.append(row)
        shutil.rmtree(path, ignore_errors=True)
    return {
        "machine": machine(),
        "scale": scale,
        "seed": seed,
        "changed_rows": counts,
        "idempotent": again_report.node_counts == first_report.node_counts
        and again_report.relationship_counts == first_report.relationship_counts,
        "node_counts": first_report.node_counts,
        "relationship_counts": first_report.relationship_counts,
        "runs": runs,
    }
