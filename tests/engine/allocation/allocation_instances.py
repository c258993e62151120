"""Random small allocation instances for the property tests of the exact solver and of the
NSGA-II search (hypothesis): candidates, role capacities and unique (candidate, role) arcs
with scores."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def arcs(
    draw: st.DrawFn,
    max_candidates: int,
    max_roles: int,
    max_capacity: int,
    decimals: int | None = None,
) -> tuple[int, list[int], list[tuple[int, int]], list[float]]:
    """``(candidates, capacity per role, arcs, scores)``; scores in [0, 1], rounded to
    ``decimals`` when given."""
    n_c = draw(st.integers(1, max_candidates))
    n_r = draw(st.integers(1, max_roles))
    cap = draw(st.lists(st.integers(0, max_capacity), min_size=n_r, max_size=n_r))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n_c - 1), st.integers(0, n_r - 1)),
            unique=True,
            max_size=n_c * n_r,
        )
    )
    score = st.floats(0, 1, allow_nan=False)
    if decimals is not None:
        score = score.map(lambda x: round(x, decimals))
    scores = draw(st.lists(score, min_size=len(pairs), max_size=len(pairs)))
    return n_c, cap, pairs, scores
