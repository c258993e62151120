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

from loaders.pyg_export import ExportedGraph
from loaders.resolve import normalise
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
    n_c = len(exported.ids["Candidate"]) if "Candidate" in exported.ids else 0
    if "Domain" not in exported.ids or n_c == 0:
        return sp.csr_matrix((n_c, len(exported.ids.get("Domain", []) or [])))
    domains = exported.ids["Domain"]
    by_name = {
        normalise(r["name"] or ""): domains.index_of(r["id"])
        for r in store.run("node_names", label="Domain")
        if r["id"] in domains
    }
    rows, cols = [], []
    for r in store.run("export/candidate_domain_preferences"):
        if r["id"] not in exported.ids["Candidate"]:
            continue
        row = exported.ids["Candidate"].index_of(r["id"])
        for ref in r["preferred_domains"] or []:
            col = domains.index_of(ref) if ref in domains else by_name.get(normalise(ref))
            if col is not None:
                rows.append(row)
                cols.append(col)
    matrix = sp.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(n_c, len(domains)), dtype=np.float64
    )
    matrix.data[:] = 1.0
    matrix.sort_indices()
    return matrix
