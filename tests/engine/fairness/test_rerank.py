"""Re-ranking (FA*IR, DetGreedy, DetCons, DetRelaxed, DetConstSort) and Skew@k / NDKL.

Reference values from the FA*IR paper and its reference tests, examples traced by hand in the
comments, an enumeration oracle for the fail probability, and property tests of the prefix
minimums on random rankings.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.fairness.metrics import ndkl, skew_at_k
from engine.fairness.rerank import (
    METHODS,
    adjusted_alpha,
    det_cons,
    det_const_sort,
    det_greedy,
    det_relaxed,
    fa_ir,
    fail_probability,
    fair_minimums,
    rerank,
    target_from_pool,
)
from graph_schema.errors import ConfigError

DET = {"det_greedy": det_greedy, "det_cons": det_cons, "det_relaxed": det_relaxed}
DET["det_const_sort"] = det_const_sort
PROPERTY = settings(max_examples=200, deadline=None)


# ------------------------------------------------------------------ FA*IR tables
def test_fair_minimums_reference_tables() -> None:
    assert fair_minimums(10, 0.2, 0.15, adjust=False).tolist() == [0] * 8 + [1, 1]
    # (10, 0.2, 0.15): the unadjusted table already fails with 0.134 <= 0.15: no adjustment
    assert adjusted_alpha(10, 0.2, 0.15) == 0.15
    assert fair_minimums(10, 0.2, 0.15).tolist() == [0] * 8 + [1, 1]
    unadjusted = fair_minimums(20, 0.25, 0.1, adjust=False)
    assert unadjusted.tolist() == [0] * 8 + [1] * 6 + [2] * 5 + [3]
    assert adjusted_alpha(20, 0.25, 0.1) == 0.078125  # exactly: 0.1 * 25/32
    assert fair_minimums(20, 0.25, 0.1).tolist() == [0] * 8 + [1] * 7 + [2] * 5


def test_fair_minimums_paper_table_2() -> None:
    # Zehlike et al. Table 2 (p = 0.5, alpha = 0.1, unadjusted): first 1, 2, 3 at 4, 7, 9
    table = fair_minimums(20, 0.5, 0.1, adjust=False).tolist()
    assert [table.index(m) + 1 for m in (1, 2, 3)] == [4, 7, 9]
    assert table[:10] == [0, 0, 0, 1, 1, 1, 2, 2, 3, 3]


def test_fair_minimums_strict_test_at_equality() -> None:
    # p = 0.5, alpha = 0.25: F(0; 2, 0.5) = 0.25 exactly; the paper's test needs F > alpha,
    # so 0 protected of 2 fails and the minimum is 1 (scipy's ppf would say 0)
    assert fair_minimums(2, 0.5, 0.25, adjust=False).tolist() == [0, 1]


def _fail_by_enumeration(table: list[int], p: float) -> float:
    total = 0.0
    for draws in itertools.product((0, 1), repeat=len(table)):
        counts = np.cumsum(draws)
        if np.any(counts < table):
            c = sum(draws)
            total += p**c * (1 - p) ** (len(draws) - c)
    return total


def test_fail_probability_by_hand_and_by_enumeration() -> None:
    # [0, 1], p = 0.5: fails only when both draws are unprotected: 0.25
    assert fail_probability([0, 1], 0.5) == pytest.approx(0.25)
    # [1], p = 0.3: fails when the one draw is unprotected: 0.7
    assert fail_probability(np.array([1]), 0.3) == pytest.approx(0.7)
    for k, p, alpha in [(10, 0.5, 0.1), (12, 0.25, 0.1), (9, 0.7, 0.2)]:
        table = fair_minimums(k, p, alpha, adjust=False).tolist()
        assert fail_probability(table, p) == pytest.approx(_fail_by_enumeration(table, p))


def test_adjustment_brings_the_fail_probability_close_to_alpha() -> None:
    unadjusted = fair_minimums(20, 0.25, 0.1, adjust=False)
    adjusted = fair_minimums(20, 0.25, 0.1)
    # 20 tests at 0.1 each reject 14.7% of random rankings; the adjusted table 10.5%, the
    # table just below it ([0]*9 + [1]*6 + [2]*5) 9.0%: 10.5% is closer to 10%
    assert fail_probability(unadjusted, 0.25) == pytest.approx(0.146887, abs=1e-6)
    assert fail_probability(adjusted, 0.25) == pytest.approx(0.105152, abs=1e-6)
    below = np.array([0] * 9 + [1] * 6 + [2] * 5)
    assert fail_probability(below, 0.25) == pytest.approx(0.089722, abs=1e-6)


# ------------------------------------------------------------------------- FA*IR
SCORES = [100, 90, 80, 70, 60, 50, 40, 30, 20, 10]


def test_fa_ir_by_hand() -> None:
    # protected: indices 5..9 (scores 50..10); table (p=0.5, alpha=0.1, unadjusted)
    # [0,0,0,1,1,1,2,2,3,3]. Place 1-3: minimum 0, best heads 0, 1, 2. Place 4: needs 1 -> 5.
    # Place 5, 6: met, 3 (70) and 4 (60) beat 6 (40). Place 7: needs 2 -> 6. The others are
    # used up: 7, 8, 9.
    protected = [i >= 5 for i in range(10)]
    chosen = fa_ir(SCORES, protected, 10, p=0.5, alpha=0.1, adjust=False)
    assert chosen.tolist() == [0, 1, 2, 5, 3, 4, 6, 7, 8, 9]
    result = rerank("fair", SCORES, None, 10, protected=protected, p=0.5, adjust=False)
    assert result.indices.tolist() == chosen.tolist()
    assert (result.minimums_met, result.first_unmet, result.alpha) == (True, None, 0.1)


def test_fa_ir_with_too_few_protected_says_so() -> None:
    # one protected candidate (index 9) for (k=10, p=0.5): the table asks for 1 by place 4
    # (met: 9 moves up) and 2 by place 7 (cannot be met)
    protected = [i == 9 for i in range(10)]
    result = rerank("fair", SCORES, None, 10, protected=protected, p=0.5, adjust=False)
    assert result.indices.tolist() == [0, 1, 2, 9, 3, 4, 5, 6, 7, 8]
    assert (result.minimums_met, result.first_unmet) == (False, 7)
    nobody = rerank("fair", SCORES, None, 5, protected=[False] * 10, p=0.5)
    assert nobody.indices.tolist() == [0, 1, 2, 3, 4]
    assert nobody.minimums_met is False


def test_fa_ir_default_p_is_the_protected_share_of_the_qualified_pool() -> None:
    protected = [i >= 5 for i in range(10)]
    qualified = [True] * 4 + [False] * 6  # no protected candidate is qualified: p = 0
    plain = rerank("fair", SCORES, None, 4, protected=protected, qualified=qualified)
    assert plain.indices.tolist() == [0, 1, 2, 3]
    pool = rerank("fair", SCORES, None, 10, protected=protected)  # p = 0.5
    explicit = rerank("fair", SCORES, None, 10, protected=protected, p=0.5)
    assert pool.indices.tolist() == explicit.indices.tolist()


# ------------------------------------------------------------------------- Det*
GROUPS = list("rrrrbbbbbr")
HALF = {"r": 0.5, "b": 0.5}
AB = {"a": 0.5, "b": 0.5}


def test_det_const_sort_reference_example() -> None:
    # r: 100 90 80 70 10, b: 60 50 40 30 20; target 0.5/0.5, k = 6.
    # i=2: floor 1 each: r100 (last place 2), b60 (2): [100, 60].
    # i=4: floor 2: r90 (4) appended at place 3; moving 60 to place 3 would pass its last
    #      place 2, so 90 stays: [100, 60, 90]; b50 (4): [100, 60, 90, 50].
    # i=6: r80 (6): 50 may not move to place 5; b40: [100, 60, 90, 50, 80, 40].
    # (The off-by-one of some ports lets 90 pass 60: 100, 90, 60, ... breaks prefix 2.)
    chosen = det_const_sort(SCORES, GROUPS, HALF, 6)
    assert [SCORES[i] for i in chosen] == [100, 60, 90, 50, 80, 40]
    assert chosen.tolist() == [0, 4, 1, 5, 2, 6]


def test_det_greedy_can_break_a_minimum() -> None:
    # target a 1/6, b 1/3, c 1/3, d 1/6; one candidate each: d 40, a 30, c 20, b 10.
    # DetGreedy: place 1, nobody due (floors 0), all below their max (ceil 1): best, d.
    # Place 2: floors 0; below max a, b, c: best, a. Place 3: floor(3/3) = 1 for both b and c:
    # two groups due at one place; c (20) goes, b misses prefix 3.
    scores, groups = [30, 10, 20, 40], ["a", "b", "c", "d"]
    target = {"a": 1 / 6, "b": 1 / 3, "c": 1 / 3, "d": 1 / 6}
    greedy = rerank("det_greedy", scores, groups, 4, target=target)
    assert greedy.indices.tolist() == [3, 0, 2, 1]
    assert (greedy.minimums_met, greedy.first_unmet) == (False, 3)
    # DetCons looks ahead: place 1 goes to the group due soonest, ceil(p)/p = 3 for b and c
    # (the better head, c), place 2 to b (3 against 6 for a and d), then d (40), a.
    cons = rerank("det_cons", scores, groups, 4, target=target)
    assert cons.indices.tolist() == [2, 1, 3, 0]
    assert cons.minimums_met is True
    # DetRelaxed: keys ceil(ceil(i p)/p) are 3, 3 / 3 / 6, 6: the same here
    assert det_relaxed(scores, groups, target, 4).tolist() == [2, 1, 3, 0]


def test_groups_outside_the_target_and_target_groups_without_candidates() -> None:
    # "x" is not in the target: placed only when no target group can take the place
    scores, groups = [50, 40, 30, 20, 10], ["x", "r", "x", "b", "r"]
    for name, algorithm in DET.items():
        chosen = algorithm(scores, groups, HALF, 5)
        assert [groups[i] for i in chosen][:3] == ["r", "b", "r"], name
        assert sorted(chosen.tolist()) == [0, 1, 2, 3, 4], name
    # "b" has no candidates: its minimum breaks at prefix 2, the others still rank by score
    only_r = rerank("det_const_sort", [3, 2, 1], ["r", "r", "r"], 3, target=HALF)
    assert only_r.indices.tolist() == [0, 1, 2]
    assert (only_r.minimums_met, only_r.first_unmet) == (False, 2)


def test_ties_go_to_the_lower_index_and_runs_repeat() -> None:
    scores, groups = [1.0] * 6, list("ababab")
    for name in DET:
        first = rerank(name, scores, groups, 4, target=AB).indices
        assert first.tolist() == [0, 1, 2, 3], name
        assert rerank(name, scores, groups, 4, target=AB).indices.tolist() == first.tolist()
    assert fa_ir(scores, [g == "b" for g in groups], 4, p=0.5).tolist() == [0, 1, 2, 3]


def test_rerank_dispatch_and_default_target() -> None:
    assert target_from_pool(GROUPS) == {"r": 0.5, "b": 0.5}
    qualified = [True] * 6 + [False] * 4  # r r r r b b
    assert target_from_pool(GROUPS, qualified) == {"r": 4 / 6, "b": 2 / 6}
    for name, algorithm in DET.items():
        result = rerank(name, SCORES, GROUPS, 6)
        assert result.indices.tolist() == algorithm(SCORES, GROUPS, HALF, 6).tolist()
        assert result.target == HALF
    none = rerank("none", SCORES, GROUPS, 3)
    assert none.indices.tolist() == [0, 1, 2]
    assert (none.minimums_met, none.first_unmet) == (False, 2)  # no b in the top 2
    assert rerank("none", SCORES, None, 3).minimums_met is None
    assert rerank("det_cons", [], [], 3).indices.tolist() == []


def test_nobody_qualified_falls_back_to_the_whole_pool() -> None:
    nobody = [False] * 10
    assert rerank("det_cons", SCORES, GROUPS, 6, qualified=nobody).target == HALF
    protected = [g == "b" for g in GROUPS]
    assert (
        rerank("fair", SCORES, GROUPS, 6, protected=protected, qualified=nobody).indices.tolist()
        == rerank("fair", SCORES, GROUPS, 6, protected=protected, p=0.5).indices.tolist()
    )


def test_shares_times_places_count_as_the_integer_they_mean() -> None:
    # target a 0.29: prefix 100 needs 29 a's, though the float 0.29 * 100 is 28.999999999999996.
    # The j-th a (j = 1..28) sits where floor(i * 0.29) first reaches j, ceil(j / 0.29), so
    # prefixes 1..99 are met; the 29th a is at place 101, so prefix 100 is the first unmet.
    assert 0.29 * 100 < 29
    places = {math.ceil(j / 0.29) for j in range(1, 29)} | {101}
    groups = ["a" if i in places else "b" for i in range(1, 102)]
    scores = list(range(101, 0, -1))
    result = rerank("none", scores, groups, 100, target={"a": 0.29, "b": 0.71})
    assert (result.minimums_met, result.first_unmet) == (False, 100)


def test_parameter_errors_name_the_parameter() -> None:
    with pytest.raises(ConfigError) as e:
        fair_minimums(0, 0.2, 0.1)
    assert str(e.value) == "The 'k' parameter of fair_minimums must be an int >= 1. Got 0 instead."
    with pytest.raises(ConfigError) as e:
        fa_ir(SCORES, [True] * 10, 3, p=1.0)
    assert str(e.value) == "The 'p' parameter of fa_ir must be a float in (0, 1). Got 1.0 instead."
    with pytest.raises(ConfigError, match="The 'alpha' parameter of adjusted_alpha must be"):
        adjusted_alpha(10, 0.5, 0.0)
    with pytest.raises(ConfigError) as e:
        det_cons(SCORES, GROUPS, {"r": 0.5, "b": 0.4}, 3)
    assert str(e.value) == (
        "The 'target' parameter of det_cons must be a non-empty mapping of group -> share in"
        " [0, 1] summing to 1 (within 1e-06). Got {'r': 0.5, 'b': 0.4} instead."
    )
    with pytest.raises(ConfigError) as e:
        det_greedy(SCORES, GROUPS[:9], HALF, 3)
    assert str(e.value) == (
        "The 'groups' parameter of det_greedy must be aligned with the scores (10 rows)."
        " Got '9 rows' instead."
    )
    with pytest.raises(ConfigError, match="The 'method' parameter of rerank must be one of"):
        rerank("fairest", SCORES, GROUPS, 3)
    with pytest.raises(ConfigError, match="The 'protected' parameter of rerank"):
        rerank("fair", SCORES, GROUPS, 3)
    with pytest.raises(ConfigError, match="The 'scores' parameter of det_relaxed"):
        det_relaxed([1.0, math.nan], ["r", "b"], HALF, 1)
    with pytest.raises(ConfigError, match="The 'mtable' parameter of fail_probability"):
        fail_probability([2], 0.5)  # 2 protected in a prefix of 1


# ------------------------------------------------------------------ properties
@st.composite
def pools(draw: st.DrawFn, max_groups: int) -> tuple[list[int], list[str], dict[str, float], int]:
    """Random scores (with ties), a random target and a shuffled pool where every target group
    has at least floor(k * p_g) candidates; sometimes extra candidates outside the target."""
    names = "abcde"[: draw(st.integers(2, max_groups))]
    weights = draw(st.lists(st.integers(1, 6), min_size=len(names), max_size=len(names)))
    target = {g: w / sum(weights) for g, w in zip(names, weights)}
    k = draw(st.integers(1, 25))
    groups = []
    for g in names:
        groups += [g] * (math.floor(k * target[g] + 1e-9) + draw(st.integers(0, 3)))
    groups += ["x"] * draw(st.integers(0, 2))
    groups = draw(st.permutations(groups))
    scores = draw(st.lists(st.integers(0, 20), min_size=len(groups), max_size=len(groups)))
    return scores, groups, target, k


def _first_short_prefix(ranked: list[str], target: dict[str, float]) -> int | None:
    counts = dict.fromkeys(target, 0)
    for i, group in enumerate(ranked, start=1):
        if group in counts:
            counts[group] += 1
        if any(counts[g] < math.floor(i * p + 1e-9) for g, p in target.items()):
            return i
    return None


def _check_selection(chosen: np.ndarray, scores: list[int], groups: list, k: int) -> None:
    """min(k, n) distinct indices; within a group, the group's best, best first."""
    assert len(chosen) == min(k, len(scores))
    assert len(set(chosen.tolist())) == len(chosen)
    assert all(0 <= i < len(scores) for i in chosen)
    for g in set(groups):
        mine = [i for i in chosen.tolist() if groups[i] == g]
        best = sorted((i for i in range(len(scores)) if groups[i] == g), key=lambda i: -scores[i])
        assert sorted(scores[i] for i in mine) == sorted(scores[i] for i in best[: len(mine)])
        assert [scores[i] for i in mine] == sorted((scores[i] for i in mine), reverse=True)


