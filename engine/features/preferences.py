"""Where candidates want to work: ``preferred_locations`` as a candidate x location matrix.

A preference names a location by id, else by its normalised name (as imports resolve
references); unknown names are ignored. ``preferred_country`` marks the country of each
preferred place: a candidate who lists a city elsewhere in a country is open to moving there.

Example:
    >>> places = read_preferred_locations(store, exported)   # doctest: +SKIP
    >>> places.shape == (len(exported.ids["Candidate"]), len(exported.ids["Location"]))  # doctest: +SKIP
    True
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from loaders.pyg_export import ExportedGraph
from loaders.resolve import normalise
from loaders.stores.base import GraphStore


def read_stated(
    store: GraphStore, exported: ExportedGraph, label: str, query: str, field: str
) -> sp.csr_matrix:
    """Candidate x ``label`` 0/1 matrix of what candidates stated they prefer (rows as the
    export), from the catalog query ``query``'s ``field`` list: each entry an id of
    ``label``, else its name (normalised); unknown entries are skipped."""
    n_c = len(exported.ids["Candidate"]) if "Candidate" in exported.ids else 0
    if label not in exported.ids or n_c == 0:
        return sp.csr_matrix((n_c, len(exported.ids.get(label, []) or [])))
    known = exported.ids[label]
    by_name = {
        normalise(r["name"] or ""): known.index_of(r["id"])
        for r in store.run("node_names", label=label)
        if r["id"] in known
    }
    rows, cols = [], []
    for r in store.run(query):
        if r["id"] not in exported.ids["Candidate"]:
            continue
        row = exported.ids["Candidate"].index_of(r["id"])
        for ref in r[field] or []:
            col = known.index_of(ref) if ref in known else by_name.get(normalise(ref))
            if col is not None:
                rows.append(row)
                cols.append(col)
    matrix = sp.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(n_c, len(known)), dtype=np.float64
    )
    matrix.data[:] = 1.0
    matrix.sort_indices()
    return matrix


def read_preferred_locations(store: GraphStore, exported: ExportedGraph) -> sp.csr_matrix:
    """Candidate x location 0/1 matrix of stated location preferences (rows as the export)."""
    return read_stated(
        store, exported, "Location", "export/candidate_preferences", "preferred_locations"
    )
