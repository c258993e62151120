"""The fairness audit (``engine.audit``): LL144 tables on hand-made rows, the one
reader of sensitive attributes, and the audit of a trained engine checked against an
independent computation from its recommendations and the sensitive store.

Hand-checked numbers:

- Wilson interval of 5/10 at 95 %: centre (0.5 + 1.9208/10) / 1.38415 = 0.5, half
  1.95996 * sqrt(0.025 + 0.009604) / 1.38415 = 0.26340: [0.2366, 0.7634].
- Selection, rows f: 1 0 1 1, m: 1 1 1 1, unknown: 0: rates 0.75 and 1.0, impact ratio of
  f 0.75 (under 0.8: listed as information), unknown counted and left out.
- Scoring, f: 0.1 0.5 0.6, m: 0.2 0.3 0.7: median (0.3 + 0.5) / 2 = 0.4; above it f 2/3,
  m 1/3; impact ratio of m 0.5.
"""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from engine.api import MatchingEngine
from engine.audit.html import render_html
from engine.audit.run import audit, report_of_rows
from engine.audit.sources import recommendation_rows, rows_from_rankings
from engine.audit.tables import (
    rate_table,
    ratio_interval,
    scoring_table,
    wilson_interval,
)
from engine.cli import app
from engine.fairness.groups import MIN_N, sensitive_groups
from engine.results import FairnessReport
from engine.settings import Settings
from graph_schema.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]


