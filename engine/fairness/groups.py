"""Sensitive groups: the one reader of sensitive attributes, for audits and re-ranking.

Sensitive attributes live outside the graph (``loaders.sensitive_store``); this module is the
one place that reads them, through ``GraphStore.read_sensitive(purpose="audit")`` (a test
checks that no other module of ``engine/`` or ``loaders/`` calls it): for the audit
(``engine.audit``), for the served re-ranking's groups (:func:`served_groups`) and for
training's adversary target (:func:`sensitive_groups`). No feature reads them.

A missing or unreadable sensitive store is not everyone "unknown": the audit raises a
``StoreError`` naming the file (:func:`require_sensitive`; a file deleted after it was in
use and one never written get their own messages, ``loaders.sensitive_store``). What serves
people instead keeps serving, flagged: :func:`served_groups` hands the re-ranker no groups
and a warning that goes on every served ``Match`` (``FairnessUnavailableWarning``). A store
that is readable but emptied or replaced by another store's file is caught too: an audit
raises when none of the audited people has a known value (:data:`NOBODY_KNOWN`), and carries
a ``WARNING`` note (and a ``FairnessCoverageWarning``) below :data:`MIN_COVERAGE` known;
served lists are flagged when a re-ranking attribute is known for no candidate of the graph
(:data:`NOBODY_KNOWN_SERVED`).

Example:
    >>> sensitive_groups(store, "gender")["c00001"]        # doctest: +SKIP
    'female'
"""

from __future__ import annotations

import warnings as python_warnings
from collections.abc import Mapping, Sequence
from typing import Any

from engine.fairness.metrics import BAD_PARAMETER, UNKNOWN_GROUP, joined
from graph_schema.errors import ConfigError, StoreError
from graph_schema.sensitive import SENSITIVE_FIELDS

MIN_N = 30
"""Fewer distinct people than this in a group: "insufficient evidence" in an audit (flagged,
not hidden); no quota or share is applied or reported over fewer (allocation)."""
FAIRNESS_UNAVAILABLE = (
    "fairness re-ranking unavailable, this list is ranked by merit score alone: {problem}"
)


NOBODY_KNOWN = (
    "no person in the audit has a recorded {attribute}; the sensitive store {path} may have "
    "been emptied or replaced"
)
LOW_COVERAGE = (
    "WARNING: only {known} of {people} people in the audit ({share:.0%}) have a recorded "
    "{attribute} in the sensitive store {path}: the tables describe a minority of the people "
    "audited (the store may be incomplete, emptied or replaced)"
)
MIN_COVERAGE = 0.5
"""Below this share of the audited people with a known value, the audit carries a warning."""
NOBODY_KNOWN_SERVED = (
    "{attributes} known for none of the store's candidates: the sensitive store {path} may "
    "have been emptied or replaced"
)


class FairnessCoverageWarning(UserWarning):
    """An audit where fewer than :data:`MIN_COVERAGE` of the people have a known value."""


class FairnessUnavailableWarning(UserWarning):
    """A served list could not be re-ranked: the sensitive store is missing or unreadable."""


# ------------------------------------------------------------------ sensitive attributes
def sensitive_problem(store: Any) -> str | None:
    """``None`` when the store's sensitive store is there and readable; else what is wrong,
    naming the file (``SensitiveStore.problem``)."""
    sensitive = getattr(store, "sensitive_store", None)
    return None if sensitive is None else sensitive.problem()


def require_sensitive(store: Any) -> None:
    """Raise when the sensitive store is missing or unreadable.

    Raises:
        StoreError: the message names the file and says whether it was deleted after use,
            never written, or cannot be read.
    """
    problem = sensitive_problem(store)
    if problem is not None:
        raise StoreError(problem)


