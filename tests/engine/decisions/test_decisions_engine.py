"""Recruiter decisions end to end on a store of their own (they write): the record holds what
was shown, the graph gets the recruiter's interaction, `decisions verify` finds an edit, an
override needs a reason, and restore re-applies the edges idempotently."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from engine import MatchingEngine, Settings
from engine.cli import app
from engine.decisions.log import verify
from engine.decisions.record import restore
from engine.options import TrainOptions
from graph_schema.errors import ConfigError
from loaders.import_job import ImportOptions
from synthetic import generate

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True, scope="module")
def _keys_of_this_module(tmp_path_factory):
    """The log's signing key goes to a state folder of the module's own."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
        yield


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    root = tmp_path_factory.mktemp("decisions")
    generate(root / "data", scale=0.02, seed=1, progress=False)
    settings = Settings(
        db=str(root / "store"), train=TrainOptions(finetune_epochs=2, progress=False)
    )
    eng = MatchingEngine.open(root / "store", settings=settings)
    eng.import_dataset(root / "data", ImportOptions(progress=False))
    eng.train(seed=0)
    yield eng, root
    eng.close()


def _edges(eng, role: str, candidate: str) -> list[dict]:
    text = (
        "MATCH (c:Candidate {id: $c})-[r:INTERACTED]->(x:Role {id: $r}) "
        "RETURN r.type AS type, r.actor AS actor"
    )
    return eng.query(text, {"c": candidate, "r": role})


def test_decisions_are_logged_with_what_was_shown_and_reach_the_graph(engine) -> None:
    eng, root = engine
    role = json.loads((root / "data" / "roles.jsonl").read_text().splitlines()[0])["id"]
    top = eng.recommend_candidates(role, k=50)
    first, last = top[0].candidate_id, top[-1].candidate_id
    # the history may hold recruiter edges of this pair already (which ones depends on what
    # the model ranks first): the decision adds its own stage to them, once
    history = _edges(eng, role, first)
    accepted = eng.record_decision(role, first, "accept", reviewer="ana", reason="")
    assert accepted.seq == 1 and accepted.shown[0] == first and accepted.reasons_shown
    assert (
        accepted.model_version == eng.serving.model().version
        and accepted.rerank == eng.settings.rerank
    )
    assert {"type": "SHORTLISTED", "actor": "recruiter"} in _edges(eng, role, first)
    eng.record_decision(role, top[1].candidate_id, "reject", reviewer="ana", reason="no visa")
    assert {"type": "REJECTED", "actor": "recruiter"} in _edges(eng, role, top[1].candidate_id)
    with pytest.raises(ConfigError, match="needs a reason"):
        eng.record_decision(role, last, "override", reviewer="ana")
    with pytest.raises(ConfigError, match="not an override"):
        eng.record_decision(role, first, "override", reviewer="ana", reason="x")
    with pytest.raises(ConfigError, match="reviewer"):
        eng.record_decision(role, first, "accept", reviewer=" ")
    eng.record_decision(role, last, "override", reviewer="bo", reason="met her at the fair")
    assert verify(eng.decisions_path).ok and verify(eng.decisions_path).records == 3
    assert restore(eng.context) == 3 and restore(eng.context) == 3  # merged: nothing doubles
    shortlisted = {"type": "SHORTLISTED", "actor": "recruiter"}
    expected = sorted(history + ([shortlisted] if accepted.edge_new else []), key=str)
    assert sorted(_edges(eng, role, first), key=str) == expected
    assert accepted.edge_new == (shortlisted not in history)


def test_cli_verify_finds_an_edit(engine) -> None:
    eng, root = engine
    db = str(root / "store")
    ok = CliRunner().invoke(app, ["decisions", "verify", "--db", db])
    assert ok.exit_code == 0 and "chain and head intact" in ok.output
    path = eng.decisions_path
    original = path.read_bytes()
    path.write_bytes(original.replace(b'"reject"', b'"accept"', 1))
    try:  # the log is the module's: put it back even when an assertion fails
        bad = CliRunner().invoke(app, ["decisions", "verify", "--db", db])
        assert bad.exit_code == 1 and "edited" in bad.output
    finally:
        path.write_bytes(original)
