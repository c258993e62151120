"""ESCO parsing: the official CSV layouts (hand-written fixtures) and the extractor package data.

The fixtures in ``tests/data/esco/`` follow ESCO's official CSV layout: ``v1_2`` has the
6-column relations file and the ``code`` column, ``v1_0`` the older 4-column relations file.
Each file holds exactly one bad row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_schema.errors import ConfigError
from graph_schema.nodes import Occupation, Skill
from loaders.esco_csv import read_esco_csv, read_esco_extractor
from loaders.esco_relations import (
    EscoTaxonomy,
    OccupationSkill,
    SkillSimilarity,
    infer_relations,
    skill_similarity_network,
)
from loaders.quarantine import Quarantine

DATA = Path(__file__).resolve().parents[1] / "data" / "esco"
MUSIC = "esco:0005c151-5b5a-4a66-8aac-60e734beb1ab"
PROGRAMMING = "esco:21d2f96d-35f7-4e3f-9745-c533d2dd6e97"
TROUBLESHOOT = "esco:14832d87-2f2f-4895-b290-e4760ebae42a"
DIRECTOR = "esco:00030d09-2b3a-4efd-87cc-c4ea39d27c34"
DRAWER = "esco:000e93a3-d956-4e45-aacb-f12c83fedf84"


@pytest.fixture(params=["v1_0", "v1_2"])
def parsed(request: pytest.FixtureRequest) -> tuple[str, EscoTaxonomy, Quarantine]:
    quarantine = Quarantine(None)
    return request.param, read_esco_csv(DATA / request.param, quarantine), quarantine


def test_skills_with_multiline_alt_labels(parsed: tuple[str, EscoTaxonomy, Quarantine]) -> None:
    _, tax, _ = parsed
    assert [s.id for s in tax.skills] == [MUSIC, PROGRAMMING, TROUBLESHOOT]
    music = tax.skills[0]
    assert music.name == "manage musical staff"
    assert music.aliases == [
        "manage staff of music",
        "coordinate duties of musical staff",
        "manage music staff",
    ]
    assert music.skill_type == "skill/competence"
    assert music.esco_uri == "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
    assert music.description.startswith("Assign and manage staff tasks")
    assert tax.skills[1].skill_type == "knowledge" and tax.skills[1].aliases == []


def test_occupations(parsed: tuple[str, EscoTaxonomy, Quarantine]) -> None:
    _, tax, _ = parsed
    assert [(o.id, o.name, o.isco_group) for o in tax.occupations] == [
        (DIRECTOR, "technical director", "2654"),
        (DRAWER, "metal drawing machine operator", "8121"),
    ]
    assert tax.occupations[0].aliases == [
        "technical and operations director",
        "head of technical",
        "technical manager",
    ]


def test_relations_in_both_layouts(parsed: tuple[str, EscoTaxonomy, Quarantine]) -> None:
    layout, tax, _ = parsed
    common = [
        OccupationSkill(DIRECTOR, MUSIC, True, 1.0),
        OccupationSkill(DIRECTOR, PROGRAMMING, False, 0.5),
    ]
    last = (
        OccupationSkill(DRAWER, TROUBLESHOOT, False, 0.5)
        if layout == "v1_0"
        else OccupationSkill(DRAWER, TROUBLESHOOT, True, 1.0)
    )
    assert tax.relations == [*common, last]


def test_bad_rows_are_quarantined(parsed: tuple[str, EscoTaxonomy, Quarantine]) -> None:
    layout, _, quarantine = parsed
    relation = (
        (
            "skillUri",
            "unknown skill 'http://data.europa.eu/esco/skill/ffffffff-0000-4000-8000-000000000000'",
        )
        if layout == "v1_0"
        else ("relationType", "relationType must be 'essential' or 'optional'; got 'mandatory'")
    )
    assert [(r.file, r.line, r.field, r.reason) for r in quarantine.sample] == [
        ("skills_en.csv", 6, "conceptUri", "missing conceptUri"),
        ("occupations_en.csv", 9, "preferredLabel", "missing preferredLabel"),
        ("occupationSkillRelations_en.csv", 4, *relation),
    ]
    assert quarantine.count == 3
    assert '"preferredLabel": "skill without a URI"' in quarantine.sample[0].raw


def test_similarity_from_co_occurrence_only(parsed: tuple[str, EscoTaxonomy, Quarantine]) -> None:
    # The three skill texts share no TF-IDF term, so the weight is 0.4 * Jaccard: music and
    # programming are both required by the technical director only (Jaccard 1).
    _, tax, _ = parsed
    assert tax.similarities == [
        SkillSimilarity(MUSIC, PROGRAMMING, 0.4),
        SkillSimilarity(PROGRAMMING, MUSIC, 0.4),
    ]


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="skills_en.csv not found"):
        read_esco_csv(tmp_path, Quarantine(None))


def test_infer_relations_by_text() -> None:
    occupations = [Occupation(id="o", name="piano teacher", description="Teach piano lessons.")]
    skills = [
        Skill(id="weld", name="weld steel", description="Join steel by welding."),
        Skill(id="piano", name="play piano", description="Perform on the piano."),
    ]
    assert infer_relations(skills, occupations) == [OccupationSkill("o", "piano", True, 1.0)]


def test_network_k_and_threshold() -> None:
    skills = [Skill(id=str(i), name=w) for i, w in enumerate(["welding", "baking", "sailing"])]
    tax = EscoTaxonomy(skills, [], [], [])
    assert skill_similarity_network(tax) == []
    relations = [OccupationSkill("o1", "0", True, 1.0), OccupationSkill("o1", "1", True, 1.0)]
    tax = EscoTaxonomy(skills, [], relations, [])
    assert skill_similarity_network(tax, k=1, min_weight=0.5) == []
    assert skill_similarity_network(tax, k=1, text_share=0.0) == [
        SkillSimilarity("0", "1", 1.0),
        SkillSimilarity("1", "0", 1.0),
    ]


def test_labels_recovered_from_package_texts() -> None:
    # The heuristic reads corpus-wide statistics, so it is checked on the package's own texts.
    tax = read_esco_extractor(similarities=False)
    found = {e.id: e for e in [*tax.skills, *tax.occupations] if e.id in (MUSIC, DRAWER)}
    assert found[MUSIC].name == "manage musical staff"
    assert found[MUSIC].aliases == [
        "manage staff of music",
        "coordinate duties of musical staff",
        "manage music staff",
        "direct musical staff",
    ]
    assert found[MUSIC].description.startswith("Assign and manage staff tasks")
    assert found[DRAWER].name == "metal drawing machine operator"
    assert found[DRAWER].aliases[:2] == [
        "metal drawing machine technician",
        "metal drawing machine operative",
    ]
    assert found[DRAWER].description.startswith("Metal drawing machine operators set up")


def test_extractor_package_data() -> None:
    quarantine = Quarantine(None)
    tax = read_esco_extractor(quarantine)
    assert len(tax.skills) > 10_000 and len(tax.occupations) > 3_000
    assert all(s.name.strip() and s.id.startswith("esco:") for s in tax.skills)
    assert all(o.name.strip() and o.isco_group for o in tax.occupations)
    assert len({s.id for s in tax.skills}) == len(tax.skills)
    skill_ids, occupation_ids = {s.id for s in tax.skills}, {o.id for o in tax.occupations}
    assert all(r.skill_id in skill_ids and r.occupation_id in occupation_ids for r in tax.relations)
    assert {r.occupation_id for r in tax.relations} == occupation_ids
    assert all(0.0 <= e.weight <= 1.0 and e.source_id != e.target_id for e in tax.similarities)
    assert {s.skill_type for s in tax.skills} == {"skill/competence", "knowledge"}
    assert tax.isco_groups["2512"] == "Software developers"
    names = {o.name for o in tax.occupations}
    assert {"technical director", "physiotherapist", "mine surveyor"} <= names
    assert quarantine.count == 0
