"""TextAdapter: identity at the start, never worse than zero-shot on held-out pairs, learns a
rotation between the two sides, seeded, saved and loaded."""

from __future__ import annotations

import numpy as np
import pytest

from engine.models.text_adapter import TextAdapter
from graph_schema.errors import ConfigError, NotTrainedError


def _pairs(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(n, 16)).astype(np.float32)
    rotation = np.linalg.qr(rng.normal(size=(16, 16)))[0].astype(np.float32)
    r = c @ rotation + 0.3 * rng.normal(size=c.shape).astype(np.float32)
    unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)
    return unit(c), unit(r)


def test_adapter_learns_the_relation_and_reports_held_out_gain(tmp_path) -> None:
    c, r = _pairs()
    adapter = TextAdapter(seed=0, epochs=30, batch_size=64, lr=0.01).fit(c, r)
    report = adapter.report_
    assert report["held_out_pairs"] == 60 and report["pairs"] == 540
    assert report["held_out_mrr_adapted"] > report["held_out_mrr_zero_shot"] + 0.2
    out = adapter.transform("Candidate", c)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    again = TextAdapter(seed=0, epochs=30, batch_size=64, lr=0.01).fit(c, r)
    np.testing.assert_array_equal(again.transform("Role", r), adapter.transform("Role", r))
    adapter.save(tmp_path / "a.pt")
    loaded = TextAdapter.load(tmp_path / "a.pt")
    np.testing.assert_array_equal(loaded.transform("Role", r), adapter.transform("Role", r))


def test_adapter_never_ends_worse_than_zero_shot_on_held_out_pairs() -> None:
    rng = np.random.default_rng(1)
    c = rng.normal(size=(200, 8)).astype(np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    noise = rng.normal(size=c.shape).astype(np.float32)  # the roles are unrelated noise
    r = noise / np.linalg.norm(noise, axis=1, keepdims=True)
    report = TextAdapter(seed=0, epochs=5).fit(c, r).report_
    assert report["held_out_mrr_adapted"] >= report["held_out_mrr_zero_shot"]


def test_adapter_errors() -> None:
    with pytest.raises(NotTrainedError, match=r"call TextAdapter\.fit"):
        TextAdapter().transform("Role", np.ones((1, 4)))
    with pytest.raises(ConfigError, match="at least 4 positive pairs; got 3"):
        TextAdapter().fit(np.ones((3, 4)), np.ones((3, 4)))
