"""The candidate-side score ``S_u``: how well a role suits the candidate, from their own signals.

Two-sided fusion (``engine.matching.fusion``) joins it with the recruiter-side merit score
``S_j``. ``S_u`` reads only what the candidate said or did and their own profile; no sensitive
attribute (they are not in the graph the runtime is built from), no recruiter decision. It is
a fixed weighted mean of five terms, each in [0, 1]:

- ``skills`` (0.30): the share of r's required skill importance c holds (one ``SIMILAR_TO``
  hop counts, as the pair feature ``required_coverage_similar``): can I do this job?
- ``location`` (0.25): 1 if r is in a place c listed, in c's own place, or remote for a
  remote-ok c; 0.5 if r is in c's country or in a country holding a place c listed; else 0
  (the pair features ``location_fit``, ``location_preferred``, ``country_preferred``).
- ``domain`` (0.15): 1 if r's domain is one c listed, 0 if c listed others, 0.5 if c listed
  none (no stated preference: neutral).
- ``profile`` (0.15): cosine of c's profile text and r's text (clipped at 0; 0 when either
  has no text vector).
- ``applications`` (0.15): 1 if c applied to r (and did not withdraw); else the highest
  cosine of r's text to the texts of the roles c applied to (clipped at 0); 0 without
  applications.

The weights are set by hand, not fitted: the score stays explainable term by term, and fitting
them to the generator's truth would fit the generator. Salary is not a term: the dataset format
carries none. A term that is the same for every role of a candidate (no stated domain, no
application) does not change that candidate's order. Deterministic: no randomness anywhere.

Example:
    >>> side = CandidateSide.from_runtime(runtime, store)       # doctest: +SKIP
    >>> X = runtime.features(cand_idx, role_idx)                  # doctest: +SKIP
    >>> side.scores(cand_idx, role_idx, X)                        # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from engine.features.domain_preferences import read_preferred_domains, role_domains
from engine.features.pair_features import FEATURE_NAMES
from engine.kernels.sparse_entries import entries
from engine.runtime.match_runtime import MatchRuntime
from graph_schema.edge_types import INTERACTED
from loaders.stores.base import GraphStore

TERMS: tuple[str, ...] = ("skills", "location", "domain", "profile", "applications")
WEIGHTS: dict[str, float] = {
    "skills": 0.30,
    "location": 0.25,
    "domain": 0.15,
    "profile": 0.15,
    "applications": 0.15,
}
NO_DOMAIN_STATED = 0.5
REASONS: dict[str, str] = {
    "location": "in a place the candidate wants to work",
    "domain": "in a domain the candidate asked for",
    "applications": "like roles the candidate applied to",
}
"""Reasons of the terms a candidate can recognise, given when the term is high (>= 0.75)."""
_COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}


def _column(X: np.ndarray, name: str) -> np.ndarray:
    return np.nan_to_num(X[:, _COLUMN[name]].astype(np.float64), nan=0.0)


def applied_roles(runtime: MatchRuntime) -> sp.csr_matrix:
    """Candidate x role 0/1: the candidate applied (``type=APPLIED``) and did not withdraw
    (``type=WITHDREW``), from the export's interaction edges."""
    exported = runtime.exported
    shape = (len(exported.ids["Candidate"]), len(exported.ids["Role"]))
    if INTERACTED not in exported.data.edge_types:
        return sp.csr_matrix(shape)
    store = exported.data[INTERACTED]
    src, dst = store.edge_index.numpy()
    names = list(getattr(store, "edge_attr_names", []))
    attr = store.edge_attr.numpy() if "edge_attr" in store else np.zeros((src.size, 0))

    def pairs(kind: str) -> sp.csr_matrix:
        name = f"type={kind}"
        mask = attr[:, names.index(name)] > 0 if name in names else np.zeros(src.size, bool)
        m = sp.csr_matrix((np.ones(mask.sum()), (src[mask], dst[mask])), shape=shape)
        m.data[:] = 1.0
        return m

    applied = pairs("APPLIED") - pairs("WITHDREW").multiply(pairs("APPLIED"))
    applied.eliminate_zeros()
    applied.sort_indices()
    return applied


