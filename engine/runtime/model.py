"""``MatchModel``: what ``train`` saves, and the in-memory state that scores pairs.

On disk, ``model_dir`` holds versions (``engine.runtime.versions``): ``CURRENT``
links to the served one under ``versions/``, ``index`` links to its FAISS mirror, and
``embeddings.sqlite`` (text embeddings by text hash) is shared by every version. One version
folder holds, in formats that cannot run code when read:

- ``manifest.json``: version, options, seed, feature names, the training report;
- ``scorer.json`` + ``scorer.npz`` and ``scorer_cold.json`` + ``scorer_cold.npz``: the
  calibrated merit scorers as JSON and plain arrays (``engine.models.scorer_files``);
- ``nexus.pt`` (NexusGNN, when trained) and ``adapter.pt`` (the text adapter, when
  fine-tuned): tensors read with ``torch.load(..., weights_only=True)``;
- ``eraser.npz`` (when the text channel's group information is erased,
  ``engine.models.concept_erasure``): plain arrays read without pickle;
- ``index/<Label>/``: the FAISS mirror in FAISS's own format, ids and manifest as JSON.

Anything else is refused with ``ModelFileError`` naming the file: in particular the
``scorer.pkl`` pickles of older versions (a pickle runs code when read), which ask for a
retrain instead of being loaded.

In memory, :class:`MatchRuntime` holds the graph context the features are computed from. It is
built from the *current* graph (``MatchModel.runtime(store)``): texts are encoded through the
cache (only new or changed texts cost anything), NexusGNN embeds every node inductively (new
nodes included) and CF is refitted on the current interactions, so a profile imported after
training is scored from its text and skills (cold start).

Example:
    >>> model = MatchModel.load(Path(".talentgraph/models"))   # follows CURRENT  # doctest: +SKIP
    >>> runtime = model.runtime(store)                          # doctest: +SKIP
    >>> runtime.score_pairs(np.array([0]), np.array([3]))[0]    # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from engine.features.adhoc import adhoc_features
from engine.features.pair_features import FEATURE_NAMES
from engine.features.reasons import adhoc_reasons
from engine.models.concept_erasure import ConceptEraser
from engine.models.corpus import graph_texts
from engine.models.embedding_cache import EmbeddingCache
from engine.models.model_files import bad_file
from engine.models.nexus_training import NexusTrainer
from engine.models.scorer import MeritScorer
from engine.models.text_adapter import TextAdapter
from engine.models.text_encoder import TextEncoder
from engine.options import TrainOptions
from engine.results import Match, TrainReport
from engine.runtime.match_runtime import LABELS, MatchRuntime, build_runtime, read_store
from engine.runtime.versions import CURRENT, VERSIONS, current
from graph_schema.errors import ModelFileError, NotTrainedError
from loaders.pyg_export import ExportedGraph, export_graph, with_text_features
from loaders.stores.base import GraphStore

MANIFEST = "manifest.json"
SCORER = "scorer"  # scorer.json + scorer.npz
COLD_SCORER = "scorer_cold"
PICKLES = ("scorer.pkl", "scorer_cold.pkl")
ADAPTER = "adapter.pt"
ERASER = "eraser.npz"
NEXUS = "nexus.pt"
CACHE = "embeddings.sqlite"
INDEX = "index"
NOT_TRAINED = "no trained model in {path}; run `talentgraph train` (or eng.train()) first"
INCOMPATIBLE = (
    "the model in {path} was saved by another version of talentgraph ({reason}); "
    "run `talentgraph train` again"
)
PICKLED = (
    "the model in {path} has {name}, a pickle written by an older talentgraph; a pickle can "
    "run code when it is read, so it is not loaded. Run `talentgraph train` again"
)


@dataclass
class MatchModel:
    """A trained model: its files and what is needed to rebuild the runtime.

    Attributes:
        directory: where it is saved.
        version: model version written beside every embedding.
        options: the options it was trained with.
        seed: the seed.
        scorer: the merit scorer.
        nexus: the NexusGNN trainer (``None`` when trained without it).
        report: the training report (times, sizes, validation numbers, proxy screen).
        adapter: the text adapter (``None`` when not fine-tuned).
        eraser: the candidate-side concept eraser of the text channel (``None``: off).
    """

    directory: Path
    version: str
    options: TrainOptions
    seed: int
    scorer: MeritScorer
    nexus: NexusTrainer | None
    report: TrainReport
    cold_scorer: MeritScorer | None = None
    cache_dir: Path | None = None
    adapter: TextAdapter | None = None
    eraser: ConceptEraser | None = None
    text_encoder: TextEncoder | None = field(default=None, repr=False)

    @property
    def proxy_features(self) -> frozenset[str]:
        """Features the training's proxy screen flagged as standing in for an audited
        attribute (``engine.fairness.proxies``): never given as a reason."""
        return self.report.proxies

    def encoder(self) -> TextEncoder:
        """The text encoder the model was trained with, cached in ``embeddings.sqlite``
        (built once per model object)."""
        if self.text_encoder is None:
            self.text_encoder = new_encoder(self.options, self.cache_dir or self.directory)
        return self.text_encoder

    def text_vectors(self, label: str, texts: list[str]) -> np.ndarray:
        """Unit text vectors of ``label``'s texts: the encoder, then the adapter and (for
        candidates) the concept eraser, if any."""
        vectors = self.encoder().encode(texts)
        if self.adapter is not None:
            vectors = self.adapter.transform(label, vectors)
        if self.eraser is not None and label == "Candidate":
            vectors = self.eraser.transform(vectors)
        return vectors

    def score_adhoc(self, worker: Mapping[str, Any], job: Mapping[str, Any]) -> Match:
        """Score an ad-hoc pair with the cold-start scorer (text and skills, no graph)."""

        def encode(texts: list[str]) -> np.ndarray:  # [profile text, posting text]
            return np.stack(
                [self.text_vectors(label, [t])[0] for label, t in zip(LABELS, texts, strict=True)]
            )

        found = adhoc_features(worker, job, encoder=encode)
        scorer = self.cold_scorer or self.scorer
        return Match(
            candidate_id=str(worker.get("id", "worker")),
            role_id=str(job.get("id", "job")),
            score=float(scorer.predict(found.row[None, :])[0]),
            rank=1,
            reasons=tuple(adhoc_reasons(found)),
            missing=tuple(found.missing),
        )

    def runtime(self, store: GraphStore, plain: ExportedGraph | None = None) -> MatchRuntime:
        """Rebuild the scoring state from the store's current graph, or from ``plain``, an
        export of it (e.g. with some edges taken away, as decision replay does)."""
        plain = export_graph(store) if plain is None else plain
        texts = graph_texts(store, plain)
        text = {label: self.text_vectors(label, texts[label]) for label in LABELS}
        exported = with_text_features(plain, text)
        reads = read_store(store, plain, texts, self.options)
        return build_runtime(
            exported, text, self.nexus, self.scorer, self.options, self.seed, reads
        )

    def save(self) -> None:
        """Write the manifest, the scorers, NexusGNN and the adapter into ``directory``
        (a version folder in the making: ``engine.runtime.versions.publish`` serves
        it)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, scorer in ((SCORER, self.scorer), (COLD_SCORER, self.cold_scorer)):
            if scorer is not None:
                scorer.save(self.directory / name)
        if self.nexus is not None:
            self.nexus.save(self.directory / NEXUS)
        if self.adapter is not None:
            self.adapter.save(self.directory / ADAPTER)
        if self.eraser is not None:
            self.eraser.save(self.directory / ERASER)
        manifest = {
            "version": self.version,
            "seed": self.seed,
            "options": self.options.model_dump(mode="json"),
            "feature_names": list(FEATURE_NAMES),
            "report": self.report.model_dump(),
        }
        (self.directory / MANIFEST).write_text(json.dumps(manifest, indent=2, default=float))

    @staticmethod
    def resolve(directory: Path) -> tuple[Path, Path]:
        """(the version folder to read, the folder of the shared cache) for ``directory``:
        a model directory (follows ``CURRENT``), a version folder, or an old single-folder
        model directory."""
        directory = Path(directory)
        served = current(directory)
        if served is not None:
            return served, directory
        if directory.parent.name == VERSIONS:
            return directory, directory.parent.parent
        return directory, directory

    @classmethod
    def exists(cls, directory: Path) -> bool:
        """Whether ``directory`` holds a model (possibly one :meth:`load` refuses)."""
        folder, _ = cls.resolve(directory)
        return (folder / MANIFEST).is_file()

    @classmethod
    def load(cls, directory: Path) -> MatchModel:
        """Read the served model of a model directory (or one version folder).

        Raises:
            NotTrainedError: no model in ``directory``, or one whose options this version
                does not accept.
            ModelFileError: a model file is a pickle (an older version's ``scorer.pkl``),
                missing, or malformed; the message names it.
        """
        directory = Path(directory)
        folder, cache_root = cls.resolve(directory)
        if not (folder / MANIFEST).is_file():
            if (directory / CURRENT).is_symlink():
                raise bad_file(folder / MANIFEST, "is missing (CURRENT points to its folder)")
            raise NotTrainedError(NOT_TRAINED.format(path=directory))
        for name in PICKLES:
            if (folder / name).exists():
                raise ModelFileError(PICKLED.format(path=folder, name=name))
        manifest = _read_manifest(folder / MANIFEST)
        try:
            options = TrainOptions(**{**BEFORE_THE_OPTION, **manifest["options"]})
        except ValidationError as e:
            reason = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
            raise NotTrainedError(INCOMPATIBLE.format(path=folder, reason=reason)) from e
        scorer, cold = (MeritScorer.load(folder / n) for n in (SCORER, COLD_SCORER))
        nexus = NexusTrainer.load(folder / NEXUS) if (folder / NEXUS).exists() else None
        return cls(
            directory=folder,
            version=manifest["version"],
            options=options,
            seed=manifest["seed"],
            scorer=scorer,
            nexus=nexus,
            report=_report(folder / MANIFEST, manifest["report"]),
            cold_scorer=cold,
            cache_dir=cache_root,
            adapter=TextAdapter.load(folder / ADAPTER) if (folder / ADAPTER).exists() else None,
            eraser=ConceptEraser.load(folder / ERASER) if (folder / ERASER).exists() else None,
        )