# ------------------------------------------------------------------------- statistics
def test_wilson_interval_worked_on_paper() -> None:
    low, high = wilson_interval(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_ratio_interval_contains_the_ratio_and_is_undefined_at_zero() -> None:
    low, high = ratio_interval(30, 100, 60, 100)
    assert low < 0.5 < high
    assert ratio_interval(0, 100, 60, 100) is None


# ------------------------------------------------------------------------ LL144 tables
def _selection_table(**options):
    cats = [("f",)] * 4 + [("m",)] * 4 + [("unknown",)]
    return rate_table(
        [1, 0, 1, 1, 1, 1, 1, 1, 0],
        cats,
        list("abcdefghi"),
        kind="selection",
        attributes=("gender",),
        **options,
    )


def test_selection_rates_impact_ratios_and_unknown() -> None:
    table = _selection_table(min_n=3)
    rows = {r.category: r for r in table.rows}
    assert [r.category for r in table.rows] == [("m",), ("f",), ("unknown",)]
    assert (rows[("f",)].rate, rows[("f",)].hits, rows[("f",)].n) == (0.75, 3, 4)
    assert rows[("f",)].impact_ratio == 0.75 and rows[("m",)].impact_ratio == 1.0
    assert rows[("m",)].impact_ratio_ci is None  # the reference itself
    assert rows[("unknown",)].impact_ratio is None
    assert rows[("unknown",)].excluded_reason.startswith("unknown category")
    assert (table.unknown_rows, table.unknown_people) == (1, 1)
    assert table.reference == ("m",) and table.impact_ratio == 0.75
    assert table.difference == 0.25
    assert table.below_four_fifths == (("f",),)
    low, high = wilson_interval(3, 4)
    assert (rows[("f",)].ci_low, rows[("f",)].ci_high) == (low, high)


def test_small_groups_are_flagged_not_hidden() -> None:
    table = _selection_table()  # default min_n: 30 people
    assert MIN_N == 30
    assert len(table.rows) == 3
    assert all(r.insufficient_evidence for r in table.rows)
    assert table.impact_ratio == 0.75  # still computed and shown


def test_min_n_counts_people_not_appearances() -> None:
    # one person in 40 pools: 40 rows, 1 person -> insufficient evidence
    table = rate_table(
        [1] * 40 + [0] * 40,
        [("f",)] * 40 + [("m",)] * 40,
        ["a"] * 40 + [f"m{i}" for i in range(40)],
        kind="selection",
        attributes=("gender",),
    )
    rows = {r.category: r for r in table.rows}
    assert (rows[("f",)].n, rows[("f",)].people) == (40, 1)
    assert rows[("f",)].insufficient_evidence and not rows[("m",)].insufficient_evidence


def test_categories_under_two_percent_are_left_out_of_the_ratios_with_a_reason() -> None:
    hits = [1] * 25 + [0] * 25 + [1] * 49 + [0]
    cats = [("a",)] * 50 + [("b",)] * 49 + [("c",)]
    people = [f"p{i}" for i in range(100)]
    table = rate_table(hits, cats, people, kind="selection", attributes=("gender",))
    rows = {r.category: r for r in table.rows}
    small = rows[("c",)]
    assert (small.n, small.hits, small.rate, small.share) == (1, 0, 0.0, 0.01)
    assert small.impact_ratio is None
    assert small.excluded_reason == (
        "under 2% of the rows (1.00%): left out of the impact ratios (6 RCNY 5-301), "
        "shown with its count and rate"
    )
    # with c the ratio would be 0; without it, 0.5 / 1.0
    assert table.impact_ratio == 0.5 and rows[("a",)].impact_ratio == 0.5
    assert table.rows[-1].category == ("c",)  # listed after the categories in the ratios


def test_scoring_rate_is_the_share_above_the_median() -> None:
    scores = [0.1, 0.5, 0.6, 0.2, 0.3, 0.7]
    cats = [("f",)] * 3 + [("m",)] * 3
    table = scoring_table(scores, cats, list("abcdef"), attributes=("gender",))
    rows = {r.category: r for r in table.rows}
    assert table.kind == "scoring" and table.median_score == pytest.approx(0.4)
    assert rows[("f",)].rate == pytest.approx(2 / 3) and rows[("m",)].rate == pytest.approx(1 / 3)
    assert rows[("m",)].impact_ratio == pytest.approx(0.5)


def test_report_of_ranked_pools_with_an_intersection() -> None:
    # r1: a b c d, r2: b d a c; top 2 selected
    rankings = {"r1": ["a", "b", "c", "d"], "r2": ["b", "d", "a", "c"]}
    scores = {"r1": [0.9, 0.8, 0.3, 0.2], "r2": [0.7, 0.6, 0.5, 0.1]}
    rows = rows_from_rankings(rankings, 2, scores)
    gender = {"a": "f", "b": "m", "c": "f", "d": "m"}
    age = {"a": "young", "b": "young", "c": "old"}  # d: unknown age
    report = report_of_rows(
        rows,
        gender,
        source="rankings",
        attribute="gender",
        k=2,
        intersect="age_band",
        intersect_groups=age,
        min_n=1,
    )
    sel = {r.category: r for r in report.selection.rows}
    assert sel[("f",)].rate == 0.25 and sel[("m",)].rate == 0.75  # f: a in r1; m: b, b, d
    assert report.selection.impact_ratio == pytest.approx(1 / 3)
    both = {r.category: r for r in report.intersection_selection.rows}
    assert set(both) == {("f", "young"), ("m", "young"), ("f", "old"), ("m", "unknown")}
    assert both[("m", "young")].rate == 1.0 and both[("f", "old")].rate == 0.0
    assert both[("m", "unknown")].impact_ratio is None  # unknown if any part is unknown
    assert report.intersection_selection.unknown_rows == 2
    assert report.intersection_selection.unknown_people == 1
    # median of the 8 scores (0.5 + 0.6) / 2 = 0.55: f has 0.9, m has 0.8, 0.7, 0.6
    assert report.scoring.median_score == pytest.approx(0.55)
    assert {r.category: r.hits for r in report.scoring.rows} == {("f",): 1, ("m",): 3}
    assert (report.queries, report.rows, report.people) == (2, 8, 4)
    # exposure within the top 2: f 1/log2(2) once in 4 rows; m 1/log2(3) + 1 + 1/log2(3)
    exposure = {g.category: g.value for g in report.exposure.groups}
    assert exposure[("f",)] == pytest.approx(0.25)
    assert exposure[("m",)] == pytest.approx((1 + 2 / math.log2(3)) / 4)
    assert FairnessReport.model_validate_json(report.model_dump_json()) == report


# ------------------------------------------------------------- the one sensitive reader
def test_sensitive_groups_reads_the_audit_store(tiny_store_ro) -> None:
    rows = tiny_store_ro.read_sensitive(purpose="audit")
    groups = sensitive_groups(tiny_store_ro, "gender")
    assert groups == {r["id"]: r["gender"] for r in rows}
    # no candidate of the tiny graph has an ethnicity: every row is unknown
    assert set(sensitive_groups(tiny_store_ro, "ethnicity").values()) == {"unknown"}
    assert sensitive_groups(tiny_store_ro, "ethnicity", unknown=None) == {}
    with pytest.raises(ConfigError, match="The 'attribute' parameter of audit must be one of"):
        sensitive_groups(tiny_store_ro, "name")


def test_history_audit_of_the_tiny_graph_worked_on_paper(tiny_store_ro, tmp_path: Path) -> None:
    # tests/data/tiny/interactions.jsonl, 9 pairs; reached SHORTLISTED or later:
    # female c1-r1 c2-r5 c4-r2 (not c10-r3): 3/4; male c3-r1 c5-r3 c7-r4 (not c8-r4): 3/4;
    # non-binary c6-r2 (withdrew): 0/1. Hired: c1-r1 (female), c5-r3 (male).
    eng = MatchingEngine(tiny_store_ro, Settings(model_dir=str(tmp_path / "none")), "tiny")
    report = eng.audit("gender", source="history", min_n=1)
    rates = {r.category: (r.hits, r.n, r.impact_ratio) for r in report.selection.rows}
    assert rates == {("female",): (3, 4, 1.0), ("male",): (3, 4, 1.0), ("non-binary",): (0, 1, 0.0)}
    assert report.selection.impact_ratio == 0.0 and report.selection.reference == ("female",)
    assert report.selection.below_four_fifths == (("non-binary",),)
    assert report.scoring is None and report.model_version is None  # not trained
    assert any("not trained" in n for n in report.notes)
    hired = eng.audit("gender", source="history", history_selection="hired", min_n=1)
    assert {r.category: r.hits for r in hired.selection.rows} == {
        ("female",): 1,
        ("male",): 1,
        ("non-binary",): 0,
    }
    assert (report.queries, report.rows, report.people) == (5, 9, 9)


def _calls_read_sensitive(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "read_sensitive":
            return True
        if isinstance(node, ast.Constant) and node.value == "read_sensitive":
            return True  # getattr(store, "read_sensitive")
    return False


def test_only_the_audit_module_reads_sensitive_attributes() -> None:
    allowed = {"engine/fairness/groups.py"}
    readers = {
        path.relative_to(ROOT).as_posix()
        for folder in ("engine", "loaders")
        for path in (ROOT / folder).rglob("*.py")
        if _calls_read_sensitive(path)
    }
    # the store implementations define read_sensitive (loaders/stores/), they do not call it
    readers -= {p for p in readers if p.startswith("loaders/stores/")}
    assert readers == allowed
    # and the sensitive store's own read is called by the store implementation alone
    direct = {
        path.relative_to(ROOT).as_posix()
        for folder in ("engine", "loaders")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"sensitive_store\.read\(", path.read_text(encoding="utf-8"))
    }
    assert direct <= {"loaders/stores/base.py"}


def test_bad_parameters() -> None:
    with pytest.raises(ConfigError, match="The 'k' parameter of audit must be an int"):
        audit(None, k=0)
    with pytest.raises(ConfigError, match="The 'intersect' parameter of audit"):
        audit(None, source="history", intersect="gender")


# ------------------------------------------------------------ the audit of an engine
@pytest.fixture(scope="module")
def engine_audit(trained_engine):
    eng = trained_engine.eng
    report = eng.audit("gender", k=10, intersect="age_band", truth_dir=trained_engine.data)
    return eng, report


def _independent_rates(eng: MatchingEngine, k: int):
    """Selection and scoring per gender from ``recommend_candidates`` and the pools the
    recommender serves, with the groups read straight from the sensitive store."""
    rec = eng.serving.recommender()
    gender = {r["id"]: r["gender"] or "unknown" for r in eng.store.read_sensitive("audit")}
    roles = rec.runtime.exported.ids["Role"].ids
    selected: list[tuple[str, bool]] = []
    scores: list[tuple[str, float]] = []
    for index, role in enumerate(roles):
        top = {m.candidate_id for m in eng.recommend_candidates(role, k=k)}
        pool = rec.rank("Role", role, max(1, rec.pool("Role", index).size), reasons=False)
        if eng.settings.rerank == "none":  # else the served top k is re-ranked
            assert top == {m.candidate_id for m in pool[:k]}
        assert top <= {m.candidate_id for m in pool}
        for m in pool:
            group = gender.get(m.candidate_id, "unknown")
            selected.append((group, m.candidate_id in top))
            scores.append((group, m.score))
    return selected, scores


def _ll144(pairs: list[tuple[str, bool]]) -> dict[str, tuple[float, float | None]]:
    total = len(pairs)
    rate = {}
    for g in {g for g, _ in pairs}:
        hits = [h for gg, h in pairs if gg == g]
        rate[g] = (sum(hits) / len(hits), len(hits) / total)
    kept = {g: r for g, (r, share) in rate.items() if g != "unknown" and share >= 0.02}
    high = max(kept.values())
    return {g: (r, kept[g] / high if g in kept else None) for g, (r, _) in rate.items()}


@pytest.mark.slow
def test_impact_ratios_equal_an_independent_computation(engine_audit) -> None:
    eng, report = engine_audit
    selected, scores = _independent_rates(eng, 10)
    assert report.rows == len(selected) and report.source == "recommendations"
    expected = _ll144(selected)
    got = {r.category[0]: (r.rate, r.impact_ratio) for r in report.selection.rows}
    assert got.keys() == expected.keys()
    for g, (rate, ratio) in expected.items():
        assert got[g][0] == pytest.approx(rate, abs=1e-12)
        assert (got[g][1] is None) == (ratio is None)
        if ratio is not None:
            assert got[g][1] == pytest.approx(ratio, abs=1e-12)
    median = float(np.median([s for _, s in scores]))
    assert report.scoring.median_score == pytest.approx(median, abs=1e-12)
    expected = _ll144([(g, s > median) for g, s in scores])
    got = {r.category[0]: (r.rate, r.impact_ratio) for r in report.scoring.rows}
    for g, (rate, ratio) in expected.items():
        assert got[g][0] == pytest.approx(rate, abs=1e-12)
        if ratio is not None:
            assert got[g][1] == pytest.approx(ratio, abs=1e-12)


@pytest.mark.slow
def test_engine_audit_has_every_part(engine_audit) -> None:
    _, report = engine_audit
    assert report.intersection_selection.attributes == ("gender", "age_band")
    assert report.intersection_scoring is not None
    assert report.equal_opportunity.reference == "ground truth"
    assert report.calibration and report.calibration_reference.startswith("ground truth")
    assert report.exposure is not None and report.k == 10
    assert report.model_version and report.model_version.startswith("tg-")
    for table in (report.selection, report.scoring, report.intersection_selection):
        for row in table.rows:
            assert 0 <= row.ci_low <= row.rate <= row.ci_high <= 1
    assert FairnessReport.model_validate_json(report.model_dump_json()) == report


@pytest.mark.slow
def test_selected_rows_are_the_served_top_k(trained_engine) -> None:
    eng = trained_engine.eng
    rows = recommendation_rows(eng.context, 5)
    role = rows.query[0]
    served = [m.candidate_id for m in eng.recommend_candidates(role, k=5, rerank="none")]
    mine = rows.take((rows.query == role) & rows.selected)
    assert sorted(zip(mine.rank.tolist(), mine.candidate.tolist())) == list(
        zip(range(1, 6), served)
    )


@pytest.mark.slow
def test_re_ranked_rows_are_the_served_re_ranked_top_k(trained_engine) -> None:
    eng = trained_engine.eng
    for method in ("det_const_sort", "proportional"):
        _check_re_ranked_rows(eng, method)


def _check_re_ranked_rows(eng: MatchingEngine, method: str) -> None:
    rows = recommendation_rows(
        eng.context, 10, rerank=method, groups=eng.serving.fairness_status()[0]
    )
    for role in list(dict.fromkeys(rows.query.tolist()))[:10]:
        served = eng.recommend_candidates(role, k=10, rerank=method)
        mine = rows.take((rows.query == role) & rows.selected)
        assert sorted(zip(mine.rank.tolist(), mine.candidate.tolist())) == [
            (m.rank, m.candidate_id) for m in served
        ]
    assert f"re-ranked by {method!r}" in rows.pool


@pytest.mark.slow
def test_history_audit(trained_engine) -> None:
    report = trained_engine.eng.audit("age_band", source="history")
    assert report.source == "history" and report.k is None and report.exposure is None
    assert report.equal_opportunity is None and report.scoring is not None
    assert report.calibration_reference.startswith("history")
    assert any("No equal opportunity" in n for n in report.notes)


@pytest.mark.slow
def test_html_is_self_contained(engine_audit) -> None:
    _, report = engine_audit
    page = render_html(report)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert page.count('<img alt="plot" src="data:image/png;base64,') >= 4
    for word in ("unbiased", "is fair", "fairness guaranteed"):
        assert word not in page.lower()


@pytest.mark.slow
def test_cli_writes_json_and_html(trained_engine, tmp_path: Path) -> None:
    eng, root = trained_engine.eng, trained_engine.root
    eng.store.close()
    try:
        result = CliRunner().invoke(
            app,
            ["audit", "--db", str(root / "store"), "--out", str(tmp_path), "--k", "10"],
        )
        assert result.exit_code == 0, result.output
        report = FairnessReport.model_validate_json((tmp_path / "audit.json").read_text())
        assert report.attribute == "gender" and report.source == "recommendations"
        assert json.loads((tmp_path / "audit.json").read_text())["k"] == 10
        assert "data:image/png;base64," in (tmp_path / "audit.html").read_text()
        assert "impact ratio" in result.output
    finally:
        eng.store = MatchingEngine.open(root / "store", settings=eng.settings).store
        eng._context = None
