"""``build_recommender``: the ``Recommender`` of one trained model over the graph.

The one place that puts a model's runtime, its own FAISS mirror (the index folder of the
very version loaded) and the skill names together: ``MatchingEngine.recommender`` serves the
current version with it, ``talentgraph replay`` a logged one.

Example:
    >>> rec = build_recommender(store, MatchModel.load(folder))   # doctest: +SKIP
"""

from __future__ import annotations

from engine.matching.recommender import Recommender
from engine.retrieval.mirror import IndexMirror
from engine.runtime.match_runtime import MatchRuntime
from engine.runtime.model import INDEX, MatchModel
from loaders.stores.base import GraphStore


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
