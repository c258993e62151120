"""Results shared by the API, the CLI and JSON output: ``Match`` and ``TrainReport``.

Example:
    >>> Match(candidate_id="c1", role_id="r1", score=0.8, rank=1, reasons=("same city",)).rank
    1
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class Match(BaseModel):
    """One recommended or scored (candidate, role) pair.

    Attributes:
        candidate_id, role_id: the pair.
        score: calibrated merit score in [0, 1] (an estimate of how likely a recruiter
            judges the pair worth pursuing, from features that exclude sensitive attributes).
        rank: 1-based position in the list (1 for a single ad-hoc score).
        reasons: short reasons a recruiter can read, strongest first.
        missing: profile or posting fields that could not be used (ad-hoc scoring).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    candidate_id: str
    role_id: str
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    rank: Annotated[int, Field(ge=1)]
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


class TrainReport(BaseModel):
    """What ``MatchingEngine.train`` did: model version, time per stage, sizes, checks."""

    model_config = ConfigDict(extra="allow", frozen=True)

    version: str
    total_seconds: float
    seconds: dict[str, float]
    details: dict[str, Any]
    warnings: tuple[str, ...] = ()
    """Loud conditions, e.g. a loop stopped by the wall-clock safety cap (the model then
    depends on the machine's speed); the CLI prints them and the model's manifest keeps them."""
