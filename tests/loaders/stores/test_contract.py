"""The GraphStore contract, run on every backend through the ``store`` fixture.

Each test writes a handful of hand-made rows and asserts exact counts and values, so the
embedded LadybugDB store and Neo4j are held to the same behaviour: MERGE idempotency, the
relationship keys (WORKED_AT by start_date, INTERACTED by type), bulk loads, the sensitive
store beside the graph (no Cypher reaches it; the audit read is the one way in; the old
in-graph label is migrated out), read-only exploration (the store itself refuses a write
unless ``write=True``) and query plans without cross products.
"""

from __future__ import annotations

import stat
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from graph_schema import SCHEMA
from graph_schema.errors import (
    QueryNotFoundError,
    ReadOnlyError,
    SchemaError,
    SensitiveAccessError,
    StatementRefusedError,
    StoreError,
    StoreUnavailableError,
)
from graph_schema.sensitive import SENSITIVE_FIELDS
from loaders.sensitive_store import SENSITIVE_FILE, SENSITIVE_REFUSED
from loaders.stores import cypher, open_store
from loaders.stores.arrow import edge_table
from loaders.stores.base import WRITE_REFUSED, GraphStore, edge_query_name
from loaders.stores.ladybug import LadybugStore
from loaders.stores.neo4j import Neo4jStore, plan_operators

# One sample node per label, with a distinctive value for some properties.
NODE_ROWS: dict[str, dict[str, object]] = {
    "Skill": {"name": "Python", "aliases": ["py", "python3"], "skill_type": "knowledge"},
    "Occupation": {"name": "Nurse", "isco_group": "2221"},
    "Candidate": {
        "headline": "Care worker",
        "reliability": 0.9,
        "remote_ok": True,
        "preferred_locations": ["berlin"],
        "row_hash": "h1",
    },
    "Role": {"title": "Night nurse", "capacity": 2, "remote": False, "row_hash": "r1"},
    "Organization": {"name": "Charite"},
    "Location": {"name": "Berlin", "kind": "city"},
    "Domain": {"name": "Healthcare"},
}
# One sample property set per relationship type.
EDGE_PROPS: dict[str, dict[str, object]] = {
    "HAS_SKILL": {"level": 0.8, "years": 3.0},
    "REQUIRES_SKILL": {"importance": 0.7, "required": True},
    "SIMILAR_TO": {"weight": 0.5},
    "WORKED_AT": {
        "title": "Nurse",
        "domain": "health",
        "start_date": "2019-01",
        "end_date": "2021-06",
    },
    "INTERACTED": {"type": "APPLIED", "actor": "candidate", "at": "2025-01-02T10:00:00"},
}
# Relationships per type after one edge of every (src, REL, dst) in the schema.
EXPECTED_RELATIONSHIPS = {
    "HAS_SKILL": 1,
    "REQUIRES_SKILL": 2,
    "SIMILAR_TO": 1,
    "LOCATED_IN": 3,
    "PART_OF": 1,
    "WORKED_AT": 1,
    "OFFERED_BY": 1,
    "IN_DOMAIN": 3,
    "OF_OCCUPATION": 1,
    "INTERACTED": 1,
}
# How each store's plan text names a cross product.
CROSS_PRODUCT = {"ladybug": "CROSS_PRODUCT", "neo4j": "CartesianProduct"}


def node_id(label: str, n: int = 1) -> str:
    return f"{label.lower()}-{n}"


def props_of(store: GraphStore, label: str) -> list[dict[str, object]]:
    """Every node of ``label`` with all its schema properties, by id."""
    spec = SCHEMA.node(label)
    columns = ", ".join(f"n.{p} AS {p}" for p in ("id", *spec.property_names))
    return store.run_text(f"MATCH (n:{label}) RETURN {columns} ORDER BY id")


def edges_of(store: GraphStore, src: str, rel: str, dst: str, *props: str) -> list[dict]:
    """(src id, dst id, props...) of every ``rel`` edge between the two labels, sorted."""
    columns = "".join(f", r.{p} AS {p}" for p in props)
    return store.run_text(
        f"MATCH (a:{src})-[r:{rel}]->(b:{dst}) RETURN a.id AS src, b.id AS dst{columns} "
        f"ORDER BY src, dst{''.join(f', {p}' for p in props)}"
    )


