"""talentgraph engine: what users call (API facade, settings, CLI).

``MatchingEngine``, ``Settings`` and ``WorkerMatcher`` are imported on first use: importing
a submodule (``engine.fairness.metrics``) loads that module and what it imports, never the
facade, and ``talentgraph import``, ``stats`` and ``cypher`` start without PyTorch.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.api import MatchingEngine
    from engine.matching.worker_matcher import WorkerMatcher
    from engine.settings import Settings

__all__ = ["MatchingEngine", "Settings", "WorkerMatcher"]
_HOMES = {
    "MatchingEngine": "engine.api",
    "Settings": "engine.settings",
    "WorkerMatcher": "engine.matching.worker_matcher",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
