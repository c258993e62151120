"""``Serving``: the trained model served over one store, the one thing a server holds.

It loads the current model version on first use and builds, once, what answers requests: the
``Recommender`` (the model's runtime over the current graph and its own FAISS mirror, the
index folder of the very version loaded), the two-sided ranker over it and the groups the
served re-ranking works with. ``use`` switches to a newly trained model at once; a request
that already holds the old recommender finishes on it. ``build_recommender`` is also how
``talentgraph replay`` serves a logged version.

Example:
    >>> serving = Serving(store, model_dir, settings)               # doctest: +SKIP
    >>> serving.recommend_candidates("r00001", k=3)[0].candidate_id  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from engine.fairness.groups import FairnessUnavailableWarning, served_groups
from engine.matching.recommender import Recommender
from engine.results import Match
from engine.retrieval.mirror import IndexMirror
from engine.runtime.match_runtime import MatchRuntime
from engine.runtime.model import INDEX, MatchModel
from loaders.stores.base import GraphStore

if TYPE_CHECKING:
    from engine.matching.two_sided import TwoSidedRanker
    from engine.settings import Settings


def build_recommender(
    store: GraphStore, model: MatchModel, runtime: MatchRuntime | None = None
) -> Recommender:
    """The recommender of ``model`` over ``runtime`` (default: ``model.runtime(store)``,
    built from the current graph).

    Raises:
        NotTrainedError: the model's index cannot be loaded or rebuilt.
    """
    runtime = runtime if runtime is not None else model.runtime(store)
    mirror = IndexMirror(
        model.directory / INDEX,  # the index of the very version loaded
        exact_threshold=model.options.exact_threshold,
        seed=model.seed,
    )
    indexes = {label: mirror.sync(store, label) for label in ("Candidate", "Role")}
    names = {r["id"]: r["name"] or r["id"] for r in store.run("skill_names")}
    skills = runtime.exported.ids["Skill"].ids if "Skill" in runtime.exported.ids else []
    return Recommender(runtime, indexes, [names.get(s, s) for s in skills])


def rerank_attributes(settings: Settings) -> tuple[str, ...]:
    """The attributes whose intersection the served re-ranking works with."""
    return tuple(settings.rerank_attributes or settings.train.fairness_attributes)


class Serving:
    """The model served over ``store``: loaded lazily from ``model_dir``, once.

    Args:
        store: the open graph store.
        model_dir: where ``train`` writes model versions (``engine.runtime.versions``).
        settings: the re-ranking served by default and its attributes.
    """

    def __init__(self, store: GraphStore, model_dir: Path, settings: Settings) -> None:
        self.store = store
        self.model_dir = model_dir
        self.settings = settings
        self._model: MatchModel | None = None
        self._recommender: Recommender | None = None
        self._two_sided: TwoSidedRanker | None = None
        self._groups: dict[str, str] | None = None

    def model(self) -> MatchModel:
        """The served ``MatchModel`` (loaded once).

        Raises:
            NotTrainedError: nothing is trained for this store yet.
        """
        if self._model is None:
            model = MatchModel.load(self.model_dir)
            if getattr(self.store, "read_only", False):  # a reading command writes nothing
                model.encoder().cache.read_only = True
            self._model = model
        return self._model

    def use(self, model: MatchModel) -> None:
        """Serve ``model`` from now on (a new training); what depends on it is rebuilt."""
        self._model, self._recommender = model, None

    def forget_groups(self) -> None:
        """Read the sensitive groups again on next use (an import changed people)."""
        self._groups = None

    def recommender(self) -> Recommender:
        """The ``Recommender`` over the current graph (built on first use)."""
        if self._recommender is None:
            self._recommender = build_recommender(self.store, self.model())
        return self._recommender

    def two_sided(self) -> TwoSidedRanker:
        """The two-sided ranker over the current recommender (built on first use)."""
        recommender = self.recommender()
        if self._two_sided is None or self._two_sided.recommender is not recommender:
            from engine.matching.candidate_side import CandidateSide
            from engine.matching.two_sided import TwoSidedRanker

            side = CandidateSide.from_runtime(recommender.runtime, self.store)
            self._two_sided = TwoSidedRanker(recommender, side)
        return self._two_sided

    def fairness_status(self) -> tuple[dict[str, str], tuple[str, ...]]:
        """Candidate id -> group of the intersection of the re-ranking attributes (e.g.
        ``"female|35-44"``, read once through ``engine.fairness.groups``), and the warnings of
        a list served without them (the sensitive store missing or unreadable: no groups,
        checked again on the next call)."""
        if self._groups is not None:
            return self._groups, ()
        groups, flags = served_groups(self.store, rerank_attributes(self.settings))
        if not flags:
            self._groups = groups
        return groups, flags

    def rerank_method(self, rerank: str | None) -> str:
        """``rerank``, or the served default (``settings.rerank``) when it is None."""
        return self.settings.rerank if rerank is None else rerank

    def recommend_candidates(self, role_id: str, k: int, rerank: str | None = None) -> list[Match]:
        """The ``k`` best candidates for a role as served (``MatchingEngine.recommend_candidates``).

        When the sensitive store is missing or unreadable, the list is ranked by score alone,
        every ``Match`` says so in ``warnings`` and a ``FairnessUnavailableWarning`` is emitted.
        """
        method = self.rerank_method(rerank)
        recommender = self.recommender()  # an untrained engine says so first
        groups, flags = (None, ()) if method == "none" else self.fairness_status()
        if flags:
            warnings.warn(flags[0], FairnessUnavailableWarning, stacklevel=3)
            method, groups = "none", None
        return recommender.rank("Role", role_id, k, rerank=method, groups=groups, warnings=flags)
