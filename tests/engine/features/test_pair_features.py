"""Pair features (engine/features) on the tiny dataset: exact values worked out by hand.

From tests/data/tiny (README.md and the JSONL files), with the default similarity decay 0.8:

- r1 requires triage 0.9 and patient_care 0.8 (sum 1.7), optional medication 0.6.
  c1 (triage 0.9, patient_care 0.8, first_aid 0.7): required (0.9*0.9 + 0.8*0.8) / 1.7 =
  1.45 / 1.7; medication via patient_care 0.8 * 0.5 * 0.8 = 0.32.
  c3 (first_aid 0.9, triage 0.6, medication 0.5): required 0.54 / 1.7, through SIMILAR_TO
  patient_care is reached via medication 0.5 * 0.5 * 0.8 = 0.2 -> (0.54 + 0.16) / 1.7;
  triage via first_aid is 0.9 * 0.8 * 0.8 = 0.576 < 0.6, so triage stays 0.6.
- r2 requires sql 1.0 and data_analysis 0.8 (sum 1.8), optional python 0.5. c6 (ml 0.9,
  python 0.8, data_analysis 0.7): required 0.56 / 1.8; similar: sql via data_analysis
  0.7 * 0.6 * 0.8 = 0.336 -> (0.336 + 0.56) / 1.8.
- r3 (munich, remote) requires python 1.0, optional git 0.6 and cloud 0.4. c5: python 0.9;
  optional 0.8 * 0.6 + 0.5 * 0.4 = 0.68. c10 (london, remote ok) lacks python.
- Locations: c2 manchester vs r1 london -> same country uk, 0.5; c7 amsterdam vs r1 -> 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from engine.features.adhoc import adhoc_features
from engine.features.context import FeatureContext
from engine.features.labels import interaction_labels
from engine.features.pair_features import FEATURE_NAMES, pair_features
from engine.models.cf import CollaborativeFilter, interaction_matrix
from graph_schema import SCHEMA
from graph_schema.errors import ConfigError
from graph_schema.sensitive import SENSITIVE_FIELDS
from loaders.import_job import ImportJob, ImportOptions
from loaders.pyg_export import ExportedGraph, export_graph
from loaders.resolve import normalise
from loaders.stores.ladybug import LadybugStore

TINY = Path(__file__).parents[2] / "data" / "tiny"
OPTIONS = ImportOptions(progress=False, as_of="2025-01")
COL = {name: i for i, name in enumerate(FEATURE_NAMES)}


def _export(data_dir: Path, store_dir: Path) -> ExportedGraph:
    with LadybugStore(store_dir) as store:
        report = ImportJob(store, OPTIONS).run(data_dir)
        assert report.quarantined == 0, report.rejections
        return export_graph(store)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> ExportedGraph:
    return _export(TINY, tmp_path_factory.mktemp("tiny") / "store")


@pytest.fixture(scope="module")
def ctx(exported: ExportedGraph) -> FeatureContext:
    return FeatureContext.from_export(exported)


def _features(ctx: FeatureContext, pairs: list[tuple[str, str]], **kw: object) -> np.ndarray:
    cand = np.array([ctx.candidates.index_of(c) for c, _ in pairs])
    role = np.array([ctx.roles.index_of(r) for _, r in pairs])
    return pair_features(ctx, cand, role, **kw)


def _value(ctx: FeatureContext, cand: str, role: str, name: str) -> float:
    return float(_features(ctx, [(cand, role)])[0, COL[name]])


@pytest.mark.parametrize(
    ("cand", "role", "name", "expected"),
    [
        ("c1", "r1", "required_coverage", 1.45 / 1.7),
        ("c1", "r1", "required_coverage_similar", 1.45 / 1.7),
        ("c1", "r1", "optional_coverage", 0.0),
        ("c1", "r1", "optional_coverage_similar", 0.32),
        ("c1", "r1", "missing_required", 0.0),
        ("c3", "r1", "required_coverage", 0.54 / 1.7),
        ("c3", "r1", "required_coverage_similar", 0.70 / 1.7),
        ("c3", "r1", "optional_coverage", 0.5),
        ("c3", "r1", "missing_required", 1.0),
        ("c2", "r1", "required_coverage", 0.48 / 1.7),
        ("c2", "r1", "optional_coverage_similar", 0.6 * 0.5 * 0.8),
        ("c6", "r2", "required_coverage", 0.56 / 1.8),
        ("c6", "r2", "required_coverage_similar", (0.336 + 0.56) / 1.8),
        ("c6", "r2", "optional_coverage", 0.8),
        ("c4", "r2", "required_coverage", (0.9 + 0.64) / 1.8),
        ("c5", "r3", "required_coverage", 0.9),
        ("c5", "r3", "optional_coverage", 0.68),
        ("c10", "r3", "required_coverage", 0.0),
        ("c10", "r3", "missing_required", 1.0),
        ("c7", "r4", "missing_required", 0.0),
    ],
)
def test_skill_coverage_exact(
    ctx: FeatureContext, cand: str, role: str, name: str, expected: float
) -> None:
    assert _value(ctx, cand, role, name) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("cand", "role", "fit"),
    [
        ("c1", "r1", 1.0),
        ("c2", "r1", 0.5),
        ("c7", "r1", 0.0),
        ("c10", "r3", 1.0),
        ("c1", "r3", 0.0),
    ],
)
def test_location_fit(ctx: FeatureContext, cand: str, role: str, fit: float) -> None:
    assert _value(ctx, cand, role, "location_fit") == fit
    assert _value(ctx, cand, role, "location_missing") == 0.0


def test_context_matrices(ctx: FeatureContext, exported: ExportedGraph) -> None:
    s = ctx.skills.index_of
    assert ctx.similarity[s("triage"), s("first_aid")] == pytest.approx(0.8)
    assert ctx.similarity[s("first_aid"), s("triage")] == pytest.approx(0.8)  # symmetrised
    assert ctx.similarity.nnz == 20
    place = exported.ids["Location"].index_of
    c2 = ctx.candidates.index_of("c2")
    assert ctx.candidate_location[c2] == place("manchester")
    assert ctx.candidate_country[c2] == ctx.role_country[0] == place("uk")
    assert ctx.role_remote.tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
    c1 = ctx.candidates.index_of("c1")
    assert ctx.signals[c1, :4] == pytest.approx([0.9, 0.95, 0.8, 0.1])


def _oracle_similar_coverage(cand: dict, role: dict, required: bool, decay: float) -> float:
    """Coverage from the JSONL files with plain loops: the independent computation."""
    aliases = {}
    for row in map(json.loads, (TINY / "skills.jsonl").read_text().splitlines()):
        for name in [row["id"], row["name"], *row["aliases"]]:
            aliases[normalise(name)] = row["id"]
    sim: dict[tuple[str, str], float] = {}
    for row in map(json.loads, (TINY / "similarities.jsonl").read_text().splitlines()):
        sim[row["source"], row["target"]] = sim[row["target"], row["source"]] = row["weight"]
    level = {aliases[normalise(s["skill"])]: s["level"] for s in cand["skills"]}
    total = got = 0.0
    for item in role["skills"]:
        if item["required"] != required:
            continue
        skill = aliases[normalise(item["skill"])]
        best = level.get(skill, 0.0)
        for (a, b), w in sim.items():
            if b == skill and a in level:
                best = max(best, level[a] * w * decay)
        total += item["importance"]
        got += item["importance"] * best
    return got / total if total else 1.0


def test_all_pairs_match_loop_oracle(ctx: FeatureContext) -> None:
    cands = [json.loads(x) for x in (TINY / "candidates.jsonl").read_text().splitlines()]
    roles = [json.loads(x) for x in (TINY / "roles.jsonl").read_text().splitlines()]
    pairs = [(c["id"], r["id"]) for c in cands for r in roles]
    X = _features(ctx, pairs)
    for i, (c, r) in enumerate((c, r) for c in cands for r in roles):
        for req, name in ((True, "required"), (False, "optional")):
            expected = _oracle_similar_coverage(c, r, req, ctx.similarity_decay)
            assert X[i, COL[f"{name}_coverage_similar"]] == pytest.approx(expected), pairs[i]
    one_by_one = np.vstack([_features(ctx, [p]) for p in pairs])
    np.testing.assert_array_equal(X, one_by_one)


def test_no_sensitive_feature_names() -> None:
    for name in FEATURE_NAMES:
        assert not any(field in name for field in SENSITIVE_FIELDS), name
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)


def test_features_blind_to_sensitive_attributes(
    ctx: FeatureContext, exported: ExportedGraph, tmp_path: Path
) -> None:
    """Rewriting every sensitive attribute leaves the context and the features unchanged."""
    data = tmp_path / "data"
    data.mkdir()
    for path in TINY.glob("*.jsonl"):
        rows = [json.loads(x) for x in path.read_text().splitlines()]
        if path.name == "candidates.jsonl":
            for i, row in enumerate(rows):
                row["sensitive"] = {"gender": ["female", "male"][i % 2], "age_band": "65+"}
                row["sensitive"] |= {"ethnicity": f"group{i}", "disability": "yes"}
        path_out = data / path.name
        path_out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    other = FeatureContext.from_export(_export(data, tmp_path / "store"))
    pairs = [(c, r) for c in ctx.candidates.ids for r in ctx.roles.ids]
    np.testing.assert_array_equal(_features(ctx, pairs), _features(other, pairs))
    assert set(exported.ids) <= set(SCHEMA.metadata()[0])  # graph labels: none sensitive


def test_embeddings_cosine_and_missing_flags(ctx: FeatureContext, exported: ExportedGraph) -> None:
    plain = _features(ctx, [("c1", "r1")])
    assert plain[0, COL["text_cosine"]] == 0.0 and plain[0, COL["text_missing"]] == 1.0
    assert plain[0, COL["gnn_missing"]] == 1.0 and plain[0, COL["cf_cold"]] == 1.0
    cand = np.zeros((10, 2))
    cand[:, 0] = 1.0
    role = np.tile([[3.0, 4.0]], (5, 1))  # cosine with (1, 0) is 3 / 5
    with_text = FeatureContext.from_export(exported, text={"Candidate": cand, "Role": role})
    row = _features(with_text, [("c1", "r1")])
    assert row[0, COL["text_cosine"]] == pytest.approx(0.6)
    assert row[0, COL["text_missing"]] == 0.0
    with pytest.raises(ConfigError, match="one row per Candidate id"):
        FeatureContext.from_export(exported, gnn={"Candidate": cand[:3], "Role": role})
    with pytest.raises(ConfigError, match="similarity_decay"):
        FeatureContext.from_export(exported, similarity_decay=1.5)


def test_cf_feature_and_cold_start(ctx: FeatureContext, exported: ExportedGraph) -> None:
    cf = CollaborativeFilter(factors=3, seed=0).fit(interaction_matrix(exported))
    X = _features(ctx, [("c1", "r1"), ("c9", "r1")], cf=cf.score)
    assert X[0, COL["cf_cold"]] == 0.0 and X[0, COL["cf_score"]] > 0.5
    assert X[1, COL["cf_cold"]] == 1.0 and X[1, COL["cf_score"]] == 0.0  # c9 never interacted


def test_interaction_labels(exported: ExportedGraph) -> None:
    pairs = interaction_labels(exported, sampled_negatives=0.0)
    c, r = exported.ids["Candidate"].ids, exported.ids["Role"].ids
    got = {(c[i], r[j]): y for i, j, y in zip(pairs.cand_idx, pairs.role_idx, pairs.label)}
    # c3-r1 was shortlisted before being rejected: it reached a positive stage.
    positives = {("c1", "r1"), ("c3", "r1"), ("c2", "r5"), ("c4", "r2"), ("c5", "r3"), ("c7", "r4")}
    assert got == {**dict.fromkeys(positives, 1.0), ("c10", "r3"): 0.0}
    sampled = interaction_labels(exported, sampled_negatives=1.0, seed=3)
    again = interaction_labels(exported, sampled_negatives=1.0, seed=3)
    np.testing.assert_array_equal(sampled.cand_idx, again.cand_idx)
    new = sampled.take(np.flatnonzero(sampled.sampled))
    assert len(new) == 6 and not new.label.any()
    interacted = set(zip(*exported.data["Candidate", "INTERACTED", "Role"].edge_index.tolist()))
    assert not interacted & set(zip(new.cand_idx.tolist(), new.role_idx.tolist()))


def _rows() -> Iterator[dict]:
    for name in ("candidates", "roles"):
        yield {
            r["id"]: r for r in map(json.loads, (TINY / f"{name}.jsonl").read_text().splitlines())
        }


def test_adhoc_matches_graph_features(ctx: FeatureContext) -> None:
    cands, roles = _rows()
    aliases = {"patient triage": "triage", "py": "python"}
    for c, r in [("c1", "r1"), ("c3", "r1"), ("c4", "r2"), ("c5", "r3")]:
        found = adhoc_features(cands[c], roles[r], aliases=aliases, as_of="2025-01")
        graph = _features(ctx, [(c, r)])[0]
        for name in ("required_coverage", "optional_coverage", "missing_required"):
            assert found.values[name] == pytest.approx(graph[COL[name]]), (c, r, name)
        for name in ("reliability", "churn_risk", "experience_years"):
            assert found.values[name] == pytest.approx(graph[COL[name]], abs=1e-3), (c, r, name)
    c1 = adhoc_features(cands["c1"], roles["r1"], aliases=aliases, as_of="2025-01")
    assert c1.values["location_fit"] == 1.0 and c1.missing == []
    assert c1.values["cf_cold"] == 1.0 and c1.values["gnn_missing"] == 1.0


def test_adhoc_missing_fields_and_text() -> None:
    worker = {"skills": ["Python", {"skill": "SQL"}], "sensitive": {"gender": "female"}}
    job = {"title": "Analyst", "skills": [{"skill": "sql", "required": True}], "remote": True}
    found = adhoc_features(worker, job, encoder=lambda texts: np.array([[1.0, 0.0], [1.0, 1.0]]))
    assert found.values["required_coverage"] == 0.5  # unknown level counts as 0.5
    assert found.values["text_cosine"] == pytest.approx(2**-0.5)
    assert found.values["location_missing"] == 1.0 and np.isnan(found.values["reliability"])
    assert found.missing == [
        "worker.skills[0].level",
        "worker.skills[1].level",
        "job.skills[0].importance",
        "worker.location",
        "job.location",
        "worker.signals.reliability",
        "worker.signals.attendance",
        "worker.signals.engagement",
        "worker.signals.churn_risk",
        "worker.experience",
    ]
    assert found.row.shape == (len(FEATURE_NAMES),)


@pytest.mark.parametrize(
    ("cand", "role", "preferred", "country"),
    [
        ("c10", "r2", 1.0, 1.0),  # lives in London, lists Berlin
        ("c10", "r3", 0.0, 1.0),  # Munich is in Germany, where c10 lists Berlin
        ("c10", "r4", 0.0, 0.0),  # Amsterdam: not listed, nor its country
        ("c9", "r4", 1.0, 1.0),
        ("c1", "r5", 0.0, 1.0),  # Manchester, in the UK of c1's London
    ],
)
def test_location_preferences(
    tiny_store_ro: LadybugStore, cand: str, role: str, preferred: float, country: float
) -> None:
    from engine.features.preferences import read_preferred_locations

    graph = export_graph(tiny_store_ro)
    places = read_preferred_locations(tiny_store_ro, graph)
    assert places.sum() == 14  # every listed place of the ten candidates resolves
    with_prefs = FeatureContext.from_export(graph, preferred=places)
    row = pair_features(
        with_prefs,
        np.array([graph.ids["Candidate"].index_of(cand)]),
        np.array([graph.ids["Role"].index_of(role)]),
    )[0]
    col = {name: i for i, name in enumerate(FEATURE_NAMES)}
    assert (row[col["location_preferred"]], row[col["country_preferred"]]) == (preferred, country)
    without = pair_features(FeatureContext.from_export(graph), np.array([0]), np.array([0]))[0]
    assert without[col["location_preferred"]] == without[col["country_preferred"]] == 0.0
