"""A table's file: found, checked and opened so that an import reads regular files only.

A dataset folder is input from whoever wrote it, so its files are checked before a byte is
read:

- a table is a regular file; a FIFO (it would block), a device (``/dev/zero`` never ends),
  a socket or a directory is refused;
- a symbolic link is followed only when its target stays inside the dataset folder
  (``candidates.jsonl -> /etc/shadow`` is refused, ``candidates.jsonl -> v2/people.jsonl``
  is read);
- the file is opened without following a link and without blocking, and checked again on
  the open descriptor (``fstat``), so a file swapped after the check is refused too;
- a file may hold at most ``max_file_bytes`` (checked before reading, and while reading, for
  a file that grows); a line or CSV record at most ``max_line_bytes`` (``ReadLimits``).

Example:
    >>> limits = ReadLimits(line_bytes=1 << 20, file_bytes=1 << 30)
    >>> with open_table(Path("tests/data/tiny/roles.jsonl"), limits) as fh:  # doctest: +SKIP
    ...     first = fh.readline()
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from graph_schema.errors import ConfigError

MAX_LINE_BYTES = 16 * 1024 * 1024  # one line (JSONL) or record (CSV); a longer one is quarantined
MAX_FILE_BYTES = 4 * 1024**3  # one table file; a larger one stops the import before it starts

NOT_REGULAR = "{file}: is a {kind}, not a regular file; an import reads regular files only"
LINK_OUTSIDE = (
    "{file}: is a symbolic link to {target}, outside the dataset folder {folder}; a link is "
    "followed only to a file inside the folder"
)
LINK_BROKEN = "{file}: is a symbolic link to {target}, which does not exist"
FILE_TOO_LARGE = (
    "{file}: the file is {size:,} bytes; a table file may be at most {limit:,} bytes "
    "(import_options.max_file_bytes)"
)
FILE_GREW = (
    "{file}: the file grew past {limit:,} bytes while it was read; a table file may be at "
    "most {limit:,} bytes (import_options.max_file_bytes)"
)
UNREADABLE = "{file}: cannot be opened: {reason}"
_KINDS = (
    (stat.S_ISFIFO, "FIFO (named pipe)"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISDIR, "directory"),
)


@dataclass(frozen=True)
class ReadLimits:
    """How much one table may hold: bytes per line (or CSV record) and per file."""

    line_bytes: int = MAX_LINE_BYTES
    file_bytes: int = MAX_FILE_BYTES


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "special file")


def _inside(folder: Path, target: Path) -> bool:
    return target == folder or folder in target.parents


def checked_target(path: Path, folder: Path | None = None) -> Path:
    """The file ``path`` names, once checked: a regular file, reached through symbolic links
    only if they stay inside ``folder`` (by default the folder of ``path``).

    Raises:
        ConfigError: naming the file and what it is instead.
    """
    folder = Path(os.path.realpath(folder if folder is not None else path.parent))
    try:
        mode = os.lstat(path).st_mode
    except OSError as e:
        raise ConfigError(UNREADABLE.format(file=path.name, reason=e.strerror)) from e
    target = path
    if stat.S_ISLNK(mode):
        target = Path(os.path.realpath(path))
        if not _inside(folder, target):
            raise ConfigError(LINK_OUTSIDE.format(file=path.name, target=target, folder=folder))
        try:
            mode = os.stat(target).st_mode
        except OSError as e:
            raise ConfigError(LINK_BROKEN.format(file=path.name, target=target)) from e
    if not stat.S_ISREG(mode):
        raise ConfigError(NOT_REGULAR.format(file=path.name, kind=_kind(mode)))
    return target


def check_table_file(path: Path, limits: ReadLimits) -> None:
    """Refuse ``path`` before an import starts: not a regular file (inside the folder), or
    larger than ``limits.file_bytes``.

    Raises:
        ConfigError: naming the file, the problem and the limit.
    """
    size = os.stat(checked_target(path)).st_size
    if size > limits.file_bytes:
        raise ConfigError(FILE_TOO_LARGE.format(file=path.name, size=size, limit=limits.file_bytes))


class _CappedFile(io.RawIOBase):
    """A file descriptor read up to ``limit`` bytes; one more is an error, not more data."""

    def __init__(self, fd: int, name: str, limit: int) -> None:
        self._file = io.FileIO(fd, "rb", closefd=True)
        self.name, self.limit, self.total = name, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._file.readinto(buffer) or 0
        self.total += count
        if self.total > self.limit:
            raise ConfigError(FILE_GREW.format(file=self.name, limit=self.limit))
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


def open_table(path: Path, limits: ReadLimits, folder: Path | None = None) -> io.BufferedReader:
    """Open a table file for reading bytes, checked as ``checked_target`` says.

    The file is opened with ``O_NOFOLLOW | O_NONBLOCK`` (a FIFO put in its place after the
    check does not block the import) and checked again on the descriptor; reading more than
    ``limits.file_bytes`` raises.

    Raises:
        ConfigError: the file is not a regular file inside the folder, or is too large.
    """
    target = checked_target(path, folder)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except OSError as e:
        raise ConfigError(UNREADABLE.format(file=path.name, reason=e.strerror)) from e
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(NOT_REGULAR.format(file=path.name, kind=_kind(info.st_mode)))
        if info.st_size > limits.file_bytes:
            raise ConfigError(
                FILE_TOO_LARGE.format(file=path.name, size=info.st_size, limit=limits.file_bytes)
            )
        os.set_blocking(fd, True)
        raw = _CappedFile(fd, path.name, limits.file_bytes)
    except BaseException:
        os.close(fd)
        raise
    return io.BufferedReader(raw, buffer_size=1 << 20)
