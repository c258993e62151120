"""PyG export (loaders/pyg_export.py) on the tiny dataset: exact counts, values and indices.

Expected values come from tests/data/tiny/ (README.md and the JSONL files): c1 has triage at
level 0.9 for 5 years, r1 requires triage at importance 0.9, triage is similar to first_aid
with weight 0.8, c1 worked at cityclinic from 2015-01 to 2018-12 (47 months). The store is
imported once per module and reopened read-only; the contract test on the ``store``
fixture runs on every backend.
"""

from __future__ import annotations

import importlib.util
import json
import re
from importlib import resources
from pathlib import Path
from types import ModuleType

import numpy as np
import pyarrow as pa
import pytest
import torch

from graph_schema import SCHEMA
from graph_schema.errors import ConfigError, SchemaError, UnknownIdError
from graph_schema.sensitive import SENSITIVE_FIELDS
from loaders import pyg_export
from loaders.import_job import ImportJob, ImportOptions
from loaders.pyg_export import ExportedGraph, IdMap, export_graph
from loaders.stores import cypher
from loaders.stores.base import GraphStore
from loaders.stores.ladybug import LadybugStore

TINY = Path(__file__).parents[1] / "data" / "tiny"
LINT_TEST = Path(__file__).parents[1] / "cypher" / "test_neo4j_lint.py"
OPTIONS = ImportOptions(progress=False, as_of="2025-01")
HAS_SKILL = ("Candidate", "HAS_SKILL", "Skill")
NODES = {  # tests/data/tiny/README.md, "Expected graph"
    "Skill": 20,
    "Occupation": 2,
    "Candidate": 10,
    "Role": 5,
    "Organization": 4,
    "Location": 8,
    "Domain": 3,
}
EDGES = {
    HAS_SKILL: 33,
    ("Role", "REQUIRES_SKILL", "Skill"): 15,
    ("Skill", "SIMILAR_TO", "Skill"): 10,
    ("Candidate", "LOCATED_IN", "Location"): 10,
    ("Role", "LOCATED_IN", "Location"): 5,
    ("Organization", "LOCATED_IN", "Location"): 4,
    ("Location", "PART_OF", "Location"): 5,
    ("Candidate", "WORKED_AT", "Organization"): 19,
    ("Role", "OFFERED_BY", "Organization"): 5,
    ("Role", "IN_DOMAIN", "Domain"): 5,
    ("Organization", "IN_DOMAIN", "Domain"): 4,
    ("Skill", "IN_DOMAIN", "Domain"): 18,
    ("Role", "OF_OCCUPATION", "Occupation"): 3,
    ("Candidate", "INTERACTED", "Role"): 20,
}


@pytest.fixture(scope="module")
def exported(tiny_store_ro: LadybugStore) -> ExportedGraph:
    return export_graph(tiny_store_ro)


def edges_between(
    exported: ExportedGraph, edge_type: tuple[str, str, str], src: str, dst: str
) -> list[int]:
    """Columns of ``edge_index`` that link ids ``src`` and ``dst``."""
    index = exported.data[edge_type].edge_index
    a = exported.ids[edge_type[0]].index_of(src)
    b = exported.ids[edge_type[2]].index_of(dst)
    return torch.nonzero((index[0] == a) & (index[1] == b)).flatten().tolist()


def attrs(exported: ExportedGraph, edge_type: tuple[str, str, str], column: int) -> dict:
    data = exported.data[edge_type]
    return dict(zip(data.edge_attr_names, data.edge_attr[column].tolist(), strict=True))


# -- counts and id maps --------------------------------------------------------------------------
def test_node_and_edge_types_and_counts(exported: ExportedGraph) -> None:
    data = exported.data
    assert data.node_types == list(NODES)  # SCHEMA.metadata() order
    assert {t: data[t].num_nodes for t in data.node_types} == NODES
    assert {t: data[t].x.shape[0] for t in data.node_types} == NODES
    assert {t: data[t].edge_index.shape[1] for t in data.edge_types} == EDGES
    assert all(data[t].edge_index.dtype == torch.long for t in data.edge_types)
    data.validate()


def test_counts_equal_the_store_counts(
    tiny_store_ro: LadybugStore, exported: ExportedGraph
) -> None:
    data = exported.data
    nodes = tiny_store_ro.node_counts()
    assert {t: data[t].num_nodes for t in data.node_types} == {t: nodes[t] for t in NODES}
    per_type: dict[str, int] = {}
    for src, rel, dst in data.edge_types:
        per_type[rel] = per_type.get(rel, 0) + data[src, rel, dst].edge_index.shape[1]
    assert per_type == tiny_store_ro.relationship_counts()


