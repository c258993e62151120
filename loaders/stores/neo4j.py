"""The Neo4j 5 store, through the official ``neo4j`` Python driver.

Neo4j has no COPY from Arrow: bulk loads are the catalog's ``UNWIND $rows ... MERGE``
upserts, written in batches of ``batch_size`` rows. Reads and writes run as managed
transactions (``Driver.execute_query``, retried on transient errors); statements that
commit their own batches (``CALL { ... } IN TRANSACTIONS``) need an implicit transaction
and run through ``Session.run``. Driver errors become ``StoreError`` with the cause kept.

A read-only statement (``run_text`` unless ``write=True``, ``run(..., write=False)``,
``run_table``) runs in READ access mode (``execute_query(..., routing_=RoutingControl.READ)``,
or a ``READ_ACCESS`` session for ``IN TRANSACTIONS``), where the server refuses a write
(``Neo.ClientError.Statement.AccessMode``); that refusal becomes ``ReadOnlyError``. Before
that, every query run by text or name passes the statement guard (no LOAD CSV, no plugin
procedure or function, no DDL, ...; ``loaders.stores.statement_guard``).

Sensitive attributes are not in the graph: they live in a local SQLite file on the machine
that runs talentgraph (``sensitive_dir``, by default ``$XDG_STATE_HOME/talentgraph/
sensitive/<host>-<port>-<database>.sqlite``; ``loaders.sensitive_store``). ``ensure_schema``
moves the nodes an older talentgraph kept under the label ``SensitiveAttributes`` into it,
batch by batch (each batch committed there before its nodes are deleted), then drops the
label's constraint. Neo4j keeps deleted records' bytes in its store and transaction log
files until they are reused or rotated; ``neo4j-admin database copy`` writes a compacted
copy without them (docs/neo4j.md).

Example:
    >>> store = Neo4jStore("neo4j://localhost:7687", auth=("neo4j", "secret"))  # doctest: +SKIP
    >>> store.ensure_schema(); store.node_counts()                              # doctest: +SKIP
    {}
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, GraphDatabase, RoutingControl
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from graph_schema import SCHEMA
from graph_schema.ddl import neo4j_ddl
from graph_schema.errors import ReadOnlyError, StoreError, StoreUnavailableError
from loaders.sensitive_store import COLUMNS, SensitiveStore, server_sensitive_path
from loaders.stores import cypher
from loaders.stores.base import BATCH_SIZE, WRITE_REFUSED, GraphStore, Row

UNAVAILABLE = "cannot reach Neo4j at {uri}: {cause}"
QUERY_FAILED = "Neo4j query failed ({statement}...): {cause}"
# A statement that commits its own batches cannot run inside a managed transaction.
_IN_TRANSACTIONS = re.compile(r"\}\s*IN\s+(?:\S+\s+CONCURRENT\s+)?TRANSACTIONS\b", re.IGNORECASE)
# How Neo4j 5 refuses a write in READ access mode: data writes at the query router
# (AccessMode); schema commands and write procedures in the kernel (Forbidden, "... overridden
# by READ").
_ACCESS_MODE = "Neo.ClientError.Statement.AccessMode"
_FORBIDDEN = "Neo.ClientError.Security.Forbidden"
_OVERRIDDEN_BY_READ = "overridden by READ"


def _statement_head(text: str) -> str:
    """The first line of ``text`` that is not a ``//`` comment, cut to 80 characters."""
    lines = (line.strip() for line in text.splitlines())
    return next((line for line in lines if line and not line.startswith("//")), "")[:80]


def plan_operators(plan: dict[str, Any] | None) -> list[str]:
    """Operator names of a Neo4j plan tree, depth first (``CartesianProduct``, ...).

    Args:
        plan: ``ResultSummary.plan``, a dict with ``operatorType`` and ``children``.

    Returns:
        One name per operator, without the ``@database`` suffix Neo4j 5 appends.
    """
    if not plan:
        return []
    names = [str(plan.get("operatorType", "")).split("@", 1)[0]]
    for child in plan.get("children", []):
        names.extend(plan_operators(child))
    return names


