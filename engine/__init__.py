"""talentgraph engine: what users call (API facade, settings, CLI)."""

from __future__ import annotations

from typing import Any

from engine.api import MatchingEngine
from engine.settings import Settings

__all__ = ["MatchingEngine", "Settings", "WorkerMatcher"]


def __getattr__(name: str) -> Any:
    # WorkerMatcher pulls in the feature code (PyTorch, PyG): imported on first use, so that
    # `talentgraph import`, `stats` and `cypher` start in about a second, not fifteen.
    if name == "WorkerMatcher":
        from engine.matching.worker_matcher import WorkerMatcher

        return WorkerMatcher
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