@dataclass(frozen=True)
class CandidateSide:
    """What ``S_u`` reads beyond the pair features, aligned with the runtime's id maps.

    Build it with :meth:`from_runtime`.

    Attributes:
        role_domain: per role, its domain index (-1: none).
        preferred_domain: candidate x domain 0/1 of stated domain preferences (CSR).
        applied: candidate x role 0/1 of the candidate's standing applications (CSR).
        role_text: unit text vectors of the roles (rows as the ids; may be empty).
        weights: term -> weight (:data:`WEIGHTS`).
    """

    role_domain: np.ndarray
    preferred_domain: sp.csr_matrix
    applied: sp.csr_matrix
    role_text: np.ndarray
    weights: Mapping[str, float] = field(default_factory=lambda: dict(WEIGHTS))

    @classmethod
    def from_runtime(cls, runtime: MatchRuntime, store: GraphStore) -> CandidateSide:
        """Read the stated domains from ``store``; the rest from the runtime's export."""
        exported = runtime.exported
        text = runtime.text.get("Role")
        n_roles = len(exported.ids["Role"])
        if text is None or len(text) != n_roles:
            text = np.zeros((n_roles, 0), np.float32)
        return cls(
            role_domain=role_domains(exported),
            preferred_domain=read_preferred_domains(store, exported),
            applied=applied_roles(runtime),
            role_text=np.asarray(text, dtype=np.float32),
        )

    def terms(self, cand_idx: np.ndarray, role_idx: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Pairs x :data:`TERMS` matrix of term values in [0, 1].

        Args:
            cand_idx, role_idx: aligned index arrays of the pairs.
            X: their pair features (``MatchRuntime.features``; columns ``FEATURE_NAMES``).
        """
        cand_idx, role_idx = np.asarray(cand_idx), np.asarray(role_idx)
        out = np.zeros((cand_idx.size, len(TERMS)))
        out[:, 0] = np.clip(_column(X, "required_coverage_similar"), 0.0, 1.0)
        out[:, 1] = self.location(X)
        out[:, 2] = self.domain(cand_idx, role_idx)
        missing_text = _column(X, "text_missing") > 0
        out[:, 3] = np.where(missing_text, 0.0, np.clip(_column(X, "text_cosine"), 0.0, 1.0))
        out[:, 4] = self._applications(cand_idx, role_idx)
        return out

    def scores(self, cand_idx: np.ndarray, role_idx: np.ndarray, X: np.ndarray) -> np.ndarray:
        """``S_u`` of each pair: the weighted mean of :meth:`terms`."""
        return self.weighted(self.terms(cand_idx, role_idx, X))

    def weighted(self, terms: np.ndarray) -> np.ndarray:
        """``S_u`` from a :meth:`terms` matrix already computed (its weighted mean)."""
        w = np.array([self.weights[t] for t in TERMS], dtype=np.float64)
        return terms @ (w / w.sum())

    @staticmethod
    def location(X: np.ndarray) -> np.ndarray:
        """The location term of pairs from their features: 1 for a place the candidate listed,
        their own place, or remote work they accept; 0.5 for a country of one; else 0."""
        return np.maximum.reduce(
            [
                _column(X, "location_fit"),
                _column(X, "location_preferred"),
                0.5 * _column(X, "country_preferred"),
            ]
        )

    def domain(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        """The domain term of pairs: 1 for a domain the candidate listed, 0 for another,
        0.5 when they listed none."""
        stated = np.diff(self.preferred_domain.indptr)[cand_idx] > 0
        domain = self.role_domain[role_idx]
        wanted = entries(self.preferred_domain, cand_idx, np.maximum(domain, 0)) > 0
        return np.where(stated, (wanted & (domain >= 0)).astype(np.float64), NO_DOMAIN_STATED)

    def _applications(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        out = np.zeros(cand_idx.size)
        for c in np.unique(cand_idx):
            applied = self.applied.indices[self.applied.indptr[c] : self.applied.indptr[c + 1]]
            if applied.size == 0:
                continue
            at = np.flatnonzero(cand_idx == c)
            if self.role_text.shape[1]:
                sims = self.role_text[role_idx[at]] @ self.role_text[applied].T
                out[at] = np.clip(sims.max(axis=1), 0.0, 1.0)
            out[at[np.isin(role_idx[at], applied)]] = 1.0
        return out


def candidate_reasons(terms: np.ndarray) -> list[str]:
    """Short reasons of one pair's high candidate-side terms (a row of ``terms``)."""
    return [REASONS[t] for t, v in zip(TERMS, terms, strict=True) if t in REASONS and v >= 0.75]
