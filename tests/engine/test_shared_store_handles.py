"""A second engine opened and closed on a store another engine of the same process holds
(as ``talentgraph replay`` run in-process, or a notebook opening the store twice) must leave
the first one's next import intact.

Before the stores of one directory shared one LadybugDB database, this sequence (a trained
store with a recruiter decision, a second engine's read, then an incremental import through
the first) failed: "the store wrote 1,240 of 1,070 (Candidate)-[:INTERACTED]->(Role)
relationships". Nothing is mocked: a real store, a real (short) training, a real decision.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine import MatchingEngine, Settings
from engine.options import TrainOptions
from loaders.import_job import ImportOptions
from synthetic import generate

pytestmark = pytest.mark.slow


def _variant(root: Path, tag: str) -> Path:
    out = root / f"data-{tag}"
    shutil.copytree(root / "data", out)
    rows = [json.loads(line) for line in (out / "candidates.jsonl").read_text().splitlines()]
    rows[0]["headline"] = f"changed {tag}"
    (out / "candidates.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out


def test_a_second_engine_on_an_open_store_leaves_the_first_ones_imports_intact(
    tmp_path: Path,
) -> None:
    generate(tmp_path / "data", scale=0.02, seed=0, progress=False)
    settings = Settings(
        db=str(tmp_path / "store"), train=TrainOptions(finetune_epochs=1, progress=False)
    )
    eng = MatchingEngine.open(tmp_path / "store", settings=settings)
    eng.import_dataset(tmp_path / "data", ImportOptions(progress=False))
    eng.train(seed=0)
    role = eng.serving.recommender().runtime.exported.ids["Role"].ids[0]
    top = eng.recommend_candidates(role, k=3)[0]
    eng.record_decision(role, top.candidate_id, "accept", reviewer="ana")
    for tag in ("v1", "v2", "v3"):
        eng.import_dataset(_variant(tmp_path, tag), ImportOptions(progress=False, bulk=False))
    before = eng.stats()
    other = MatchingEngine.open(tmp_path / "store", settings=settings)
    assert other.stats() == before
    other.close()
    for tag in ("v4", "v5"):
        report = eng.import_dataset(
            _variant(tmp_path, tag), ImportOptions(progress=False, bulk=False)
        )
        assert report.quarantined == 0
    assert eng.stats() == before  # a headline changed, nothing else
    eng.close()
