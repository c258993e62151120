"""Fairness metrics: exact values on hand-computed examples, and each metric vs the core."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.fairness.metrics import (
    UNKNOWN_GROUP,
    demographic_parity_difference,
    demographic_parity_difference_at_k,
    equal_opportunity_difference,
    equal_opportunity_difference_at_k,
    exposure,
    exposure_at_k,
    group_metrics,
    impact_ratio,
    impact_ratio_at_k,
    intersect,
    selection_rate,
    selection_rate_at_k,
    true_positive_rate,
)
from graph_schema.errors import ConfigError

#            f  f  f  f  m  m  m  m  m  m
SELECTED = [1, 0, 0, 0, 1, 1, 1, 0, 0, 0]
QUALIFIED = [1, 1, 0, 0, 1, 1, 0, 0, 0, 1]
GENDER = ["f"] * 4 + ["m"] * 6


def test_selection_rate_impact_ratio_parity() -> None:
    rates = selection_rate(SELECTED, sensitive_features=GENDER)
    # f: 1 of 4 = 0.25; m: 3 of 6 = 0.5; overall 4 of 10
    assert rates.by_group == {"f": 0.25, "m": 0.5}
    assert rates.counts == {"f": 4, "m": 6}
    assert rates.overall == 0.4
    assert impact_ratio(SELECTED, sensitive_features=GENDER) == 0.5  # 0.25 / 0.5: fails 4/5 rule
    assert demographic_parity_difference(SELECTED, sensitive_features=GENDER) == 0.25


def test_equal_opportunity_difference() -> None:
    # qualified f rows 0, 1 -> selected 1, 0 -> TPR 1/2
    # qualified m rows 4, 5, 9 -> selected 1, 1, 0 -> TPR 2/3;  difference 2/3 - 1/2 = 1/6
    tpr = true_positive_rate(SELECTED, QUALIFIED, sensitive_features=GENDER)
    assert tpr.by_group == {"f": 0.5, "m": pytest.approx(2 / 3)}
    assert equal_opportunity_difference(
        SELECTED, QUALIFIED, sensitive_features=GENDER
    ) == pytest.approx(1 / 6)


def test_intersections_and_empty_groups() -> None:
    features = {"gender": ["f", "f", "f", "m", "m", "m"], "age": ["y", "o", "o", "y", "y", "o"]}
    selected = [1, 0, 1, 1, 0, 0]
    rates = selection_rate(selected, sensitive_features=features, groups=[("nb", "y")])
    # (f,y): [1] -> 1; (f,o): [0,1] -> 0.5; (m,y): [1,0] -> 0.5; (m,o): [0] -> 0; (nb,y): empty
    assert {g: v for g, v in rates.by_group.items() if g != ("nb", "y")} == {
        ("f", "y"): 1.0,
        ("f", "o"): 0.5,
        ("m", "y"): 0.5,
        ("m", "o"): 0.0,
    }
    assert math.isnan(rates.by_group[("nb", "y")]) and rates.counts[("nb", "y")] == 0
    # the empty group is left out: min 0 / max 1
    assert (rates.ratio(), rates.difference()) == (0.0, 1.0)
    # the same through tuples of labels
    tuples = list(zip(features["gender"], features["age"]))
    assert selection_rate(selected, sensitive_features=tuples).by_group == {
        k: v for k, v in rates.by_group.items() if k != ("nb", "y")
    }


def test_tuple_of_selections_is_one_column() -> None:
    assert impact_ratio((1, 0, 1, 1), sensitive_features=("f", "f", "m", "m")) == 0.5


def test_zero_rates_and_single_group() -> None:
    nobody = selection_rate([0, 0, 0], sensitive_features=["f", "m", "m"])
    assert math.isnan(nobody.ratio())  # undefined, not 1
    assert nobody.difference() == 0.0
    one = selection_rate([1, 0], sensitive_features=["f", "f"])
    assert (one.ratio(), one.difference()) == (1.0, 0.0)
    # a group without qualified rows has no TPR and is left out of the difference
    tpr = true_positive_rate([1, 0, 1], [1, 0, 0], sensitive_features=["f", "m", "m"])
    assert tpr.by_group["f"] == 1.0 and math.isnan(tpr.by_group["m"])
    assert tpr.difference() == 0.0
    empty = selection_rate([], sensitive_features=[])
    assert empty.by_group == {} and math.isnan(empty.overall) and math.isnan(empty.ratio())


def test_named_metrics_equal_the_core() -> None:
    rng = np.random.default_rng(0)
    selected = rng.integers(0, 2, 500)
    groups = rng.choice(["a", "b", "c"], 500).tolist()
    core = group_metrics(selected, sensitive_features=groups, metric=np.mean)
    named = selection_rate(selected, sensitive_features=groups)
    assert named.by_group == pytest.approx(core.by_group)
    assert impact_ratio(selected, sensitive_features=groups) == pytest.approx(
        min(core.by_group.values()) / max(core.by_group.values())
    )


def test_exposure() -> None:
    ranks = [1, 2, 3, 4, 0]  # 0: unranked, exposure 0
    groups = ["f", "m", "f", "m", "f"]
    # discounts 1/log2(2)=1, 1/log2(3)=0.63093, 1/log2(4)=0.5, 1/log2(5)=0.43068, 0
    result = exposure(ranks, sensitive_features=groups)
    assert result.by_group["f"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert result.by_group["m"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / 2)


RANKINGS = {"r1": ["a", "b", "c", "d"], "r2": ["c", "a", "e"]}
GROUPS = {"a": "f", "b": "m", "c": "f", "d": "m"}  # e has no label: UNKNOWN_GROUP


def test_selection_at_k_over_rankings() -> None:
    # k=1 selects a (r1) and c (r2). f appearances a, c, c, a -> 2/4; m b, d -> 0/2; e -> 0/1
    rates = selection_rate_at_k(RANKINGS, 1, sensitive_features=GROUPS)
    assert rates.by_group == {"f": 0.5, "m": 0.0, UNKNOWN_GROUP: 0.0}
    assert impact_ratio_at_k(RANKINGS, 1, sensitive_features=GROUPS) == 0.0
    # k=2 with e labelled m: f a, c, c, a -> 3/4 selected; m b, d, e -> 1/3; ratio (1/3)/(3/4)
    labelled = {**GROUPS, "e": "m"}
    assert impact_ratio_at_k(RANKINGS, 2, sensitive_features=labelled) == pytest.approx(4 / 9)
    assert demographic_parity_difference_at_k(
        RANKINGS, 2, sensitive_features=labelled
    ) == pytest.approx(3 / 4 - 1 / 3)


def test_equal_opportunity_at_k() -> None:
    relevance = {"r1": {"a": 3, "b": 2, "c": 0, "d": 2}, "r2": {"c": 2, "a": 1, "e": 0}}
    # k=2, qualified (grade >= 2): r1 a (f, sel), b (m, sel), d (m, not); r2 c (f, sel)
    # TPR f = 2/2, m = 1/2 -> difference 0.5
    value = equal_opportunity_difference_at_k(RANKINGS, relevance, 2, sensitive_features=GROUPS)
    assert value == 0.5


def test_exposure_at_k_and_intersect() -> None:
    # r1 discounts 1, 1/log2 3, 1/2, 1/log2 5; r2 1, 1/log2 3, 1/2; k=2 zeroes ranks 3+
    # f: a(r1) 1, c(r1) 0, c(r2) 1, a(r2) 1/log2 3 -> mean (2 + 1/log2 3) / 4
    result = exposure_at_k(RANKINGS, sensitive_features=GROUPS, k=2)
    assert result.by_group["f"] == pytest.approx((2 + 1 / math.log2(3)) / 4)
    assert result.by_group["m"] == pytest.approx((1 / math.log2(3) + 0) / 2)
    both = intersect(GROUPS, {"a": "y", "b": "o"})
    assert both == {"a": ("f", "y"), "b": ("m", "o"), "c": ("f", UNKNOWN_GROUP), "d": ("m", UNKNOWN_GROUP)}  # fmt: skip
    rates = selection_rate_at_k(RANKINGS, 1, sensitive_features=both)
    assert rates.by_group[("f", "y")] == 0.5  # a: selected in r1, not in r2


def test_parameter_errors() -> None:
    with pytest.raises(ConfigError) as info:
        selection_rate([1, 0], sensitive_features=["f"])
    assert str(info.value) == (
        "The 'sensitive_features' parameter of group_metrics must be aligned with the values"
        " (2 rows). Got '[1] rows' instead."
    )
    with pytest.raises(ConfigError) as info:
        selection_rate_at_k(RANKINGS, 0, sensitive_features=GROUPS)
    assert str(info.value) == (
        "The 'k' parameter of selection_rate_at_k must be an int >= 1. Got 0 instead."
    )


def test_joined_labels_the_intersection_and_marks_missing_as_unknown() -> None:
    from engine.fairness.metrics import joined

    gender = {"c1": "female", "c2": "male"}
    age = {"c1": "25-34", "c3": "55-64"}
    assert joined(gender, age) == {
        "c1": "female|25-34",
        "c2": "male|unknown",
        "c3": "unknown|55-64",
    }
    assert joined(age) == age and joined() == {}
