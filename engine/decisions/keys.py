"""The keys that sign the decision logs: HMAC-SHA256, kept outside every log folder.

A decision log (``engine.decisions.log``) is a hash chain; a chain anyone can recompute is
no proof, so each record and the head also carry an HMAC-SHA256 signature (``mac``) under a
secret key that lives in the user's state folder, not beside the log: whoever can write the
store folder (a shared drive, a backup, a copied store) cannot rewrite the log without it.

Layout (``$XDG_STATE_HOME/talentgraph/decision-keys``, else
``~/.local/state/talentgraph/decision-keys``; folder 0700, files 0600)::

    <key id>.key    64 hex digits: one key (its id: 16 hex digits of a SHA-256 of the key)
    CURRENT         the id of the key new logs are signed with (and ``rekey`` signs with)
    .lock           serialises the creation of a key between processes

A key is created on first use, when a log is started and no key exists yet; a log that exists
is never given a new key silently: when the key its records name is missing, every reader
raises :class:`DecisionKeyError` saying which file to restore. Keys are never logged or
printed; only their ids are. Back the folder up apart from the stores (a backup holding both
lets its reader rewrite the logs); rotate with ``talentgraph decisions rekey --new-key``.

Example:
    >>> ring = KeyRing(Path("/tmp/tg-doc-keys"))      # doctest: +SKIP
    >>> key_id = ring.current_id(create=True)         # doctest: +SKIP
    >>> len(sign(ring.key(key_id, Path("log")), "record", "00"))  # doctest: +SKIP
    64
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph_schema.errors import ConfigError
from loaders.private_files import (
    DIR_MODE,
    FILE_MODE,
    fsync_dir,
    private_dir,
    user_state_dir,
)

KEYS_FOLDER = "decision-keys"
CURRENT_KEY = "CURRENT"
KEY_ID = re.compile(r"^[0-9a-f]{16}$")
_KEY_TEXT = re.compile(r"^[0-9a-f]{64}$")

MISSING_KEY = (
    "decision log {log} is signed with key {key_id}, which is not in {folder}: restore "
    "{folder}/{key_id}.key from your backup of that folder (a log that exists is never given "
    "a new key: without its key it cannot be verified)"
)
MISSING_CURRENT = (
    "{folder}/CURRENT names key {key_id}, whose file {key_id}.key is missing: restore it from "
    "your backup of {folder} (or remove CURRENT to start a new key for new logs)"
)
BAD_KEY_FILE = (
    "{file}: not a decision log key (64 hex digits expected); restore it from your backup"
)
BAD_KEY_ID = "decision log {log} names key {key_id!r}, which is not a key id (16 hex digits)"
CANNOT_WRITE = (
    "{folder}: cannot write a decision log key there ({reason}); free space or fix the "
    "folder's permissions, then record the decision again"
)
_CREATE = threading.Lock()


class DecisionKeyError(ConfigError):
    """The key a decision log is signed with is missing or unreadable; the message names the
    file to restore."""


def default_keys_dir() -> Path:
    """``<user state folder>/decision-keys`` (``loaders.private_files.user_state_dir``)."""
    return user_state_dir() / KEYS_FOLDER


def key_id(key: bytes) -> str:
    """The public name of a key: 16 hex digits of a SHA-256 of it (reveals nothing of it)."""
    return hashlib.sha256(b"talentgraph decision key id\n" + key).hexdigest()[:16]


def sign(key: bytes, purpose: str, message: str) -> str:
    """HMAC-SHA256 of ``message`` under ``key``, for one ``purpose`` (``record``, ``head``:
    a record's signature is never a valid head's), as 64 hex digits."""
    data = f"talentgraph decision {purpose}\n{message}".encode()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def same(a: object, b: str) -> bool:
    """Constant-time comparison of a stored signature with the expected one."""
    return isinstance(a, str) and hmac.compare_digest(a.encode(), b.encode())


class KeyRing:
    """The keys of one folder (default :func:`default_keys_dir`), read once each.

    Args:
        folder: where the keys are kept; ``None``: the user's state folder.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_keys_dir()
        self._keys: dict[str, bytes] = {}

    def key(self, wanted: object, log: Path) -> bytes:
        """The key called ``wanted`` that signs ``log``.

        Raises:
            DecisionKeyError: not a key id, no such key file, or not a key in it.
        """
        if not isinstance(wanted, str) or not KEY_ID.match(wanted):
            raise DecisionKeyError(BAD_KEY_ID.format(log=log, key_id=wanted))
        if wanted not in self._keys:
            file = self.folder / f"{wanted}.key"
            try:
                text = file.read_text(encoding="ascii").strip()
            except FileNotFoundError as e:
                raise DecisionKeyError(
                    MISSING_KEY.format(log=log, key_id=wanted, folder=self.folder)
                ) from e
            except (OSError, UnicodeDecodeError) as e:
                raise DecisionKeyError(BAD_KEY_FILE.format(file=file)) from e
            if not _KEY_TEXT.match(text) or key_id(bytes.fromhex(text)) != wanted:
                raise DecisionKeyError(BAD_KEY_FILE.format(file=file))
            self._keys[wanted] = bytes.fromhex(text)
        return self._keys[wanted]

    def current_id(self, create: bool = False) -> str | None:
        """The id of the key new logs are signed with; with ``create``, a new key is made
        when there is none yet (first use).

        Raises:
            DecisionKeyError: ``CURRENT`` names a key whose file is missing.
        """
        found = self._read_current()
        if found is not None or not create:
            return found
        with self._locked():
            found = self._read_current()
            return found if found is not None else self._new_key()

    def rotate(self) -> str:
        """Make a new key the current one (older keys stay: logs signed with them still
        verify until they are re-signed); returns its id."""
        with self._locked():
            return self._new_key()

    def _read_current(self) -> str | None:
        try:
            wanted = (self.folder / CURRENT_KEY).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as e:
            raise DecisionKeyError(BAD_KEY_FILE.format(file=self.folder / CURRENT_KEY)) from e
        if not KEY_ID.match(wanted):
            raise DecisionKeyError(BAD_KEY_FILE.format(file=self.folder / CURRENT_KEY))
        if not (self.folder / f"{wanted}.key").is_file():
            raise DecisionKeyError(MISSING_CURRENT.format(folder=self.folder, key_id=wanted))
        return wanted

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """This process's lock, then an exclusive ``flock`` on ``<folder>/.lock``."""
        with _CREATE:
            try:
                private_dir(self.folder)
                os.chmod(self.folder, DIR_MODE)  # ours alone, even when it existed before
                fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
            except OSError as e:
                raise DecisionKeyError(
                    CANNOT_WRITE.format(folder=self.folder, reason=e.strerror or e)
                ) from e
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # releases the flock

    def _new_key(self) -> str:
        key = secrets.token_bytes(32)
        name = key_id(key)
        try:
            _write_private(self.folder / f"{name}.key", key.hex() + "\n")
            _write_private(self.folder / CURRENT_KEY, name + "\n")
        except OSError as e:
            raise DecisionKeyError(
                CANNOT_WRITE.format(folder=self.folder, reason=e.strerror or e)
            ) from e
        self._keys[name] = key
        return name


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (0600) through a temporary file, fsync, rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        try:
            os.write(fd, text.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