@PROPERTY
@given(pools(max_groups=5))
def test_det_cons_relaxed_const_sort_meet_every_prefix(pool) -> None:
    scores, groups, target, k = pool
    for name in ("det_cons", "det_relaxed", "det_const_sort"):
        chosen = DET[name](scores, groups, target, k)
        _check_selection(chosen, scores, groups, k)
        assert _first_short_prefix([groups[i] for i in chosen], target) is None, name
        assert rerank(name, scores, groups, k, target=target).minimums_met is True


@PROPERTY
@given(pools(max_groups=3))
def test_det_greedy_meets_every_prefix_with_up_to_three_groups(pool) -> None:
    # with 4 or more groups it can fail: test_det_greedy_can_break_a_minimum
    scores, groups, target, k = pool
    chosen = det_greedy(scores, groups, target, k)
    _check_selection(chosen, scores, groups, k)
    assert _first_short_prefix([groups[i] for i in chosen], target) is None


@PROPERTY
@given(
    st.lists(st.tuples(st.integers(0, 20), st.booleans()), max_size=30),
    st.integers(1, 25),
    st.sampled_from([0.1, 0.25, 0.5, 0.7]),
    st.sampled_from([0.05, 0.1, 0.15]),
    st.booleans(),
)
def test_fa_ir_meets_its_table_when_it_can(rows, k, p, alpha, adjust) -> None:
    scores = [s for s, _ in rows]
    protected = [f for _, f in rows]
    chosen = fa_ir(scores, protected, k, p=p, alpha=alpha, adjust=adjust)
    _check_selection(chosen, scores, protected, k)
    if not rows:
        return
    table = fair_minimums(len(chosen), p, alpha, adjust=adjust)
    counts = np.cumsum([protected[i] for i in chosen])
    result = rerank("fair", scores, None, k, protected=protected, p=p, alpha=alpha, adjust=adjust)
    assert result.minimums_met is bool(np.all(counts >= table))
    if sum(protected) >= table[-1]:
        assert np.all(counts >= table)


