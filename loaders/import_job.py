"""ImportJob: a dataset directory (JSONL or CSV tables) into the graph store.

Every row is validated once (pydantic, at the boundary); a bad row is quarantined with its
file, line, field and reason and counted, and never aborts the job. References resolve by
id, else by normalised name or alias, else create a node. Writes are batched: a label or
relationship type that is still empty in the store is bulk-loaded (COPY on LadybugDB), the
rest goes through ``UNWIND $rows ... MERGE``. Candidates and roles carry a digest of their
row, so a re-import skips unchanged rows and replaces the edges of changed ones: importing
the same directory twice gives the same graph. Sensitive attributes are written to the
store's sensitive store, never to the graph (``loaders.sensitive_store``).

Every table file is checked before anything is written: a regular file of the dataset folder
(a symbolic link only to a file inside it), at most ``max_file_bytes`` (``table_files``).

Example:
    >>> from loaders.stores import open_store                       # doctest: +SKIP
    >>> report = ImportJob(open_store(".talentgraph")).run("data/")  # doctest: +SKIP
    >>> report.quarantined                                          # doctest: +SKIP
    0
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph_schema.errors import ConfigError
from loaders.graph_buffer import GraphBuffer
from loaders.graph_writer import OWNED_EDGES, Stage, write_stage
from loaders.private_files import user_state_dir
from loaders.quarantine import Quarantine
from loaders.readers import table_path
from loaders.records import REQUIRED_TABLES, TABLES
from loaders.resolve import Resolver
from loaders.row_mapping import RowMapper
from loaders.stores.base import BATCH_SIZE, GraphStore
from loaders.table_files import MAX_FILE_BYTES, MAX_LINE_BYTES, ReadLimits, check_table_file
from loaders.table_reader import ReadState, TableReader

# After these tables, what was read so far is handed to the writer (taxonomy, roles,
# candidates, similarities with interactions), so that writing one overlaps reading the next.
STAGE_ENDS: tuple[str, ...] = ("occupations", "roles", "candidates", "interactions")
MISSING_TABLE = "{directory}: required table {table}.jsonl (or {table}.csv) is missing"


class ImportOptions(BaseModel):
    """Settings of an import: the ``import_options`` section of ``Settings``
    (``TALENTGRAPH_IMPORT_OPTIONS__<FIELD>``); docs/import.md, "Options", has the table.

    Example:
        >>> ImportOptions(batch_size=5000, as_of="2026-01").read_limits.line_bytes
        16777216

    Attributes:
        batch_size: rows per write statement (one ``UNWIND $rows`` on Neo4j, one ``LOAD
            FROM`` batch on LadybugDB), in [1, 1,000,000]; the store writes with it for the
            whole import. Default 10,000 (``loaders.stores.base.BATCH_SIZE``).
        strict: asks for a failing exit when any row was rejected. The job itself never
            raises for rejected rows (they are quarantined and counted in the report);
            ``talentgraph import --strict`` exits 1 on them. Default False.
        quarantine_dir: where rejected rows are written (one file per run, 0600 in a 0700
            folder); ``None``: ``STORE/quarantine/`` for the embedded store, the user's
            private state folder (``$XDG_STATE_HOME/talentgraph/quarantine``) for Neo4j.
        progress: show progress bars (the CLI turns them off with ``--json``). Default True.
        as_of: the month the import is read at, ``YYYY-MM``: open-ended experience (no
            ``end``) runs until it for ``experience_years``, and a date of birth is read at
            its first day to tell a minor. ``None`` (the default): the current month (UTC);
            set it for an import that gives the same graph next month.
        bulk: load a label or relationship type that is still empty with one ``COPY``
            from Arrow (LadybugDB); False forces the batched upserts even into empty
            tables (a baseline for benchmarks). Default True.
        columnar: validate large JSONL tables in Arrow blocks with vectorised checks,
            sending only doubtful rows to pydantic; False validates every row with pydantic
            one by one (a baseline; same outcomes, slower). Default True.
        max_line_bytes: the longest line (JSONL) or record (CSV) read, in [64, 1 GiB]; a
            longer one is quarantined (in an ESCO file it stops the import). Default 16 MiB.
        max_file_bytes: the largest table file, in [1, 1 TiB]; a larger one stops the
            import before anything is written. Default 4 GiB.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_size: int = Field(BATCH_SIZE, ge=1, le=1_000_000)
    strict: bool = False
    quarantine_dir: Path | None = None
    progress: bool = True
    as_of: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    bulk: bool = True
    columnar: bool = True
    max_line_bytes: int = Field(MAX_LINE_BYTES, ge=64, le=1024**3)
    max_file_bytes: int = Field(MAX_FILE_BYTES, ge=1, le=1024**4)

    @property
    def read_limits(self) -> ReadLimits:
        return ReadLimits(line_bytes=self.max_line_bytes, file_bytes=self.max_file_bytes)


ROWS_UNACCOUNTED = (
    "{file}: {rows} rows read but {imported} imported + {merged} merged + "
    "{quarantined} quarantined = {total}"
)


