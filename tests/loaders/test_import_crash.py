"""A killed import, then a re-run, gives the graph a clean import gives (issue #7, item 1).

An import runs in a subprocess and is killed with SIGKILL at many points after its store
appears (taxonomy, roles, candidates, interactions, digest commits); the same import is then
run again to completion. The store must then hold exactly what a clean import of the same
directory holds: every node with every property (row digests included), every
relationship with its properties, and every row of the sensitive store (no attribute lost,
none left over for a candidate the graph does not hold).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loaders.import_job import ImportJob, ImportOptions
from loaders.stores.ladybug import DB_FILE, LadybugStore
from synthetic import generate

pytestmark = pytest.mark.slow

AS_OF = "2025-01"
# `talentgraph import` itself is killed: the command a user runs (it starts in under a second).
COMMAND = [sys.executable, "-m", "engine.cli", "import"]


def _import(data: Path, store_dir: Path) -> None:
    with LadybugStore(store_dir) as store:
        report = ImportJob(store, ImportOptions(progress=False, as_of=AS_OF)).run(data)
    assert report.quarantined == 0, report.rejections


def _killed_import(data: Path, store_dir: Path, delay: float) -> bool:
    """Start an import, SIGKILL it ``delay`` s after its database file appears; True if it
    was still running when killed."""
    proc = subprocess.Popen(
        [*COMMAND, str(data), "--db", str(store_dir), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TALENTGRAPH_IMPORT_OPTIONS__AS_OF": AS_OF},
    )
    deadline = time.monotonic() + 120
    while not (store_dir / DB_FILE).exists() and proc.poll() is None:
        assert time.monotonic() < deadline, "the import never created its store"
        time.sleep(0.005)
    time.sleep(delay)
    running = proc.poll() is None
    if running:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    return running


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("crash") / "data"
    generate(data, scale=0.05, seed=3, progress=False)
    return data


@pytest.fixture(scope="module")
def clean(
    dataset: Path, tmp_path_factory: pytest.TempPathFactory, graph_dump
) -> dict[str, list[str]]:
    store_dir = tmp_path_factory.mktemp("clean") / "store"
    started = time.monotonic()
    _import(dataset, store_dir)
    clean_seconds = time.monotonic() - started
    assert clean_seconds > 0.5, "the dataset is too small to kill an import mid-way"
    with LadybugStore(store_dir, read_only=True) as store:
        dump = graph_dump(store)
    assert len(dump["sensitive store"]) == len(dump["Candidate"]) > 0
    return dump


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.3, 0.5, 0.8, 1.1, 1.5, 2.0, 2.6, 3.5])
def test_a_killed_import_rerun_gives_the_clean_graph(
    delay: float, dataset: Path, clean: dict[str, list[str]], tmp_path: Path, graph_dump
) -> None:
    store_dir = tmp_path / "store"
    _killed_import(dataset, store_dir, delay)
    _import(dataset, store_dir)
    with LadybugStore(store_dir, read_only=True) as store:
        after = graph_dump(store)
    for key, expected in clean.items():
        assert after[key] == expected, f"{key} differs after a kill at +{delay} s and a re-run"


def test_kills_land_mid_import_and_twice_in_a_row(
    dataset: Path, clean: dict[str, list[str]], tmp_path: Path, graph_dump
) -> None:
    """Two kills in a row (the re-run killed too), then a complete run."""
    store_dir = tmp_path / "store"
    assert _killed_import(dataset, store_dir, 0.4), "the first kill came after the end"
    assert _killed_import(dataset, store_dir, 0.6), "the second kill came after the end"
    _import(dataset, store_dir)
    with LadybugStore(store_dir, read_only=True) as store:
        assert graph_dump(store) == clean
