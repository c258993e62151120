"""``bench allocate`` end to end on a copy of the trained session store (small sizes), and
``eng.allocate`` with a policy (dict weights, capacity, a quota, exclusions): every figure
the benchmark reports is there and every check it makes holds."""

from __future__ import annotations

import json
import shutil

import pytest

from engine.bench.allocate import bench_allocate
from graph_schema.errors import ConfigError

pytestmark = pytest.mark.slow


def _ids(trained_engine, name: str, n: int) -> list[str]:
    lines = (trained_engine.data / name).read_text().splitlines()
    return [json.loads(line)["id"] for line in lines[:n]]


def test_bench_allocate_on_the_tiny_store(trained_engine, tmp_path) -> None:
    # the benchmark's store layout, copied from the session store (which is only read)
    shutil.copytree(trained_engine.root / "store", tmp_path / "store-s0.02-recommend")
    shutil.copytree(trained_engine.data, tmp_path / "data-s0.02-seed0")
    facts = bench_allocate(
        0.02,
        0,
        tmp_path,
        candidates=200,
        roles=30,
        capacity=2,
        generations=10,
        pop_size=16,
        excluded_share=0.05,
        synthetic=(300, 40, 10),
        cross_check=(200, 30, 8),
        say=lambda line: None,
    )
    assert "train" not in facts and facts["nodes"] == {"Candidate": 400, "Role": 60}
    for case in ("medium", "full"):
        found = facts[case]
        assert found["instance"]["arcs"] > 0 and found["instance"]["excluded_pairs"] > 0
        assert found["exact"]["merit"] <= found["exact_unrestricted"]["merit"]
        assert found["build_batched_equals_rank"] and found["build_rank_checked_roles"] > 0
        assert found["seeded"]["all_hard_constraints_hold"]
        assert found["seeded"]["chosen_gap_pct"] <= 1.0
        quota = found["quota"]
        assert quota["merit_optimum_share"] < quota["min_share"] <= quota["chosen_share"]
        assert quota["chosen_meets_quota"] and quota["all_hard_constraints_hold"]
        assert quota["merit_cost_pct"] >= 0
    medium = facts["medium"]
    assert medium["build_rank_checked_roles"] == 30
    assert medium["draw"]["pools_per_candidate_min"] >= 1  # drawn from the roles' pools
    inst = medium["instance"]  # every candidate has arcs, but for those excluded
    assert inst["candidates_with_arcs"] >= inst["candidates"] - inst["excluded_pairs"]
    assert medium["build_batched_equals_rank"] and medium["build_exclusions_equal"]
    assert medium["api"]["equals_seeded_run"] and medium["api"]["excluded_pairs_placed"] == 0
    assert medium["random_start"]["all_hard_constraints_hold"]
    assert medium["random_start"]["chosen_merit"] <= medium["seeded"]["chosen_merit"]
    assert facts["synthetic_exact"]["arcs"] == 300 * 10
    assert facts["scipy_cross_check"]["agree"]


def test_allocate_with_a_policy(trained_engine) -> None:
    eng = trained_engine.eng
    roles = _ids(trained_engine, "roles.jsonl", 8)
    cands = _ids(trained_engine, "candidates.jsonl", 120)
    budget = {"generations": 10, "pop_size": 16}
    merit_only = {"merit": 1, "diversity": 0, "preference": 0}
    plain = eng.allocate(roles, cands, merit_only, {"capacity": 2}, **budget)
    banned = [(a.candidate_id, a.role_id) for a in plain.assignments[:3]]
    policy = {"capacity": 2, "exclusions": banned}
    out = eng.allocate(roles, cands, merit_only, policy, **budget)
    pairs = {(a.candidate_id, a.role_id) for a in out.assignments}
    assert not pairs & set(banned)
    assert out.front[out.chosen].merit <= plain.exact_merit + 1e-9
    # quotas are the stored policy (tests/security/test_sensitive_surface.py), never per call
    quota = [{"attribute": "gender", "group": "female", "min_share": 0.5}]
    with pytest.raises(ConfigError, match="takes no quotas"):
        eng.allocate(roles, cands, merit_only, {**policy, "quotas": quota}, **budget)
    assert out.weights == (1.0, 0.0, 0.0)


def test_cli_allocate_with_dict_weights_and_an_exclusion(trained_engine) -> None:
    from typer.testing import CliRunner

    from engine.cli import app
    from engine.results import Allocation

    roles = _ids(trained_engine, "roles.jsonl", 4)
    cands = _ids(trained_engine, "candidates.jsonl", 40)
    db = str(trained_engine.root / "store")
    args = ["allocate", "--db", db, "--roles", ",".join(roles), "--candidates", ",".join(cands)]
    args += ["--generations", "5", "--weights", "merit=1,diversity=0", "--json"]
    first = Allocation.model_validate_json(CliRunner().invoke(app, args).output)
    pair = first.assignments[0]
    again = CliRunner().invoke(app, [*args, "--exclude", f"{pair.candidate_id}:{pair.role_id}"])
    assert again.exit_code == 0, again.output
    out = Allocation.model_validate_json(again.output)
    assert (pair.candidate_id, pair.role_id) not in {
        (a.candidate_id, a.role_id) for a in out.assignments
    }
    assert out.weights == (1.0, 0.0, 0.0)
