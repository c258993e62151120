"""Exploration queries (cypher/explore/) on the tiny dataset: exact answers derived by hand.

Each expected value below is worked out in tests/data/tiny/README.md from the dataset files
(levels, importances and SIMILAR_TO weights multiplied on paper). The store is imported once
per module and then reopened read-only; the queries are taken from the catalog for the
``ladybug`` dialect, exactly as the CLI runs them.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from graph_schema.sensitive import SENSITIVE_FIELDS
from loaders.stores import cypher
from loaders.stores.ladybug import LadybugStore

TINY = Path(__file__).parents[1] / "data" / "tiny"
DIALECT = "ladybug"
EXPLORE = ("candidates_near_skills", "role_closest_skills", "skill_paths", "talent_flows")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_PARAM_DOC = re.compile(  # $name: what it is; e.g. <JSON>[; default <JSON>]
    r"^\$(\w+): [^;\n]+; e\.g\. (?P<example>[^;\n]+?)(?:; default (?P<default>[^;\n]+))?$",
    re.MULTILINE,
)


def explore(store: LadybugStore, name: str, **params: Any) -> list[dict[str, Any]]:
    return store.run_text(cypher.query(f"explore/{name}", DIALECT), params, what=name)


# -- skill_paths ------------------------------------------------------------------------------
C6_R2 = [  # (skills, hops, strength): level x similarity weights x importance
    (["data_analysis"], 0, 0.7 * 0.8),
    (["python", "data_analysis"], 1, 0.8 * 0.7 * 0.8),
    (["data_analysis", "sql"], 1, 0.7 * 0.6 * 1.0),
    (["python"], 0, 0.8 * 0.5),
    (["machine_learning", "data_analysis"], 1, 0.9 * 0.5 * 0.8),
    (["python", "data_analysis", "sql"], 2, 0.8 * 0.7 * 0.6 * 1.0),
    (["machine_learning", "data_analysis", "sql"], 2, 0.9 * 0.5 * 0.6 * 1.0),
    (["data_analysis", "python"], 1, 0.7 * 0.7 * 0.5),
    (["machine_learning", "data_analysis", "python"], 2, 0.9 * 0.5 * 0.7 * 0.5),
]


def test_skill_paths_lists_every_path_best_first(tiny_store_ro: LadybugStore) -> None:
    rows = explore(tiny_store_ro, "skill_paths", candidate_id="c6", role_id="r2", limit=20)
    assert [(r["skills"], r["hops"]) for r in rows] == [(s, h) for s, h, _ in C6_R2]
    assert [r["strength"] for r in rows] == pytest.approx([x for _, _, x in C6_R2])
    # no walk returns to the skill it started from (data_analysis-python-data_analysis, ...)
    assert all(len(set(r["skills"])) == len(r["skills"]) for r in rows)


def test_skill_paths_reports_each_factor(tiny_store_ro: LadybugStore) -> None:
    rows = explore(tiny_store_ro, "skill_paths", candidate_id="c6", role_id="r2", limit=20)
    two_hops = rows[5]
    assert two_hops["skills"] == ["python", "data_analysis", "sql"]
    assert (two_hops["level"], two_hops["importance"], two_hops["required"]) == (0.8, 1.0, True)
    assert two_hops["similarity"] == pytest.approx(0.7 * 0.6)
    direct = rows[3]
    assert direct["skills"] == ["python"]
    factors = (direct["level"], direct["similarity"], direct["importance"], direct["required"])
    assert factors == (0.8, 1.0, 0.5, False)


def test_skill_paths_follow_similarity_against_its_direction(tiny_store_ro: LadybugStore) -> None:
    # c2's paths run along the stored wound_care -> patient_care -> medication; c1's first_aid
    # reaches triage against the stored triage -> first_aid (c6's paths above mix both).
    rows = explore(tiny_store_ro, "skill_paths", candidate_id="c2", role_id="r1", limit=20)
    assert [(r["skills"], r["hops"]) for r in rows] == [
        (["patient_care"], 0),
        (["wound_care", "patient_care"], 1),
        (["patient_care", "medication"], 1),
        (["wound_care", "patient_care", "medication"], 2),
    ]
    assert [r["strength"] for r in rows] == pytest.approx(
        [0.6 * 0.8, 0.8 * 0.6 * 0.8, 0.6 * 0.5 * 0.6, 0.8 * 0.6 * 0.5 * 0.6]
    )
    rows = explore(tiny_store_ro, "skill_paths", candidate_id="c1", role_id="r1", limit=20)
    assert [(r["skills"], r["strength"]) for r in rows] == [
        (["triage"], pytest.approx(0.81)),
        (["patient_care"], pytest.approx(0.64)),
        (["first_aid", "triage"], pytest.approx(0.504)),
        (["patient_care", "medication"], pytest.approx(0.24)),
    ]


def test_skill_paths_limit_and_no_path(tiny_store_ro: LadybugStore) -> None:
    rows = explore(tiny_store_ro, "skill_paths", candidate_id="c6", role_id="r2", limit=3)
    assert [r["skills"] for r in rows] == [s for s, _, _ in C6_R2[:3]]
    assert explore(tiny_store_ro, "skill_paths", candidate_id="c7", role_id="r1", limit=20) == []
    assert (
        explore(tiny_store_ro, "skill_paths", candidate_id="nobody", role_id="r1", limit=20) == []
    )


# -- candidates_near_skills -------------------------------------------------------------------
def near(rows: list[dict[str, Any]]) -> list[tuple[str, int, Any, list[str]]]:
    return [
        (r["candidate_id"], r["covered"], r["best_strength"], sorted(r["skills"])) for r in rows
    ]


def test_candidates_near_skills_direct_and_through_similar(tiny_store_ro: LadybugStore) -> None:
    rows = explore(
        tiny_store_ro, "candidates_near_skills", skills=["data_analysis", "python"], limit=10
    )
    assert near(rows) == [
        ("c5", 2, pytest.approx(0.9), ["data_analysis", "python"]),  # python itself 0.9
        ("c4", 2, pytest.approx(0.8), ["data_analysis", "python"]),  # da 0.8 itself
        ("c6", 2, pytest.approx(0.8), ["data_analysis", "python"]),  # python 0.8 itself
        ("c10", 1, pytest.approx(0.24), ["data_analysis"]),  # sql 0.4 x sql-da 0.6
    ]
    assert rows[0]["headline"] == "Python developer"


def test_candidates_near_skills_prefers_the_stronger_route(tiny_store_ro: LadybugStore) -> None:
    # c3 has triage at 0.6 but first_aid at 0.9: 0.9 x 0.8 = 0.72 beats the skill itself.
    # A repeated id and an unknown id change nothing.
    rows = explore(
        tiny_store_ro,
        "candidates_near_skills",
        skills=["triage", "wound_care", "triage", "no_such_skill"],
        limit=10,
    )
    assert near(rows) == [
        ("c1", 2, pytest.approx(0.9), ["triage", "wound_care"]),
        ("c2", 1, pytest.approx(0.8), ["wound_care"]),
        ("c3", 1, pytest.approx(0.72), ["triage"]),
    ]
    rows = explore(
        tiny_store_ro, "candidates_near_skills", skills=["triage", "wound_care"], limit=1
    )
    assert [r["candidate_id"] for r in rows] == ["c1"]


# -- role_closest_skills ----------------------------------------------------------------------
def closest(rows: list[dict[str, Any]]) -> list[tuple[str, Any, str, str]]:
    return [(r["skill_id"], r["score"], r["via"], r["relation"]) for r in rows]


def test_role_closest_skills_rank_listed_and_similar(tiny_store_ro: LadybugStore) -> None:
    rows = explore(tiny_store_ro, "role_closest_skills", role_id="r1", limit=10)
    assert closest(rows) == [
        ("triage", pytest.approx(0.9), "triage", "required"),
        ("patient_care", pytest.approx(0.8), "patient_care", "required"),
        ("first_aid", pytest.approx(0.72), "triage", "similar"),
        ("medication", pytest.approx(0.6), "medication", "optional"),
        ("wound_care", pytest.approx(0.48), "patient_care", "similar"),
    ]
    assert rows[3]["skill"] == "Medication administration"


def test_role_closest_skills_take_the_best_route(tiny_store_ro: LadybugStore) -> None:
    # r2 lists python (optional, 0.5), but data_analysis 0.8 x 0.7 = 0.56 brings it closer.
    rows = explore(tiny_store_ro, "role_closest_skills", role_id="r2", limit=10)
    assert closest(rows) == [
        ("sql", pytest.approx(1.0), "sql", "required"),
        ("data_analysis", pytest.approx(0.8), "data_analysis", "required"),
        ("python", pytest.approx(0.56), "data_analysis", "optional"),
        ("machine_learning", pytest.approx(0.4), "data_analysis", "similar"),
    ]
    rows = explore(tiny_store_ro, "role_closest_skills", role_id="r2", limit=2)
    assert [r["skill_id"] for r in rows] == ["sql", "data_analysis"]


# -- talent_flows -----------------------------------------------------------------------------
FLOWS = [
    ("cityclinic", "stmary", 2),  # c1, c3
    ("fastfreight", "acme", 2),  # c4, c5
    ("acme", "fastfreight", 1),  # c9 (two acme jobs, counted once)
    ("cityclinic", "acme", 1),  # c10
    ("stmary", "acme", 1),  # c6
    ("stmary", "cityclinic", 1),  # c3 (stmary -> stmary is not a flow)
]


def test_talent_flows_count_candidates_per_move(tiny_store_ro: LadybugStore) -> None:
    rows = explore(tiny_store_ro, "talent_flows", limit=10, min_count=None)
    assert [(r["from_org"], r["to_org"], r["candidates"]) for r in rows] == FLOWS
    assert (rows[0]["from_name"], rows[0]["to_name"]) == ("City Clinic", "St Mary's Hospital")


def test_talent_flows_min_count_and_limit(tiny_store_ro: LadybugStore) -> None:
    rows = explore(tiny_store_ro, "talent_flows", limit=10, min_count=2)
    assert [(r["from_org"], r["to_org"], r["candidates"]) for r in rows] == FLOWS[:2]
    rows = explore(tiny_store_ro, "talent_flows", limit=3, min_count=1)
    assert [(r["from_org"], r["to_org"], r["candidates"]) for r in rows] == FLOWS[:3]


# -- the files themselves ---------------------------------------------------------------------
def explore_files() -> list[Any]:
    """One param (relative path, text) per explore file: shared and each dialect's overrides."""
    root = resources.files("cypher")
    found = []
    for folder in ("explore", *(f"{d}/explore" for d in cypher.DIALECTS)):
        base = root.joinpath(folder)
        if base.is_dir():
            found += [
                pytest.param(
                    f"{folder}/{p.name}", p.read_text(encoding="utf-8"), id=f"{folder}/{p.name}"
                )
                for p in sorted(base.iterdir(), key=lambda p: p.name)
                if p.name.endswith(".cypher")
            ]
    return found