class TableReport(BaseModel):
    """What became of the rows of one file: ``rows = imported + merged + quarantined``.

    ``imported``: written (``updated`` of them replaced a stored version); ``merged``: nothing
    new (unchanged since the last import, or an exact repeat of an earlier row);
    ``quarantined``: rejected, with the reason in the quarantine file; ``warnings``: rows
    imported with a change (a skill listed twice, merged).
    """

    model_config = ConfigDict(frozen=True)
    file: str
    rows: int
    imported: int
    updated: int = 0
    merged: int = 0
    quarantined: int = 0
    warnings: int = 0

    @model_validator(mode="after")
    def _accounted(self) -> TableReport:
        total = self.imported + self.merged + self.quarantined
        if total != self.rows:
            raise ValueError(ROWS_UNACCOUNTED.format(**self.model_dump(), total=total))
        return self


class ImportReport(BaseModel):
    """What an import did: rows per file, writes per label and type, rejections, speed."""

    model_config = ConfigDict(frozen=True)

    dataset: str
    store: str
    mode: str
    tables: list[TableReport]
    nodes_written: dict[str, int]
    relationships_written: dict[str, int]
    bulk_loaded: list[str]
    created: dict[str, int]
    removed: dict[str, int] = {}
    quarantined: int
    rejections: list[str]
    quarantine_file: str | None
    warnings: int = 0
    warning_messages: list[str] = []
    warnings_file: str | None = None
    file_errors: list[str] = []  # a CSV header with unknown, missing or repeated columns
    node_counts: dict[str, int]
    relationship_counts: dict[str, int]
    seconds: float
    phase_seconds: dict[str, float]
    rows_per_second: float
    relationships_per_second: float

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def default_quarantine_dir(store: GraphStore) -> Path:
    """``STORE/quarantine`` for the embedded store; for a server store (Neo4j), a private
    folder of the user's (``$XDG_STATE_HOME/talentgraph/quarantine``, by default
    ``~/.local/state/talentgraph/quarantine``), never the working directory."""
    path = getattr(store, "path", None)
    if path is not None:
        return Path(path) / "quarantine"
    return user_state_dir() / "quarantine"


