"""GraphSchema: property types, metadata, and that sensitive attributes stay apart."""

from __future__ import annotations

import pytest

from graph_schema import SCHEMA, SchemaError
from graph_schema.nodes import Candidate
from graph_schema.sensitive import SENSITIVE_FIELDS
from loaders.stores import cypher


def test_property_types_come_from_the_models() -> None:
    cand = {p.name: p.type for p in SCHEMA.node("Candidate").properties}
    assert cand["reliability"] == "DOUBLE" and cand["remote_ok"] == "BOOLEAN"
    assert cand["preferred_locations"] == "STRING[]"
    assert {p.name: p.type for p in SCHEMA.node("Role").properties}["capacity"] == "INT64"


def test_unknown_label_names_the_known_ones() -> None:
    with pytest.raises(SchemaError, match="unknown node label 'Person'; known: Skill, Occupation"):
        SCHEMA.node("Person")


def test_sensitive_attributes_are_not_in_the_feature_graph() -> None:
    node_types, edge_types = SCHEMA.metadata()
    assert "SensitiveAttributes" not in node_types
    assert all("SensitiveAttributes" not in (s, d) for s, _, d in edge_types)
    assert SCHEMA.audit_labels == ("SensitiveAttributes",)
    for spec in SCHEMA.nodes:
        if not spec.audit_only:
            assert not set(spec.property_names) & set(SENSITIVE_FIELDS), spec.label
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        Candidate(id="c1", gender="female")  # type: ignore[call-arg]


def test_only_audit_queries_name_the_sensitive_label() -> None:
    for dialect in cypher.DIALECTS:
        for name in cypher.names(dialect):
            text = cypher.query(name, dialect)
            if "SensitiveAttributes" in text:
                assert name.startswith(("audit_", "upsert_sensitive")), name