def test_every_dialect_has_every_explore_query() -> None:
    for dialect in cypher.DIALECTS:
        assert set(EXPLORE) <= set(cypher.names(dialect, "explore")), dialect
    assert cypher.names("ladybug", "explore") == cypher.names("neo4j", "explore")


@pytest.mark.parametrize(("path", "text"), explore_files())
def test_explore_file_header_documents_its_parameters(path: str, text: str) -> None:
    """``// $name: what it is; e.g. <JSON>[; default <JSON>]`` for each parameter the query uses."""
    header = cypher.params_doc(text)
    body = "\n".join(line for line in text.splitlines() if not line.startswith("//"))
    assert header and body.strip(), f"{path}: needs a // header and a query"
    assert "Returns" in header, f"{path}: the header must say what the query returns"
    documented = {m.group(1): m for m in _PARAM_DOC.finditer(header)}
    used = set(_PARAM.findall(body))
    assert used == set(documented), f"{path}: parameters used {used}, documented {set(documented)}"
    for m in documented.values():
        json.loads(m.group("example"))  # the example is a value the CLI's --param parses
        if m.group("default") is not None:
            json.loads(m.group("default"))


@pytest.mark.parametrize(("path", "text"), explore_files())
def test_explore_files_never_name_sensitive_attributes(path: str, text: str) -> None:
    # they are not in the graph (see tests/graph_schema/test_schema.py); nor in any file here
    for name in ("SensitiveAttributes", *SENSITIVE_FIELDS):
        assert name not in text, f"{path} names {name}"


def test_dialect_versions_take_the_same_parameters() -> None:
    for name in cypher.names("neo4j", "explore"):
        used = {d: set(_PARAM.findall(cypher.query(f"explore/{name}", d))) for d in cypher.DIALECTS}
        assert used["ladybug"] == used["neo4j"], name
