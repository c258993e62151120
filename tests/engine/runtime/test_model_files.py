"""Model files cannot run code: the scorer is JSON and plain arrays, loaded back exactly, and
every tampered, truncated, malformed or pickled file is refused with an error naming it.

The tampered files carry a live payload: a pickle whose ``__reduce__`` creates a marker
file (the test first shows that unpickling it does create the marker). Loading the model
must refuse the file and the marker must not exist afterwards.
"""

from __future__ import annotations

import json
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.models.model_files import NOT_WEIGHTS, read_weights
from engine.models.scorer import MeritScorer
from engine.models.scorer_files import PICKLED_ARRAYS, load_scorer
from engine.options import TrainOptions
from engine.results import TrainReport
from engine.runtime.model import MatchModel
from engine.runtime.versions import begin, publish
from graph_schema.errors import ModelFileError

RETRAIN = "; run `talentgraph train` again"


class Payload:
    """Unpickling this creates ``marker``: what an attacker's tampered model file does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _problem(seed: int = 0, n: int = 600, width: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, width))
    X[rng.random(X.shape) < 0.1] = np.nan
    signal = np.nan_to_num(X[:, 0], nan=0.2) + 0.5 * np.nan_to_num(X[:, 1], nan=0.9)
    y = (signal + 0.3 * rng.normal(size=n) > 0.75).astype(int)
    return X, y


def _inputs(seed: int, n: int = 3000, width: int = 5) -> np.ndarray:
    """Random rows beyond the training range, a fifth of the values missing."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-0.5, 1.5, (n, width))
    X[rng.random(X.shape) < 0.2] = np.nan
    X[:50] = np.nan  # whole rows missing
    return X


@pytest.fixture(scope="module")
def scorers() -> dict[str, MeritScorer]:
    X, y = _problem()
    names = tuple(f"f{i}" for i in range(X.shape[1]))
    return {
        kind: MeritScorer(seed=0, calibration=kind, max_iter=40, feature_names=names).fit(X, y)
        for kind in ("platt", "isotonic")
    }


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """The payload's marker, after proving that unpickling the payload does create it."""
    path = tmp_path / "MARKER"
    pickle.loads(pickle.dumps(Payload(path))).close()
    assert path.exists()
    path.unlink()
    return path


@pytest.fixture
def model_dir(tmp_path: Path, scorers: dict[str, MeritScorer]) -> Path:
    """A published model directory holding a small model (scorers, no NexusGNN)."""
    root = tmp_path / "models"
    work = begin(root)
    MatchModel(
        directory=work,
        version="tg-test",
        options=TrainOptions(progress=False),
        seed=0,
        scorer=scorers["platt"],
        nexus=None,
        report=TrainReport(version="tg-test"),
        cold_scorer=scorers["isotonic"],
    ).save()
    publish(root, work, "tg-test")
    return root


# -- the scorer round trip ----------------------------------------------------------------
@pytest.mark.parametrize("kind", ["platt", "isotonic"])
def test_loaded_scorer_scores_exactly_as_the_saved_one(
    kind: str, scorers: dict[str, MeritScorer], tmp_path: Path
) -> None:
    scorer = scorers[kind]
    json_path, npz_path = scorer.save(tmp_path / "scorer")
    assert (json_path.name, npz_path.name) == ("scorer.json", "scorer.npz")
    loaded = MeritScorer.load(tmp_path / "scorer")
    for seed in range(3):
        X = _inputs(seed)
        assert np.array_equal(loaded.decision_function(X), scorer.decision_function(X))
        assert np.array_equal(loaded.predict(X), scorer.predict(X))
    assert loaded.feature_names_ == scorer.feature_names_ == tuple(f"f{i}" for i in range(5))
    assert (loaded.calibration, loaded.max_iter, loaded.n_features_in_) == (kind, 40, 5)
    # SHAP still explains the rebuilt trees exactly
    explainer = loaded.explainer()
    X = _inputs(9, n=100)
    values = np.asarray(explainer.shap_values(X))
    base = float(np.ravel(explainer.expected_value)[0])
    np.testing.assert_allclose(values.sum(axis=1) + base, loaded.decision_function(X), atol=1e-9)


def test_model_directory_round_trip(model_dir: Path, scorers: dict[str, MeritScorer]) -> None:
    model = MatchModel.load(model_dir)
    assert model.directory.parent.name == "versions" and model.cache_dir == model_dir
    X = _inputs(4)
    assert np.array_equal(model.scorer.predict(X), scorers["platt"].predict(X))
    assert np.array_equal(model.cold_scorer.predict(X), scorers["isotonic"].predict(X))
    assert sorted(p.name for p in model.directory.iterdir()) == [
        "manifest.json",
        "scorer.json",
        "scorer.npz",
        "scorer_cold.json",
        "scorer_cold.npz",
    ]