def served_groups(store: Any, attributes: Sequence[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The groups a served re-ranking works with (:func:`intersected_groups`), and the
    warnings of a list served without them: when the sensitive store is missing or
    unreadable, no groups and one :data:`FAIRNESS_UNAVAILABLE` warning (never an error:
    people are still served, flagged)."""
    problem = sensitive_problem(store)
    if problem is None:
        try:
            by_attribute = {a: sensitive_groups(store, a) for a in attributes}
            unknown = _unknown_to_all(store, by_attribute)
            if not unknown:
                return joined(*by_attribute.values()), ()
            problem = NOBODY_KNOWN_SERVED.format(
                attributes=", ".join(unknown), path=store.sensitive_store.path
            )
            if len(unknown) < len(attributes):  # the others still re-rank, flagged
                groups = joined(*by_attribute.values())
                return groups, (FAIRNESS_UNAVAILABLE.format(problem=problem),)
        except StoreError as e:  # became unreadable in between
            problem = str(e)
    return {}, (FAIRNESS_UNAVAILABLE.format(problem=problem),)


def _unknown_to_all(store: Any, by_attribute: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The attributes no candidate of the graph has a known value of (an emptied sensitive
    store, or another store's file: its ids are not this graph's)."""
    if getattr(store, "sensitive_store", None) is None or not hasattr(store, "run"):
        return []
    candidates = [row["id"] for row in store.run("node_ids", label="Candidate")]
    if not candidates:
        return []
    return [
        a
        for a, groups in by_attribute.items()
        if not any(groups.get(c, UNKNOWN_GROUP) != UNKNOWN_GROUP for c in candidates)
    ]


def check_coverage(
    store: Any, attribute: str, groups: Mapping[str, str], people: Sequence[str]
) -> str | None:
    """Raise when none of ``people`` has a known ``attribute``; a warning (also issued as a
    :class:`FairnessCoverageWarning`) when fewer than :data:`MIN_COVERAGE` of them do.

    Raises:
        StoreError: nobody audited has a recorded value (the message names the attribute and
            the sensitive store's file).
    """
    everyone = set(people)
    if not everyone:
        return None
    known = sum(groups.get(c, UNKNOWN_GROUP) != UNKNOWN_GROUP for c in everyone)
    sensitive = getattr(store, "sensitive_store", None)
    path = getattr(sensitive, "path", "(none)")
    if known == 0:
        raise StoreError(NOBODY_KNOWN.format(attribute=attribute, path=path))
    if known / len(everyone) >= MIN_COVERAGE:
        return None
    text = LOW_COVERAGE.format(
        known=known,
        people=len(everyone),
        share=known / len(everyone),
        attribute=attribute,
        path=path,
    )
    python_warnings.warn(text, FairnessCoverageWarning, stacklevel=3)
    return text


def check_attribute(name: str, value: Any) -> str:
    if value not in SENSITIVE_FIELDS:
        rule = f"one of {', '.join(SENSITIVE_FIELDS)}"
        raise ConfigError(BAD_PARAMETER.format(name=name, method="audit", rule=rule, value=value))
    return value


def sensitive_groups(
    store: Any, attribute: str, *, unknown: str | None = UNKNOWN_GROUP
) -> dict[str, str]:
    """Candidate id -> value of ``attribute``, read from the audit-only sensitive store.

    Args:
        store: the ``GraphStore``.
        attribute: one of ``graph_schema.sensitive.SENSITIVE_FIELDS``.
        unknown: the group of a candidate whose row has no value; ``None`` leaves such
            candidates out (training's adversary learns only known groups). Candidates
            without a row are absent either way (audits count them as unknown).

    Raises:
        ConfigError: ``attribute`` is not a sensitive field.
    """
    check_attribute("attribute", attribute)
    out: dict[str, str] = {}
    rows = store.read_sensitive(purpose="audit")
    if rows and getattr(store, "sensitive_store", None) is not None:
        store.sensitive_store.mark_seen()  # in use: a later loss is told from "never written"
    for row in rows:
        value = row.get(attribute)
        if value is None or value == "":
            if unknown is not None:
                out[row["id"]] = unknown
        else:
            out[row["id"]] = str(value)
    return out


def intersected_groups(store: Any, attributes: Sequence[str]) -> dict[str, str]:
    """Candidate id -> the group of the intersection of ``attributes`` (e.g.
    ``"female|35-44"``), as re-ranking uses them (``engine.fairness.metrics.joined``).

    Raises:
        ConfigError: an attribute is not a sensitive field.
    """
    return joined(*(sensitive_groups(store, a) for a in attributes))
