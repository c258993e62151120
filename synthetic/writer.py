"""JSON Lines output of the generator: one compact JSON object per line, UTF-8.

orjson is used when installed (faster), else the standard library; both write the same
bytes for the values the generator emits (compact separators, no ASCII escaping, shortest
float repr), so a seed gives byte-identical files either way.

Example:
    >>> dumps({"id": "c1", "level": 0.5})
    b'{"id":"c1","level":0.5}'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

try:  # pragma: no cover - depends on the environment
    import orjson

    def dumps(row: Any) -> bytes:
        """One JSON value as compact UTF-8 bytes."""
        return orjson.dumps(row)

except ImportError:  # pragma: no cover

    def dumps(row: Any) -> bytes:
        """One JSON value as compact UTF-8 bytes."""
        return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write ``rows`` to ``path`` (parents created), one per line.

    Returns:
        The number of rows written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("wb") as fh:
        buffer: list[bytes] = []
        for row in rows:
            buffer.append(dumps(row))
            count += 1
            if len(buffer) >= 10_000:
                fh.write(b"\n".join(buffer) + b"\n")
                buffer.clear()
        if buffer:
            fh.write(b"\n".join(buffer) + b"\n")
    return count