def add_all_nodes(store: GraphStore, per_label: int = 2) -> None:
    for label, row in NODE_ROWS.items():
        store.upsert_nodes(
            label, [{"id": node_id(label, n), **row} for n in range(1, per_label + 1)]
        )


def edge_row(rel: str, src: str, dst: str, **extra: object) -> dict[str, object]:
    return {"src": node_id(src, 1), "dst": node_id(dst, 2), **EDGE_PROPS.get(rel, {}), **extra}


# -- nodes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("label", list(NODE_ROWS))
def test_node_upsert_round_trips_every_property(store: GraphStore, label: str) -> None:
    rows = [{"id": node_id(label, 1), **NODE_ROWS[label]}, {"id": node_id(label, 2)}]
    assert store.upsert_nodes(label, rows) == 2
    assert store.node_counts() == {label: 2}
    names = SCHEMA.node(label).property_names
    assert props_of(store, label) == [
        {"id": row["id"], **{p: row.get(p) for p in names}} for row in rows
    ]


def test_schema_covers_every_label() -> None:
    assert set(NODE_ROWS) == {n.label for n in SCHEMA.nodes}


def test_node_upsert_is_idempotent_and_updates_in_place(store: GraphStore) -> None:
    rows = [{"id": "python", "name": "Python"}, {"id": "sql", "name": "SQL"}]
    store.upsert_nodes("Skill", rows)
    store.upsert_nodes("Skill", rows)
    assert store.node_counts() == {"Skill": 2}
    store.upsert_nodes("Skill", [{"id": "sql", "name": "Structured Query Language"}])
    assert store.node_counts() == {"Skill": 2}
    assert [(r["id"], r["name"]) for r in props_of(store, "Skill")] == [
        ("python", "Python"),
        ("sql", "Structured Query Language"),
    ]


def test_node_ids_and_hashes(store: GraphStore) -> None:
    store.upsert_nodes("Candidate", [{"id": "c2"}, {"id": "c1", "row_hash": "abc"}])
    assert sorted(store.node_ids("Candidate")) == ["c1", "c2"]
    assert store.node_ids("Role") == []
    assert store.node_hashes("Candidate") == {"c1": "abc", "c2": None}


# -- relationships --------------------------------------------------------------------------
def test_every_edge_type_is_upserted_and_counted(store: GraphStore) -> None:
    add_all_nodes(store)
    for src, rel, dst in SCHEMA.edge_types():
        assert store.upsert_edges(rel, src, [edge_row(rel, src, dst)]) == 1
    assert store.relationship_counts() == EXPECTED_RELATIONSHIPS
    assert sum(EXPECTED_RELATIONSHIPS.values()) == len(SCHEMA.edge_types())
    for src, rel, dst in SCHEMA.edge_types():
        props = tuple(EDGE_PROPS.get(rel, {}))
        expected = {"src": node_id(src, 1), "dst": node_id(dst, 2), **EDGE_PROPS.get(rel, {})}
        assert edges_of(store, src, rel, dst, *props) == [expected], (src, rel, dst)


def test_edge_upsert_is_idempotent_and_updates_in_place(store: GraphStore) -> None:
    add_all_nodes(store)
    rows = [
        edge_row("HAS_SKILL", "Candidate", "Skill"),
        {"src": "candidate-2", "dst": "skill-2", "level": 0.2, "years": 1.0},
    ]
    store.upsert_edges("HAS_SKILL", "Candidate", rows)
    store.upsert_edges("HAS_SKILL", "Candidate", rows)
    assert store.relationship_counts() == {"HAS_SKILL": 2}
    store.upsert_edges(
        "HAS_SKILL",
        "Candidate",
        [{"src": "candidate-2", "dst": "skill-2", "level": 0.6, "years": 2.0}],
    )
    assert store.relationship_counts() == {"HAS_SKILL": 2}
    assert edges_of(store, "Candidate", "HAS_SKILL", "Skill", "level", "years") == [
        {"src": "candidate-1", "dst": "skill-2", "level": 0.8, "years": 3.0},
        {"src": "candidate-2", "dst": "skill-2", "level": 0.6, "years": 2.0},
    ]


