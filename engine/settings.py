"""Settings: the one typed configuration object, read from ``TALENTGRAPH_*`` environment.

Only this module reads the environment. Sections are defined where they are used
(``ImportOptions`` beside the import job) and composed here.

Example:
    >>> Settings(db="/tmp/store").db
    '/tmp/store'
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# rerank.py is numpy and the re-rankers' own modules (no torch, nothing that imports settings)
from engine.fairness.rerank import METHODS as RERANK_METHODS
from engine.options import TrainOptions
from graph_schema.params import bad_parameter, one_of
from loaders.import_job import ImportOptions


class Settings(BaseSettings):
    """Everything configurable, with ``TALENTGRAPH_`` environment overrides.

    ``TALENTGRAPH_DB`` (path or ``neo4j://`` URI), ``TALENTGRAPH_NEO4J_USER``,
    ``TALENTGRAPH_NEO4J_PASSWORD``, ``TALENTGRAPH_SEED``, ``TALENTGRAPH_MODEL_DIR``,
    ``TALENTGRAPH_SENSITIVE_DIR`` (Neo4j stores: the folder of the local sensitive store;
    default ``$XDG_STATE_HOME/talentgraph/sensitive``, the embedded store keeps it in its
    own directory); nested
    sections use ``__`` (``TALENTGRAPH_IMPORT_OPTIONS__BATCH_SIZE=5000``,
    ``TALENTGRAPH_TRAIN__GNN_SECONDS=60``). ``TALENTGRAPH_RERANK`` is the re-ranking a
    role's candidate list gets by default (``engine.fairness.rerank.METHODS``), toward the
    group mix of its pool across the intersection of ``rerank_attributes`` (``None``:
    ``train.fairness_attributes``). The default, ``proportional`` by age band, is the served
    half of the default mitigation (the trained half is ``train.text_erasure`` and
    ``train.drop_proxies``): on the proxy world at scale 1 the two together gave impact
    ratio@10 0.95 (gender) and 0.93 (age band) at role NDCG@10 0.886, against 0.58, 0.51 and
    0.855 unmitigated; the trained half alone leaves the age band at 0.76 (docs/fairness.md).
    ``TALENTGRAPH_RERANK=none`` serves the merit order. An unknown method is refused when
    the settings are built (``ConfigError`` naming ``rerank``, the value and the methods).
    """

    model_config = SettingsConfigDict(
        env_prefix="TALENTGRAPH_", env_nested_delimiter="__", extra="ignore"
    )

    db: str = ".talentgraph"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    seed: int = 0
    model_dir: str | None = None
    sensitive_dir: str | None = None
    import_options: ImportOptions = Field(default_factory=ImportOptions)
    train: TrainOptions = Field(default_factory=TrainOptions)
    rerank: str = "proportional"
    rerank_attributes: tuple[str, ...] | None = ("age_band",)

    @field_validator("rerank")
    @classmethod
    def _known_rerank(cls, value: str) -> str:
        # A ConfigError is not a ValueError: pydantic lets it through as it is, so the CLI
        # prints its message (exit 2) instead of a validation report.
        if value not in RERANK_METHODS:
            rule = one_of(RERANK_METHODS)
            raise bad_parameter("rerank", "Settings (TALENTGRAPH_RERANK)", rule, value)
        return value

    def models_path(self, db: str) -> str:
        """Where trained models live: ``model_dir``, else ``<db>/models`` for an embedded
        store, else ``.talentgraph-models`` (a Neo4j URI is not a directory)."""
        if self.model_dir:
            return self.model_dir
        if "://" in db:
            return ".talentgraph-models"
        return str(Path(db) / "models")

    def decisions_path(self, db: str) -> Path:
        """The decision log: ``<db>/decisions.jsonl`` for an embedded store, else
        ``.talentgraph-decisions.jsonl`` (a Neo4j URI is not a directory)."""
        if "://" in db:
            return Path(".talentgraph-decisions.jsonl")
        return Path(db) / "decisions.jsonl"

    def neo4j_auth(self) -> tuple[str, str] | None:
        if self.neo4j_password is None:
            return None
        return self.neo4j_user, self.neo4j_password.get_secret_value()
