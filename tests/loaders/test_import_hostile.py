"""Hostile files (found by probing the import): no traceback, no leak, both paths agree,
and a second import of the same files changes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graph_schema.errors import ConfigError
from loaders.import_job import ImportJob, ImportOptions, ImportReport
from loaders.stores.ladybug import LadybugStore

TINY = Path(__file__).parents[1] / "data" / "tiny"
SECRET = "Secretvalue"


def _tiny(tmp_path: Path, name: str = "data") -> Path:
    data = tmp_path / name
    shutil.copytree(TINY, data, ignore=shutil.ignore_patterns("*.md"))
    return data


def _run(data: Path, store: Path, tmp_path: Path, columnar: bool = True) -> ImportReport:
    options = ImportOptions(
        progress=False, as_of="2025-01", columnar=columnar, quarantine_dir=tmp_path / "q"
    )
    with LadybugStore(store) as s:
        return ImportJob(s, options).run(data)


def _append(path: Path, *lines: bytes | dict) -> None:
    with path.open("ab") as fh:
        for line in lines:
            fh.write((json.dumps(line).encode() if isinstance(line, dict) else line) + b"\n")


def _quarantined_text(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (tmp_path / "q").glob("*.jsonl"))


def _ids(store: Path, label: str) -> list[str]:
    with LadybugStore(store, read_only=True) as s:
        return sorted(r["id"] for r in s.run_text(f"MATCH (n:{label}) RETURN n.id AS id"))


def test_deeply_nested_json_is_quarantined_not_a_crash(tmp_path: Path) -> None:
    data = _tiny(tmp_path)
    deep = b'{"id": "k", "name": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    _append(data / "skills.jsonl", deep)
    _append(
        data / "candidates.jsonl",
        b'{"id": "c-deep", "summary": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    )
    report = _run(data, tmp_path / "store", tmp_path)
    assert report.quarantined == 2


def test_csv_traps_are_quarantined_per_record(tmp_path: Path) -> None:
    data = tmp_path / "csv"
    data.mkdir()
    (data / "roles.csv").write_text("id,title\nr1,Nurse\n")
    (data / "candidates.csv").write_text(
        "id,sensitive,sensitive.gender,headline\n"
        f"c1,x,{SECRET},nurse\n"  # a column and a dotted column inside it
        "c2,,,too,many,cells\n"
        'c3,,,"never closed\nc4,,,nurse\n'
    )
    report = _run(data, tmp_path / "store", tmp_path)
    table = next(t for t in report.tables if t.file == "candidates.csv")
    assert (table.rows, table.imported, table.quarantined) == (3, 0, 3)
    reasons = " | ".join(report.rejections)
    assert "column 'sensitive' and a column 'sensitive.gender' inside it" in reasons
    assert "the row has 2 more cells than the header has columns" in reasons
    assert "a quoted cell opened on this line is never closed: lines 4..5" in reasons, reasons
    assert SECRET.encode() not in _quarantined_text(tmp_path)


@pytest.mark.parametrize(
    "line",
    [
        b'[{"id": "c-a", "sensitive": {"gender": "' + SECRET.encode() + b'"}}]',
        b'{"data": {"sensitive": {"gender": "' + SECRET.encode() + b'"}}}',
        b'{"id": "c-b", "Gender": "' + SECRET.encode() + b'"}',
        b'{"id": "c-c", "sensitive ": {"gender": "' + SECRET.encode() + b'"}}',
        b'{"id": "c-d\xff", "sensitive": {"gender": [{"v": "' + SECRET.encode() + b'"}]}}',
        b'{"id": "c-e", "sensitive": {"gender": 42, "nationality": "' + SECRET.encode() + b'"}}',
        b'{"id": "c-f", "sensitive": {"ethnicity": ["' + SECRET.encode() + b'"]}}',
    ],
)
def test_no_sensitive_value_reaches_the_quarantine(tmp_path: Path, line: bytes) -> None:
    data = _tiny(tmp_path)
    _append(data / "candidates.jsonl", line)
    report = _run(data, tmp_path / "store", tmp_path)
    assert report.quarantined == 1, report.rejections
    assert SECRET.encode() not in _quarantined_text(tmp_path)
    assert SECRET not in " ".join(report.rejections)


@pytest.mark.parametrize("columnar", [True, False])
def test_a_utf16_file_is_read_as_utf16(tmp_path: Path, columnar: bool) -> None:
    """Excel's "Unicode text" is UTF-16 with a byte-order mark: read it, do not quarantine
    (and leak) every row as bytes that are not UTF-8."""
    data = _tiny(tmp_path)
    rows = [{"id": f"u{i}", "sensitive": {"gender": SECRET, "age_band": "25-34"}} for i in range(3)]
    rows.append(
        {"id": "u-bad", "skills": [{"skill": "x", "level": 9}], "sensitive": {"gender": SECRET}}
    )
    text = "\r\n".join(json.dumps(r) for r in rows) + "\r\n"
    (data / "candidates.jsonl").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    (data / "interactions.jsonl").unlink()
    report = _run(data, tmp_path / "store", tmp_path, columnar)
    table = next(t for t in report.tables if t.file == "candidates.jsonl")
    assert (table.imported, table.quarantined) == (3, 1), report.rejections
    quarantined = _quarantined_text(tmp_path)
    assert SECRET.encode("utf-16-le") not in quarantined and SECRET.encode() not in quarantined


@pytest.mark.parametrize("columnar", [True, False])
def test_a_cut_off_utf16_file_is_an_error_naming_it(tmp_path: Path, columnar: bool) -> None:
    """An odd trailing byte (a UTF-16 export cut off) was an 'unexpected UnicodeDecodeError
    (a bug in talentgraph)'."""
    data = _tiny(tmp_path)
    text = "\r\n".join(json.dumps({"id": f"u{i}"}) for i in range(3)) + "\r\n"
    (data / "candidates.jsonl").write_bytes(b"\xff\xfe" + text.encode("utf-16-le") + b"{")
    with pytest.raises(ConfigError, match=r"candidates.jsonl: line 4 is not valid UTF-16"):
        _run(data, tmp_path / "store", tmp_path, columnar)


