"""The first synthetic world, ``esco``: a true fit that is a formula of skills, occupation,
location and signals (docs/generator.md).

Example:
    >>> from synthetic.esco import EscoWorld
    >>> EscoWorld.name
    'esco'
"""

from __future__ import annotations

from synthetic.esco.world import EscoWorld

__all__ = ["EscoWorld"]
