"""The audit of the decision log (``audit(source="decisions")``) on the tiny store, with a log
written by hand; every number below is worked out in the comments. No training is needed:
the audit reads the verified log and the groups through the audit module.

The log (role, candidate, decision, reviewer); decision 7 revises decision 2:

    1 r1 c1 accept ana     5 r2 c4 override ana
    2 r1 c3 reject ana     6 r2 c3 accept bo
    3 r1 c5 override bo    7 r1 c3 accept ana
    4 r2 c2 reject bo      8 r3 c6 reject ana

Latest decision per pair: 7 pairs. By gender (tests/data/tiny): female c1 accept, c2 reject,
c4 override: selected 2/3, overridden 1/3; male c5 override, c3 accept (r2), c3 accept (r1):
selected 3/3, overridden 1/3; non-binary c6 reject: 0/1.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from engine import MatchingEngine, Settings
from engine.cli import app
from engine.decisions.log import DecisionLog
from graph_schema.errors import ConfigError
from loaders.import_job import ImportOptions
from tests.conftest import TINY

LOG = [
    ("r1", "c1", "accept", "ana"),
    ("r1", "c3", "reject", "ana"),
    ("r1", "c5", "override", "bo"),
    ("r2", "c2", "reject", "bo"),
    ("r2", "c4", "override", "ana"),
    ("r2", "c3", "accept", "bo"),
    ("r1", "c3", "accept", "ana"),
    ("r3", "c6", "reject", "ana"),
]


@pytest.fixture(autouse=True, scope="module")
def _keys_of_this_module(tmp_path_factory):
    """The log's signing key goes to a state folder of the module's own."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
        yield


@pytest.fixture
def engine(tmp_path):
    db = tmp_path / "store"
    eng = MatchingEngine.open(db, settings=Settings(db=str(db)))
    eng.import_dataset(TINY, ImportOptions(progress=False, as_of="2025-01"))
    log = DecisionLog.open(eng.decisions_path)
    for role, candidate, decision, reviewer in LOG:
        log.append(
            {
                "at": "2025-01-01T00:00:00.000+00:00",
                "role_id": role,
                "candidate_id": candidate,
                "decision": decision,
                "reviewer": reviewer,
                "reason": "r" if decision == "override" else "",
                "model_version": "tg-test",
                "rerank": "none",
                "shown": [],
                "reasons_shown": [],
            }
        )
    yield eng, db
    eng.close()


def _rates(table) -> dict[str, tuple[int, int, float | None, bool]]:
    return {
        r.category[0]: (r.hits, r.n, r.impact_ratio, r.insufficient_evidence) for r in table.rows
    }


def test_selection_and_override_rates_per_group(engine) -> None:
    eng, _ = engine
    report = eng.audit("gender", source="decisions", min_n=2)
    assert (report.source, report.rows, report.people, report.queries) == ("decisions", 7, 6, 3)
    assert report.k is None and report.model_version == "tg-test"
    assert _rates(report.selection) == {
        "male": (3, 3, 1.0, False),
        "female": (2, 3, pytest.approx(2 / 3), False),
        "non-binary": (0, 1, 0.0, True),  # one person: insufficient evidence, still shown
    }
    assert report.selection.reference == ("male",)
    assert _rates(report.overrides) == {
        "female": (1, 3, 1.0, False),
        "male": (1, 3, 1.0, False),
        "non-binary": (0, 1, 0.0, True),
    }
    assert report.overrides.kind == "override"
    assert report.scoring is None and report.exposure is None


def test_counts_per_role_and_reviewer(engine) -> None:
    eng, _ = engine
    counts = {
        (c.by, c.key): (c.decisions, c.accepted, c.rejected, c.overridden)
        for c in eng.audit("gender", source="decisions").decision_counts
    }
    assert counts == {
        ("all", "all"): (8, 3, 3, 2),
        ("role", "r1"): (4, 2, 1, 1),
        ("role", "r2"): (3, 1, 1, 1),
        ("role", "r3"): (1, 0, 1, 0),
        ("reviewer", "ana"): (5, 2, 2, 1),
        ("reviewer", "bo"): (3, 1, 1, 1),
    }
    every = eng.audit("gender", source="decisions").decision_counts[0]
    assert every.override_rate == 2 / 8 and every.insufficient_evidence  # 8 < 30
    assert every.override_ci[0] < 0.25 < every.override_ci[1]


def test_cli_writes_json_and_html_and_a_tampered_log_is_refused(engine, tmp_path) -> None:
    eng, db = engine
    out = tmp_path / "audit"
    result = CliRunner().invoke(
        app, ["audit", "--out", str(out), "--db", str(db), "--source", "decisions"]
    )
    assert result.exit_code == 0, result.output
    written = json.loads((out / "audit.json").read_text())
    assert written["source"] == "decisions" and len(written["decision_counts"]) == 6
    page = (out / "audit.html").read_text()
    assert "Overrides by category" in page and "Decisions per role and per reviewer" in page
    path = eng.decisions_path
    path.write_bytes(path.read_bytes().replace(b'"reviewer":"bo"', b'"reviewer":"bx"', 1))
    with pytest.raises(ConfigError, match="edited"):
        eng.audit("gender", source="decisions")


def test_no_log_is_said_plainly(tmp_path) -> None:
    db = tmp_path / "empty"
    with (
        MatchingEngine.open(db, settings=Settings(db=str(db))) as eng,
        pytest.raises(ConfigError, match="no recruiter decision is logged"),
    ):
        eng.audit("gender", source="decisions")