def test_worked_at_is_keyed_by_start_date(store: GraphStore) -> None:
    store.upsert_nodes("Candidate", [{"id": "c1"}])
    store.upsert_nodes("Organization", [{"id": "o1", "name": "Charite"}])
    stints = [
        {
            "src": "c1",
            "dst": "o1",
            "title": "Nurse",
            "start_date": "2015-01",
            "end_date": "2017-12",
        },
        {"src": "c1", "dst": "o1", "title": "Head nurse", "start_date": "2020-03"},
    ]
    store.upsert_edges("WORKED_AT", "Candidate", stints)
    store.upsert_edges("WORKED_AT", "Candidate", stints)
    assert store.relationship_counts() == {"WORKED_AT": 2}
    store.upsert_edges("WORKED_AT", "Candidate", [{**stints[1], "end_date": "2024-01"}])
    assert edges_of(
        store, "Candidate", "WORKED_AT", "Organization", "start_date", "title", "end_date"
    ) == [
        {
            "src": "c1",
            "dst": "o1",
            "start_date": "2015-01",
            "title": "Nurse",
            "end_date": "2017-12",
        },
        {
            "src": "c1",
            "dst": "o1",
            "start_date": "2020-03",
            "title": "Head nurse",
            "end_date": "2024-01",
        },
    ]


def test_interacted_is_keyed_by_type(store: GraphStore) -> None:
    store.upsert_nodes("Candidate", [{"id": "c1"}])
    store.upsert_nodes("Role", [{"id": "r1", "title": "Nurse"}])
    steps = [
        {"src": "c1", "dst": "r1", "type": "APPLIED", "actor": "candidate", "at": "2025-01-01"},
        {"src": "c1", "dst": "r1", "type": "HIRED", "actor": "recruiter", "at": "2025-02-01"},
    ]
    store.upsert_edges("INTERACTED", "Candidate", steps)
    store.upsert_edges("INTERACTED", "Candidate", [{**steps[0], "at": "2025-01-05"}])
    assert store.relationship_counts() == {"INTERACTED": 2}
    assert edges_of(store, "Candidate", "INTERACTED", "Role", "type", "actor", "at") == [
        {"src": "c1", "dst": "r1", "type": "APPLIED", "actor": "candidate", "at": "2025-01-05"},
        {"src": "c1", "dst": "r1", "type": "HIRED", "actor": "recruiter", "at": "2025-02-01"},
    ]


def test_delete_outgoing_removes_only_those_edges(store: GraphStore) -> None:
    store.upsert_nodes("Candidate", [{"id": "c1"}, {"id": "c2"}])
    store.upsert_nodes("Skill", [{"id": "s1", "name": "A"}, {"id": "s2", "name": "B"}])
    store.upsert_nodes("Organization", [{"id": "o1", "name": "O"}])
    store.upsert_edges(
        "HAS_SKILL",
        "Candidate",
        [
            {"src": "c1", "dst": "s1"},
            {"src": "c1", "dst": "s2"},
            {"src": "c2", "dst": "s1"},
        ],
    )
    store.upsert_edges("WORKED_AT", "Candidate", [{"src": "c1", "dst": "o1", "start_date": "2020"}])
    store.delete_outgoing("Candidate", "HAS_SKILL", ["c1"])
    assert store.relationship_counts() == {"HAS_SKILL": 1, "WORKED_AT": 1}
    assert edges_of(store, "Candidate", "HAS_SKILL", "Skill") == [{"src": "c2", "dst": "s1"}]
    assert store.node_counts() == {"Candidate": 2, "Skill": 2, "Organization": 1}


