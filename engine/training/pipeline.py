"""``train_model``: the whole training run, from the graph to a saved, indexed model.

Stages (each timed in the report):

1. export the feature graph, build the candidate and role texts, label pairs from the
   interaction history and assign each labelled pair to one of ``folds`` cross-fitting folds
   (``engine.training.split``);
2. encode every text with the frozen encoder (cached by text hash);
3. per fold k: fit the text adapter on the positive pairs of the other folds, train NexusGNN
   by link prediction on the graph without fold k's interactions (with the gender adversary
   when ``adversary_weight`` > 0: the sensitive attribute is read through the audit path and
   only ever used as the adversary's target), and compute the pair features of fold k from
   these models, which never saw those pairs; CF scores are out of fold too;
4. fit the merit scorer (and the cold-start scorer) on every labelled pair;
5. serve with the first fold's adapter and NexusGNN: embed the whole graph, index the
   embeddings in FAISS, write them back as node properties, save the model;
6. publish: everything above was written into a fresh work folder; it becomes a new version
   and ``CURRENT`` switches to it in one atomic rename (``engine.runtime.versions``).
   A train killed before that leaves the previous version serving, with its own FAISS index
   (the mirror is pinned to its model version, so the embeddings a killed train may have
   written back into the graph never reach its retrieval); the next train removes the
   leftover work folder.

Cross-fitting is why the scorer can learn from the whole history without trusting features
that saw the very pair they describe (stacking without leakage).

Example:
    >>> model, runtime = train_model(store, TrainOptions(), seed=0,
    ...                              model_dir=Path(".talentgraph/models"))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from engine.fairness.groups import sensitive_groups
from engine.fairness.metrics import UNKNOWN_GROUP, intersect
from engine.fairness.proxies import screen_proxies
from engine.features.context import FeatureContext
from engine.features.labels import LabelledPairs, interaction_labels
from engine.features.pair_features import FEATURE_NAMES, pair_features
from engine.models.cf import interaction_matrix, out_of_fold_scores
from engine.models.concept_erasure import ConceptEraser
from engine.models.corpus import graph_texts
from engine.models.nexus_training import NexusTrainer
from engine.models.scorer import MeritScorer
from engine.models.text_adapter import TextAdapter
from engine.options import TrainOptions
from engine.results import FoldReport, IndexReport, TrainReport
from engine.retrieval.mirror import IndexMirror
from engine.runtime.match_runtime import (
    LABELS,
    MatchRuntime,
    StoreReads,
    as_cold,
    build_runtime,
    hire_history,
    read_store,
)
from engine.runtime.model import INDEX, MatchModel, new_encoder
from engine.runtime.versions import begin, publish
from engine.training.split import cross_fit_folds, without_pairs
from graph_schema.errors import ConfigError
from loaders.pyg_export import ExportedGraph, export_graph, with_text_features
from loaders.stores.base import GraphStore
from loaders.writeback import write_embeddings

NO_HISTORY = (
    "training needs an interaction history with at least one positive pair (SHORTLISTED or "
    "later) and one REJECTED or sampled negative; the store has {positives} positive and "
    "{negatives} negative labelled pairs. Import interactions.jsonl first."
)

Say = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def model_version(options: TrainOptions, seed: int, counts: dict[str, int]) -> str:
    """``tg-<12 hex>``: a digest of the options, the seed and the graph's size."""
    blob = json.dumps([options.model_dump(mode="json"), seed, counts], sort_keys=True)
    return "tg-" + hashlib.sha256(blob.encode()).hexdigest()[:12]


def audit_groups(store: GraphStore, attribute: str) -> dict[str, str]:
    """Candidate id -> group of ``attribute`` (candidates without a value left out), read by
    ``engine.audit``, the one reader of sensitive attributes."""
    return sensitive_groups(store, attribute, unknown=None)


def train_model(
    store: GraphStore,
    options: TrainOptions,
    *,
    seed: int,
    model_dir: Path,
    say: Say = _quiet,
    write_back: bool = True,
    cache_dir: Path | None = None,
) -> tuple[MatchModel, MatchRuntime]:
    """Train every part, write embeddings back, publish the model as a new version.

    Args:
        store: the graph.
        options: what to train and the budgets.
        seed: the one seed (numpy, torch, FAISS).
        model_dir: the model directory: the model becomes a new version there and
            ``CURRENT`` switches to it only once every file is written (the previous
            version is kept).
        say: progress messages (one line per stage).
        write_back: write embeddings to the graph and build the FAISS mirror (ablations in
            ``evaluate`` train in a scratch directory without touching the graph).
        cache_dir: where the text-embedding cache lives (default ``model_dir``).

    Returns:
        The saved model (``directory``: its version folder) and its runtime over the
        training graph.

    Raises:
        ConfigError: the store has no usable interaction history.
    """
    work = begin(model_dir)
    try:
        model, runtime = _train_in(
            work,
            store,
            options,
            seed=seed,
            say=say,
            write_back=write_back,
            cache_dir=Path(cache_dir or model_dir),
        )
        model.directory = publish(model_dir, work, model.version)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)  # a killed process leaves it to the next train
        raise
    return model, runtime


