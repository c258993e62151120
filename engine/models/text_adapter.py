"""``TextAdapter``: contrastive domain adaptation of frozen text embeddings (two towers).

The base encoder (MiniLM) stays frozen, so every text is encoded once and cached by its
hash; what is fine-tuned is a residual linear adapter per side,

    a_side(u) = normalise(u + W_side u + b_side)      (W, b start at 0: the identity)

trained on historical positive (candidate, role) pairs with a symmetric in-batch InfoNCE
loss (:func:`in_batch_loss`: rows of the same node in a batch are masked, not counted as
negatives). Two towers, because a profile and a posting are written differently.
Retraining costs seconds instead of re-encoding the corpus, and the zero-shot vectors stay
available for comparison. A seeded share of the pairs is held out: the epoch with the best
in-batch MRR on them is kept (epoch 0 is the identity, so the adapter never does worse than
zero-shot there), and ``report_`` gives that MRR before and after (the gain over zero-shot).

Example:
    >>> adapter = TextAdapter(seed=0).fit(cand_vectors, role_vectors)   # doctest: +SKIP
    >>> adapter.transform("Candidate", cand_vectors).shape               # doctest: +SKIP
    (8000, 384)
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from engine.models.model_files import bad_file, read_weights
from engine.options import TRAIN_DEFAULTS
from graph_schema.errors import ConfigError, NotTrainedError

SIDES = ("Candidate", "Role")
NOT_TRAINED = "TextAdapter is not fitted; call TextAdapter.fit(...) before {method}()"
TOO_FEW = "TextAdapter.fit needs at least 4 positive pairs; got {n}"
SCALE = 20.0
EVAL_BATCH = 256


def _mask(keys: torch.Tensor) -> torch.Tensor:
    """True where j != i but row j is the same node as row i (a false in-batch negative)."""
    same = keys[:, None] == keys[None, :]
    return same & ~torch.eye(keys.numel(), dtype=torch.bool)


def in_batch_loss(
    a: torch.Tensor, b: torch.Tensor, a_keys: torch.Tensor, b_keys: torch.Tensor
) -> torch.Tensor:
    """Symmetric InfoNCE over unit rows; rows of the same node are not negatives."""
    logits = SCALE * a @ b.T
    labels = torch.arange(a.shape[0])
    forward = logits.masked_fill(_mask(b_keys), float("-inf"))
    backward = logits.T.masked_fill(_mask(a_keys), float("-inf"))
    return (F.cross_entropy(forward, labels) + F.cross_entropy(backward, labels)) / 2


def in_batch_mrr(a: np.ndarray, b: np.ndarray, a_keys: np.ndarray, b_keys: np.ndarray) -> float:
    """MRR of each candidate's own role among ``EVAL_BATCH``-sized blocks of pairs."""
    ranks = []
    for lo in range(0, len(a), EVAL_BATCH):
        sa, sb = a[lo : lo + EVAL_BATCH], b[lo : lo + EVAL_BATCH]
        kb = b_keys[lo : lo + EVAL_BATCH]
        sims = sa @ sb.T
        own = np.diag(sims)
        other = (kb[None, :] != kb[:, None]) & (sims > own[:, None])
        ranks.append(1.0 / (1 + other.sum(1)))
    return float(np.concatenate(ranks).mean()) if ranks else float("nan")


