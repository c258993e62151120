"""Bias audits of the engine, after NYC Local Law 144 (rule 6 RCNY 5-301); the only reader of
sensitive attributes.

Sensitive attributes live outside the graph (``loaders.sensitive_store``); this module is the
one place that reads them, through ``GraphStore.read_sensitive(purpose="audit")``: for the
audit itself and, through :func:`sensitive_groups`, for training's adversary target (a test
checks that no other module of ``engine/`` or ``loaders/`` calls ``read_sensitive``).

What an audit reports (``engine.results.FairnessReport``), on the rows of a source
(``engine.audit.sources``: the recommendations, the history, the decisions):

- **selection** (LL144 "selecting"): per category, the selection rate and the impact ratio
  (its rate over the highest category's rate);
- **scoring** (LL144 "scoring"): the median score of all rows, each category's scoring rate
  (share of its rows scored strictly above that median) and its impact ratio;
- both again for the **intersection** of two attributes (``intersect="age_band"``);
- the **unknown** category (no value in the sensitive store) is counted and shown, and left
  out of the ratios; a category under ``min_share`` (2 %) of the rows is left out of the
  ratios too, and listed with its count, rate and the reason;
- every rate has a 95 % Wilson interval, every impact ratio a 95 % Katz (log) interval;
  a category with fewer than ``min_n`` (30) distinct people is flagged "insufficient
  evidence": shown, never hidden. Rows are pairs: one person appears in many pools, so the
  rows are not independent and the intervals are too narrow when a few people dominate a
  category; the people count is given beside them for that reason;
- beside the tables: demographic parity difference (``RateTable.difference``), equal
  opportunity (true positive rate per category) against the held-out ground truth when a
  dataset is given, else against the hires of the history, calibration by group (mean
  score against observed positive rate) and exposure (mean ``1 / log2(1 + rank)`` within
  the top ``k``);
- the four-fifths (0.8) line is information to assess, not a pass mark: LL144 sets no
  threshold, and a ratio above 0.8 does not show that a ranking treats groups alike.

A missing or unreadable sensitive store is not an audit of everyone "unknown": the audit
raises a ``StoreError`` naming the file (:func:`require_sensitive`; a file deleted after it
was in use and one never written get their own messages, ``loaders.sensitive_store``). What
serves people instead keeps serving, flagged: :func:`served_groups` hands the re-ranker no
groups and a warning that goes on every served ``Match`` (``FairnessUnavailableWarning``).
A store that is readable but emptied or replaced by another store's file is caught too: the
audit raises when none of the audited people has a known value (:data:`NOBODY_KNOWN`), and
carries a ``WARNING`` note (and a ``FairnessCoverageWarning``) below :data:`MIN_COVERAGE`
known; served lists are flagged when a re-ranking attribute is known for no candidate of the
graph (:data:`NOBODY_KNOWN_SERVED`).

The metric computations are those of ``engine.fairness.metrics`` (one group-metrics core);
the tables are built by ``engine.audit.tables`` from the rows this module hands it.

Example:
    >>> report = audit(ctx, attribute="gender", k=10, intersect="age_band")   # doctest: +SKIP
    >>> [(r.category, r.impact_ratio) for r in report.selection.rows]          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from engine.audit.sources import (
    AuditRows,
    Progress,
    decision_counts,
    decision_rows,
    history_pairs,
    history_rows,
    recommendation_rows,
    score_pairs,
)
from engine.audit.tables import (
    MIN_SHARE,
    Category,
    calibration,
    categories_of,
    eligible_categories,
    equal_opportunity,
    exposure_metric,
    rate_table,
    scoring_table,
    wilson_interval,
)
from engine.context import EngineContext
from engine.fairness.groups import (
    MIN_N,
    check_attribute,
    check_coverage,
    require_sensitive,
    sensitive_groups,
)
from engine.results import (
    FairnessReport,
)
from graph_schema.errors import ConfigError, NotTrainedError
from graph_schema.params import bad_parameter

CONFIDENCE = 0.95
SOURCES = ("recommendations", "history", "decisions")
QUALIFIED_GRADE = 2  # ground-truth relevance >= 2: true fit >= 0.50 in the generator's grades
FOUR_FIFTHS_NOTE = (
    "Ratios are information to assess, not a pass mark: the four-fifths (0.8) line is a rule "
    "of thumb, and LL144 sets no threshold."
)
ROWS_NOTE = (
    "Rows are (role, candidate) pairs; a category with fewer than {min_n} distinct people is "
    "flagged 'insufficient evidence'. One person may appear in many pools, so the intervals "
    "(which treat rows as independent) can be too narrow."
)
HISTORY_EOD_NOTE = (
    "No equal opportunity for the history without a ground truth: the history's own "
    "decisions are what is audited, so they cannot also be the reference of qualification."
)


# ------------------------------------------------------------------------------ the audit
def report_of_rows(
    rows: AuditRows,
    groups: Mapping[str, str],
    *,
    source: str,
    attribute: str,
    k: int | None,
    intersect: str | None = None,
    intersect_groups: Mapping[str, str] | None = None,
    min_n: int = MIN_N,
    min_share: float = MIN_SHARE,
    **beside: Any,
) -> FairnessReport:
    """The LL144 tables of ``rows`` with the groups given; ``beside`` adds the other fields
    of the report (``equal_opportunity``, ``calibration``, ``model_version``, ``notes``...)."""
    people = rows.candidate.tolist()
    options = {"min_n": min_n, "min_share": min_share}
    single = categories_of(people, groups)
    attrs = (attribute,)
    selection = rate_table(
        rows.selected, single, people, kind="selection", attributes=attrs, **options
    )
    # the scoring tables cover the rows with a score (all of them, unless an id of the
    # history is missing from the trained graph)
    finite = np.isfinite(rows.score) if rows.score is not None else np.zeros(len(rows), bool)
    scored = bool(finite.any())
    sub = rows if finite.all() else rows.take(finite)
    sub_people = sub.candidate.tolist()
    scoring = both_sel = both_score = None
    if scored:
        cats = single if sub is rows else categories_of(sub_people, groups)
        scoring = scoring_table(sub.score, cats, sub_people, attributes=attrs, **options)
    if intersect is not None and intersect_groups is not None:
        both = categories_of(people, groups, intersect_groups)
        attrs2 = (attribute, intersect)
        both_sel = rate_table(
            rows.selected, both, people, kind="selection", attributes=attrs2, **options
        )
        if scored:
            cats = both if sub is rows else categories_of(sub_people, groups, intersect_groups)
            both_score = scoring_table(sub.score, cats, sub_people, attributes=attrs2, **options)
    exposure_ = None
    if rows.rank is not None and k is not None and len(rows):
        exposure_ = exposure_metric(
            rows.rank, k, single, eligible=eligible_categories(selection), min_n=min_n
        )
    return FairnessReport(
        source=source,  # type: ignore[arg-type]
        pool=rows.pool,
        attribute=attribute,
        intersect=intersect,
        k=k,
        queries=len(set(rows.query.tolist())),
        rows=len(rows),
        people=len(set(people)),
        min_n=min_n,
        min_share=min_share,
        confidence=CONFIDENCE,
        selection=selection,
        scoring=scoring,
        intersection_selection=both_sel,
        intersection_scoring=both_score,
        exposure=exposure_,
        **beside,
    )


def _check(k: int, min_n: int, min_share: float, source: Any) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 1000:
        raise bad_parameter("k", "audit", "an int in [1, 1000]", k)
    if not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 1:
        raise bad_parameter("min_n", "audit", "an int >= 1", min_n)
    if not isinstance(min_share, (int, float)) or not 0 <= min_share < 0.5:
        rule = "a float in [0, 0.5)"
        raise bad_parameter("min_share", "audit", rule, min_share)
    if not isinstance(source, AuditRows) and source not in SOURCES:
        rule = f"one of {', '.join(SOURCES)} or AuditRows"
        raise bad_parameter("source", "audit", rule, source)


def _truth_rows(ctx: EngineContext, truth_dir: str | Path, k: int) -> tuple[AuditRows, np.ndarray]:
    """The held-out role pools ranked by the engine's score (as ``evaluate`` ranks them),
    and whether each pair is qualified (relevance >= 2)."""
    from engine.audit.sources import rows_from_rankings
    from engine.evaluation.ground_truth import load_ground_truth

    pools = load_ground_truth(truth_dir).pools("role")
    pairs = [(role, c) for role, pool in pools.items() for c in sorted(pool)]
    scores = score_pairs(ctx, [c for _, c in pairs], [r for r, _ in pairs])
    ranked: dict[str, list[tuple[float, str]]] = {}
    for (role, c), s in zip(pairs, np.nan_to_num(scores, nan=-np.inf)):
        ranked.setdefault(role, []).append((-s, c))
    rankings = {r: [c for _, c in sorted(v)] for r, v in ranked.items()}
    by_pair = dict(zip(pairs, scores))
    rows = rows_from_rankings(
        rankings,
        k,
        {r: [by_pair[(r, c)] for c in ranking] for r, ranking in rankings.items()},
        "held-out ground-truth role pools, ranked by the engine's merit score",
    )
    qualified = np.array(
        [pools[r][c] >= QUALIFIED_GRADE for r, c in zip(rows.query, rows.candidate)], bool
    )
    return rows, qualified


def audit(
    ctx: EngineContext,
    attribute: str = "gender",
    k: int = 10,
    intersect: str | None = None,
    *,
    source: str | AuditRows = "recommendations",
    pool: str = "retrieved",
    truth_dir: str | Path | None = None,
    history_selection: str = "shortlisted",
    min_n: int = MIN_N,
    min_share: float = MIN_SHARE,
    progress: Progress | None = None,
    rerank: str | None = None,
) -> FairnessReport:
    """Audit the engine's recommendations, the history, or given rankings.

    Args:
        ctx: the engine's context (trained, except for an unscored history audit).
        attribute: the sensitive attribute (``gender``, ``age_band``, ...).
        k: the top ``k`` of each pool are selected (recommendations, rankings).
        intersect: a second attribute for the intersection tables.
        source: ``"recommendations"``, ``"history"``, ``"decisions"`` (the recruiter
            decision log, verified first: the tables are over the decided pairs, selected =
            accepted or overridden, plus ``overrides`` per category and ``decision_counts``
            per role and reviewer) or ``AuditRows`` (``audit_sources.rows_from_rankings``).
        pool: for recommendations, ``"retrieved"`` or ``"all"`` (``audit_sources``).
        truth_dir: a generated dataset whose ``_evaluation/`` ground truth is the reference
            of equal opportunity and calibration (else the history's hires and stages).
        history_selection: for the history, ``"shortlisted"`` or ``"hired"``.
        min_n: fewer distinct people in a category: "insufficient evidence".
        min_share: a category under this share of the rows is left out of the ratios.
        progress: ``(roles done, roles)`` while the recommendations are scored.
        rerank: the re-ranking of the audited top ``k`` (``recommend_candidates``'s
            ``rerank``); default the engine's ``settings.rerank``, so the audit sees what
            is served.

    Raises:
        ConfigError: a bad parameter, or a decision log that fails verification.
        StoreError: the sensitive store is missing or unreadable (the message names it).
        NotTrainedError: the recommendations need a trained engine.
    """
    _check(k, min_n, min_share, source)
    check_attribute("attribute", attribute)
    if intersect is not None:
        check_attribute("intersect", intersect)
        if intersect == attribute:
            raise bad_parameter("intersect", "audit", "another attribute", intersect)
    try:
        version: str | None = ctx.serving.model().version
    except (NotTrainedError, AttributeError):
        version = None
    notes: list[str] = [FOUR_FIFTHS_NOTE, ROWS_NOTE.format(min_n=min_n)]
    if source == "decisions":
        return _decision_audit(ctx, attribute, intersect, min_n, min_share, notes)
    require_sensitive(ctx.store)
    if isinstance(source, AuditRows):
        rows, name = source, "rankings"
    elif source == "recommendations":
        method = ctx.serving.rerank_method(rerank)
        served = None if method == "none" else ctx.serving.fairness_status()[0]
        rows = recommendation_rows(ctx, k, pool, progress, method, served)
        name = "recommendations"
    else:
        rows, name = history_rows(ctx, history_selection, scored=version is not None), "history"
        if version is None:
            notes.append("The engine is not trained: no scoring table.")
        else:
            notes.append("History scores are in sample: the scorer learnt from this history.")
        if truth_dir is None:
            notes.append(HISTORY_EOD_NOTE)
    groups = sensitive_groups(ctx.store, attribute)
    other = sensitive_groups(ctx.store, intersect) if intersect is not None else None
    notes.extend(_coverage_notes(ctx.store, rows, attribute, groups, intersect, other))
    report = report_of_rows(
        rows,
        groups,
        source=name,
        attribute=attribute,
        k=k if name != "history" else None,
        intersect=intersect,
        intersect_groups=other,
        min_n=min_n,
        min_share=min_share,
        model_version=version,
        notes=tuple(notes),
    )
    if version is None:
        return report
    return report.model_copy(
        update=_beside(
            ctx, rows, name, groups, eligible_categories(report.selection), k, min_n, truth_dir
        )
    )


def _coverage_notes(
    store: Any,
    rows: AuditRows,
    attribute: str,
    groups: Mapping[str, str],
    intersect: str | None,
    other: Mapping[str, str] | None,
) -> list[str]:
    """:func:`check_coverage` of the audited people for both attributes."""
    people = [str(c) for c in rows.candidate]
    out = [check_coverage(store, attribute, groups, people)]
    if intersect is not None and other is not None:
        out.append(check_coverage(store, intersect, other, people))
    return [w for w in out if w]


NO_DECISIONS = "no recruiter decision is logged in {path}: nothing to audit"
DECISIONS_NOTE = (
    "Decisions: one row per (role, candidate) pair decided, with its latest decision; "
    "selected = accepted or overridden. The override table is the share of each category's "
    "decisions that went against the ranking shown (an override accepts a candidate outside "
    "the top 10 shown); per role and per reviewer every logged decision counts."
)


def _decision_audit(
    ctx: EngineContext,
    attribute: str,
    intersect: str | None,
    min_n: int,
    min_share: float,
    notes: list[str],
) -> FairnessReport:
    """The audit of the decision log (verified first): the LL144 selection tables over the
    decided pairs, the override rate per category, and the counts per role and reviewer."""
    from engine.decisions.log import read

    records = read(ctx.decisions_path)
    if not records:
        raise ConfigError(NO_DECISIONS.format(path=ctx.decisions_path))
    require_sensitive(ctx.store)
    rows, overridden = decision_rows(records)
    groups = sensitive_groups(ctx.store, attribute)
    other = sensitive_groups(ctx.store, intersect) if intersect is not None else None
    notes = [*notes, *_coverage_notes(ctx.store, rows, attribute, groups, intersect, other)]
    versions = sorted({r["model_version"] for r in records})
    notes = [*notes, DECISIONS_NOTE, f"Decisions ranked by model versions: {versions or '-'}."]
    report = report_of_rows(
        rows,
        groups,
        source="decisions",
        attribute=attribute,
        k=None,
        intersect=intersect,
        intersect_groups=other,
        min_n=min_n,
        min_share=min_share,
        model_version=versions[-1] if len(versions) == 1 else None,
        notes=tuple(notes),
    )
    people = rows.candidate.tolist()
    overrides = rate_table(
        overridden,
        categories_of(people, groups),
        people,
        kind="override",
        attributes=(attribute,),
        min_n=min_n,
        min_share=min_share,
    )
    return report.model_copy(
        update={
            "overrides": overrides,
            "decision_counts": decision_counts(records, min_n, wilson_interval),
        }
    )


def _beside(
    ctx: EngineContext,
    rows: AuditRows,
    name: str,
    groups: Mapping[str, str],
    eligible: set[Category],
    k: int,
    min_n: int,
    truth_dir: str | Path | None,
) -> dict[str, Any]:
    """Equal opportunity and calibration of a trained engine (see the module docstring)."""
    beside: dict[str, Any] = {}
    if truth_dir is not None:
        truth, qualified = _truth_rows(ctx, truth_dir, k)
        cats = categories_of(truth.candidate.tolist(), groups)
        beside["equal_opportunity"] = equal_opportunity(
            truth.selected,
            qualified,
            cats,
            eligible=eligible,
            reference="ground truth",
            min_n=min_n,
            note=f"{truth.pool}; selected: top {k}; qualified: relevance >= {QUALIFIED_GRADE}",
        )
        beside["calibration"] = calibration(truth.score, qualified, cats, min_n=min_n)
        beside["calibration_reference"] = (
            f"ground truth: observed = relevance >= {QUALIFIED_GRADE} in the held-out role "
            "pools (the score estimates a recruiter's positive judgement, not the true fit: "
            "compare the gaps across groups rather than with 0)"
        )
        return beside
    if name != "history":
        hired = {p for p, types in history_pairs(ctx.store).items() if "HIRED" in types}
        qualified = np.array([(c, r) in hired for c, r in zip(rows.candidate, rows.query)], bool)
        beside["equal_opportunity"] = equal_opportunity(
            rows.selected,
            qualified,
            categories_of(rows.candidate.tolist(), groups),
            eligible=eligible,
            reference="hires",
            min_n=min_n,
            note=f"{rows.pool}; selected: top {k}; qualified: the pair was HIRED in the history",
        )
    hist = rows if name == "history" else history_rows(ctx, "shortlisted")
    if hist.score is not None and len(hist):
        cats = categories_of(hist.candidate.tolist(), groups)
        beside["calibration"] = calibration(hist.score, hist.selected, cats, min_n=min_n)
        beside["calibration_reference"] = (
            "history: observed = selected in the history as audited (scores in sample)"
            if name == "history"
            else "history: observed = reached SHORTLISTED or later (scores in sample)"
        )
    return beside
