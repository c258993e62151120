"""Model versions: a train writes a new folder and switches ``CURRENT`` in one rename; a
crash before the switch leaves the old version served; the previous version is kept; stale
work folders go; everything is private (0600 files, 0700 folders)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from engine.runtime import versions as model_versions
from engine.runtime.model import MatchModel
from engine.runtime.versions import begin, current, publish, remove_stale, versions

DEAD_PID = 999_999_999  # above Linux's pid_max (4,194,304): never a live process


def _train(model_dir: Path, version: str) -> Path:
    """A stand-in for a train: a work folder with a file, published."""
    work = begin(model_dir)
    (work / "manifest.json").write_text(version)
    (work / "index").mkdir()
    (work / "index" / "model.json").write_text(version)
    return publish(model_dir, work, version)


def _served(model_dir: Path) -> str:
    return (model_dir / "CURRENT" / "manifest.json").read_text()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_publish_switches_current_and_keeps_the_previous_version(tmp_path: Path) -> None:
    root = tmp_path / "models"
    root.mkdir()
    root_mode = _mode(root)
    (root / "embeddings.sqlite").write_text("cache")
    first = _train(root, "v1")
    assert current(root) == first.resolve() and _served(root) == "v1"
    assert first.parent == root / "versions" and first.name.endswith("-v1")
    assert os.readlink(root / "CURRENT") == os.path.join("versions", first.name)
    assert (root / "index" / "model.json").read_text() == "v1"  # index -> CURRENT/index
    second = _train(root, "v2")
    assert _served(root) == "v2" and versions(root) == [first, second]  # previous kept
    third = _train(root, "v3")
    assert _served(root) == "v3" and versions(root) == [second, third]  # v1 pruned
    assert (root / "embeddings.sqlite").read_text() == "cache"  # the shared cache stays
    assert sorted(p.name for p in root.iterdir()) == [
        "CURRENT",
        "embeddings.sqlite",
        "index",
        "versions",
    ]
    # folders it creates are private; the models folder made by the caller keeps its mode
    # (private_dir never chmods a folder it did not create: tests/security/test_store_surface.py)
    assert _mode(root / "versions") == _mode(third) == 0o700 and _mode(root) == root_mode
    assert _mode(third / "manifest.json") == _mode(root / "embeddings.sqlite") == 0o600
    assert _mode(third / "index") == 0o700 and _mode(third / "index" / "model.json") == 0o600


def test_a_crash_between_writing_and_switching_leaves_the_old_version_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "models"
    first = _train(root, "v1")
    # 1. killed while writing: the work folder exists, nothing else changed
    work = begin(root)
    (work / "manifest.json").write_text("v2, half written")
    assert current(root) == first.resolve() and _served(root) == "v1"
    # 2. killed after the rename to versions/, before the switch
    work.rename(work.with_name(f".tmp-{DEAD_PID}-x"))  # its process is gone

    def crash(*_: object) -> None:
        raise KeyboardInterrupt("killed before the switch")

    monkeypatch.setattr(model_versions, "switch", crash)
    work = begin(root)
    assert not (root / f".tmp-{DEAD_PID}-x").exists()  # stale work folder removed
    (work / "manifest.json").write_text("v3")
    with pytest.raises(KeyboardInterrupt):
        publish(root, work, "v3")
    assert _served(root) == "v1" and len(versions(root)) == 2
    # 3. killed after writing CURRENT.tmp, before the rename over CURRENT
    os.symlink("versions/nowhere", root / "CURRENT.tmp")
    assert _served(root) == "v1"
    monkeypatch.undo()
    assert MatchModel.exists(root)
    # the next train publishes and keeps the version that was served, not the orphan
    fourth = _train(root, "v4")
    assert _served(root) == "v4" and versions(root) == [first, fourth]
    assert not (root / "CURRENT.tmp").exists()


def test_stale_work_folders_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    root = tmp_path / "models"
    root.mkdir()
    dead, live = root / f".tmp-{DEAD_PID}-ab", root / f".tmp-{os.getpid()}-cd"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "nexus.pt").write_bytes(b"half")
    assert remove_stale(root) == [dead]
    assert live.exists() and not dead.exists()


def test_nothing_published_is_not_trained(tmp_path: Path) -> None:
    root = tmp_path / "models"
    begin(root)
    assert current(root) is None and not MatchModel.exists(root)
