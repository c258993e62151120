"""The tiny hand-written dataset (tests/data/tiny) imports cleanly into exactly the graph its
README describes: every row accepted, every reference resolved (by id, name or alias), and
node and relationship counts that were derived by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.import_job import ImportJob, ImportOptions, ImportReport
from loaders.stores.ladybug import LadybugStore

TINY = Path(__file__).parent / "tiny"
OPTIONS = ImportOptions(progress=False, as_of="2025-01")

ROWS = {  # file -> rows (all accepted)
    "domains.jsonl": 3,
    "locations.jsonl": 8,
    "organizations.jsonl": 4,
    "skills.jsonl": 20,
    "occupations.jsonl": 2,
    "similarities.jsonl": 10,
    "roles.jsonl": 5,
    "candidates.jsonl": 10,
    "interactions.jsonl": 20,
}
NODES = {
    "Skill": 20,
    "Occupation": 2,
    "Candidate": 10,
    "Role": 5,
    "Organization": 4,
    "Location": 8,
    "Domain": 3,
}
RELATIONSHIPS = {
    "HAS_SKILL": 33,  # 3+4+3+4+4+3+4+2+3+3 skills of c1..c10
    "REQUIRES_SKILL": 15,  # 3 per role
    "SIMILAR_TO": 10,  # one per similarities.jsonl row
    "LOCATED_IN": 19,  # 10 candidates + 5 roles + 4 organizations
    "PART_OF": 5,  # 5 cities in 3 countries
    "WORKED_AT": 19,  # 2+1+3+2+2+2+1+1+3+2 jobs of c1..c10
    "OFFERED_BY": 5,
    "IN_DOMAIN": 27,  # 18 skills (communication, teamwork have none) + 5 roles + 4 orgs
    "OF_OCCUPATION": 3,  # r1, r5 nurse; r3 software developer
    "INTERACTED": 20,  # one per interactions.jsonl row
}


@pytest.fixture(scope="module")
def imported(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ImportReport, LadybugStore]]:
    with LadybugStore(tmp_path_factory.mktemp("tiny") / "store") as store:
        yield ImportJob(store, OPTIONS).run(TINY), store


def test_every_row_is_accepted(imported: tuple[ImportReport, LadybugStore]) -> None:
    report, _ = imported
    assert report.quarantined == 0, report.rejections
    assert {t.file: (t.rows, t.imported) for t in report.tables} == {
        file: (n, n) for file, n in ROWS.items()
    }


def test_every_reference_resolves_to_a_listed_node(
    imported: tuple[ImportReport, LadybugStore],
) -> None:
    report, _ = imported
    assert report.created == {}


def test_exact_node_and_relationship_counts(imported: tuple[ImportReport, LadybugStore]) -> None:
    report, store = imported
    assert report.node_counts == NODES
    assert report.relationship_counts == RELATIONSHIPS
    assert store.node_counts() == NODES


def test_names_and_aliases_resolve_to_ids(imported: tuple[ImportReport, LadybugStore]) -> None:
    _, store = imported
    c1 = store.run_text(
        "MATCH (c:Candidate {id: 'c1'})-[:HAS_SKILL]->(s:Skill) RETURN s.id AS id ORDER BY id"
    )
    assert [r["id"] for r in c1] == ["first_aid", "patient_care", "triage"]  # "patient triage"
    c4 = store.run_text(
        "MATCH (c:Candidate {id: 'c4'})-[:HAS_SKILL]->(s:Skill) RETURN s.id AS id ORDER BY id"
    )
    assert [r["id"] for r in c4] == ["communication", "data_analysis", "python", "sql"]  # "py"
    jobs = store.run_text(
        "MATCH (c:Candidate {id: 'c1'})-[w:WORKED_AT]->(o:Organization) "
        "RETURN o.id AS org, w.start_date AS start ORDER BY start"
    )
    assert jobs == [
        {"org": "cityclinic", "start": "2015-01"},
        {"org": "stmary", "start": "2019-01"},
    ]
    place = store.run_text(
        "MATCH (:Candidate {id: 'c1'})-[:LOCATED_IN]->(l:Location)-[:PART_OF]->(k:Location) "
        "RETURN l.id AS city, k.id AS country"
    )
    assert place == [{"city": "london", "country": "uk"}]


def test_sensitive_attributes_are_adults_only_and_audit_only(
    imported: tuple[ImportReport, LadybugStore],
) -> None:
    _, store = imported
    rows = {r["id"]: (r["gender"], r["age_band"]) for r in store.read_sensitive(purpose="audit")}
    assert len(rows) == 10
    assert rows["c8"] == ("male", "18-24") and rows["c10"] == ("female", "65+")
    assert sorted(g for g, _ in rows.values()) == ["female"] * 5 + ["male"] * 4 + ["non-binary"]
