"""The proxy world (``generate(..., proxies=STRENGTH)``) in both synthetic worlds.

Strength 0 writes the very files of a world without proxies; at the documented strength the
proxies the engine reads correlate with gender and age band, the ground truth does not move,
and the recruiter history penalises the proxies' holders. Scale 0.03 (600 candidates).
"""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import numpy as np
import pytest

from graph_schema.errors import ConfigError
from loaders.records import TABLES
from synthetic import EVALUATION_DIR, GenerationSummary, generate
from synthetic.population import REFERENCE_MONTH
from synthetic.proxies import DEFAULT_PROXY_STRENGTH, correlations, draw_proxies

FILES = [f"{stem}.jsonl" for stem in TABLES] + [
    f"{EVALUATION_DIR}/ground_truth.jsonl",
    f"{EVALUATION_DIR}/manifest.json",
]
SCALE, SEED = 0.03, 2


@pytest.fixture(scope="module", params=["esco", "careers"])
def worlds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, GenerationSummary]:
    """The same world without the argument, at strength 0 and at the default strength."""
    world = request.param
    out: dict[str, GenerationSummary] = {}
    for name, kwargs in (
        ("plain", {}),
        ("zero", {"proxies": 0.0}),
        ("proxy", {"proxies": DEFAULT_PROXY_STRENGTH}),
    ):
        out[name] = generate(
            tmp_path_factory.mktemp(f"{world}-{name}"),
            scale=SCALE,
            seed=SEED,
            progress=False,
            world=world,
            **kwargs,
        )
    return out


def _manifest(summary: GenerationSummary) -> dict:
    return json.loads(summary.files["manifest"].read_text(encoding="utf-8"))


def test_strength_zero_is_byte_identical(worlds: dict[str, GenerationSummary]) -> None:
    for name in FILES:
        plain, zero = worlds["plain"].out_dir / name, worlds["zero"].out_dir / name
        assert filecmp.cmp(plain, zero, shallow=False), name
    assert "proxies" not in _manifest(worlds["zero"])


def test_ground_truth_is_unchanged(worlds: dict[str, GenerationSummary]) -> None:
    name = f"{EVALUATION_DIR}/ground_truth.jsonl"
    assert filecmp.cmp(
        worlds["plain"].out_dir / name, worlds["proxy"].out_dir / name, shallow=False
    )
    assert _manifest(worlds["plain"])["fit_by_group"] == _manifest(worlds["proxy"])["fit_by_group"]
    # what the engine reads did change
    assert (worlds["plain"].out_dir / "candidates.jsonl").read_bytes() != (
        worlds["proxy"].out_dir / "candidates.jsonl"
    ).read_bytes()


def test_proxies_correlate_with_the_groups(worlds: dict[str, GenerationSummary]) -> None:
    proxy = _manifest(worlds["proxy"])["proxies"]
    assert proxy["strength"] == DEFAULT_PROXY_STRENGTH
    flex = proxy["flex_employers"]
    at = correlations(worlds["proxy"].files["candidates"], REFERENCE_MONTH, flex)
    at_zero = correlations(worlds["plain"].files["candidates"], REFERENCE_MONTH, flex)
    # the manifest's figures are the ones read back from the rows
    for name, by_group in at.items():
        assert proxy["correlations"][name] == by_group, name
    assert at["attendance"]["female"] < -0.2 < at_zero["attendance"]["female"]
    for name in ("career_break", "part_time", "association", "female_wording", "flex_employer"):
        assert at[name]["female"] > (at_zero[name]["female"] or 0.0) + 0.1, name
    assert at["churn_risk"]["age_18_24"] > at_zero["churn_risk"]["age_18_24"] + 0.1
    assert at["engagement"]["age_55_plus"] < at_zero["engagement"]["age_55_plus"] - 0.1
    assert proxy["correlations"]["history_penalty"]["female"] > 0.3


def test_history_penalises_proxy_holders(worlds: dict[str, GenerationSummary]) -> None:
    rates = _manifest(worlds["proxy"])["proxies"]["shortlist_rates"]
    assert rates["with_proxy"] < 0.75 * rates["without_proxy"]
    # and so, through the proxies, women more than the direct bias alone does
    assert worlds["proxy"].shortlist_impact_ratio < worlds["plain"].shortlist_impact_ratio - 0.1


def test_strength_out_of_range_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'proxies' parameter"):
        generate(tmp_path, scale=0.01, progress=False, proxies=1.5)


def test_strength_zero_draws_nothing() -> None:
    gender, band = np.array([0, 1, 0, 2]), np.array([0, 3, 5, 4])
    drawn = draw_proxies(gender, band, 0.0, 0, np.zeros(3, np.int64), np.zeros(4, np.int64))
    assert not drawn.active and not drawn.penalty.any() and not drawn.carer.any()