# -- bulk loads -----------------------------------------------------------------------------
def test_bulk_nodes_and_edges(store: GraphStore) -> None:
    skills = pa.table(
        {"id": ["s1", "s2", "s3"], "name": ["A", "B", "C"], "aliases": [["a"], [], None]}
    )
    assert store.bulk_nodes("Skill", skills) == 3
    assert store.bulk_nodes("Candidate", pa.table({"id": ["c1", "c2"]})) == 2
    assert store.bulk_nodes("Role", [{"id": "r1", "title": "T", "capacity": 3}]) == 1
    assert store.bulk_nodes("Location", pa.table({"id": pa.array([], pa.string())})) == 0
    has_skill = pa.table(
        {
            "src": ["c1", "c1", "c2"],
            "dst": ["s1", "s2", "s1"],
            "level": [0.5, 0.25, 1.0],
            "years": [1.0, None, 4.0],
        }
    )
    assert store.bulk_edges("HAS_SKILL", "Candidate", "Skill", has_skill) == 3
    requires = pa.table({"src": ["r1"], "dst": ["s3"], "importance": [0.9], "required": [True]})
    assert store.bulk_edges("REQUIRES_SKILL", "Role", "Skill", requires) == 1
    assert store.node_counts() == {"Skill": 3, "Candidate": 2, "Role": 1}
    assert store.relationship_counts() == {"HAS_SKILL": 3, "REQUIRES_SKILL": 1}
    assert edges_of(store, "Candidate", "HAS_SKILL", "Skill", "level", "years") == [
        {"src": "c1", "dst": "s1", "level": 0.5, "years": 1.0},
        {"src": "c1", "dst": "s2", "level": 0.25, "years": None},
        {"src": "c2", "dst": "s1", "level": 1.0, "years": 4.0},
    ]
    assert edges_of(store, "Role", "REQUIRES_SKILL", "Skill", "importance", "required") == [
        {"src": "r1", "dst": "s3", "importance": 0.9, "required": True},
    ]
    assert [r["aliases"] or [] for r in props_of(store, "Skill")] == [["a"], [], []]


def test_bulk_edges_rejects_a_pair_the_type_does_not_link(store: GraphStore) -> None:
    with pytest.raises(SchemaError, match="HAS_SKILL does not link Role to Skill"):
        store.bulk_edges("HAS_SKILL", "Role", "Skill", pa.table({"src": ["r"], "dst": ["s"]}))


# -- sensitive attributes: their own store, out of the graph's reach --------------------------
# Distinctive values: a dump of the graph that holds none of them holds no sensitive value.
PRIVATE = {
    "c1": {"gender": "Zebrafemme", "age_band": "25-34", "nationality": "Wombatian"},
    "c2": {"ethnicity": "Quokkan", "disability": "Numbatic"},
}
# The query that walked around the old text guard, and everything in the graph, per dialect.
WALKAROUND = {
    "ladybug": 'MATCH (n) WHERE label(n) = "Sensitive" + "Attributes" RETURN n',
    "neo4j": 'MATCH (n) WHERE "Sensitive" + "Attributes" IN labels(n) RETURN n',
}
EVERYTHING = ("MATCH (n) RETURN n", "MATCH (n) RETURN n.*", "MATCH ()-[r]->() RETURN r")


def rows_of(sensitive: dict[str, dict[str, str]]) -> list[dict[str, str | None]]:
    """What the audit read returns for ``sensitive``: every attribute, by id."""
    return [{"id": i, **dict.fromkeys(SENSITIVE_FIELDS), **v} for i, v in sorted(sensitive.items())]


def add_private_candidates(store: GraphStore) -> None:
    store.upsert_nodes("Candidate", [{"id": i, "headline": "Nurse"} for i in PRIVATE])
    store.sensitive_store.upsert([{"id": i, **v} for i, v in PRIVATE.items()])


def test_sensitive_attributes_only_through_the_audit_read(store: GraphStore) -> None:
    add_private_candidates(store)
    assert store.read_sensitive("audit") == rows_of(PRIVATE)
    for purpose in ("feature", "explore"):
        with pytest.raises(SensitiveAccessError) as info:
            store.read_sensitive(purpose)
        assert str(info.value) == SENSITIVE_REFUSED.format(purpose=purpose)


def test_the_graph_holds_no_sensitive_data(store: GraphStore) -> None:
    """The query that walked around the old guard, and every node and relationship of the
    graph, return no sensitive value: there is none in the graph to return."""
    add_private_candidates(store)
    add_all_nodes(store)
    for src, rel, dst in SCHEMA.edge_types():
        store.upsert_edges(rel, src, [edge_row(rel, src, dst)])
    assert store.run_text(WALKAROUND[store.dialect]) == []
    seen = repr([store.run_text(text) for text in EVERYTHING])
    assert "candidate-1" in seen and "c1" in seen  # the dump does see the graph
    values = [v for attrs in PRIVATE.values() for v in attrs.values()]
    assert [v for v in values if v in seen] == []
    assert set(store.node_counts()) == {n.label for n in SCHEMA.nodes}
    assert store.read_sensitive("audit") == rows_of(PRIVATE)  # still there, apart