@dataclass(frozen=True)
class _Export:
    """Stage 1: the graph, its texts, the labelled history and its folds."""

    plain: ExportedGraph
    texts: dict[str, list[str]]
    reads: StoreReads
    labels: LabelledPairs
    fold: np.ndarray
    version: str
    nodes: dict[str, int]
    positives: int


@dataclass(frozen=True)
class _Folds:
    """Stage 3: every labelled pair's features, computed by models that never saw it, and
    the first fold's models, which serve."""

    X: np.ndarray
    reports: tuple[FoldReport, ...]
    adapter: TextAdapter | None
    nexus: NexusTrainer | None
    eraser: ConceptEraser | None
    exported: ExportedGraph
    text: dict[str, np.ndarray]


@dataclass(frozen=True)
class _Scorers:
    """Stage 4: the merit scorer and the cold-start scorer, fitted on every pair."""

    scorer: MeritScorer
    cold: MeritScorer
    proxy_screen: dict[str, Any] | None


class _Clock:
    """Seconds per stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._last, 2)
        self._last = now


def _train_in(
    work: Path,
    store: GraphStore,
    options: TrainOptions,
    *,
    seed: int,
    say: Say,
    write_back: bool,
    cache_dir: Path,
) -> tuple[MatchModel, MatchRuntime]:
    """The whole run of :func:`train_model`, every file written into ``work``."""
    clock = _Clock()
    say("exporting the graph")
    data = _export(store, options, seed)
    clock.lap("export")

    say(f"encoding {sum(len(data.texts[label]) for label in LABELS):,} texts")
    encoder = new_encoder(options, cache_dir)
    base = {label: encoder.encode(data.texts[label]) for label in LABELS}
    encoded = {"model_id": encoder.model_id, "cache_hits": encoder.cache.hits}
    clock.lap("encode")

    fairness = {a: audit_groups(store, a) for a in options.fairness_attributes}
    fairness = {a: g for a, g in fairness.items() if g}  # proxy screen and eraser only
    folds = _fit_folds(store, data, base, fairness, options, seed, say, clock)
    scorers = _fit_scorers(data, folds, fairness, options, seed, say)
    warnings = capped_warnings(folds.reports, options)
    for warning in warnings:
        say(f"WARNING: {warning}")
    clock.lap("scorer")

    runtime = build_runtime(
        folds.exported, folds.text, folds.nexus, scorers.scorer, options, seed, data.reads
    )
    index: dict[str, IndexReport] = {}
    if write_back:
        say("writing embeddings back and indexing them")
        index = _write_back(store, work, runtime, data.version, options, seed)
        clock.lap("write_back")
    report = TrainReport(
        version=data.version,
        seconds=clock.seconds,
        total_seconds=round(sum(clock.seconds.values()), 2),
        nodes=data.nodes,
        labelled_pairs=int((data.labels.sampled == 0).sum()),
        positive_pairs=data.positives,
        folds=options.folds,
        encoder=encoded,
        folds_detail=folds.reports,
        proxy_screen=scorers.proxy_screen,
        scorer={"pairs": len(data.labels), "positives": int(data.labels.label.sum())},
        index=index,
        warnings=tuple(warnings),
    )
    model = MatchModel(
        directory=work,
        version=data.version,
        options=options,
        seed=seed,
        scorer=scorers.scorer,
        nexus=folds.nexus,
        report=report,
        cold_scorer=scorers.cold,
        cache_dir=cache_dir,
        adapter=folds.adapter,
        eraser=folds.eraser,
        text_encoder=encoder,
    )
    model.save()
    return model, runtime


def _export(store: GraphStore, options: TrainOptions, seed: int) -> _Export:
    """Stage 1: export, texts, labels and folds; refuses a store without history."""
    plain = export_graph(store)
    texts = graph_texts(store, plain)
    labels = interaction_labels(
        plain,
        sampled_negatives=options.sampled_negatives,
        seed=seed,
        weak_negatives=options.weak_negatives,
        hard_negatives=options.hard_negatives,
    )
    positives = int(labels.label[labels.sampled == 0].sum())
    negatives = int((labels.label == 0).sum())
    if positives == 0 or negatives == 0:
        raise ConfigError(NO_HISTORY.format(positives=positives, negatives=negatives))
    nodes = {label: len(plain.ids[label]) for label in plain.ids}
    return _Export(
        plain=plain,
        texts=texts,
        reads=read_store(store, plain, texts, options),
        labels=labels,
        fold=cross_fit_folds(labels, options.folds, seed),
        version=model_version(options, seed, nodes),
        nodes=nodes,
        positives=positives,
    )


def _fit_folds(
    store: GraphStore,
    data: _Export,
    base: dict[str, np.ndarray],
    fairness: dict[str, dict[str, str]],
    options: TrainOptions,
    seed: int,
    say: Say,
    clock: _Clock,
) -> _Folds:
    """Stage 3: per fold, the adapter and NexusGNN without its pairs, and its features."""
    labels, fold, plain, reads = data.labels, data.fold, data.plain, data.reads
    sensitive = None
    if options.gnn and (options.adversary_weight > 0 or options.probe):
        sensitive = audit_groups(store, options.audit_attribute) or None
    cand_ids = plain.ids["Candidate"].ids
    X = np.zeros((len(labels), len(FEATURE_NAMES)))
    cf_scores = out_of_fold_scores(
        interaction_matrix(plain),
        labels.cand_idx,
        labels.role_idx,
        factors=options.cf_factors,
        seed=seed,
    )
    reports: list[FoldReport] = []
    served: _Folds | None = None
    for k in range(options.folds):
        held = np.flatnonzero((fold == k) & (labels.sampled == 0))
        rest = np.flatnonzero((fold != k) & (labels.sampled == 0))
        say(f"fold {k + 1} of {options.folds}: adapter and NexusGNN without its pairs")
        adapter, text = _adapt(base, labels, rest, options, seed)
        eraser = _erase(text, cand_ids, fairness) if options.text_erasure and fairness else None
        if eraser is not None:
            text = {**text, "Candidate": eraser.transform(text["Candidate"])}
        exported = with_text_features(plain, text)
        graph = without_pairs(exported, labels.cand_idx[held], labels.role_idx[held])
        nexus = _nexus(graph, sensitive, options, seed) if options.gnn else None
        # fit() already embedded the graph it trained on
        gnn = {label: nexus.embeddings_[label] for label in LABELS} if nexus else None
        ctx = FeatureContext.from_export(
            exported,
            similarity_decay=options.similarity_decay,
            text=text,
            gnn=gnn,
            preferred=reads.preferred,
            mentioned=reads.mentioned,
        )
        rows = np.flatnonzero(fold == k)
        X[rows] = pair_features(
            ctx,
            labels.cand_idx[rows],
            labels.role_idx[rows],
            cf=(lambda c, r, rows=rows: (cf_scores[0][rows], cf_scores[1][rows]))
            if options.cf
            else None,
            history=hire_history(ctx, reads.lexical, labels.take(rest), options),
        )
        reports.append(
            FoldReport(
                held_pairs=int(held.size),
                finetune=adapter.report_ if adapter is not None else None,
                nexus=_nexus_report(nexus) if nexus is not None else None,
            )
        )
        if served is None:  # the first fold's models serve; every fold only informs the scorer
            served = _Folds(X, (), adapter, nexus, eraser, exported, text)
        clock.lap(f"fold_{k + 1}")
    if served is None:
        raise ConfigError(f"training needs at least one fold; folds={options.folds}")
    return replace(served, reports=tuple(reports))


def _fit_scorers(
    data: _Export,
    folds: _Folds,
    fairness: dict[str, dict[str, str]],
    options: TrainOptions,
    seed: int,
    say: Say,
) -> _Scorers:
    """Stage 4: the proxy screen, then the merit scorer and the cold-start scorer."""
    labels, X = data.labels, folds.X
    screened: dict[str, Any] | None = None
    if fairness:
        cand_ids = data.plain.ids["Candidate"].ids
        screen = screen_proxies(
            X,
            FEATURE_NAMES,
            {
                a: [g.get(cand_ids[c], UNKNOWN_GROUP) for c in labels.cand_idx]
                for a, g in fairness.items()
            },
            threshold=options.proxy_threshold,
        )
        screened = screen.as_dict()
        if screen.proxies:
            found = (
                f"{n} ({max(screen.eta[n], key=screen.eta[n].get)} "
                f"{max(screen.eta[n].values()):.2f})"
                for n in screen.proxies
            )
            say(f"proxy screen (correlation ratio): {', '.join(found)}")
        if options.drop_proxies and screen.proxies:
            # a column with no value is read as a constant: the trees never split on it
            X = X.copy()
            X[:, [FEATURE_NAMES.index(n) for n in screen.proxies]] = np.nan
    say(f"fitting the merit scorer on {len(labels):,} pairs")
    scorer = MeritScorer(
        seed=seed, max_iter=options.scorer_iterations, feature_names=FEATURE_NAMES
    ).fit(X, labels.label)
    cold = MeritScorer(
        seed=seed, max_iter=options.scorer_iterations, feature_names=FEATURE_NAMES
    ).fit(as_cold(X), labels.label)
    return _Scorers(scorer, cold, screened)


def _write_back(
    store: GraphStore,
    work: Path,
    runtime: MatchRuntime,
    version: str,
    options: TrainOptions,
    seed: int,
) -> dict[str, IndexReport]:
    """Stage 5: the FAISS mirror of the model's own vectors and the embeddings in the graph."""
    mirror = IndexMirror(work / INDEX, exact_threshold=options.exact_threshold, seed=seed)
    out = {}
    for label in LABELS:
        ids = runtime.exported.ids[label].ids
        vectors = runtime.graph_vectors[label]
        # the index is built from the model's own vectors (pinned to its version): it stays
        # this model's even if the graph later holds another train's embeddings
        index = mirror.build(label, ids, vectors, version)
        write_embeddings(store, label, ids, vectors, version)
        out[label] = IndexReport(
            kind=index.kind_,
            count=index.count_,
            calibration_recall_at_10=index.calibration_recall_,
        )
    return out


