"""Phrase helpers shared by both worlds' texts.

Example:
    >>> join_phrases(["triage", "wound care", "first aid"])
    'triage, wound care and first aid'
    >>> capitalised("nurse")
    'Nurse'
"""

from __future__ import annotations

from collections.abc import Sequence


def join_phrases(phrases: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def capitalised(text: str) -> str:
    """``text`` with its first letter upper-cased (the rest as it is)."""
    return text[:1].upper() + text[1:]
