"""Synthetic, ESCO-grounded datasets with a hidden true fit and a biased history.

``generate(out_dir, scale, seed, bias, proxies=...)`` writes the dataset format of DESIGN.md plus a
held-out ground truth; docs/generator.md documents the generative model.

Example:
    >>> from synthetic import DEFAULT_BIAS, sizes
    >>> sizes(0.01)["candidates"], DEFAULT_BIAS > 0
    (200, True)
"""

from __future__ import annotations

from synthetic.generate import (
    DEFAULT_BIAS,
    EVALUATION_DIR,
    GENERATOR_VERSION,
    WORLDS,
    GenerationSummary,
    generate,
    sizes,
)
from synthetic.proxies import DEFAULT_PROXY_STRENGTH

__all__ = [
    "DEFAULT_BIAS",
    "DEFAULT_PROXY_STRENGTH",
    "EVALUATION_DIR",
    "GENERATOR_VERSION",
    "WORLDS",
    "GenerationSummary",
    "generate",
    "sizes",
]
