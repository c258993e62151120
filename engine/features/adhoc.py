"""Pair features of one ad-hoc worker profile and one job posting, with no graph.

The dicts are shaped like ``CandidateRow`` and ``RoleRow`` but any field may be absent. A
skill entry is a name string or a dict with ``skill`` (or ``name``) and ``level`` /
``importance`` / ``required``. Skills match by ``loaders.resolve.normalise``d name, after an
optional alias map. Without a graph there is no ``SIMILAR_TO`` hop (the ``*_similar``
columns equal the direct ones), no GNN embedding, no CF history (``cf_cold`` = 1) and no
country of a location (only an exact location match counts). Unknown numbers are NaN (the
merit scorer's trees route NaN) and each field that could not be used is reported.

Example:
    >>> found = adhoc_features(
    ...     {"skills": [{"skill": "Python", "level": 0.8}], "location": "Berlin"},
    ...     {"title": "Dev", "location": "berlin",
    ...      "skills": [{"skill": "python", "importance": 1.0, "required": True}]},
    ...     as_of="2025-01")
    >>> float(found.values["required_coverage"]), float(found.values["location_fit"])
    (0.8, 1.0)
    >>> "worker.signals.reliability" in found.missing
    True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from engine.features.pair_features import FEATURE_NAMES, HISTORY_FEATURES
from engine.models.texts import profile_text, role_text
from loaders.resolve import normalise
from loaders.row_mapping import months

Encoder = Callable[[list[str]], np.ndarray]
"""Texts -> one embedding row per text (e.g. ``TextEncoder.encode``)."""

SIGNAL_FIELDS: tuple[str, ...] = ("reliability", "attendance", "engagement", "churn_risk")
DEFAULT_LEVEL = 0.5
"""Level of a listed skill whose level is unknown (the middle of [0, 1])."""
_YEAR_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_YEARS_SCALE = 4.0  # as loaders.pyg_export: log1p(years) / 4


@dataclass(frozen=True)
class AdhocFeatures:
    """Features of one ad-hoc pair.

    Attributes:
        row: float64 array of length ``len(FEATURE_NAMES)`` (NaN where unknown), ready for
            ``MeritScorer.predict(row[None, :])``.
        values: the same numbers by feature name.
        missing: the profile and posting fields that were absent or unusable, e.g.
            ``"worker.location"``, ``"job.skills[0].importance"``.
        required_held, required_lacking: the posting's required skills (normalised names,
            after aliases, most important first) the worker lists and does not list.
    """

    row: np.ndarray
    values: dict[str, float]
    missing: list[str]
    required_held: tuple[str, ...] = ()
    required_lacking: tuple[str, ...] = ()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or np.isnan(value):
        return None
    return float(value)


def _skills(
    entries: Any, side: str, key: str, aliases: Mapping[str, str], missing: list[str]
) -> list[tuple[str, float | None, bool]]:
    """(normalised name, level or importance, required) of each usable skill entry."""
    if not isinstance(entries, Sequence) or isinstance(entries, str) or not entries:
        missing.append(f"{side}.skills")
        return []
    out: list[tuple[str, float | None, bool]] = []
    for i, entry in enumerate(entries):
        ref = entry.get("skill") or entry.get("name") if isinstance(entry, Mapping) else entry
        if not isinstance(ref, str) or not normalise(ref):
            missing.append(f"{side}.skills[{i}]")
            continue
        name = normalise(ref)
        value = _number(entry.get(key)) if isinstance(entry, Mapping) else None
        if value is None:
            missing.append(f"{side}.skills[{i}].{key}")
        required = bool(entry.get("required", False)) if isinstance(entry, Mapping) else False
        out.append((aliases.get(name, name), value, required))
    return out


def _experience_years(worker: Mapping[str, Any], as_of: str, missing: list[str]) -> float:
    jobs = worker.get("experience")
    total, usable = 0, False
    for i, job in enumerate(jobs if isinstance(jobs, Sequence) else []):
        start = job.get("start") if isinstance(job, Mapping) else None
        end = job.get("end") or as_of if isinstance(job, Mapping) else None
        if not (isinstance(start, str) and _YEAR_MONTH.match(start)) or not (
            isinstance(end, str) and _YEAR_MONTH.match(end)
        ):
            missing.append(f"worker.experience[{i}]")
            continue
        total, usable = total + months(start, end), True
    if not usable:
        if not jobs:
            missing.append("worker.experience")
        return float("nan")
    return float(np.log1p(total / 12) / _YEARS_SCALE)


def _coverage(wanted: list[tuple[str, float, bool]], have: dict[str, float], req: bool) -> float:
    group = [(name, imp) for name, imp, r in wanted if r == req]
    total = sum(imp for _, imp in group)
    if not group or total <= 0:
        return 1.0
    return sum(imp * have.get(name, 0.0) for name, imp in group) / total


def adhoc_features(
    worker: Mapping[str, Any],
    job: Mapping[str, Any],
    *,
    encoder: Encoder | None = None,
    aliases: Mapping[str, str] | None = None,
    as_of: str | None = None,
) -> AdhocFeatures:
    """Features of ``worker`` for ``job``, columns as ``FEATURE_NAMES``.

    Args:
        worker: a worker profile (``CandidateRow``-like dict; fields optional). Sensitive
            fields, if present, are never read.
        job: a job posting (``RoleRow``-like dict; fields optional).
        encoder: optional text encoder for ``text_cosine``; absent -> ``text_missing`` = 1.
        aliases: optional map of normalised alias -> normalised canonical skill name.
        as_of: ``YYYY-MM`` until which open-ended experience runs (default: this month, UTC).

    Returns:
        The feature row, the values by name and the fields that could not be used.
    """
    missing: list[str] = []
    alias = {normalise(k): normalise(v) for k, v in (aliases or {}).items()}
    as_of = as_of or datetime.now(UTC).strftime("%Y-%m")
    values = dict.fromkeys(FEATURE_NAMES, 0.0)
    values.update(dict.fromkeys(HISTORY_FEATURES, float("nan")))  # no history, no corpus
    values["lex_required_mentioned"] = float("nan")

    have_raw = _skills(worker.get("skills"), "worker", "level", alias, missing)
    have: dict[str, float] = {}
    for name, lv, _ in have_raw:
        have[name] = max(have.get(name, 0.0), DEFAULT_LEVEL if lv is None else lv)
    wanted_raw = _skills(job.get("skills"), "job", "importance", alias, missing)
    known_imp = [imp for _, imp, _ in wanted_raw if imp is not None]
    fill = float(np.mean(known_imp)) if known_imp else 1.0
    wanted = [(n, fill if imp is None else imp, r) for n, imp, r in wanted_raw]
    for group in ("required", "optional"):
        cov = _coverage(wanted, have, group == "required")
        values[f"{group}_coverage"] = values[f"{group}_coverage_similar"] = cov
    values["missing_required"] = float(sum(1 for n, _, r in wanted if r and n not in have))

    values.update(_location(worker, job, missing))
    signals = worker.get("signals") if isinstance(worker.get("signals"), Mapping) else {}
    for name in SIGNAL_FIELDS:
        value = _number(signals.get(name))
        if value is None:
            missing.append(f"worker.signals.{name}")
        values[name] = float("nan") if value is None else value
    values["experience_years"] = _experience_years(worker, as_of, missing)

    values["text_missing"] = values["gnn_missing"] = values["cf_cold"] = 1.0
    texts = [profile_text(worker), role_text(job)]
    if encoder is not None and all(texts):
        vectors = np.asarray(encoder(texts), dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1)
        if np.all(norms > 0):
            values["text_cosine"] = float(vectors[0] @ vectors[1] / (norms[0] * norms[1]))
            values["text_missing"] = 0.0
    elif encoder is not None:
        missing.append("worker.text" if not texts[0] else "job.text")
    row = np.array([values[name] for name in FEATURE_NAMES], dtype=np.float64)
    required = [n for n, _, r in sorted(wanted, key=lambda w: -w[1]) if r]
    required = list(dict.fromkeys(required))
    return AdhocFeatures(
        row=row,
        values=values,
        missing=missing,
        required_held=tuple(n for n in required if n in have),
        required_lacking=tuple(n for n in required if n not in have),
    )


def _location(
    worker: Mapping[str, Any], job: Mapping[str, Any], missing: list[str]
) -> dict[str, float]:
    prefs = worker.get("preferences") if isinstance(worker.get("preferences"), Mapping) else {}
    remote_ok = prefs.get("remote") is True
    remote_role = job.get("remote") is True
    where = {
        side: normalise(value) if isinstance(value, str) and normalise(value) else None
        for side, value in (("worker", worker.get("location")), ("job", job.get("location")))
    }
    for side, value in where.items():
        if value is None:
            missing.append(f"{side}.location")
    known = where["worker"] is not None and where["job"] is not None
    fit = 1.0 if (known and where["worker"] == where["job"]) or (remote_ok and remote_role) else 0.0
    wanted = prefs.get("locations") if isinstance(prefs.get("locations"), list) else []
    preferred = float(
        where["job"] is not None
        and where["job"] in {normalise(w) for w in wanted if isinstance(w, str)}
    )
    # without a graph the country of a place is unknown: a preferred place implies its country
    return {
        "location_fit": fit,
        "location_missing": 0.0 if known else 1.0,
        "location_preferred": preferred,
        "country_preferred": preferred,
    }
