"""Skills a candidate's own words mention: a candidate x skill matrix read from text.

Profiles carry skills that are nowhere in their ``skills`` list: a summary says "ten years of
wound care", a headline "Kubernetes admin". A recruiter reading the profile counts them.
``mentioned_skills`` finds every skill whose preferred name or an alias occurs in a
candidate's text as a whole-word phrase (case- and punctuation-insensitive,
``PhraseFinder``), so the lexical coverage feature (``lex_required_mentioned``) can count a
required skill as present when the profile says it in words.

Example:
    >>> phrases = skill_phrases(store)                                   # doctest: +SKIP
    >>> m = mentioned_skills(texts["Candidate"], phrases, exported.ids["Skill"])  # doctest: +SKIP
    >>> m.shape == (len(texts["Candidate"]), len(exported.ids["Skill"]))  # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from engine.features.lexical import PhraseFinder
from loaders.pyg_export import IdMap
from loaders.stores.base import GraphStore


def skill_phrases(store: GraphStore) -> dict[str, list[str]]:
    """``{skill id: [preferred name, *aliases]}`` from the store's Skill nodes."""
    return {r["id"]: [r["name"] or "", *(r["aliases"] or [])] for r in store.run("skill_names")}


def mentioned_skills(
    texts: Sequence[str], phrases: Mapping[str, Sequence[str | None]], skills: IdMap
) -> sp.csr_matrix:
    """Rows of ``texts`` x ``skills``: 1 where the text names the skill (by name or alias).

    Args:
        texts: one text per candidate, in the export's order.
        phrases: ``{skill id: [name, *aliases]}`` (``skill_phrases``); ids not in ``skills``
            are ignored.
        skills: the export's Skill id map (the columns).
    """
    finder = PhraseFinder({s: names for s, names in phrases.items() if s in skills})
    rows: list[int] = []
    cols: list[int] = []
    for row, text in enumerate(texts):
        for skill in finder.find(text):
            rows.append(row)
            cols.append(skills.index_of(skill))
    matrix = sp.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(skills)), dtype=np.float64
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    matrix.sort_indices()
    return matrix
