"""Killing ``train`` never takes the served model down: a second train is killed with
SIGKILL at several points and ``recommend`` keeps answering exactly as before.

One scale-0.01 dataset is imported and trained once (seed 0) in this process; the
recommendations of a few roles and candidates are recorded. Each test then runs another
train (seed 1, so a different model) in a subprocess and kills it: as soon as its work
folder appears, after a delay (inside encoding or NexusGNN), and right before it publishes
(after it wrote its embeddings back into the graph, the worst moment: the graph then holds
the killed run's vectors). The last test lets a train finish and checks the switch, the
kept previous version and the removal of the killed runs' work folders.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine import MatchingEngine, Settings
from engine.options import TrainOptions
from engine.retrieval.mirror import IndexMirror
from engine.runtime.model import INDEX, MatchModel
from engine.runtime.versions import current, versions
from loaders.import_job import ImportOptions
from loaders.writeback import read_embeddings
from synthetic import generate

pytestmark = pytest.mark.slow

REPO = Path(__file__).parents[3]
FAST = TrainOptions(finetune_epochs=3, gnn=True, gnn_epochs=4, scorer_iterations=60, progress=False)
TRAIN = """
    import os, signal, sys
    from engine import MatchingEngine, Settings
    from engine.training import pipeline
    from engine.options import TrainOptions

    if sys.argv[2] == "before-publish":
        def killed(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        pipeline.publish = killed
    options = TrainOptions.model_validate_json(sys.argv[3])
    settings = Settings(db=sys.argv[1], train=options)
    with MatchingEngine.open(sys.argv[1], settings=settings) as eng:
        eng.train(seed=1)
"""


def _recommendations(eng: MatchingEngine) -> dict[str, list]:
    roles = [r["id"] for r in eng.store.run("node_ids", label="Role")[:4]]
    cands = [r["id"] for r in eng.store.run("node_ids", label="Candidate")[:3]]
    found = {f"role {r}": eng.recommend_candidates(r, k=10) for r in roles}
    found.update({f"candidate {c}": eng.recommend_roles(c, k=5) for c in cands})
    return found


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("interrupted")
    generate(root / "data", scale=0.01, seed=0, progress=False)
    store = root / "store"
    settings = Settings(db=str(store), train=FAST)
    with MatchingEngine.open(store, settings=settings) as eng:
        eng.import_dataset(root / "data", ImportOptions(progress=False))
        report = eng.train(seed=0)
        before = _recommendations(eng)
    served = current(eng.model_dir)
    return store, settings, report.version, served, before


def _start(store: Path, mode: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    env["TRANSFORMERS_OFFLINE"] = "1"
    script = textwrap.dedent(TRAIN)
    args = [sys.executable, "-c", script, str(store), mode, FAST.model_dump_json()]
    log = (store.parent / f"train-{mode}-{time.monotonic_ns()}.log").open("w+b")
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log = log  # type: ignore[attr-defined]
    return proc


def _output(proc: subprocess.Popen) -> str:
    proc.log.seek(0)  # type: ignore[attr-defined]
    return proc.log.read().decode(errors="replace")[-3000:]  # type: ignore[attr-defined]


def _work_folders(store: Path) -> list[Path]:
    return sorted((store / "models").glob(".tmp-*"))


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, _output(proc)
        assert time.monotonic() < deadline, "the train never reached the kill point"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def _assert_still_served(trained) -> None:
    store, settings, version, served, before = trained
    assert current(store / "models") == served
    with MatchingEngine.open(store, settings=settings) as eng:
        assert eng.serving.model().version == version
        assert _recommendations(eng) == before
        for label in ("Candidate", "Role"):
            mirror = IndexMirror(eng.model_dir / INDEX)
            assert mirror.sync(eng.store, label).model_version_ == version
            assert mirror.last_action_ == "loaded"


def test_killed_as_its_work_folder_appears(trained) -> None:
    store = trained[0]
    proc = _start(store, "normal")
    _kill_when(proc, lambda: bool(_work_folders(store)))
    assert _work_folders(store)  # left for the next train to remove
    _assert_still_served(trained)


def test_killed_in_the_middle_of_training(trained) -> None:
    store = trained[0]
    proc = _start(store, "normal")
    began: list[float] = []

    def a_while_after_the_work_folder_appears() -> bool:
        if not began and _work_folders(store):
            began.append(time.monotonic())
        return bool(began) and time.monotonic() - began[0] > 6.0

    _kill_when(proc, a_while_after_the_work_folder_appears)
    _assert_still_served(trained)


def test_killed_after_writing_embeddings_back_before_publishing(trained) -> None:
    store, settings, version, _, _ = trained
    proc = _start(store, "before-publish")
    proc.wait(timeout=900)
    assert proc.returncode == -signal.SIGKILL, _output(proc)
    with MatchingEngine.open(store, settings=settings) as eng:
        # the graph holds the killed run's embeddings; the served model is still seed 0's
        for label in ("Candidate", "Role"):
            _, _, found = read_embeddings(eng.store, label)
            assert set(found) != {version}
    _assert_still_served(trained)


def test_a_finished_train_switches_and_keeps_the_previous_version(trained) -> None:
    store, settings, version, served, before = trained
    proc = _start(store, "normal")
    assert proc.wait(timeout=900) == 0, _output(proc)
    models = store / "models"
    assert _work_folders(store) == []  # the killed runs' folders are gone
    assert current(models) != served and versions(models) == [served, current(models)]
    assert (models / "embeddings.sqlite").is_file()
    with MatchingEngine.open(store, settings=settings) as eng:
        assert eng.serving.model().version != version and len(_recommendations(eng)) == len(before)
    assert MatchModel.load(served).version == version  # the previous version still loads
