"""Exports shaped like other systems' (issue #7): funnel words in any case, aliases beside
preferred names, byte-order marks, bad bytes, implausible values, references to rejected
rows, a profile updated to show a minor. Every case runs on both validation paths (columnar
and per-row) and every file's rows add up: rows = imported + merged + quarantined."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from loaders.import_job import ImportJob, ImportOptions, ImportReport, TableReport
from loaders.stores.ladybug import LadybugStore

TINY = Path(__file__).parents[1] / "data" / "tiny"
PATHS = pytest.mark.parametrize("columnar", [True, False], ids=["columnar", "per-row"])


def _options(tmp_path: Path, columnar: bool) -> ImportOptions:
    return ImportOptions(
        progress=False, as_of="2025-01", columnar=columnar, quarantine_dir=tmp_path / "q"
    )


def _copy_tiny(tmp_path: Path, name: str = "data") -> Path:
    data = tmp_path / name
    shutil.copytree(TINY, data, ignore=shutil.ignore_patterns("*.md"))
    return data


def _append(path: Path, *rows: dict | str | bytes) -> None:
    with path.open("ab") as fh:
        for row in rows:
            if isinstance(row, dict):
                row = json.dumps(row)
            fh.write((row.encode() if isinstance(row, str) else row) + b"\n")


def _table(report: ImportReport, file: str) -> TableReport:
    return next(t for t in report.tables if t.file == file)


def _run(data: Path, store_dir: Path, options: ImportOptions) -> ImportReport:
    with LadybugStore(store_dir) as store:
        return ImportJob(store, options).run(data)


def _count(store_dir: Path, text: str) -> int:
    with LadybugStore(store_dir, read_only=True) as store:
        return int(store.run_text(text)[0]["n"])


INTERACTION = {"candidate": "c1", "role": "r2", "actor": "candidate", "at": "2024-05-01T10:00:00Z"}


@PATHS
def test_funnel_words_in_any_case_are_accepted(tmp_path: Path, columnar: bool) -> None:
    data = _copy_tiny(tmp_path)
    words = {
        "r2": "hired",
        "r3": "Offer Accepted",
        "r4": "not_selected",
        "r5": "INTERVIEW",
    }
    for role, word in words.items():
        _append(data / "interactions.jsonl", {**INTERACTION, "role": role, "type": word})
    _append(
        data / "interactions.jsonl",
        {**INTERACTION, "role": "r2", "type": "withdrawn", "actor": "Hiring Manager"},
        {**INTERACTION, "role": "r3", "type": "ghosted"},
    )
    report = _run(data, tmp_path / "store", _options(tmp_path, columnar))
    assert _table(report, "interactions.jsonl").quarantined == 1
    assert report.rejections == [
        (
            "interactions.jsonl line 26: type: unknown interaction type 'ghosted'; known: "
            "APPLIED, SHORTLISTED, INTERVIEWED, OFFERED, HIRED, REJECTED, WITHDREW (or a synonym "
            "listed in docs/import.md)"
        )
    ]
    with LadybugStore(tmp_path / "store", read_only=True) as store:
        rows = store.run_text(
            "MATCH (:Candidate {id: 'c1'})-[i:INTERACTED]->(r:Role) WHERE r.id <> 'r1' "
            "RETURN r.id AS role, i.type AS type, i.actor AS actor ORDER BY role, type"
        )
    assert [(r["role"], r["type"], r["actor"]) for r in rows] == [
        ("r2", "HIRED", "candidate"),
        ("r2", "WITHDREW", "recruiter"),
        ("r3", "HIRED", "candidate"),
        ("r4", "REJECTED", "candidate"),
        ("r5", "INTERVIEWED", "candidate"),
    ]


def test_the_vocabulary_table_in_the_docs_is_the_one_in_the_code() -> None:
    from loaders.vocabulary import vocabulary_table

    docs = (Path(__file__).parents[2] / "docs" / "import.md").read_text()
    assert vocabulary_table() in docs


@PATHS
def test_a_skill_named_by_alias_and_preferred_name_is_merged_not_rejected(
    tmp_path: Path, columnar: bool
) -> None:
    data = _copy_tiny(tmp_path)
    _append(
        data / "candidates.jsonl",
        {
            "id": "c-dup",
            "skills": [
                {"skill": "patient triage", "level": 0.3, "years": 6},
                {"skill": "python", "level": 0.5},
                {"skill": "Triage", "level": 0.8, "years": 2},
            ],
            "experience": [
                {"organization": "acme", "start": "2020-01", "end": "2021-01"},
                {"organization": "acme", "start": "2020-01", "end": None},
            ],
        },
    )
    _append(
        data / "roles.jsonl",
        {
            "id": "r-dup",
            "title": "Triage nurse",
            "skills": [
                {"skill": "triage", "importance": 0.4},
                {"skill": "Patient Triage", "importance": 0.9, "required": True},
            ],
        },
    )
    report = _run(data, tmp_path / "store", _options(tmp_path, columnar))
    assert report.quarantined == 0, report.rejections
    assert _table(report, "candidates.jsonl").warnings == 2
    assert _table(report, "roles.jsonl").warnings == 1
    assert report.warnings == 3
    assert any(
        m.startswith("candidates.jsonl line 11: skills[2].skill: skill 'Triage' names the same")
        for m in report.warning_messages
    ), report.warning_messages
    with LadybugStore(tmp_path / "store", read_only=True) as store:
        has = store.run_text(
            "MATCH (:Candidate {id: 'c-dup'})-[h:HAS_SKILL]->(s:Skill) "
            "RETURN s.id AS sid, h.level AS level, h.years AS years ORDER BY sid"
        )
        req = store.run_text(
            "MATCH (:Role {id: 'r-dup'})-[q:REQUIRES_SKILL]->(s:Skill) "
            "RETURN s.id AS sid, q.importance AS importance, q.required AS required"
        )
        stint = store.run_text(
            "MATCH (:Candidate {id: 'c-dup'})-[w:WORKED_AT]->() RETURN w.end_date AS e_date"
        )
    assert [(r["sid"], r["level"], r["years"]) for r in has] == [
        ("python", 0.5, None),
        ("triage", 0.8, 6.0),
    ]
    assert [(r["sid"], r["importance"], r["required"]) for r in req] == [("triage", 0.9, True)]
    assert [r["e_date"] for r in stint] == [None]  # the open end wins


@PATHS
def test_byte_order_marks_are_read(tmp_path: Path, columnar: bool) -> None:
    data = _copy_tiny(tmp_path)
    for name in ("candidates.jsonl", "skills.jsonl"):
        path = data / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    shutil.copy(Path(__file__).parents[1] / "data" / "csv" / "roles.csv", data / "roles.csv")
    (data / "roles.jsonl").unlink()
    roles_csv = data / "roles.csv"
    roles_csv.write_bytes(b"\xef\xbb\xbf" + roles_csv.read_bytes())
    (data / "interactions.jsonl").unlink()
    report = _run(data, tmp_path / "store", _options(tmp_path, columnar))
    assert report.quarantined == 0, report.rejections
    assert _table(report, "candidates.jsonl").imported == 10
    assert _table(report, "roles.csv").imported > 0


@PATHS
def test_bad_bytes_are_quarantined_per_row_and_the_store_stays_readable(
    tmp_path: Path, columnar: bool
) -> None:
    data = _copy_tiny(tmp_path)
    _append(
        data / "candidates.jsonl",
        b'{"id": "c-bad", "headline": "caf\xe9 owner"}',
        {"id": "c-good", "headline": "café owner"},
    )
    shutil.copy(Path(__file__).parents[1] / "data" / "csv" / "roles.csv", data / "roles.csv")
    (data / "roles.jsonl").unlink()
    (data / "interactions.jsonl").unlink()
    with (data / "roles.csv").open("ab") as fh:
        fh.write(b"r-bad,Baker \xff\xfe,,,,,,,,\n")
    report = _run(data, tmp_path / "store", _options(tmp_path, columnar))
    assert (
        "candidates.jsonl line 11: -: not valid UTF-8 (byte 0xe9 at position 32); "
        "the file must be UTF-8" in report.rejections
    )
    assert any(
        m.startswith("roles.csv line") and "not valid UTF-8" in m for m in report.rejections
    ), report.rejections
    assert report.quarantined == 2
    with LadybugStore(tmp_path / "store", read_only=True) as store:
        texts = store.run_text("MATCH (c:Candidate) RETURN c.headline AS h, c.summary AS s")
        assert "café owner" in {r["h"] for r in texts}
        store.run_text("MATCH (r:Role) RETURN r.title, r.description")  # decodes
    lines = (tmp_path / "q").glob("import-*.jsonl")
    for path in lines:
        for line in path.read_text(encoding="utf-8").splitlines():
            json.loads(line)  # the quarantine file itself is valid UTF-8 JSON


@PATHS
@pytest.mark.parametrize(
    ("field", "row", "message"),
    [
        (
            "at",
            {**INTERACTION, "type": "APPLIED", "at": "9999-12-31T23:59:59-14:00"},
            "at: must be between 1970-01-01 and a day after this import",
        ),
        (
            "at",
            {**INTERACTION, "type": "APPLIED", "at": "1960-01-01T00:00:00Z"},
            "at: must be between 1970-01-01 and a day after this import",
        ),
    ],
)
def test_implausible_times_are_quarantined_on_both_paths(
    tmp_path: Path, columnar: bool, field: str, row: dict, message: str
) -> None:
    data = _copy_tiny(tmp_path)
    _append(data / "interactions.jsonl", row)
    report = _run(data, tmp_path / "store", _options(tmp_path, columnar))
    assert report.quarantined == 1
    assert report.rejections[0].startswith(f"interactions.jsonl line 21: {message}")


@PATHS
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"experience": [{"organization": "acme", "start": "0000-01", "end": "9999-12"}]},
            "experience[0]: start 0000-01 is outside 1940-01..",
        ),
        (
            {"experience": [{"organization": "acme", "start": "2999-01"}]},
            "experience[0]: start 2999-01 is outside 1940-01..",
        ),
        (
            {"experience": [{"organization": "acme", "start": "2020-01", "end": "2999-01"}]},
            "experience[0]: end 2999-01 is outside 1940-01..",
        ),
        (
            {"sensitive": {"age_band": "25-16"}},
            "sensitive: age_band must look like '25-34' or '65+' with ages up to 120",
        ),
        (
            {"sensitive": {"age_band": "２５-３４"}},
            "sensitive: age_band must look like '25-34' or '65+' with ages up to 120",
        ),
        (
            {"sensitive": {"age_band": "30-300"}},
            "sensitive: age_band must look like '25-34' or '65+' with ages up to 120",
        ),
        ({"skills": [{"skill": "python", "level": 1e9}]}, "skills[0].level: Input should be"),
        ({"skills": [{"skill": "python", "years": -1}]}, "skills[0].years: Input should be"),
        ({"signals": {"reliability": 50}}, "signals.reliability: Input should be"),
    ],
)
def test_implausible_values_are_quarantined_on_both_paths(
    tmp_path: Path, columnar: bool, change: dict, reason: str
) -> None:
    data = _copy_tiny(tmp_path)
    _append(data / "candidates.jsonl", {"id": "c-odd", **change})
    report = _run(data, tmp_path / "store", _options(tmp_path, columnar))
    assert report.quarantined == 1, report.rejections
    assert report.rejections[0].startswith(f"candidates.jsonl line 11: {reason}"), report.rejections
    assert "25-16" not in report.rejections[0]  # a sensitive value is never quoted


# -- references to rejected rows ---------------------------------------------------------

BAD = {
    "domains.jsonl": {"id": "d-bad", "name": ""},
    "locations.jsonl": {"id": "l-bad", "name": ""},
    "organizations.jsonl": {"id": "o-bad", "name": ""},
    "skills.jsonl": {"id": "s-bad", "name": ""},
    "occupations.jsonl": {"id": "oc-bad", "name": ""},
    "roles.jsonl": {"id": "r-bad", "title": ""},
    "candidates.jsonl": {"id": "c-bad", "skills": [{"skill": "python", "level": 7}]},
}
# (file, row naming a rejected row, expected "field: reason" start)
REFERENCES = [
    ("locations.jsonl", {"id": "l-x", "name": "X", "parent": "l-bad"}, "parent: parent 'l-bad'"),
    ("organizations.jsonl", {"id": "o-x", "name": "X", "location": "l-bad"}, "location: "),
    ("organizations.jsonl", {"id": "o-y", "name": "Y", "domain": "d-bad"}, "domain: "),
    ("skills.jsonl", {"id": "s-x", "name": "X", "domain": "d-bad"}, "domain: "),
    ("similarities.jsonl", {"source": "s-bad", "target": "sql", "weight": 0.5}, "source: "),
    ("similarities.jsonl", {"source": "sql", "target": "s-bad", "weight": 0.5}, "target: "),
    ("roles.jsonl", {"id": "r-x", "title": "X", "organization": "o-bad"}, "organization: "),
    ("roles.jsonl", {"id": "r-y", "title": "Y", "location": "l-bad"}, "location: "),
    ("roles.jsonl", {"id": "r-z", "title": "Z", "domain": "d-bad"}, "domain: "),
    ("roles.jsonl", {"id": "r-w", "title": "W", "occupation": "oc-bad"}, "occupation: "),
    (
        "roles.jsonl",
        {"id": "r-v", "title": "V", "skills": [{"skill": "sql"}, {"skill": "s-bad"}]},
        "skills[1].skill: ",
    ),
    ("candidates.jsonl", {"id": "c-x", "location": "l-bad"}, "location: "),
    ("candidates.jsonl", {"id": "c-y", "skills": [{"skill": "s-bad"}]}, "skills[0].skill: "),
    (
        "candidates.jsonl",
        {"id": "c-z", "experience": [{"organization": "o-bad", "start": "2020-01"}]},
        "experience[0].organization: ",
    ),
    (
        "candidates.jsonl",
        {
            "id": "c-w",
            "experience": [{"organization": "acme", "domain": "d-bad", "start": "2020-01"}],
        },
        "experience[0].domain: ",
    ),
    ("interactions.jsonl", {**INTERACTION, "candidate": "c-bad", "type": "APPLIED"}, "candidate: "),
    ("interactions.jsonl", {**INTERACTION, "role": "r-bad", "type": "APPLIED"}, "role: "),
]
BAD_LINE = {name: sum(1 for _ in (TINY / name).open()) + 1 for name in BAD}


@PATHS
@pytest.mark.parametrize("incremental", [False, True], ids=["bulk", "incremental"])
def test_a_reference_to_a_rejected_row_is_quarantined_with_where(
    tmp_path: Path, columnar: bool, incremental: bool
) -> None:
    data = _copy_tiny(tmp_path)
    store_dir = tmp_path / "store"
    if incremental:  # the store already holds the tiny graph: upserts, not COPY
        report = _run(_copy_tiny(tmp_path, "first"), store_dir, _options(tmp_path, columnar))
        assert report.quarantined == 0
    for name, row in BAD.items():
        _append(data / name, row)
    for name, row, _ in REFERENCES:
        _append(data / name, row)
    before = _count(store_dir, "MATCH ()-[r]->() RETURN count(r) AS n") if incremental else 0
    report = _run(data, store_dir, _options(tmp_path, columnar))
    assert report.quarantined == len(BAD) + len(REFERENCES), report.rejections
    for name, row, start in REFERENCES:
        ref = next(v for v in json.dumps(row).split('"') if v.endswith("-bad"))
        bad_file = next(f for f, r in BAD.items() if r["id"] == ref)
        where = f"was rejected at {bad_file} line {BAD_LINE[bad_file]}"
        assert any(
            m.startswith(f"{name} line ") and f": {start}" in m and where in m
            for m in report.rejections
        ), (name, row, report.rejections)
    if incremental:  # nothing of the refused rows was written, nothing else changed
        assert _count(store_dir, "MATCH ()-[r]->() RETURN count(r) AS n") == before
    for label, node_id in (("Candidate", "c-x"), ("Role", "r-x"), ("Organization", "o-bad")):
        assert _count(store_dir, f"MATCH (n:{label} {{id: '{node_id}'}}) RETURN count(n) AS n") == 0


@PATHS
def test_every_written_interaction_is_really_in_the_graph(tmp_path: Path, columnar: bool) -> None:
    """The silent drop: an incremental import reported an interaction of a rejected
    candidate as accepted and wrote nothing."""
    store_dir = tmp_path / "store"
    _run(_copy_tiny(tmp_path, "first"), store_dir, _options(tmp_path, columnar))
    before = _count(store_dir, "MATCH ()-[i:INTERACTED]->() RETURN count(i) AS n")
    data = tmp_path / "second"
    data.mkdir()
    _append(data / "roles.jsonl", {"id": "r9", "title": "Baker"})
    _append(
        data / "candidates.jsonl",
        {"id": "c-new", "headline": "baker"},
        {"id": "c-2", "skills": [{"skill": "bread", "level": 3}]},
    )
    _append(
        data / "interactions.jsonl",
        {**INTERACTION, "candidate": "c-2", "role": "r9", "type": "applied"},
        {**INTERACTION, "candidate": "c-new", "role": "r9", "type": "applied"},
        {**INTERACTION, "candidate": "c-new", "role": "r9", "type": "applied"},  # exact repeat
    )
    report = _run(data, store_dir, _options(tmp_path, columnar))
    table = _table(report, "interactions.jsonl")
    assert (table.rows, table.imported, table.merged, table.quarantined) == (3, 1, 1, 1)
    assert report.rejections[-1] == (
        "interactions.jsonl line 1: candidate: candidate 'c-2' was rejected at "
        "candidates.jsonl line 2"
    )
    after = _count(store_dir, "MATCH ()-[i:INTERACTED]->() RETURN count(i) AS n")
    assert after == before + table.imported


def test_the_report_refuses_rows_that_do_not_add_up() -> None:
    with pytest.raises(ValueError, match="3 rows read but 1 imported"):
        TableReport(file="x.jsonl", rows=3, imported=1, merged=1, quarantined=0)


@PATHS
def test_a_profile_updated_to_show_a_minor_is_removed(tmp_path: Path, columnar: bool) -> None:
    store_dir = tmp_path / "store"
    first = _copy_tiny(tmp_path, "first")
    _run(first, store_dir, _options(tmp_path, columnar))
    assert _count(store_dir, "MATCH (c:Candidate {id: 'c1'}) RETURN count(c) AS n") == 1
    data = tmp_path / "second"
    data.mkdir()
    (data / "roles.jsonl").write_text("")
    _append(data / "candidates.jsonl", {"id": "c1", "sensitive": {"age_band": "16-17"}})
    _append(data / "interactions.jsonl", {**INTERACTION, "type": "APPLIED"})
    report = _run(data, store_dir, _options(tmp_path, columnar))
    assert report.removed == {"Candidate": 1}
    assert report.rejections == [
        (
            "candidates.jsonl line 1: sensitive: age_band describes a minor; profiles of "
            "minors are not imported"
        ),
        (
            "interactions.jsonl line 1: candidate: candidate 'c1' was removed by this import "
            "(candidates.jsonl line 1)"
        ),
    ]
    assert _count(store_dir, "MATCH (c:Candidate {id: 'c1'}) RETURN count(c) AS n") == 0
    with LadybugStore(store_dir, read_only=True) as store:  # its attributes went with it
        ids = [r["id"] for r in store.read_sensitive("audit")]
    assert ids == ["c10", *(f"c{i}" for i in range(2, 10))]
    quarantined = next((tmp_path / "q").glob("import-second-*.jsonl")).read_text()
    assert "16-17" not in quarantined and '"raw": ""' in quarantined


def test_quarantine_files_are_private_and_hold_no_sensitive_value(tmp_path: Path) -> None:
    data = _copy_tiny(tmp_path)
    _append(
        data / "candidates.jsonl",
        {
            "id": "c-q",
            "skills": [{"skill": "python", "level": 7}],
            "sensitive": {"gender": "Zebrafemme", "ethnicity": "Quokkan", "age_band": "35-44"},
        },
        '{"id": "c-broken", "sensitive": {"gender": "Zebrafemme", "nationality": "Wombatian"',
        {"id": "c-extra", "gender": "Zebrafemme"},
    )
    report = _run(data, tmp_path / "store", _options(tmp_path, True))
    assert report.quarantined == 3
    path = Path(report.quarantine_file)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    store_dir = (
        tmp_path / "store"
    )  # the store itself: folder 0700, database and sensitive files 0600
    assert stat.S_IMODE(store_dir.stat().st_mode) == 0o700
    for name in ("graph.lbdb", "sensitive.sqlite"):
        assert stat.S_IMODE((store_dir / name).stat().st_mode) == 0o600, name
    text = path.read_text()
    for value in ("Zebrafemme", "Quokkan", "Wombatian", "35-44"):
        assert value not in text
    assert "[redacted]" in text
