"""``MatchRuntime``: the in-memory state that scores pairs over one export of the graph.

Built from the *current* graph (``MatchModel.runtime(store)``, ``engine.runtime.model``):
texts are encoded through the cache (only new or changed texts cost anything), NexusGNN
embeds every node inductively (new nodes included) and CF is refitted on the current
interactions, so a profile imported after training is scored from its text and skills
(cold start). Training builds the same runtime over its training export
(``engine.training.pipeline``).

Example:
    >>> runtime = model.runtime(store)                          # doctest: +SKIP
    >>> runtime.score_pairs(np.array([0]), np.array([3]))[0]    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.features.context import FeatureContext
from engine.features.history import HireHistory, Lexical
from engine.features.labels import LabelledPairs, interaction_labels
from engine.features.lexical import tfidf_space
from engine.features.mentions import mentioned_skills, skill_phrases
from engine.features.pair_features import FEATURE_NAMES, HISTORY_FEATURES, pair_features
from engine.features.preferences import read_preferred_locations
from engine.models.cf import CollaborativeFilter, interaction_matrix
from engine.models.nexus_training import NexusTrainer
from engine.models.scorer import MeritScorer
from engine.options import TrainOptions
from graph_schema.errors import ConfigError
from loaders.pyg_export import ExportedGraph
from loaders.stores.base import GraphStore

LABELS = ("Candidate", "Role")


@dataclass
class MatchRuntime:
    """The scoring state over one export of the graph.

    Attributes:
        exported: the export (with text features appended to Candidate and Role).
        text: unit text vectors per label, rows aligned with ``exported.ids``.
        graph_vectors: the retrieval embeddings per label (NexusGNN, else text).
        ctx: the feature context (text and graph cosines included).
        cf: collaborative filter fitted on the export's interactions.
        scorer: the merit scorer.
    """

    exported: ExportedGraph
    text: dict[str, np.ndarray]
    graph_vectors: dict[str, np.ndarray]
    ctx: FeatureContext
    cf: CollaborativeFilter
    scorer: MeritScorer
    history: HireHistory | None = None
    use_cf: bool = True
    _role_csc: Any = field(default=None, repr=False)

    def features(self, cand_idx: np.ndarray, role_idx: np.ndarray) -> np.ndarray:
        """Pair features (columns ``FEATURE_NAMES``) of aligned index arrays."""
        return pair_features(
            self.ctx,
            cand_idx,
            role_idx,
            cf=self.cf.score if self.use_cf else None,
            history=self.history,
        )

    def score_pairs(
        self, cand_idx: np.ndarray, role_idx: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(calibrated merit scores, feature rows) of aligned index arrays."""
        X = self.features(np.asarray(cand_idx), np.asarray(role_idx))
        return self.scorer.predict(X), X


def as_cold(X: np.ndarray) -> np.ndarray:
    """Feature rows as an ad-hoc pair sees them: no graph embedding, no CF, no history."""
    cold = np.array(X, dtype=np.float64, copy=True)
    column = {name: i for i, name in enumerate(FEATURE_NAMES)}
    cold[:, column["gnn_cosine"]], cold[:, column["gnn_missing"]] = 0.0, 1.0
    cold[:, column["cf_score"]], cold[:, column["cf_cold"]] = 0.0, 1.0
    cold[:, column[HISTORY_FEATURES[0]] :] = np.nan
    cold[:, column["lex_required_mentioned"]] = np.nan
    return cold


@dataclass(frozen=True)
class StoreReads:
    """What the features read from the store beside the export.

    Attributes:
        preferred: candidate x location matrix of stated preferences.
        lexical: TF-IDF rows of every text (``None``: the lexical channel is off).
        mentioned: candidate x skill matrix of skills named in the candidates' texts.
    """

    preferred: Any = None
    lexical: Lexical | None = None
    mentioned: Any = None


def read_store(
    store: GraphStore,
    exported: ExportedGraph,
    texts: Mapping[str, list[str]],
    options: TrainOptions,
) -> StoreReads:
    """Preferences, TF-IDF rows and skills named in text, aligned with ``exported``."""
    mentioned = None
    if options.lexical and "Skill" in exported.ids:
        phrases = skill_phrases(store)
        mentioned = mentioned_skills(texts["Candidate"], phrases, exported.ids["Skill"])
    return StoreReads(
        preferred=read_preferred_locations(store, exported),
        lexical=lexical_rows(texts) if options.lexical else None,
        mentioned=mentioned,
    )


def lexical_rows(texts: Mapping[str, list[str]]) -> Lexical | None:
    """TF-IDF rows of every candidate and role text (``None`` when the texts leave no
    term: the lexical columns are then NaN)."""
    try:
        _, candidates, roles = tfidf_space(texts["Candidate"], texts["Role"])
    except ConfigError:
        return None
    return Lexical(candidates, roles)


def hire_weight(grade: np.ndarray) -> np.ndarray:
    """Weight of a positive pair in the hire centroids: 2 offered or hired, else 1."""
    return np.where(np.asarray(grade) >= 3, 2.0, 1.0)


def hire_history(
    ctx: FeatureContext, lexical: Lexical | None, pairs: LabelledPairs, options: TrainOptions
) -> HireHistory | None:
    """The ``HireHistory`` of the positive interactions among ``pairs``: ``None`` when both
    the history and the lexical channel are off (every such column is then NaN, at no
    cost); without ``options.history`` only the lexical columns are computed."""
    if not options.history and lexical is None:
        return None
    positive = (pairs.label == 1) & (pairs.sampled == 0) & options.history
    return HireHistory.build(
        ctx,
        lexical,
        pairs.cand_idx[positive],
        pairs.role_idx[positive],
        hire_weight(pairs.grade[positive]),
    )


def graph_embeddings(
    exported: ExportedGraph, text: dict[str, np.ndarray], nexus: NexusTrainer | None
) -> dict[str, np.ndarray]:
    """NexusGNN embeddings of Candidate and Role (the text vectors without NexusGNN)."""
    if nexus is None:
        return {label: text[label] for label in LABELS}
    z = nexus.embed(exported)
    return {label: z[label] for label in LABELS}


def build_runtime(
    exported: ExportedGraph,
    text: dict[str, np.ndarray],
    nexus: NexusTrainer | None,
    scorer: MeritScorer,
    options: TrainOptions,
    seed: int,
    reads: StoreReads | None = None,
) -> MatchRuntime:
    """The runtime over ``exported``: graph embeddings, CF on its interactions, the context
    (with what ``read_store`` read) and the hire history of every positive interaction."""
    reads = reads or StoreReads()
    vectors = graph_embeddings(exported, text, nexus)
    cf = CollaborativeFilter(factors=options.cf_factors, seed=seed).fit(
        interaction_matrix(exported)
    )
    ctx = FeatureContext.from_export(
        exported,
        similarity_decay=options.similarity_decay,
        text=text,
        gnn=vectors if nexus is not None else None,
        preferred=reads.preferred,
        mentioned=reads.mentioned,
    )
    history = hire_history(
        ctx, reads.lexical, interaction_labels(exported, sampled_negatives=0), options
    )
    return MatchRuntime(
        exported=exported,
        text=text,
        graph_vectors=vectors,
        ctx=ctx,
        cf=cf,
        scorer=scorer,
        history=history,
        use_cf=options.cf,
    )
