"""Results shared by the API, the CLI and JSON output: ``Match`` and ``TrainReport``.

Example:
    >>> Match(candidate_id="c1", role_id="r1", score=0.8, rank=1, reasons=("same city",)).rank
    1
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Match(BaseModel):
    """One recommended or scored (candidate, role) pair.

    Attributes:
        candidate_id, role_id: the pair.
        score: calibrated merit score in [0, 1] (an estimate of how likely a recruiter
            judges the pair worth pursuing, from features that exclude sensitive attributes).
        rank: 1-based position in the list (1 for a single ad-hoc score).
        reasons: short reasons a recruiter can read, strongest first.
        missing: profile or posting fields that could not be used (ad-hoc scoring).
        warnings: what kept the list from being served as configured, e.g. the fairness
            re-ranking when the sensitive store is missing or unreadable (the list is then
            ranked by score alone); empty when it was served as configured.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    candidate_id: str
    role_id: str
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    rank: Annotated[int, Field(ge=1)]
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class Attribution(BaseModel):
    """The exact TreeSHAP attribution of one pair feature (raw log-odds of the scorer).

    Attributes:
        feature: the feature (``engine.features.pair_features.FEATURE_NAMES``).
        group: the recruiter-level group it belongs to (``engine.explain.attributions``).
        value: the feature's value for the pair (``None``: missing, NaN).
        shap: its contribution to the raw log-odds; in a comparative explanation, the
            first candidate's contribution minus the second's.
        other_value: comparative only: the feature's value for the second candidate.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    feature: str
    group: str
    value: float | None
    shap: float
    other_value: float | None = None


class GraphPath(BaseModel):
    """A path from the candidate to the role in the graph, read by a ``cypher/explain`` query.

    Attributes:
        kind: ``held_skill``, ``similar_skill``, ``past_employer_domain``, ``same_location``
            or ``same_country``.
        labels, ids, names: the nodes along the path, candidate first, role last.
        types, weights: its relationships, node i to node i + 1, and their weights (level,
            similarity, importance; 1 for an unweighted one). Directions are fixed by the
            kind, except ``SIMILAR_TO``, followed either way.
        strength: the product of the weights (GESA eq. 4).
        sentence: the path in recruiter language.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    labels: tuple[str, ...]
    ids: tuple[str, ...]
    names: tuple[str, ...]
    types: tuple[str, ...]
    weights: tuple[float, ...]
    strength: float
    sentence: str


