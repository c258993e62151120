"""GraphSchema: property types, metadata, and that sensitive attributes are not in the graph."""

from __future__ import annotations

from importlib import resources

import pytest

from graph_schema import SCHEMA, SchemaError
from graph_schema.edge_types import ENGINE_EDGE_TYPES
from graph_schema.nodes import Candidate
from graph_schema.sensitive import SENSITIVE_FIELDS, SensitiveAttributes

LEGACY_LABEL = "SensitiveAttributes"


def test_property_types_come_from_the_models() -> None:
    cand = {p.name: p.type for p in SCHEMA.node("Candidate").properties}
    assert cand["reliability"] == "DOUBLE" and cand["remote_ok"] == "BOOLEAN"
    assert cand["preferred_locations"] == "STRING[]"
    assert {p.name: p.type for p in SCHEMA.node("Role").properties}["capacity"] == "INT64"


def test_the_engine_edge_types_are_edge_types_of_the_schema() -> None:
    assert set(ENGINE_EDGE_TYPES) <= set(SCHEMA.edge_types())


def test_unknown_label_names_the_known_ones() -> None:
    with pytest.raises(SchemaError, match="unknown node label 'Person'; known: Skill, Occupation"):
        SCHEMA.node("Person")


def test_sensitive_attributes_are_not_in_the_graph_schema() -> None:
    node_types, edge_types = SCHEMA.metadata()
    assert node_types == [n.label for n in SCHEMA.nodes]
    assert LEGACY_LABEL not in node_types
    assert all(LEGACY_LABEL not in (s, d) for s, _, d in edge_types)
    with pytest.raises(SchemaError, match="unknown node label 'SensitiveAttributes'"):
        SCHEMA.node(LEGACY_LABEL)
    for spec in SCHEMA.nodes:
        assert not set(spec.property_names) & set(SENSITIVE_FIELDS), spec.label
    for rel in SCHEMA.relationships:
        assert not set(rel.property_names) & set(SENSITIVE_FIELDS), rel.type
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        Candidate(id="c1", gender="female")  # type: ignore[call-arg]
    assert SENSITIVE_FIELDS == ("gender", "age_band", "ethnicity", "disability", "nationality")
    assert tuple(SensitiveAttributes.model_fields) == ("id", *SENSITIVE_FIELDS)


def _cypher_files() -> dict[str, str]:
    """Every .cypher file of the catalog (shared, per dialect, every folder), by path."""
    out, todo = {}, [resources.files("cypher")]
    while todo:
        for path in todo.pop().iterdir():
            if path.is_dir():
                todo.append(path)
            elif path.name.endswith(".cypher"):
                out[str(path).split("cypher/", 1)[-1]] = path.read_text(encoding="utf-8")
    return out


def test_only_migrations_name_the_old_label_and_no_query_a_sensitive_field() -> None:
    """The graph holds no sensitive attribute; the one mention of the old label is the
    migration that moves an older store's nodes out of the graph."""
    files = _cypher_files()
    assert len(files) > 60
    naming = sorted(name for name, text in files.items() if LEGACY_LABEL in text)
    assert naming == [
        "ladybug/migrate/drop_legacy_sensitive.cypher",
        "ladybug/migrate/legacy_sensitive_rows.cypher",
        "neo4j/migrate/drop_legacy_sensitive.cypher",
        "neo4j/migrate/legacy_sensitive_present.cypher",
        "neo4j/migrate/legacy_sensitive_rows.cypher",
        "neo4j/migrate/remove_legacy_sensitive.cypher",
    ]
    for name, text in files.items():
        if "/migrate/" not in name:
            body = "\n".join(x for x in text.splitlines() if not x.lstrip().startswith("//"))
            assert not [f for f in SENSITIVE_FIELDS if f in body], name
