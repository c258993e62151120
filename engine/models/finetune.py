"""``ContrastiveFineTuner``: adapt the text encoder to historical matches (in-batch InfoNCE).

Each positive pair is (candidate text, role text) from a good outcome (shortlisted,
interviewed, offered, hired). A batch of B pairs gives a B x B cosine matrix; the loss is
the symmetric cross-entropy that puts each candidate nearest its own role and each role
nearest its own candidate (MultipleNegativesRankingLoss in both directions). Pairs in the
batch that share the same role (or candidate) text are masked out rather than counted as
negatives, since a role usually shortlists several candidates. Training runs on CPU on a copy
of the model (fp32, or bf16 autocast with fp32 weights, ~1.6x faster, same losses) and stops
after ``epochs`` or before a step that would end past ``max_seconds``, whichever is first.

Determinism: the batch order comes from a ``torch.Generator`` seeded with ``seed``; dropout
draws from torch's default generator, which is forked, seeded and restored around the run, so
the caller's global random state is left untouched. Same seed, same data, same thread count
-> the same weights (up to CPU kernel non-determinism, which torch does not promise away).

Example:
    >>> tuner = ContrastiveFineTuner(seed=0, max_seconds=60).fit(pairs)   # doctest: +SKIP
    >>> encoder = tuner.encoder(precision="bf16")                          # doctest: +SKIP
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.models.embedding_cache import EmbeddingCache
from engine.models.text_encoder import Precision, TextEncoder, load_sentence_transformer
from graph_schema.errors import ConfigError, NotTrainedError

if TYPE_CHECKING:
    import torch

NOT_TRAINED = "ContrastiveFineTuner is not trained yet: call fit(pairs) before {method}()."
BAD_PARAMETER = (
    "The {name!r} parameter of ContrastiveFineTuner{where} must be {rule}. Got {value!r} instead."
)
SCALE = 20.0  # 1 / temperature, as in sentence-transformers' MultipleNegativesRankingLoss
WARMUP_SHARE = 0.1
MAX_GRAD_NORM = 1.0
ATTENTION_DROPOUT_SUFFIX = "attention.self.dropout"  # BERT/MiniLM module naming


def _bad(name: str, rule: str, value: object, where: str = "") -> ConfigError:
    return ConfigError(BAD_PARAMETER.format(name=name, where=where, rule=rule, value=value))


def _check_pairs(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    checked = [tuple(p) for p in pairs]
    rule = "a sequence of at least 2 (candidate text, role text) pairs of non-empty str"
    for i, pair in enumerate(checked):
        if len(pair) != 2 or not all(isinstance(t, str) and t.strip() for t in pair):
            raise _bad(f"pairs[{i}]", rule, pair, ".fit")
    if len(checked) < 2:
        raise _bad("pairs", rule, f"{len(checked)} pair(s)", ".fit")
    return checked  # type: ignore[return-value]


def _drop_attention_dropout(model: torch.nn.Module) -> int:
    """Zero the attention-probability dropout of BERT-style layers; returns how many.

    With dropout on the attention weights, CPU scaled-dot-product attention falls back to its
    unfused path, which took ~75% of a training step; without it a step is several times
    faster. Hidden-state dropout stays on.
    """
    import torch

    count = 0
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Dropout) and name.endswith(ATTENTION_DROPOUT_SUFFIX):
            module.p = 0.0
            count += 1
    return count


def _same_text_mask(texts: list[str]) -> torch.Tensor:
    """True where j != i but texts[j] == texts[i]: a false negative to drop from the logits."""
    import torch

    n = len(texts)
    mask = torch.zeros((n, n), dtype=torch.bool)
    for i in range(n):
        for j in range(n):
            mask[i, j] = i != j and texts[i] == texts[j]
    return mask


def info_nce(
    anchors: torch.Tensor,
    positives: torch.Tensor,
    anchor_texts: list[str],
    positive_texts: list[str],
) -> torch.Tensor:
    """Symmetric in-batch InfoNCE over unit vectors, with duplicate texts masked.

    Args:
        anchors: ``(B, d)`` unit candidate vectors.
        positives: ``(B, d)`` unit role vectors; row i is anchor i's positive.
        anchor_texts: the candidate texts (to mask duplicates in the role->candidate term).
        positive_texts: the role texts (to mask duplicates in the candidate->role term).

    Returns:
        The mean of both directions' cross-entropy, a scalar tensor.
    """
    import torch
    import torch.nn.functional as F

    logits = SCALE * anchors @ positives.T
    labels = torch.arange(logits.shape[0])
    forward = logits.masked_fill(_same_text_mask(positive_texts), float("-inf"))
    backward = logits.T.masked_fill(_same_text_mask(anchor_texts), float("-inf"))
    return (F.cross_entropy(forward, labels) + F.cross_entropy(backward, labels)) / 2


class ContrastiveFineTuner:
    """Fine-tune a sentence-transformers model on positive (candidate, role) text pairs.

    Example:
        >>> pairs = [(profile_text(c), role_text(r)) for c, r in good_matches]  # doctest: +SKIP
        >>> tuner = ContrastiveFineTuner(seed=0).fit(pairs, output_dir=Path("enc"))  # doctest: +SKIP
        >>> TextEncoder(tuner.model_path_).encode(["..."]).shape               # doctest: +SKIP
        (1, 384)

    Args:
        seed: drives the batch order and dropout.
        epochs: passes over the pairs.
        batch_size: pairs per step; each pair's negatives are the batch's other pairs.
        lr: AdamW peak learning rate (linear warm-up over the first 10% of steps, then linear
            decay to 0).
        max_seconds: wall-clock budget for the training loop; no step starts when the mean
            step time so far says it would end past the budget (at least one step runs).
        model_path: the model to start from; ``None`` = the offline MiniLM.
        precision: ``"fp32"``, or ``"bf16"`` for bf16 autocast (weights stay fp32).
        max_seq_length: tokens read per text (as :class:`TextEncoder`).

    Attributes:
        model_path_: directory of the saved fine-tuned model (set by :meth:`fit`).
        base_model_path_: the model training started from.
        steps_: optimizer steps taken.
        losses_: the loss of each step.
        seconds_: training wall time (excludes loading and saving).
        stopped_by_time_: whether ``max_seconds`` ended training before ``epochs``.
    """

    def __init__(
        self,
        seed: int,
        epochs: int = 1,
        batch_size: int = 32,
        lr: float = 2e-5,
        max_seconds: float = 180.0,
        model_path: str | None = None,
        precision: Precision = "fp32",
        max_seq_length: int = 128,
    ) -> None:
        self.seed = seed
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.max_seconds = max_seconds
        self.model_path = model_path
        self.precision = precision
        self.max_seq_length = max_seq_length

    def _validate(self) -> None:
        checks = [
            ("seed", isinstance(self.seed, int) and not isinstance(self.seed, bool), "an int"),
            ("epochs", isinstance(self.epochs, int) and self.epochs >= 1, "an int >= 1"),
            ("batch_size", isinstance(self.batch_size, int) and self.batch_size >= 2, "an int >= 2"),
            ("lr", isinstance(self.lr, (int, float)) and self.lr > 0, "a float > 0"),
            ("precision", self.precision in ("fp32", "bf16"), "one of ['bf16', 'fp32']"),
            ("max_seconds", isinstance(self.max_seconds, (int, float)) and self.max_seconds > 0, "a float > 0"),
        ]  # fmt: skip
        for name, ok, rule in checks:
            if not ok:
                raise _bad(name, rule, getattr(self, name))

    def fit(
        self, pairs: Sequence[tuple[str, str]], output_dir: Path | None = None
    ) -> ContrastiveFineTuner:
        """Fine-tune on positive pairs and save the model.

        Args:
            pairs: (candidate text, role text) pairs with a good outcome; at least 2.
            output_dir: where to save the model; ``None`` = a new temporary directory (left
                for the caller, since ``model_path_`` points at it).

        Returns:
            ``self``, with ``model_path_`` and the training record set.

        Raises:
            ConfigError: on a bad parameter or pair, or a base model path that is not a model.
        """
        import torch

        self._validate()
        checked = _check_pairs(pairs)
        base = self.model_path if self.model_path is not None else TextEncoder().resolved_path
        model = load_sentence_transformer(base)  # a fresh copy: the base files are not touched
        model.max_seq_length = self.max_seq_length
        _drop_attention_dropout(model)
        steps_per_epoch = math.ceil(len(checked) / self.batch_size)
        total = steps_per_epoch * self.epochs
        optimizer = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=0.01)
        warmup = max(1, round(WARMUP_SHARE * total))

        def schedule(step: int) -> float:
            return (
                (step + 1) / warmup
                if step < warmup
                else max(0.0, (total - step) / (total - warmup + 1))
            )

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
        order = torch.Generator().manual_seed(self.seed)
        losses: list[float] = []
        bf16 = self.precision == "bf16"
        stopped = False
        start = time.perf_counter()
        model.train()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            for _ in range(self.epochs):
                permutation = torch.randperm(len(checked), generator=order).tolist()
                for first in range(0, len(permutation), self.batch_size):
                    elapsed = time.perf_counter() - start
                    if losses and elapsed + elapsed / len(losses) > self.max_seconds:
                        stopped = True
                        break
                    batch = [checked[i] for i in permutation[first : first + self.batch_size]]
                    if len(batch) < 2:
                        continue  # one pair has no in-batch negative
                    anchor_texts = [a for a, _ in batch]
                    positive_texts = [p for _, p in batch]
                    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                        anchors = model(model.preprocess(anchor_texts))["sentence_embedding"]
                        positives = model(model.preprocess(positive_texts))["sentence_embedding"]
                    loss = info_nce(
                        anchors.float(), positives.float(), anchor_texts, positive_texts
                    )
                    optimizer.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
                    optimizer.step()
                    scheduler.step()
                    losses.append(float(loss.detach()))
                if stopped:
                    break
        seconds = time.perf_counter() - start
        model.eval()
        out = (
            Path(output_dir) if output_dir is not None else Path(tempfile.mkdtemp(prefix="tg-enc-"))
        )
        out.mkdir(parents=True, exist_ok=True)
        model.save(str(out), create_model_card=False)
        self.model_path_ = str(out)
        self.base_model_path_ = base
        self.steps_ = len(losses)
        self.losses_ = losses
        self.seconds_ = seconds
        self.stopped_by_time_ = stopped
        return self

    def encoder(
        self,
        batch_size: int = 64,
        precision: Precision = "bf16",
        cache: EmbeddingCache | None = None,
    ) -> TextEncoder:
        """A :class:`TextEncoder` on the fine-tuned model.

        Raises:
            NotTrainedError: before :meth:`fit`.
        """
        if not hasattr(self, "model_path_"):
            raise NotTrainedError(NOT_TRAINED.format(method="encoder"))
        return TextEncoder(
            self.model_path_,
            batch_size=batch_size,
            precision=precision,
            cache=cache,
            max_seq_length=self.max_seq_length,
        )

    def __repr__(self) -> str:
        return (
            f"ContrastiveFineTuner(seed={self.seed}, epochs={self.epochs}, "
            f"batch_size={self.batch_size}, lr={self.lr}, max_seconds={self.max_seconds}, "
            f"model_path={self.model_path!r}, precision={self.precision!r})"
        )