def test_cypher_that_writes_cannot_reach_the_sensitive_store(store: GraphStore) -> None:
    add_private_candidates(store)
    store.run_text("MATCH (n) DETACH DELETE n", write=True)
    assert store.node_counts() == {}
    assert store.read_sensitive("audit") == rows_of(PRIVATE)


def test_sensitive_rows_replace_delete_and_follow_removed_candidates(store: GraphStore) -> None:
    add_private_candidates(store)
    sensitive = store.sensitive_store
    # a changed candidate's row replaces its attributes: one it leaves out is gone
    assert sensitive.replace(["c1"], [{"id": "c1", "gender": "female"}]) == 1
    assert store.read_sensitive("audit") == rows_of({**PRIVATE, "c1": {"gender": "female"}})
    assert sensitive.upsert([{"id": "c3", "age_band": "65+"}]) == 1
    assert sensitive.ids() == ["c1", "c2", "c3"]
    assert sensitive.keep_only({"c1", "c2"}) == 1  # c3 is no candidate of the graph
    store.remove_nodes("Candidate", ["c1"])
    assert store.node_ids("Candidate") == ["c2"]
    assert store.read_sensitive("audit") == rows_of({"c2": PRIVATE["c2"]})
    assert sensitive.delete(["c2", "nobody"]) == 1
    assert store.read_sensitive("audit") == []


def test_sensitive_rows_are_checked(store: GraphStore) -> None:
    with pytest.raises(SchemaError, match=r"^sensitive rows: unknown column\(s\) \['religion'\]"):
        store.sensitive_store.upsert([{"id": "c1", "religion": "x"}])
    with pytest.raises(SchemaError) as info:
        store.sensitive_store.upsert([{"id": "c1", "gender": 12345}])
    assert "12345" not in str(info.value)  # a sensitive value is never quoted
    with pytest.raises(SchemaError, match="every row needs a non-empty id"):
        store.sensitive_store.upsert([{"gender": "female"}])
    assert store.read_sensitive("audit") == []


def test_the_sensitive_store_is_a_private_file_outside_the_graph(
    store: GraphStore, tmp_path: Path
) -> None:
    add_private_candidates(store)
    path = store.sensitive_store.path
    if store.dialect == "ladybug":
        assert path == tmp_path / "store" / SENSITIVE_FILE
    else:  # the conftest's sensitive_dir; one file per server and database
        assert path.parent == tmp_path / "sensitive"
        assert path.name.endswith("-default.sqlite") and path.name.count("-") >= 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_drop_all_empties_the_sensitive_store(store: GraphStore) -> None:
    add_private_candidates(store)
    store.drop_all()
    assert store.read_sensitive("audit") == []


# What an older talentgraph wrote: the attributes as nodes of an audit-only label.
LEGACY = {
    "ladybug": (
        "CREATE NODE TABLE SensitiveAttributes(`id` STRING PRIMARY KEY, `gender` STRING, "
        "`age_band` STRING, `ethnicity` STRING, `disability` STRING, `nationality` STRING)"
    ),
    "neo4j": (
        "CREATE CONSTRAINT sensitiveattributes_id_unique IF NOT EXISTS "
        "FOR (n:SensitiveAttributes) REQUIRE n.id IS UNIQUE"
    ),
}
LEGACY_ROWS = (
    "UNWIND $rows AS row CREATE (:SensitiveAttributes {id: row.id, gender: row.gender, "
    "age_band: row.age_band, ethnicity: row.ethnicity, disability: row.disability, "
    "nationality: row.nationality})"
)
LEGACY_LISTING = {
    "ladybug": "CALL SHOW_TABLES() RETURN name",
    "neo4j": "SHOW CONSTRAINTS YIELD name RETURN name",
}