def quarantine_path(store: GraphStore, options: ImportOptions, source: str) -> Path:
    """Where an import of ``source`` puts rejected rows: ``--quarantine-dir``, else
    ``default_quarantine_dir``; one file per run (created 0600, in a 0700 folder)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    base = options.quarantine_dir or default_quarantine_dir(store)
    return Path(base) / f"import-{source}-{stamp}.jsonl"


def build_report(
    *,
    dataset: str,
    store: GraphStore,
    mode: str,
    tables: list[TableReport],
    written: tuple[dict[str, int], dict[str, int], list[str]],
    created: dict[str, int],
    quarantine: Quarantine,
    timing: tuple[float, float, float],
    removed: dict[str, int] | None = None,
    file_errors: list[str] | None = None,
) -> ImportReport:
    """The report of an import: ``written`` is (nodes, relationships, bulk-loaded names) and
    ``timing`` is (total seconds, seconds until reading ended, seconds the writer was busy)."""
    nodes, rels, bulk = written
    seconds, read_seconds, write_busy = timing
    rows = sum(t.rows for t in tables)
    return ImportReport(
        dataset=dataset,
        store=repr(store),
        mode=mode,
        tables=tables,
        nodes_written=dict(nodes),
        relationships_written=dict(rels),
        bulk_loaded=bulk,
        created=created,
        removed=removed or {},
        quarantined=quarantine.count,
        rejections=[r.message for r in quarantine.sample[:50]],
        quarantine_file=str(quarantine.path) if quarantine.count else None,
        warnings=quarantine.warning_count,
        warning_messages=[w.message for w in quarantine.warnings[:50]],
        warnings_file=str(quarantine.warnings_path) if quarantine.warning_count else None,
        file_errors=file_errors or [],
        node_counts=store.node_counts(),
        relationship_counts=store.relationship_counts(),
        seconds=round(seconds, 3),
        phase_seconds={
            "read_validate": round(read_seconds, 3),  # the writer thread overlaps it
            "write_after_read": round(seconds - read_seconds, 3),
            "write_busy": round(write_busy, 3),
        },
        rows_per_second=round(rows / seconds, 1) if seconds else 0.0,
        relationships_per_second=round(sum(rels.values()) / seconds, 1) if seconds else 0.0,
    )


def dataset_tables(directory: Path, limits: ReadLimits) -> dict[str, Path | None]:
    """Each table's file in ``directory`` (``None``: absent), checked before anything is
    opened or written: the required tables are there, and each file is a regular file
    within ``limits`` (``loaders.table_files.check_table_file``).

    Raises:
        ConfigError: a required table is missing, or a file is refused (naming it).
    """
    paths = {t: table_path(directory, t) for t in TABLES}
    for table in REQUIRED_TABLES:
        if paths[table] is None:
            raise ConfigError(MISSING_TABLE.format(directory=directory, table=table))
    for path in paths.values():
        if path is not None:
            check_table_file(path, limits)
    return paths


def _after(previous: Future[Any] | None, fn: Any, *args: Any) -> Any:
    """Run ``fn`` once ``previous`` succeeded (a failed stage fails every later one, so
    nothing is written after a failure)."""
    if previous is not None:
        previous.result()
    return fn(*args)


class ImportJob:
    """Imports one dataset directory into ``store``.

    Args:
        store: an open GraphStore (its schema is ensured first).
        options: batch size, strictness, quarantine folder, progress bars.
    """

    def __init__(self, store: GraphStore, options: ImportOptions | None = None) -> None:
        self.store = store
        self.options = options or ImportOptions()

    def _load_known(self, resolver: Resolver, counts: dict[str, int]) -> None:
        """Register what the store already holds, so references resolve across imports."""
        if counts.get("Skill"):
            for r in self.store.run("skill_names"):
                resolver.add("Skill", r["id"], [r["name"], *(r["aliases"] or [])])
        for label in ("Organization", "Location", "Domain", "Occupation"):
            if counts.get(label):
                for r in self.store.run("node_names", label=label):
                    resolver.add(label, r["id"], [r["name"]])

    def run(self, directory: str | Path) -> ImportReport:
        """Import ``directory``; returns the report (rejections are in it, not raised)."""
        directory = Path(directory)
        started = time.perf_counter()
        limits = self.options.read_limits
        paths = dataset_tables(directory, limits)
        self.store.batch_size = self.options.batch_size
        self.store.ensure_schema()
        before = self.store.node_counts()
        rel_before = self.store.relationship_counts()
        resolver, buffer = Resolver(), GraphBuffer()
        self._load_known(resolver, before)
        hashes = {
            label: self.store.node_hashes(label) if before.get(label) else {}
            for label in OWNED_EDGES
        }
        for label, known in hashes.items():
            for node_id in known:
                resolver.add(label, node_id)
        # attributes of candidates the graph does not hold (a killed import wrote them, and
        # never the node): kept nowhere
        self.store.sensitive_store.keep_only(set(hashes["Candidate"]))
        stored_interactions: set[tuple[Any, ...]] = set()
        if rel_before.get("INTERACTED"):
            stored_interactions = {
                (r["candidate"], r["role"], r["type"], r["at"])
                for r in self.store.run("interaction_keys")
            }
        quarantine = Quarantine(quarantine_path(self.store, self.options, directory.name))
        mapper = RowMapper(
            resolver, buffer, self.options.as_of or datetime.now(UTC).strftime("%Y-%m")
        )
        state = ReadState(mapper, quarantine, hashes, stored_interactions)
        reader = TableReader(
            state, self.options.progress, columnar=self.options.columnar, limits=limits
        )
        tables: list[TableReport] = []
        nodes_written: Counter[str] = Counter()
        rels_written: Counter[str] = Counter()
        bulk: list[str] = []
        write_busy = 0.0
        # Writes run in one background thread while the next table is read (LadybugDB and
        # the Neo4j driver release the GIL); stages are written in order, nodes before edges.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-writer") as writer:
            pending: list[Future[Any]] = []
            for table, model in TABLES.items():
                path = paths[table]
                if path is not None:
                    st = reader.read(table, model, path)
                    tables.append(TableReport(file=path.name, **st.__dict__))
                if table in STAGE_ENDS:
                    mapper.emit_created()
                    stage = Stage(
                        mapper.buffer,
                        changed={k: list(v) for k, v in state.changed.items()},
                        removed={k: list(v) for k, v in state.removed.items()},
                        digests={k: list(v) for k, v in state.digests.items()},
                    )
                    state.changed.clear()
                    state.removed.clear()
                    state.digests.clear()
                    previous = pending[-1] if pending else None
                    if previous is not None and previous.done() and previous.exception():
                        break  # a failed stage ends the import; its error is raised below
                    pending.append(
                        writer.submit(
                            _after,
                            previous,
                            write_stage,
                            self.store,
                            stage,
                            before,
                            rel_before,
                            self.options.bulk,
                            False,
                        )
                    )
                    mapper.buffer = GraphBuffer()
            read_seconds = time.perf_counter() - started
            for future in pending:
                stage_nodes, stage_rels, stage_bulk, stage_seconds = future.result()
                write_busy += stage_seconds
                nodes_written.update(stage_nodes)
                rels_written.update(stage_rels)
                bulk += [name for name in stage_bulk if name not in bulk]
        self.store.purge_removed()  # no file keeps a removed profile's bytes
        quarantine.close()
        created = mapper.created_counts()
        seconds = time.perf_counter() - started
        return build_report(
            dataset=str(directory),
            store=self.store,
            mode="bulk" if not any(before.get(label) for label in OWNED_EDGES) else "incremental",
            tables=tables,
            written=(nodes_written, rels_written, bulk),
            created={k: v for k, v in created.items() if v},
            quarantine=quarantine,
            timing=(seconds, read_seconds, write_busy),
            removed={k: v for k, v in state.removed_count.items() if v},
            file_errors=state.file_errors,
        )
