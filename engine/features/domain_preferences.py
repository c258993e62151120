"""Which domains candidates want to work in, and the domain of each role.

``preferred_domains`` is a list on the candidate (ids or names, as imported); a reference is
resolved by domain id, else by normalised name (as imports resolve references); unknown ones
are ignored. A role's domain is its ``IN_DOMAIN`` edge in the export (-1 when it has none).

Example:
    >>> wants = read_preferred_domains(store, exported)      # doctest: +SKIP
    >>> wants.shape == (len(exported.ids["Candidate"]), len(exported.ids["Domain"]))  # doctest: +SKIP
    True
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from engine.features.preferences import read_stated
from loaders.pyg_export import ExportedGraph
from loaders.stores.base import GraphStore

ROLE_IN_DOMAIN = ("Role", "IN_DOMAIN", "Domain")


def role_domains(exported: ExportedGraph) -> np.ndarray:
    """Per role (rows as the export): the index of its domain in ``ids["Domain"]``, else -1."""
    n_roles = len(exported.ids["Role"]) if "Role" in exported.ids else 0
    out = np.full(n_roles, -1, np.int64)
    if ROLE_IN_DOMAIN in exported.data.edge_types:
        src, dst = exported.data[ROLE_IN_DOMAIN].edge_index.numpy()
        out[src] = dst  # one domain per role; sorted edges make the last one win
    return out


def read_preferred_domains(store: GraphStore, exported: ExportedGraph) -> sp.csr_matrix:
    """Candidate x domain 0/1 matrix of stated domain preferences (rows as the export)."""
    return read_stated(
        store, exported, "Domain", "export/candidate_domain_preferences", "preferred_domains"
    )
