"""The second synthetic world, ``careers``: an ICT applicant-tracking export with latent
career tracks (docs/generator.md, "The second world: careers").

Example:
    >>> from synthetic.careers import CareersWorld
    >>> CareersWorld.name
    'careers'
"""

from __future__ import annotations

from synthetic.careers.world import CareersWorld

__all__ = ["CareersWorld"]
