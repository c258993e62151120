"""``NexusTrainer``: self-supervised link prediction for NexusGNN, with an optional adversary.

Supervision: ``HAS_SKILL``, ``REQUIRES_SKILL`` and positive ``INTERACTED`` pairs (stages
SHORTLISTED, INTERVIEWED, OFFERED, HIRED, read from the one-hot ``edge_attr``). 10% of each
(seeded) are held out for validation AUC and removed from message passing; for
``INTERACTED`` the split is by (candidate, role) pair and a held-out pair loses all its
interaction edges (an APPLIED edge would otherwise reveal it). The remaining supervision
edges also carry messages (the transductive setting of PyG's ``RandomLinkSplit``). Each
positive edge is paired with a negative whose target is drawn uniformly from the target
type (seeded ``torch.Generator``); loss is binary cross-entropy on
:class:`~engine.models.nexus_gnn.LinkScorer` logits.

Every epoch records the loss and the validation AUC (pooled and per type) in ``history_``;
the parameters of the epoch with the best validation AUC are kept (``best_epoch_``).
``max_seconds`` is a wall-clock safety cap, not a budget (``epochs`` is): reaching it stops
training and sets ``capped_``, which the training report turns into a warning.

Modes, chosen by ``sampled_threshold`` (message edges, both directions) unless forced:

- ``full-batch``: one optimisation step per epoch over all message and supervision edges.
- ``sampled``: an epoch is ``ceil(1 / edge_fraction)`` steps; each step runs message passing
  on a fresh uniform sample of ``edge_fraction`` of the message edges (GAT memory grows with
  edges, not nodes) and supervises one chunk of a permutation of the supervision edges.
  Validation and the final embeddings use the full graph without gradients.

Adversarial debiasing: given ``sensitive`` (candidate id -> group), 80% of the candidates
with a group train an :class:`~engine.models.nexus_gnn.Adversary` through gradient reversal
of strength ``adversary_weight`` (0: no adversary). After training, a fresh logistic-regression
probe is fitted on the frozen embeddings of those candidates and scored on the other 20%
(``probe_``), against the majority-class rate. The groups are only ever targets: the model's
inputs are the export's features, which are checked to name no sensitive field.

Example:
    >>> trainer = NexusTrainer(epochs=50, seed=0).fit(exported, sensitive)   # doctest: +SKIP
    >>> trainer.embeddings_["Candidate"].shape                               # doctest: +SKIP
    (20000, 64)
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from engine.models.model_files import bad_file, read_weights
from engine.models.nexus_gnn import Adversary, LinkScorer, NexusGNN, with_reverse_edges
from engine.options import TRAIN_DEFAULTS
from graph_schema import EdgeType, NodeLabel
from graph_schema.edge_types import HAS_SKILL, INTERACTED, REQUIRES_SKILL
from graph_schema.errors import ConfigError, NotTrainedError
from graph_schema.params import bad_parameter
from graph_schema.relationships import POSITIVE_INTERACTIONS
from graph_schema.sensitive import SENSITIVE_FIELDS
from loaders.pyg_export import ExportedGraph, IdMap

Mode = Literal["auto", "full-batch", "sampled"]
SUPERVISED: tuple[EdgeType, ...] = (HAS_SKILL, REQUIRES_SKILL, INTERACTED)
NOT_TRAINED = "NexusTrainer is not trained yet: call fit(graph) before {method}()."
SENSITIVE_FEATURE = (
    "{where} feature {name!r} names sensitive field {field!r}; the model never reads "
    "sensitive attributes"
)
NO_SUPERVISION = "the graph has no supervision edges (HAS_SKILL, REQUIRES_SKILL or INTERACTED)"
TOO_FEW_GROUPS = "sensitive: the adversary needs at least 2 groups among known candidates; got {n}"
BAD_FEATURES = "graph {label}: {width} input features, the trained model expects {expected}"
VAL_FRACTION = 0.1
PROBE_FRACTION = 0.2


@dataclass
class _Split:
    """Message edges (both directions) and, per supervised type, train and validation pairs."""

    edges: dict[EdgeType, torch.Tensor]
    attrs: dict[EdgeType, torch.Tensor]
    train: dict[EdgeType, torch.Tensor]
    val: dict[EdgeType, torch.Tensor]
    val_neg: dict[EdgeType, torch.Tensor]
    hard: dict[EdgeType, torch.Tensor] = dataclasses.field(default_factory=dict)


def _check_no_sensitive_features(graph: ExportedGraph) -> None:
    data = graph.data
    named = [(t, n) for t in data.node_types for n in data[t].get("feature_names", [])]
    named += [(t, n) for t in data.edge_types for n in data[t].get("edge_attr_names", [])]
    for where, name in named:
        for field in SENSITIVE_FIELDS:
            if field in name.lower():
                raise ConfigError(SENSITIVE_FEATURE.format(where=where, name=name, field=field))


def _positive_pairs(graph: ExportedGraph, edge_type: EdgeType) -> torch.Tensor:
    """Supervision pairs (2 x P, unique) of one supervised type."""
    store = graph.data[edge_type]
    index = store.edge_index
    if edge_type == INTERACTED:
        names = list(store.edge_attr_names)
        columns = [names.index(f"type={k}") for k in POSITIVE_INTERACTIONS]
        index = index[:, store.edge_attr[:, columns].sum(1) > 0]
    return torch.unique(index, dim=1)


def _rejected_pairs(graph: ExportedGraph) -> torch.Tensor:
    """Candidate-role pairs a recruiter REJECTED without a positive stage (2 x N, unique):
    the hard negatives of the INTERACTED link loss."""
    store = graph.data[INTERACTED]
    names = list(store.edge_attr_names)
    if "type=REJECTED" not in names:
        return torch.zeros((2, 0), dtype=torch.long)
    rejected = torch.unique(
        store.edge_index[:, store.edge_attr[:, names.index("type=REJECTED")] > 0], dim=1
    )
    n_roles = graph.data["Role"].num_nodes
    positive = _positive_pairs(graph, INTERACTED)
    keep = ~torch.isin(rejected[0] * n_roles + rejected[1], positive[0] * n_roles + positive[1])
    return rejected[:, keep]


def _corrupt(pairs: torch.Tensor, num_dst: int, gen: torch.Generator) -> torch.Tensor:
    """Same sources, targets drawn uniformly from ``[0, num_dst)``."""
    dst = torch.randint(num_dst, (pairs.shape[1],), generator=gen)
    return torch.stack([pairs[0], dst])


def _split(graph: ExportedGraph, gen: torch.Generator) -> _Split:
    """Hold out ``VAL_FRACTION`` of each supervised type's pairs; keep the rest for messages."""
    data = graph.data
    edges = {et: data[et].edge_index for et in data.edge_types}
    attrs = {et: data[et].edge_attr for et in data.edge_types if "edge_attr" in data[et]}
    train: dict[EdgeType, torch.Tensor] = {}
    val: dict[EdgeType, torch.Tensor] = {}
    val_neg: dict[EdgeType, torch.Tensor] = {}
    for et in SUPERVISED:
        if et not in edges:
            continue
        pairs = _positive_pairs(graph, et)
        if pairs.shape[1] == 0:
            continue
        order = torch.randperm(pairs.shape[1], generator=gen)
        n_val = round(VAL_FRACTION * pairs.shape[1]) if pairs.shape[1] > 1 else 0
        val[et], train[et] = pairs[:, order[:n_val]], pairs[:, order[n_val:]]
        val_neg[et] = _corrupt(val[et], data[et[2]].num_nodes, gen)
        num_dst = data[et[2]].num_nodes
        held = val[et][0] * num_dst + val[et][1]
        keep = ~torch.isin(edges[et][0] * num_dst + edges[et][1], held)
        edges[et] = edges[et][:, keep]
        if et in attrs:
            attrs[et] = attrs[et][keep]
    if not train:
        raise ConfigError(NO_SUPERVISION)
    hard = {INTERACTED: _rejected_pairs(graph)} if INTERACTED in train else {}
    both, both_attrs = with_reverse_edges(edges, attrs)
    return _Split(both, both_attrs, train, val, val_neg, hard)