@PROPERTY
@given(pools(max_groups=5), st.integers(1, 30))
def test_any_pool_gives_a_valid_selection(pool, k) -> None:
    # too few candidates of some groups: no exception, a best-effort selection
    scores, groups, target, _ = pool
    scores, groups = scores[: len(scores) // 2], groups[: len(groups) // 2]
    for name in METHODS:
        protected = [g == "a" for g in groups]
        result = rerank(name, scores, groups, k, target=target, protected=protected, p=0.3)
        _check_selection(result.indices, scores, groups, k)


# --------------------------------------------------------------- Skew@k and NDKL
def test_skew_at_k_by_hand() -> None:
    ranked = ["a", "b", "a", "a"]
    # top 4: a 3/4, b 1/4 against 1/2 each: ln(1.5) = 0.405465, ln(0.5) = -0.693147
    assert skew_at_k(ranked, target=AB, group="a", k=4) == pytest.approx(math.log(1.5))
    assert skew_at_k(ranked, target=AB, group="b", k=4) == pytest.approx(-0.693147, abs=1e-6)
    assert skew_at_k(ranked, target=AB, group="a", k=2) == 0.0  # 1/2 of 2
    assert skew_at_k(ranked, target=AB, group="b", k=1) == -math.inf
    assert math.isnan(skew_at_k([], target={"a": 1.0}, group="a", k=3))
    with pytest.raises(ConfigError, match="The 'group' parameter of skew_at_k must be a group"):
        skew_at_k(ranked, target={"a": 1.0}, group="b", k=2)


def test_ndkl_by_hand() -> None:
    # [a, b]: i=1 KL((1, 0) || (.5, .5)) = ln 2, weight 1; i=2 KL = 0, weight 1/log2(3).
    # Z = 1 + 0.630930 = 1.630930; NDKL = 0.693147 / 1.630930 = 0.425001
    assert ndkl(["a", "b"], target=AB) == pytest.approx(0.425001, abs=1e-6)
    # [a, a, b, b]: KL = ln 2, ln 2, 2/3 ln(4/3) + 1/3 ln(2/3) = 0.056633, 0; weights
    # 1, 0.630930, 0.5, 0.430677 (Z = 2.561606); sum = 0.693147 * 1.630930 + 0.5 * 0.056633
    # = 1.158795; NDKL = 0.452369
    assert ndkl(list("aabb"), target=AB) == pytest.approx(0.452369, abs=1e-6)
    assert ndkl(list("aabb"), target=AB, k=2) == pytest.approx(math.log(2))
    assert ndkl(list("aaa"), target={"a": 1.0}) == 0.0
    assert ndkl(list("ax"), target={"a": 1.0}) == math.inf  # x has target share 0
    assert math.isnan(ndkl([], target=AB))
    # the DetConstSort example is closer to its target than the order by score
    plain = [GROUPS[i] for i in range(6)]
    mitigated = [GROUPS[i] for i in det_const_sort(SCORES, GROUPS, HALF, 6)]
    assert ndkl(mitigated, target=HALF) < ndkl(plain, target=HALF)


# ------------------------------------------------------------------ proportional
def test_proportional_counts_are_floor_or_ceil_and_exact_in_expectation() -> None:
    from engine.fairness.rerank import proportional

    rng = np.random.default_rng(0)
    groups = ["a"] * 60 + ["b"] * 37 + ["c"] * 3  # c is 3 % of the pool: 0.3 of a top 10
    scores = rng.random(100)
    target = {"a": 0.60, "b": 0.37, "c": 0.03}
    totals = dict.fromkeys(target, 0)
    steps = 1000
    for j in range(steps):
        out = proportional(scores, groups, target, 10, offset=j / steps)
        assert len(out) == 10 and list(out) == sorted(out, key=lambda i: (-scores[i], i))
        for g, p in target.items():
            count = sum(groups[i] == g for i in out)
            assert count in (int(np.floor(10 * p)), int(np.ceil(10 * p)))
            totals[g] += count
    for g, p in target.items():  # offsets spread evenly: exactly k * p_g on average
        assert totals[g] / steps == pytest.approx(10 * p, abs=1e-9)


def test_proportional_takes_each_groups_best_and_fills_what_a_group_cannot() -> None:
    from engine.fairness.rerank import proportional

    scores = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    groups = list("aaaaaaaabb")
    out = proportional(scores, groups, {"a": 0.5, "b": 0.5}, 6, offset=0.0).tolist()
    assert out == [0, 1, 2, 3, 8, 9]  # a's best three... and b's only two; the sixth by score
    out = proportional(scores, groups, {"a": 0.2, "b": 0.2, "x": 0.6}, 5, offset=0.0).tolist()
    assert set(out) >= {0, 8}  # one a, one b, then the best left
    with pytest.raises(ConfigError, match="offset"):
        proportional(scores, groups, {"a": 0.5, "b": 0.5}, 6, offset=1.0)


def test_request_offset_is_stable_and_spread() -> None:
    from engine.matching.recommender import request_offset

    values = [request_offset(f"r{i:05d}") for i in range(2000)]
    assert request_offset("r00001") == values[1] and all(0 <= v < 1 for v in values)
    assert abs(np.mean(values) - 0.5) < 0.03
