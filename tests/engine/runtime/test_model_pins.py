"""Pinned model versions (``engine.runtime.versions.pin``): never pruned and not counted towards
``KEEP``; ``find`` locates a version by its folder name, else by its model version."""

from __future__ import annotations

from pathlib import Path

from engine.runtime.versions import begin, find, pin, pinned, publish, versions


def _train(model_dir: Path, version: str) -> Path:
    work = begin(model_dir)
    (work / "manifest.json").write_text(version)
    return publish(model_dir, work, version)


def test_a_pinned_version_is_never_pruned_and_not_counted(tmp_path: Path) -> None:
    root = tmp_path / "models"
    first = _train(root, "v1")
    pin(first, "decision 1 ranked by v1")
    assert pinned(first) and (first / "PINNED").read_text() == "decision 1 ranked by v1\n"
    second = _train(root, "v2")
    third = _train(root, "v3")
    fourth = _train(root, "v4")
    # KEEP=2 unpinned: the served v4 and the v3 it replaced; v2 pruned, v1 pinned
    assert versions(root) == [first, third, fourth]
    assert not second.exists()


def test_find_by_folder_name_then_by_version(tmp_path: Path) -> None:
    root = tmp_path / "models"
    a = _train(root, "tg-1")
    b = _train(root, "tg-1")  # the same model version twice: two folders
    assert a != b and {a.name, b.name} == {p.name for p in versions(root)}
    assert find(root, a.name, "tg-1") == a
    assert find(root, "gone", "tg-1") == b  # the newest of the version
    pin(a, "x")
    assert find(root, "", "tg-1") == a  # a pinned one first
    assert find(root, "", "tg-2") is None
