"""Resolving references between tables: by id, else by normalised name or alias, else create.

A candidate may name a skill by id (``esco:...``) or by text (``"Python "``, ``"python"``);
both resolve to the same node. A reference that matches nothing creates a node whose id
and name are the reference as written, and the import report counts it.

Example:
    >>> r = Resolver()
    >>> r.add("Skill", "py", ["Python", "python3"])
    >>> r.resolve("Skill", "PYTHON3"), r.resolve("Skill", "Rust"), dict(r.created)
    ('py', 'Rust', {'Skill': {'Rust': 'Rust'}})
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z+#]+")
REJECTED_REF = "{what} {ref!r} was rejected at {where}"
REMOVED_REF = "{what} {ref!r} was removed by this import ({where})"


@lru_cache(maxsize=1 << 17)  # names repeat (skills, employers): one regex pass per distinct name
def normalise(name: str) -> str:
    """Case-, accent-width- and punctuation-insensitive form of a name (keeps + and #: C++, C#)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return _NON_WORD.sub(" ", text).strip()


class Resolver:
    """Known ids and names per label; creates nodes for unmatched references."""

    def __init__(self) -> None:
        self._ids: dict[str, set[str]] = defaultdict(set)
        self._names: dict[str, dict[str, str]] = defaultdict(dict)
        self.created: dict[str, dict[str, str]] = defaultdict(dict)
        # id -> where its row was rejected ("candidates.jsonl line 17"), for ids not known
        # otherwise; and ids this import removes (a profile updated to show a minor).
        self._rejected: dict[str, dict[str, str]] = defaultdict(dict)
        self._rejected_names: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
        self._removed: dict[str, dict[str, str]] = defaultdict(dict)

    def add(self, label: str, node_id: str, names: Iterable[str | None] = ()) -> None:
        """Register a node; its names and aliases resolve to it (first registration wins)."""
        self._ids[label].add(node_id)
        table = self._names[label]
        for name in names:
            if name:
                table.setdefault(normalise(name), node_id)

    def knows(self, label: str, node_id: str) -> bool:
        return node_id in self._ids[label]

    def reject(
        self, label: str, node_id: str, where: str, names: Iterable[str | None] = ()
    ) -> None:
        """Remember that the row of ``node_id`` (with ``names``) was rejected at ``where``
        (first one wins), so that references to it, by id or by name, are refused."""
        if node_id not in self._ids[label]:
            self._rejected[label].setdefault(node_id, where)
            for name in names:
                if isinstance(name, str) and name.strip():
                    self._rejected_names[label].setdefault(normalise(name), (node_id, where))

    def is_removed(self, label: str, node_id: str) -> bool:
        return node_id in self._removed[label]

    def remove(self, label: str, node_id: str, where: str) -> None:
        """Forget ``node_id``: this import removes it from the graph."""
        self._ids[label].discard(node_id)
        self._removed[label][node_id] = where

    def refusal(self, label: str, ref: str, what: str) -> str | None:
        """Why ``ref`` must not be linked to (its row was rejected or removed), else None."""
        if self.find(label, ref) is not None:
            return None
        if ref in self._removed[label]:
            return REMOVED_REF.format(what=what, ref=ref, where=self._removed[label][ref])
        if ref in self._rejected[label]:
            return REJECTED_REF.format(what=what, ref=ref, where=self._rejected[label][ref])
        named = self._rejected_names[label].get(normalise(ref))
        if named is not None:
            return REJECTED_REF.format(what=what, ref=ref, where=named[1])
        return None

    def any_refused(self, label: str) -> bool:
        return bool(self._rejected[label] or self._removed[label])

    def find(self, label: str, ref: str) -> str | None:
        """The id ``ref`` names, or None (never creates)."""
        if ref in self._ids[label]:
            return ref
        return self._names[label].get(normalise(ref))

    def resolve(self, label: str, ref: str) -> str:
        """The id ``ref`` names; creates a node (id = name = ``ref``) when nothing matches."""
        found = self.find(label, ref)
        if found is not None:
            return found
        self.add(label, ref, [ref])
        self.created[label][ref] = ref
        return ref
