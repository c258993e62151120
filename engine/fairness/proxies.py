"""Proxy screening: which model features carry a sensitive attribute.

No feature *is* a sensitive attribute (they live apart, in the audit-only store), but a
feature can still stand in for one: attendance lowered by caring duties carries gender, years
of experience carry the age band. Training measures, for every feature column, how much of
its variance the groups of each audited attribute explain (the correlation ratio eta,
Pearson 1905: ``sqrt(between-group sum of squares / total sum of squares)``, in [0, 1]; for two
groups it is the absolute point-biserial correlation). A column whose eta reaches
``threshold`` for any attribute is a *proxy*: the model's manifest lists it, explanations never
give it as a reason, and the auditor sees the whole table.

The groups are handed in (candidate id -> group, read by ``engine.audit``); this
module reads no store. Missing values (NaN) are left out per column; a column with fewer than
``min_rows`` known values, or constant, gets eta 0.

Example:
    >>> X = np.array([[0.9, 1.0], [0.8, 0.0], [0.2, 1.0], [0.1, 0.0]])
    >>> groups = {"gender": ["f", "f", "m", "m"]}
    >>> screen = screen_proxies(X, ["attendance", "noise"], groups, min_rows=2)
    >>> screen.proxies, round(screen.eta["attendance"]["gender"], 2)
    (('attendance',), 0.99)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.options import TRAIN_DEFAULTS
from graph_schema.errors import ConfigError
from graph_schema.params import out_of_range

DEFAULT_THRESHOLD = TRAIN_DEFAULTS.proxy_threshold
"""eta at which a feature counts as a proxy: the groups explain 4 % of its variance."""
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ProxyScreen:
    """The screen's result.

    Attributes:
        eta: feature -> attribute -> correlation ratio (0 where undefined).
        threshold: the eta at which a feature is flagged.
        proxies: flagged features, strongest first.
    """

    eta: dict[str, dict[str, float]]
    threshold: float
    proxies: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready (for the model's manifest)."""
        return {"threshold": self.threshold, "proxies": list(self.proxies), "eta": self.eta}


def correlation_ratio(values: np.ndarray, groups: Sequence[Hashable], min_rows: int = 20) -> float:
    """eta of ``values`` by ``groups`` (aligned); unknown groups and NaN values left out."""
    x = np.asarray(values, dtype=np.float64)
    labels = np.asarray([str(g) for g in groups], dtype=object)
    keep = ~np.isnan(x) & (labels != UNKNOWN)
    x, labels = x[keep], labels[keep]
    if x.size < min_rows:
        return 0.0
    total = float(((x - x.mean()) ** 2).sum())
    if total <= 1e-12:
        return 0.0
    _, codes = np.unique(labels, return_inverse=True)
    sums = np.bincount(codes, weights=x)
    counts = np.bincount(codes)
    between = float((sums**2 / counts).sum() - x.sum() ** 2 / x.size)
    return math.sqrt(min(1.0, max(0.0, between / total)))


def screen_proxies(
    X: np.ndarray,
    feature_names: Sequence[str],
    groups: Mapping[str, Sequence[Hashable]],
    threshold: float = DEFAULT_THRESHOLD,
    min_rows: int = 20,
) -> ProxyScreen:
    """eta of every column of ``X`` for every attribute; the columns at ``threshold`` flagged.

    Args:
        X: ``(rows, features)``; one row per candidate (or per pair, rows repeating a
            candidate's group).
        feature_names: the column names.
        groups: attribute -> group of each row (aligned with ``X``).
        threshold: in (0, 1].
        min_rows: fewer known values than this give eta 0 (too little to judge).

    Raises:
        ConfigError: a bad threshold or misaligned inputs.
    """
    if not 0 < threshold <= 1:
        raise out_of_range("threshold of screen_proxies", "in (0, 1]", threshold)
    if X.shape[1] != len(feature_names):
        raise ConfigError(f"X has {X.shape[1]} columns but {len(feature_names)} feature names")
    eta: dict[str, dict[str, float]] = {}
    for j, name in enumerate(feature_names):
        eta[name] = {}
        for attribute, labels in groups.items():
            if len(labels) != X.shape[0]:
                raise ConfigError(f"groups[{attribute!r}] has {len(labels)} rows, X {X.shape[0]}")
            eta[name][attribute] = round(correlation_ratio(X[:, j], labels, min_rows), 4)
    strongest = {name: max(by.values(), default=0.0) for name, by in eta.items()}
    flagged = sorted(
        (n for n, v in strongest.items() if v >= threshold), key=lambda n: (-strongest[n], n)
    )
    return ProxyScreen(eta=eta, threshold=threshold, proxies=tuple(flagged))
