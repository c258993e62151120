"""The writer reports what the store really wrote, and a short write is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_schema.errors import StoreError
from loaders.graph_buffer import GraphBuffer
from loaders.graph_writer import Stage, write_stage
from loaders.stores.ladybug import LadybugStore


def test_an_edge_to_a_missing_node_is_a_loud_error_not_a_silent_drop(tmp_path: Path) -> None:
    with LadybugStore(tmp_path / "store") as store:
        store.ensure_schema()
        first = GraphBuffer()
        first.node("Skill", {"id": "py", "name": "Python", "aliases": []})
        first.node("Skill", {"id": "sql", "name": "SQL", "aliases": []})
        first.edge("Skill", "SIMILAR_TO", "Skill", {"src": "py", "dst": "sql", "weight": 0.5})
        nodes, rels, _, _ = write_stage(store, Stage(first), {}, {})
        assert (nodes, rels) == ({"Skill": 2}, {"SIMILAR_TO": 1})
        # SIMILAR_TO is no longer empty: the next write is an upsert, whose MATCH finds no
        # 'rust'; the store reports 1 of 2 written and the writer refuses to go on.
        second = GraphBuffer()
        second.edge("Skill", "SIMILAR_TO", "Skill", {"src": "sql", "dst": "py", "weight": 0.5})
        second.edge("Skill", "SIMILAR_TO", "Skill", {"src": "py", "dst": "rust", "weight": 0.5})
        with pytest.raises(StoreError, match=r"wrote 1 of 2 \(Skill\)-\[:SIMILAR_TO\]->\(Skill\)"):
            write_stage(store, Stage(second, digests={}), store.node_counts(), {"SIMILAR_TO": 1})
