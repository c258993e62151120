"""Fairness-optimised fusion on rankings worked out by hand: the two-group gap, the
Jensen-Shannon distance, DGI and DUP, and the weight search."""

from __future__ import annotations

import math

import pytest

from engine.matching.fair_fusion import (
    catalogue_reference,
    gap,
    mean_gap,
    optimise_weight,
)
from graph_schema.errors import ConfigError

COUNTRY = {"d1": "DE", "d2": "DE", "f1": "FR", "f2": "FR"}
HALF = {"DE": 0.5, "FR": 0.5}


def test_two_group_gap_by_hand() -> None:
    assert gap(["d1", "d2"], COUNTRY, HALF) == 2.0  # |1/0.5 - 0/0.5|
    assert gap(["d1", "f1"], COUNTRY, HALF) == 0.0
    # P from a candidate who applied to DE 3 times in 4: |0.5/0.75 - 0.5/0.25| = 4/3
    assert gap(["d1", "f1"], COUNTRY, {"DE": 0.75, "FR": 0.25}) == pytest.approx(4 / 3)


def test_jensen_shannon_distance_by_hand() -> None:
    # top all A against uniform thirds: m = (2/3, 1/6, 1/6);
    # KL(p||m) = log2(1.5); KL(q||m) = 1/3 * (-1) + 2/3 * 1 = 1/3; JS = mean; distance = sqrt
    groups = {"a1": "A", "a2": "A", "b": "B", "c": "C"}
    expected = math.sqrt((math.log2(1.5) + 1 / 3) / 2)
    assert gap(["a1", "a2"], groups, {"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}) == pytest.approx(
        expected
    )
    assert gap(["a1", "b", "c"], groups, {"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}) == pytest.approx(0.0)


def test_dgi_and_dup_are_means_over_candidates() -> None:
    assert catalogue_reference(COUNTRY) == HALF
    tops = {"c1": ["d1", "d2"], "c2": ["d1", "f1"]}
    assert mean_gap(tops, COUNTRY, HALF) == pytest.approx(1.0)  # (2 + 0) / 2
    past = {"c1": {"DE": 0.75, "FR": 0.25}, "c2": {"DE": 0.75, "FR": 0.25}}
    # c1: |1/0.75 - 0| = 4/3; c2: 4/3 (above)
    assert mean_gap(tops, COUNTRY, past, per_candidate=True) == pytest.approx(4 / 3)
    assert math.isnan(mean_gap(tops, COUNTRY, {"c1": {"DE": 1.0}}, per_candidate=True))


# The recruiter side prefers DE, the candidate side FR; with the weighted sum
# d1 = 0.9 - 0.7w, d2 = 0.8 - 0.7w, f1 = 0.2 + 0.7w, f2 = 0.1 + 0.7w, so the top 2 is
# {d1, f1} (gap 0) exactly for 3/7 < w < 4/7, else one country (gap 2).
SJ = {"d1": 0.9, "d2": 0.8, "f1": 0.2, "f2": 0.1}
SU = {"f1": 0.9, "f2": 0.8, "d1": 0.2, "d2": 0.1}


def test_weight_search_finds_the_even_top_and_breaks_ties_toward_prefer() -> None:
    middle = optimise_weight(SU, SJ, COUNTRY, HALF, k=2)
    assert middle.w == pytest.approx(0.5) and middle.metric == 0.0
    assert {i.role_id for i in middle.fused[:2]} == {"d1", "f1"}
    low = optimise_weight(SU, SJ, COUNTRY, HALF, k=2, prefer=0.0)
    assert low.w == pytest.approx(0.43) and low.metric == 0.0  # first grid point above 3/7
    high = optimise_weight(SU, SJ, COUNTRY, HALF, k=2, prefer=1.0)
    assert high.w == pytest.approx(0.57)  # last grid point below 4/7


def test_two_metrics_combined() -> None:
    # second reference: the candidate only ever applied to FR roles (0.9 of them): a top of
    # two FR roles is best for it; with lam = 0 only that metric counts
    fr = {"DE": 0.1, "FR": 0.9}
    choice = optimise_weight(SU, SJ, COUNTRY, HALF, k=2, second=fr, lam=0.0)
    top = {i.role_id for i in choice.fused[:2]}
    # {f1, f2}: |0/0.1 - 1/0.9| = 1.11; {d1, f1}: |0.5/0.1 - 0.5/0.9| = 4.44
    assert top == {"f1", "f2"} and choice.metric == pytest.approx(1 / 0.9)


def test_bad_parameters() -> None:
    with pytest.raises(ConfigError, match="at least 2 groups"):
        gap(["d1"], COUNTRY, {"DE": 1.0})
    with pytest.raises(ConfigError, match="share is 0"):
        gap(["d1"], COUNTRY, {"DE": 1.0, "FR": 0.0})
    with pytest.raises(ConfigError, match="grid"):
        optimise_weight(SU, SJ, COUNTRY, HALF, grid=1)
    with pytest.raises(ConfigError, match="lam"):
        optimise_weight(SU, SJ, COUNTRY, HALF, lam=2.0)
