"""The measured sections of the manifest, the same for every world.

``shortlist``: the history's shortlist rates per gender and their impact ratios;
``fit_by_group``: the mean true fit over random pairs per sensitive group (an independence
check: the truth reads no sensitive attribute); ``ground_truth``: what the pools hold;
``proxies``: the proxy world's strength, penalties and correlations (when it is on).

Example:
    >>> shortlist({"female": 0.3, "male": 0.4, "non-binary": 0.0})["impact_ratio_female_male"]
    0.75
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from synthetic.history import BIASED_GROUP, History
from synthetic.places import Places
from synthetic.pools import Truth
from synthetic.population import AGE_BANDS, GENDERS, REFERENCE_MONTH, People
from synthetic.proxies import PENALTY, Proxies, correlations
from synthetic.world import Fit

FIT_BY_GROUP_PAIRS = 200_000


def impact_ratio(rates: dict[str, float]) -> float:
    """The biased group's shortlist rate over men's (0 when no man applied)."""
    return round(rates[BIASED_GROUP] / rates["male"], 4) if rates["male"] else 0.0


def shortlist(rates: dict[str, float]) -> dict[str, Any]:
    """The ``shortlist`` section: rates per gender, female/male and min/max impact ratios."""
    positive = [v for v in rates.values() if v > 0]
    return {
        "rates": rates,
        "impact_ratio_female_male": impact_ratio(rates),
        "impact_ratio_min_max": round(min(positive) / max(positive), 4) if positive else 0.0,
    }


def fit_by_group(
    fit: Fit, people: People, places: Places, rng: np.random.Generator
) -> dict[str, Any]:
    """Mean true fit over random pairs, per sensitive group (independence check)."""
    n = FIT_BY_GROUP_PAIRS
    c, r = rng.integers(0, people.n, n), rng.integers(0, fit.roles.n, n)
    f = fit.pairs(c, r)
    out: dict[str, Any] = {"pairs": n, "mean": round(float(f.mean()), 4)}
    out["gender"] = {
        g: round(float(f[people.gender[c] == i].mean()), 4)
        for i, g in enumerate(GENDERS)
        if (people.gender[c] == i).any()
    }
    out["age_band"] = {
        b: round(float(f[people.age_band[c] == i].mean()), 4)
        for i, b in enumerate(AGE_BANDS)
        if (people.age_band[c] == i).any()
    }
    local = people.nationality[c] == places.city_country[people.city[c]]
    out["nationality"] = {
        "of_residence_country": round(float(f[local].mean()), 4),
        "foreign": round(float(f[~local].mean()), 4) if (~local).any() else None,
    }
    return out


def ground_truth(truth: Truth, details: dict[str, Any]) -> dict[str, Any]:
    """The ``ground_truth`` section: queries per direction, a world's ``details``, grades."""
    return {
        "role_queries": len(np.unique(truth.role[truth.direction == 0])),
        "candidate_queries": len(np.unique(truth.candidate[truth.direction == 1])),
        **details,
        "relevance_counts": np.bincount(truth.relevance, minlength=4).tolist(),
    }


def proxy_manifest(
    proxies: Proxies, hist: History, gender: np.ndarray, org_ids: list[str], candidates: Path
) -> dict[str, Any]:
    """The manifest's ``proxies`` section: strength, penalties, flexible employers, each
    proxy's correlation with each group (read back from the rows), and the history's
    shortlist rate of candidates with and without a penalised proxy."""
    flex = list(dict.fromkeys(org_ids[o] for o in proxies.flex_orgs.tolist() if o >= 0))
    applied = hist.candidate[hist.stage == 0]
    listed = hist.candidate[hist.stage == 1]
    held = proxies.penalty > 0
    rates = {
        name: round(float(mask[listed].sum() / max(mask[applied].sum(), 1)), 4)
        for name, mask in (("with_proxy", held), ("without_proxy", ~held))
    }
    return {
        "strength": proxies.strength,
        "penalty": PENALTY,
        "flex_employers": flex,
        "holders": {
            g: round(float(held[gender == i].mean()), 4)
            for i, g in enumerate(GENDERS)
            if (gender == i).any()
        },
        "shortlist_rates": rates,
        "correlations": correlations(candidates, REFERENCE_MONTH, flex, proxies.penalty),
    }