class NexusTrainer:
    """Train NexusGNN embeddings by link prediction, optionally against a gender adversary.

    Example:
        >>> trainer = NexusTrainer(epochs=100, adversary_weight=1.0, seed=0)  # doctest: +SKIP
        >>> trainer.fit(exported, {"c1": "female", "c2": "male"})           # doctest: +SKIP
        >>> trainer.history_[-1]["val_auc"], trainer.mode_                  # doctest: +SKIP

    Args:
        hidden: hidden width (a multiple of ``heads``).
        out: embedding width.
        layers: attention layers.
        heads: attention heads per layer.
        epochs: training epochs.
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        dropout: dropout after each layer.
        adversary_weight: gradient-reversal strength; 0 trains no adversary.
        sensitive_attribute: name of the attribute the ``sensitive`` map holds (reports only).
        seed: seeds the splits, negatives, initialisation and dropout.
        max_seconds: wall-clock safety cap (``None``: none): reaching it stops training and
            sets ``capped_`` (the model then depends on the machine's speed).
        mode: ``"auto"`` (by ``sampled_threshold``), ``"full-batch"`` or ``"sampled"``.
        sampled_threshold: message edges (both directions) above which ``auto`` samples.
            At scale 1 (0.98M message edges, 2-core CPU) full-batch peaked at 3.5 GB RSS and
            reached validation AUC 0.64 in 300 s (30 steps); sampled mode peaked at 2.0 GB and
            reached 0.83 in 108 s (25 epochs, 100 steps). Hence the default 500k.
        edge_fraction: share of message edges per step in sampled mode.
        num_threads: torch intra-op threads during ``fit`` (restored after); ``None`` keeps
            the process setting. On a busy small machine 1 thread can be far faster.
    """

    def __init__(
        self,
        hidden: int = TRAIN_DEFAULTS.gnn_hidden,
        out: int = TRAIN_DEFAULTS.gnn_out,
        layers: int = 2,
        heads: int = 2,
        epochs: int = TRAIN_DEFAULTS.gnn_epochs,
        lr: float = 0.01,
        weight_decay: float = 0.0,
        dropout: float = 0.1,
        adversary_weight: float = 0.0,
        sensitive_attribute: str = "gender",
        seed: int = 0,
        max_seconds: float | None = None,
        mode: Mode = "auto",
        sampled_threshold: int = 500_000,
        edge_fraction: float = 0.25,
        num_threads: int | None = None,
    ) -> None:
        self.hidden = hidden
        self.out = out
        self.layers = layers
        self.heads = heads
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.adversary_weight = adversary_weight
        self.sensitive_attribute = sensitive_attribute
        self.seed = seed
        self.max_seconds = max_seconds
        self.mode = mode
        self.sampled_threshold = sampled_threshold
        self.edge_fraction = edge_fraction
        self.num_threads = num_threads

    # -- parameters ----------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, by name."""
        names = self.__init__.__code__.co_varnames[1 : self.__init__.__code__.co_argcount]
        return {name: getattr(self, name) for name in names}

    def _validate(self) -> None:
        ints = {
            "hidden": self.hidden,
            "out": self.out,
            "layers": self.layers,
            "heads": self.heads,
            "epochs": self.epochs,
            "sampled_threshold": self.sampled_threshold,
        }
        for name, value in ints.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise bad_parameter(name, "NexusTrainer", "an int >= 1", value)
        if self.hidden % self.heads:
            rule = f"a multiple of heads ({self.heads})"
            raise bad_parameter("hidden", "NexusTrainer", rule, self.hidden)
        floats = {
            "lr": (self.lr, 0.0, math.inf, False),
            "dropout": (self.dropout, 0.0, 1.0, True),
            "adversary_weight": (self.adversary_weight, 0.0, math.inf, True),
            "weight_decay": (self.weight_decay, 0.0, math.inf, True),
            "edge_fraction": (self.edge_fraction, 0.0, 1.0, False),
        }
        for name, (value, low, high, closed) in floats.items():
            ok = isinstance(value, int | float) and (low <= value if closed else low < value)
            if not ok or value > high:
                bracket = "[" if closed else "("
                rule = f"a float in {bracket}{low}, {high}]"
                raise bad_parameter(name, "NexusTrainer", rule, value)
        if self.mode not in ("auto", "full-batch", "sampled"):
            rule = "one of 'auto', 'full-batch', 'sampled'"
            raise bad_parameter("mode", "NexusTrainer", rule, self.mode)
        if self.num_threads is not None and (
            not isinstance(self.num_threads, int) or self.num_threads < 1
        ):
            rule = "None or an int >= 1"
            raise bad_parameter("num_threads", "NexusTrainer", rule, self.num_threads)
        if self.max_seconds is not None and not self.max_seconds > 0:
            rule = "None or a float > 0"
            raise bad_parameter("max_seconds", "NexusTrainer", rule, self.max_seconds)

    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "model_"):
            raise NotTrainedError(NOT_TRAINED.format(method=method))

    # -- training ------------------------------------------------------------------------
    def fit(self, graph: ExportedGraph, sensitive: Mapping[str, str] | None = None) -> NexusTrainer:
        """Train on ``graph``; ``sensitive`` (candidate id -> group) only feeds the adversary.

        Args:
            graph: the export (``loaders.pyg_export.export_graph``).
            sensitive: group per candidate id, from ``GraphStore.read_sensitive('audit')``;
                ``None`` trains no adversary and fits no probe.

        Returns:
            ``self``, with ``model_``, ``scorer_``, ``embeddings_``, ``history_``, ``mode_``,
            ``train_seconds_``, ``probe_`` (``None`` without ``sensitive``).

        Raises:
            ConfigError: a bad parameter, a feature naming a sensitive field, no supervision
                edges, or fewer than two groups.
        """
        self._validate()
        _check_no_sensitive_features(graph)
        with self._threads():
            return self._fit(graph, sensitive)

    @contextmanager
    def _threads(self) -> Iterator[None]:
        """Use ``num_threads`` torch threads inside the block, then restore the old count."""
        threads = torch.get_num_threads()
        if self.num_threads is not None:
            torch.set_num_threads(self.num_threads)
        try:
            yield
        finally:
            torch.set_num_threads(threads)

    def _fit(self, graph: ExportedGraph, sensitive: Mapping[str, str] | None) -> NexusTrainer:
        """``fit`` after validation, with the torch RNG seeded in a forked state."""
        data = graph.data
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            gen = torch.Generator().manual_seed(self.seed)
            split = _split(graph, gen)
            n_edges = sum(int(e.shape[1]) for e in split.edges.values())
            sampled = self.mode == "sampled" or (
                self.mode == "auto" and n_edges > self.sampled_threshold
            )
            self.mode_ = "sampled" if sampled else "full-batch"
            self.in_dims_ = {t: int(data[t].x.shape[1]) for t in data.node_types}
            self.edge_dims_ = {et: int(a.shape[1]) for et, a in split.attrs.items()}
            self.edge_types_ = sorted(split.edges)
            self.id_types_ = {
                t: list(graph.ids[t].ids)
                for t in data.node_types
                if list(data[t].get("feature_names", [])) == ["bias"]
            }
            num_ids = {t: len(ids) for t, ids in self.id_types_.items()}
            model = NexusGNN(
                self.in_dims_,
                num_ids,
                self.edge_types_,
                self.edge_dims_,
                self.hidden,
                self.out,
                self.layers,
                self.heads,
                self.dropout,
            )
            scorer = LinkScorer([et[1] for et in SUPERVISED])
            groups = self._groups(graph, sensitive)
            adversary = None
            if groups is not None and self.adversary_weight > 0:
                n_groups = int(groups[1].max()) + 1
                adversary = Adversary(self.out, self.hidden, n_groups, self.adversary_weight)
            self._train(graph, split, model, scorer, adversary, groups, gen)
        self.model_ = model
        self.scorer_ = scorer
        self.adversary_ = adversary
        self.embeddings_ = self.embed(graph)
        self.probe_ = self._probe(groups) if groups is not None else None
        return self

    def _groups(
        self, graph: ExportedGraph, sensitive: Mapping[str, str] | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]] | None:
        """(train rows, group codes of all known rows, test rows, group names) or ``None``."""
        if sensitive is None or "Candidate" not in graph.ids:
            return None
        ids = graph.ids["Candidate"].ids
        known = [(i, sensitive[c]) for i, c in enumerate(ids) if sensitive.get(c) is not None]
        names = sorted({g for _, g in known})
        if len(names) < 2:
            raise ConfigError(TOO_FEW_GROUPS.format(n=len(names)))
        codes = np.full(len(ids), -1, dtype=np.int64)
        for i, g in known:
            codes[i] = names.index(g)
        rows = np.array([i for i, _ in known], dtype=np.int64)
        rows = np.random.default_rng(self.seed).permutation(rows)
        n_test = max(1, round(PROBE_FRACTION * len(rows)))
        return rows[n_test:], codes, rows[:n_test], names

    def _link_loss(
        self,
        z: dict[NodeLabel, torch.Tensor],
        scorer: LinkScorer,
        pos: dict[EdgeType, torch.Tensor],
        graph: ExportedGraph,
        gen: torch.Generator,
        hard: dict[EdgeType, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Mean over types of BCE: each positive pair against a uniform negative, and (for
        INTERACTED) as many rejected pairs, drawn afresh: who was hired where, told apart
        from who applied and was turned down."""
        losses = []
        for et, pairs in pos.items():
            if pairs.shape[1] == 0:
                continue
            neg = _corrupt(pairs, graph.data[et[2]].num_nodes, gen)
            near = (hard or {}).get(et)
            if near is not None and near.shape[1]:
                drawn = torch.randint(near.shape[1], (pairs.shape[1],), generator=gen)
                neg = torch.cat([neg, near[:, drawn]], dim=1)
            both = torch.cat([pairs, neg], dim=1)
            logits = scorer(z[et[0]][both[0]], z[et[2]][both[1]], et[1])
            target = torch.cat([torch.ones(pairs.shape[1]), torch.zeros(neg.shape[1])])
            losses.append(F.binary_cross_entropy_with_logits(logits, target))
        if not losses:  # a sampled step can get no pair of a tiny graph
            return torch.zeros((), requires_grad=True)
        return torch.stack(losses).mean()

    def _train(
        self,
        graph: ExportedGraph,
        split: _Split,
        model: NexusGNN,
        scorer: LinkScorer,
        adversary: Adversary | None,
        groups: tuple[np.ndarray, np.ndarray, np.ndarray, list[str]] | None,
        gen: torch.Generator,
    ) -> None:
        x = {t: graph.data[t].x for t in graph.data.node_types}
        params = [*model.parameters(), *scorer.parameters()]
        if adversary is not None:
            params += list(adversary.parameters())
        optimizer = torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
        adv_rows = adv_target = None
        if adversary is not None and groups is not None:
            adv_rows = torch.from_numpy(groups[0])
            adv_target = torch.from_numpy(groups[1][groups[0]])
        steps = 1 if self.mode_ == "full-batch" else math.ceil(1 / self.edge_fraction)
        self.history_: list[dict[str, float]] = []
        best: tuple[float, dict[str, Any]] | None = None
        self.capped_ = False
        start = time.perf_counter()
        for epoch in range(self.epochs):
            began = time.perf_counter()
            model.train()
            chunks = {
                et: torch.randperm(p.shape[1], generator=gen).chunk(steps)
                for et, p in split.train.items()
            }
            total = adv_total = 0.0
            for step in range(steps):
                edges, attrs = split.edges, split.attrs
                if self.mode_ == "sampled":
                    edges, attrs = self._sample_edges(split, gen)
                pos = {et: split.train[et][:, c[step]] for et, c in chunks.items() if step < len(c)}
                z = model(x, edges, attrs)
                loss = self._link_loss(z, scorer, pos, graph, gen, split.hard)
                total += float(loss.detach())
                if adversary is not None and adv_rows is not None:
                    adv_loss = F.cross_entropy(adversary(z["Candidate"][adv_rows]), adv_target)
                    adv_total += float(adv_loss.detach())
                    loss = loss + adv_loss
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            record = {
                "epoch": float(epoch),
                "loss": total / steps,
                **self._validation(model, scorer, x, split),
            }
            if adversary is not None:
                record["adversary_loss"] = adv_total / steps
            record["seconds"] = time.perf_counter() - began
            self.history_.append(record)
            if best is None or record["val_auc"] > best[0]:
                state = {"model": model.state_dict(), "scorer": scorer.state_dict()}
                best = (record["val_auc"], copy.deepcopy(state))
            late = self.max_seconds is not None and time.perf_counter() - start > self.max_seconds
            if late and epoch + 1 < self.epochs:
                self.capped_ = True
                break
        self.train_seconds_ = time.perf_counter() - start
        if best is not None:
            # Keep the epoch with the best validation AUC (early stopping without patience).
            model.load_state_dict(best[1]["model"])
            scorer.load_state_dict(best[1]["scorer"])
            self.best_epoch_ = int(
                max(range(len(self.history_)), key=lambda i: self.history_[i]["val_auc"])
            )

    def _sample_edges(
        self, split: _Split, gen: torch.Generator
    ) -> tuple[dict[EdgeType, torch.Tensor], dict[EdgeType, torch.Tensor]]:
        edges: dict[EdgeType, torch.Tensor] = {}
        attrs: dict[EdgeType, torch.Tensor] = {}
        for et, index in split.edges.items():
            keep = torch.rand(index.shape[1], generator=gen) < self.edge_fraction
            edges[et] = index[:, keep]
            if et in split.attrs:
                attrs[et] = split.attrs[et][keep]
        return edges, attrs

    @torch.no_grad()
    def _validation(
        self,
        model: NexusGNN,
        scorer: LinkScorer,
        x: dict[NodeLabel, torch.Tensor],
        split: _Split,
    ) -> dict[str, float]:
        """Validation AUC pooled over the supervised types, and per type."""
        model.eval()
        z = model(x, split.edges, split.attrs)
        scores: list[np.ndarray] = []
        labels: list[np.ndarray] = []
        out: dict[str, float] = {}
        for et, pos in split.val.items():
            if pos.shape[1] == 0:
                continue
            both = torch.cat([pos, split.val_neg[et]], dim=1)
            s = scorer(z[et[0]][both[0]], z[et[2]][both[1]], et[1]).numpy()
            y = np.r_[np.ones(pos.shape[1]), np.zeros(pos.shape[1])]
            out[f"val_auc_{et[1]}"] = float(roc_auc_score(y, s))
            scores.append(s)
            labels.append(y)
        out["val_auc"] = (
            float(roc_auc_score(np.concatenate(labels), np.concatenate(scores)))
            if scores
            else float("nan")
        )
        return out

    def _probe(
        self, groups: tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]
    ) -> dict[str, Any]:
        """Fresh logistic regression on frozen candidate embeddings: accuracy on held-out rows."""
        train, codes, test, names = groups
        z = self.embeddings_["Candidate"]
        probe = LogisticRegression(max_iter=2000).fit(z[train], codes[train])
        counts = np.bincount(codes[test], minlength=len(names))
        report: dict[str, Any] = {
            "attribute": self.sensitive_attribute,
            # how many groups, never their names: the report is saved with the model, and
            # no file under a store but the sensitive store holds a sensitive value
            "n_groups": len(names),
            "n_train": int(train.size),
            "n_test": int(test.size),
            "probe_accuracy": float((probe.predict(z[test]) == codes[test]).mean()),
            "majority_rate": float(counts.max() / counts.sum()),
        }
        if self.adversary_ is not None:
            self.adversary_.eval()
            with torch.no_grad():
                logits = self.adversary_(torch.from_numpy(z[test]))
            report["adversary_accuracy"] = float((logits.argmax(1).numpy() == codes[test]).mean())
        return report

    # -- inference and persistence -------------------------------------------------------
    def embed(self, graph: ExportedGraph) -> dict[NodeLabel, np.ndarray]:
        """L2-normalised embeddings of every node type, rows aligned to ``graph.ids[label]``.

        Message passing uses every edge of ``graph`` (held-out edges included).

        Raises:
            NotTrainedError: before ``fit`` or ``load``.
            ConfigError: a node type's feature width differs from the trained model's.
        """
        self._check_fitted("embed")
        _check_no_sensitive_features(graph)
        with self._threads(), torch.no_grad():
            return self._embed(graph)

    def _embed(self, graph: ExportedGraph) -> dict[NodeLabel, np.ndarray]:
        data = graph.data
        for t in data.node_types:
            expected = self.in_dims_.get(t)
            if expected is not None and data[t].x.shape[1] != expected:
                raise ConfigError(
                    BAD_FEATURES.format(label=t, width=data[t].x.shape[1], expected=expected)
                )
        x = {t: data[t].x for t in data.node_types if t in self.in_dims_}
        edges = {et: data[et].edge_index for et in data.edge_types}
        attrs = {et: data[et].edge_attr for et in data.edge_types if "edge_attr" in data[et]}
        edges, attrs = with_reverse_edges(edges, attrs)
        rows = {}
        for t, trained in self.id_types_.items():
            if t in x:
                # Ids unseen in training map to the padding row (a zero vector).
                found = IdMap(t, trained).indices_of(pa.array(graph.ids[t].ids))
                rows[t] = torch.from_numpy(np.where(found < 0, len(trained), found))
        self.model_.eval()
        z = self.model_(x, edges, attrs, rows)
        return {t: F.normalize(v, dim=-1).numpy().astype(np.float32) for t, v in z.items()}

    def save(self, path: str | Path) -> None:
        """Write parameters, shapes and the model and scorer state dicts to ``path``.

        Raises:
            NotTrainedError: before ``fit``.
        """
        self._check_fitted("save")
        torch.save(
            {
                "params": self.get_params(),
                "in_dims": self.in_dims_,
                "id_types": self.id_types_,
                "edge_types": [list(et) for et in self.edge_types_],
                "edge_dims": [[list(et), d] for et, d in self.edge_dims_.items()],
                "model": self.model_.state_dict(),
                "scorer": self.scorer_.state_dict(),
            },
            Path(path),
        )

    @classmethod
    def load(cls, path: str | Path) -> NexusTrainer:
        """A trainer whose ``model_`` and ``scorer_`` are read from a file written by ``save``
        (tensors and plain values only: no code runs).

        Raises:
            ModelFileError: the file is missing, not a tensor file, or not a NexusTrainer's.
        """
        saved = read_weights(Path(path))
        try:
            return cls._from_saved(saved)
        except (KeyError, AttributeError, IndexError, TypeError, ValueError, RuntimeError) as e:
            raise bad_file(Path(path), f"does not hold a NexusTrainer ({e})") from e

    @classmethod
    def _from_saved(cls, saved: dict[str, Any]) -> NexusTrainer:
        trainer = cls(**saved["params"])
        trainer.in_dims_ = dict(saved["in_dims"])
        trainer.edge_types_ = [tuple(et) for et in saved["edge_types"]]
        trainer.edge_dims_ = {tuple(et): d for et, d in saved["edge_dims"]}
        trainer.id_types_ = {t: list(ids) for t, ids in saved["id_types"].items()}
        p = trainer
        num_ids = {t: len(ids) for t, ids in p.id_types_.items()}
        trainer.model_ = NexusGNN(
            p.in_dims_,
            num_ids,
            p.edge_types_,
            p.edge_dims_,
            p.hidden,
            p.out,
            p.layers,
            p.heads,
            p.dropout,
        )
        trainer.model_.load_state_dict(saved["model"])
        trainer.scorer_ = LinkScorer([et[1] for et in SUPERVISED])
        trainer.scorer_.load_state_dict(saved["scorer"])
        return trainer
