"""ConceptEraser (LEACE): group means equal after erasure, a fresh probe is at chance, the
rest of the geometry survives, saved and loaded as plain arrays."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score

from engine.models.concept_erasure import ConceptEraser
from graph_schema.errors import ConfigError, ModelFileError, NotTrainedError


def _vectors(n: int = 1200, d: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    groups = rng.choice(np.array(["f", "m", "x"]), size=n, p=[0.45, 0.45, 0.10])
    x = rng.normal(size=(n, d))
    x[:, 0] += np.where(groups == "f", 1.5, -1.0)  # wording one group uses
    x[:, 3] += np.where(groups == "x", 2.0, 0.0)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), groups


def _probe(x: np.ndarray, groups: np.ndarray) -> float:
    half = len(x) // 2
    fit = LogisticRegression(max_iter=1000).fit(x[:half], groups[:half])
    return balanced_accuracy_score(groups[half:], fit.predict(x[half:]))


def test_erasure_takes_a_probe_to_chance_and_keeps_the_rest() -> None:
    x, groups = _vectors()
    assert _probe(x, groups) > 0.6
    eraser = ConceptEraser().fit(x, groups)
    clean = eraser.transform(x)
    np.testing.assert_allclose(np.linalg.norm(clean, axis=1), 1.0, atol=1e-5)
    assert _probe(clean, groups) < 0.45  # chance is 1/3
    # what does not tell the groups apart is kept: the other coordinates barely move
    other = np.corrcoef(x[:, 10], clean[:, 10])[0, 1]
    assert other > 0.95


def test_unknown_rows_are_left_out_and_transformed_like_the_rest() -> None:
    x, groups = _vectors()
    groups = groups.astype(object)
    groups[:100] = "unknown"
    eraser = ConceptEraser().fit(x, groups)
    assert set(eraser.groups_) == {"f", "m", "x"}
    assert eraser.transform(x[:100]).shape == (100, x.shape[1])


def test_save_load_round_trip_and_errors(tmp_path) -> None:
    x, groups = _vectors(n=300)
    eraser = ConceptEraser().fit(x, groups)
    eraser.save(tmp_path / "eraser.npz")
    again = ConceptEraser.load(tmp_path / "eraser.npz")
    np.testing.assert_array_equal(again.transform(x), eraser.transform(x))
    with pytest.raises(NotTrainedError, match="not fitted"):
        ConceptEraser().transform(x)
    with pytest.raises(ConfigError, match="two groups"):
        ConceptEraser().fit(x, ["f"] * len(x))
    (tmp_path / "bad.npz").write_bytes(b"not an npz")
    with pytest.raises(ModelFileError, match="bad.npz"):
        ConceptEraser.load(tmp_path / "bad.npz")