class Neo4jStore(GraphStore):
    """GraphStore on a Neo4j 5 server.

    Example:
        >>> with Neo4jStore("bolt://localhost:7687", auth=("neo4j", "pw")) as store:  # doctest: +SKIP
        ...     store.ensure_schema()

    Args:
        uri: a ``neo4j://`` (routing) or ``bolt://`` (direct) URI, optionally ``+s``/``+ssc``.
        auth: (user, password); ``None`` connects without authentication.
        database: the database name; ``None`` is the server's default database.
        batch_size: rows per ``UNWIND $rows`` write.
        sensitive_dir: the folder of the sensitive store (a local file per server and
            database); ``None``: ``$XDG_STATE_HOME/talentgraph/sensitive``.

    Raises:
        StoreUnavailableError: the server cannot be reached, refuses the credentials, or the
            URI is malformed.
    """

    dialect = "neo4j"

    def __init__(
        self,
        uri: str,
        auth: tuple[str, str] | None = None,
        database: str | None = None,
        batch_size: int = BATCH_SIZE,
        sensitive_dir: str | Path | None = None,
        read_only: bool = False,
    ) -> None:
        path = server_sensitive_path(uri, database, sensitive_dir)
        super().__init__(SensitiveStore(path, read_only=read_only), batch_size)
        self.read_only = read_only  # every statement in a read-access session/transaction
        self.uri = uri
        self.database = database
        self._driver: Driver | None = None
        try:
            self._driver = GraphDatabase.driver(uri, auth=auth)
            self._driver.verify_connectivity()
        except (DriverError, Neo4jError, ValueError) as e:
            self.close()
            raise StoreUnavailableError(UNAVAILABLE.format(uri=uri, cause=e)) from e

    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri!r}, database={self.database!r})"

    @property
    def driver(self) -> Driver:
        if self._driver is None:
            raise StoreError(f"{self!r} is closed")
        return self._driver

    # -- primitives ---------------------------------------------------------------------
    @contextmanager
    def _translated(self, text: str, read_only: bool = False) -> Iterator[None]:
        """Re-raise driver errors as ours (a refused write as ReadOnlyError), keeping the cause."""
        try:
            yield
        except (ServiceUnavailable, SessionExpired) as e:
            raise StoreUnavailableError(UNAVAILABLE.format(uri=self.uri, cause=e)) from e
        except Neo4jError as e:
            head = _statement_head(text)
            if read_only and (
                e.code == _ACCESS_MODE
                or (e.code == _FORBIDDEN and _OVERRIDDEN_BY_READ in (e.message or ""))
            ):
                raise ReadOnlyError(
                    WRITE_REFUSED.format(statement=head, store="Neo4j", cause=e)
                ) from e
            raise StoreError(QUERY_FAILED.format(statement=head, cause=e)) from e
        except DriverError as e:
            raise StoreError(QUERY_FAILED.format(statement=_statement_head(text), cause=e)) from e

    def _execute(
        self, text: str, params: dict[str, Any] | None = None, *, read_only: bool = False
    ) -> list[Row]:
        read_only = read_only or self.read_only
        with self._translated(text, read_only):
            if _IN_TRANSACTIONS.search(text):
                mode = READ_ACCESS if read_only else WRITE_ACCESS
                with self.driver.session(
                    database=self.database, default_access_mode=mode
                ) as session:
                    return [record.data() for record in session.run(text, params or {})]
            records, _, _ = self.driver.execute_query(
                text,
                params or {},
                database_=self.database,
                routing_=RoutingControl.READ if read_only else RoutingControl.WRITE,
            )
            return [record.data() for record in records]

    def explain(self, text: str, params: dict[str, Any] | None = None) -> str:
        """Operator names of Neo4j's plan for ``text``, one per line, depth first.

        Args:
            text: the query (not run: it is prefixed with ``EXPLAIN``).
            params: sample parameters, so the planner sees their types.

        Returns:
            e.g. ``"ProduceResults\\nCartesianProduct\\nNodeByLabelScan\\n..."``.
        """
        with self._translated(text):
            _, summary, _ = self.driver.execute_query(
                "EXPLAIN " + text, params or {}, database_=self.database
            )
        return "\n".join(plan_operators(summary.plan))

    def ensure_schema(self) -> None:
        for statement in neo4j_ddl(SCHEMA):
            self._execute(statement)
        # Index builds are asynchronous; wait so that the first queries are planned on them.
        self._execute(cypher.query("await_indexes", self.dialect))
        self._move_legacy_sensitive()

    def _move_legacy_sensitive(self) -> None:
        """Move ``SensitiveAttributes`` nodes of an older store into the sensitive store, one
        batch at a time: a batch is committed there before its nodes are deleted, so a kill
        at any point loses nothing (the next open moves what is left)."""
        if self.run("migrate/legacy_sensitive_present")[0]["n"]:
            batch = {"limit": self.batch_size}
            while rows := [r["row"] for r in self.run("migrate/legacy_sensitive_rows", batch)]:
                self.sensitive_store.upsert([{k: r.get(k) for k in COLUMNS} for r in rows])
                self.run("migrate/remove_legacy_sensitive", {"ids": [r["id"] for r in rows]})
        # DDL: a statement of ours, run through the primitive (run() refuses DDL)
        self._execute(cypher.query("migrate/drop_legacy_sensitive", self.dialect))

    def _bulk_nodes(self, label: str, table: pa.Table) -> int:
        # No COPY on Neo4j: new nodes go through the same batched MERGE as increments.
        return self.upsert_nodes(label, table)

    def _bulk_edges(self, rel_type: str, src: str, dst: str, table: pa.Table) -> int:
        # The table's columns (src, dst, then properties) are the upsert's row keys.
        return self.upsert_edges(rel_type, src, table)

    def drop_all(self) -> None:
        """Delete every node and relationship, in batches that commit one by one, and every
        row of the sensitive store."""
        self.sensitive_store.clear()
        self.run("delete_everything")

    def close(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None:
            driver.close()
