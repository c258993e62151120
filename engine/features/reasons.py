"""Short reasons of a match, read off its feature row: what a recruiter sees in a list.

At most :data:`MAX_REASONS` phrases, strongest first, each naming a fact about the pair
(skills held, location, text similarity, history of similar pairs, a close past hire of the role, a missing required skill).
They never mention a sensitive attribute: the feature row has none. Detailed explanations
(SHAP attributions, graph paths) are ``eng.explain``. :func:`adhoc_reasons` gives them for an
ad-hoc pair (``engine.features.adhoc``), zero-shot or scored by a trained model.

Example:
    >>> row = dict.fromkeys(FEATURE_NAMES, 0.0) | {"location_fit": 1.0}
    >>> feature_reasons(row, held=["python"], lacking=[], n_required=1)
    ['holds required skill python (1 of 1)', 'same location']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from engine.features.adhoc import AdhocFeatures
from engine.features.pair_features import FEATURE_NAMES

MAX_REASONS = 4
TEXT_STRONG = 0.6
CF_STRONG = 0.05
HIRES_STRONG = 0.8


def _names(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" +{len(names) - limit} more" if len(names) > limit else "")


def feature_reasons(
    row: Mapping[str, float],
    *,
    held: Sequence[str],
    lacking: Sequence[str],
    n_required: int,
) -> list[str]:
    """Phrases for one pair.

    Args:
        row: feature values by name (``FEATURE_NAMES``).
        held: names of the role's required skills the candidate holds, by importance.
        lacking: names of required skills the candidate does not hold.
        n_required: number of required skills of the role.
    """
    out: list[str] = []
    if held:
        noun = "skill" if len(held) == 1 else "skills"
        out.append(f"holds required {noun} {_names(held)} ({len(held)} of {n_required})")
    elif row["optional_coverage"] > 0.5:
        out.append("holds most of the role's optional skills")
    if lacking:
        out.append(f"lacks required {_names(lacking, 2)}")
    if row["required_coverage_similar"] > row["required_coverage"] + 0.1:
        out.append("related skills cover gaps (skill similarity)")
    if row["location_fit"] >= 1.0:
        out.append("same location")
    elif row["location_fit"] >= 0.5:
        out.append("same country")
    if not row["text_missing"] and row["text_cosine"] >= TEXT_STRONG:
        out.append(f"profile text close to the role (similarity {row['text_cosine']:.2f})")
    nearest = row.get("hist_text_nearest", float("nan"))
    if nearest >= HIRES_STRONG:  # NaN (no past hire) compares False
        out.append(f"profile close to someone this role took before (similarity {nearest:.2f})")
    if not row["cf_cold"] and row["cf_score"] >= CF_STRONG:
        out.append("similar candidates progressed on similar roles")
    return out[:MAX_REASONS]


def adhoc_reasons(found: AdhocFeatures) -> list[str]:
    """Short reasons of an ad-hoc pair (skills by normalised name, after aliases)."""
    return feature_reasons(
        {k: (0.0 if np.isnan(v) else v) for k, v in found.values.items()},
        held=list(found.required_held),
        lacking=list(found.required_lacking),
        n_required=len(found.required_held) + len(found.required_lacking),
    )


__all__ = ["FEATURE_NAMES", "adhoc_reasons", "feature_reasons"]
