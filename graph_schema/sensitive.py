"""Sensitive attributes: the row model of the audit-only sensitive store, not of the graph.

They are not a label of the graph, so no Cypher on the graph can reach them (an audit-only
label guarded by a text check was walked around: ``label(n) = "Sensitive" + "Attributes"``).
The import writes them to their own store, ``loaders.sensitive_store.SensitiveStore`` (a
private SQLite file: ``<store>/sensitive.sqlite`` for the embedded store), keyed by the
candidate id; ``GraphStore.read_sensitive(purpose="audit")`` is the one reader, for fairness
audits and the adversary's target in training.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class SensitiveAttributes(BaseModel):
    """Protected attributes of one candidate: one row of the sensitive store.

    Example:
        >>> SensitiveAttributes(id="c1", gender="female").gender
        'female'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(min_length=1)]  # the candidate id
    gender: str | None = None
    age_band: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    nationality: str | None = None


# The attributes, in column order: gender, age_band, ethnicity, disability, nationality.
SENSITIVE_FIELDS: tuple[str, ...] = tuple(f for f in SensitiveAttributes.model_fields if f != "id")
