"""``EmbeddingCache``: embeddings keyed by a hash of (model id, text), so nothing is re-encoded.

The key is ``sha256(model_id + NUL + text)``; the model id names the weights and the
precision (see ``TextEncoder.model_id``), so a fine-tuned or re-configured model never reads
another model's vectors. With a path the cache is one SQLite file (key -> float32 bytes),
which survives restarts and can sit beside the graph store; without one it is a dict.

Example:
    >>> import numpy as np
    >>> cache = EmbeddingCache()
    >>> cache.get("m", ["a", "b"])
    [None, None]
    >>> cache.put("m", ["a"], np.ones((1, 2), dtype=np.float32))
    >>> cache.get("m", ["a"])[0].tolist(), cache.hits, cache.misses
    ([1.0, 1.0], 1, 2)
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from graph_schema.errors import ConfigError

DEFAULT_FILE_NAME = "embeddings.sqlite"
BAD_SHAPE = "EmbeddingCache.put got {texts} texts and vectors of shape {shape}; need ({texts}, d)."
CANNOT_OPEN = "Cannot open the embedding cache at {path}: {reason}"
_CHUNK = 500  # SQLite caps the number of ? parameters in one statement
_SCHEMA = "CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"


class EmbeddingCache:
    """Embeddings by (model id, text), in memory or in a SQLite file.

    Args:
        path: the SQLite file (created with its parent folders), or an existing folder to
            hold ``embeddings.sqlite``; ``None`` keeps everything in memory.

    Attributes:
        hits: texts found by :meth:`get` since creation.
        misses: texts not found by :meth:`get` since creation.
    """

    def __init__(self, path: Path | None = None, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only  # new vectors kept in memory, the file left as it is
        self.hits = 0
        self.misses = 0
        self._memory: dict[str, bytes] = {}
        self._db: sqlite3.Connection | None = None
        # One connection for every thread (a model trained in a server's job thread is then
        # served on its request threads), one statement at a time.
        self._lock = threading.RLock()

    @staticmethod
    def key(model_id: str, text: str) -> str:
        """The cache key of one text under one model: a sha256 hex digest."""
        return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()

    def _connection(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        if self._db is None:
            file = Path(self.path)
            if file.is_dir():
                file = file / DEFAULT_FILE_NAME
            if self.read_only:  # read the file if there is one; never create or change it
                if not file.is_file():
                    return None
                try:
                    self._db = sqlite3.connect(
                        f"file:{file}?mode=ro", uri=True, check_same_thread=False
                    )
                except sqlite3.Error as e:
                    raise ConfigError(CANNOT_OPEN.format(path=file, reason=e)) from e
                return self._db
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(file, check_same_thread=False)
                self._db.execute(_SCHEMA)
                self._db.commit()
            except (OSError, sqlite3.Error) as e:
                raise ConfigError(CANNOT_OPEN.format(path=file, reason=e)) from e
        return self._db

    def _read(self, keys: list[str]) -> dict[str, bytes]:
        with self._lock:
            return self._read_locked(keys)

    def _read_locked(self, keys: list[str]) -> dict[str, bytes]:
        found = {k: self._memory[k] for k in keys if k in self._memory}
        db = self._connection()
        if db is None:
            return found
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", chunk)
            found.update(rows.fetchall())
        return found

    def get(self, model_id: str, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The cached vector of each text under ``model_id``, or ``None``; counts hits/misses.

        Args:
            model_id: the encoder's model id (weights and precision).
            texts: the texts to look up.

        Returns:
            One float32 vector or ``None`` per text, in order.
        """
        keys = [self.key(model_id, t) for t in texts]
        found = self._read(sorted(set(keys)))
        out = [np.frombuffer(found[k], dtype=np.float32) if k in found else None for k in keys]
        hits = sum(v is not None for v in out)
        self.hits += hits
        self.misses += len(out) - hits
        return out

    def put(self, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store one vector per text under ``model_id`` (replacing what was there).

        Raises:
            ValueError: when ``vectors`` is not ``(len(texts), d)``.
        """
        if vectors.ndim != 2 or vectors.shape[0] != len(texts):
            raise ValueError(BAD_SHAPE.format(texts=len(texts), shape=vectors.shape))
        rows = [
            (self.key(model_id, t), np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._lock:
            db = None if self.read_only else self._connection()
            if db is None:
                self._memory.update(rows)
                return
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO embeddings (key, vector) VALUES (?, ?)", rows
                )

    def __len__(self) -> int:
        with self._lock:
            db = self._connection()
            if db is None:
                return len(self._memory)
            return int(db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])

    def close(self) -> None:
        """Close the SQLite file (a later call reopens it); a no-op in memory."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __repr__(self) -> str:
        return f"EmbeddingCache(path={self.path!r}, hits={self.hits}, misses={self.misses})"
