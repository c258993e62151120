"""Synthetic, ESCO-grounded datasets with a hidden true fit and a biased history.

``generate(out_dir, scale, seed, bias, world=..., proxies=...)`` writes the dataset format of
DESIGN.md plus a held-out ground truth, from one of two worlds (``WORLDS``): ``esco``
(``synthetic.esco``) or ``careers`` (``synthetic.careers``), drawn by one pipeline
(``synthetic.pipeline``, over the ``synthetic.world.World`` protocol) from the parts both
share (places, roles, history, proxies, pools, rows). docs/generator.md documents the
generative models.

Example:
    >>> from synthetic import DEFAULT_BIAS, sizes
    >>> sizes(0.01)["candidates"], DEFAULT_BIAS > 0
    (200, True)
"""

from __future__ import annotations

from synthetic.pipeline import (
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
