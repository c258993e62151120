"""Two-sided fusion on a small ranking worked out by hand.

S_u (candidate side) = {r1: 0.9, r2: 0.2}; S_j (recruiter side) = {r2: 0.8, r3: 0.5}.
Outer join: r1, r2, r3. Dense ranks: r_u = r1 1, r2 2, r3 missing -> 3;
r_j = r2 1, r3 2, r1 missing -> 3. Missing scores are 0. M (joined length) = 3.
"""

from __future__ import annotations

import pytest

from engine.matching.fusion import METHODS, dense_ranks, fuse, min_max
from graph_schema.errors import ConfigError

SU = {"r1": 0.9, "r2": 0.2}
SJ = {"r2": 0.8, "r3": 0.5}

# method, w -> the fused scores of r1, r2, r3, computed by hand
BY_HAND = {
    ("weighted_sum", 0.5): (0.45, 0.50, 0.25),
    ("weighted_sum", 1.0): (0.90, 0.20, 0.00),
    ("weighted_sum", 0.0): (0.00, 0.80, 0.50),
    ("comb_max", 0.5): (0.90, 0.80, 0.50),
    ("comb_min", 0.5): (0.00, 0.20, 0.00),
    ("comb_sum", 0.5): (0.90, 1.00, 0.50),
    ("comb_mnz", 0.5): (0.90, 2.00, 0.50),  # r2 is in both lists
    ("rrf", 0.5): (0.5 / 61 + 0.5 / 63, 0.5 / 62 + 0.5 / 61, 0.5 / 63 + 0.5 / 62),
    ("isr", 0.5): (0.5 / 1 + 0.5 / 9, 0.5 / 4 + 0.5 / 1, 0.5 / 9 + 0.5 / 4),
    ("borda", 0.5): (0.5 * 3 + 0.5 * 1, 0.5 * 2 + 0.5 * 3, 0.5 * 1 + 0.5 * 2),
    ("borda", 0.2): (0.2 * 3 + 0.8 * 1, 0.2 * 2 + 0.8 * 3, 0.2 * 1 + 0.8 * 2),
}


@pytest.mark.parametrize(("method", "w"), list(BY_HAND))
def test_every_method_by_hand(method: str, w: float) -> None:
    fused = {item.role_id: item for item in fuse(SU, SJ, method, w=w)}
    for role, expected in zip(("r1", "r2", "r3"), BY_HAND[method, w], strict=True):
        assert fused[role].score == pytest.approx(expected, abs=1e-12)
    assert (fused["r1"].rank_u, fused["r3"].rank_u) == (1, 3)
    assert (fused["r2"].rank_j, fused["r1"].rank_j) == (1, 3)
    assert (fused["r3"].score_u, fused["r1"].score_j) == (0.0, 0.0)


def test_order_is_by_fused_score_then_role_id() -> None:
    assert [i.role_id for i in fuse(SU, SJ, "rrf")] == ["r2", "r1", "r3"]
    assert [i.role_id for i in fuse(SU, SJ, "comb_max")] == ["r1", "r2", "r3"]
    assert [i.role_id for i in fuse(SU, SJ, "comb_min")] == ["r2", "r1", "r3"]  # r1, r3 tie at 0


def test_min_max_normalisation() -> None:
    # S_u -> r1 1, r2 0; S_j -> r2 1, r3 0; weighted sum at 0.5: r1 0.5, r2 0.5, r3 0
    fused = fuse(SU, SJ, "weighted_sum", w=0.5, normalise=True)
    assert [(i.role_id, i.score) for i in fused] == [("r1", 0.5), ("r2", 0.5), ("r3", 0.0)]
    assert min_max({"a": 3.0, "b": 3.0}) == {"a": 1.0, "b": 1.0} and min_max({}) == {}


def test_dense_ranks_share_ties_and_missing_takes_the_largest_plus_one() -> None:
    assert dense_ranks({"a": 0.5, "b": 0.5, "c": 0.1}) == {"a": 1, "b": 1, "c": 2}
    fused = {i.role_id: i for i in fuse({"a": 0.5, "b": 0.5, "c": 0.1}, {"d": 1.0}, "isr")}
    assert fused["d"].rank_u == 3 and fused["a"].rank_j == 2


def test_one_sided_and_empty_lists() -> None:
    assert fuse({}, {}, "borda") == []
    only = fuse({"r1": 0.3}, {}, "weighted_sum", w=0.25)
    assert len(only) == 1 and only[0].score == pytest.approx(0.075) and only[0].rank_j == 1


def test_bad_parameters_are_named() -> None:
    with pytest.raises(ConfigError, match="'method' parameter of fuse"):
        fuse(SU, SJ, "combmax")
    for w in (-0.1, 1.5, True, "0.5"):
        with pytest.raises(ConfigError, match="'w' parameter of fuse"):
            fuse(SU, SJ, "rrf", w=w)
    assert len(METHODS) == 8
