"""``HireHistory`` on the tiny graph with hand-made vectors: values worked out by hand.

Text vectors (unit rows, 3 dimensions) are chosen so the cosines are simple: c1 = e1,
c2 = e2, c3 = (e1 + e2) / sqrt 2, every other candidate e3; roles r1 = e1, r2 = e2, others e3.
The history: c1 hired at r1 (weight 2), c2 shortlisted at r1 (weight 1).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from engine.features.context import FeatureContext
from engine.features.history import HISTORY_FEATURES, HireHistory, Lexical, text_peers
from engine.features.lexical import tfidf_space
from loaders.import_job import ImportJob, ImportOptions
from loaders.pyg_export import export_graph
from loaders.stores.ladybug import LadybugStore

TINY = Path(__file__).parents[2] / "data" / "tiny"
COL = {name: i for i, name in enumerate(HISTORY_FEATURES)}
E = np.eye(3, dtype=np.float32)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> FeatureContext:
    with LadybugStore(tmp_path_factory.mktemp("tiny") / "store") as store:
        ImportJob(store, ImportOptions(progress=False, as_of="2025-01")).run(TINY)
        exported = export_graph(store)
    cands, roles = exported.ids["Candidate"], exported.ids["Role"]
    text_c = np.tile(E[2], (len(cands), 1))
    text_c[cands.index_of("c1")] = E[0]
    text_c[cands.index_of("c2")] = E[1]
    text_c[cands.index_of("c3")] = (E[0] + E[1]) / math.sqrt(2)
    text_r = np.tile(E[2], (len(roles), 1))
    text_r[roles.index_of("r1")] = E[0]
    text_r[roles.index_of("r2")] = E[1]
    return FeatureContext.from_export(exported, text={"Candidate": text_c, "Role": text_r})


def _history(ctx: FeatureContext, lexical: Lexical | None = None) -> HireHistory:
    c = np.array([ctx.candidates.index_of("c1"), ctx.candidates.index_of("c2")])
    r = np.full(2, ctx.roles.index_of("r1"))
    return HireHistory.build(ctx, lexical, c, r, np.array([2.0, 1.0]))


def _row(history: HireHistory, ctx: FeatureContext, cand: str, role: str) -> dict[str, float]:
    X = history.features(
        np.array([ctx.candidates.index_of(cand)]), np.array([ctx.roles.index_of(role)])
    )
    return dict(zip(HISTORY_FEATURES, X[0].tolist(), strict=True))


def test_a_candidate_beside_the_roles_past_hires(ctx: FeatureContext) -> None:
    history = _history(ctx)
    row = _row(history, ctx, "c3", "r1")
    # centroid of 2 e1 + e2 is (2, 1, 0) / sqrt 5; c3 = (1, 1, 0) / sqrt 2
    assert row["hist_text_centroid"] == pytest.approx(3 / math.sqrt(10), abs=1e-6)
    assert row["hist_text_nearest"] == pytest.approx(1 / math.sqrt(2), abs=1e-6)
    assert row["hist_role_hires"] == pytest.approx(math.log1p(3.0))
    assert row["hist_candidate_roles"] == 0.0 and math.isnan(row["hist_past_text"])
    outsider = _row(history, ctx, "c4", "r1")
    assert outsider["hist_text_centroid"] == pytest.approx(0.0, abs=1e-6)


def test_a_hire_is_not_its_own_nearest_neighbour(ctx: FeatureContext) -> None:
    row = _row(_history(ctx), ctx, "c1", "r1")
    assert row["hist_text_nearest"] == pytest.approx(0.0, abs=1e-6)  # c2 = e2 is orthogonal


def test_the_mirror_image_for_a_candidates_past_roles(ctx: FeatureContext) -> None:
    history = _history(ctx)
    row = _row(history, ctx, "c1", "r2")  # c1's past role r1 = e1, r2 = e2
    assert row["hist_past_text"] == pytest.approx(0.0, abs=1e-6)
    assert row["hist_candidate_roles"] == pytest.approx(math.log1p(1.0))
    same = _row(history, ctx, "c1", "r1")
    assert same["hist_past_text"] == pytest.approx(1.0, abs=1e-6)
    assert same["hist_past_skill"] == pytest.approx(1.0, abs=1e-6)


def test_a_role_without_hires_has_no_history_but_a_peer_centroid(ctx: FeatureContext) -> None:
    row = _row(_history(ctx), ctx, "c3", "r2")
    for name in ("hist_text_centroid", "hist_text_nearest", "hist_skill_centroid", "lex_hires"):
        assert math.isnan(row[name]), name
    assert row["hist_role_hires"] == 0.0
    # r2 = e2: its nearest other roles by text are r1 (cosine 0) and the e3 roles (0), so
    # no neighbour carries weight and the peer centroid is unknown
    assert math.isnan(row["hist_peer_text"])
    peers = text_peers(ctx.text["Role"], peers=2)
    assert peers.shape == (len(ctx.roles), len(ctx.roles)) and peers.diagonal().sum() == 0


def test_lexical_channel_is_the_tfidf_cosine(ctx: FeatureContext) -> None:
    texts_c = ["python sql data"] * len(ctx.candidates)
    texts_r = ["python data pipelines"] * len(ctx.roles)
    texts_c[ctx.candidates.index_of("c1")] = "nursing triage wards"
    _, cand_rows, role_rows = tfidf_space(texts_c, texts_r, min_df=1)
    history = _history(ctx, Lexical(cand_rows, role_rows))
    row = _row(history, ctx, "c3", "r2")
    expected = (cand_rows[ctx.candidates.index_of("c3")] @ role_rows[0].T).toarray().item()
    assert row["lex_cosine"] == pytest.approx(expected, abs=1e-6) and 0 < expected < 1
    # c1 (nursing words) and c2 (data words) were hired at r1: c3 (data words) is closer
    # to that centroid than to c1 alone
    assert 0 < _row(history, ctx, "c3", "r1")["lex_hires"] < 1


def test_without_lexical_rows_the_lexical_columns_are_unknown(ctx: FeatureContext) -> None:
    row = _row(_history(ctx), ctx, "c3", "r1")
    assert math.isnan(row["lex_cosine"]) and math.isnan(row["lex_hires"])


def test_a_query_scores_as_the_same_pairs_in_a_mixed_batch(ctx: FeatureContext) -> None:
    texts = ["python sql data nursing"] * len(ctx.candidates)
    _, cand_rows, role_rows = tfidf_space(texts, ["data nursing wards"] * len(ctx.roles), min_df=1)
    history = _history(ctx, Lexical(cand_rows, role_rows))
    n_c, n_r = len(ctx.candidates), len(ctx.roles)
    cand = np.tile(np.arange(n_c), n_r)
    role = np.repeat(np.arange(n_r), n_c)
    mixed = history.features(cand, role)  # many roles and candidates: the row-by-row path
    for r in range(n_r):  # a role query: one role, the matrix-vector path
        rows = role == r
        np.testing.assert_allclose(history.features(cand[rows], role[rows]), mixed[rows], atol=1e-6)
    for c in range(n_c):  # a candidate query: one candidate
        rows = cand == c
        np.testing.assert_allclose(history.features(cand[rows], role[rows]), mixed[rows], atol=1e-6)


def test_without_a_history_only_the_lexical_cosine_is_computed(ctx: FeatureContext) -> None:
    texts = ["python sql data nursing"] * len(ctx.candidates)
    _, cand_rows, role_rows = tfidf_space(texts, ["data nursing wards"] * len(ctx.roles), min_df=1)
    empty = np.zeros(0, np.int64)
    history = HireHistory.build(ctx, Lexical(cand_rows, role_rows), empty, empty, np.zeros(0))
    row = _row(history, ctx, "c3", "r1")
    assert 0 < row["lex_cosine"] < 1
    assert row["hist_role_hires"] == row["hist_candidate_roles"] == 0.0
    rest = [
        v
        for k, v in row.items()
        if k not in ("lex_cosine", "hist_role_hires", "hist_candidate_roles")
    ]
    assert all(math.isnan(v) for v in rest)