def test_id_maps_are_sorted_and_round_trip(
    tiny_store_ro: LadybugStore, exported: ExportedGraph
) -> None:
    assert set(exported.ids) == set(NODES)
    for label, id_map in exported.ids.items():
        assert id_map.ids == sorted(tiny_store_ro.node_ids(label))
        for index, node_id in enumerate(id_map.ids):
            assert id_map.index_of(node_id) == index
            assert id_map.id_of(index) == node_id
    candidates = exported.ids["Candidate"]
    assert candidates.ids[:3] == ["c1", "c10", "c2"]  # string order, not numeric
    assert candidates.index_of("c2") == 2


def test_id_map_errors_name_the_label() -> None:
    id_map = IdMap("Skill", ["sql", "git"])
    with pytest.raises(UnknownIdError, match=r"^Skill id 'cobol' is not in the export \(2 ids\)$"):
        id_map.index_of("cobol")
    with pytest.raises(UnknownIdError, match=r"^Skill index 2 is out of range \[0, 2\)$"):
        id_map.id_of(2)
    assert id_map.indices_of(pa.array(["sql", "nope", "git"])).tolist() == [1, -1, 0]
    assert id_map.positions_in(pa.array(["sql", "git"])).to_pylist() == [1, 0]  # git, sql


# -- node features -------------------------------------------------------------------------------
def test_candidate_features(tiny_store_ro: LadybugStore, exported: ExportedGraph) -> None:
    node = exported.data["Candidate"]
    assert node.feature_names == [
        "reliability",
        "reliability_missing",
        "attendance",
        "attendance_missing",
        "engagement",
        "engagement_missing",
        "churn_risk",
        "churn_risk_missing",
        "experience_years",
        "experience_years_missing",
        "remote_ok",
        "remote_ok_missing",
    ]
    (years,) = tiny_store_ro.run_text(
        "MATCH (n:Candidate {id: 'c1'}) RETURN n.experience_years AS y"
    )
    c1 = node.x[exported.ids["Candidate"].index_of("c1")].tolist()
    expected = [0.9, 0, 0.95, 0, 0.8, 0, 0.1, 0, np.log1p(years["y"]) / 4, 0, 0, 0]
    assert c1 == pytest.approx(expected, abs=1e-6)
    assert node.x.dtype == torch.float32


def test_role_features_and_constant_features(exported: ExportedGraph) -> None:
    role = exported.data["Role"]
    assert role.feature_names == ["capacity", "remote", "remote_missing"]
    r1 = role.x[exported.ids["Role"].index_of("r1")].tolist()
    assert r1 == pytest.approx([np.log1p(2), 0, 0])  # capacity 2, remote false
    for label in ("Skill", "Occupation", "Organization", "Location", "Domain"):
        assert exported.data[label].feature_names == ["bias"]
        assert torch.equal(exported.data[label].x, torch.ones(NODES[label], 1))


def test_text_features_are_appended_in_id_map_order(tiny_store_ro: LadybugStore) -> None:
    skills = export_graph(tiny_store_ro).ids["Skill"].ids
    text = np.array([[i, -i] for i in range(len(skills))], dtype=np.float32)
    out = export_graph(tiny_store_ro, text_features={"Skill": text})
    node = out.data["Skill"]
    assert node.feature_names == ["bias", "text_0", "text_1"]
    assert node.x[:, 1:].tolist() == text.tolist()
    assert out.ids["Skill"].ids == skills


def test_text_features_must_match_the_id_map(tiny_store_ro: LadybugStore) -> None:
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "text_features['Skill'] must be a 2-D array with one row per id of ids['Skill'] "
            "(20 rows); got shape (19, 4)"
        ),
    ):
        export_graph(tiny_store_ro, text_features={"Skill": np.zeros((19, 4))})
    with pytest.raises(ConfigError, match=r"^text_features\['SensitiveAttributes'\]: "):
        export_graph(tiny_store_ro, text_features={"SensitiveAttributes": np.zeros((10, 4))})


# -- edges ---------------------------------------------------------------------------------------
def test_known_has_skill_edge(exported: ExportedGraph) -> None:
    index = exported.data[HAS_SKILL].edge_index
    (column,) = edges_between(exported, HAS_SKILL, "c1", "triage")  # "patient triage" alias
    assert index[:, column].tolist() == [
        exported.ids["Candidate"].index_of("c1"),
        exported.ids["Skill"].index_of("triage"),
    ]
    assert exported.data[HAS_SKILL].edge_attr_names == [
        "level",
        "level_missing",
        "years",
        "years_missing",
    ]
    assert attrs(exported, HAS_SKILL, column) == pytest.approx(
        {"level": 0.9, "level_missing": 0, "years": np.log1p(5) / 4, "years_missing": 0}
    )


