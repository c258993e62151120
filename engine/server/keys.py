"""API keys: who may call the server, and in which role.

A key is ``tgk_<id>_<secret>``: ``id`` (8 hex digits) names it in logs and in ``keys list``;
``secret`` (43 URL-safe characters, 256 bits) is shown once, at creation, and stored only as
its SHA-256 (a secret of that entropy needs no slow hash). The file is JSON, 0600, written
whole and renamed, so a reader never sees half of it; the server re-reads it when it changes,
so ``talentgraph keys revoke`` takes effect on a running server at its next request.

Roles (``ROLES``): ``recruiter`` (shortlists, explanations, decisions), ``analyst`` (the
read-only exploration catalogue, no person-level sensitive data), ``auditor`` (audits:
aggregates only, never a person's group) and ``admin`` (imports, training, allocation
policy, everything). ``engine.server.access`` says which role reaches which endpoint.

Example:
    >>> keys = ApiKeys(Path("/tmp/tg-keys.json"))                   # doctest: +SKIP
    >>> info, token = keys.create("recruiter", "ana")                # doctest: +SKIP
    >>> keys.verify(token).role                                      # doctest: +SKIP
    'recruiter'
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.server.problems import ServerFileError
from graph_schema.errors import ConfigError
from loaders.private_files import FILE_MODE, fsync_dir, private_dir

ROLES: tuple[str, ...] = ("recruiter", "analyst", "auditor", "admin")
PREFIX = "tgk_"
_TOKEN = re.compile(r"^tgk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")
_NAME = re.compile(r"^\w[\w .@-]{0,63}$")
BAD_ROLE = "unknown role {role!r}: a key's role is one of {roles}"
BAD_NAME = (
    "a key's name is 1 to 64 letters, digits, spaces and . _ @ -, starting with a letter or "
    "digit (it shows in logs and decisions); got {name!r}"
)
TAKEN = "an active key is named {name!r} already ({key_id}): a name is one holder"
NO_KEY = "no API key {key_id!r} in {path}"
BAD_FILE = "the API key file {path} cannot be read ({error}); restore it or create new keys"


class KeyInfo(BaseModel):
    """One key as stored (its secret only as a hash) and as listed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[0-9a-f]{8}$")
    name: str
    role: str
    created: str
    revoked: str | None = None
    secret_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", repr=False)

    @property
    def active(self) -> bool:
        return self.revoked is None

    def listed(self) -> dict[str, str | None]:
        """What ``keys list`` shows: everything but the hash."""
        return self.model_dump(exclude={"secret_sha256"})


class _KeyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: list[KeyInfo] = []


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ApiKeys:
    """The key file at ``path`` (created on the first ``create``)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._cache: tuple[tuple[int, int], dict[str, KeyInfo]] | None = None

    def _read(self) -> dict[str, KeyInfo]:
        """The keys by id, re-read when the file changed (size or mtime)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._cache is not None and self._cache[0] == stamp:
                return self._cache[1]
            try:
                parsed = _KeyFile.model_validate_json(self.path.read_bytes())
            except (OSError, ValidationError) as e:
                raise ServerFileError(BAD_FILE.format(path=self.path, error=e)) from e
            keys = {k.id: k for k in parsed.keys}
            self._cache = (stamp, keys)
            return keys

    def _write(self, keys: dict[str, KeyInfo]) -> None:
        private_dir(self.path.parent)
        work = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(work, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w") as fh:
            fh.write(_KeyFile(keys=list(keys.values())).model_dump_json(indent=1))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(work, self.path)
        fsync_dir(self.path.parent)

    def create(self, role: str, name: str) -> tuple[KeyInfo, str]:
        """A new key: its record and the token (shown once; only its hash is kept).

        Raises:
            ConfigError: an unknown role or a name outside its rule.
        """
        if role not in ROLES:
            raise ConfigError(BAD_ROLE.format(role=role, roles=", ".join(ROLES)))
        if not _NAME.match(name):
            raise ConfigError(BAD_NAME.format(name=name))
        keys = dict(self._read())
        for held in keys.values():
            if held.active and held.name == name:
                raise ConfigError(TAKEN.format(name=name, key_id=held.id))
        key_id = secrets.token_hex(4)
        while key_id in keys:
            key_id = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        info = KeyInfo(
            id=key_id, name=name, role=role, created=_now(), secret_sha256=_digest(secret)
        )
        keys[key_id] = info
        self._write(keys)
        return info, f"{PREFIX}{key_id}_{secret}"

    def list(self) -> list[KeyInfo]:
        return sorted(self._read().values(), key=lambda k: (k.created, k.id))

    def revoke(self, key_id: str) -> KeyInfo:
        """Revoke a key (kept in the file, marked, so logs still name it).

        Raises:
            ConfigError: no such key.
        """
        keys = dict(self._read())
        if key_id not in keys:
            raise ConfigError(NO_KEY.format(key_id=key_id, path=self.path))
        if keys[key_id].revoked is None:
            keys[key_id] = keys[key_id].model_copy(update={"revoked": _now()})
            self._write(keys)
        return keys[key_id]

    def verify(self, token: str) -> KeyInfo | None:
        """The active key ``token`` is, else ``None`` (malformed, unknown, revoked or wrong)."""
        match = _TOKEN.match(token)
        if match is None:
            return None
        info = self._read().get(match.group(1))
        if info is None or not info.active:
            return None
        if not hmac.compare_digest(info.secret_sha256, _digest(match.group(2))):
            return None
        return info


def keys_path(db: str) -> Path:
    """The key file of store ``db``: ``<db>/api-keys.json`` for an embedded store, else in
    the user's private state folder, one file per Neo4j URI."""
    if "://" in db:
        from loaders.private_files import user_state_dir

        name = hashlib.sha256(db.encode()).hexdigest()[:16]
        return user_state_dir() / "api-keys" / f"{name}.json"
    return Path(db) / "api-keys.json"