class _Tower(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.linear = nn.Linear(dim, dim)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return F.normalize(u + self.linear(u), dim=-1)


class TextAdapter:
    """Two residual linear towers on frozen unit embeddings, trained contrastively.

    Args:
        seed: seeds the held-out split, the batch order and the initialisation.
        epochs: passes over the training pairs.
        batch_size: pairs per step (in-batch negatives).
        lr: AdamW learning rate.
        weight_decay: AdamW weight decay (keeps the towers near the identity).
        holdout: share of pairs held out for the before/after report.
        max_seconds: a wall-clock safety cap, not a budget (``epochs`` is): reaching it
            stops the loop and sets ``capped_`` (the report says so), because the result
            then depends on the machine's speed.
    """

    def __init__(
        self,
        seed: int = 0,
        epochs: int = TRAIN_DEFAULTS.finetune_epochs,
        batch_size: int = 256,
        lr: float = 1e-3,
        weight_decay: float = 0.01,
        holdout: float = 0.1,
        max_seconds: float = 1800.0,
    ) -> None:
        self.seed = seed
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.holdout = holdout
        self.max_seconds = max_seconds

    def fit(
        self,
        candidate_vectors: np.ndarray,
        role_vectors: np.ndarray,
        candidate_keys: np.ndarray | None = None,
        role_keys: np.ndarray | None = None,
    ) -> TextAdapter:
        """Fit on aligned positive pairs (row i of both matrices is one pair).

        Args:
            candidate_vectors, role_vectors: ``(pairs, d)`` unit base embeddings.
            candidate_keys, role_keys: node index of each row (to mask duplicates); default
                every row distinct.

        Raises:
            ConfigError: fewer than 4 pairs, or mismatched shapes.
        """
        c = np.asarray(candidate_vectors, np.float32)
        r = np.asarray(role_vectors, np.float32)
        n = len(c)
        if n < 4 or c.shape != r.shape:
            raise ConfigError(TOO_FEW.format(n=n) if n < 4 else f"shapes {c.shape} != {r.shape}")
        ck = np.arange(n) if candidate_keys is None else np.asarray(candidate_keys)
        rk = np.arange(n) if role_keys is None else np.asarray(role_keys)
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(n)
        n_val = max(1, round(self.holdout * n))
        val, train = order[:n_val], order[n_val:]
        self._val = (c[val], r[val], ck[val], rk[val])
        threads = torch.get_num_threads()
        # Small matrices: one thread is as fast, and immune to a busy machine's other threads
        torch.set_num_threads(1)
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                self.towers_ = nn.ModuleDict({side: _Tower(c.shape[1]) for side in SIDES})
                losses = self._train(c[train], r[train], ck[train], rk[train], rng)
        finally:
            torch.set_num_threads(threads)
        before = in_batch_mrr(*self._val)
        after = self._val_mrr()
        del self._val
        self.report_: dict[str, Any] = {
            "pairs": int(train.size),
            "held_out_pairs": int(val.size),
            "held_out_mrr_zero_shot": round(before, 4),
            "held_out_mrr_adapted": round(after, 4),
            "first_loss": losses[0] if losses else None,
            "last_loss": losses[-1] if losses else None,
            "steps": len(losses),
            "epochs": self.epochs_run_,
            "best_epoch": self.best_epoch_,
            "capped": self.capped_,
            "seconds": round(self.seconds_, 2),
        }
        return self

    def _train(self, c, r, ck, rk, rng: np.random.Generator) -> list[float]:
        params = list(self.towers_.parameters())
        optimizer = torch.optim.AdamW(params, lr=self.lr, weight_decay=self.weight_decay)
        tc, tr = torch.from_numpy(c), torch.from_numpy(r)
        kc, kr = torch.from_numpy(ck), torch.from_numpy(rk)
        losses: list[float] = []
        start = time.perf_counter()
        best = (self._val_mrr(), 0, copy.deepcopy(self.towers_.state_dict()))
        self.capped_ = False
        for epoch in range(1, self.epochs + 1):
            perm = torch.from_numpy(rng.permutation(len(c)))
            for lo in range(0, len(c), self.batch_size):
                rows = perm[lo : lo + self.batch_size]
                if rows.numel() < 2:
                    continue
                a = self.towers_["Candidate"](tc[rows])
                b = self.towers_["Role"](tr[rows])
                loss = in_batch_loss(a, b, kc[rows], kr[rows])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(float(loss.detach()))
            score = self._val_mrr()
            if score > best[0]:
                best = (score, epoch, copy.deepcopy(self.towers_.state_dict()))
            if epoch < self.epochs and time.perf_counter() - start > self.max_seconds:
                self.capped_ = True
                break
        # Keep the epoch with the best held-out MRR; epoch 0 is the identity (zero-shot), so
        # adaptation never ends worse than the base encoder on the held-out pairs.
        self.towers_.load_state_dict(best[2])
        self.best_epoch_ = best[1]
        self.epochs_run_ = epoch if self.epochs else 0
        self.seconds_ = time.perf_counter() - start
        return losses

    def _val_mrr(self) -> float:
        c, r, ck, rk = self._val
        return in_batch_mrr(self.transform("Candidate", c), self.transform("Role", r), ck, rk)

    def transform(self, side: str, vectors: np.ndarray) -> np.ndarray:
        """Adapted unit vectors of one side (``"Candidate"`` or ``"Role"``).

        Raises:
            NotTrainedError: before ``fit``/``load``.
        """
        if not hasattr(self, "towers_"):
            raise NotTrainedError(NOT_TRAINED.format(method="transform"))
        with torch.no_grad():
            out = self.towers_[side](torch.from_numpy(np.asarray(vectors, np.float32)))
        return out.numpy()

    def save(self, path: Path) -> None:
        """Write the towers' weights."""
        if not hasattr(self, "towers_"):
            raise NotTrainedError(NOT_TRAINED.format(method="save"))
        torch.save(self.towers_.state_dict(), path)

    @classmethod
    def load(cls, path: Path) -> TextAdapter:
        """An adapter with the towers read from ``path`` (tensors only: no code runs).

        Raises:
            ModelFileError: the file is missing, not a tensor file, or not these towers.
        """
        state = read_weights(Path(path))
        try:
            dim = state["Candidate.linear.weight"].shape[0]
            adapter = cls()
            adapter.towers_ = nn.ModuleDict({side: _Tower(dim) for side in SIDES})
            adapter.towers_.load_state_dict(state)
        except (KeyError, AttributeError, IndexError, TypeError, RuntimeError) as e:
            raise bad_file(Path(path), f"does not hold the adapter's towers ({e})") from e
        return adapter