# -- pickles are refused, never run ----------------------------------------------------------
def _version(model_dir: Path) -> Path:
    return (model_dir / "CURRENT").resolve()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("scorer.npz", f"{PICKLED_ARRAYS}{RETRAIN}"),
        ("scorer_cold.npz", f"{PICKLED_ARRAYS}{RETRAIN}"),
        ("scorer.json", "is not readable JSON ("),
        ("manifest.json", "is not readable JSON ("),
        ("nexus.pt", f"{NOT_WEIGHTS}{RETRAIN}"),
        ("adapter.pt", f"{NOT_WEIGHTS}{RETRAIN}"),
    ],
)
def test_a_pickle_in_place_of_a_model_file_is_refused_and_never_run(
    model_dir: Path, marker: Path, name: str, reason: str
) -> None:
    path = _version(model_dir) / name
    path.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(ModelFileError) as found:
        MatchModel.load(model_dir)
    assert str(found.value).startswith(f"model file {path} {reason}")
    assert str(found.value).endswith(RETRAIN)
    assert not marker.exists()


@pytest.mark.parametrize("name", ["nexus.pt", "adapter.pt"])
def test_a_torch_file_holding_an_object_is_refused_and_never_run(
    model_dir: Path, marker: Path, name: str
) -> None:
    path = _version(model_dir) / name
    torch.save({"weight": torch.zeros(2), "hook": Payload(marker)}, path)
    message = f"model file {path} {NOT_WEIGHTS}{RETRAIN}"
    with pytest.raises(ModelFileError, match=f"^{re.escape(message)}$"):
        MatchModel.load(model_dir)
    assert not marker.exists()


def test_an_npz_holding_an_object_array_is_refused_and_never_run(
    model_dir: Path, marker: Path
) -> None:
    path = _version(model_dir) / "scorer.npz"
    arrays = dict(np.load(path))
    arrays["value"] = np.array([Payload(marker)], dtype=object)
    np.savez(path, **arrays)
    message = f"model file {path} {PICKLED_ARRAYS}{RETRAIN}"
    with pytest.raises(ModelFileError, match=f"^{re.escape(message)}$"):
        MatchModel.load(model_dir)
    assert not marker.exists()


def test_the_old_scorer_pkl_is_refused_with_a_request_to_retrain(
    tmp_path: Path, model_dir: Path, marker: Path
) -> None:
    # a store trained by an older talentgraph: one folder, pickled scorers
    old = tmp_path / "old-models"
    old.mkdir()
    manifest = json.loads((_version(model_dir) / "manifest.json").read_text())
    (old / "manifest.json").write_text(json.dumps(manifest))
    for name in ("scorer.pkl", "scorer_cold.pkl"):
        (old / name).write_bytes(pickle.dumps(Payload(marker)))
    assert MatchModel.exists(old)
    message = (
        f"the model in {old} has scorer.pkl, a pickle written by an older talentgraph; a "
        "pickle can run code when it is read, so it is not loaded. Run `talentgraph train` again"
    )
    with pytest.raises(ModelFileError, match=f"^{re.escape(message)}$"):
        MatchModel.load(old)
    # the same name inside a version folder is refused too
    (_version(model_dir) / "scorer.pkl").write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(ModelFileError, match="has scorer.pkl, a pickle"):
        MatchModel.load(model_dir)
    assert not marker.exists()


def test_read_weights_refuses_a_plain_pickle(tmp_path: Path, marker: Path) -> None:
    path = tmp_path / "w.pt"
    path.write_bytes(pickle.dumps({"w": Payload(marker)}))
    with pytest.raises(ModelFileError, match=re.escape(f"model file {path} {NOT_WEIGHTS}")):
        read_weights(path)
    assert not marker.exists()
    for damaged in (b"garbage", b""):
        path.write_bytes(damaged)
        with pytest.raises(ModelFileError, match=re.escape(f"model file {path} is not a")):
            read_weights(path)


