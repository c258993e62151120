"""DDL generated from the GraphSchema: exact statements, order, and idempotent application."""

from __future__ import annotations

from graph_schema import SCHEMA
from graph_schema.ddl import ladybug_ddl, neo4j_ddl
from graph_schema.sensitive import SENSITIVE_FIELDS
from loaders.stores.base import GraphStore


def test_ladybug_ddl_exact_statements() -> None:
    ddl = ladybug_ddl(SCHEMA)
    assert len(ddl) == len(SCHEMA.nodes) + len(SCHEMA.relationships) == 17
    assert (
        "CREATE NODE TABLE IF NOT EXISTS Location(`id` STRING PRIMARY KEY, `name` STRING, "
        "`kind` STRING)" in ddl
    )
    assert (
        "CREATE REL TABLE IF NOT EXISTS HAS_SKILL(FROM Candidate TO Skill, `level` DOUBLE, "
        "`years` DOUBLE)" in ddl
    )
    assert (
        "CREATE REL TABLE IF NOT EXISTS LOCATED_IN(FROM Candidate TO Location, "
        "FROM Role TO Location, FROM Organization TO Location)" in ddl
    )
    # node tables first: a relationship table can only name existing node tables
    kinds = [s.split()[1] for s in ddl]
    assert kinds == ["NODE"] * 7 + ["REL"] * 10


def test_ladybug_ddl_types_lists_and_creates_nothing_sensitive() -> None:
    ddl = ladybug_ddl(SCHEMA)
    candidate = next(s for s in ddl if " Candidate(" in s)
    assert "`preferred_locations` STRING[]" in candidate and "`remote_ok` BOOLEAN" in candidate
    # sensitive attributes live in the sensitive store: no table, no column for them
    for ddl_text in (ladybug_ddl(SCHEMA), neo4j_ddl(SCHEMA)):
        assert not [s for s in ddl_text if "Sensitive" in s]
        assert not [s for s in ddl_text for f in SENSITIVE_FIELDS if f"`{f}`" in s or f".{f}" in s]


def test_neo4j_ddl_exact_statements() -> None:
    assert neo4j_ddl(SCHEMA) == [
        *(
            f"CREATE CONSTRAINT {label.lower()}_id_unique IF NOT EXISTS "
            f"FOR (n:{label}) REQUIRE n.id IS UNIQUE"
            for label in (
                "Skill",
                "Occupation",
                "Candidate",
                "Role",
                "Organization",
                "Location",
                "Domain",
            )
        ),
        "CREATE INDEX skill_name IF NOT EXISTS FOR (n:Skill) ON (n.name)",
        "CREATE INDEX location_name IF NOT EXISTS FOR (n:Location) ON (n.name)",
    ]


def test_ddl_applies_twice_without_error(store: GraphStore) -> None:
    # the fixture applied it once already
    store.ensure_schema()
    store.ensure_schema()
    store.upsert_nodes("Domain", [{"id": "health", "name": "Healthcare"}])
    assert store.node_counts() == {"Domain": 1}
