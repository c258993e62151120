"""recommend_roles with two-sided fusion on the trained tiny store, the CLI flag, and the
fusion table of ``evaluate --fusion`` on the store's held-out truth."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.evaluation.fusion_table import CANDIDATE, RECRUITER, fusion_table
from engine.evaluation.ground_truth import load_ground_truth
from engine.matching.fair_fusion import gap
from engine.matching.fusion import METHODS
from engine.matching.two_sided import FUSIONS, ROLE_ATTRIBUTES
from graph_schema.errors import ConfigError

pytestmark = pytest.mark.slow  # the trained tiny store


@pytest.fixture(scope="module")
def candidates(trained_engine) -> list[str]:
    ids = [r["id"] for r in trained_engine.eng.store.run("node_ids", label="Candidate")]
    return sorted(ids)[:5]


def _ids(matches) -> list[str]:
    return [m.role_id for m in matches]


@pytest.mark.parametrize("fusion", FUSIONS)
def test_each_fusion_returns_k_roles_deterministically(trained_engine, candidates, fusion) -> None:
    eng = trained_engine.eng
    for c in candidates:
        first = eng.recommend_roles(c, k=5, fusion=fusion)
        assert len(first) == 5 and len(set(_ids(first))) == 5
        assert [m.rank for m in first] == [1, 2, 3, 4, 5]
        assert all(m.candidate_id == c and 0.0 <= m.score <= 1.0 for m in first)
        assert first == eng.recommend_roles(c, k=5, fusion=fusion)


def test_no_fusion_is_todays_list_and_weight_zero_reproduces_it(trained_engine, candidates):
    eng = trained_engine.eng
    for c in candidates:
        today = eng.serving.recommender().rank("Candidate", c, 10)
        assert eng.recommend_roles(c, k=10) == today
        fused = eng.recommend_roles(c, k=10, fusion="weighted_sum", weight=0.0)
        assert _ids(fused) == _ids(today)
        assert [m.score for m in fused] == [m.score for m in today]  # score stays merit


def test_weight_one_follows_the_candidate_side(trained_engine, candidates) -> None:
    eng = trained_engine.eng
    ranker = eng.serving.two_sided()
    runtime = ranker.recommender.runtime
    c = candidates[0]
    q = runtime.exported.ids["Candidate"].index_of(c)
    pool = ranker.recommender.pool("Candidate", q)
    cand = np.full(pool.size, q)
    X = runtime.features(cand, pool)
    suits = ranker.side.scores(cand, pool, X)
    roles = np.asarray(runtime.exported.ids["Role"].ids, dtype=object)[pool]
    best = [roles[i] for i in np.lexsort((roles, -suits))[:5]]
    assert _ids(eng.recommend_roles(c, k=5, fusion="weighted_sum", weight=1.0)) == best


@pytest.mark.parametrize("attribute", ROLE_ATTRIBUTES)
def test_fair_fusion_is_never_less_even_than_merit(trained_engine, candidates, attribute):
    eng = trained_engine.eng
    group_of, reference = eng.serving.two_sided().groups(attribute)
    if len(reference) < 2:
        pytest.skip(f"one {attribute} group in the tiny store")
    for c in candidates:
        merit = _ids(eng.recommend_roles(c, k=10))
        fair = _ids(eng.recommend_roles(c, k=10, fusion="fair", fair_attribute=attribute))
        assert gap(fair, group_of, reference) <= gap(merit, group_of, reference) + 1e-12


def test_bad_parameters_are_refused(trained_engine, candidates) -> None:
    eng = trained_engine.eng
    with pytest.raises(ConfigError, match="'fusion' parameter of recommend_roles"):
        eng.recommend_roles(candidates[0], fusion="average")
    with pytest.raises(ConfigError, match="'w' parameter of fuse"):
        eng.recommend_roles(candidates[0], fusion="rrf", weight=1.5)
    with pytest.raises(ConfigError, match="'fair_attribute' parameter"):
        eng.recommend_roles(candidates[0], fusion="fair", fair_attribute="gender")


def test_cli_recommend_with_fusion(trained_engine, candidates, tmp_path) -> None:
    store = tmp_path / "store"
    shutil.copytree(trained_engine.root / "store", store)
    args = ["recommend", "--candidate", candidates[0], "-k", "3", "--db", str(store), "--json"]
    result = CliRunner().invoke(app, [*args, "--fusion", "rrf", "--weight", "0.7"])
    assert result.exit_code == 0, result.output
    assert result.output.count('"role_id"') == 3
    refused = CliRunner().invoke(app, ["recommend", "--role", "r1", "--fusion", "rrf"])
    assert refused.exit_code == 2


def test_fusion_table_on_the_tiny_store(trained_engine) -> None:
    truth = load_ground_truth(trained_engine.data)
    table = fusion_table(trained_engine.eng.context, truth, resamples=50)
    names = [r.method for r in table.rows]
    assert names[:2] == [RECRUITER, CANDIDATE]
    assert [f"{m} (normalised)" for m in METHODS] == names[2 : 2 + len(METHODS)]
    assert sum(n.startswith("fair: DGI over") for n in names) == 2 * len(ROLE_ATTRIBUTES)
    rows = {r.method: r for r in table.rows}
    # both lists hold the whole pool: w = 0.5 weighted sum and CombSUM order alike
    ws, cs = rows["weighted_sum (normalised)"], rows["comb_sum (normalised)"]
    assert ws.candidate.per_query == cs.candidate.per_query
    for attribute in ROLE_ATTRIBUTES:
        base = rows[RECRUITER].dgi[attribute]
        for name in (f"fair: DGI over {attribute}", f"fair: DGI over {attribute}, ties to S_j"):
            fair = rows[name].dgi[attribute]  # w = 0 is on the grid and gives S_j's top 10
            assert all(fair[c] <= base[c] + 1e-12 for c in base)
    assert table.data["mutual_pairs_graded"] <= table.data["graded_pairs"]
    assert table.plot_png.startswith(b"\x89PNG")
    assert "| DGI, row minus S_j [95 %] |" in table.markdown
