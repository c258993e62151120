"""Load the generator's held-out ground truth: graded query pools in both directions.

``talentgraph generate`` writes ``DATASET/_evaluation/ground_truth.jsonl`` (one row per pooled
pair, see docs/generator.md) and ``DATASET/_evaluation/manifest.json`` (seed, bias, the
biased group, ...). This module validates each row once (pydantic) and groups them:

- ``role`` direction: role id -> {candidate id: relevance} (candidates to rank for a role);
- ``candidate`` direction: candidate id -> {role id: relevance}.

Example:
    >>> truth = load_ground_truth("data/synthetic")  # doctest: +SKIP
    >>> evaluate_rankings(rankings, truth.pools("role"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from graph_schema.errors import ConfigError, InputRowError
from graph_schema.params import bad_parameter

EVALUATION_DIR = "_evaluation"
GROUND_TRUTH_FILE = "ground_truth.jsonl"
MANIFEST_FILE = "manifest.json"
Direction = Literal["role", "candidate"]
DIRECTIONS: tuple[Direction, ...] = ("role", "candidate")
MISSING_FILE = "{path} not found; the ground truth is written by 'talentgraph generate'"
QUERY_MISMATCH = "query {query!r} must equal the row's {direction} id {expected!r}"
DUPLICATE_PAIR = "pair ({query!r}, {item!r}) of direction {direction!r} appears twice"


class GroundTruthRow(BaseModel):
    """One pooled (query, item) pair with its true fit and graded relevance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    direction: Direction
    query: Annotated[str, Field(min_length=1)]
    candidate: Annotated[str, Field(min_length=1)]
    role: Annotated[str, Field(min_length=1)]
    fit: Annotated[float, Field(ge=0.0, le=1.0)]
    relevance: Annotated[int, Field(ge=0, le=3)]

    @model_validator(mode="after")
    def _query_is_own_side(self) -> GroundTruthRow:
        expected = self.role if self.direction == "role" else self.candidate
        if self.query != expected:
            raise ValueError(
                QUERY_MISMATCH.format(query=self.query, direction=self.direction, expected=expected)
            )
        return self

    @property
    def item(self) -> str:
        """The ranked side: the candidate of a role query, the role of a candidate query."""
        return self.candidate if self.direction == "role" else self.role


@dataclass(frozen=True)
class GroundTruth:
    """Graded pools per direction, true fit per pair, and the generator's manifest.

    Attributes:
        relevance: ``{direction: {query id: {item id: grade 0..3}}}``.
        fit: ``{direction: {query id: {item id: true fit in [0, 1]}}}``.
        manifest: the parsed ``manifest.json`` (empty when the file is absent).
    """

    relevance: dict[str, dict[str, dict[str, int]]]
    fit: dict[str, dict[str, dict[str, float]]]
    manifest: dict[str, Any] = field(default_factory=dict)

    def pools(self, direction: Direction) -> dict[str, dict[str, int]]:
        """``{query id: {item id: grade}}`` of one direction (``"role"`` or ``"candidate"``)."""
        if direction not in DIRECTIONS:
            rule = "one of 'role', 'candidate'"
            raise bad_parameter("direction", "pools", rule, direction)
        return self.relevance[direction]

    @property
    def biased_group(self) -> tuple[str, str] | None:
        """``(attribute, value)`` the generator's history disadvantaged, e.g. ``("gender",
        "female")``; None when the manifest does not say."""
        group = self.manifest.get("biased_group")
        if not isinstance(group, dict) or "attribute" not in group or "value" not in group:
            return None
        return str(group["attribute"]), str(group["value"])


def _error_field(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error["loc"]) or "-"


def load_ground_truth(dataset_dir: str | Path) -> GroundTruth:
    """Read ``dataset_dir/_evaluation/ground_truth.jsonl`` and ``manifest.json``.

    Args:
        dataset_dir: the generated dataset directory (the one ``talentgraph import`` reads).

    Returns:
        The ground truth; blank lines are skipped.

    Raises:
        ConfigError: ``ground_truth.jsonl`` does not exist.
        InputRowError: a row is not JSON, breaks the row rules, or repeats a pair; the
            message names the file, the line and the field.
    """
    folder = Path(dataset_dir) / EVALUATION_DIR
    path = folder / GROUND_TRUTH_FILE
    relevance: dict[str, dict[str, dict[str, int]]] = {d: {} for d in DIRECTIONS}
    fit: dict[str, dict[str, dict[str, float]]] = {d: {} for d in DIRECTIONS}
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(MISSING_FILE.format(path=path)) from e
    with handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = GroundTruthRow.model_validate_json(line)
            except ValidationError as e:
                first = e.errors()[0]
                raise InputRowError(
                    GROUND_TRUTH_FILE, line_no, _error_field(first), first["msg"]
                ) from e
            pool = relevance[row.direction].setdefault(row.query, {})
            if row.item in pool:
                reason = DUPLICATE_PAIR.format(
                    query=row.query, item=row.item, direction=row.direction
                )
                raise InputRowError(GROUND_TRUTH_FILE, line_no, "-", reason)
            pool[row.item] = row.relevance
            fit[row.direction].setdefault(row.query, {})[row.item] = row.fit
    manifest_path = folder / MANIFEST_FILE
    manifest = (
        json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    )
    return GroundTruth(relevance=relevance, fit=fit, manifest=manifest)
