"""An export written like another system's imports with nothing aborted, every row
accounted for, and ``train`` runs on it (issue #7, the second bar).

The export is a generated dataset rewritten the way applicant-tracking systems write
theirs: funnel stages as lower-case words and synonyms, actors as job titles, skills named
by alias beside their preferred name, a byte-order mark on every file, roles as an Excel
"CSV UTF-8" sheet, a bad byte, a minor, an invalid candidate whose interactions follow it,
an interaction at a year-9999 time.
"""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest

from engine import MatchingEngine
from engine.options import TrainOptions
from engine.settings import Settings
from loaders.import_job import ImportOptions
from synthetic import generate

pytestmark = pytest.mark.slow

FAST = TrainOptions(
    finetune_epochs=5, gnn=True, gnn_epochs=8, history=True, lexical=True, cf=True, progress=False
)
BOM = b"\xef\xbb\xbf"
WORDS = {
    "APPLIED": ["applied", "Application", "new applicant"],
    "SHORTLISTED": ["shortlisted", "Phone Screen", "screened"],
    "INTERVIEWED": ["interview", "Interviewing", "onsite"],
    "OFFERED": ["offer", "Offer Extended"],
    "HIRED": ["hired", "hire", "Offer accepted", "placed"],
    "REJECTED": ["rejected", "not selected", "Declined", "unsuccessful"],
    "WITHDREW": ["withdrawn", "candidate withdrew"],
}
ACTORS = {"candidate": ["candidate", "Applicant"], "recruiter": ["recruiter", "Hiring Manager"]}


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _write_jsonl(path: Path, rows: list, bom: bool = True) -> None:
    data = b"".join(
        (r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode()) + b"\n"
        for r in rows
    )
    path.write_bytes((BOM if bom else b"") + data)


def _messy_export(clean: Path, out: Path) -> dict[str, int]:
    """Rewrite ``clean`` into ``out``; returns how many rows of each file must be rejected."""
    rng = random.Random(7)
    out.mkdir()
    for name in ("domains", "locations", "organizations", "occupations", "similarities"):
        _write_jsonl(out / f"{name}.jsonl", _lines(clean / f"{name}.jsonl"))
    skills = _lines(clean / "skills.jsonl")
    _write_jsonl(out / "skills.jsonl", skills)
    alias = {s["id"]: s["aliases"][0] for s in skills if s.get("aliases")}

    candidates = _lines(clean / "candidates.jsonl")
    rows: list = []
    doubled = 0
    for i, row in enumerate(candidates):
        held = [s for s in row.get("skills", []) if s["skill"] in alias]
        if i % 10 == 0 and held:  # the alias beside the preferred name (or id)
            row["skills"].append({**held[0], "skill": alias[held[0]["skill"]]})
            doubled += 1
        rows.append(row)
    rejected_candidate = candidates[1]["id"]
    rows[1] = {**rows[1], "skills": [{"skill": "python", "level": 7}]}  # invalid level
    rows[2] = {**rows[2], "sensitive": {"age_band": "16-17"}}  # a minor: not imported
    rows[3] = json.dumps(rows[3], ensure_ascii=False).encode().replace(b'"', b'"\xff', 1)
    _write_jsonl(out / "candidates.jsonl", rows)

    roles = _lines(clean / "roles.jsonl")
    columns = [
        "id", "title", "description", "organization", "location", "domain", "occupation",
        "remote", "capacity", "skills",
    ]  # fmt: skip
    sheet = io.StringIO()
    writer = csv.DictWriter(sheet, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for role in roles:
        cells = {c: role.get(c) for c in columns}
        cells["skills"] = json.dumps(role.get("skills", []))
        cells["remote"] = {True: "TRUE", False: "FALSE", None: ""}[role.get("remote")]
        writer.writerow({k: "" if v is None else v for k, v in cells.items()})
    (out / "roles.csv").write_bytes(BOM + sheet.getvalue().encode())

    interactions = _lines(clean / "interactions.jsonl")
    for row in interactions:
        row["type"] = rng.choice(WORDS[row["type"]])
        row["actor"] = rng.choice(ACTORS[row["actor"]])
    interactions.append(
        {
            "candidate": rejected_candidate,
            "role": roles[0]["id"],
            "type": "applied",
            "actor": "candidate",
            "at": "2024-01-01T00:00:00Z",
        }
    )
    refused = {c["id"] for c in candidates[1:4]}  # invalid, minor, bad byte
    followers = sum(1 for r in interactions if r["candidate"] in refused)
    interactions.append({**interactions[0], "at": "9999-12-31T23:59:59-14:00"})
    _write_jsonl(out / "interactions.jsonl", interactions)
    return {
        "candidates.jsonl": 3,
        "interactions.jsonl": followers + 1,
        "roles.csv": 0,
        "doubled": doubled,
    }


def test_a_messy_export_imports_fully_accounted_and_trains(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    generate(clean, scale=0.02, seed=1, progress=False)
    expected = _messy_export(clean, tmp_path / "export")
    settings = Settings(db=str(tmp_path / "store"), train=FAST)
    with MatchingEngine.open(tmp_path / "store", settings=settings) as eng:
        report = eng.import_dataset(tmp_path / "export", ImportOptions(progress=False))
        per_file = {t.file: t for t in report.tables}
        for name in ("candidates.jsonl", "interactions.jsonl", "roles.csv"):
            assert per_file[name].quarantined == expected[name], (name, report.rejections)
        for t in report.tables:  # TableReport refuses rows that do not add up; say it anyway
            assert t.rows == t.imported + t.merged + t.quarantined
        assert per_file["candidates.jsonl"].warnings == expected["doubled"] > 0
        assert per_file["interactions.jsonl"].imported > 0.95 * per_file["interactions.jsonl"].rows
        assert any("was rejected at candidates.jsonl line 2" in m for m in report.rejections)
        hired = eng.store.run_text(
            "MATCH ()-[i:INTERACTED]->() WHERE i.type = 'HIRED' RETURN count(i) AS n"
        )[0]["n"]
        assert hired > 0
        trained = eng.train(seed=0)
        assert trained.version
        role = eng.store.run("node_ids", label="Role")[0]["id"]
        assert len(eng.recommend_candidates(role, k=5)) == 5
