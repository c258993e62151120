"""MatchingEngine: the thin facade users call (DESIGN.md, Public API).

Opening a store, importing, training (``engine.training.pipeline``), recommending in both
directions (``engine.matching.recommender``) and scoring ad-hoc profiles. Explanations,
allocation and audits build on it in later releases.

Example:
    >>> eng = MatchingEngine.open("/tmp/tg-doc-engine")    # doctest: +SKIP
    >>> eng.import_dataset("data/demo").quarantined        # doctest: +SKIP
    0
    >>> eng.train(seed=0).version                           # doctest: +SKIP
    'tg-1f0c...'
    >>> eng.recommend_candidates("r00001", k=3)[0].reasons  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from engine.context import EngineContext
from engine.options import TrainOptions
from engine.results import (
    Allocation,
    Decision,
    DecisionReplay,
    FairnessReport,
    Match,
    TrainReport,
)
from engine.settings import Settings
from graph_schema.errors import NotTrainedError
from loaders.import_job import ImportJob, ImportOptions, ImportReport
from loaders.stores import GraphStore, open_store

if TYPE_CHECKING:  # torch, FAISS and the models load on first use, not on import
    from engine.allocation.policy import AllocationPolicy
    from engine.matching.serving import Serving
    from engine.results import Explanation


class MatchingEngine:
    """Entry point over one graph store (embedded directory or Neo4j URI).

    Args:
        store: an open GraphStore.
        settings: the configuration it was opened with.
    """

    def __init__(self, store: GraphStore, settings: Settings, target: str = "") -> None:
        self.store = store
        self.settings = settings
        self.target = str(target or settings.db)
        self.model_dir = Path(settings.models_path(self.target))
        self.decisions_path = settings.decisions_path(self.target)
        self._context: EngineContext | None = None

    @property
    def context(self) -> EngineContext:
        """What the engine's insides work with (``engine.context``): built on first use, so
        that opening a store loads no model code."""
        if self._context is None:
            from engine.matching.serving import Serving

            serving = Serving(self.store, self.model_dir, self.settings)
            self._context = EngineContext(
                self.store, self.settings, self.model_dir, self.decisions_path, serving
            )
        return self._context

    @property
    def serving(self) -> Serving:
        """The model served over this store (``engine.matching.serving.Serving``): loaded on
        first use; what a server holds."""
        return self.context.serving

    @classmethod
    def open(
        cls,
        target: str | Path | None = None,
        auth: tuple[str, str] | None = None,
        settings: Settings | None = None,
        create: bool = True,
        read_only: bool = False,
    ) -> MatchingEngine:
        """Open the store at ``target`` (default ``settings.db``).

        Args:
            create: make the embedded store when ``target`` holds none (a new or empty
                folder; a folder holding other files is refused by name). ``False`` (the
                CLI's commands other than ``import``): it must exist, and nothing is created.
            read_only: open without write access (the CLI's reading commands): nothing in
                the store is written, the embedded store's files are left byte for byte as
                they were, and its schema is not migrated (a write command does that).
        """
        settings = settings or Settings()
        target = str(settings.db if target is None else target)  # "" is refused, not the default
        store = open_store(
            target,
            auth=auth or settings.neo4j_auth(),
            sensitive_dir=settings.sensitive_dir,
            create=create and not read_only,
            read_only=read_only,
            batch_size=settings.import_options.batch_size,
        )
        if not read_only:
            store.ensure_schema()
        return cls(store, settings, target)

    def import_dataset(
        self, directory: str | Path, options: ImportOptions | None = None
    ) -> ImportReport:
        """Import a dataset directory (JSONL/CSV tables); see ``loaders.import_job``.

        A graph rebuilt from a dataset lacks the recruiter decisions (they are not in the
        files): when a decision log exists, every logged decision is re-applied after the
        import (``engine.decisions.record.restore``; merged, so an
        unchanged edge stays as it was). A log that fails verification restores nothing and
        adds a warning to the report.
        """
        if self._context is not None:
            self.serving.forget_groups()  # new or changed people
        report = ImportJob(self.store, options or self.settings.import_options).run(directory)
        if not self.decisions_path.exists():
            return report
        from engine.decisions.record import restore
        from graph_schema.errors import ConfigError

        try:
            restore(self.context)
        except ConfigError as e:
            warning = f"decision edges not restored after the import: {e}"
            return report.model_copy(
                update={
                    "warnings": report.warnings + 1,
                    "warning_messages": [*report.warning_messages, warning],
                }
            )
        return report

    def import_esco(
        self, directory: str | Path | None = None, options: ImportOptions | None = None
    ) -> ImportReport:
        """Import the ESCO taxonomy: official CSVs in ``directory``, else the offline copy."""
        from loaders.esco_import import EscoImportJob

        job = EscoImportJob(self.store, options or self.settings.import_options)
        return job.run(Path(directory) if directory else None)

    # -- training and matching ---------------------------------------------------------
    def train(
        self,
        seed: int | None = None,
        options: TrainOptions | None = None,
        say: Callable[[str], None] | None = None,
    ) -> TrainReport:
        """Train encoder, NexusGNN, CF and merit scorer; write embeddings back; index them.

        Args:
            seed: the seed (default ``settings.seed``).
            options: what to train and the budgets (default ``settings.train``).
            say: receives one line per stage (progress).

        Raises:
            ConfigError: the store has no usable interaction history.
        """
        from engine.training.pipeline import train_model

        model, _ = train_model(
            self.store,
            options or self.settings.train,
            seed=self.settings.seed if seed is None else seed,
            model_dir=self.model_dir,
            say=say or (lambda _: None),
        )
        self.serving.use(model)
        return model.report

    def recommend_candidates(
        self, role_id: str, k: int = 10, rerank: str | None = None
    ) -> list[Match]:
        """The ``k`` best candidates for a role, best first, with short reasons.

        Args:
            rerank: re-rank toward the group mix of the role's candidate pool
                (``engine.fairness.rerank.METHODS``: ``"det_const_sort"``, ``"fair"`` for
                FA*IR, ...; ``"none"``: by score); default ``settings.rerank``. The groups
                are the intersection of ``settings.train.fairness_attributes``, read through
                the audit module only when a method needs them. When the sensitive store is
                missing or unreadable, the list is ranked by score alone, every ``Match``
                says so in ``warnings`` and a ``FairnessUnavailableWarning`` is emitted.

        Raises:
            UnknownIdError: no role ``role_id`` in the graph.
            NotTrainedError: the engine is not trained.
            ConfigError: an unknown re-ranking method.
        """
        return self.serving.recommend_candidates(role_id, k, rerank)

    def allocate(
        self,
        role_ids: list[str],
        candidate_ids: list[str],
        weights: tuple[float, float, float] | dict[str, float] = (1.0, 1.0, 1.0),
        policy: AllocationPolicy | dict | None = None,
        *,
        capacity: int | dict[str, int] | None = None,
        quotas: Any = None,
        generations: int = 100,
        pop_size: int = 60,
        disclose_groups: bool = False,
    ) -> Allocation:
        """Who goes where (``engine.allocation``): at most one role per candidate, within
        each role's capacity, the Pareto front of merit, diversity and preference by seeded
        NSGA-II, and the allocation ``weights`` choose from it.

        The quotas are the stored ones (:meth:`set_allocation_quotas`), applied with at least
        30 candidates and 30 places (the audit's minimum group size); see
        ``engine.allocation.report`` for what is reported and suppressed.

        Args:
            role_ids, candidate_ids: who competes (non-empty).
            weights: stakeholder weights of merit, diversity and preference, as a tuple or
                a dict, e.g. ``{"merit": 1, "diversity": 0, "preference": 0}``.
            policy: the hard constraints (``engine.allocation.policy.AllocationPolicy`` or
                its dict): ``capacity``, ``exclusions`` (candidate, role) pairs.
            capacity: shortcut for the policy's (an int in [0, 1000000] or per role id).
            quotas: refused: quotas are the stored policy, not a per-call argument.
            generations, pop_size: the search budget (deterministic for the seed).
            disclose_groups: report the group shares, diversity and quota shortfall of an
                allocation the sensitive categories shaped: an auditor's or administrator's
                view, never a recruiter's (two allocations differing by one candidate would
                tell that candidate's group).

        Raises:
            UnknownIdError: an id is not in the graph.
            ConfigError: bad weights, policy or budget, quotas given, or stored quotas that
                no allocation placing anyone meets.
            StoreError: stored quotas on sensitive attributes and no readable sensitive
                store.
        """
        from engine.allocation.report import allocate

        return allocate(
            self.context,
            role_ids,
            candidate_ids,
            weights,
            policy,
            capacity=capacity,
            quotas=quotas,
            generations=generations,
            pop_size=pop_size,
            disclose_groups=disclose_groups,
        )

    def record_decision(
        self,
        role_id: str,
        candidate_id: str,
        decision: str,
        reviewer: str,
        reason: str = "",
        *,
        k: int = 50,
    ) -> Decision:
        """Log a recruiter's decision (accept, reject, override with a reason) with the
        ranking and explanation shown, in the tamper-evident log, then in the graph
        (``engine.decisions.record``); the next training learns from it.

        Args:
            k: how many of the served ranking the recruiter was shown (1 to 50; the log keeps
                that list, and ``replay`` recomputes it).

        Raises:
            ConfigError: a bad decision, no reviewer, an override without a reason, a text
                field over its limit or with a control character, a log that fails
                verification or whose key is missing (docs/decisions.md).
            DecisionWriteError: the log could not be written (a full disk): nothing logged.
            UnknownIdError: an id is not in the graph.
        """
        from engine.decisions.record import record_decision

        return record_decision(self.context, role_id, candidate_id, decision, reviewer, reason, k=k)

    def replay_decision(self, decision_id: str | int) -> DecisionReplay:
        """Recompute the ranking a logged decision was taken on, from its logged model
        version, and compare it with the one shown (``engine.decisions.replay``).

        Args:
            decision_id: the decision's seq number, or the start of its hash.

        Raises:
            ConfigError: the log fails verification, no such decision, or its model
                version is no longer on disk.
        """
        from engine.decisions.replay import replay_decision

        return replay_decision(self.context, decision_id)

    def set_allocation_quotas(self, quotas: Any = None) -> tuple[Any, ...]:
        """Store the allocation quotas ``allocate`` applies (an administrator's or auditor's
        policy; ``talentgraph policy quotas``): ``{(attribute, group): minimum share}`` or
        ``"ATTRIBUTE=GROUP:SHARE"`` strings; ``None`` or empty removes them. They replace
        the stored ones; returns what is stored.

        Raises:
            ConfigError: an attribute that is not a diversity category, a share outside
                [0, 1], a group named twice, or shares of one attribute adding up to more
                than 1 (groups are not looked up).
        """
        from engine.allocation.policy import store_quotas

        return store_quotas(self.store, quotas, self._quota_categories())

    def allocation_quotas(self) -> tuple[Any, ...]:
        """The stored allocation quotas (``engine.allocation.policy.Quota``)."""
        from engine.allocation.policy import stored_quotas

        return stored_quotas(self.store, self._quota_categories())

    def _quota_categories(self) -> tuple[str, ...]:
        return (*self.settings.train.fairness_attributes, "location", "institution")

    def recommend_roles(
        self,
        candidate_id: str,
        k: int = 10,
        fusion: str | None = None,
        weight: float = 0.5,
        *,
        normalise: bool = True,
        fair_attribute: str = "country",
    ) -> list[Match]:
        """The ``k`` best roles for a candidate, best first, with short reasons.

        Args:
            fusion: ``None`` ranks by the merit score (the recruiter side); a method of
                ``engine.matching.fusion`` (``"weighted_sum"``, ``"rrf"``, ...) fuses it with
                the candidate-side score (``engine.matching.two_sided``); ``"fair"`` chooses
                the weight per candidate that evens out the top 10 over ``fair_attribute``.
            weight: the candidate side's weight in [0, 1].
            normalise: min-max scale both sides per candidate before fusing.
            fair_attribute: ``"country"``, ``"remote"`` or ``"domain"`` (``fusion="fair"``).

        Raises:
            UnknownIdError: no candidate ``candidate_id`` in the graph.
            NotTrainedError: the engine is not trained.
            ConfigError: a bad ``k``, ``fusion``, ``weight`` or ``fair_attribute``.
        """
        if fusion is None:
            return self.serving.recommender().rank("Candidate", candidate_id, k)
        return self.serving.two_sided().rank(
            candidate_id, k, fusion, weight, normalise=normalise, fair_attribute=fair_attribute
        )

    def explain(
        self,
        candidate_id: str,
        role_id: str,
        level: str = "summary",
        *,
        versus: str | None = None,
        k: int = 10,
    ) -> Explanation:
        """Why the merit scorer scores a pair as it does (``engine.explain.levels``): exact
        TreeSHAP of the raw log-odds in recruiter language, and graph paths.

        Args:
            level: ``summary`` (3 reasons), ``detailed`` (every attribution and path),
                ``comparative`` (against ``versus``, default the next-ranked candidate) or
                ``counterfactual`` (the smallest skill/experience changes reaching the top ``k``).

        Raises:
            UnknownIdError: an id is not in the graph.
            ConfigError: a bad level or ``k``.
            NotTrainedError: the engine is not trained.
        """
        from engine.explain.levels import explainer_for

        return explainer_for(self.context).explain(candidate_id, role_id, level, versus=versus, k=k)

    def audit(
        self,
        attribute: str = "gender",
        k: int = 10,
        intersect: str | None = None,
        source: str = "recommendations",
        **options: Any,
    ) -> FairnessReport:
        """A bias audit after NYC Local Law 144 (``engine.audit``): selection and
        scoring rates with impact ratios per category and intersection, and beside them
        equal opportunity, calibration and exposure.

        Args:
            attribute: the sensitive attribute (``gender``, ``age_band``, ...).
            k: the top ``k`` of each role's pool are selected.
            intersect: a second attribute for the intersection tables.
            source: ``"recommendations"``, ``"history"`` or ``"decisions"`` (the decision
                log: accept, reject and override counts and rates per role, reviewer and
                group).
            options: ``pool``, ``truth_dir``, ``history_selection``, ``min_n``,
                ``min_share``, ``progress`` (see ``engine.audit.run.audit``).

        Raises:
            ConfigError: a bad parameter.
            NotTrainedError: the recommendations need a trained engine.
        """
        from engine.audit.run import audit

        return audit(self.context, attribute, k, intersect, source=source, **options)

    def score(self, worker_profile: Mapping[str, Any], job_posting: Mapping[str, Any]) -> Match:
        """Score an ad-hoc worker profile against an ad-hoc job posting (no graph needed).

        A trained engine uses its learned cold-start scorer and encoder; otherwise the
        zero-shot ``WorkerMatcher``. Fields the dicts lack are listed in ``Match.missing``.

        Raises:
            RequestError: a dict is not of its shape or breaks a rule, on either path
                (``engine.matching.adhoc_request``: ranges, sizes, types); the message names
                the field (``worker_profile.skills[3].level``), the rule and the value.
        """
        from engine.matching.adhoc_request import JobPosting, WorkerProfile, validate_request
        from engine.matching.worker_matcher import WorkerMatcher

        profile = validate_request(WorkerProfile, worker_profile, "worker_profile")
        posting = validate_request(JobPosting, job_posting, "job_posting")
        try:
            model = self.serving.model()
        except NotTrainedError:
            return WorkerMatcher().score(profile, posting)
        return model.score_adhoc(profile.as_dict(), posting.as_dict())

    def stats(self) -> dict[str, dict[str, int]]:
        """Node counts per label and relationship counts per type."""
        return {
            "nodes": self.store.node_counts(),
            "relationships": self.store.relationship_counts(),
        }

    def query(
        self,
        name_or_text: str,
        params: dict[str, Any] | None = None,
        write: bool = False,
    ) -> list[dict[str, Any]]:
        """Run a catalog query by name (``explore/skill_paths``) or Cypher text on the graph
        (which holds no sensitive attribute: they are in the audit-only sensitive store).

        Args:
            write: let the query write; otherwise it runs in a read-only transaction and the
                store refuses any write.

        Raises:
            ReadOnlyError: the query tried to write and ``write`` is False; nothing changed.
        """
        if name_or_text.strip().count("\n") == 0 and " " not in name_or_text.strip():
            return self.store.run(name_or_text, params, write=write)
        return self.store.run_text(name_or_text, params, write=write)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