def test_ensure_schema_moves_the_old_label_into_the_sensitive_store(store: GraphStore) -> None:
    """A store of an older talentgraph: its SensitiveAttributes nodes move to the sensitive
    store, and the label (LadybugDB: the table; Neo4j: the nodes and their constraint) is
    gone, so that no Cypher reaches them; a second ensure_schema changes nothing."""
    add_private_candidates(store)
    store.sensitive_store.delete(list(PRIVATE))
    store._execute(LEGACY[store.dialect])  # DDL: ad-hoc Cypher refuses it, even with write
    store.run_text(LEGACY_ROWS, {"rows": rows_of(PRIVATE)}, write=True)
    assert len(store.run_text(WALKAROUND[store.dialect])) == 2  # the walk-around worked
    store.batch_size = 1  # Neo4j moves batch by batch
    store.ensure_schema()
    assert store.read_sensitive("audit") == rows_of(PRIVATE)
    assert store.run_text(WALKAROUND[store.dialect]) == []
    listing = repr(store.run_text(LEGACY_LISTING[store.dialect]))
    assert "SensitiveAttributes" not in listing and "sensitiveattributes" not in listing
    seen = repr([store.run_text(text) for text in EVERYTHING])
    assert not [v for attrs in PRIVATE.values() for v in attrs.values() if v in seen]
    assert store.node_ids("Candidate") == ["c1", "c2"]
    store.ensure_schema()
    assert store.read_sensitive("audit") == rows_of(PRIVATE)


# -- read-only exploration ------------------------------------------------------------------
# Writes that a read (no write=True) must not get through, however the text is dressed up.
# ``{csv}`` is a one-line CSV file of candidate ids; None: the dialect has no such statement.
WRITES: dict[str, dict[str, str | None]] = {
    "detach-delete": dict.fromkeys(("ladybug", "neo4j"), "MATCH (c:Candidate) DETACH DELETE c"),
    "delete-one": dict.fromkeys(
        ("ladybug", "neo4j"), "MATCH (c:Candidate {id: 'candidate-1'}) DELETE c"
    ),
    "create": dict.fromkeys(("ladybug", "neo4j"), "CREATE (:Candidate {id: 'intruder'})"),
    "create-return": dict.fromkeys(
        ("ladybug", "neo4j"), "CREATE (c:Candidate {id: 'intruder'}) RETURN c.id AS id"
    ),
    "merge": dict.fromkeys(("ladybug", "neo4j"), "MERGE (:Candidate {id: 'intruder'})"),
    "set": dict.fromkeys(("ladybug", "neo4j"), "MATCH (c:Candidate) SET c.headline = 'gone'"),
    "lowercase": dict.fromkeys(("ladybug", "neo4j"), "match (c:Candidate) detach delete c"),
    "comments": dict.fromkeys(
        ("ladybug", "neo4j"),
        "// just looking\nMATCH (c:Candidate) /* read only? */ DETACH DELETE c",
    ),
    "with-create": dict.fromkeys(
        ("ladybug", "neo4j"), "WITH 1 AS x CREATE (:Candidate {id: 'intruder'})"
    ),
    "unwind-create": dict.fromkeys(
        ("ladybug", "neo4j"), "UNWIND ['a', 'b'] AS id CREATE (:Candidate {id: id})"
    ),
    # DDL, COPY and LOAD never reach the store: tests/security/test_store_surface.py
    "call-subquery": {
        "ladybug": None,
        "neo4j": "CALL { MATCH (c:Candidate) DETACH DELETE c }",
    },
    "call-in-transactions": {
        "ladybug": None,
        "neo4j": "MATCH (c:Candidate) CALL { WITH c DETACH DELETE c } IN TRANSACTIONS",
    },
}
# What a refused DDL statement would have changed: tables and columns, indexes and constraints.
SCHEMA_LISTINGS = {
    "ladybug": (
        "CALL SHOW_TABLES() RETURN name ORDER BY name",
        "CALL TABLE_INFO('Candidate') RETURN name ORDER BY name",
    ),
    "neo4j": (
        "SHOW INDEXES YIELD name RETURN name ORDER BY name",
        "SHOW CONSTRAINTS YIELD name RETURN name ORDER BY name",
    ),
}
STORE_NAME = {"ladybug": "LadybugDB", "neo4j": "Neo4j"}


def refusal(store: GraphStore, text: str) -> str:
    """The start of the ReadOnlyError message for ``text`` (the store's own words follow)."""
    lines = (line.strip() for line in text.splitlines())
    head = next(line for line in lines if line and not line.startswith("//"))[:80]
    return WRITE_REFUSED.format(statement=head, store=STORE_NAME[store.dialect], cause="")


