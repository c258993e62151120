"""DDL for each store, generated from the GraphSchema.

LadybugDB needs typed node and relationship tables; Neo4j needs uniqueness constraints on
the key and indexes on the properties queries filter by.

Example:
    >>> from graph_schema import SCHEMA
    >>> ladybug_ddl(SCHEMA)[0].startswith("CREATE NODE TABLE IF NOT EXISTS Skill(")
    True
"""

from __future__ import annotations

from graph_schema.schema import GraphSchema, PropertySpec

# Properties Neo4j indexes besides the unique key: the ones lookups filter on.
NEO4J_INDEXED: dict[str, tuple[str, ...]] = {"Skill": ("name",), "Location": ("name",)}


def _ladybug_props(props: tuple[PropertySpec, ...]) -> str:
    return "".join(f", `{p.name}` {p.type}" for p in props)


def ladybug_ddl(schema: GraphSchema) -> list[str]:
    """``CREATE NODE/REL TABLE IF NOT EXISTS`` statements, nodes first."""
    out = [
        f"CREATE NODE TABLE IF NOT EXISTS {n.label}"
        f"(`{n.key}` STRING PRIMARY KEY{_ladybug_props(n.properties)})"
        for n in schema.nodes
    ]
    for r in schema.relationships:
        pairs = ", ".join(f"FROM {s} TO {d}" for s, d in r.endpoints)
        out.append(
            f"CREATE REL TABLE IF NOT EXISTS {r.type}({pairs}{_ladybug_props(r.properties)})"
        )
    return out


def ladybug_add_column(label: str, prop: PropertySpec) -> str:
    """Migration: add a property a newer schema defines to an existing LadybugDB table."""
    return f"ALTER TABLE {label} ADD `{prop.name}` {prop.type}"


def neo4j_ddl(schema: GraphSchema) -> list[str]:
    """Uniqueness constraints on every label's key and range indexes on lookup properties."""
    out = [
        f"CREATE CONSTRAINT {n.label.lower()}_{n.key}_unique IF NOT EXISTS "
        f"FOR (n:{n.label}) REQUIRE n.{n.key} IS UNIQUE"
        for n in schema.nodes
    ]
    for label, props in NEO4J_INDEXED.items():
        for prop in props:
            out.append(
                f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
            )
    return out
