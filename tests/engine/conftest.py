"""Shared fixtures of the engine tests: one small store trained with the default pipeline.

``trained_engine`` generates a scale-0.02 dataset (400 candidates, 60 roles, seed 0), imports
it into a real embedded store and trains it once per test session with the default options
and short budgets; nothing is mocked. Tests must not write to it (open their own store for
that).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine import MatchingEngine, Settings
from engine.results import TrainReport
from engine.training.options import TrainOptions
from loaders.import_job import ImportOptions
from loaders.synthetic import generate

DEFAULT_FAST = TrainOptions(finetune_epochs=3, progress=False)
"""The default pipeline (adapter, hard and weak negatives, merit scorer) with a short budget."""


@dataclass(frozen=True)
class TrainedEngine:
    eng: MatchingEngine
    report: TrainReport
    data: Path
    root: Path


@pytest.fixture(scope="session")
def trained_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainedEngine]:
    root = tmp_path_factory.mktemp("trained-engine")
    data = root / "data"
    generate(data, scale=0.02, seed=0, progress=False)
    settings = Settings(db=str(root / "store"), train=DEFAULT_FAST)
    eng = MatchingEngine.open(root / "store", settings=settings)
    eng.import_dataset(data, ImportOptions(progress=False))
    report = eng.train(seed=0)
    yield TrainedEngine(eng, report, data, root)
    eng.close()
