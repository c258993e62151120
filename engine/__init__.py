"""talentgraph engine: what users call (API facade, settings, CLI)."""

from __future__ import annotations

from engine.api import MatchingEngine
from engine.matching.worker_matcher import WorkerMatcher
from engine.settings import Settings

__all__ = ["MatchingEngine", "Settings", "WorkerMatcher"]
