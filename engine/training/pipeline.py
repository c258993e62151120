"""``train_model``: the whole training run, from the graph to a saved, indexed model.

Stages (each timed in the report):

1. export the feature graph and build the candidate and role texts;
2. label pairs from the interaction history and make the stacking split
   (``engine.training.split``): the held share only ever trains the merit scorer;
3. fine-tune the text encoder contrastively on the other positive pairs (CPU budget);
4. encode every text (cached by text hash) and append the vectors to the node features;
5. train NexusGNN by link prediction on the graph without the held pairs, with the
   gender adversary when ``adversary_weight`` > 0 (the sensitive attribute is read through
   the audit path and only ever used as the adversary's target);
6. fit the merit scorer on the held pairs, with features computed from models that never
   saw them (CF fitted without them too);
7. embed the whole graph, write the embeddings back as node properties and mirror them
   into FAISS; save the model.

Example:
    >>> model, runtime = train_model(store, TrainOptions(), seed=0,
    ...                              model_dir=Path(".talentgraph/models"))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from engine.features.labels import interaction_labels
from engine.features.pair_features import FEATURE_NAMES, pair_features
from engine.models.corpus import graph_texts
from engine.models.finetune import ContrastiveFineTuner
from engine.models.nexus_training import NexusTrainer
from engine.models.scorer import MeritScorer
from engine.models.text_adapter import TextAdapter
from engine.retrieval.mirror import IndexMirror
from engine.training.match_model import (
    CACHE,
    ENCODER,
    INDEX,
    LABELS,
    MatchModel,
    MatchRuntime,
    as_cold,
    build_runtime,
)
from engine.training.options import TrainOptions
from engine.training.split import stacking_split, without_pairs
from graph_schema.errors import ConfigError
from loaders.pyg_export import export_graph
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
    """Candidate id -> group of ``attribute``, through the audit-only read."""
    return {
        row["id"]: str(row[attribute])
        for row in store.read_sensitive(purpose="audit")
        if row.get(attribute) is not None
    }


def train_model(
    store: GraphStore,
    options: TrainOptions,
    *,
    seed: int,
    model_dir: Path,
    say: Say = _quiet,
    write_back: bool = True,
    encoder_path: str | None = None,
    cache_dir: Path | None = None,
) -> tuple[MatchModel, MatchRuntime]:
    """Train every part, save the model in ``model_dir``, write embeddings back.

    Args:
        store: the graph.
        options: what to train and the budgets.
        seed: the one seed (numpy, torch, FAISS).
        model_dir: where the model goes (replaced).
        say: progress messages (one line per stage).
        write_back: write embeddings to the graph and build the FAISS mirror (ablations in
            ``evaluate`` train in a scratch directory without touching the graph).
        encoder_path: use this (already fine-tuned) encoder instead of fine-tuning again.
        cache_dir: where the text-embedding cache lives (default ``model_dir``).

    Returns:
        The saved model and its runtime over the training graph.

    Raises:
        ConfigError: the store has no usable interaction history.
    """
    report: dict[str, Any] = {"seconds": {}}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report["seconds"][stage] = round(now - clock, 2)
        clock = now

    say("exporting the graph")
    plain = export_graph(store)
    texts = graph_texts(store, plain)
    labels = interaction_labels(plain, sampled_negatives=options.sampled_negatives, seed=seed)
    positives = int(labels.label[labels.sampled == 0].sum())
    negatives = int((labels.label == 0).sum())
    if positives == 0 or negatives == 0:
        raise ConfigError(NO_HISTORY.format(positives=positives, negatives=negatives))
    split = stacking_split(plain, labels, share=options.scorer_share, seed=seed)
    counts = {label: len(plain.ids[label]) for label in plain.ids}
    version = model_version(options, seed, counts)
    report.update(
        version=version,
        nodes=counts,
        labelled_pairs=int((labels.sampled == 0).sum()),
        positive_pairs=positives,
        scorer_pairs=int(split.scorer_rows.size),
    )
    lap("export")

    _clear(model_dir)
    full = options.finetune and options.finetune_mode == "full"
    if encoder_path is None and full:
        say("fine-tuning the text encoder (all weights)")
        encoder_path, report["finetune"] = _finetune(
            texts, labels, split.lower_rows, options, seed, model_dir
        )
        lap("finetune")

    model = MatchModel(model_dir, version, options, seed, MeritScorer(), None, encoder_path, report)
    model.cache_dir = cache_dir
    say(f"encoding {sum(len(texts[label]) for label in LABELS):,} texts")
    encoder = model.encoder()
    text = {label: encoder.encode(texts[label]) for label in LABELS}
    report["encoder"] = {"model_id": encoder.model_id, "cache_hits": encoder.cache.hits}
    lap("encode")
    if options.finetune and options.finetune_mode == "adapter":
        say("fine-tuning the text adapter")
        positive = split.lower_rows[labels.label[split.lower_rows] == 1]
        c, r = labels.cand_idx[positive], labels.role_idx[positive]
        if positive.size >= 4:
            model.adapter = TextAdapter(seed=seed, max_seconds=options.finetune_seconds).fit(
                text["Candidate"][c], text["Role"][r], c, r
            )
            text = {label: model.adapter.transform(label, text[label]) for label in LABELS}
            report["finetune"] = model.adapter.report_
        else:
            report["finetune"] = {"skipped": f"{positive.size} positive pairs (need 4)"}
        lap("finetune")
    exported = export_graph(store, text_features=text)
    held = split.scorer_rows[labels.sampled[split.scorer_rows] == 0]
    held_graph = without_pairs(exported, labels.cand_idx[held], labels.role_idx[held])

    nexus = None
    if options.gnn:
        say("training NexusGNN")
        sensitive = (
            audit_groups(store, options.audit_attribute) if options.adversary_weight > 0 else None
        )
        nexus = NexusTrainer(
            hidden=options.gnn_hidden,
            out=options.gnn_out,
            epochs=options.gnn_epochs,
            max_seconds=options.gnn_seconds,
            adversary_weight=options.adversary_weight,
            sensitive_attribute=options.audit_attribute,
            seed=seed,
        ).fit(held_graph, sensitive or None)
        history = nexus.history_
        report["nexus"] = {
            "mode": nexus.mode_,
            "epochs": len(history),
            "best_epoch": getattr(nexus, "best_epoch_", None),
            "val_auc": max(h["val_auc"] for h in history),
            "train_seconds": round(nexus.train_seconds_, 2),
            "probe": nexus.probe_,
        }
        lap("nexus")

    say("fitting the merit scorer")
    lower = build_runtime(held_graph, text, nexus, MeritScorer(), options, seed)
    rows = split.scorer_rows
    X = pair_features(lower.ctx, labels.cand_idx[rows], labels.role_idx[rows], cf=lower.cf.score)
    scorer = MeritScorer(
        seed=seed, max_iter=options.scorer_iterations, feature_names=FEATURE_NAMES
    ).fit(X, labels.label[rows])
    model.cold_scorer = MeritScorer(
        seed=seed, max_iter=options.scorer_iterations, feature_names=FEATURE_NAMES
    ).fit(as_cold(X), labels.label[rows])
    report["scorer"] = {"pairs": int(rows.size), "positives": int(labels.label[rows].sum())}
    lap("scorer")

    runtime = build_runtime(exported, text, nexus, scorer, options, seed)
    model.scorer, model.nexus = scorer, nexus
    if write_back:
        say("writing embeddings back and indexing them")
        mirror = IndexMirror(model_dir / INDEX, exact_threshold=options.exact_threshold, seed=seed)
        for label in LABELS:
            ids = exported.ids[label].ids
            write_embeddings(store, label, ids, runtime.graph_vectors[label], version)
            index = mirror.sync(store, label)
            report.setdefault("index", {})[label] = {
                "kind": index.kind_,
                "count": index.count_,
                "calibration_recall_at_10": index.calibration_recall_,
            }
        lap("write_back")
    report["total_seconds"] = round(sum(report["seconds"].values()), 2)
    model.save()
    return model, runtime


def _clear(model_dir: Path) -> None:
    """Remove a previous model from ``model_dir``, keeping the text-embedding cache."""
    model_dir.mkdir(parents=True, exist_ok=True)
    for path in model_dir.iterdir():
        if path.name == CACHE:
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _finetune(
    texts: dict[str, list[str]],
    labels: Any,
    rows: np.ndarray,
    options: TrainOptions,
    seed: int,
    model_dir: Path,
) -> tuple[str | None, dict[str, Any]]:
    """Fine-tune on the positive pairs of ``rows``; ``(None, reason)`` when too few."""
    positive = rows[labels.label[rows] == 1]
    pairs = [
        (texts["Candidate"][c], texts["Role"][r])
        for c, r in zip(labels.cand_idx[positive], labels.role_idx[positive], strict=True)
        if texts["Candidate"][c] and texts["Role"][r]
    ]
    if len(pairs) < 2:
        return None, {"skipped": f"{len(pairs)} positive pair(s) with text"}
    rng = np.random.default_rng(seed)
    if len(pairs) > options.finetune_max_pairs:
        keep = np.sort(rng.permutation(len(pairs))[: options.finetune_max_pairs])
        pairs = [pairs[i] for i in keep]
    tuner = ContrastiveFineTuner(
        seed=seed,
        batch_size=options.finetune_batch_size,
        max_seconds=options.finetune_seconds,
        model_path=options.encoder_model,
        precision=options.precision,
        max_seq_length=options.max_seq_length,
    ).fit(pairs, output_dir=model_dir / ENCODER)
    return tuner.model_path_, {
        "pairs": len(pairs),
        "steps": tuner.steps_,
        "seconds": round(tuner.seconds_, 2),
        "first_loss": tuner.losses_[0],
        "last_loss": tuner.losses_[-1],
        "stopped_by_time": tuner.stopped_by_time_,
    }