BEFORE_THE_OPTION = {"text_erasure": False, "drop_proxies": False}
"""What a model saved before an option existed was trained with (not today's default)."""
MANIFEST_KEYS = {"version": str, "seed": int, "options": dict, "report": dict}


def new_encoder(options: TrainOptions, cache_dir: Path) -> TextEncoder:
    """The text encoder of ``options``, caching in ``cache_dir``'s ``embeddings.sqlite``."""
    return TextEncoder(
        options.encoder_model,
        precision=options.precision,
        cache=EmbeddingCache(cache_dir / CACHE),
        max_seq_length=options.max_seq_length,
        progress=options.progress,
    )


def _report(path: Path, report: dict[str, Any]) -> TrainReport:
    """The manifest's training report, typed."""
    try:
        return TrainReport.model_validate(report)
    except ValidationError as e:
        reason = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
        raise bad_file(path, f"has a training report this version cannot read ({reason})") from e


def _read_manifest(path: Path) -> dict[str, Any]:
    """The manifest as JSON, with the keys :meth:`MatchModel.load` needs and their types."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise bad_file(path, f"is not readable JSON ({e})") from e
    for key, kind in MANIFEST_KEYS.items():
        if not isinstance(manifest, dict) or not isinstance(manifest.get(key), kind):
            found = manifest.get(key) if isinstance(manifest, dict) else manifest
            raise bad_file(path, f"has {key}={found!r}; expected {kind.__name__}")
    return manifest