class ProfileChange(BaseModel):
    """One change of a counterfactual: a skill added, a level raised or years added.

    Attributes:
        kind: ``add_skill``, ``raise_level`` or ``add_years``.
        skill_id, skill: the skill (``None`` for years).
        before, after: the level (0 for a skill not held) or years of experience.
        text: the change in recruiter language.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    skill_id: str | None = None
    skill: str | None = None
    before: float
    after: float
    text: str


class Explanation(BaseModel):
    """Why the merit scorer scores a (candidate, role) pair as it does (``eng.explain``).

    The link is exact: ``base_value + sum(a.shap for a in attributions) + withheld ==
    raw_score`` (the tree model's log-odds, exact TreeSHAP), and ``score`` is the calibrated
    probability of ``raw_score`` (the number ``recommend`` shows). Attributions of features
    flagged as proxies of a sensitive attribute are never reasons: their sum is ``withheld``.

    Attributes:
        candidate_id, role_id, level: the pair and ``summary``, ``detailed``, ``comparative``
            or ``counterfactual``.
        score, raw_score, base_value: calibrated score, raw log-odds, SHAP expected value.
        link: how the numbers relate, in words.
        reasons: recruiter-language reasons, strongest first (3 for ``summary``).
        attributions: ``detailed``: every shown feature's attribution, largest first;
            ``comparative``: differences with ``versus``, most in the candidate's favour first.
        withheld: summed attribution of the features not shown (proxies).
        paths: graph paths, strongest first (``summary``: the strongest of each kind).
        versus, versus_score, versus_raw_score: ``comparative``: the other candidate.
        k, changes, counterfactual_score, counterfactual_rank, threshold, reached:
            ``counterfactual``: the smallest set of changes found that brings the candidate
            into the role's top ``k``, its re-scored score and rank, the score to beat.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    candidate_id: str
    role_id: str
    level: str
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    raw_score: float
    base_value: float
    link: str
    reasons: tuple[str, ...] = ()
    attributions: tuple[Attribution, ...] = ()
    withheld: float = 0.0
    paths: tuple[GraphPath, ...] = ()
    versus: str | None = None
    versus_score: float | None = None
    versus_raw_score: float | None = None
    k: int | None = None
    changes: tuple[ProfileChange, ...] = ()
    counterfactual_score: float | None = None
    counterfactual_rank: int | None = None
    threshold: float | None = None
    reached: bool | None = None


class FoldReport(BaseModel):
    """One cross-fitting fold of a training: its held-out pairs and what its models did.

    Attributes:
        held_pairs: labelled pairs whose features this fold's models computed unseen.
        finetune: the text adapter's training (epochs, loss, capped, ...); ``None``: off.
        nexus: NexusGNN's training (mode, epochs, best epoch, validation AUC, capped, the
            sensitive-attribute probe); ``None``: off.
    """

    model_config = ConfigDict(frozen=True)

    held_pairs: int
    finetune: dict[str, Any] | None = None
    nexus: dict[str, Any] | None = None


class IndexReport(BaseModel):
    """The FAISS mirror of one label built at training time."""

    model_config = ConfigDict(frozen=True)

    kind: str
    count: int
    calibration_recall_at_10: float | None = None


class TrainReport(BaseModel):
    """What ``MatchingEngine.train`` did: model version, time per stage, sizes, checks.

    Saved in the model's manifest and read back with it (``MatchModel.report``).

    Attributes:
        version: the model version.
        seconds: wall time per stage (export, encode, fold_k, scorer, write_back).
        total_seconds: their sum.
        nodes: nodes per label in the trained graph.
        labelled_pairs, positive_pairs: the labelled history (sampled negatives excluded).
        folds: cross-fitting folds.
        encoder: the text encoder's model id and cache hits.
        folds_detail: one report per fold; the first fold's models serve.
        proxy_screen: the proxy screen's result (``engine.fairness.proxies``); ``None``
            when no fairness attribute was known.
        scorer: the merit scorer's training pairs and positives.
        index: the FAISS mirror per label (empty without write-back).
        warnings: loud conditions, e.g. a loop stopped by the wall-clock safety cap (the
            model then depends on the machine's speed); the CLI prints them.
    """

    model_config = ConfigDict(frozen=True)

    version: str
    seconds: dict[str, float] = {}
    total_seconds: float = 0.0
    nodes: dict[str, int] = {}
    labelled_pairs: int = 0
    positive_pairs: int = 0
    folds: int = 0
    encoder: dict[str, Any] = {}
    folds_detail: tuple[FoldReport, ...] = ()
    proxy_screen: dict[str, Any] | None = None
    scorer: dict[str, int] = {}
    index: dict[str, IndexReport] = {}
    warnings: tuple[str, ...] = ()

    @property
    def finetune(self) -> dict[str, Any] | None:
        """The serving (first) fold's text adapter report."""
        return self.folds_detail[0].finetune if self.folds_detail else None

    @property
    def nexus(self) -> dict[str, Any] | None:
        """The serving (first) fold's NexusGNN report."""
        return self.folds_detail[0].nexus if self.folds_detail else None

    @property
    def proxies(self) -> frozenset[str]:
        """Features the proxy screen flagged as standing in for an audited attribute."""
        return frozenset((self.proxy_screen or {}).get("proxies", ()))


# ----------------------------------------------------------------------- fairness audit
class CategoryRate(BaseModel):
    """One category's row of an LL144 table (selection rate or scoring rate).

    Attributes:
        category: one value per audited attribute (two for an intersection).
        n: rows of the category (pairs considered; one person may appear in several pools).
        people: distinct candidates among those rows.
        share: ``n`` over every row of the table, unknown included.
        hits: rows selected (selection) or scored above the median (scoring).
        rate: ``hits / n``, with its 95 % Wilson interval ``ci_low``..``ci_high``.
        impact_ratio: ``rate`` over the highest rate among the categories in the ratios,
            with its 95 % (Katz log) interval; ``None`` when the category is left out.
        insufficient_evidence: fewer people than the report's ``min_n``: shown, flagged.
        excluded_reason: why the category is left out of the ratios (unknown, under 2 %).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: tuple[str, ...]
    n: int
    people: int
    share: float
    hits: int
    rate: float
    ci_low: float
    ci_high: float
    impact_ratio: float | None = None
    impact_ratio_ci: tuple[float, float] | None = None
    insufficient_evidence: bool = False
    excluded_reason: str | None = None


class RateTable(BaseModel):
    """An LL144 table: rates and impact ratios per category of one or two attributes.

    Attributes:
        kind: ``"selection"`` (selected or not), ``"scoring"`` (score above the median) or
            ``"override"`` (a decision that overrode the ranking, among the decisions).
        attributes: the audited attribute(s), e.g. ``("gender",)`` or ``("gender", "age_band")``.
        rows: every category, unknown and excluded ones included, highest rate first.
        median_score: the median score of all rows (scoring tables only).
        unknown_rows, unknown_people: rows and people whose category is unknown.
        reference: the category with the highest rate among those in the ratios.
        impact_ratio: lowest rate over highest among the categories in the ratios.
        difference: highest minus lowest rate among them (demographic parity difference).
        below_four_fifths: categories whose impact ratio is under 0.8 (information only).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["selection", "scoring", "override"]
    attributes: tuple[str, ...]
    rows: tuple[CategoryRate, ...]
    median_score: float | None = None
    unknown_rows: int = 0
    unknown_people: int = 0
    reference: tuple[str, ...] | None = None
    impact_ratio: float | None = None
    difference: float | None = None
    below_four_fifths: tuple[tuple[str, ...], ...] = ()


class GroupValue(BaseModel):
    """A per-category value beside the LL144 tables (exposure, true positive rate, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: tuple[str, ...]
    n: int
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    insufficient_evidence: bool = False


class GroupMetric(BaseModel):
    """A metric beside the LL144 tables: per-category values and a summary.

    Attributes:
        name: what it is (``"equal opportunity difference"``, ``"exposure"``, ...).
        reference: what it was measured against (``"ground truth"``, ``"hires"``, ...).
        value: the summary (a difference or a ratio, named in ``summary``); ``None`` when
            undefined, with the reason in ``note``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    reference: str
    summary: str
    value: float | None
    groups: tuple[GroupValue, ...] = ()
    note: str = ""


class CalibrationRow(BaseModel):
    """Mean merit score against the observed positive rate of one category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: tuple[str, ...]
    n: int
    mean_score: float
    observed_rate: float
    ci_low: float
    ci_high: float
    gap: float
    insufficient_evidence: bool = False


class DecisionCount(BaseModel):
    """Recruiter decisions of one role, one reviewer, or all (``audit(source="decisions")``).

    Attributes:
        by: ``"all"``, ``"role"`` or ``"reviewer"``; ``key`` the role id or reviewer.
        decisions: decisions logged; ``accepted``, ``rejected``, ``overridden`` by kind.
        override_rate: overridden over decisions, with its 95 % Wilson interval.
        insufficient_evidence: fewer decisions than the audit's ``min_n``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: Literal["all", "role", "reviewer"]
    key: str
    decisions: int
    accepted: int
    rejected: int
    overridden: int
    accept_rate: float
    reject_rate: float
    override_rate: float
    override_ci: tuple[float, float]
    insufficient_evidence: bool


class FairnessReport(BaseModel):
    """A bias audit (``MatchingEngine.audit``), after NYC Local Law 144 (6 RCNY 5-301).

    LL144 tables (selection and scoring, per category and per intersection) and, beside them,
    equal opportunity, calibration and exposure. Ratios are information to assess; the 0.8
    (four-fifths) line is not a pass mark.

    Example:
        >>> report = eng.audit(attribute="gender", k=10)                # doctest: +SKIP
        >>> report.selection.impact_ratio                                # doctest: +SKIP
        0.91
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Literal["recommendations", "history", "decisions", "rankings"]
    pool: str
    attribute: str
    intersect: str | None = None
    k: int | None = None
    model_version: str | None = None
    queries: int
    rows: int
    people: int
    min_n: int
    min_share: float
    confidence: float
    selection: RateTable
    scoring: RateTable | None = None
    intersection_selection: RateTable | None = None
    intersection_scoring: RateTable | None = None
    equal_opportunity: GroupMetric | None = None
    exposure: GroupMetric | None = None
    calibration: tuple[CalibrationRow, ...] = ()
    calibration_reference: str | None = None
    overrides: RateTable | None = None
    decision_counts: tuple[DecisionCount, ...] = ()
    notes: tuple[str, ...] = ()


class Assignment(BaseModel):
    """One placement of an allocation: the pair, its merit score, preference and reasons."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    candidate_id: str
    role_id: str
    score: float
    preference: float
    reasons: tuple[str, ...] = ()


class FrontPoint(BaseModel):
    """One allocation of the Pareto front, by its objectives.

    ``diversity`` and ``quota_shortfall`` describe the groups of the placed: they are
    ``None`` (suppressed) when fewer than the audit's minimum group size (30) are placed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    merit: float
    diversity: float | None
    preference: float
    placed: int
    quota_shortfall: float | None


class GroupShare(BaseModel):
    """The share of a stored quota's group among the placed of the chosen allocation
    (reported only when at least the minimum group size are placed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attribute: str
    group: str
    share: float
    min_share: float


class Allocation(BaseModel):
    """What ``MatchingEngine.allocate`` chose, and the front it chose from.

    Attributes:
        assignments: the chosen allocation, best score first.
        unplaced: candidates left without a role.
        front: every allocation of the Pareto front (merit, diversity, preference).
        chosen: the index of the chosen one in ``front``.
        exact_merit: the merit optimum (min-cost flow), the reference of the front.
        weights: the stakeholder weights (merit, diversity, preference) the choice used,
            after any relaxation.
        relaxed: what was raised because every allocation missed a quota.
        quotas_applied: whether the stored quotas (``talentgraph policy quotas``) bound
            this allocation: only with at least the minimum group size (30) of candidates
            and of places.
        group_shares: each applied quota's group share among the placed (only when at
            least the minimum group size are placed).
        notes: what was not applied or not reported, and why (never naming a group).
        warnings: what kept the allocation from being computed as configured (e.g. the
            sensitive store is missing: no gender or age-band diversity).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    assignments: tuple[Assignment, ...]
    unplaced: tuple[str, ...]
    front: tuple[FrontPoint, ...]
    chosen: int
    exact_merit: float
    weights: tuple[float, float, float]
    relaxed: tuple[str, ...] = ()
    quotas_applied: bool = False
    group_shares: tuple[GroupShare, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class Decision(BaseModel):
    """A recruiter's decision as logged (``MatchingEngine.record_decision``).

    Attributes:
        seq, hash: its place and hash in the tamper-evident log.
        at: UTC timestamp (ISO 8601).
        decision: ``accept``, ``reject`` or ``override`` (accepting a candidate the list
            shown did not hold; needs a reason).
        model_version: the model that ranked; ``model_folder`` its version folder (unique:
            a model version need not be).
        rerank, rerank_attributes: the re-ranking served and the attributes of its groups.
        k: how many candidates were shown.
        shown: the ranking shown for the role when the decision was taken (candidate ids).
        scores_shown: their scores (6 decimals).
        reasons_shown: the explanation shown for the pair (its summary reasons).
        inputs: the fingerprint of the graph the ranking was computed from
            (``engine.decisions.fingerprint``).
        edge_new: that graph lacked the edge the decision writes.

    Records logged before a field existed read with its default.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int
    hash: str
    at: str
    role_id: str
    candidate_id: str
    decision: Literal["accept", "reject", "override"]
    reviewer: str
    reason: str
    model_version: str
    rerank: str
    shown: tuple[str, ...]
    reasons_shown: tuple[str, ...]
    model_folder: str = ""
    rerank_attributes: tuple[str, ...] = ()
    k: int = 50
    scores_shown: tuple[float, ...] = ()
    inputs: dict[str, str] = Field(default_factory=dict)
    edge_new: bool = True


class RankDifference(BaseModel):
    """One place where a replayed ranking differs from the one shown."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rank: int
    shown: str | None
    replayed: str | None
    shown_score: float | None = None
    replayed_score: float | None = None


class DecisionReplay(BaseModel):
    """A logged decision's ranking recomputed from its logged model version
    (``MatchingEngine.replay_decision``, ``talentgraph replay``).

    Attributes:
        decision: the logged decision.
        model_folder: the version folder loaded.
        same: the replayed ids equal the shown ones, in order.
        max_score_difference: the largest |replayed - shown| score over ids in both lists
            (``None``: no scores were logged).
        differences: each rank where the ids differ.
        inputs_same: the graph the replay ranked from has the logged fingerprint.
        changed_inputs: the fingerprint parts that differ (a node label, an edge type,
            ``preferred``, ``mentioned``, ``groups``).
        decisions_undone: seqs of the logged decisions whose new edges the replay took
            away from the current graph to get back to the graph of the ranking.
        notes: what the replay could not reproduce, in words.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: Decision
    model_folder: str
    replayed: tuple[str, ...]
    replayed_scores: tuple[float, ...]
    same: bool
    max_score_difference: float | None
    differences: tuple[RankDifference, ...]
    inputs_same: bool | None
    changed_inputs: tuple[str, ...]
    decisions_undone: tuple[int, ...]
    notes: tuple[str, ...] = ()
