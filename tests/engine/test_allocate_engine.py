"""``eng.allocate`` on the trained session store: every placement is a pair of the served
pools within capacity, the front holds the merit optimum, a quota is met, unknown ids raise."""

from __future__ import annotations

import json

import pytest

from engine.results import Allocation
from graph_schema.errors import ConfigError, UnknownIdError

pytestmark = pytest.mark.slow


def _ids(trained_engine, name: str, n: int) -> list[str]:
    lines = (trained_engine.data / name).read_text().splitlines()
    return [json.loads(line)["id"] for line in lines[:n]]


def test_allocate_keeps_capacity_and_reports_the_front(trained_engine) -> None:
    eng = trained_engine.eng
    roles = _ids(trained_engine, "roles.jsonl", 8)
    cands = _ids(trained_engine, "candidates.jsonl", 120)
    out = eng.allocate(roles, cands, capacity=2, generations=20, pop_size=20)
    assert (
        isinstance(out, Allocation) and Allocation.model_validate_json(out.model_dump_json()) == out
    )
    per_role = {}
    for a in out.assignments:
        per_role[a.role_id] = per_role.get(a.role_id, 0) + 1
        assert a.role_id in roles and a.candidate_id in cands and a.reasons
    assert all(n <= 2 for n in per_role.values())
    assert len({a.candidate_id for a in out.assignments}) == len(out.assignments)
    assert set(out.unplaced) | {a.candidate_id for a in out.assignments} == set(cands)
    assert max(p.merit for p in out.front) == pytest.approx(out.exact_merit)
    assert out.front[out.chosen].placed == len(out.assignments)


def test_a_quota_and_bad_ids(trained_engine) -> None:
    eng = trained_engine.eng
    roles = _ids(trained_engine, "roles.jsonl", 8)
    cands = _ids(trained_engine, "candidates.jsonl", 120)
    out = eng.allocate(
        roles, cands, capacity=2, quotas={("gender", "female"): 0.5}, generations=20, pop_size=20
    )
    assert out.front[out.chosen].quota_shortfall == 0
    with pytest.raises(UnknownIdError):
        eng.allocate(roles, ["nobody"])
    with pytest.raises(ConfigError, match="not a fairness attribute"):
        eng.allocate(roles, cands, quotas={("religion", "x"): 0.1})


def test_cli_allocate(trained_engine) -> None:
    from typer.testing import CliRunner

    from engine.cli import app

    roles = ",".join(_ids(trained_engine, "roles.jsonl", 4))
    cands = ",".join(_ids(trained_engine, "candidates.jsonl", 40))
    db = str(trained_engine.root / "store")
    args = ["allocate", "--db", db, "--roles", roles, "--candidates", cands, "--generations", "5"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert Allocation.model_validate_json(result.output).assignments
    bad = CliRunner().invoke(app, [*args, "--weights", "1,2"])
    assert bad.exit_code != 0 and "three numbers" in bad.output
