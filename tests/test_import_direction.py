"""Every import points down: the layers of the code base, checked on every module.

The top-level packages are ordered ``graph_schema`` < ``loaders`` < ``synthetic`` <
``engine``; inside ``engine`` the subpackages (and top-level modules) are ordered by
``ENGINE_LAYERS``, lowest first. A module may import its own package and anything in a
lower layer, never a package of its own layer or above: so there is no cycle between
packages, and the facade (``engine.api``) is the only way up. Imports inside functions count
(they are deferred, not exempt); imports under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[1]
TOP_LAYERS = ("graph_schema", "loaders", "synthetic", "engine")
ENGINE_LAYERS: tuple[tuple[str, ...], ...] = (
    ("engine.results", "engine.context", "engine.kernels", "engine.options"),
    ("engine.models", "engine.retrieval"),
    ("engine.features",),
    ("engine.fairness",),
    ("engine.settings", "engine.runtime"),
    ("engine.training", "engine.matching"),
    ("engine.explain",),
    ("engine.decisions",),
    ("engine.allocation",),
    ("engine.evaluation",),
    ("engine.audit",),
    ("engine.console", "engine.api"),
    ("engine.server",),
    ("engine.bench",),
    ("engine.cli",),
    ("engine",),
)


def _layer(module: str) -> tuple[int, str]:
    """(rank, layer name) of a module: its engine subpackage's layer, else its top package's."""
    parts = module.split(".")
    if parts[0] != "engine":
        return TOP_LAYERS.index(parts[0]), parts[0]
    name = ".".join(parts[:2])
    for rank, names in enumerate(ENGINE_LAYERS):
        if name in names:
            return len(TOP_LAYERS) + rank, name
    raise AssertionError(f"{name} is in no layer of ENGINE_LAYERS: add it where it belongs")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, imported module) of every import that runs, at any depth."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:  # ``from engine import console`` imports engine.console
                sub = f"{node.module}.{alias.name}"
                folder = ROOT / sub.replace(".", "/")
                is_module = folder.is_dir() or folder.with_suffix(".py").is_file()
                yield node.lineno, sub if is_module else node.module
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        stack.extend(ast.iter_child_nodes(node))


def upward_imports() -> list[str]:
    found = []
    for top in TOP_LAYERS:
        for path in sorted((ROOT / top).rglob("*.py")):
            module = _module_name(path)
            rank, name = _layer(module)
            for line, target in _imports(ast.parse(path.read_text(encoding="utf-8"))):
                if target.split(".")[0] not in TOP_LAYERS:
                    continue  # the standard library and third parties
                to_rank, to_name = _layer(target)
                if to_name != name and to_rank >= rank:
                    where = path.relative_to(ROOT)
                    found.append(f"{where}:{line} {module} -> {target} ({name} -> {to_name})")
    return found


def test_every_import_points_down() -> None:
    assert upward_imports() == []


def test_the_check_sees_an_upward_import_inside_a_function(tmp_path: Path) -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from engine.api import MatchingEngine\n"
        "def f():\n    from engine.audit.run import audit\n"
    )
    found = sorted(target for _, target in _imports(ast.parse(source)))
    assert found == ["engine.audit.run", "typing"]
    assert _layer("engine.audit.run")[0] > _layer("engine.models.scorer")[0]