def snapshot(store: GraphStore) -> tuple:
    """Everything a refused write could have changed: data, relationships, schema."""
    return (
        store.node_counts(),
        store.relationship_counts(),
        props_of(store, "Candidate"),
        [store.run_text(text) for text in SCHEMA_LISTINGS[store.dialect]],
    )


@pytest.mark.parametrize("kind", list(WRITES))
def test_a_read_that_writes_is_refused_by_the_store(
    store: GraphStore, kind: str, tmp_path: Path
) -> None:
    text = WRITES[kind][store.dialect]
    if text is None:
        pytest.skip(f"{store.dialect} has no {kind} statement")
    csv = tmp_path / "candidates.csv"
    csv.write_text("intruder\n")
    text = text.replace("{csv}", csv.as_posix())
    add_all_nodes(store)
    store.upsert_edges("HAS_SKILL", "Candidate", [edge_row("HAS_SKILL", "Candidate", "Skill")])
    before = snapshot(store)
    with pytest.raises(ReadOnlyError) as info:
        store.run_text(text)
    assert str(info.value).startswith(refusal(store, text))
    assert info.value.__cause__ is not None
    assert snapshot(store) == before  # nothing changed, and the store still answers


def test_write_true_lets_a_statement_write(store: GraphStore) -> None:
    add_all_nodes(store)
    with pytest.raises(ReadOnlyError):
        store.run_text("CREATE (:Candidate {id: 'candidate-3'})")
    store.run_text("CREATE (:Candidate {id: 'candidate-3'})", write=True)
    assert store.node_ids("Candidate") == ["candidate-1", "candidate-2", "candidate-3"]
    store.run_text("MATCH (c:Candidate {id: 'candidate-3'}) DETACH DELETE c", write=True)
    assert store.node_counts()["Candidate"] == 2


def test_catalog_query_run_with_write_false_cannot_write(store: GraphStore) -> None:
    add_all_nodes(store)
    ids = {"ids": ["candidate-1"]}
    with pytest.raises(ReadOnlyError, match=r"^statement `UNWIND \$ids AS id` tried to write"):
        store.run("remove_nodes_by_id", ids, label="Candidate", write=False)
    assert store.node_counts()["Candidate"] == 2
    store.run("remove_nodes_by_id", ids, label="Candidate")  # catalog writes are ours
    assert store.node_ids("Candidate") == ["candidate-2"]
    table = store.run_table("node_ids", label="Candidate")
    assert table.column("id").to_pylist() == ["candidate-2"]


# LadybugDB runs several ;-separated statements in one call, and a COMMIT among them would
# end the read-only transaction: reads are prepared, and LadybugDB prepares one statement.
def test_ladybug_read_cannot_commit_its_way_out(tmp_path: Path) -> None:
    with LadybugStore(tmp_path / "store") as store:
        store.ensure_schema()
        add_all_nodes(store)
        with pytest.raises(StoreError, match="We do not support prepare multiple statements"):
            store.run_text("MATCH (c:Candidate) RETURN c.id; CREATE (:Candidate {id: 'x'})")
        # Transaction control and CHECKPOINT never reach the store (the statement guard),
        # alone or before a write.
        for text in (
            "COMMIT; MATCH (c:Candidate) DETACH DELETE c",
            "COMMIT",
            "ROLLBACK",
            "CHECKPOINT",
            "BEGIN TRANSACTION",
        ):
            with pytest.raises(StatementRefusedError, match=r"is not allowed in ad-hoc Cypher"):
                store.run_text(text)
        assert store.node_counts()["Candidate"] == 2
        with pytest.raises(ReadOnlyError):
            store.run_text("MATCH (c:Candidate) DETACH DELETE c")
        store.run_text("CREATE (:Candidate {id: 'candidate-3'})", write=True)
        assert store.node_counts()["Candidate"] == 3


