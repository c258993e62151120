"""NexusGNN and NexusTrainer on the tiny dataset (and a scale-0.01 generated one for AUC).

Training runs on one torch thread (``num_threads=1``): on a small shared CPU that is much
faster than the default pool for these tiny graphs, and it is restored after ``fit``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.models.gradient_reversal import GradientReversal
from engine.models.nexus_gnn import REVERSE_PREFIX, with_reverse_edges
from engine.models.nexus_training import NexusTrainer, _split
from graph_schema import SCHEMA
from graph_schema.errors import ConfigError, NotTrainedError
from graph_schema.sensitive import SENSITIVE_FIELDS
from loaders.import_job import ImportJob, ImportOptions
from loaders.pyg_export import ExportedGraph, export_graph
from loaders.stores.ladybug import LadybugStore

TINY = Path(__file__).parents[2] / "data" / "tiny"
OPTIONS = ImportOptions(progress=False, as_of="2025-01")
FAST = {"hidden": 16, "out": 16, "epochs": 4, "num_threads": 1}


@pytest.fixture(scope="module")
def tiny_store_ro(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LadybugStore]:
    path = tmp_path_factory.mktemp("tiny") / "store"
    with LadybugStore(path) as store:
        ImportJob(store, OPTIONS).run(TINY)
    with LadybugStore(path, read_only=True) as store:
        yield store


@pytest.fixture(scope="module")
def exported(tiny_store_ro: LadybugStore) -> ExportedGraph:
    return export_graph(tiny_store_ro)


@pytest.fixture(scope="module")
def genders(tiny_store_ro: LadybugStore) -> dict[str, str]:
    return {r["id"]: r["gender"] for r in tiny_store_ro.read_sensitive(purpose="audit")}


@pytest.fixture(scope="module")
def trained(exported: ExportedGraph, genders: dict[str, str]) -> NexusTrainer:
    return NexusTrainer(**FAST, adversary_weight=1.0, seed=0).fit(exported, genders)


def test_embeddings_are_aligned_and_unit_length(
    trained: NexusTrainer, exported: ExportedGraph
) -> None:
    assert set(trained.embeddings_) == set(exported.ids)
    for label, vectors in trained.embeddings_.items():
        assert vectors.shape == (len(exported.ids[label]), 16)
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert trained.mode_ == "full-batch"
    assert len(trained.history_) == 4
    assert {"loss", "val_auc", "adversary_loss", "seconds"} <= set(trained.history_[0])
    assert trained.probe_ is not None
    assert trained.probe_["n_groups"] == 3  # female, male, non-binary: counted, never named
    assert "female" not in repr(trained.probe_)
    assert trained.probe_["n_train"] + trained.probe_["n_test"] == 10


def test_same_seed_same_embeddings_other_seed_differs(
    trained: NexusTrainer, exported: ExportedGraph, genders: dict[str, str]
) -> None:
    again = NexusTrainer(**FAST, adversary_weight=1.0, seed=0).fit(exported, genders)
    other = NexusTrainer(**FAST, adversary_weight=1.0, seed=1).fit(exported, genders)
    for label, vectors in trained.embeddings_.items():
        np.testing.assert_array_equal(vectors, again.embeddings_[label])
    assert not np.allclose(trained.embeddings_["Candidate"], other.embeddings_["Candidate"])


def test_fit_leaves_global_torch_state_alone(exported: ExportedGraph) -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    threads = torch.get_num_threads()
    NexusTrainer(**FAST, seed=5).fit(exported, None)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


def test_embed_save_and_load_round_trip(
    trained: NexusTrainer, exported: ExportedGraph, tmp_path: Path
) -> None:
    path = tmp_path / "nexus.pt"
    trained.save(path)
    loaded = NexusTrainer.load(path)
    assert loaded.get_params() == trained.get_params()
    again = loaded.embed(exported)
    for label, vectors in trained.embeddings_.items():
        np.testing.assert_allclose(again[label], vectors, atol=1e-6)


def test_unfitted_trainer_raises() -> None:
    trainer = NexusTrainer()
    message = "NexusTrainer is not trained yet: call fit(graph) before {}()."
    with pytest.raises(NotTrainedError, match=re.escape(message.format("embed"))):
        trainer.embed(ExportedGraph(data=None))  # type: ignore[arg-type]
    with pytest.raises(NotTrainedError, match=re.escape(message.format("save"))):
        trainer.save("unused.pt")


def test_parameters_are_stored_unchanged_and_validated_in_fit(exported: ExportedGraph) -> None:
    trainer = NexusTrainer(hidden=10, heads=3)
    assert (trainer.hidden, trainer.heads) == (10, 3)  # __init__ does not validate
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "The 'hidden' parameter of NexusTrainer must be a multiple of heads (3). "
            "Got 10 instead."
        ),
    ):
        trainer.fit(exported)
    with pytest.raises(ConfigError, match=r"^The 'epochs' parameter .* an int >= 1\. Got 0 "):
        NexusTrainer(epochs=0).fit(exported)
    with pytest.raises(ConfigError, match=r"^The 'adversary_weight' parameter"):
        NexusTrainer(adversary_weight=-1.0).fit(exported)


def test_adversary_needs_two_groups(exported: ExportedGraph) -> None:
    with pytest.raises(ConfigError, match=r"at least 2 groups among known candidates; got 1$"):
        NexusTrainer(**FAST).fit(exported, {"c1": "female", "c2": "female"})


def test_sampled_mode_runs_and_is_chosen_by_size(exported: ExportedGraph) -> None:
    forced = NexusTrainer(**FAST, mode="sampled", edge_fraction=0.5).fit(exported, None)
    assert forced.mode_ == "sampled"
    assert forced.probe_ is None
    auto = NexusTrainer(**{**FAST, "epochs": 1}, sampled_threshold=10).fit(exported, None)
    assert auto.mode_ == "sampled"
    np.testing.assert_allclose(np.linalg.norm(forced.embeddings_["Role"], axis=1), 1.0, atol=1e-5)


# -- the split and the inputs ---------------------------------------------------------------------
def test_validation_pairs_are_not_message_edges(exported: ExportedGraph) -> None:
    split = _split(exported, torch.Generator().manual_seed(0))
    assert set(split.val) == {
        ("Candidate", "HAS_SKILL", "Skill"),
        ("Role", "REQUIRES_SKILL", "Skill"),
        ("Candidate", "INTERACTED", "Role"),
    }
    for et, val in split.val.items():
        total = val.shape[1] + split.train[et].shape[1]
        assert val.shape[1] == round(0.1 * total) >= 1
        held = set(map(tuple, val.t().tolist()))
        message = set(map(tuple, split.edges[et].t().tolist()))
        reverse = {
            (d, s) for s, d in split.edges[(et[2], REVERSE_PREFIX + et[1], et[0])].t().tolist()
        }
        assert not held & message and not held & reverse
        assert not held & set(map(tuple, split.train[et].t().tolist()))
    # every stored edge type has a reverse, so every node type receives messages
    assert {et[2] for et in split.edges} == set(exported.data.node_types)


def test_interaction_supervision_is_the_positive_stages(exported: ExportedGraph) -> None:
    split = _split(exported, torch.Generator().manual_seed(0))
    et = ("Candidate", "INTERACTED", "Role")
    pairs = torch.cat([split.train[et], split.val[et]], dim=1)
    cand, role = exported.ids["Candidate"], exported.ids["Role"]
    c1r1 = [cand.index_of("c1"), role.index_of("r1")]  # APPLIED..HIRED: positive
    assert c1r1 in pairs.t().tolist()
    data = exported.data[et]
    positive = data.edge_attr[:, 1:5].sum(1) > 0  # SHORTLISTED, INTERVIEWED, OFFERED, HIRED
    expected = set(map(tuple, data.edge_index[:, positive].t().tolist()))
    assert set(map(tuple, pairs.t().tolist())) == expected


def test_the_model_never_reads_sensitive_attributes(
    exported: ExportedGraph, trained: NexusTrainer
) -> None:
    data = exported.data
    names = [n for t in data.node_types for n in data[t].feature_names]
    names += [n for t in data.edge_types for n in data[t].edge_attr_names]
    assert not [n for n in names if any(f in n.lower() for f in SENSITIVE_FIELDS)]
    assert set(trained.in_dims_) <= set(SCHEMA.metadata()[0])  # graph labels: none sensitive
    leaky = exported.data.clone()
    leaky["Candidate"].feature_names = [*leaky["Candidate"].feature_names[:-1], "gender_f"]
    with pytest.raises(
        ConfigError,
        match=re.escape("Candidate feature 'gender_f' names sensitive field 'gender'"),
    ):
        NexusTrainer(**FAST).fit(ExportedGraph(leaky, exported.ids))


def test_gradient_reversal() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = GradientReversal(0.5)(x)
    assert torch.equal(y, x)
    (y * torch.tensor([3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [-1.5, -2.0]


def test_with_reverse_edges_flips_and_keeps_attributes() -> None:
    edges = {("A", "R", "B"): torch.tensor([[0, 1], [2, 3]])}
    attrs = {("A", "R", "B"): torch.tensor([[0.5], [0.7]])}
    both, both_attrs = with_reverse_edges(edges, attrs)
    assert both[("B", "rev_R", "A")].tolist() == [[2, 3], [0, 1]]
    assert torch.equal(both_attrs[("B", "rev_R", "A")], attrs[("A", "R", "B")])


# -- learning ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_val_auc_beats_chance_on_a_generated_dataset(tmp_path: Path) -> None:
    from synthetic import generate

    generate(tmp_path / "data", scale=0.01, seed=0, progress=False)
    with LadybugStore(tmp_path / "store") as store:
        ImportJob(store, ImportOptions(progress=False)).run(tmp_path / "data")
        graph = export_graph(store)
    trainer = NexusTrainer(epochs=30, seed=0, num_threads=1).fit(graph, None)
    assert max(h["val_auc"] for h in trainer.history_) > 0.65
    assert trainer.history_[-1]["loss"] < trainer.history_[0]["loss"]


def test_rejected_pairs_are_the_hard_negatives_of_interactions(exported: ExportedGraph) -> None:
    split = _split(exported, torch.Generator().manual_seed(0))
    ids_c, ids_r = exported.ids["Candidate"], exported.ids["Role"]
    hard = split.hard[("Candidate", "INTERACTED", "Role")]
    pairs = {(ids_c.ids[c], ids_r.ids[r]) for c, r in hard.t().tolist()}
    # tests/data/tiny/interactions.jsonl: c10 was rejected at r3; c3 was rejected at r1 only
    # after a shortlist, so that pair is a positive, never a negative
    assert pairs == {("c10", "r3")}