# -- truncated, garbage, malformed --------------------------------------------------------------
def test_truncated_and_garbage_npz_are_clear_errors(model_dir: Path) -> None:
    path = _version(model_dir) / "scorer.npz"
    whole = path.read_bytes()
    for damaged in (whole[: len(whole) // 2], whole[:100], b"\x00garbage" * 50, b""):
        path.write_bytes(damaged)
        with pytest.raises(ModelFileError) as found:
            MatchModel.load(model_dir)
        assert str(found.value).startswith(f"model file {path} ")
        assert str(found.value).endswith(RETRAIN)
    np.save(path.with_suffix(".npy"), np.zeros(3))
    path.write_bytes(path.with_suffix(".npy").read_bytes())
    with pytest.raises(ModelFileError, match="holds a single ndarray, not an NPZ archive"):
        MatchModel.load(model_dir)
    path.unlink()
    with pytest.raises(ModelFileError, match=re.escape(f"model file {path} is missing{RETRAIN}")):
        MatchModel.load(model_dir)


def _rewrite(path: Path, **changes: np.ndarray) -> None:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
    arrays = dict(np.load(path, allow_pickle=False))
    arrays.update(changes)
    for name, value in changes.items():
        if value is None:
            del arrays[name]
    np.savez(path, **arrays)


def _columns(model_dir: Path) -> dict[str, np.ndarray]:
    return dict(np.load(_version(model_dir) / "scorer.npz", allow_pickle=False))


def test_npz_with_wrong_dtypes_shapes_or_indices_is_a_clear_error(model_dir: Path) -> None:
    path = _version(model_dir) / "scorer.npz"
    original = _columns(model_dir)
    first_inner = int(np.flatnonzero(~original["is_leaf"])[0])
    size = int(original["tree_sizes"][0])

    def edited(name: str, edit) -> np.ndarray:
        column = original[name].copy()
        edit(column)
        return column

    cases = {
        "lacks the array 'threshold'": {"threshold": None},
        "array 'left' is float64[": {"left": original["left"].astype(np.float64)},
        "array 'value' is float64[": {"value": original["value"][:, None]},
        "has node columns of different lengths": {"count": original["count"][:-1]},
        "has tree_sizes summing to": {"tree_sizes": original["tree_sizes"][:-1]},
        f"tree 0 has a left child index outside (node, {size})": {
            "left": edited("left", lambda c: c.__setitem__(first_inner, 10**9))
        },
        f"tree 0 has a right child index outside (node, {size})": {
            "right": edited("right", lambda c: c.__setitem__(first_inner, first_inner))
        },
        "tree 0 has a node with two parents (not a tree)": {
            "right": edited(
                "right", lambda c: c.__setitem__(first_inner, original["left"][first_inner])
            )
        },
        "tree 0 splits on a feature outside [0, 5)": {
            "feature": edited("feature", lambda c: c.__setitem__(first_inner, 5))
        },
        "tree 0 has a NaN split threshold": {
            "threshold": edited("threshold", lambda c: c.__setitem__(first_inner, np.nan))
        },
        "tree 0 has a non-finite leaf value or a negative count": {
            "value": edited("value", lambda c: c.__setitem__(0, np.inf))
        },
    }
    for reason, change in cases.items():
        np.savez(path, **original)
        _rewrite(path, **change)
        with pytest.raises(ModelFileError) as found:
            MatchModel.load(model_dir)
        assert str(found.value).startswith(f"model file {path} {reason}"), str(found.value)
        assert str(found.value).endswith(RETRAIN)
    np.savez(path, **original)
    MatchModel.load(model_dir)  # the untouched arrays load again


def test_json_with_wrong_shapes_or_types_is_a_clear_error(model_dir: Path) -> None:
    path = _version(model_dir) / "scorer.json"
    original = json.loads(path.read_text())

    def variant(**changes) -> dict:
        meta = json.loads(json.dumps(original))
        meta.update(changes)
        return meta

    cases = {
        "has format 'talentgraph.merit-scorer/0', expected": variant(
            format="talentgraph.merit-scorer/0"
        ),
        "has 6 features but feature names": variant(n_features_in=6),
        "has n_features_in='5'; expected int": variant(n_features_in="5"),
        "has baseline=None; expected float": variant(baseline=None),
        "has params.max_iter='40'; expected int": variant(
            params={**original["params"], "max_iter": "40"}
        ),
        "has params {": variant(params={"seed": 0}),
        "has calibration {'kind': 'isotonic'": variant(calibration={"kind": "isotonic"}),
        "has coef=None; expected float": variant(calibration={"kind": "platt"}),
    }
    for reason, meta in cases.items():
        path.write_text(json.dumps(meta))
        with pytest.raises(ModelFileError) as found:
            MatchModel.load(model_dir)
        assert str(found.value).startswith(f"model file {path} {reason}"), str(found.value)
    manifest = _version(model_dir) / "manifest.json"
    path.write_text(json.dumps(original))
    manifest.write_text(json.dumps({"version": "tg-test", "seed": "0"}))
    with pytest.raises(ModelFileError, match=re.escape(f"{manifest} has seed='0'; expected int")):
        MatchModel.load(model_dir)


def test_isotonic_thresholds_are_checked(model_dir: Path) -> None:
    path = _version(model_dir) / "scorer_cold.npz"
    arrays = dict(np.load(path, allow_pickle=False))
    arrays["iso_y"] = arrays["iso_y"][:-1]
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match="has isotonic thresholds of shapes"):
        load_scorer(path.with_suffix(""))
