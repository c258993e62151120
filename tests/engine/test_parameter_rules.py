"""One home per rule: the parameter message and ``check_k`` (``graph_schema.params``), the
training defaults (``TrainOptions``), the re-ranking method checked when ``Settings`` are
built, and ``ImportOptions`` documented field by field."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.evaluation.ranking_metrics import evaluate_rankings, ndcg_at_k, top_k_hit
from engine.fairness.metrics import selection_rate_at_k, skew_at_k
from engine.fairness.rerank import METHODS, rerank
from engine.options import TRAIN_DEFAULTS, TrainOptions
from engine.settings import Settings
from graph_schema.errors import ConfigError
from graph_schema.params import (
    bad_parameter,
    check_int,
    check_k,
    one_of,
    out_of_range,
)
from loaders.import_job import ImportOptions

ROOT = Path(__file__).parents[2]


# ---------------------------------------------------------------- the message and check_k
def test_the_template_names_parameter_method_rule_and_value() -> None:
    error = bad_parameter("k", "ndcg_at_k", "an int >= 1", 0)
    assert isinstance(error, ConfigError)
    assert str(error) == "The 'k' parameter of ndcg_at_k must be an int >= 1. Got 0 instead."
    assert (
        str(out_of_range("resamples", "an int >= 1", 0)) == "resamples must be an int >= 1; got 0"
    )
    assert one_of(("ip", "l2")) == "one of 'ip', 'l2'"


@pytest.mark.parametrize("k", [0, -1, 1.0, 2.5, "3", None, True, False])
def test_check_k_refuses_what_is_not_a_positive_int(k: object) -> None:
    with pytest.raises(ConfigError) as info:
        check_k(k, "top_k_hit")
    assert str(info.value) == (
        f"The 'k' parameter of top_k_hit must be an int >= 1. Got {k!r} instead."
    )


def test_check_k_returns_a_python_int() -> None:
    assert check_k(3, "m") == 3
    value = check_k(np.int64(3), "m")
    assert value == 3 and type(value) is int
    with pytest.raises(ConfigError, match=r"must be an int in \[1, 1000\]\. Got 1001 instead"):
        check_k(1001, "explain", high=1000)
    with pytest.raises(ConfigError, match=r"'seed' parameter of VectorIndex must be an int in"):
        check_int("seed", "VectorIndex", -1, 0, 2**31 - 1)


@pytest.mark.parametrize(
    ("call", "method"),
    [
        (lambda k: ndcg_at_k(["a"], {"a": 1}, k), "ndcg_at_k"),
        (lambda k: top_k_hit(["a"], {"a": 1}, k), "top_k_hit"),
        (lambda k: evaluate_rankings({"q": ["a"]}, {"q": {"a": 1}}, ks=(k,)), "evaluate_rankings"),
        (
            lambda k: selection_rate_at_k({"q": ["a"]}, k, sensitive_features={"a": "f"}),
            "selection_rate_at_k",
        ),
        (lambda k: skew_at_k(["f"], target={"f": 1.0}, group="f", k=k), "skew_at_k"),
        (lambda k: rerank("none", [1.0, 0.5], None, k), "rerank"),
    ],
)
def test_the_former_three_check_k_give_the_same_message(call, method: str) -> None:
    with pytest.raises(ConfigError) as info:
        call(0)
    assert str(info.value) == f"The 'k' parameter of {method} must be an int >= 1. Got 0 instead."


# ------------------------------------------------------------------- training defaults
def _default(callable_: object, name: str) -> object:
    return inspect.signature(callable_).parameters[name].default


def test_the_disagreeing_defaults_are_the_pipelines() -> None:
    # The pipeline passes options.max_seq_length and options.gnn_epochs (64, 40); the classes
    # used to default to 128 and 100.
    from engine.models.nexus_training import NexusTrainer
    from engine.models.text_encoder import TextEncoder

    assert TrainOptions().max_seq_length == 64 and TrainOptions().gnn_epochs == 40
    assert _default(TextEncoder, "max_seq_length") == TRAIN_DEFAULTS.max_seq_length
    assert _default(NexusTrainer, "epochs") == TRAIN_DEFAULTS.gnn_epochs


def test_the_classes_take_their_training_defaults_from_the_options() -> None:
    from engine.fairness.proxies import screen_proxies
    from engine.features.context import FeatureContext
    from engine.models.cf import CollaborativeFilter
    from engine.models.nexus_gnn import NexusGNN
    from engine.models.nexus_training import NexusTrainer
    from engine.models.text_adapter import TextAdapter
    from engine.models.text_encoder import TextEncoder
    from engine.retrieval.faiss_index import VectorIndex

    d = TRAIN_DEFAULTS
    assert _default(TextEncoder, "precision") == d.precision
    assert (_default(NexusTrainer, "hidden"), _default(NexusTrainer, "out")) == (
        d.gnn_hidden,
        d.gnn_out,
    )
    assert (_default(NexusGNN, "hidden"), _default(NexusGNN, "out")) == (d.gnn_hidden, d.gnn_out)
    assert _default(TextAdapter, "epochs") == d.finetune_epochs
    assert _default(CollaborativeFilter, "factors") == d.cf_factors
    assert _default(VectorIndex, "exact_threshold") == d.exact_threshold
    assert _default(FeatureContext.from_export, "similarity_decay") == d.similarity_decay
    assert _default(screen_proxies, "threshold") == d.proxy_threshold


def test_the_store_batch_size_is_the_import_default() -> None:
    from loaders.stores.base import BATCH_SIZE, GraphStore
    from loaders.stores.ladybug import LadybugStore

    assert ImportOptions().batch_size == BATCH_SIZE
    assert _default(GraphStore, "batch_size") == _default(LadybugStore, "batch_size") == BATCH_SIZE


# ------------------------------------------------------------------ rerank in Settings
RERANK_ERROR = (
    "The 'rerank' parameter of Settings (TALENTGRAPH_RERANK) must be one of 'none', 'fair', "
    "'det_greedy', 'det_cons', 'det_relaxed', 'det_const_sort', 'proportional'. Got {value!r} "
    "instead."
)


@pytest.mark.parametrize("method", METHODS)
def test_settings_take_every_rerank_method(method: str) -> None:
    assert Settings(rerank=method).rerank == method


@pytest.mark.parametrize("value", ["bogus", "Proportional", "", "fa_ir"])
def test_settings_refuse_an_unknown_rerank(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings(rerank=value)
    assert str(info.value) == RERANK_ERROR.format(value=value)


def test_settings_refuse_an_unknown_rerank_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TALENTGRAPH_RERANK", "det-greedy")
    with pytest.raises(ConfigError) as info:
        Settings()
    assert str(info.value) == RERANK_ERROR.format(value="det-greedy")
    monkeypatch.setenv("TALENTGRAPH_RERANK", "det_greedy")
    assert Settings().rerank == "det_greedy"


def test_settings_load_without_torch() -> None:
    code = "import sys, engine.settings; print('torch' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# ------------------------------------------------------------ ImportOptions documented
def test_every_import_option_is_documented_with_its_default() -> None:
    doc = inspect.getdoc(ImportOptions) or ""
    table = (ROOT / "docs" / "import.md").read_text(encoding="utf-8").split("## Options", 1)[1]
    for name in ImportOptions.model_fields:
        assert f"    {name}: " in doc, name
        assert f"| `{name}` |" in table, name