def test_ladybug_reads_on_a_read_only_database(tmp_path: Path) -> None:
    with LadybugStore(tmp_path / "store") as store:
        store.ensure_schema()
        add_all_nodes(store)
    with LadybugStore(tmp_path / "store", read_only=True) as store:
        assert store.node_ids("Candidate") == ["candidate-1", "candidate-2"]
        assert store.run_table("node_ids", label="Candidate").num_rows == 2
        with pytest.raises(StoreError, match="read-only database"):
            store.run_text("CREATE (:Candidate {id: 'x'})", write=True)


# -- query plans ----------------------------------------------------------------------------
def plan(store: GraphStore, text: str, rel_type: str, row: dict[str, object]) -> str:
    """The plan of an edge upsert over one sample row.

    Neo4j reads the row as ``$rows``; the LadybugDB files ``LOAD FROM rows`` and LadybugDB
    finds a table named ``rows`` among the caller's local variables, so it is bound here.
    """
    rows = edge_table(rel_type, [row])  # noqa: F841 (scanned by name by LadybugDB)
    return store.explain(text, {"rows": [row]})


@pytest.mark.parametrize("edge_type", SCHEMA.edge_types(), ids="-".join)
def test_edge_upserts_plan_no_cross_product(store: GraphStore, edge_type: tuple) -> None:
    src, rel, dst = edge_type
    add_all_nodes(store, per_label=1)
    text = cypher.query(edge_query_name(rel, src), store.dialect)
    text_plan = plan(store, text, rel, edge_row(rel, src, dst))
    assert text_plan.strip()
    assert CROSS_PRODUCT[store.dialect] not in text_plan


# Negative controls: plans the detector above must flag. On LadybugDB, the comma pattern the
# upsert files avoid; on Neo4j, two disconnected label scans (always a CartesianProduct).
COMMA_PATTERN = {
    "ladybug": "LOAD FROM rows\nMATCH (a:Candidate {id: src}), (b:Skill {id: dst})\n"
    "MERGE (a)-[r:HAS_SKILL]->(b)\nSET r.level = level",
    "neo4j": "MATCH (a:Candidate), (b:Skill) RETURN a.id AS a, b.id AS b",
}


def test_cross_product_detector_flags_a_comma_pattern(store: GraphStore) -> None:
    add_all_nodes(store, per_label=1)
    row = edge_row("HAS_SKILL", "Candidate", "Skill")
    assert CROSS_PRODUCT[store.dialect] in plan(
        store, COMMA_PATTERN[store.dialect], "HAS_SKILL", row
    )


# -- catalog and connection errors ----------------------------------------------------------
def test_unknown_query_name_lists_known_names(store: GraphStore) -> None:
    with pytest.raises(QueryNotFoundError) as info:
        store.run("upsert_unicorns")
    known = cypher.names(store.dialect)
    assert str(info.value) == (
        f"no Cypher query named 'upsert_unicorns' for {store.dialect}; known: {', '.join(known)}"
    )
    assert "upsert_candidates" in known and "node_counts" in known


def test_relationship_counts_match_the_edge_types_helper() -> None:
    assert Counter(rel for _, rel, _ in SCHEMA.edge_types()) == Counter(EXPECTED_RELATIONSHIPS)


def test_unreachable_neo4j_raises_store_unavailable() -> None:
    # Port 1 on loopback refuses the connection at once: no server is involved.
    with pytest.raises(
        StoreUnavailableError, match=r"^cannot reach Neo4j at bolt://127\.0\.0\.1:1: "
    ):
        open_store("bolt://127.0.0.1:1", auth=("neo4j", "wrong"))
    with pytest.raises(StoreUnavailableError) as info:
        Neo4jStore("neo4j://127.0.0.1:1")
    assert info.value.__cause__ is not None


def test_plan_operators_flattens_the_plan_tree_depth_first() -> None:
    # The shape of ResultSummary.plan as the Bolt protocol delivers it.
    tree = {
        "operatorType": "ProduceResults@neo4j",
        "children": [
            {
                "operatorType": "CartesianProduct@neo4j",
                "children": [
                    {"operatorType": "NodeByLabelScan@neo4j", "children": []},
                    {"operatorType": "NodeByLabelScan@neo4j", "children": []},
                ],
            },
        ],
    }
    assert plan_operators(tree) == [
        "ProduceResults",
        "CartesianProduct",
        "NodeByLabelScan",
        "NodeByLabelScan",
    ]
    assert plan_operators(None) == []
