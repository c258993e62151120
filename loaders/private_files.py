"""Files under a store are private and durable: mode 0600 files, 0700 folders, fsync.

The graph, the sensitive store, quarantine files and trained models all describe people,
so what talentgraph writes is readable by its owner only (the one place these modes and
the fsync dance are written). The modes are set after writing
(``chmod``) instead of through the umask, so they hold whatever the process umask is; only
on what talentgraph created: a folder that existed before (a shared ``/tmp`` folder given as
``--quarantine-dir``) keeps its mode.

Example:
    >>> make_private(Path(".talentgraph/models"))   # doctest: +SKIP
    >>> sync_tree(Path(".talentgraph/models/.tmp-1"))   # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as a 0700 folder; returns it.

    A folder that already exists is left as it is: talentgraph sets the mode of the folders
    it creates only (``--quarantine-dir /tmp/shared`` or a store inside a shared folder must
    not turn a 1777 folder into its own). Missing parents are created with the usual mode.

    Raises:
        FileExistsError: ``path`` exists and is not a folder.
    """
    if path.is_dir():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=DIR_MODE)
    except FileExistsError:
        if path.is_dir():  # created meanwhile by someone else: not ours to change
            return path
        raise
    os.chmod(path, DIR_MODE)  # whatever the umask
    return path


def make_private(root: Path) -> None:
    """Set ``root`` and everything under it to 0700 (folders) and 0600 (files).

    Symbolic links are left alone (their mode means nothing on Linux) and not followed.
    """
    if root.is_symlink() or not root.exists():
        return
    if root.is_file():
        os.chmod(root, FILE_MODE)
        return
    os.chmod(root, DIR_MODE)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            if not os.path.islink(os.path.join(folder, name)):
                os.chmod(os.path.join(folder, name), DIR_MODE)
        for name in files:
            if not os.path.islink(os.path.join(folder, name)):
                os.chmod(os.path.join(folder, name), FILE_MODE)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename or a new file in it) to disk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_tree(root: Path) -> None:
    """fsync every file under ``root``, then every folder (deepest first), then ``root``."""
    folders = []
    for folder, _, files in os.walk(root):
        folders.append(folder)
        for name in files:
            file = os.path.join(folder, name)
            if os.path.islink(file):
                continue
            fd = os.open(file, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for folder in reversed(folders):
        fsync_dir(Path(folder))


def private_append(path: Path) -> IO[str]:
    """Open ``path`` for appending text: a new file is created 0600 (in a folder made 0700);
    an existing one keeps its mode (never chmod what this did not create: given
    ``/dev/null``, a chmod made it unusable for everyone). A symbolic link is refused."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, FILE_MODE)
        os.fchmod(fd, FILE_MODE)  # whatever the umask
    except FileExistsError:
        fd = os.open(path, flags)
    return os.fdopen(fd, "a", encoding="utf-8")


def user_state_dir() -> Path:
    """``$XDG_STATE_HOME/talentgraph`` (an absolute ``XDG_STATE_HOME`` only, as the XDG spec
    asks), else ``~/.local/state/talentgraph``: private state of the user, never the
    working directory."""
    state = os.environ.get("XDG_STATE_HOME", "")
    base = Path(state) if state and Path(state).is_absolute() else Path.home() / ".local/state"
    return base / "talentgraph"
