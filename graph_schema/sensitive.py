"""Sensitive attributes: stored apart from the candidate, read only by audits.

They live under their own label, keyed by the candidate id, with no relationship to the
``Candidate`` node, so no traversal from a candidate reaches them and no feature query
(which only names feature labels) can read them. The stores refuse to return this label
through the feature path; ``engine/fairness/audit.py`` reads it through
``GraphStore.read_sensitive(purpose=...)``.
"""

from __future__ import annotations

from typing import ClassVar

from graph_schema.nodes import Node

SENSITIVE_FIELDS: tuple[str, ...] = ("gender", "age_band", "ethnicity", "disability", "nationality")


class SensitiveAttributes(Node):
    """Protected attributes of one candidate; ``id`` is the candidate id.

    Example:
        >>> SensitiveAttributes(id="c1", gender="female").gender
        'female'
    """

    label: ClassVar[str] = "SensitiveAttributes"
    audit_only: ClassVar[bool] = True

    gender: str | None = None
    age_band: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    nationality: str | None = None
