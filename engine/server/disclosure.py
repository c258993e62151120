"""What an audit may show over the API: no cell small enough to single a person out.

The audit flags a category, an intersection or a decision count with fewer people than its
minimum (``insufficient_evidence``) and still shows its numbers: fine for the auditor at the
shell, who holds the sensitive store anyway. Over the API an auditor may read aggregates
only, and a cell of one or two people beside the person-level decision list
(``GET /v1/decisions``) tells who is in which group. So the API answers such a cell with its
label and ``"suppressed": true`` and no number (JSON), or leaves it out (HTML).
"""

from __future__ import annotations

from typing import Any

KEPT = ("category", "by", "key", "insufficient_evidence", "excluded_reason")


def _small(item: Any) -> bool:
    return isinstance(item, dict) and item.get("insufficient_evidence") is True


def suppressed(value: Any) -> Any:
    """``value`` (a report's JSON) with every small cell reduced to its label."""
    if _small(value):
        return {**{k: value[k] for k in KEPT if k in value}, "suppressed": True}
    if isinstance(value, dict):
        return {k: suppressed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [suppressed(v) for v in value]
    return value


def without_small(value: Any) -> Any:
    """``value`` with every small cell left out (for a report that must stay valid)."""
    if isinstance(value, dict):
        return {k: without_small(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_small(v) for v in value if not _small(v)]
    return value