def test_missing_edge_years_are_imputed_and_flagged(exported: ExportedGraph) -> None:
    (column,) = edges_between(exported, HAS_SKILL, "c2", "communication")  # no "years"
    attr = exported.data[HAS_SKILL].edge_attr
    known = attr[attr[:, 3] == 0, 2]
    assert attrs(exported, HAS_SKILL, column) == pytest.approx(
        {"level": 0.7, "level_missing": 0, "years": known.mean().item(), "years_missing": 1}
    )


def test_weighted_edges(exported: ExportedGraph) -> None:
    requires = ("Role", "REQUIRES_SKILL", "Skill")
    (column,) = edges_between(exported, requires, "r1", "triage")
    assert attrs(exported, requires, column) == pytest.approx(
        {"importance": 0.9, "importance_missing": 0, "required": 1}
    )
    (column,) = edges_between(exported, requires, "r1", "medication")
    assert attrs(exported, requires, column)["required"] == 0
    similar = ("Skill", "SIMILAR_TO", "Skill")
    (column,) = edges_between(exported, similar, "triage", "first_aid")  # stored direction
    assert attrs(exported, similar, column) == pytest.approx({"weight": 0.8})
    assert edges_between(exported, similar, "first_aid", "triage") == []


def test_worked_at_duration(exported: ExportedGraph) -> None:
    worked = ("Candidate", "WORKED_AT", "Organization")
    (column,) = edges_between(exported, worked, "c1", "cityclinic")  # 2015-01 .. 2018-12
    assert attrs(exported, worked, column) == pytest.approx(
        {"duration_years": 47 / 12, "current": 0}
    )
    (column,) = edges_between(exported, worked, "c1", "stmary")  # current job: no end date
    assert attrs(exported, worked, column) == {"duration_years": 1.0, "current": 1.0}
    assert len(edges_between(exported, worked, "c3", "stmary")) == 2  # two jobs, two edges


def test_interactions_are_one_hot(exported: ExportedGraph) -> None:
    interacted = ("Candidate", "INTERACTED", "Role")
    data = exported.data[interacted]
    assert data.edge_attr_names == [
        "type=APPLIED",
        "type=SHORTLISTED",
        "type=INTERVIEWED",
        "type=OFFERED",
        "type=HIRED",
        "type=REJECTED",
        "type=WITHDREW",
    ]
    assert torch.equal(data.edge_attr.sum(dim=1), torch.ones(20))
    rows = [json.loads(line) for line in (TINY / "interactions.jsonl").read_text().splitlines()]
    expected = sorted(r["type"] for r in rows if (r["candidate"], r["role"]) == ("c1", "r1"))
    columns = edges_between(exported, interacted, "c1", "r1")
    names = data.edge_attr_names
    found = sorted(names[int(data.edge_attr[c].argmax())].removeprefix("type=") for c in columns)
    assert found == expected == ["APPLIED", "HIRED", "INTERVIEWED", "SHORTLISTED"]


def test_edges_without_attributes(exported: ExportedGraph) -> None:
    located = exported.data["Candidate", "LOCATED_IN", "Location"]
    assert located.edge_attr_names == []
    assert "edge_attr" not in located
    assert edges_between(exported, ("Candidate", "LOCATED_IN", "Location"), "c1", "london")


# -- determinism ---------------------------------------------------------------------------------
def test_export_is_deterministic(tiny_store_ro: LadybugStore, exported: ExportedGraph) -> None:
    again = export_graph(tiny_store_ro)
    assert again.ids == exported.ids
    assert again.data.node_types == exported.data.node_types
    assert again.data.edge_types == exported.data.edge_types
    for store in (exported.data.node_stores, exported.data.edge_stores):
        for mine in store:
            other = again.data[mine._key]
            for key, value in mine.items():
                if isinstance(value, torch.Tensor):
                    assert torch.equal(value, other[key]), (mine._key, key)
                else:
                    assert value == other[key], (mine._key, key)


def test_edges_are_sorted_by_source_then_target(exported: ExportedGraph) -> None:
    for edge_type in exported.data.edge_types:
        src, dst = exported.data[edge_type].edge_index.tolist()
        assert list(zip(src, dst, strict=True)) == sorted(zip(src, dst, strict=True)), edge_type


