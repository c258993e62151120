"""Tests of the semantic encoder: texts, TextEncoder, EmbeddingCache.

They use the real offline MiniLM on a handful of texts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.models.embedding_cache import EmbeddingCache
from engine.models.text_encoder import MODEL_NOT_FOUND, TextEncoder, native_bf16
from engine.models.texts import profile_text, role_text
from graph_schema.errors import ConfigError

TEXTS = [
    "Senior data engineer: Spark, Kafka, Python, building streaming data pipelines.",
    "Data engineer with Python and Spark experience, batch and streaming ETL.",
    "Registered nurse in an intensive care unit, patient triage and wound care.",
    "Pastry chef: croissants, laminated dough, cakes for a hotel restaurant.",
]


@pytest.fixture(scope="module")
def fp32_vectors() -> np.ndarray:
    return TextEncoder(precision="fp32").encode(TEXTS)


def test_profile_text_reads_headline_summary_and_skill_names_only() -> None:
    row = {
        "headline": "Nurse",
        "summary": "ICU, 5 years.",
        "skills": [{"skill": "s1", "level": 0.5}, {"skill": "triage"}, "s1"],
        "sensitive": {"gender": "female"},
        "signals": {"reliability": 0.9},
    }
    assert (
        profile_text(row, {"s1": "wound care"})
        == "Nurse\nSkills: wound care, triage\nICU, 5 years."
    )
    assert profile_text({}) == ""


def test_role_text_reads_title_description_and_skill_names() -> None:
    row = {
        "title": "Chef",
        "description": "Hotel kitchen.",
        "skills": [{"skill": "k", "required": True}],
    }
    assert role_text(row, {"k": "pastry"}) == "Chef\nSkills: pastry\nHotel kitchen."
    assert role_text({"title": "Chef"}) == "Chef"


def test_encode_shape_dtype_and_unit_norm(fp32_vectors: np.ndarray) -> None:
    assert fp32_vectors.shape == (4, 384)
    assert fp32_vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fp32_vectors, axis=1), 1.0, atol=1e-5)


def test_similar_texts_are_closer_than_unrelated(fp32_vectors: np.ndarray) -> None:
    sims = fp32_vectors @ fp32_vectors.T
    assert sims[0, 1] > sims[0, 2] + 0.2
    assert sims[0, 1] > sims[0, 3] + 0.2


def test_bf16_matches_fp32(fp32_vectors: np.ndarray) -> None:
    bf16 = TextEncoder(precision="bf16").encode(TEXTS)
    assert bf16.dtype == np.float32
    assert float((bf16 * fp32_vectors).sum(axis=1).min()) > 0.999


def test_duplicates_and_empty_input(fp32_vectors: np.ndarray) -> None:
    encoder = TextEncoder(precision="fp32")
    out = encoder.encode([TEXTS[2], TEXTS[2]])
    np.testing.assert_allclose(out, fp32_vectors[[2, 2]], atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_cache_hits_on_repeat_and_persists(tmp_path: Path, fp32_vectors: np.ndarray) -> None:
    cache = EmbeddingCache(tmp_path / "cache" / "embeddings.sqlite")
    encoder = TextEncoder(precision="fp32", cache=cache)
    first = encoder.encode(TEXTS[:3])
    assert (cache.hits, cache.misses) == (0, 3)
    second = encoder.encode(TEXTS)
    assert (cache.hits, cache.misses) == (3, 4)
    np.testing.assert_array_equal(first, second[:3])
    np.testing.assert_allclose(second, fp32_vectors, atol=1e-5)
    cache.close()

    reopened = EmbeddingCache(tmp_path / "cache")  # a folder finds embeddings.sqlite in it
    again = TextEncoder(precision="fp32", cache=reopened).encode(TEXTS)
    assert (reopened.hits, reopened.misses, len(reopened)) == (4, 0, 4)
    np.testing.assert_array_equal(again, second)


def test_cache_is_keyed_by_model_id() -> None:
    cache = EmbeddingCache()
    fp32 = TextEncoder(precision="fp32", cache=cache)
    bf16 = TextEncoder(precision="bf16", cache=cache)
    assert fp32.model_id != bf16.model_id
    assert fp32.model_id.startswith("model@")
    fp32.encode(TEXTS[:1])
    bf16.encode(TEXTS[:1])
    assert (cache.hits, cache.misses, len(cache)) == (0, 2, 2)
    assert EmbeddingCache.key("a", "b") != EmbeddingCache.key("a", "c")


def test_bad_model_path_raises_config_error_naming_it(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(ConfigError) as info:
        TextEncoder(model_path=missing)
    assert str(info.value) == MODEL_NOT_FOUND.format(path=missing)
    assert missing in str(info.value)


def test_bad_precision_raises_config_error() -> None:
    with pytest.raises(ConfigError, match="'precision' parameter of TextEncoder"):
        TextEncoder(precision="fp16")  # type: ignore[arg-type]


def test_auto_precision_is_bf16_only_on_a_cpu_that_has_it(tmp_path: Path) -> None:
    from engine.models.text_encoder import native_bf16

    with_it = tmp_path / "with"
    with_it.write_text("flags\t: fpu sse2 avx512f avx512_bf16 amx_tile\n")
    without = tmp_path / "without"
    without.write_text("flags\t: fpu sse2 avx2 avx512f avx512_vnni\n")
    assert native_bf16(str(with_it)) and not native_bf16(str(without))
    assert not native_bf16(str(tmp_path / "missing"))
    resolved = TextEncoder(precision="auto").precision
    assert resolved == ("bf16" if native_bf16() else "fp32")
    assert resolved in TextEncoder(precision="auto").model_id


def test_fp32_is_the_default_everywhere_a_model_is_built() -> None:
    """One seed gives one model on every CPU class only when text is encoded in fp32
    (issue #20); bf16 and ``auto`` stay options."""
    from engine.options import TrainOptions

    assert TextEncoder().precision == TrainOptions().precision == "fp32"
    assert TextEncoder(precision="auto").precision == ("bf16" if native_bf16() else "fp32")
