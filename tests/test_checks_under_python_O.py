"""The checks of ``engine``, ``loaders`` and ``graph_schema`` hold under ``python -O``.

``python -O`` strips ``assert`` statements, so none may guard a condition in library code:
each former ``assert`` is an explicit check (``engine.decisions.log._signing_key``, the
columnar-table check of ``loaders.table_reader``) or a structure where the condition cannot
arise (``optimise_weight`` takes the ``min`` of a non-empty grid; the statement guard's
``clause``/``group`` receive the narrowed ``Token``/``Group``). One script exercises them;
it runs with and without ``-O`` and must print the same answers.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = ("engine", "loaders", "graph_schema")

SCRIPT = r"""
import json, sys
from pathlib import Path

tmp = Path(sys.argv[1])
out = {"optimize": sys.flags.optimize}

# engine/decisions/log.py: a log is never signed with no key, -O or not
from engine.decisions.keys import DecisionKeyError, KeyRing
from engine.decisions.log import DecisionLog, _signing_key, read, rekey

try:
    _signing_key(KeyRing(tmp / "keys"), None, tmp / "log.jsonl")
    out["no_key"] = "accepted"
except DecisionKeyError as e:
    out["no_key"] = str(e).replace(str(tmp), "TMP")
log = DecisionLog.open(tmp / "log.jsonl", tmp / "keys")
log.append({"decision": "shortlist", "candidate_id": "c1"})
log.append({"decision": "hire", "candidate_id": "c1"})
rekey(tmp / "log.jsonl", tmp / "keys", new_key=True)
out["records"] = [r["decision"] for r in read(tmp / "log.jsonl", tmp / "keys")]

# loaders/stores/statement_guard.py: the same verdicts
from loaders.stores.statement_guard import check_statement

verdicts = []
for text in (
    "MATCH (n:Candidate) RETURN n.id",
    "MATCH (n) WHERE EXISTS { MATCH (n)-->(m) } RETURN count(n)",
    "CALL { MATCH (n) DETACH DELETE n }",
    "DROP TABLE Candidate",
    "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "RETURN apoc.text.join(['a'], '')",
    "CALL dbms.components()",
):
    try:
        check_statement(text, "neo4j")
        verdicts.append("allowed")
    except Exception as e:
        verdicts.append(f"{type(e).__name__}: {e}")
out["guard"] = verdicts

# loaders/table_reader.py: columnar rows without their Arrow table are an error, not skipped
from loaders.graph_buffer import GraphBuffer
from loaders.quarantine import Quarantine
from loaders.records import CandidateRow
from loaders.resolve import Resolver
from loaders.row_mapping import RowMapper
from loaders.table_reader import ReadState, TableReader, TableStats

state = ReadState(RowMapper(Resolver(), GraphBuffer(), "2026-01"), Quarantine(None), {}, set())
reader = TableReader(state, progress=False)
try:
    reader._map_block(
        "candidates.jsonl", "candidates", CandidateRow, None, None, [(0, 0, (), "")], TableStats()
    )
    out["no_arrow"] = "accepted"
except RuntimeError as e:
    out["no_arrow"] = str(e)

# engine/matching/fair_fusion.py: the weight search (hand-checked in test_fair_fusion.py)
from engine.matching.fair_fusion import optimise_weight

country = {"d1": "DE", "d2": "DE", "f1": "FR", "f2": "FR"}
su = {"f1": 0.9, "f2": 0.8, "d1": 0.2, "d2": 0.1}
sj = {"d1": 0.9, "d2": 0.8, "f1": 0.2, "f2": 0.1}
choice = optimise_weight(su, sj, country, {"DE": 0.5, "FR": 0.5}, k=2, prefer=0.0)
out["weight"] = [round(choice.w, 6), choice.metric]
print(json.dumps(out))
"""


def _run(tmp_path: Path, *flags: str) -> dict:
    done = subprocess.run(
        [sys.executable, *flags, "-c", SCRIPT, str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_no_assert_statement_in_library_code() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert found == []


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    plain = _run(tmp_path_factory.mktemp("plain"))
    optimised = _run(tmp_path_factory.mktemp("optimised"), "-O")
    return plain, optimised


def test_the_script_ran_with_and_without_asserts(answers: tuple[dict, dict]) -> None:
    plain, optimised = answers
    assert (plain["optimize"], optimised["optimize"]) == (0, 1)


def test_python_O_gives_the_same_answers(answers: tuple[dict, dict]) -> None:
    plain, optimised = answers
    assert {k: v for k, v in plain.items() if k != "optimize"} == {
        k: v for k, v in optimised.items() if k != "optimize"
    }


def test_the_answers_are_the_checks(answers: tuple[dict, dict]) -> None:
    _, optimised = answers
    assert optimised["no_key"] == (
        "decision log TMP/log.jsonl names key None, which is not a key id (16 hex digits)"
    )
    assert optimised["records"] == ["shortlist", "hire"]
    assert optimised["guard"][:3] == ["allowed"] * 3
    refused = optimised["guard"][3:]
    assert len(refused) == 4
    assert all(v.startswith("StatementRefusedError: ") for v in refused)
    assert optimised["no_arrow"] == (
        "candidates.jsonl: 1 rows vouched for by the columnar check but no Arrow table to "
        "take them from (a bug in the table reader)"
    )
    assert optimised["weight"] == [0.43, 0.0]  # test_fair_fusion: first grid point above 3/7
