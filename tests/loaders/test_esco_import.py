"""ESCO taxonomy into the graph: official CSVs (both relation layouts), idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.esco_import import EscoImportJob, is_esco_download
from loaders.import_job import ImportJob, ImportOptions
from loaders.stores.ladybug import LadybugStore

ESCO = Path(__file__).parents[1] / "data" / "esco"
OPTIONS = ImportOptions(progress=False)


@pytest.mark.parametrize("layout", ["v1_0", "v1_2"])
def test_official_csv_import_quarantines_bad_rows_and_is_idempotent(
    layout: str, tmp_path: Path
) -> None:
    assert is_esco_download(ESCO / layout)
    with LadybugStore(tmp_path / "store") as store:
        first = EscoImportJob(store, OPTIONS).run(ESCO / layout)
        second = EscoImportJob(store, OPTIONS).run(ESCO / layout)
        assert first.node_counts == second.node_counts == {"Skill": 3, "Occupation": 2}
        assert first.relationship_counts == second.relationship_counts
        assert first.relationship_counts["REQUIRES_SKILL"] == 3
        assert first.quarantined == 3 and len(first.rejections) == 3
        rows = store.run_text(
            "MATCH (o:Occupation)-[r:REQUIRES_SKILL]->(s:Skill) "
            "RETURN o.name AS occ, s.name AS skill, r.required AS req"
        )
        assert {"occ": "technical director", "skill": "manage musical staff", "req": True} in rows


def test_dataset_rows_resolve_to_esco_skills_by_label(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "roles.jsonl").write_text(
        '{"id": "r1", "title": "Stage manager", "skills": '
        '[{"skill": "Manage musical staff", "importance": 0.8, "required": true}]}\n'
    )
    (data / "candidates.jsonl").write_text(
        '{"id": "c1", "skills": [{"skill": "manage musical staff", "level": 0.6}]}\n'
    )
    with LadybugStore(tmp_path / "store") as store:
        EscoImportJob(store, OPTIONS).run(ESCO / "v1_2")
        report = ImportJob(store, OPTIONS).run(data)
        assert report.created == {}
        assert store.node_counts()["Skill"] == 3
        rows = store.run_text(
            "MATCH (c:Candidate)-[:HAS_SKILL]->(s:Skill)<-[:REQUIRES_SKILL]-(r:Role) "
            "RETURN s.id AS id"
        )
        assert rows == [{"id": "esco:0005c151-5b5a-4a66-8aac-60e734beb1ab"}]
