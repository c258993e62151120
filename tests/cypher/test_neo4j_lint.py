"""Every query the Neo4j dialect runs passes the official Neo4j Cypher linter.

The linter is ``lintCypherQuery`` from npm ``@neo4j-cypher/language-support``, driven by
``tools/cypher-lint/lint.mjs`` in one node process for all queries. Templates are rendered
with real schema labels and types first. Errors, deprecations and labels or relationship
types missing from the GraphSchema fail the test. ``Parameter $x is not defined.`` is not a
failure: our parameters are run-time values the linter is never told about; lint.mjs
recognises those diagnostics with the package's own ``isNotParamError`` and tags them
``undefined-parameter``.

The linter is a test dependency, not an optional one: when node or the package is missing,
the test fails and says how to install it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from graph_schema import SCHEMA
from graph_schema.ddl import neo4j_ddl
from loaders.stores import cypher

LINT_DIR = Path(__file__).resolve().parents[2] / "tools" / "cypher-lint"
LINT_SCRIPT = LINT_DIR / "lint.mjs"
PACKAGE = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support" / "package.json"
INSTALL_HINT = (
    "run `make test`, which installs it (npm ci --prefix tools/cypher-lint); CI always installs it"
)
FAILING = {"error", "deprecation", "unknown-name"}


def run_linter(args: list[str] | None = None, payload: Any = None) -> tuple[int, dict]:
    """Run lint.mjs once on file ``args`` or a JSON ``payload`` on stdin; (exit code, output)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not installed, so the Neo4j Cypher linter cannot run: {INSTALL_HINT}")
    if not PACKAGE.is_file():
        pytest.fail(
            f"@neo4j-cypher/language-support is not installed in {LINT_DIR}: {INSTALL_HINT}"
        )
    proc = subprocess.run(
        [node, str(LINT_SCRIPT), *(args or [])],
        input=None if payload is None else json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode not in (0, 1):
        pytest.fail(f"lint.mjs exited {proc.returncode}: {proc.stderr}")
    return proc.returncode, json.loads(proc.stdout)


def rendered(name: str) -> list[dict[str, str]]:
    """``name`` for the neo4j dialect, once per schema label/type it is a template over."""
    text = cypher.query(name, "neo4j").replace("{{pair}}", "")
    has_label, has_type = "{{label}}" in text, "{{type}}" in text
    if has_label and has_type:
        fills = [(src, rel) for src, rel, _ in SCHEMA.edge_types()]
    elif has_label:
        fills = [(n.label, None) for n in SCHEMA.nodes]
    elif has_type:
        fills = [(None, r.type) for r in SCHEMA.relationships]
    else:
        return [{"name": name, "text": text}]
    return [
        {
            "name": f"{name}[{label or ''}{'/' if label and rel else ''}{rel or ''}]",
            "text": cypher.render(name, "neo4j", label=label, rel_type=rel).replace("{{pair}}", ""),
        }
        for label, rel in dict.fromkeys(fills)
    ]


SUBFOLDERS = ("explore", "export", "explain")


def neo4j_queries() -> list[dict[str, str]]:
    """Shared files not overridden, ``cypher/neo4j/``, every subfolder (+ overrides), DDL."""
    names = cypher.names("neo4j") + [
        f"{folder}/{n}" for folder in SUBFOLDERS for n in cypher.names("neo4j", folder)
    ]
    queries = [q for name in names for q in rendered(name)]
    queries += [{"name": f"ddl[{i}]", "text": s} for i, s in enumerate(neo4j_ddl(SCHEMA))]
    return queries


def test_every_neo4j_query_passes_the_linter() -> None:
    queries = neo4j_queries()
    out, failures = _lint(queries, [n.label for n in SCHEMA.nodes])
    assert out["cypherVersion"] == "CYPHER 5"
    assert [r["name"] for r in out["results"]] == [q["name"] for q in queries]
    assert not failures, "Neo4j linter findings:\n" + "\n".join(failures)


def _lint(queries: list[dict[str, str]], labels: list[str]) -> tuple[dict, list[str]]:
    """The linter's output for ``queries`` with ``labels`` known, and its failing findings."""
    _, out = run_linter(
        payload={
            "queries": queries,
            "labels": labels,
            "relationshipTypes": [r.type for r in SCHEMA.relationships],
        }
    )
    failures = [
        f"{r['name']}:{d['line']}:{d['column']}: {d['kind']}: {d['message']}"
        for r in out["results"]
        for d in r["diagnostics"]
        if d["kind"] in FAILING
    ]
    return out, failures


def test_migration_queries_pass_the_linter() -> None:
    """cypher/neo4j/migrate/ names the label of stores before the sensitive store, which the
    GraphSchema no longer has: linted with it known, and nothing else lint-worthy."""
    queries = [q for name in cypher.names("neo4j", "migrate") for q in rendered(f"migrate/{name}")]
    assert len(queries) == 4
    _, failures = _lint(queries, [*(n.label for n in SCHEMA.nodes), "SensitiveAttributes"])
    assert not failures, "Neo4j linter findings:\n" + "\n".join(failures)


def test_the_lint_covers_the_catalog() -> None:
    names = {q["name"].split("[", 1)[0] for q in neo4j_queries()}
    assert {
        "upsert_candidates",
        "upsert_has_skill",
        "delete_everything",
        "node_counts",
        "node_ids",
        "delete_outgoing",
        "explain/skill_paths",
        "explain/location_paths",
        "ddl",
    } <= names
    assert not any(n.startswith("bulk_copy") for n in names)  # LadybugDB-only COPY files


def test_linter_reports_bad_queries(tmp_path: Path) -> None:
    files = {
        "deprecated_id": "MATCH (n:Candidate) RETURN id(n) AS id",
        "old_subquery": "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS",
        "syntax": "MATCH (n:Candidate RETURN n",
        "ladybug_only": "MATCH (n) RETURN label(n) AS l",
        "good": "UNWIND $ids AS id MATCH (n:Candidate {id: id}) RETURN elementId(n) AS e",
    }
    for stem, text in files.items():
        (tmp_path / f"{stem}.cypher").write_text(text + "\n", encoding="utf-8")
    code, out = run_linter(args=[str(tmp_path / f"{stem}.cypher") for stem in files])
    found = {Path(r["name"]).stem: r["diagnostics"] for r in out["results"]}
    kinds = {stem: {d["kind"] for d in diags} for stem, diags in found.items()}
    assert code == 1
    assert kinds["deprecated_id"] == {"deprecation"}
    assert kinds["old_subquery"] == {"deprecation"}
    assert "error" in kinds["syntax"]
    assert [d["message"] for d in found["ladybug_only"]] == [
        (
            "Function label is not present in the database. Make sure you didn't misspell it "
            "or that it is available when you run this statement in your application"
        )
    ]
    assert kinds["good"] == {"undefined-parameter"}


def test_linter_reports_names_missing_from_the_schema() -> None:
    code, out = run_linter(
        payload={
            "queries": [
                {"name": "typo", "text": "MATCH (n:Candidat)-[:HAS_SKILL]->(s:Skill) RETURN n"}
            ],
            "labels": ["Candidate", "Skill"],
            "relationshipTypes": ["HAS_SKILL"],
        }
    )
    assert code == 1
    assert [(d["kind"], d["line"], d["column"]) for d in out["results"][0]["diagnostics"]] == [
        ("unknown-name", 1, 10),
    ]
