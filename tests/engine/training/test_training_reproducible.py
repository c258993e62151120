"""Training is reproducible: budgets are epochs, not seconds (issue #8).

The same seed on the same store gives the same top-10 lists, even when the second training
runs beside processes that keep both cores busy (a wall-clock budget gave 0 of 40 identical
lists there). The wall clock is only a safety cap, and reaching it is loud: a warning in the
``TrainReport``, in the CLI output and in the saved model's manifest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from engine import MatchingEngine, Settings
from engine.cli import app
from engine.options import TrainOptions
from engine.runtime.model import MANIFEST
from loaders.import_job import ImportOptions
from synthetic import generate

pytestmark = pytest.mark.slow

FAST = TrainOptions(
    finetune_epochs=5,
    gnn=True,
    gnn_epochs=6,
    history=True,
    lexical=True,
    cf=True,
    scorer_iterations=80,
    progress=False,
)
BUSY = "while True: pass"


@pytest.fixture(scope="module")
def engine_and_data(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("repro")
    generate(root / "data", scale=0.02, seed=3, progress=False)
    eng = MatchingEngine.open(root / "store", settings=Settings(db=str(root / "store"), train=FAST))
    eng.import_dataset(root / "data", ImportOptions(progress=False))
    yield eng, root
    eng.close()


def _top10(eng: MatchingEngine) -> dict[str, list[str]]:
    roles = sorted(r["id"] for r in eng.store.run("node_ids", label="Role"))
    candidates = sorted(c["id"] for c in eng.store.run("node_ids", label="Candidate"))[:40]
    lists = {r: [m.candidate_id for m in eng.recommend_candidates(r, k=10)] for r in roles}
    lists |= {c: [m.role_id for m in eng.recommend_roles(c, k=10)] for c in candidates}
    return lists


def test_same_seed_same_rankings_on_a_busy_machine(engine_and_data) -> None:
    eng, _ = engine_and_data
    first = eng.train(seed=0)
    quiet = _top10(eng)
    hogs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(3)]
    try:
        second = eng.train(seed=0)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    busy = _top10(eng)
    assert not first.warnings and not second.warnings
    assert first.nexus["epochs"] == second.nexus["epochs"] == 6
    assert first.finetune["epochs"] == second.finetune["epochs"] == 5
    same = sum(quiet[q] == busy[q] for q in quiet)
    assert same == len(quiet), f"{len(quiet) - same} of {len(quiet)} top-10 lists changed"


def test_reaching_the_safety_cap_is_loud(engine_and_data) -> None:
    eng, root = engine_and_data
    capped = FAST.model_copy(update={"safety_seconds": 1e-6, "gnn_epochs": 3})
    report = eng.train(seed=0, options=capped)
    assert report.warnings, "a loop stopped by the wall clock must warn"
    assert any("NexusGNN stopped at the wall-clock safety cap" in w for w in report.warnings)
    assert report.nexus["capped"] is True
    manifest = json.loads((eng.serving.model().directory / MANIFEST).read_text())
    assert manifest["report"]["warnings"] == list(report.warnings)

    env = {"TALENTGRAPH_TRAIN__SAFETY_SECONDS": "1e-6", "TALENTGRAPH_TRAIN__GNN_EPOCHS": "3"}
    eng.store.close()
    try:
        result = CliRunner().invoke(app, ["train", "--db", str(root / "store")], env=env)
    finally:
        eng.store = MatchingEngine.open(root / "store", settings=eng.settings).store
    assert result.exit_code == 0, result.output
    assert "WARNING" in result.output and "safety cap" in result.output


# The code paths of another CPU class, forced on this one: ATen's plain (non-AVX) kernels,
# MKL at SSE4.2, oneDNN at SSE4.1. Their sums round differently (text vectors differ by about
# 1e-7 here), as an AVX-512 or an older CPU's would.
OTHER_CPU = {
    "ATEN_CPU_CAPABILITY": "default",
    "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
    "ONEDNN_MAX_CPU_ISA": "SSE41",
}
TRAIN_AND_RANK = """
import json, sys
from engine import MatchingEngine, Settings
from engine.options import TrainOptions
from loaders.import_job import ImportOptions
data, store, options = sys.argv[1], sys.argv[2], TrainOptions.model_validate_json(sys.argv[3])
eng = MatchingEngine.open(store, settings=Settings(db=store, train=options))
eng.import_dataset(data, ImportOptions(progress=False))
eng.train(seed=0)
roles = sorted(r["id"] for r in eng.store.run("node_ids", label="Role"))
candidates = sorted(c["id"] for c in eng.store.run("node_ids", label="Candidate"))[:40]
lists = {r: [(m.candidate_id, m.score) for m in eng.recommend_candidates(r, k=10)] for r in roles}
lists |= {c: [(m.role_id, m.score) for m in eng.recommend_roles(c, k=10)] for c in candidates}
print(json.dumps({"precision": eng.serving.model().encoder().precision, "lists": lists}))
eng.close()
"""


def _train_and_rank(root, name: str, env: dict[str, str]) -> subprocess.Popen:
    options = TrainOptions(finetune_epochs=3, progress=False).model_dump_json()
    argv = [sys.executable, "-c", TRAIN_AND_RANK, str(root / "data"), str(root / name), options]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)


def test_the_default_pipeline_ranks_the_same_on_another_cpu_class(engine_and_data) -> None:
    """Two fresh stores (no shared text cache), one trained on this CPU's fastest code
    paths and one on another class's: the same top-10 lists with the same scores. This is
    what fp32 text encoding buys (bf16 is computed natively on some CPUs and emulated on
    others, and gave different models: issue #20)."""
    _, root = engine_and_data
    clean = {k: v for k, v in os.environ.items() if k not in OTHER_CPU}
    runs = [_train_and_rank(root, "here", clean), _train_and_rank(root, "other", clean | OTHER_CPU)]
    here, other = (json.loads(run.communicate(timeout=600)[0]) for run in runs)
    assert [run.returncode for run in runs] == [0, 0]
    assert here["precision"] == other["precision"] == "fp32"
    changed = [q for q in here["lists"] if here["lists"][q] != other["lists"][q]]
    assert not changed, f"{len(changed)} of {len(here['lists'])} top-10 lists differ: {changed[:5]}"
