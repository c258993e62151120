"""Import job: quarantine of malformed rows, idempotency, increments, CSV, strict mode."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from graph_schema.errors import ConfigError
from loaders.import_job import ImportJob, ImportOptions
from loaders.stores.ladybug import LadybugStore

DATA = Path(__file__).parents[1] / "data"
OPTIONS = ImportOptions(progress=False, as_of="2025-01")


@pytest.fixture
def store(tmp_path: Path):
    with LadybugStore(tmp_path / "store") as s:
        yield s


def test_malformed_rows_are_quarantined_with_reasons(store: LadybugStore, tmp_path: Path) -> None:
    options = OPTIONS.model_copy(update={"quarantine_dir": tmp_path / "q"})
    report = ImportJob(store, options).run(DATA / "malformed")
    assert report.quarantined == 14
    assert {t.file: (t.rows, t.imported, t.quarantined) for t in report.tables} == {
        "skills.jsonl": (3, 2, 1),
        "roles.jsonl": (4, 2, 2),
        "candidates.jsonl": (9, 2, 7),
        "interactions.jsonl": (6, 2, 4),
    }
    assert (
        "candidates.jsonl line 2: skills[0].level: Input should be less than or equal to 1; got 7"
        in report.rejections
    )
    assert (
        "candidates.jsonl line 5: id: duplicate id 'c1' with other values (first at line 1)"
        in report.rejections
    )
    assert (
        "interactions.jsonl line 2: role: unknown role 'r9' (not in roles nor in the graph)"
        in report.rejections
    )
    assert any(m.startswith("candidates.jsonl line 3: -: Invalid JSON") for m in report.rejections)
    assert any(
        m.startswith("candidates.jsonl line 4: id: Field required") for m in report.rejections
    )
    lines = [json.loads(x) for x in Path(report.quarantine_file).read_text().splitlines()]
    assert len(lines) == 14
    minor = next(x for x in lines if x["line"] == 6 and x["file"] == "candidates.jsonl")
    assert minor["field"] == "sensitive" and "minor" in minor["reason"]
    assert minor["raw"] == ""  # a minor's row keeps file, line, field and reason only
    assert "16-17" not in Path(report.quarantine_file).read_text()
    # the good rows are in the graph
    assert store.node_counts()["Candidate"] == 2
    assert store.relationship_counts()["INTERACTED"] == 2


def test_reimport_is_idempotent(store: LadybugStore) -> None:
    first = ImportJob(store, OPTIONS).run(DATA / "malformed")
    second = ImportJob(store, OPTIONS).run(DATA / "malformed")
    assert first.mode == "bulk" and second.mode == "incremental"
    assert second.node_counts == first.node_counts
    assert second.relationship_counts == first.relationship_counts
    assert (
        sum(t.imported for t in second.tables if t.file in ("candidates.jsonl", "roles.jsonl")) == 0
    )
    assert second.relationships_written.get("HAS_SKILL", 0) == 0


def test_changed_rows_update_and_replace_edges(store: LadybugStore, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA / "csv", data)
    ImportJob(store, OPTIONS).run(data)
    assert store.relationship_counts()["HAS_SKILL"] == 3
    text = (data / "candidates.csv").read_text()
    # c2 drops SQL and raises Python to 1.0; c1 is unchanged
    text = text.replace(
        '[{""skill"": ""Python"", ""level"": 0.9}, {""skill"": ""SQL"", ""level"": 0.5}]',
        '[{""skill"": ""Python"", ""level"": 1.0}]',
    )
    text = text.replace("Berlin,true,male,35-44,", "Berlin,true,,,")  # c2 withdraws its attributes
    (data / "candidates.csv").write_text(text)
    report = ImportJob(store, OPTIONS).run(data)
    candidates = next(t for t in report.tables if t.file == "candidates.csv")
    assert (candidates.imported, candidates.merged, candidates.quarantined) == (1, 1, 1)
    assert store.relationship_counts()["HAS_SKILL"] == 2
    rows = store.run_text(
        "MATCH (c:Candidate {id: 'c2'})-[r:HAS_SKILL]->(s:Skill) RETURN s.name AS s, r.level AS l"
    )
    assert rows == [{"s": "python", "l": 1.0}]
    assert [r["id"] for r in store.read_sensitive("audit")] == ["c1"]


def test_csv_tables_resolve_names_and_nested_cells(store: LadybugStore) -> None:
    report = ImportJob(store, OPTIONS).run(DATA / "csv")
    assert report.rejections == [
        "candidates.csv line 4: skills[0].level: Input should be less than or equal to 1; got 1.5"
    ]
    assert (
        report.node_counts["Skill"] == 3
    )  # "Triage"/"triage" and "SQL"/"sql" resolve to one node each
    c1 = store.run_text(
        "MATCH (c:Candidate {id: 'c1'}) RETURN c.reliability AS r, c.preferred_locations AS p, c.experience_years AS y"
    )
    assert c1 == [{"r": 0.9, "p": ["London", "Manchester"], "y": 4.42}]
    desc = store.run_text("MATCH (r:Role {id: 'r1'}) RETURN r.description AS d")[0]["d"]
    assert desc == "Ward nurse,\nnight shifts"


def test_missing_required_table_is_a_clear_error(store: LadybugStore, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "candidates.jsonl").write_text('{"id": "c1"}\n')
    with pytest.raises(
        ConfigError, match=r"required table roles.jsonl \(or roles.csv\) is missing"
    ):
        ImportJob(store, OPTIONS).run(tmp_path / "d")


def test_cli_exits_nonzero_only_when_strict(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "cli-store")
    lenient = runner.invoke(app, ["import", str(DATA / "malformed"), "--db", db, "--json"])
    assert lenient.exit_code == 0, lenient.output
    assert json.loads(lenient.output)["quarantined"] == 14
    strict = runner.invoke(
        app, ["import", str(DATA / "malformed"), "--db", db, "--strict", "--json"]
    )
    assert strict.exit_code == 1


@pytest.mark.slow
def test_generated_dataset_imports_cleanly_and_twice_gives_identical_counts(tmp_path: Path) -> None:
    from synthetic import generate

    generate(tmp_path / "data", scale=0.01, seed=0, progress=False)
    with LadybugStore(tmp_path / "store") as store:
        first = ImportJob(store, OPTIONS).run(tmp_path / "data")
        second = ImportJob(store, OPTIONS).run(tmp_path / "data")
    assert first.quarantined == 0 and first.created == {}
    assert first.node_counts["Candidate"] == 200 and first.node_counts["Role"] == 30
    assert second.node_counts == first.node_counts
    assert second.relationship_counts == first.relationship_counts
    assert {t.file: t.merged for t in second.tables}["candidates.jsonl"] == 200
    # the ground truth is for evaluation only: never imported
    assert not store_has_ground_truth(first)


def store_has_ground_truth(report) -> bool:
    return any("ground_truth" in t.file for t in report.tables)


def test_a_repeated_similarity_is_quarantined_not_dropped(
    store: LadybugStore, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA / "tiny", data)
    lines = (data / "similarities.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    (data / "similarities.jsonl").write_text("\n".join([*lines, json.dumps(first)]) + "\n")
    report = ImportJob(store, OPTIONS).run(data)
    line = len(lines) + 1
    expected = (
        f"similarities.jsonl line {line}: target: the similarity {first['source']!r} -> "
        f"{first['target']!r} is listed twice"
    )
    assert report.rejections == [expected]
    assert store.relationship_counts()["SIMILAR_TO"] == len(lines)