CAPPED = (
    "fold {fold}: {stage} stopped at the wall-clock safety cap ({cap:g} s) after {ran} of "
    "{budget} epochs, so this model depends on the machine's speed and a re-run may rank "
    "differently; raise safety_seconds (TALENTGRAPH_TRAIN__SAFETY_SECONDS) or lower the epochs"
)


def capped_warnings(folds: Sequence[FoldReport], options: TrainOptions) -> list[str]:
    """One warning per training loop that the safety cap stopped before its budget."""
    out = []
    for k, fold in enumerate(folds, start=1):
        for stage, detail, budget in (
            ("the text adapter", fold.finetune, options.finetune_epochs),
            ("NexusGNN", fold.nexus, options.gnn_epochs),
        ):
            if (detail or {}).get("capped"):
                out.append(
                    CAPPED.format(
                        fold=k,
                        stage=stage,
                        cap=options.safety_seconds,
                        ran=(detail or {}).get("epochs"),
                        budget=budget,
                    )
                )
    return out


def _adapt(
    base: dict[str, np.ndarray],
    labels: LabelledPairs,
    rows: np.ndarray,
    options: TrainOptions,
    seed: int,
) -> tuple[TextAdapter | None, dict[str, np.ndarray]]:
    """The adapter fitted on the positive pairs of ``rows`` and the adapted vectors."""
    positive = rows[labels.label[rows] == 1]
    if not options.finetune or positive.size < 4:
        return None, base
    c, r = labels.cand_idx[positive], labels.role_idx[positive]
    adapter = TextAdapter(
        seed=seed, epochs=options.finetune_epochs, max_seconds=options.safety_seconds
    ).fit(base["Candidate"][c], base["Role"][r], c, r)
    return adapter, {label: adapter.transform(label, base[label]) for label in LABELS}