def test_arrow_and_generic_paths_agree(
    tiny_store_ro: LadybugStore, exported: ExportedGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row-dict path (what Neo4j uses) gives the same export as LadybugDB's Arrow path."""
    monkeypatch.setattr(
        tiny_store_ro,
        "_execute_table",
        lambda text, params: GraphStore._execute_table(tiny_store_ro, text, params),
    )
    generic = export_graph(tiny_store_ro)
    assert generic.ids == exported.ids
    for edge_type in exported.data.edge_types:
        assert torch.equal(generic.data[edge_type].edge_index, exported.data[edge_type].edge_index)
        if "edge_attr" in exported.data[edge_type]:
            assert torch.equal(
                generic.data[edge_type].edge_attr, exported.data[edge_type].edge_attr
            )
    for label in exported.data.node_types:
        assert torch.equal(generic.data[label].x, exported.data[label].x)


# -- sensitive attributes ------------------------------------------------------------------------
def export_query_texts() -> dict[str, str]:
    """Every file under cypher/export/, shared and per dialect."""
    root = resources.files("cypher")
    texts = {}
    for folder in (root / "export", root / "ladybug" / "export", root / "neo4j" / "export"):
        if folder.is_dir():
            for path in folder.iterdir():
                if path.name.endswith(".cypher"):
                    texts[str(path)] = path.read_text(encoding="utf-8")
    return texts


def test_no_export_query_names_sensitive_attributes() -> None:
    texts = export_query_texts()
    assert len(texts) >= 9
    forbidden = re.compile(r"\b(" + "|".join(("SensitiveAttributes", *SENSITIVE_FIELDS)) + r")\b")
    assert {name: forbidden.findall(text) for name, text in texts.items()} == {
        name: [] for name in texts
    }


def test_the_columnar_read_path_cannot_name_the_old_sensitive_label(
    tiny_store_ro: LadybugStore,
) -> None:
    """Arrow reads take labels from the GraphSchema only, and it has no sensitive label."""
    with pytest.raises(SchemaError, match="^unknown node label 'SensitiveAttributes'"):
        pyg_export._fetch(tiny_store_ro, "export/node_ids", label="SensitiveAttributes")


def test_export_holds_no_sensitive_data(exported: ExportedGraph) -> None:
    data = exported.data
    assert set(data.node_types) <= set(SCHEMA.metadata()[0])
    assert "SensitiveAttributes" not in data.node_types
    assert "SensitiveAttributes" not in exported.ids
    assert not any("SensitiveAttributes" in edge_type for edge_type in data.edge_types)
    names = [n for t in data.node_types for n in data[t].feature_names]
    names += [n for t in data.edge_types for n in data[t].edge_attr_names]
    assert not [n for n in names if any(field in n.lower() for field in SENSITIVE_FIELDS)]


# -- every backend -------------------------------------------------------------------------------
def test_export_on_every_backend(store: GraphStore) -> None:
    empty = export_graph(store)
    assert (empty.data.node_types, empty.data.edge_types, empty.ids) == ([], [], {})
    ImportJob(store, OPTIONS).run(TINY)
    out = export_graph(store)
    assert {t: out.data[t].num_nodes for t in out.data.node_types} == NODES
    assert {t: out.data[t].edge_index.shape[1] for t in out.data.edge_types} == EDGES
    (column,) = edges_between(out, HAS_SKILL, "c1", "triage")
    assert attrs(out, HAS_SKILL, column)["level"] == pytest.approx(0.9)


# -- the Neo4j linter ----------------------------------------------------------------------------
def lint_module() -> ModuleType:
    """tests/cypher/test_neo4j_lint.py, loaded by path (tests are not a package)."""
    spec = importlib.util.spec_from_file_location("_neo4j_lint", LINT_TEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_export_queries_pass_the_neo4j_linter() -> None:
    """cypher/export/ is a subfolder, which the catalog-wide lint does not walk."""
    lint = lint_module()
    queries = [
        q for name in cypher.names("neo4j", "export") for q in lint.rendered(f"export/{name}")
    ]
    assert len(queries) >= 9
    _, out = lint.run_linter(
        payload={
            "queries": queries,
            "labels": [n.label for n in SCHEMA.nodes],
            "relationshipTypes": [r.type for r in SCHEMA.relationships],
        }
    )
    failures = [
        f"{r['name']}:{d['line']}:{d['column']}: {d['kind']}: {d['message']}"
        for r in out["results"]
        for d in r["diagnostics"]
        if d["kind"] in lint.FAILING
    ]
    assert not failures, "Neo4j linter findings:\n" + "\n".join(failures)
