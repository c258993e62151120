"""Text baselines (engine/evaluation/text_baselines.py) on hand-built exports.

Each case is small enough to work out on paper: a handful of candidates and roles with
plain texts, INTERACTED edges given as (candidate, role, stage), and skill edges.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
import torch
from torch_geometric.data import HeteroData

from engine.evaluation.text_baselines import (
    Bm25Scorer,
    SkillJaccardScorer,
    TfidfLogRegPairwise,
    TfidfLogRegPerRole,
    free_texts,
    skill_phrases,
)
from engine.features.lexical import PhraseFinder, tfidf_space
from engine.models.corpus import graph_texts
from graph_schema.edge_types import INTERACTED
from graph_schema.errors import ConfigError, NotTrainedError
from graph_schema.relationships import INTERACTION_TYPES
from loaders.pyg_export import ExportedGraph, IdMap, export_graph
from loaders.stores.ladybug import LadybugStore


def _export(
    candidates: Sequence[str],
    roles: Sequence[str],
    interactions: Sequence[tuple[str, str, str]] = (),
    skills: Sequence[str] = (),
    has_skill: Sequence[tuple[str, str]] = (),
    requires: Sequence[tuple[str, str]] = (),
) -> ExportedGraph:
    """A minimal export: id maps, INTERACTED (one-hot stages) and skill edges."""
    ids = {"Candidate": IdMap("Candidate", candidates), "Role": IdMap("Role", roles)}
    if skills:
        ids["Skill"] = IdMap("Skill", skills)
    data = HeteroData()
    for label, id_map in ids.items():
        data[label].num_nodes = len(id_map)
    if interactions:
        index = [[ids["Candidate"].index_of(c) for c, _, _ in interactions]]
        index.append([ids["Role"].index_of(r) for _, r, _ in interactions])
        attr = [
            [float(stage == kind) for kind in INTERACTION_TYPES] for _, _, stage in interactions
        ]
        data[INTERACTED].edge_index = torch.tensor(index)
        data[INTERACTED].edge_attr = torch.tensor(attr)
        data[INTERACTED].edge_attr_names = [f"type={kind}" for kind in INTERACTION_TYPES]
    for src, rel, pairs in (
        ("Candidate", "HAS_SKILL", has_skill),
        ("Role", "REQUIRES_SKILL", requires),
    ):
        if pairs:
            index = [
                [ids[src].index_of(a) for a, _ in pairs],
                [ids["Skill"].index_of(s) for _, s in pairs],
            ]
            data[src, rel, "Skill"].edge_index = torch.tensor(index)
    return ExportedGraph(data=data, ids=ids)


# Candidates c1..c7 (sorted ids = text order), roles r1 (nursing hires), r2 (software
# hires), r3 (no positive: the cosine fallback). Role texts of r1 and r2 are neutral, so only
# the history says what each wants.
NURSING_CANDIDATES = ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]
CANDIDATE_TEXTS = [
    "intensive care nurse triage wards",  # c1: hired for r1
    "emergency nurse triage medication",  # c2: shortlisted for r1
    "python developer backend services",  # c3: hired for r2
    "python engineer cloud services",  # c4: interviewed for r2
    "warehouse forklift driver",  # c5: rejected by r1
    "triage nurse for emergency wards",  # c6: new, like r1's hires
    "forklift warehouse operative",  # c7: new, like r1's rejection
]
ROLE_TEXTS = ["open position", "open position", "warehouse forklift lead"]
HISTORY = [
    ("c1", "r1", "HIRED"),
    ("c2", "r1", "SHORTLISTED"),
    ("c3", "r2", "HIRED"),
    ("c4", "r2", "INTERVIEWED"),
    ("c5", "r1", "REJECTED"),
]


@pytest.fixture(scope="module")
def history() -> ExportedGraph:
    return _export(NURSING_CANDIDATES, ["r1", "r2", "r3"], HISTORY)


def _per_role(
    exported: ExportedGraph, seed: int = 0, role_texts: Sequence[str] = ROLE_TEXTS
) -> TfidfLogRegPerRole:
    return TfidfLogRegPerRole(seed=seed, min_df=1, ngram_range=(1, 1)).fit(
        exported, CANDIDATE_TEXTS, role_texts
    )


def test_per_role_ranks_like_past_hires_first(history: ExportedGraph) -> None:
    lr = _per_role(history)
    assert lr.fitted_.tolist() == [True, True, False]
    c6_r1, c7_r1, c6_r2, c3_r1, c3_r2 = lr.score_pairs(
        ["c6", "c7", "c6", "c3", "c3"], ["r1", "r1", "r2", "r1", "r2"]
    )
    assert c6_r1 > c7_r1  # a role query: resembles r1's hires vs its rejection
    assert c6_r1 > c6_r2 and c3_r2 > c3_r1  # candidate queries: the right role first
    assert 0.5 < c6_r1 < 1 and 0 < c7_r1 < 0.5  # balanced-prior probabilities


def test_per_role_fallback_is_platt_scaled_cosine(history: ExportedGraph) -> None:
    role_texts = ["nurse triage", "python developer", ROLE_TEXTS[2]]
    lr = _per_role(history, role_texts=role_texts)
    weight, bias = lr.platt_
    assert weight > 0  # hires share words with their role's text, the rejection does not
    _, x_cand, x_role = tfidf_space(CANDIDATE_TEXTS, role_texts, min_df=1, ngram_range=(1, 1))
    cosine = (x_cand @ x_role.T).toarray()[:, 2]  # every candidate against r3
    expected = 1 / (1 + np.exp(-(weight * cosine + bias)))
    np.testing.assert_allclose(lr.score_pairs(NURSING_CANDIDATES, ["r3"] * 7), expected, rtol=1e-5)
    c7, c1 = lr.score_pairs(["c7", "c1"], ["r3", "r3"])
    assert c7 > c1  # "forklift warehouse" matches r3's text


def test_pairwise_learns_which_shared_terms_matter() -> None:
    # Roles say "python team" / "nurse team"; hires share the skill word with their role,
    # rejections share only "team". Held out: c7 shares "python" among many other words,
    # c8 shares only "team" in a short text, so its plain cosine is the higher one.
    candidates = [f"c{i}" for i in range(1, 9)]
    texts = [
        "python developer",
        "python backend",
        "nurse wards",
        "nurse triage",
        "team player",
        "team spirit",
        "python scripting alongside many other assorted unrelated hobbies",
        "team",
    ]
    roles = ["python team", "nurse team"]
    history = [
        ("c1", "r1", "HIRED"),
        ("c2", "r1", "SHORTLISTED"),
        ("c3", "r2", "HIRED"),
        ("c4", "r2", "OFFERED"),
        ("c5", "r1", "REJECTED"),
        ("c6", "r2", "REJECTED"),
        ("c5", "r2", "REJECTED"),
        ("c6", "r1", "REJECTED"),
    ]
    exported = _export(candidates, ["r1", "r2"], history)
    _, x_cand, x_role = tfidf_space(texts, roles, min_df=1, ngram_range=(1, 1))
    cosine = (x_cand @ x_role.T).toarray()
    assert cosine[7, 0] > cosine[6, 0]  # keyword cosine prefers the "team" text
    model = TfidfLogRegPairwise(seed=0, sampled_negatives=0.0, c=10.0, min_df=1, ngram_range=(1, 1))
    scores = model.fit(exported, texts, roles).score_pairs(["c7", "c8"], ["r1", "r1"])
    assert scores[0] > scores[1]


def test_bm25_matches_hand_computation() -> None:
    exported = _export(["c1", "c2", "c3"], ["r1"])
    scores = (
        Bm25Scorer()
        .fit(exported, ["apple banana", "apple apple cherry", "durian"], ["apple cherry"])
        .score_pairs(["c1", "c2", "c3"], ["r1"] * 3)
    )
    # N = 3, lengths 2, 3, 1 (avgdl 2); df apple 2, cherry 1; k1 1.2, b 0.75
    idf_apple, idf_cherry = math.log(1 + 1.5 / 2.5), math.log(1 + 2.5 / 1.5)

    def term(tf: float, length: float) -> float:
        return tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / 2))

    expected = [
        idf_apple * term(1, 2),
        idf_apple * term(2, 3) + idf_cherry * term(1, 3),
        0.0,
    ]
    np.testing.assert_allclose(scores, expected, rtol=1e-12)
    assert scores[1] > scores[0] > scores[2]


def test_skill_jaccard_finds_aliases_in_text() -> None:
    exported = _export(
        ["c1", "c2", "c3"],
        ["r1"],
        skills=["ml", "py", "sql"],
        has_skill=[("c1", "py"), ("c3", "ml")],
        requires=[("r1", "py"), ("r1", "sql")],
    )
    names = {"py": ["Python", "py"], "sql": ["SQL", "structured query language"], "ml": [None]}
    texts = [
        "Wrote Structured-Query Language reports daily",  # c1: + sql (alias, punctuation)
        "Reads spy novels",  # c2: 'py' is not a word of 'spy'
        "PYTHON for models",  # c3: + py (case-insensitive)
    ]
    scorer = SkillJaccardScorer().fit(exported, texts, names)
    scores = scorer.score_pairs(["c1", "c2", "c3"], ["r1"] * 3)
    np.testing.assert_allclose(scores, [1.0, 0.0, 1 / 3])  # {py,sql}; {}; {ml,py} vs {py,sql}
    assert scorer.n_text_skills_ == 2


def test_phrase_finder_keeps_cpp_apart_from_c() -> None:
    finder = PhraseFinder({"cpp": ["C++"], "c": ["C"], "ds": ["data science"]})
    assert finder.find("Modern C++ and data-science") == {"cpp", "ds"}
    assert finder.find("c and data") == {"c"}


def test_same_seed_same_scores(history: ExportedGraph) -> None:
    cands = [c for c in NURSING_CANDIDATES for _ in range(3)]
    roles = ["r1", "r2", "r3"] * 7
    np.testing.assert_array_equal(
        _per_role(history).score_pairs(cands, roles), _per_role(history).score_pairs(cands, roles)
    )

    def pairwise() -> np.ndarray:
        model = TfidfLogRegPairwise(seed=3, min_df=1)
        return model.fit(history, CANDIDATE_TEXTS, ROLE_TEXTS).score_pairs(cands, roles)

    np.testing.assert_array_equal(pairwise(), pairwise())


def test_clear_errors(history: ExportedGraph) -> None:
    with pytest.raises(NotTrainedError, match="not fitted"):
        Bm25Scorer().score_pairs(["c1"], ["r1"])
    with pytest.raises(ConfigError, match="one text per Role id"):
        Bm25Scorer().fit(history, CANDIDATE_TEXTS, ROLE_TEXTS[:2])
    with pytest.raises(ConfigError, match="no usable text"):
        TfidfLogRegPairwise().fit(history, [""] * 7, [""] * 3)


def test_all_four_on_the_tiny_store(tiny_store_ro: LadybugStore) -> None:
    exported = export_graph(tiny_store_ro)
    texts = graph_texts(tiny_store_ro, exported)
    cand, role = texts["Candidate"], texts["Role"]
    scorers = [
        TfidfLogRegPerRole(seed=0, min_df=1).fit(exported, cand, role),
        TfidfLogRegPairwise(seed=0, min_df=1).fit(exported, cand, role),
        Bm25Scorer().fit(exported, cand, role),
        SkillJaccardScorer().fit(
            exported, free_texts(tiny_store_ro, exported)[0], skill_phrases(tiny_store_ro)
        ),
    ]
    for scorer in scorers:
        # r3 (Python Developer) wants python, git, cloud: c5 holds all three, c8 none;
        # c5 is also r3's past hire
        c5, c8 = scorer.score_pairs(["c5", "c8"], ["r3", "r3"])
        assert np.isfinite([c5, c8]).all() and c5 > c8, type(scorer).__name__
    # c5 also holds javascript (and its text names nothing more): 3 shared of 4
    assert scorers[3].score_pairs(["c5"], ["r3"])[0] == pytest.approx(0.75)
