"""The trained benchmark store that ``bench recommend``, ``bench explain`` and ``bench
allocate`` share: generated, imported and trained once per scale and seed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.bench.facts import machine, peak_rss_mib
from loaders.import_job import ImportOptions


@contextmanager
def trained_bench_store(
    scale: float, seed: int, workdir: Path, train: Any = None
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """The benchmark store of ``workdir`` (shared by ``bench recommend`` and ``bench
    explain``), generated, imported and trained first when missing; yields the open
    ``MatchingEngine`` and the facts recorded so far (machine, scale, seed, and the training
    run's time and peak memory when it trained here).

    Args:
        scale: dataset scale.
        seed: dataset and training seed.
        workdir: where the dataset, the store and the model are kept.
        train: ``TrainOptions`` for the training run when the store has no model.
    """
    from engine.api import MatchingEngine
    from engine.runtime.model import MatchModel
    from engine.settings import Settings
    from synthetic import generate

    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"data-s{scale:g}-seed{seed}"
    if not (data / "candidates.jsonl").exists():
        generate(data, scale=scale, seed=seed, progress=True)
    store_dir = workdir / f"store-s{scale:g}-recommend"
    settings = Settings(db=str(store_dir), seed=seed, **({"train": train} if train else {}))
    facts: dict[str, Any] = {"machine": machine(), "scale": scale, "seed": seed}
    with MatchingEngine.open(store_dir, settings=settings) as eng:
        if not eng.stats()["nodes"].get("Candidate"):
            eng.import_dataset(data, ImportOptions(progress=True))
        if not MatchModel.exists(eng.model_dir):
            began = time.perf_counter()
            report = eng.train(seed=seed, say=print)
            facts["train"] = {
                "seconds": round(time.perf_counter() - began, 1),
                "stages": report.seconds,
                "peak_rss_mib": peak_rss_mib(),
            }
        yield eng, facts
