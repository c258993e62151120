"""Which ablations ``evaluate`` runs: every component flipped from the trained options."""

from __future__ import annotations

from engine.evaluation.run import COMPONENTS, ablations_of
from engine.options import TrainOptions


def test_every_component_is_ablated_one_at_a_time() -> None:
    everything = {"gnn": True, "history": True, "lexical": True, "cf": True}
    found = ablations_of(TrainOptions(**everything))
    assert set(found) == {f"engine without {name}" for name in COMPONENTS}
    assert found["engine without NexusGNN"] == {"gnn": False}
    assert found["engine without hard and weak negatives"] == {
        "hard_negatives": 0.0,
        "weak_negatives": False,
    }


def test_a_component_left_out_is_tried_back_in() -> None:
    assert "engine with NexusGNN" in ablations_of(TrainOptions())  # off by default
    found = ablations_of(TrainOptions(gnn=False, cf=False, lexical=True))
    assert found["engine with NexusGNN"] == {"gnn": True}
    assert found["engine with CF"] == {"cf": True}
    assert "engine without adversary" not in found  # no NexusGNN, no adversary
    assert "engine without lexical channel" in found