def _erase(
    text: dict[str, np.ndarray], cand_ids: list[str], fairness: dict[str, dict[str, str]]
) -> ConceptEraser | None:
    """The eraser of the fairness attributes' intersection (one group per combination) from
    the candidates' text vectors; ``None`` when fewer than two groups are known."""
    labels = intersect(*fairness.values())
    unknown = (UNKNOWN_GROUP,)
    groups = [
        UNKNOWN_GROUP if UNKNOWN_GROUP in labels.get(c, unknown) else "|".join(labels[c])
        for c in cand_ids
    ]
    try:
        return ConceptEraser().fit(text["Candidate"], groups)
    except ConfigError:
        return None


def _nexus(
    graph: ExportedGraph, sensitive: dict[str, str] | None, options: TrainOptions, seed: int
) -> NexusTrainer:
    return NexusTrainer(
        hidden=options.gnn_hidden,
        out=options.gnn_out,
        epochs=options.gnn_epochs,
        max_seconds=options.safety_seconds,
        num_threads=1,  # one thread: the same sums in the same order on any machine
        adversary_weight=options.adversary_weight,
        sensitive_attribute=options.audit_attribute,
        seed=seed,
    ).fit(graph, sensitive)


def _nexus_report(nexus: NexusTrainer) -> dict[str, Any]:
    history = nexus.history_
    return {
        "mode": nexus.mode_,
        "epochs": len(history),
        "best_epoch": getattr(nexus, "best_epoch_", None),
        "val_auc": max(h["val_auc"] for h in history),
        "train_seconds": round(nexus.train_seconds_, 2),
        "capped": nexus.capped_,
        "probe": nexus.probe_,
    }
