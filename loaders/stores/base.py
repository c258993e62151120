"""The GraphStore interface shared by the embedded LadybugDB store and Neo4j.

Concrete stores implement the primitives (``_execute``, ``explain``, ``_bulk_nodes``,
``_bulk_edges``); everything else (batched upserts by catalog name, counts, id lookups,
the check every query passes, read-only execution) lives here once. Every query run by text
or catalog name (``run_text``, ``run``, ``run_table``) passes ``_checked_params``: the
statement guard (``loaders.stores.statement_guard``) lets it read the graph and change its
nodes and relationships, never touch files, extensions, settings, the schema or
transactions (``StatementRefusedError`` names the clause), and no parameter may be missing.
Ad-hoc Cypher (``run_text``, exploration) runs read-only unless ``write=True``: the store
itself refuses a write (a read-only transaction), and the refusal is a ``ReadOnlyError``.
Catalog queries (``run``) are ours and may write (upserts, deletes) unless ``write=False``,
which exploration passes for a catalog name a user gives. The engine's bulk loads, DDL and
migrations run through the stores' primitives, not through this path.

Sensitive attributes are not in the graph, so no Cypher reaches them: each store has its
``SensitiveStore`` (``loaders.sensitive_store``), written by the import, and
``read_sensitive(purpose="audit")`` is the one way to read it. Removing candidates removes
their attributes first; ``purge_removed`` then makes sure no file of the store keeps the
bytes of what was removed (the import calls it at its end).

Example:
    >>> from loaders.stores import open_store
    >>> with open_store("/tmp/tg-doc-store") as store:      # doctest: +SKIP
    ...     store.ensure_schema()
    ...     store.upsert_nodes("Skill", [{"id": "py", "name": "Python", "aliases": []}])
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, Literal, Self

import pyarrow as pa

from graph_schema import SCHEMA
from graph_schema.errors import ConfigError, SchemaError
from loaders.sensitive_store import SensitiveStore
from loaders.stores import cypher
from loaders.stores.arrow import edge_table, node_table
from loaders.stores.statement_guard import check_statement

# What a candidate row may create by name (loaders.resolve): (relationship, target label).
NAMED_BY_CANDIDATE = (
    ("HAS_SKILL", "Skill"),
    ("WORKED_AT", "Organization"),
    ("LOCATED_IN", "Location"),
)

Row = dict[str, Any]
Purpose = Literal["feature", "explore", "audit"]

NODE_QUERY: dict[str, str] = {
    "Skill": "upsert_skills",
    "Occupation": "upsert_occupations",
    "Candidate": "upsert_candidates",
    "Role": "upsert_roles",
    "Organization": "upsert_organizations",
    "Location": "upsert_locations",
    "Domain": "upsert_domains",
}
MISSING_PARAMETER = "{what} needs parameters it was not given: {detail}"
BATCH_SIZE = 10_000
"""Rows per write batch unless told otherwise (``ImportOptions.batch_size`` defaults to it)."""
WRITE_REFUSED = (
    "statement `{statement}` tried to write, but queries run read-only: pass --write (CLI) or "
    "write=True (API) to let it write. {store} refused it: {cause}"
)


def written_count(rows: list[Row], default: int) -> int:
    """The ``written`` count a write query returned, or ``default`` when it returns none."""
    if rows and "written" in rows[0]:
        return int(sum(r["written"] or 0 for r in rows))
    return default


def edge_query_name(rel_type: str, src: str) -> str:
    """Catalog name of the upsert for one (src, REL, dst) edge type."""
    spec = SCHEMA.relationship(rel_type)
    suffix = f"_{src.lower()}" if len(spec.endpoints) > 1 else ""
    return f"upsert_{rel_type.lower()}{suffix}"


class GraphStore(ABC):
    """A Cypher graph store holding the talentgraph schema.

    Args:
        sensitive_store: the store of the candidates' sensitive attributes (outside the graph).
        batch_size: rows per ``UNWIND $rows`` write.
    """

    dialect: str = ""

    def __init__(self, sensitive_store: SensitiveStore, batch_size: int = BATCH_SIZE) -> None:
        self.sensitive_store = sensitive_store
        self.batch_size = batch_size

    # -- primitives ---------------------------------------------------------------------
    @abstractmethod
    def _execute(
        self, text: str, params: dict[str, Any] | None = None, *, read_only: bool = False
    ) -> list[Row]:
        """Run one statement and return its rows as dicts (translate errors to StoreError).

        Args:
            read_only: run it in a read-only transaction, so that the store refuses a write
                (raise ``ReadOnlyError`` built from ``WRITE_REFUSED``); nothing is changed.
        """

    @abstractmethod
    def explain(self, text: str, params: dict[str, Any] | None = None) -> str:
        """The store's query plan for ``text``, as text (operators by name)."""

    def _write_batch(self, text: str, batch: pa.Table) -> int:
        """Run one upsert over a typed batch (default: the batch as ``$rows`` dicts); returns
        what the store reports written (a query's ``written`` column), else the batch size."""
        return written_count(self._execute(text, {"rows": batch.to_pylist()}), batch.num_rows)

    @abstractmethod
    def _bulk_nodes(self, label: str, table: pa.Table) -> int:
        """Load a table of new nodes (ids absent from the store); returns nodes written."""

    @abstractmethod
    def _bulk_edges(self, rel_type: str, src: str, dst: str, table: pa.Table) -> int:
        """Load a table of new edges (columns src, dst, then properties); returns edges
        written."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def drop_all(self) -> None:
        """Delete every node and relationship (tests and benchmarks only)."""

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create tables/constraints generated from the GraphSchema (idempotent)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- queries ------------------------------------------------------------------------
    def run(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        *,
        label: str | None = None,
        rel_type: str | None = None,
        write: bool = True,
    ) -> list[Row]:
        """Run the catalog query ``name`` (a template when ``label``/``rel_type`` are given).

        Args:
            write: let the query write (catalog upserts and deletes do); ``False`` runs it
                read-only, enforced by the store (exploration runs a user's choice so).

        Raises:
            ReadOnlyError: the query tried to write and ``write`` is False.
        """
        text = cypher.render(name, self.dialect, label=label, rel_type=rel_type)
        return self.run_text(text, params, what=f"query {name!r}", write=write)

    def run_text(
        self,
        text: str,
        params: dict[str, Any] | None = None,
        *,
        what: str = "this query",
        write: bool = False,
    ) -> list[Row]:
        """Run ad-hoc Cypher (an exploration file). It sees the graph only: sensitive
        attributes are not in it.

        Args:
            write: let the statement change nodes and relationships (CREATE, MERGE, SET,
                DELETE, REMOVE); otherwise it runs in a read-only transaction and the store
                refuses any write. Never files, extensions, settings, schema, transactions.

        Raises:
            StatementRefusedError: a clause no query may run (COPY, LOAD FROM, ATTACH,
                INSTALL, CALL of a setting, DDL, CHECKPOINT, ...), with or without ``write``.
            ReadOnlyError: the statement tried to write and ``write`` is False.
        """
        checked = self._checked_params(text, params, what)
        return self._execute(text, checked, read_only=not write)

    def run_table(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        *,
        label: str | None = None,
        rel_type: str | None = None,
    ) -> pa.Table:
        """``run``, with the rows as one Arrow table (bulk reads: exports, features)."""
        text = cypher.render(name, self.dialect, label=label, rel_type=rel_type)
        return self._execute_table(text, self._checked_params(text, params, f"query {name!r}"))

    def _execute_table(self, text: str, params: dict[str, Any]) -> pa.Table:
        """Rows of a read-only statement as an Arrow table; stores with a native columnar
        result override this."""
        return pa.Table.from_pylist(self._execute(text, params, read_only=True))

    def _checked_params(
        self, text: str, params: dict[str, Any] | None, what: str
    ) -> dict[str, Any]:
        """The check every query passes: only allowed clauses (``check_statement``), and no
        missing parameter.

        Returns:
            ``params`` completed with the defaults the query file's header declares.

        Raises:
            StatementRefusedError: a clause no query may run; nothing reached the store.
            ConfigError: a parameter the query uses was not given.
        """
        check_statement(text, self.dialect)
        params = {**cypher.parameter_defaults(text), **(params or {})}
        missing = sorted(cypher.used_parameters(text) - set(params))
        if missing:
            docs = cypher.parameters(text)
            detail = "; ".join(f"${m}: {docs[m]}" if m in docs else f"${m}" for m in missing)
            raise ConfigError(MISSING_PARAMETER.format(what=what, detail=detail))
        return params

    def read_sensitive(self, purpose: Purpose) -> list[Row]:
        """Sensitive attributes of all candidates, from the sensitive store (not the graph),
        sorted by id: ``{"id", "gender", "age_band", "ethnicity", "disability",
        "nationality"}``; only for ``purpose='audit'``.

        Raises:
            SensitiveAccessError: ``purpose`` is not ``"audit"``.
        """
        return self.sensitive_store.read(purpose)

    # -- writes -------------------------------------------------------------------------
    def upsert_nodes(self, label: str, rows: pa.Table | Sequence[Row]) -> int:
        """MERGE nodes by id in batches (rows as dicts or a table); returns rows written."""
        return self.write_table(NODE_QUERY[SCHEMA.node(label).label], node_table(label, rows))

    def upsert_edges(self, rel_type: str, src: str, rows: pa.Table | Sequence[Row]) -> int:
        """MERGE edges (``src``, ``dst`` ids and properties) in batches."""
        return self.write_table(edge_query_name(rel_type, src), edge_table(rel_type, rows))

    def write_table(self, name: str, table: pa.Table, *, label: str | None = None) -> int:
        """Run the write query ``name`` (a template over ``label``) over ``table`` in batches.

        Returns:
            The rows the store reports written (an edge whose endpoint is missing is not).
        """
        text = cypher.render(name, self.dialect, label=label)
        written = 0
        for start in range(0, table.num_rows, self.batch_size):
            written += self._write_batch(text, table.slice(start, self.batch_size))
        return written

    def delete_outgoing(self, label: str, rel_type: str, ids: Sequence[str]) -> None:
        """Delete the outgoing ``rel_type`` edges of nodes ``ids`` (before re-adding them)."""
        text = cypher.render("delete_outgoing", self.dialect, label=label, rel_type=rel_type)
        for batch in self._id_batches(ids):
            self._execute(text, batch)

    def bulk_nodes(self, label: str, table: pa.Table | Sequence[Row]) -> int:
        """Load nodes known to be new (first import); columns as in the schema."""
        table = node_table(label, table)
        return self._bulk_nodes(label, table) if table.num_rows else 0

    def bulk_edges(self, rel_type: str, src: str, dst: str, table: pa.Table | Sequence[Row]) -> int:
        """Load edges known to be new (both endpoints exist; no duplicates in ``table``)."""
        spec = SCHEMA.relationship(rel_type)
        if (src, dst) not in spec.endpoints:
            raise SchemaError(f"{rel_type} does not link {src} to {dst}; it links {spec.endpoints}")
        table = edge_table(rel_type, table)
        return self._bulk_edges(rel_type, src, dst, table) if table.num_rows else 0

    # -- reads --------------------------------------------------------------------------
    def node_counts(self) -> dict[str, int]:
        rows = self.run("node_counts")
        return {r["label"]: int(r["count"]) for r in rows if r["label"] in NODE_QUERY}

    def relationship_counts(self) -> dict[str, int]:
        return {r["type"]: int(r["count"]) for r in self.run("relationship_counts")}

    def node_ids(self, label: str) -> list[str]:
        return [r["id"] for r in self.run("node_ids", label=label)]

    def node_hashes(self, label: str) -> dict[str, str | None]:
        return {r["id"]: r["row_hash"] for r in self.run("node_hashes", label=label)}

    def remove_nodes(self, label: str, ids: Sequence[str]) -> None:
        """Remove nodes of ``label`` by id with all their relationships (DETACH DELETE).

        A candidate's sensitive attributes are deleted first: a process killed in between
        leaves a stored candidate, which the next import removes again, never attributes
        of a candidate no longer in the graph. The skills, employers and places the import
        created by name from a removed candidate's row (``named_targets``) go too when no
        relationship is left on them: their names are that person's text.
        """
        named = self.named_targets(ids) if label == "Candidate" else {}
        self._removing(named)
        if label == "Candidate":
            self.sensitive_store.delete(ids)
        for batch in self._id_batches(ids):
            self.run("remove_nodes_by_id", batch, label=label)
        self.remove_unlinked(named)

    def named_targets(self, ids: Sequence[str]) -> dict[str, list[str]]:
        """Per label, the nodes created by name (id = name) that candidates ``ids`` link to."""
        found: dict[str, set[str]] = {}
        for batch in self._id_batches(ids):
            for rel_type, target in NAMED_BY_CANDIDATE:
                rows = self.run(
                    "named_targets", batch, label=target, rel_type=rel_type, write=False
                )
                found.setdefault(target, set()).update(r["id"] for r in rows)
            rows = self.run("named_work_domains", batch, write=False)
            found.setdefault("Domain", set()).update(r["id"] for r in rows)
        return {label: sorted(found[label]) for label in found if found[label]}

    def _removing(self, named: dict[str, list[str]]) -> None:
        """Called before a removal with the nodes it may leave unlinked (a store that
        finishes removals later, after a kill, records them here)."""

    def remove_unlinked(self, nodes: dict[str, list[str]]) -> None:
        """Remove those of ``nodes`` (ids per label) that no relationship touches and, for
        domains, no job names (``WORKED_AT.domain``)."""
        for label, ids in nodes.items():
            if label == "Domain":
                named = set()
                for batch in self._id_batches(ids):
                    named.update(r["id"] for r in self.run("work_domains_in_use", batch))
                ids = [i for i in ids if i not in named]
            for batch in self._id_batches(ids):
                self.run("remove_unlinked_by_id", batch, label=label)

    def _id_batches(self, ids: Sequence[str]) -> Iterator[dict[str, list[str]]]:
        """``{"ids": [...]}`` parameters of at most ``batch_size`` ids each, in order."""
        for start in range(0, len(ids), self.batch_size):
            yield {"ids": list(ids[start : start + self.batch_size])}

    def purge_removed(self) -> bool:
        """Make sure no file of the store keeps the bytes of removed nodes (a removed minor's
        profile). Stores that cannot do it from here leave it to their own tools (Neo4j:
        ``neo4j-admin database copy``, docs/neo4j.md).

        Returns:
            Whether the store was rewritten.
        """
        return False

    def commit_row_hashes(self, label: str, rows: Sequence[tuple[str, str]]) -> int:
        """Store the row digests ``rows`` ((id, digest)) of ``label`` nodes already written."""
        table = pa.table(
            {
                "id": pa.array([r[0] for r in rows], pa.string()),
                "row_hash": pa.array([r[1] for r in rows], pa.string()),
            }
        )
        return self.write_table("set_row_hashes", table, label=label)
