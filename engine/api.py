"""MatchingEngine: the thin facade users call (DESIGN.md, Public API).

This release covers the graph foundation: opening a store, importing a dataset, counts and
exploration queries. Training, recommendation, explanation, allocation and audits build
on it in later releases.

Example:
    >>> eng = MatchingEngine.open("/tmp/tg-doc-engine")    # doctest: +SKIP
    >>> eng.import_dataset("data/demo").rejected            # doctest: +SKIP
    0
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from engine.settings import Settings
from loaders.import_job import ImportJob, ImportOptions, ImportReport
from loaders.stores import GraphStore, open_store


class MatchingEngine:
    """Entry point over one graph store (embedded directory or Neo4j URI).

    Args:
        store: an open GraphStore.
        settings: the configuration it was opened with.
    """

    def __init__(self, store: GraphStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    @classmethod
    def open(
        cls,
        target: str | Path | None = None,
        auth: tuple[str, str] | None = None,
        settings: Settings | None = None,
    ) -> MatchingEngine:
        """Open (creating if needed) the store at ``target`` (default ``settings.db``)."""
        settings = settings or Settings()
        target = str(target or settings.db)
        store = open_store(
            target,
            auth=auth or settings.neo4j_auth(),
            batch_size=settings.import_options.batch_size,
        )
        store.ensure_schema()
        return cls(store, settings)

    def import_dataset(
        self, directory: str | Path, options: ImportOptions | None = None
    ) -> ImportReport:
        """Import a dataset directory (JSONL/CSV tables); see ``loaders.import_job``."""
        return ImportJob(self.store, options or self.settings.import_options).run(directory)

    def import_esco(
        self, directory: str | Path | None = None, options: ImportOptions | None = None
    ) -> ImportReport:
        """Import the ESCO taxonomy: official CSVs in ``directory``, else the offline copy."""
        from loaders.esco_import import EscoImportJob

        job = EscoImportJob(self.store, options or self.settings.import_options)
        return job.run(Path(directory) if directory else None)

    def stats(self) -> dict[str, dict[str, int]]:
        """Node counts per label and relationship counts per type."""
        return {
            "nodes": self.store.node_counts(),
            "relationships": self.store.relationship_counts(),
        }

    def query(
        self, name_or_text: str, params: dict[str, Any] | None = None, audit: bool = False
    ) -> list[dict[str, Any]]:
        """Run a catalog query by name (``explore/skill_paths``) or Cypher text."""
        purpose = "audit" if audit else "explore"
        if name_or_text.strip().count("\n") == 0 and " " not in name_or_text.strip():
            return self.store.run(name_or_text, params, purpose=purpose)
        return self.store.run_text(name_or_text, params, purpose=purpose)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
