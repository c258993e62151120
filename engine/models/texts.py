"""The text a candidate or a role is encoded from.

A candidate is read as headline, skill names, summary; a role as title, skill names,
description. The skills come second because encoders truncate long texts (MiniLM at
``max_seq_length`` tokens): what is cut is the end of the prose, not the skills. Only those
fields are read, so sensitive attributes, signals and preferences can never reach the
encoder.

Example:
    >>> profile_text({"headline": "Nurse", "summary": "ICU, 5 years.",
    ...               "skills": [{"skill": "s1"}, "triage"]}, skill_names={"s1": "wound care"})
    'Nurse\\nSkills: wound care, triage\\nICU, 5 years.'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

SKILLS_PREFIX = "Skills: "


def _skill_names(skills: Any, skill_names: Mapping[str, str] | None) -> list[str]:
    """Names of a row's skills, in row order, without duplicates.

    An entry is a name or id string, or a dict with ``name`` or ``skill`` (name or id). Ids
    are resolved through ``skill_names`` when it knows them; otherwise the value is kept.
    """
    names: list[str] = []
    if not isinstance(skills, Sequence) or isinstance(skills, str):
        return names
    lookup = skill_names or {}
    for entry in skills:
        if isinstance(entry, Mapping):
            ref = entry.get("name") or entry.get("skill")
        else:
            ref = entry
        if not isinstance(ref, str) or not ref.strip():
            continue
        name = lookup.get(ref, ref).strip()
        if name and name not in names:
            names.append(name)
    return names


def _join(head: Any, skills: list[str], prose: Any) -> str:
    lines = [str(head).strip()] if isinstance(head, str) and head.strip() else []
    if skills:
        lines.append(SKILLS_PREFIX + ", ".join(skills))
    if isinstance(prose, str) and prose.strip():
        lines.append(prose.strip())
    return "\n".join(lines)


def profile_text(candidate: Mapping[str, Any], skill_names: Mapping[str, str] | None = None) -> str:
    """The text a candidate is encoded from: headline, skill names, summary.

    Args:
        candidate: a ``candidates.jsonl`` row, a ``Candidate`` dump, or any dict with
            ``headline``, ``summary`` and ``skills``; missing fields are skipped.
        skill_names: skill id -> name, to turn skill ids into words.

    Returns:
        One line per present field; ``""`` when none is present.
    """
    skills = _skill_names(candidate.get("skills"), skill_names)
    return _join(candidate.get("headline"), skills, candidate.get("summary"))


def role_text(role: Mapping[str, Any], skill_names: Mapping[str, str] | None = None) -> str:
    """The text a role is encoded from: title, skill names, description.

    Args:
        role: a ``roles.jsonl`` row, a ``Role`` dump, or any dict with ``title``,
            ``description`` and ``skills``; missing fields are skipped.
        skill_names: skill id -> name, to turn skill ids into words.

    Returns:
        One line per present field; ``""`` when none is present.
    """
    skills = _skill_names(role.get("skills"), skill_names)
    return _join(role.get("title"), skills, role.get("description"))
