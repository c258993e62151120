"""The synthetic dataset generator: format, determinism, ground truth, bias knob, independence.

Scale 0.01 (200 candidates, 30 roles) runs in seconds; the bias and independence checks use
scale 0.1 (2,000 candidates, 300 roles); scale 5 is ``slow``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from graph_schema.errors import ConfigError
from loaders.records import TABLES
from synthetic import DEFAULT_BIAS, EVALUATION_DIR, GenerationSummary, generate
from synthetic.catalog import build_catalog
from synthetic.esco.fit import TrueFit
from synthetic.esco.people import draw_candidates
from synthetic.esco.truth import relevance
from synthetic.noise import PAIR_NOISE, pair_noise
from synthetic.places import build_places
from synthetic.roles import draw_roles

ADULT_BANDS = {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"}
FUNNEL = ("APPLIED", "SHORTLISTED", "INTERVIEWED", "OFFERED", "HIRED")


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate(tmp_path_factory.mktemp("seed0"), scale=0.01, seed=0, progress=False)


@pytest.fixture(scope="module")
def medium_default(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate(tmp_path_factory.mktemp("medium"), scale=0.1, seed=3, progress=False)


def test_every_line_validates(tiny: GenerationSummary) -> None:
    for stem, model in TABLES.items():
        path = tiny.out_dir / f"{stem}.jsonl"
        assert path.is_file(), stem
        for line in path.read_text(encoding="utf-8").splitlines():
            model.model_validate_json(line)


def test_counts_at_scale_001(tiny: GenerationSummary) -> None:
    manifest = json.loads((tiny.out_dir / EVALUATION_DIR / "manifest.json").read_text())
    assert tiny.counts["candidates"] == 200 and tiny.counts["roles"] == 30
    assert tiny.counts["organizations"] == 8 and tiny.counts["domains"] == 13
    assert tiny.counts["locations"] == 12 + 47 and tiny.counts["occupations"] == 15
    # 5 role queries x 100 candidates + 5 candidate queries x all 30 roles
    assert tiny.counts["ground_truth"] == 5 * 100 + 5 * 30
    assert manifest["ground_truth"]["role_queries"] == 5
    assert manifest["ground_truth"]["candidate_queries"] == 5
    assert manifest["counts"] == tiny.counts
    assert (
        manifest["has_skill"]
        == tiny.has_skill
        == sum(len(c["skills"]) for c in _rows(tiny.out_dir / "candidates.jsonl"))
    )
    assert manifest["seed"] == 0 and manifest["bias"] == DEFAULT_BIAS
    assert manifest["biased_group"] == {"attribute": "gender", "value": "female"}


def test_references_resolve(tiny: GenerationSummary) -> None:
    ids = {stem: {r["id"] for r in _rows(tiny.out_dir / f"{stem}.jsonl")}
           for stem in ("skills", "occupations", "organizations", "locations", "domains",
                        "roles", "candidates")}  # fmt: skip
    for role in _rows(tiny.out_dir / "roles.jsonl"):
        assert role["organization"] in ids["organizations"] and role["location"] in ids["locations"]
        assert role["occupation"] in ids["occupations"] and role["domain"] in ids["domains"]
        assert {s["skill"] for s in role["skills"]} <= ids["skills"]
        assert any(s["required"] for s in role["skills"]) and role["capacity"] >= 1
    for cand in _rows(tiny.out_dir / "candidates.jsonl"):
        assert {s["skill"] for s in cand["skills"]} <= ids["skills"]
        assert {e["organization"] for e in cand["experience"]} <= ids["organizations"]
        assert cand["experience"], "every candidate has at least one job"
    for edge in _rows(tiny.out_dir / "similarities.jsonl"):
        assert edge["source"] in ids["skills"] and edge["target"] in ids["skills"]
    for event in _rows(tiny.out_dir / "interactions.jsonl"):
        assert event["candidate"] in ids["candidates"] and event["role"] in ids["roles"]


def test_same_seed_same_bytes_other_seed_differs(tiny: GenerationSummary, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", scale=0.01, seed=0, progress=False)
    other = generate(tmp_path / "other", scale=0.01, seed=1, progress=False)
    for stem, path in tiny.files.items():
        assert path.read_bytes() == again.files[stem].read_bytes(), stem
    differs = [s for s in ("candidates", "roles", "interactions", "ground_truth")
               if tiny.files[s].read_bytes() != other.files[s].read_bytes()]  # fmt: skip
    assert differs == ["candidates", "roles", "interactions", "ground_truth"]


def test_no_minors_and_sensitive_values(tiny: GenerationSummary) -> None:
    people = _rows(tiny.out_dir / "candidates.jsonl")
    assert {p["sensitive"]["age_band"] for p in people} <= ADULT_BANDS
    assert {p["sensitive"]["gender"] for p in people} <= {"female", "male", "non-binary"}
    countries = {r["id"] for r in _rows(tiny.out_dir / "locations.jsonl") if r["kind"] == "country"}
    assert {p["sensitive"]["nationality"] for p in people} <= countries


def test_ground_truth_rows(tiny: GenerationSummary) -> None:
    rows = _rows(tiny.files["ground_truth"])
    assert {tuple(r) for r in rows} == {
        ("direction", "query", "candidate", "role", "fit", "relevance")
    }
    for r in rows:
        assert r["query"] == (r["role"] if r["direction"] == "role" else r["candidate"])
        assert 0.0 <= r["fit"] <= 1.0
        assert r["relevance"] == int(relevance(np.array([r["fit"]]))[0])
    pools = Counter((r["direction"], r["query"]) for r in rows)
    assert len(pools) == 10
    pairs = [(r["direction"], r["query"], r["candidate"], r["role"]) for r in rows]
    assert len(pairs) == len(set(pairs)), "no item twice in a pool"
    best = defaultdict(float)
    for r in rows:
        best[(r["direction"], r["query"])] = max(best[(r["direction"], r["query"])], r["fit"])
    assert all(v >= 0.5 for k, v in best.items() if k[0] == "role"), "top candidates are pooled"


def test_ground_truth_pairs_absent_from_interactions(tiny: GenerationSummary) -> None:
    truth = {(r["candidate"], r["role"]) for r in _rows(tiny.files["ground_truth"])}
    events = {(r["candidate"], r["role"]) for r in _rows(tiny.files["interactions"])}
    assert events and not truth & events


def test_funnel_order_and_actors(medium_default: GenerationSummary) -> None:
    per_pair: dict[tuple[str, str], dict[str, datetime]] = defaultdict(dict)
    rows = _rows(medium_default.files["interactions"])
    times = [datetime.fromisoformat(r["at"]) for r in rows]
    assert times == sorted(times), "rows are in UTC order"
    assert max(times) < datetime.fromisoformat("2025-07-01T00:00:00+00:00")
    for r in rows:
        assert r["actor"] == ("candidate" if r["type"] in ("APPLIED", "WITHDREW") else "recruiter")
        at = datetime.fromisoformat(r["at"])
        assert at.tzinfo is not None
        assert r["type"] not in per_pair[(r["candidate"], r["role"])], "one event per stage"
        per_pair[(r["candidate"], r["role"])][r["type"]] = at
    kinds = Counter()
    for events in per_pair.values():
        assert "APPLIED" in events
        reached = [events[s] for s in FUNNEL if s in events]
        assert reached == sorted(reached) and len(reached) == len(
            [s for s in FUNNEL if s in events]
        )
        assert [s for s in FUNNEL if s in events] == list(FUNNEL[: len(reached)]), (
            "no skipped stage"
        )
        for end in ("REJECTED", "WITHDREW"):
            if end in events:
                assert events[end] > max(reached)
        assert not ("REJECTED" in events and "WITHDREW" in events)
        kinds.update(events.keys())
    assert {"SHORTLISTED", "INTERVIEWED", "OFFERED", "HIRED", "REJECTED", "WITHDREW"} <= set(kinds)


def _impact_ratio(summary: GenerationSummary) -> float:
    gender = {c["id"]: c["sensitive"]["gender"] for c in _rows(summary.files["candidates"])}
    applied, shortlisted = Counter(), Counter()
    for r in _rows(summary.files["interactions"]):
        if r["type"] == "APPLIED":
            applied[gender[r["candidate"]]] += 1
        elif r["type"] == "SHORTLISTED":
            shortlisted[gender[r["candidate"]]] += 1
    return (shortlisted["female"] / applied["female"]) / (shortlisted["male"] / applied["male"])


def test_bias_knob(medium_default: GenerationSummary, tmp_path: Path) -> None:
    fair = generate(tmp_path / "fair", scale=0.1, seed=3, bias=0.0, progress=False)
    assert 0.85 <= _impact_ratio(fair) <= 1.15
    assert _impact_ratio(medium_default) < 0.8
    assert _impact_ratio(medium_default) == pytest.approx(
        medium_default.shortlist_impact_ratio, abs=1e-3
    )
    manifest = json.loads((medium_default.out_dir / EVALUATION_DIR / "manifest.json").read_text())
    assert (
        manifest["shortlist"]["impact_ratio_female_male"] == medium_default.shortlist_impact_ratio
    )


def test_sensitive_attributes_independent_of_true_fit(medium_default: GenerationSummary) -> None:
    manifest = json.loads((medium_default.out_dir / EVALUATION_DIR / "manifest.json").read_text())
    by_group = manifest["fit_by_group"]  # 200,000 random pairs
    assert max(by_group["gender"].values()) - min(by_group["gender"].values()) < 0.01
    assert max(by_group["age_band"].values()) - min(by_group["age_band"].values()) < 0.015
    people = {c["id"]: c["sensitive"] for c in _rows(medium_default.files["candidates"])}
    fits: dict[str, list[float]] = defaultdict(list)
    for r in _rows(medium_default.files["ground_truth"]):
        if r["direction"] == "role":  # pools are chosen by fit, never by gender
            fits[people[r["candidate"]]["gender"]].append(r["fit"])
    assert abs(np.mean(fits["female"]) - np.mean(fits["male"])) < 0.03


def test_fit_paths_agree_and_noise_is_a_function() -> None:
    rng = np.random.default_rng(7)
    cat = build_catalog(10, rng)
    places = build_places(8, cat.occupation_domain, rng)
    roles = draw_roles(40, cat, places, rng)
    people = draw_candidates(300, cat, places, np.ones(len(cat.occupations)), rng)
    fit = TrueFit(cat, people, roles, places, seed=7)
    m = fit.skill_matrix(roles=np.arange(roles.n))
    assert np.allclose(fit.combine(m.row, m.col, m.data), fit.pairs(m.row, m.col), atol=1e-12)
    block = np.array([0, 5, 9])
    m = fit.skill_matrix(candidates=block)
    assert np.allclose(m.data, fit.skills(block[m.row], m.col), atol=1e-12)
    c, r = np.arange(300), np.arange(300) % 40
    assert np.array_equal(pair_noise(7, c, r), pair_noise(7, c, r))
    assert np.abs(pair_noise(7, c, r)).max() <= PAIR_NOISE
    assert not np.array_equal(pair_noise(7, c, r), pair_noise(8, c, r))


def test_relevance_cuts() -> None:
    assert relevance(np.array([0.0, 0.3499, 0.35, 0.5, 0.6499, 0.65, 1.0])).tolist() == [
        0, 0, 1, 2, 2, 3, 3,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"scale": 0},
            "The 'scale' parameter of generate must be a float in (0, 100]. Got 0 instead.",
        ),
        ({"seed": -1}, "The 'seed' parameter of generate must be an int >= 0. Got -1 instead."),
        (
            {"bias": 2.0},
            "The 'bias' parameter of generate must be a float in [-1, 1]. Got 2.0 instead.",
        ),
    ],
)
def test_bad_parameters(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        generate(tmp_path, progress=False, **kwargs)
    assert str(error.value) == message


@pytest.mark.slow
def test_scale_5_has_over_a_million_skill_edges(tmp_path: Path) -> None:
    summary = generate(tmp_path, scale=5, seed=0, progress=False)
    assert summary.counts["candidates"] == 100_000 and summary.counts["roles"] == 15_000
    assert summary.has_skill > 1_000_000
    assert summary.seconds < 180
