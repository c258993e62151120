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


def test_per_call_quotas_and_bad_ids(trained_engine) -> None:
    eng = trained_engine.eng
    roles = _ids(trained_engine, "roles.jsonl", 8)
    cands = _ids(trained_engine, "candidates.jsonl", 120)
    # quotas are the stored policy (tests/security/test_sensitive_surface.py), never per call
    with pytest.raises(ConfigError, match="takes no quotas"):
        eng.allocate(roles, cands, capacity=2, quotas={("gender", "female"): 0.5})
    with pytest.raises(UnknownIdError):
        eng.allocate(roles, ["nobody"])
    with pytest.raises(ConfigError, match="ATTRIBUTE one of gender, age_band, location"):
        eng.set_allocation_quotas({("religion", "x"): 0.1})  # refused before anything is stored


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


def test_diversity_counts_gender_age_location_and_institution(trained_engine) -> None:
    """GESA's four categories; location is the candidate's country and institution their
    current (else longest) employer, both read from the graph export; the preference of a
    pair is the mean of the candidate side's location and domain terms."""
    import numpy as np

    from engine.allocation.build import instance_from_engine, institution_of
    from engine.matching.candidate_side import CandidateSide

    eng = trained_engine.eng
    roles = _ids(trained_engine, "roles.jsonl", 6)
    cands = _ids(trained_engine, "candidates.jsonl", 80)
    inst, ids = instance_from_engine(eng.context, roles, cands)
    assert list(inst.groups) == [*eng.settings.train.fairness_attributes, "location", "institution"]
    rec = eng.serving.recommender()
    exported = rec.runtime.exported
    c_idx = np.array([exported.ids["Candidate"].index_of(c) for c in cands])
    country = rec.runtime.ctx.candidate_country[c_idx]
    places = exported.ids["Location"].ids
    for i, code in enumerate(inst.groups["location"]):
        expected = places[country[i]] if country[i] >= 0 else None
        assert (ids.group_names["location"][code] if code >= 0 else None) == expected
    employer = institution_of(exported)[c_idx]
    assert (employer >= 0).mean() > 0.5  # most candidates have a work history
    for i, code in enumerate(inst.groups["institution"]):
        named = ids.group_names["institution"][code] if code >= 0 else None
        assert named == (
            exported.ids["Organization"].ids[employer[i]] if employer[i] >= 0 else None
        )
    side = CandidateSide.from_runtime(rec.runtime, eng.store)
    c = np.array(
        [exported.ids["Candidate"].index_of(ids.candidates[i]) for i in inst.arc_candidate]
    )
    r = np.array([exported.ids["Role"].index_of(ids.roles[j]) for j in inst.arc_role])
    X = rec.runtime.features(c, r)
    assert np.allclose(inst.arc_preference, 0.5 * (side.location(X) + side.domain(c, r)))


def test_the_institution_is_the_current_employer_else_the_longest() -> None:
    import torch
    from torch_geometric.data import HeteroData

    from engine.allocation.build import institution_of
    from loaders.pyg_export import ExportedGraph, IdMap

    data = HeteroData()
    key = ("Candidate", "WORKED_AT", "Organization")
    # c0: a long past job (org 0) and a short current one (org 1); c1: two past jobs, the
    # longer at org 2; c2: no work history
    data[key].edge_index = torch.tensor([[0, 0, 1, 1], [0, 1, 0, 2]])
    data[key].edge_attr = torch.tensor([[9.0, 0.0], [1.0, 1.0], [2.0, 0.0], [5.0, 0.0]])
    data[key].edge_attr_names = ["duration_years", "current"]
    exported = ExportedGraph(
        data,
        {
            "Candidate": IdMap("Candidate", ["c0", "c1", "c2"]),
            "Organization": IdMap("Organization", ["o0", "o1", "o2"]),
        },
    )
    assert institution_of(exported).tolist() == [1, 2, -1]
