"""The import's surface, issue #16 ("Nothing leaked, round two"): what an import opens (regular
files inside the dataset folder, within size limits), what its quarantine keeps (no protected
value in clear, no raw text of a row that does not parse), how it reads ages (any statement
of an age under 18 removes the person) and times (numbers are Unix seconds), and how it
reports a wrong CSV header (the expected columns; ``--strict`` fails). Every store is real,
on disk, and every case that has two validation paths runs on both."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from graph_schema.errors import ConfigError
from graph_schema.sensitive import is_protected_name
from loaders.dataset_fields import (
    FIELDS_BEGIN,
    csv_columns,
    field_docs,
    generated_part,
    render_fields,
)
from loaders.import_job import ImportJob, ImportOptions, ImportReport
from loaders.minors import birth_states_minor, states_minor
from loaders.quarantine import Quarantine, is_sensitive_key, redact
from loaders.records import TABLES
from loaders.stores.ladybug import LadybugStore
from loaders.table_files import ReadLimits, open_table

TINY = Path(__file__).parents[1] / "data" / "tiny"
DOCS = Path(__file__).parents[2] / "docs" / "dataset.md"
PATHS = pytest.mark.parametrize("columnar", [True, False], ids=["columnar", "per-row"])
SECRET = "Secretvalue"
INTERACTION = {"candidate": "c1", "role": "r2", "type": "APPLIED", "actor": "candidate"}


def _tiny(tmp_path: Path, name: str = "data") -> Path:
    data = tmp_path / name
    shutil.copytree(TINY, data, ignore=shutil.ignore_patterns("*.md"))
    return data


def _options(tmp_path: Path, columnar: bool = True, **more) -> ImportOptions:
    return ImportOptions(
        progress=False, as_of="2025-01", columnar=columnar, quarantine_dir=tmp_path / "q", **more
    )


def _run(data: Path, store: Path, options: ImportOptions) -> ImportReport:
    with LadybugStore(store) as s:
        return ImportJob(s, options).run(data)


def _append(path: Path, *lines: bytes | dict) -> None:
    with path.open("ab") as fh:
        for line in lines:
            fh.write((json.dumps(line).encode() if isinstance(line, dict) else line) + b"\n")


def _quarantine(tmp_path: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted((tmp_path / "q").glob("import-*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def _quarantined_text(tmp_path: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "q").glob("*.jsonl"))


def _ids(store: Path, label: str) -> list[str]:
    with LadybugStore(store, read_only=True) as s:
        return sorted(r["id"] for r in s.run_text(f"MATCH (n:{label}) RETURN n.id AS id"))


def _table(report: ImportReport, file: str):
    return next(t for t in report.tables if t.file == file)


# -- 2. inputs that are not regular files; limits -----------------------------------------


def test_a_symlink_out_of_the_dataset_folder_is_refused_and_nothing_is_read(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "shadow"
    secret.write_text(f"root:{SECRET}:19000:0:99999:7:::\n")
    data = _tiny(tmp_path)
    (data / "candidates.jsonl").unlink()
    (data / "candidates.jsonl").symlink_to(secret)
    with pytest.raises(ConfigError) as raised:
        _run(data, tmp_path / "store", _options(tmp_path))
    assert str(raised.value) == (
        f"candidates.jsonl: is a symbolic link to {secret}, outside the dataset folder {data}; "
        "a link is followed only to a file inside the folder"
    )
    assert not (tmp_path / "q").exists() or SECRET not in _quarantined_text(tmp_path)


def test_a_symlink_inside_the_dataset_folder_is_read(tmp_path: Path) -> None:
    data = _tiny(tmp_path)
    (data / "v2").mkdir()
    (data / "candidates.jsonl").rename(data / "v2" / "people.jsonl")
    (data / "candidates.jsonl").symlink_to(Path("v2") / "people.jsonl")
    report = _run(data, tmp_path / "store", _options(tmp_path))
    assert (_table(report, "candidates.jsonl").imported, report.quarantined) == (10, 0)


def _hung(signum: int, frame: object) -> None:
    raise TimeoutError("the import blocked on a FIFO")


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    data = _tiny(tmp_path)
    (data / "roles.jsonl").unlink()
    os.mkfifo(data / "roles.jsonl")
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(20)  # the bug was a hang: fail instead of blocking the test run
    try:
        with pytest.raises(ConfigError) as raised:
            _run(data, tmp_path / "store", _options(tmp_path))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert str(raised.value) == (
        "roles.jsonl: is a FIFO (named pipe), not a regular file; an import reads regular "
        "files only"
    )


def test_a_device_is_refused_when_opened(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        open_table(Path("/dev/zero"), ReadLimits(), folder=Path("/dev"))
    assert str(raised.value) == (
        "zero: is a character device, not a regular file; an import reads regular files only"
    )
    data = _tiny(tmp_path)
    (data / "candidates.jsonl").unlink()
    (data / "candidates.jsonl").symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match=r"^candidates.jsonl: is a symbolic link to /dev/zero, "):
        _run(data, tmp_path / "store", _options(tmp_path))


@PATHS
def test_a_line_over_the_limit_is_quarantined_naming_file_and_line(
    tmp_path: Path, columnar: bool
) -> None:
    data = _tiny(tmp_path)
    long_row = {"id": "c-long", "summary": "x" * 5000, "sensitive": {"gender": SECRET}}
    _append(data / "candidates.jsonl", long_row, {"id": "c-after"})
    report = _run(data, tmp_path / "store", _options(tmp_path, columnar, max_line_bytes=4096))
    size = len(json.dumps(long_row))
    assert report.rejections == [
        (
            f"candidates.jsonl line 11: -: the row is {size:,} bytes; a row may be at most 4,096 "
            "bytes (import_options.max_line_bytes)"
        )
    ]
    assert "c-after" in _ids(tmp_path / "store", "Candidate")
    assert _quarantine(tmp_path)[0]["raw"] == ""


def test_a_line_without_end_is_read_in_bounded_pieces(tmp_path: Path) -> None:
    """Like /dev/zero in a regular file: one line of 3 MB is skipped, never held whole."""
    data = _tiny(tmp_path)
    with (data / "candidates.jsonl").open("ab") as fh:
        fh.write(b"\0" * 3_000_000)
    report = _run(data, tmp_path / "store", _options(tmp_path, max_line_bytes=65_536))
    assert report.rejections == [
        (
            "candidates.jsonl line 11: -: the row is 3,000,000 bytes; a row may be at most 65,536 "
            "bytes (import_options.max_line_bytes)"
        )
    ]


def test_a_csv_record_over_the_limit_is_quarantined(tmp_path: Path) -> None:
    data = tmp_path / "csv"
    data.mkdir()
    (data / "roles.csv").write_text("id,title\nr1,Nurse\n")
    (data / "candidates.csv").write_text(f"id,headline\nc1,{'y' * 3000}\nc2,ok\n")
    report = _run(data, tmp_path / "store", _options(tmp_path, max_line_bytes=1024))
    assert report.rejections == [
        (
            "candidates.csv line 2: -: the record that starts on this line is over 1,024 bytes "
            "(import_options.max_line_bytes), or a quoted cell in it is never closed: lines 2..3 "
            "(the rest of the file) were not read"
        )
    ]


def test_a_file_over_the_limit_stops_the_import_before_anything_is_written(
    tmp_path: Path,
) -> None:
    data = _tiny(tmp_path)
    size, largest = max((p.stat().st_size, p.name) for p in data.iterdir())
    with pytest.raises(ConfigError) as raised:
        _run(data, tmp_path / "store", _options(tmp_path, max_file_bytes=size - 1))
    assert str(raised.value) == (
        f"{largest}: the file is {size:,} bytes; a table file may be at most {size - 1:,} "
        "bytes (import_options.max_file_bytes)"
    )
    with LadybugStore(tmp_path / "store", read_only=True) as s:
        assert not any(s.node_counts().values())


def test_a_file_that_grows_while_it_is_read_stops_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "candidates.jsonl"
    path.write_bytes(b"{}\n" * 10)
    with open_table(path, ReadLimits(file_bytes=100)) as fh:
        with path.open("ab") as grow:
            grow.write(b"{}\n" * 100)
        with pytest.raises(ConfigError) as raised:
            fh.read()
    assert str(raised.value) == (
        "candidates.jsonl: the file grew past 100 bytes while it was read; a table file may "
        "be at most 100 bytes (import_options.max_file_bytes)"
    )


# -- 5. no protected value in clear in the quarantine --------------------------------------


def test_protected_columns_of_a_csv_are_redacted_in_reason_and_raw(tmp_path: Path) -> None:
    data = tmp_path / "csv"
    data.mkdir()
    (data / "roles.csv").write_text("id,title\nr1,Nurse\n")
    (data / "candidates.csv").write_text(
        "id,headline,sex,date_of_birth,ethnic_origin,Date-Of-Birth,ETHNIC_ORIGIN,marital status\n"
        "c1,nurse,Zebrafemme,1971-02-03,Quokkan,1972-03-04,Wombatian,Numbatwed\n"
    )
    report = _run(data, tmp_path / "store", _options(tmp_path))
    text = _quarantined_text(tmp_path) + " ".join(report.rejections)
    for value in ("Zebrafemme", "1971-02-03", "Quokkan", "1972-03-04", "Wombatian", "Numbatwed"):
        assert value not in text
    (entry,) = _quarantine(tmp_path)
    assert (entry["field"], entry["reason"]) == (
        "sex",
        (
            "Extra inputs are not permitted (+5 more: date_of_birth: Extra inputs are not "
            "permitted; ethnic_origin: Extra inputs are not permitted; Date-Of-Birth: Extra "
            "inputs are not permitted)"
        ),
    )
    assert json.loads(entry["raw"]) == {
        "id": "c1",
        "headline": "nurse",
        "sex": "[redacted]",
        "date_of_birth": "[redacted]",
        "ethnic_origin": "[redacted]",
        "Date-Of-Birth": "[redacted]",
        "ETHNIC_ORIGIN": "[redacted]",
        "marital status": "[redacted]",
    }


def test_a_broken_json_row_keeps_no_raw_text(tmp_path: Path) -> None:
    data = _tiny(tmp_path)
    _append(
        data / "candidates.jsonl",
        b'{"id": "c-x", "\\u0073ensitive": {"\\u0067ender": "' + SECRET.encode() + b'"',
    )
    report = _run(data, tmp_path / "store", _options(tmp_path))
    (entry,) = _quarantine(tmp_path)
    assert (entry["file"], entry["line"], entry["field"], entry["raw"]) == (
        "candidates.jsonl",
        11,
        "-",
        "",
    )
    assert entry["reason"].startswith("Invalid JSON: EOF while parsing")
    assert SECRET not in _quarantined_text(tmp_path) + " ".join(report.rejections)


def test_a_csv_row_shifted_past_a_sensitive_column_keeps_no_raw_text(tmp_path: Path) -> None:
    data = tmp_path / "csv"
    data.mkdir()
    (data / "roles.csv").write_text("id,title\nr1,Nurse\n")
    (data / "candidates.csv").write_text(
        f"id,headline,sensitive.gender\nc1,nurse, London,{SECRET}\n"
    )
    report = _run(data, tmp_path / "store", _options(tmp_path))
    assert report.rejections == [
        "candidates.csv line 2: -: the row has 1 more cells than the header has columns"
    ]
    assert _quarantine(tmp_path)[0]["raw"] == ""
    assert SECRET not in _quarantined_text(tmp_path)


def test_redaction_reads_names_in_any_case_or_separator() -> None:
    for name in (
        "sex",
        "Gender ",
        "Date-Of-Birth",
        "ETHNIC_ORIGIN",
        "marital status",
        "ageBand",
        "year_of_birth",
        "Religion",
        "race",
        "disabled",
        "Nationality",
        "pregnant",
        "sensitive.x",
        "age",
    ):
        assert is_sensitive_key(name), name
    for name in ("language", "stage", "engagement", "page", "headline", "id", "trace"):
        assert not is_protected_name(name) and not is_sensitive_key(name), name
    assert redact('{"a": {"x": 1}, "a": {"sex": "F"}}') == '{"a": {"sex": "[redacted]"}}'
    assert redact('["F", "1990-01-01"]') == ""
    q = Quarantine(None)
    q.reject("c.csv", 2, "-", "bad", '{"id": "c1", "Sex": "F", "notes": {"DOB": "1990"}}')
    assert q.sample[0].raw == '{"id": "c1", "Sex": "[redacted]", "notes": {"DOB": "[redacted]"}}'


# -- 7. any statement of an age under 18 removes the person --------------------------------


@PATHS
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sensitive": {"age_band": "16"}}, "sensitive"),
        ({"sensitive": {"age_band": "under 18"}}, "sensitive"),
        ({"sensitive": {"age_band": "minor"}}, "sensitive"),
        ({"sensitive": {"age_band": "\uff1016-17"}}, "sensitive"),
        ({"sensitive": {"age_band": "U18"}}, "sensitive"),
        ({"sensitive": {"age_band": "born 2011"}}, "sensitive"),  # hostile probe, round 3
        ({"sensitive": {"age_band": "not yet 18"}}, "sensitive"),
        ({"sensitive": {"age": 16}}, "sensitive.age"),
        ({"sensitive": {"Age": "17 years"}}, "sensitive.Age"),
        ({"date_of_birth": "2010-03-01"}, "date_of_birth"),
        ({"sensitive": {"gender": "f", "age": "16"}, "skills": 3}, "sensitive.age"),
    ],
)
def test_an_adult_updated_to_any_minor_age_is_removed(
    tmp_path: Path, columnar: bool, change: dict, field: str
) -> None:
    store = tmp_path / "store"
    _run(_tiny(tmp_path, "first"), store, _options(tmp_path, columnar))
    data = tmp_path / "second"
    data.mkdir()
    (data / "roles.jsonl").write_text("")
    _append(data / "candidates.jsonl", {"id": "c2", "headline": "changed", **change})
    report = _run(data, store, _options(tmp_path, columnar))
    assert report.removed == {"Candidate": 1}
    assert "c2" not in _ids(store, "Candidate")
    with LadybugStore(store, read_only=True) as s:
        assert "c2" not in {r["id"] for r in s.read_sensitive("audit")}
    (entry,) = [e for e in _quarantine(tmp_path) if e["line"] == 1 and "second" in str(e)] or [
        e for e in _quarantine(tmp_path) if e["file"] == "candidates.jsonl"
    ]
    assert entry["field"] == field
    reason = (
        "age_band describes a minor; profiles of minors are not imported"
        if field == "sensitive"
        else "says the person is under 18; profiles of minors are not imported"
    )
    assert entry["reason"] == reason and entry["raw"] == ""


def test_a_minor_date_of_birth_in_a_csv_removes_the_person(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _run(_tiny(tmp_path, "first"), store, _options(tmp_path))
    data = tmp_path / "second"
    data.mkdir()
    (data / "roles.csv").write_text("id,title\n")
    (data / "candidates.csv").write_text("id,Date-Of-Birth\nc3,03/04/2009\nc4,1980-05-06\n")
    report = _run(data, store, _options(tmp_path))
    assert report.removed == {"Candidate": 1}
    assert report.rejections == [
        (
            "candidates.csv line 2: Date-Of-Birth: says the person is under 18; profiles of minors "
            "are not imported"
        ),
        "candidates.csv line 3: Date-Of-Birth: Extra inputs are not permitted",
    ]
    ids = _ids(store, "Candidate")
    assert "c3" not in ids and "c4" in ids  # an adult's unknown column: quarantined, kept


def test_age_statements_read_the_way_people_write_them() -> None:
    minors = [
        "16",
        "０16-17",
        "under 18",
        "Under-18",
        "u18",
        "U 16",
        "minor",
        "Child",
        "<18",
        "17 and under",
        "16+",
        "over 16",
        "aged 16",
        "16 years old",
        "10-200",
        "17-15",
        "between 16 and 20",
        "15.5",
        "juvenile",
        "not yet 18",
        "noch nicht 18",
    ]
    adults = [
        "25-34",
        "65+",
        "18+",
        "18-24",
        "over 17",
        "30",
        "35 years",
        "25-16",
        "30-300",
        "２５-３４",
        "prefer not to say",
        "",
        "65 and over",
        "Adult",
    ]
    assert [v for v in minors if not states_minor(v)] == []
    born = ["born 2011", "Geboren 2012", "b. 2010", "born 1980", "born in 2000"]
    assert [states_minor(v, "2026-12") for v in born] == [True, True, True, False, False]
    assert [v for v in adults if states_minor(v)] == []
    assert [states_minor(v) for v in (16, 17.9, 18, True, None, float("nan"))] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    as_of = "2025-01"
    assert birth_states_minor("2007-01-01", as_of) is False  # 18 on the first of the month
    assert birth_states_minor("2007-01-02", as_of) is True
    assert birth_states_minor("2007", as_of) is True  # born in December 2007 at the latest
    assert birth_states_minor("2006", as_of) is False
    assert birth_states_minor("01/02/2007", as_of) is True  # 2 January or 1 February: either
    assert birth_states_minor(1990, as_of) is False and birth_states_minor("soon", as_of) is False


# -- 14. numeric times are Unix seconds ------------------------------------------------------


@PATHS
@pytest.mark.parametrize(
    ("at", "reason"),
    [
        (253402300800, "got 253402300800"),
        ("253402300800", "got '253402300800'"),
        (-1, "got -1"),
        (1e300, "got 1e+300"),
    ],
)
def test_a_unix_time_out_of_range_is_quarantined_with_its_value(
    tmp_path: Path, columnar: bool, at, reason: str
) -> None:
    data = _tiny(tmp_path)
    _append(data / "interactions.jsonl", {**INTERACTION, "at": at})
    report = _run(data, tmp_path / "store", _options(tmp_path, columnar))
    (message,) = report.rejections
    assert message.startswith(
        "interactions.jsonl line 21: at: must be between 1970-01-01 and a day after this import ("
    )
    assert message.endswith(f"); {reason}")


@PATHS
def test_a_unix_time_is_read_as_seconds(tmp_path: Path, columnar: bool) -> None:
    data = _tiny(tmp_path)
    _append(data / "interactions.jsonl", {**INTERACTION, "at": 1_700_000_000})
    report = _run(data, tmp_path / "store", _options(tmp_path, columnar))
    assert report.quarantined == 0, report.rejections
    with LadybugStore(tmp_path / "store", read_only=True) as s:
        rows = s.run_text(
            "MATCH (:Candidate {id: 'c1'})-[i:INTERACTED]->(:Role {id: 'r2'}) RETURN i.at AS at"
        )
    assert [r["at"] for r in rows] == ["2023-11-14T22:13:20+00:00"]


# -- 15. a wrong CSV header; the field list in the docs -------------------------------------


def test_a_wrong_csv_header_lists_expected_and_unknown_columns(tmp_path: Path) -> None:
    data = tmp_path / "csv"
    data.mkdir()
    (data / "roles.csv").write_text("id,title\nr1,Nurse\n")
    (data / "candidates.csv").write_text("id,headline,favourite_colour,id\nc1,nurse,,c1\n")
    report = _run(data, tmp_path / "store", _options(tmp_path))
    expected = ", ".join(csv_columns(TABLES["candidates"]))
    assert report.file_errors == [
        (
            "candidates.csv line 1: header: unknown columns 'favourite_colour'; columns given more "
            f"than once 'id'; the columns of candidates.csv are: {expected}"
        )
    ]
    assert expected.startswith("id, headline, summary, location, skills, experience, signals, ")
    assert report.quarantined == 0  # the unknown column is empty in every row
    db = str(tmp_path / "cli-store")
    runner = CliRunner()
    lenient = runner.invoke(app, ["import", str(data), "--db", db, "--json"])
    assert lenient.exit_code == 0, lenient.output
    strict = runner.invoke(app, ["import", str(data), "--db", db, "--strict", "--json"])
    assert strict.exit_code == 1, strict.output
    assert json.loads(strict.output)["file_errors"] == report.file_errors


def test_the_docs_list_every_field_of_every_table() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert generated_part(text) == render_fields()  # regenerate: python -m loaders.dataset_fields
    section = text[text.index(FIELDS_BEGIN) :]
    for table, model in TABLES.items():
        assert f"`{table}.jsonl` or `{table}.csv`" in section
        for field in field_docs(model):
            assert f"| `{field.path}` |" in section, (table, field.path)
    paths = {f.path for f in field_docs(TABLES["candidates"])}
    assert {
        "skills[].level",
        "experience[].start",
        "sensitive.age_band",
        "signals.churn_risk",
    } <= paths


# -- round three: ESCO files, lookalike names, minors in other spellings, control chars -----

ESCO = Path(__file__).parents[1] / "data" / "esco" / "v1_2"


def _esco(tmp_path: Path) -> Path:
    folder = tmp_path / "esco"
    shutil.copytree(ESCO, folder)
    return folder


def test_an_esco_file_linked_out_of_the_folder_is_refused_and_nothing_is_read(
    tmp_path: Path,
) -> None:
    from loaders.esco_import import EscoImportJob

    secret = tmp_path / "shadow"
    secret.write_text(f"conceptUri,preferredLabel\nroot,{SECRET}\n")
    folder = _esco(tmp_path)
    (folder / "skills_en.csv").unlink()
    (folder / "skills_en.csv").symlink_to(secret)
    with LadybugStore(tmp_path / "store") as s, pytest.raises(ConfigError) as raised:
        EscoImportJob(s, _options(tmp_path)).run(folder)
    assert str(raised.value).startswith(
        f"skills_en.csv: is a symbolic link to {secret}, outside the dataset folder"
    )
    result = CliRunner().invoke(app, ["import", str(folder), "--db", str(tmp_path / "cli")])
    assert result.exit_code == 2, result.output
    assert "outside the dataset folder" in result.output and SECRET not in result.output
    assert not (tmp_path / "q").exists() or SECRET not in _quarantined_text(tmp_path)
    (folder / "skills_en.csv").unlink()
    os.mkfifo(folder / "skills_en.csv")
    with LadybugStore(tmp_path / "store") as s, pytest.raises(ConfigError, match="FIFO"):
        EscoImportJob(s, _options(tmp_path)).run(folder)


def test_an_esco_file_over_the_limits_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    import csv

    from loaders.esco_csv import read_esco_csv

    folder = _esco(tmp_path)
    with (folder / "skills_en.csv").open("a", encoding="utf-8") as fh:
        fh.write(f'KnowledgeSkillCompetence,http://x/esco/skill/long,"{"z" * 5000}",x\n')
    lines = (folder / "skills_en.csv").read_text(encoding="utf-8").count("\n")
    previous = csv.field_size_limit(1000)
    try:
        with pytest.raises(ConfigError) as raised:
            read_esco_csv(folder, Quarantine(None))
    finally:
        csv.field_size_limit(previous)
    assert str(raised.value) == (
        f"skills_en.csv line {lines}: a CSV field is over the limit of 1,000 characters "
        "(csv.field_size_limit), or a quoted cell in it is never closed"
    )
    with pytest.raises(ConfigError, match=rf"^skills_en.csv line {lines}: the record .* 4,096"):
        read_esco_csv(folder, Quarantine(None), ReadLimits(line_bytes=4096))
    size = (folder / "skills_en.csv").stat().st_size
    with pytest.raises(ConfigError, match="^skills_en.csv: the file is"):
        read_esco_csv(folder, Quarantine(None), ReadLimits(file_bytes=size - 1))


PROTECTED_COLUMNS = {
    "DoB": "Dobvalue",
    "YoB": "Yobvalue",
    "Pronouns": "Pronounvalue",
    "Health": "Healthvalue",
    "Political Opinion": "Politicvalue",
    "Trade Union": "Unionvalue",
    "Faith": "Faithvalue",
    "Caste": "Castevalue",
    "sexual orientation": "Orientvalue",
    "religión": "Religvalue",
    "sexe": "Sexevalue",
    "Geschlecht": "Geschvalue",
    "genre": "Genrevalue",
    "sexo": "Sexovalue",
    "género": "Generovalue",
    "nationalité": "Natfrvalue",
    "Nationalität": "Natdevalue",
    "nacionalidad": "Natesvalue",
    "ethnie": "Ethnievalue",
    "Alter": "Altervalue",
    "âge": "Agefrvalue",
    "edad": "Edadvalue",
    "date de naissance": "Naissvalue",
    "Geburtsdatum": "Geburtvalue",
    "fecha de nacimiento": "Nacimvalue",
    "d.o.b.": "Dotsvalue",
}


def test_protected_columns_in_other_spellings_and_languages_are_redacted(
    tmp_path: Path,
) -> None:
    for name in PROTECTED_COLUMNS:
        assert is_sensitive_key(name), name
    data = tmp_path / "csv"
    data.mkdir()
    (data / "roles.csv").write_text("id,title\nr1,Nurse\n")
    header = ",".join(f'"{c}"' for c in PROTECTED_COLUMNS)
    values = ",".join(PROTECTED_COLUMNS.values())
    (data / "candidates.csv").write_text(f"id,headline,{header}\nc1,nurse,{values}\n")
    report = _run(data, tmp_path / "store", _options(tmp_path))
    text = _quarantined_text(tmp_path) + " ".join(report.rejections)
    assert [v for v in PROTECTED_COLUMNS.values() if v in text] == []
    (entry,) = _quarantine(tmp_path)
    raw = json.loads(entry["raw"])
    assert {raw[c] for c in PROTECTED_COLUMNS} == {"[redacted]"}


@PATHS
def test_lookalike_protected_keys_are_redacted_and_never_quoted(
    tmp_path: Path, columnar: bool
) -> None:
    lookalikes = {"\u0455ex": "PLANTCYR", "se\u00adx": "PLANTSHY", "s e x": "PLANTSPC"}
    for name in (*lookalikes, "\u0391ge", "gen\u200bder", "ＤＯＢ"):
        assert is_sensitive_key(name), name
    data = _tiny(tmp_path)
    _append(data / "candidates.jsonl", {"id": "c-look", **lookalikes})
    _append(data / "candidates.jsonl", {"id": "c-extra", "favourite": "PLANTFAV"})
    report = _run(data, tmp_path / "store", _options(tmp_path, columnar))
    text = _quarantined_text(tmp_path) + " ".join(report.rejections)
    for value in lookalikes.values():
        assert value not in text, value
    reasons = " ".join(e["reason"] for e in _quarantine(tmp_path)) + " ".join(report.rejections)
    assert "PLANTFAV" not in reasons  # an unknown key's value is kept in raw, never quoted
    assert any(r.endswith("favourite: Extra inputs are not permitted") for r in report.rejections)


@PATHS
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sensitive": {"age_band": "2010-03-01"}}, "sensitive"),
        ({"sensitive": {"age_band": "sixteen"}}, "sensitive"),
        ({"sensitive": {"age_band": "16/17"}}, "sensitive"),
        ({"sensitive": {"age_band": "1 March 2010"}}, "sensitive"),
        ({"age_in_years": 16}, "age_in_years"),
        ({"year_born": 2012}, "year_born"),
        ({"date_of_birth": "20100301"}, "date_of_birth"),
    ],
)
def test_an_adult_updated_to_a_minor_in_another_spelling_is_removed(
    tmp_path: Path, columnar: bool, change: dict, field: str
) -> None:
    store = tmp_path / "store"
    _run(_tiny(tmp_path, "first"), store, _options(tmp_path, columnar))
    data = tmp_path / "second"
    data.mkdir()
    (data / "roles.jsonl").write_text("")
    _append(data / "candidates.jsonl", {"id": "c2", "headline": "Profiletext", **change})
    report = _run(data, store, _options(tmp_path, columnar))
    assert report.removed == {"Candidate": 1}
    assert "c2" not in _ids(store, "Candidate")
    (entry,) = [e for e in _quarantine(tmp_path) if e["file"] == "candidates.jsonl"]
    assert entry["field"] == field and entry["raw"] == ""
    assert "Profiletext" not in _quarantined_text(tmp_path)


def test_age_statements_in_other_spellings_read_as_minors() -> None:
    minors = [
        "2010-03-01",
        "17 yrs old",
        "16/17",
        "15/16",
        "16~17",
        "~17",
        "sixteen",
        "Teenager",
        "20100301",
        "1 March 2010",
        "March 1, 2010",
        "1. März 2010",
        "1 de marzo de 2010",
        "-17",
        "17 ans",
        "16 Jahre",
        "dieciséis años",
        "jugendlich",
        "mineur",
        "menor",
        "adolescent",
        "kid",
        "16 or 17",
        "15 to 19",
    ]
    adults = [
        "25-34",
        "18+",
        "over 17",
        "25/34",
        "55~64",
        "eighteen",
        "twenty-five",
        "45 yrs old",
        "18 ans",
        "1990-01-01",
        "1 March 1990",
        "prefer not to say",
        "65 and over",
    ]
    assert [v for v in minors if not states_minor(v, "2025-01")] == []
    assert [v for v in adults if states_minor(v, "2025-01")] == []
    assert birth_states_minor("20100301", "2025-01") and birth_states_minor(20100301, "2025-01")
    assert birth_states_minor("1 March 2007", "2025-03") is False
    assert birth_states_minor("2 March 2007", "2025-03") is True


def test_reasons_built_from_input_carry_no_control_characters(tmp_path: Path) -> None:
    data = _tiny(tmp_path)
    _append(data / "candidates.jsonl", {"id": "c-ctl", "x\x1b[2J\u202e\x85": "v"})
    report = _run(data, tmp_path / "store", _options(tmp_path))
    (message,) = report.rejections
    assert message == (
        "candidates.jsonl line 11: x\\x1b[2J\\u202e\\x85: Extra inputs are not permitted"
    )
    q = Quarantine(None)
    q.reject("f\x07.csv", 1, "a\u2066", "bad \x9b31m \u200f", "{}")
    assert q.sample[0].message == "f\\x07.csv line 1: a\\u2066: bad \\x9b31m \\u200f"
