"""Explanations (``eng.explain``): exact additivity, path strengths read back by Cypher, the
four levels, proxies never shown, fidelity and stability, errors and the CLI.

Most tests use the session's ``trained_engine`` (scale 0.02, default pipeline) and never write
to it; path strengths are also checked by hand on ``tests/data/tiny`` (the numbers of
``tests/cypher/test_explore.py``).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from engine.api import MatchingEngine
from engine.cli import app
from engine.explain.attributions import GROUP_OF, GROUPS, attribute, calibrated
from engine.explain.levels import Explainer, explainer_for
from engine.explain.paths import read_paths
from engine.explain.profile import ProfileEdit, edited_features
from engine.explain.quality import fidelity, reference_values, stability
from engine.features.pair_features import FEATURE_NAMES
from engine.results import Explanation
from graph_schema.errors import ConfigError, UnknownIdError
from graph_schema.sensitive import SENSITIVE_FIELDS
from loaders.stores.base import GraphStore

SENSITIVE_WORDS = re.compile(
    r"\b(gender|sex|female|male|age|aged|age_band|ethnicity|ethnic|race|disabilit\w*|"
    r"nationality|religion|pregnan\w*|marital)\b",
    re.IGNORECASE,
)
GROUP_MARKER = {  # what each group's phrase says (engine.explain.phrases)
    "location": r"same location as the role|same country as the role|location unknown|"
    r"another country than the role|the role's place|the role's country",
    "experience": r"years of experience",
    "reliability": r"^reliability \d",
    "attendance": r"^attendance \d",
    "engagement": r"^engagement \d",
    "churn risk": r"^churn risk \d",
    "profile text": r"profile text",
    "graph similarity": r"graph (similarity|embedding)",
    "optional skills": r"nice-to-have skills",
    "required skills": r"required skills",
    "similar candidates": r"similar histories|interaction history",
    "past hires of the role": r"past hires",
    "candidate's past roles": r"shortlist",
}
WEIGHT = {"HAS_SKILL": "level", "REQUIRES_SKILL": "importance", "SIMILAR_TO": "weight"}


@pytest.fixture(scope="module")
def explainer(trained_engine) -> Explainer:
    return explainer_for(trained_engine.eng.context)


@pytest.fixture(scope="module")
def pairs(trained_engine, explainer) -> list[tuple[str, str]]:
    """(candidate, role): the top 3 of 8 roles, and 8 random pairs."""
    eng = trained_engine.eng
    ids = explainer.runtime.exported.ids
    rng = np.random.default_rng(0)
    out = []
    for role in rng.choice(ids["Role"].ids, size=8, replace=False):
        out += [(m.candidate_id, m.role_id) for m in eng.recommend_candidates(str(role), k=3)]
    for _ in range(8):
        out.append(
            (
                ids["Candidate"].ids[int(rng.integers(len(ids["Candidate"])))],
                ids["Role"].ids[int(rng.integers(len(ids["Role"])))],
            )
        )
    return out


def _index(explainer: Explainer, candidate_id: str, role_id: str) -> tuple[int, int]:
    ids = explainer.runtime.exported.ids
    return ids["Candidate"].index_of(candidate_id), ids["Role"].index_of(role_id)


# -- additivity -----------------------------------------------------------------------------
def test_detailed_attributions_add_up_to_the_raw_log_odds(trained_engine, explainer, pairs):
    eng = trained_engine.eng
    scorer = explainer.runtime.scorer
    for candidate_id, role_id in pairs:
        e = eng.explain(candidate_id, role_id, level="detailed")
        total = e.base_value + sum(a.shap for a in e.attributions) + e.withheld
        assert abs(total - e.raw_score) <= 1e-6
        c, r = _index(explainer, candidate_id, role_id)
        X = explainer.runtime.features(np.array([c]), np.array([r]))
        assert e.raw_score == pytest.approx(float(scorer.decision_function(X)[0]), abs=1e-12)
        assert e.score == pytest.approx(float(scorer.predict(X)[0]), abs=1e-12)
        hidden = [j for j, f in enumerate(FEATURE_NAMES) if GROUP_OF[f] in explainer.withheld]
        shown = {f for j, f in enumerate(FEATURE_NAMES) if j not in hidden}
        assert {a.feature for a in e.attributions} == shown
        phi = attribute(scorer, X).shap[0]
        assert e.withheld == pytest.approx(float(phi[hidden].sum()), abs=1e-12)
        assert "raw_score = base_value + sum(attributions)" in e.link


def test_score_shown_is_the_recommended_score(trained_engine):
    eng = trained_engine.eng
    role = eng.store.run("node_ids", label="Role")[0]["id"]
    for m in eng.recommend_candidates(role, k=5):
        e = eng.explain(m.candidate_id, role, level="summary")
        assert e.score == pytest.approx(m.score, abs=1e-9)


def test_calibrated_equals_predict(explainer, pairs):
    scorer = explainer.runtime.scorer
    idx = [_index(explainer, c, r) for c, r in pairs]
    X = explainer.runtime.features(np.array([c for c, _ in idx]), np.array([r for _, r in idx]))
    raw = scorer.decision_function(X)
    assert np.allclose(calibrated(scorer, raw), scorer.predict(X), rtol=0, atol=1e-12)
    att = attribute(scorer, X)
    assert np.abs(att.base + att.shap.sum(axis=1) - att.raw).max() <= 1e-6
    fast = attribute(scorer, X, check=False)  # raw = TreeSHAP's own sum, as explain serves
    assert np.abs(fast.raw - raw).max() <= 1e-12
    assert np.array_equal(fast.shap, att.shap)


def test_every_feature_is_in_one_group():
    assert sorted(GROUP_OF) == sorted(FEATURE_NAMES)
    assert sum(len(f) for f in GROUPS.values()) == len(FEATURE_NAMES)
    assert set(GROUP_MARKER) == set(GROUPS)


# -- paths ----------------------------------------------------------------------------------
def read_back(store: GraphStore, path) -> list[float]:
    """Each edge's weight read by a separate Cypher query (a missing one counts 1; an
    unweighted relationship 1, once its existence is checked)."""
    out = []
    for i, rel in enumerate(path.types):
        a, b = path.ids[i], path.ids[i + 1]
        la, lb = path.labels[i], path.labels[i + 1]
        prop = WEIGHT.get(rel)
        value = f"max(coalesce(e.{prop}, 1.0))" if prop else "1.0"
        rows = store.run_text(
            f"MATCH (a:{la} {{id: $a}})-[e:{rel}]-(b:{lb} {{id: $b}}) "
            f"RETURN {value} AS w, count(e) AS n",
            {"a": a, "b": b},
        )
        assert rows[0]["n"] >= 1, f"{rel} between {a} and {b} not found"
        out.append(float(rows[0]["w"]))
    return out


def test_path_strength_is_the_product_of_weights_read_back(trained_engine, pairs):
    eng = trained_engine.eng
    kinds = set()
    for candidate_id, role_id in pairs:
        for path in eng.explain(candidate_id, role_id, level="detailed").paths:
            kinds.add(path.kind)
            weights = read_back(eng.store, path)
            assert list(path.weights) == pytest.approx(weights, abs=1e-12)
            assert path.strength == pytest.approx(math.prod(weights), rel=1e-12)
            assert path.ids[0] == candidate_id and path.ids[-1] == role_id
    assert {"held_skill", "similar_skill"} <= kinds


def test_paths_on_the_tiny_graph_worked_by_hand(tiny_store_ro):
    paths = read_paths(tiny_store_ro, "c6", "r2")
    got = [(p.kind, p.ids[1:-1], round(p.strength, 6)) for p in paths]
    assert got == [
        ("past_employer_domain", ("acme", "software"), 1.0),
        ("same_location", ("berlin",), 1.0),
        ("held_skill", ("data_analysis",), round(0.7 * 0.8, 6)),
        ("similar_skill", ("python", "data_analysis"), round(0.8 * 0.7 * 0.8, 6)),
        ("similar_skill", ("data_analysis", "sql"), round(0.7 * 0.6 * 1.0, 6)),
        ("held_skill", ("python",), round(0.8 * 0.5, 6)),
        ("similar_skill", ("machine_learning", "data_analysis"), round(0.9 * 0.5 * 0.8, 6)),
        ("similar_skill", ("data_analysis", "python"), round(0.7 * 0.7 * 0.5, 6)),
    ]
    for path in paths:
        assert path.strength == pytest.approx(math.prod(read_back(tiny_store_ro, path)))
    assert paths[2].sentence == (
        "holds Data analysis (level 0.70), which the role requires (importance 0.80): strength 0.56"
    )


def explainer_withheld(trained_engine) -> frozenset[str]:
    return explainer_for(trained_engine.eng.context).withheld


# -- levels ---------------------------------------------------------------------------------
def test_summary_has_three_reasons(trained_engine, pairs):
    for candidate_id, role_id in pairs[:6]:
        e = trained_engine.eng.explain(candidate_id, role_id)
        assert e.level == "summary" and len(e.reasons) == 3
        assert len(e.paths) <= 3 and len({p.kind for p in e.paths}) == len(e.paths)
        assert e.attributions == ()
        detailed = trained_engine.eng.explain(candidate_id, role_id, level="detailed")
        assert detailed.reasons[:3] == e.reasons  # the three largest groups of the detailed
        assert len(detailed.reasons) == len(GROUPS) - len(explainer_withheld(trained_engine))


def test_comparative_orders_by_shap_difference(trained_engine, explainer):
    eng = trained_engine.eng
    role = eng.store.run("node_ids", label="Role")[1]["id"]
    # comparative explains the merit order: the served list without a fairness re-ranker
    # (the default re-ranker may reorder a top 4)
    top = eng.recommend_candidates(role, k=4, rerank="none")
    a, b = top[0].candidate_id, top[3].candidate_id
    e = eng.explain(a, role, level="comparative", versus=b)
    diffs = [x.shap for x in e.attributions]
    assert diffs == sorted(diffs, reverse=True)
    assert e.versus == b and e.versus_score == pytest.approx(top[3].score, abs=1e-9)
    assert sum(diffs) + e.withheld == pytest.approx(e.raw_score - e.versus_raw_score, abs=1e-6)
    da = {x.feature: x.shap for x in eng.explain(a, role, level="detailed").attributions}
    db = {x.feature: x.shap for x in eng.explain(b, role, level="detailed").attributions}
    assert {x.feature: x.shap for x in e.attributions} == pytest.approx(
        {f: da[f] - db[f] for f in da}
    )
    assert len(e.reasons) == 3 and all(f"for {b}" in r for r in e.reasons)
    # without versus: the candidate ranked next in the served list
    assert eng.explain(a, role, level="comparative").versus == top[1].candidate_id
    assert eng.explain(top[2].candidate_id, role, level="comparative").versus == top[3].candidate_id


def _verify(explainer: Explainer, e: Explanation) -> None:
    """Re-score the proposed changes independently and check the rank they give; no change
    goes through a withheld (proxy) group."""
    c, r = _index(explainer, e.candidate_id, e.role_id)
    skills = explainer.runtime.exported.ids["Skill"]
    ctx = explainer.runtime.ctx
    listed = set(ctx.importance[r].indices.tolist())
    levels, years = {}, 0.0
    for change in e.changes:
        assert change.kind in ("add_skill", "raise_level", "add_years")
        if change.kind == "add_years":
            years += change.after - change.before
            assert "experience" not in explainer.withheld
        else:
            s = skills.index_of(change.skill_id)
            assert s in listed and change.after > change.before
            group = "required skills" if ctx.required[r, s] else "optional skills"
            assert group not in explainer.withheld
            levels[s] = change.after
        assert not SENSITIVE_WORDS.search(change.text)
    X = edited_features(explainer.runtime, c, r, [ProfileEdit(levels=levels, years=years)])
    score = float(explainer.runtime.scorer.predict(X)[0])
    assert score == pytest.approx(e.counterfactual_score, abs=1e-12)
    scores, order = explainer.ranking(r)
    ids = explainer.runtime.exported.ids["Candidate"].ids
    others = [int(i) for i in order if int(i) != c]
    rank = 1 + sum(
        1 for i in others if scores[i] > score or (scores[i] == score and ids[i] < ids[c])
    )
    assert rank == e.counterfactual_rank
    assert e.reached == (rank <= e.k)


@pytest.mark.slow
def test_counterfactual_is_verified_by_rescoring(trained_engine, explainer):
    eng = trained_engine.eng
    ids = explainer.runtime.exported.ids
    reached = 0
    for r in range(0, 12, 3):
        scores, order = explainer.ranking(r)
        for pos in (15, 40):
            cand = ids["Candidate"].ids[int(order[pos])]
            e = eng.explain(cand, ids["Role"].ids[r], level="counterfactual", k=10)
            assert e.k == 10 and e.threshold == pytest.approx(float(scores[order[9]]))
            _verify(explainer, e)
            reached += bool(e.reached and e.changes)
    assert reached >= 4
    top = eng.recommend_candidates(ids["Role"].ids[0], k=1, rerank="none")[0]  # merit order
    e = eng.explain(top.candidate_id, top.role_id, level="counterfactual")
    assert e.reached and e.changes == () and e.counterfactual_rank == 1


# -- proxies and sensitive attributes -------------------------------------------------------
def test_reasons_never_name_a_sensitive_attribute_or_a_proxy(trained_engine, explainer, pairs):
    proxies = getattr(trained_engine.eng.serving.model(), "proxy_features", frozenset())
    assert explainer.proxy_features == proxies
    hidden = {f for f in FEATURE_NAMES if GROUP_OF[f] in explainer.withheld}
    assert set(proxies) <= hidden
    for candidate_id, role_id in pairs:
        for level in ("summary", "detailed", "comparative"):
            e = trained_engine.eng.explain(candidate_id, role_id, level=level)
            text = " ".join([*e.reasons, *(p.sentence for p in e.paths)])
            assert not SENSITIVE_WORDS.search(text), text
            assert not any(f in text for f in SENSITIVE_FIELDS)
            assert not hidden & {a.feature for a in e.attributions}
            for group in explainer.withheld:
                assert not any(re.search(GROUP_MARKER[group], r) for r in e.reasons), group


@pytest.mark.slow
def test_proxy_features_are_never_reasons(trained_engine, explainer, pairs):
    proxies = explainer.proxy_features | {"location_fit", "experience_years"}
    ex = Explainer(explainer.recommender, trained_engine.eng.store, proxies)
    hidden = {GROUP_OF[f] for f in proxies}
    hidden_features = {f for g in hidden for f in GROUPS[g]}
    for candidate_id, role_id in pairs[:8]:
        plain = explainer.explain(candidate_id, role_id, "detailed")
        e = ex.explain(candidate_id, role_id, "detailed")
        assert not hidden_features & {a.feature for a in e.attributions}
        for group in hidden:
            assert not any(re.search(GROUP_MARKER[group], r) for r in e.reasons), group
        assert not any(
            p.kind in ("same_location", "same_country", "past_employer_domain") for p in e.paths
        )
        expected = plain.withheld + sum(
            a.shap for a in plain.attributions if a.feature in hidden_features
        )
        assert e.withheld == pytest.approx(expected, abs=1e-9)
        total = e.base_value + sum(a.shap for a in e.attributions) + e.withheld
        assert abs(total - e.raw_score) <= 1e-6
        assert e.score == plain.score
        summary = ex.explain(candidate_id, role_id, "summary")
        assert len(summary.reasons) == 3
        cmp = ex.explain(candidate_id, role_id, "comparative")
        assert not hidden_features & {a.feature for a in cmp.attributions}
    ids = explainer.runtime.exported.ids
    _scores, order = explainer.ranking(0)
    e = ex.explain(ids["Candidate"].ids[int(order[30])], ids["Role"].ids[0], "counterfactual")
    assert all(c.kind != "add_years" for c in e.changes)
    _verify(ex, e)


# -- the edited profile, fidelity, stability ------------------------------------------------
def test_unedited_profile_features_equal_the_runtime_features(explainer):
    runtime = explainer.runtime
    n_c, n_r = len(runtime.exported.ids["Candidate"]), len(runtime.exported.ids["Role"])
    rng = np.random.default_rng(1)
    for c, r in zip(rng.integers(0, n_c, 40), rng.integers(0, n_r, 40), strict=True):
        want = runtime.features(np.array([c]), np.array([r]))
        got = edited_features(runtime, int(c), int(r), [ProfileEdit()])
        assert np.array_equal(want, got, equal_nan=True)


def test_an_added_skill_raises_coverage(explainer):
    runtime = explainer.runtime
    ctx = runtime.ctx
    col = {n: i for i, n in enumerate(FEATURE_NAMES)}
    for r in range(5):
        required = [s for s in ctx.required[r].indices.tolist()]
        c = 0
        lacking = [s for s in required if ctx.level[c, s] == 0]
        if not lacking:
            continue
        X = edited_features(runtime, c, r, [ProfileEdit(), ProfileEdit({lacking[0]: 1.0})])
        assert X[1, col["missing_required"]] == X[0, col["missing_required"]] - 1
        assert X[1, col["required_coverage"]] > X[0, col["required_coverage"]]


def test_deleting_top_attributed_features_moves_the_score_more(explainer, pairs):
    runtime = explainer.runtime
    idx = [_index(explainer, c, r) for c, r in pairs]
    X = runtime.features(np.array([c for c, _ in idx]), np.array([r for _, r in idx]))
    rng = np.random.default_rng(0)
    n_c, n_r = len(runtime.exported.ids["Candidate"]), len(runtime.exported.ids["Role"])
    sample = runtime.features(rng.integers(0, n_c, 500), rng.integers(0, n_r, 500))
    found = fidelity(runtime.scorer, X, reference_values(sample), m=3, seed=0)
    assert found["top_move_mean"] > found["random_move_mean"]
    assert found["ratio"] > 1.5


def test_near_identical_profiles_get_near_identical_explanations(explainer, pairs):
    found = stability(explainer, [_index(explainer, c, r) for c, r in pairs])
    assert found["relative_l1_mean"] < 0.05
    assert found["same_summary_share"] >= 0.8


# -- errors and the CLI ---------------------------------------------------------------------
def test_unknown_ids_and_bad_parameters_raise(trained_engine, pairs):
    eng = trained_engine.eng
    candidate_id, role_id = pairs[0]
    with pytest.raises(UnknownIdError, match="nobody"):
        eng.explain("nobody", role_id)
    with pytest.raises(UnknownIdError, match="no-role"):
        eng.explain(candidate_id, "no-role", level="detailed")
    with pytest.raises(UnknownIdError, match="ghost"):
        eng.explain(candidate_id, role_id, level="comparative", versus="ghost")
    with pytest.raises(ConfigError, match="'level' parameter of explain"):
        eng.explain(candidate_id, role_id, level="why")
    with pytest.raises(ConfigError, match="'k' parameter of explain"):
        eng.explain(candidate_id, role_id, level="counterfactual", k=0)
    with pytest.raises(ConfigError, match="two different candidates"):
        eng.explain(candidate_id, role_id, level="comparative", versus=candidate_id)


@pytest.mark.slow
def test_cli_explain(trained_engine, pairs, tmp_path: Path):
    eng, root = trained_engine.eng, trained_engine.root
    candidate_id, role_id = pairs[0]
    want = eng.explain(candidate_id, role_id, level="detailed")
    eng.store.close()
    try:
        args = ["explain", "--db", str(root / "store"), "--candidate", candidate_id]
        result = CliRunner().invoke(
            app, [*args, "--role", role_id, "--level", "detailed", "--json"]
        )
        assert result.exit_code == 0, result.output
        got = Explanation.model_validate(json.loads(result.output))
        assert got.raw_score == pytest.approx(want.raw_score, abs=1e-9)
        assert got.reasons == want.reasons
        text = CliRunner().invoke(app, [*args, "--role", role_id])
        assert text.exit_code == 0, text.output
        assert "1. " in text.output and "raw log-odds" in text.output
        bad = CliRunner().invoke(app, [*args, "--role", "no-role"])
        assert bad.exit_code == 2 and "no-role" in bad.output
    finally:
        eng.store = MatchingEngine.open(root / "store", settings=eng.settings).store
        eng._context = None
