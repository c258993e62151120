"""``EngineContext``: what the engine's insides are given by the facade.

Audits, allocation, decisions, explanations and evaluation work on one store with one
configuration and one served model; the facade (``engine.api.MatchingEngine``) builds this
context once and hands it down, so that no lower layer calls back up into the facade. It
imports nothing from the engine at run time (the types are for checkers only).

Example:
    >>> ctx = MatchingEngine.open(path).context                       # doctest: +SKIP
    >>> ctx.serving.recommender().rank("Role", "r00001", 10)          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.matching.serving import Serving
    from engine.settings import Settings
    from loaders.stores.base import GraphStore


@dataclass(frozen=True)
class EngineContext:
    """One store, its configuration and the model served over it.

    Attributes:
        store: the open graph store.
        settings: the engine's configuration.
        model_dir: where trained model versions live.
        decisions_path: the recruiter decision log.
        serving: the served model (loaded on first use; ``engine.matching.serving``).
    """

    store: GraphStore
    settings: Settings
    model_dir: Path
    decisions_path: Path
    serving: Serving
