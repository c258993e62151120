"""Model versions on disk: every ``train`` writes a new folder, then switches one pointer.

Layout of the model directory (``<store>/models``, or ``TALENTGRAPH_MODEL_DIR``)::

    CURRENT -> versions/<name>     symbolic link: the version served
    index   -> CURRENT/index       symbolic link: the served version's FAISS mirror
    embeddings.sqlite              text-embedding cache, shared by every version
    versions/<name>/               one trained model (``MatchModel.save``: manifest.json,
                                   scorer.json/.npz, scorer_cold.json/.npz, nexus.pt,
                                   adapter.pt, index/<Label>/)
    .tmp-<pid>-<hex>/              a train in progress

A train writes into its own ``.tmp-*`` folder (:func:`begin`), then :func:`publish` makes
the files private and durable (0600/0700, fsync), renames the folder to
``versions/<UTC time>-<model version>`` and switches ``CURRENT`` by renaming a new link
over it (``rename`` is atomic: a reader sees the old version or the new one, never a mix
or nothing). A train killed at any point before that rename leaves ``CURRENT`` on the
previous version, which keeps serving; its ``.tmp-*`` folder is removed by the next train.
The version it replaced is kept (``KEEP`` versions in all, for a manual rollback: point
``CURRENT`` at it); older ones are pruned, except *pinned* versions: a folder holding a
``PINNED`` file (:func:`pin`; ``engine.decisions.record`` pins the version that ranked a
logged decision, so ``talentgraph replay`` can load it later) is never pruned and does not
count towards ``KEEP``.

Example:
    >>> work = begin(Path(".talentgraph/models"))               # doctest: +SKIP
    >>> ...  # write the model files into work                  # doctest: +SKIP
    >>> publish(Path(".talentgraph/models"), work, "tg-1f0c")   # doctest: +SKIP
    PosixPath('.talentgraph/models/versions/20250101T120000Z-tg-1f0c')
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path

from graph_schema.errors import ConfigError, ModelFileError
from loaders.private_files import fsync_dir, make_private, private_dir, sync_tree

CURRENT = "CURRENT"
VERSIONS = "versions"
INDEX_LINK = "index"
TMP_PREFIX = ".tmp-"
KEEP = 2
PINNED = "PINNED"
POINTER_BROKEN = (
    "{link}: the model pointer cannot be followed ({reason}); point it at a version folder "
    "(`ln -sfn versions/<name> {link}`, names in {versions}) or run `talentgraph train` to "
    "publish a new version"
)
# Files of the single-folder layout written before versions existed; removed once a
# version is published (their pickles are never read).
LEGACY = ("manifest.json", "scorer.pkl", "scorer_cold.pkl", "nexus.pt", "adapter.pt")


def current(model_dir: Path) -> Path | None:
    """The folder ``CURRENT`` points to, or ``None`` when nothing was published.

    Raises:
        ModelFileError: ``CURRENT`` cannot be followed (a symbolic link loop, a link
            chain too long): the message names it and says how to repair it.
    """
    link = Path(model_dir) / CURRENT
    if not link.is_symlink() and not link.is_dir():
        return None
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return None  # a dangling pointer: as if nothing was published
    except (OSError, RuntimeError) as e:  # RuntimeError: Python 3.11's symlink loop
        reason = "a symbolic link loop" if "loop" in str(e).lower() else str(e)
        raise ModelFileError(
            POINTER_BROKEN.format(link=link, reason=reason, versions=Path(model_dir) / VERSIONS)
        ) from e
    return target if target.is_dir() else None


def versions(model_dir: Path) -> list[Path]:
    """The published version folders, oldest first (names start with their UTC time)."""
    folder = Path(model_dir) / VERSIONS
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def pin(folder: Path, reason: str) -> None:
    """Keep the version ``folder`` from pruning; ``reason`` (one line) is appended to its
    ``PINNED`` file, which only says why (its presence is the pin).

    Raises:
        FileNotFoundError: ``folder`` is not there (the version was pruned already).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(folder)
    with open(folder / PINNED, "a", encoding="utf-8") as f:
        f.write(reason.replace("\n", " ") + "\n")
        f.flush()
        os.fsync(f.fileno())
    make_private(folder / PINNED)


def pinned(folder: Path) -> bool:
    """Whether the version ``folder`` is pinned (:func:`pin`)."""
    return (Path(folder) / PINNED).is_file()


