"""Writing a GraphBuffer to a store: bulk where the store is empty, MERGE elsewhere.

A label or relationship type with no rows in the store yet is bulk-loaded (COPY on
LadybugDB); anything else goes through the catalog's batched upserts. The edges of changed
candidates and roles are deleted first, so a changed row replaces what it owned instead of
accumulating; and since every candidate or role row that reaches the writer is new or
changed (unchanged rows are skipped upstream), what such rows own is new too, and is
bulk-loaded even into a non-empty store.

Sensitive attributes go to the sensitive store, not the graph (``loaders.sensitive_store``),
first in the stage: in one transaction there, the rows of removed and changed candidates
are deleted and the stage's rows written (a changed row replaces its attributes: one it
leaves out is gone). Removed candidates lose their attributes before their nodes.

Crash safety: candidate and role nodes are written with an empty ``row_hash``; a row's
digest is committed only after everything of its stage is stored, sensitive attributes
included (``Stage.digests``, last). Each statement and each sensitive-store transaction is
atomic, so whenever a process dies, a row whose digest is stored has everything it owns,
and a row without one is seen as changed by the next import, which deletes what it owned
and writes it again; attributes written for a candidate whose node never was are deleted
by the next import (``ImportJob`` keeps only the graph's candidates there). A re-run after
a crash at any moment gives the graph and the sensitive store a clean run gives.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from tqdm import tqdm

from graph_schema.errors import StoreError
from loaders.graph_buffer import GraphBuffer
from loaders.stores.base import GraphStore

# Edges a candidate or role row owns: replaced, not accumulated, when the row changes.
OWNED_EDGES: dict[str, tuple[str, ...]] = {
    "Candidate": ("HAS_SKILL", "WORKED_AT", "LOCATED_IN"),
    "Role": ("REQUIRES_SKILL", "LOCATED_IN", "OFFERED_BY", "IN_DOMAIN", "OF_OCCUPATION"),
}


@dataclass
class Stage:
    """One stage of an import for the writer: the buffer and what goes around it.

    Attributes:
        buffer: nodes and edges to write.
        changed: ids per label of stored rows that changed (what they own is replaced).
        removed: ids per label to remove with their relationships (after the writes).
        digests: (id, row digest) per label, committed after everything else.
    """

    buffer: GraphBuffer
    changed: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    digests: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


SHORT_WRITE = (
    "the store wrote {written:,} of {expected:,} {what}: an endpoint is missing from the "
    "graph; nothing after this was written and row digests were not committed, so the next "
    "import retries"
)


def _check_written(what: str, written: int, expected: int) -> None:
    """Raise StoreError when the store wrote fewer rows than it was given (never silent)."""
    if written != expected:
        raise StoreError(SHORT_WRITE.format(written=written, expected=expected, what=what))


def write_stage(
    store: GraphStore,
    stage: Stage,
    before: dict[str, int],
    rel_before: dict[str, int],
    bulk: bool = True,
    progress: bool = False,
) -> tuple[dict[str, int], dict[str, int], list[str], float]:
    """Write one stage: sensitive attributes, replaced edges, nodes, edges, removals (with
    their attributes), then the row digests.

    Returns:
        (nodes written per label, edges per type, bulk-loaded names, seconds spent writing).

    Args:
        store: the target store.
        stage: what to write.
        before: node counts per label in the store before this import.
        rel_before: relationship counts per type before this import.
        bulk: allow bulk loading into empty labels and types.
        progress: show progress bars.
    """
    started = time.perf_counter()
    buffer = stage.buffer
    nodes: dict[str, int] = {}
    rels: Counter[str] = Counter()
    bulk_loaded: list[str] = []
    replaced = [*stage.removed.get("Candidate", ()), *stage.changed.get("Candidate", ())]
    sensitive = buffer.sensitive_table()
    if replaced or sensitive is not None:
        store.sensitive_store.replace(replaced, sensitive)
    for label, ids in stage.changed.items():
        for rel_type in OWNED_EDGES[label]:
            store.delete_outgoing(label, rel_type, ids)
    for label in tqdm(list(buffer.nodes), desc="write nodes", disable=not progress, leave=False):
        if bulk and not before.get(label):
            nodes[label] = store.bulk_nodes(label, buffer.node_table(label))
            bulk_loaded.append(label)
        else:
            nodes[label] = store.upsert_nodes(label, buffer.node_table(label))
    empty_types = {t for t in {k[1] for k in buffer.edges} if bulk and not rel_before.get(t)}
    groups = [group for group, _ in buffer.edge_groups()]
    for src, rel_type, dst in tqdm(
        groups, desc="write relationships", disable=not progress, leave=False
    ):
        table = buffer.edge_table((src, rel_type, dst))
        if rel_type in empty_types or (bulk and rel_type in OWNED_EDGES.get(src, ())):
            written = store.bulk_edges(rel_type, src, dst, table)
            if rel_type not in bulk_loaded:
                bulk_loaded.append(rel_type)
        else:
            written = store.upsert_edges(rel_type, src, table)
        _check_written(f"({src})-[:{rel_type}]->({dst}) relationships", written, table.num_rows)
        rels[rel_type] += written
    # Removals come after the writes: a person whose earlier row of this same import was
    # written, and whose later row describes a minor, is removed with everything written.
    for label, ids in stage.removed.items():
        store.remove_nodes(label, ids)  # a candidate's sensitive attributes with it
    for label, rows in stage.digests.items():
        if rows:
            _check_written(f"{label} row digests", store.commit_row_hashes(label, rows), len(rows))
    return nodes, dict(rels), bulk_loaded, time.perf_counter() - started
