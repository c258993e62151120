"""The query catalog: every Cypher query is a ``.cypher`` file in the ``cypher`` package.

``query(name, dialect)`` reads ``cypher/<dialect>/<name>.cypher``, else ``cypher/<name>.cypher``,
caches it and raises ``QueryNotFoundError`` listing the known names. A few files are
templates over a node label or relationship type (``{{label}}``, ``{{type}}``): ``render``
fills them, and only with names the GraphSchema defines.

Example:
    >>> "MERGE (n:Skill {id: row.id})" in query("upsert_skills", "ladybug")
    True
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from importlib.abc import Traversable

from graph_schema import SCHEMA
from graph_schema.errors import QueryNotFoundError, SchemaError

DIALECTS: tuple[str, ...] = ("ladybug", "neo4j")
QUERY_NAME = re.compile(r"[a-z0-9_]+(/[a-z0-9_]+)*")
BAD_NAME = (
    "{name!r} is not a catalogue query name (lowercase words of letters, digits and _, "
    "separated by /, e.g. explore/skill_paths)"
)


def _root() -> Traversable:
    return resources.files("cypher")


def names(dialect: str, folder: str = "") -> list[str]:
    """Every query name available to ``dialect`` (shared plus dialect-specific)."""
    found: set[str] = set()
    for base in (
        _root().joinpath(folder) if folder else _root(),
        _root().joinpath(dialect, folder) if folder else _root().joinpath(dialect),
    ):
        if base.is_dir():
            found |= {
                p.name[: -len(".cypher")] for p in base.iterdir() if p.name.endswith(".cypher")
            }
    return sorted(found)


@cache
def query(name: str, dialect: str) -> str:
    """The text of query ``name`` for ``dialect`` (``name`` may be ``explore/skill_paths``).

    Raises:
        QueryNotFoundError: no such file for this dialect; the message lists known names.
    """
    if dialect not in DIALECTS:
        raise QueryNotFoundError(f"unknown dialect {dialect!r}; known: {', '.join(DIALECTS)}")
    if not QUERY_NAME.fullmatch(name):
        # a name is a path inside the catalogue: never "..", an absolute path or a backslash
        raise QueryNotFoundError(BAD_NAME.format(name=name))
    for candidate in (
        _root().joinpath(dialect, f"{name}.cypher"),
        _root().joinpath(f"{name}.cypher"),
    ):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    folder = name.rpartition("/")[0]
    raise QueryNotFoundError(
        f"no Cypher query named {name!r} for {dialect}; known: {', '.join(names(dialect, folder))}"
    )


def render(
    name: str, dialect: str, *, label: str | None = None, rel_type: str | None = None
) -> str:
    """A template query with its ``{{label}}``/``{{type}}`` filled from the GraphSchema."""
    text = query(name, dialect)
    if label is not None:
        SCHEMA.node(label)  # raises SchemaError for anything the schema does not define
        text = text.replace("{{label}}", label)
    if rel_type is not None:
        SCHEMA.relationship(rel_type)
        text = text.replace("{{type}}", rel_type)
    if "{{label}}" in text or "{{type}}" in text:
        raise SchemaError(f"query {name!r} is a template; pass label= or rel_type=")
    return text


def params_doc(text: str) -> str:
    """The leading ``//`` comment block of a query file (what it returns, its parameters)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("//"):
            break
        lines.append(line[2:].strip())
    return "\n".join(lines)


_PARAM_DOC = re.compile(r"^//\s*\$(\w+):(.*)$")
_PARAM_USE = re.compile(r"\$(\w+)")


def parameters(text: str) -> dict[str, str]:
    """``$name -> description`` from a query file's header (``// $name: ...``)."""
    out = {}
    for line in text.splitlines():
        match = _PARAM_DOC.match(line.strip())
        if match:
            out[match.group(1)] = match.group(2).strip()
    return out


def parameter_defaults(text: str) -> dict[str, object]:
    """Defaults the header declares (``...; default <JSON>``), e.g. ``{"limit": 10}``."""
    out: dict[str, object] = {}
    for name, doc in parameters(text).items():
        _, sep, default = doc.rpartition("; default ")
        if sep:
            try:
                out[name] = json.loads(default)
            except json.JSONDecodeError:
                continue
    return out


def used_parameters(text: str) -> set[str]:
    """``$names`` the query body uses (comment lines excluded)."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    return set(_PARAM_USE.findall(body))