def find(model_dir: Path, name: str = "", version: str = "") -> Path | None:
    """The version folder called ``name`` (under ``versions/``); without it, or when it is
    gone, the newest folder of model ``version`` (pinned ones first), or ``None``.

    Folder names are unique; model versions need not be (``tg-<digest>`` of the options,
    seed and graph size: a retrain of an edited graph of the same size gets the same one).
    """
    found = versions(model_dir)
    by_name = [p for p in found if name and p.name == name]
    if by_name:
        return by_name[0]
    same = [
        p for p in found if version and (p.name.endswith(f"-{version}") or f"-{version}-" in p.name)
    ]
    same.sort(key=lambda p: (pinned(p), p.name))
    return same[-1] if same else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's live process
        return True
    return True


def remove_stale(model_dir: Path) -> list[Path]:
    """Remove ``.tmp-*`` folders left by trains that died (their process is gone)."""
    removed = []
    for path in Path(model_dir).glob(TMP_PREFIX + "*"):
        pid = path.name[len(TMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)):
            continue  # a train running right now (a failed train removes its own folder)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def begin(model_dir: Path) -> Path:
    """A fresh, private work folder for one train (stale ones are removed first)."""
    model_dir = private_dir(Path(model_dir))
    remove_stale(model_dir)
    work = model_dir / f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    work.mkdir(mode=0o700)
    os.chmod(work, 0o700)
    return work


def _version_name(folder: Path, version: str) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path, n = folder / f"{stamp}-{version}", 2
    while path.exists():
        path, n = folder / f"{stamp}-{version}-{n}", n + 1
    return path


CURRENT_NOT_LINK = (
    "{path} is a folder, not the link to the served version that talentgraph keeps (the store "
    "was copied without its links: copy it with `cp -a`); remove it and train again"
)


def switch(model_dir: Path, target: Path) -> None:
    """Point ``CURRENT`` at ``target`` (a folder under ``versions/``) in one rename."""
    model_dir = Path(model_dir)
    current = model_dir / CURRENT
    if current.is_dir() and not current.is_symlink():
        raise ConfigError(CURRENT_NOT_LINK.format(path=current))
    relative = os.path.relpath(target, model_dir)
    pending = model_dir / f"{CURRENT}.tmp"
    if pending.is_symlink() or pending.exists():
        pending.unlink()
    os.symlink(relative, pending, target_is_directory=True)
    os.replace(pending, model_dir / CURRENT)
    fsync_dir(model_dir)


def _link_index(model_dir: Path) -> None:
    """``index -> CURRENT/index``: callers that join ``model_dir / "index"`` reach the
    served version's mirror. Replaces the real ``index/`` folder of the old layout."""
    link = model_dir / INDEX_LINK
    wanted = os.path.join(CURRENT, INDEX_LINK)
    if link.is_symlink() and os.readlink(link) == wanted:
        return
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)
    pending = model_dir / f"{INDEX_LINK}.tmp"
    if pending.is_symlink() or pending.exists():
        pending.unlink()
    os.symlink(wanted, pending, target_is_directory=True)
    os.replace(pending, link)


def prune(model_dir: Path, keep: int = KEEP, previous: Path | None = None) -> list[Path]:
    """Remove all versions but the current one, ``previous`` (the one it replaced), the
    pinned ones and the newest others up to ``keep`` in all (pinned ones not counted); a
    folder renamed by a train that died before its switch is not kept in place of the
    previous version."""
    kept = {p.resolve() for p in (current(model_dir), previous) if p is not None}
    others = [p for p in versions(model_dir) if p.resolve() not in kept and not pinned(p)]
    room = max(keep - len(kept), 0)
    old = others[: max(len(others) - room, 0)]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    return old


def publish(model_dir: Path, work: Path, version: str, keep: int = KEEP) -> Path:
    """Make ``work`` a version and serve it: private modes, fsync, rename, switch, prune.

    Args:
        model_dir: the model directory.
        work: the folder :func:`begin` returned, with every model file written.
        version: the model version (part of the folder's name).
        keep: how many versions to keep, the new one included.

    Returns:
        The new version's folder.
    """
    model_dir = Path(model_dir)
    try:
        previous = current(model_dir)
    except ModelFileError:  # a broken pointer: this publish replaces it
        previous = None
    make_private(work)
    sync_tree(work)
    folder = private_dir(model_dir / VERSIONS)
    final = _version_name(folder, version)
    os.rename(work, final)
    fsync_dir(folder)
    fsync_dir(model_dir)
    switch(model_dir, final)
    _link_index(model_dir)
    for name in LEGACY:
        (model_dir / name).unlink(missing_ok=True)
    prune(model_dir, keep, previous)
    make_private(model_dir / "embeddings.sqlite")
    return final
