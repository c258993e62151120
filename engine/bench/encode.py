"""``talentgraph bench encode``: what each text-encoding precision costs on this CPU.

Training encodes every profile and role text once (then reads them from the cache), so the
encoder's throughput sets a first train's length. fp32 is the default because it gives the
same model on every CPU class (issue #20); bf16 autocast is faster only where the CPU computes
bf16 natively (``avx512_bf16``/``amx_bf16``) and emulated, slower, elsewhere. This bench
encodes the same synthetic profile texts in each precision, in one run (the ratio holds on a
noisy machine; the absolute rate does not), with no cache, and reports texts per second, the
ratio, and how far the vectors of each precision lie from fp32's (smallest cosine).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.bench.facts import machine
from engine.models.text_encoder import TextEncoder, native_bf16
from engine.models.texts import profile_text

PRECISIONS_TIMED = ("fp32", "bf16")


def synthetic_profile_texts(n: int, seed: int, workdir: Path) -> list[str]:
    """``n`` profile texts of the first synthetic world (generated once into ``workdir``)."""
    from synthetic import generate

    data = workdir / f"encode-texts-seed{seed}"
    if not (data / "candidates.jsonl").exists():
        generate(data, scale=max(n / 20_000, 0.01), seed=seed, progress=False)
    names = {
        row["id"]: row["name"]
        for row in map(json.loads, (data / "skills.jsonl").read_text().splitlines())
    }
    rows = (json.loads(x) for x in (data / "candidates.jsonl").read_text().splitlines())
    return [profile_text(row, names) for row in rows][:n]


def bench_encode(
    texts: int = 512, seed: int = 0, workdir: Path = Path(".bench"), max_seq_length: int = 64
) -> dict[str, Any]:
    """Encode ``texts`` profile texts in fp32 and in bf16, uncached, one after the other.

    Returns:
        ``{"machine", "native_bf16", "texts", "fp32": {...}, "bf16": {...},
        "bf16_speedup"}``; each precision has ``seconds``, ``texts_per_second`` and
        ``min_cosine_to_fp32``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    sample = synthetic_profile_texts(texts, seed, workdir)
    result: dict[str, Any] = {"machine": machine(), "native_bf16": native_bf16()}
    result["texts"] = len(sample)
    vectors: dict[str, np.ndarray] = {}
    for precision in PRECISIONS_TIMED:
        encoder = TextEncoder(precision=precision, max_seq_length=max_seq_length)
        encoder.encode(sample[:16])  # load the model and warm up outside the timing
        began = time.perf_counter()
        vectors[precision] = encoder.encode(sample)
        seconds = time.perf_counter() - began
        result[precision] = {
            "seconds": round(seconds, 2),
            "texts_per_second": round(len(sample) / seconds, 1),
        }
    for precision in PRECISIONS_TIMED:
        cosine = np.sum(vectors[precision] * vectors["fp32"], axis=1)
        result[precision]["min_cosine_to_fp32"] = round(float(cosine.min()), 6)
    result["bf16_speedup"] = round(result["fp32"]["seconds"] / result["bf16"]["seconds"], 2)
    return result
