"""The second synthetic world, ``careers``: an ICT applicant-tracking export with latent
career tracks (docs/generator.md, "The second world: careers").

Example:
    >>> from synthetic.careers import WORLD
    >>> WORLD
    'careers'
"""

from __future__ import annotations

from synthetic.careers.generate import WORLD, generate_careers

__all__ = ["WORLD", "generate_careers"]