@pytest.mark.parametrize(
    "line",
    [
        b'{"id": "e11", "signals": {"reliability": NaN}}',
        b'{"id": "e12", "signals": {"reliability": Infinity}}',
        b'{"id": "e13", "sk\\u0069lls": null}',
        b'{"id": "c1\\u00a0"}',
        b'{"id": "\\u00a0"}',
        b'{"id": "e14", "headline": "\\u3000nurse"}',
    ],
)
def test_both_paths_agree_on_odd_json(tmp_path: Path, line: bytes, graph_dump) -> None:
    out = {}
    for columnar in (True, False):
        data = _tiny(tmp_path, f"data-{columnar}")
        _append(data / "candidates.jsonl", line)
        store = tmp_path / f"store-{columnar}"
        report = _run(data, store, tmp_path, columnar)
        with LadybugStore(store, read_only=True) as s:
            out[columnar] = (sorted(report.rejections), report.tables, graph_dump(s))
    assert out[True] == out[False]


@pytest.mark.parametrize("order", ["adult-then-minor", "minor-then-adult"])
def test_a_minor_row_removes_the_person_whatever_else_the_file_says(
    tmp_path: Path, order: str
) -> None:
    store = tmp_path / "store"
    _run(_tiny(tmp_path, "first"), store, tmp_path)
    data = tmp_path / "second"
    data.mkdir()
    (data / "roles.jsonl").write_text("")
    adult = {"id": "c2", "headline": "changed", "sensitive": {"age_band": "25-34"}}
    minor = {"id": "c2", "sensitive": {"age_band": "16-17"}}
    rows = [adult, minor] if order == "adult-then-minor" else [minor, adult]
    _append(data / "candidates.jsonl", *rows)
    shutil.copy(TINY / "interactions.jsonl", data / "interactions.jsonl")
    report = _run(data, store, tmp_path)
    assert report.removed == {"Candidate": 1}
    assert "c2" not in _ids(store, "Candidate")
    with LadybugStore(store, read_only=True) as s:
        assert "c2" not in {r["id"] for r in s.read_sensitive("audit")}
    again = _run(data, store, tmp_path)
    assert again.node_counts == report.node_counts
    assert again.relationship_counts == report.relationship_counts


def test_an_undecodable_row_is_rejected_by_id_for_its_references(tmp_path: Path) -> None:
    data = _tiny(tmp_path)
    _append(data / "organizations.jsonl", b'{"id": "zorgb", "name": "Org\xff"}')
    _append(data / "roles.jsonl", {"id": "r-z", "title": "Z", "organization": "zorgb"})
    _append(data / "candidates.jsonl", b'{"id": "c-bytes", "headline": "caf\xe9"}')
    _append(
        data / "interactions.jsonl",
        {"candidate": "c-bytes", "role": "r1", "type": "applied", "actor": "candidate",
         "at": "2024-01-01T00:00:00Z"},
    )  # fmt: skip
    report = _run(data, tmp_path / "store", tmp_path)
    reasons = " | ".join(report.rejections)
    assert "organization 'zorgb' was rejected at organizations.jsonl line 5" in reasons
    assert "candidate 'c-bytes' was rejected at candidates.jsonl line 11" in reasons
    assert "zorgb" not in _ids(tmp_path / "store", "Organization")


def test_a_reference_by_name_to_a_rejected_skill_is_refused(tmp_path: Path) -> None:
    data = _tiny(tmp_path)
    _append(data / "skills.jsonl", {"id": "zed", "name": "Zed", "description": 5})
    _append(data / "candidates.jsonl", {"id": "c-zed", "skills": [{"skill": "zed "}]})
    _append(data / "candidates.jsonl", {"id": "c-zed2", "skills": [{"skill": "ZED"}]})
    report = _run(data, tmp_path / "store", tmp_path)
    assert report.quarantined == 3, report.rejections
    assert sum("was rejected at skills.jsonl line" in m for m in report.rejections) == 2
    assert "Zed" not in _ids(tmp_path / "store", "Skill")


def test_a_similarity_to_a_skill_created_by_a_profile_is_the_same_on_a_rerun(
    tmp_path: Path,
) -> None:
    data = _tiny(tmp_path)
    _append(data / "candidates.jsonl", {"id": "c-new", "skills": [{"skill": "newskill"}]})
    _append(data / "similarities.jsonl", {"source": "newskill", "target": "triage", "weight": 0.5})
    store = tmp_path / "store"
    first = _run(data, store, tmp_path)
    assert first.quarantined == 0, first.rejections
    second = _run(data, store, tmp_path)
    assert second.relationship_counts == first.relationship_counts
