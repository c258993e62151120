"""Roles of the careers world: the first world's roles plus a latent level and must-haves.

Roles are drawn exactly as in the first world (``synthetic.roles.draw_roles``: one
per occupation, the rest by popularity; organization, city, remote, ESCO skills with
importance, capacity). On top, each role has latents no field states directly: its
``track`` (its occupation's), a seniority ``level`` in [0, 1] (junior / mid / senior / lead
bands, ``LEVEL_BANDS``) and two *must-have facets*: the facets, in its track, of its two most
important required skills (another facet at random when they coincide).

Example:
    >>> latent = draw_role_latents(roles, tracks, rng)  # doctest: +SKIP
    >>> latent.must_have.shape                          # doctest: +SKIP
    (30, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.careers.tracks import FACETS, Tracks
from synthetic.roles import Roles

LEVEL_BANDS: tuple[tuple[str, float, float], ...] = (
    # name, centre, share of roles
    ("junior", 0.15, 0.2),
    ("mid", 0.42, 0.4),
    ("senior", 0.68, 0.3),
    ("lead", 0.9, 0.1),
)


@dataclass(frozen=True)
class RoleLatents:
    """Per role: track, level band (index into ``LEVEL_BANDS``), level, must-have facets."""

    track: np.ndarray
    band: np.ndarray
    level: np.ndarray
    must_have: np.ndarray


def draw_role_latents(roles: Roles, tracks: Tracks, rng: np.random.Generator) -> RoleLatents:
    """The latent track, level and must-have facets of every role."""
    track = tracks.occupation_track[roles.occupation]
    band = rng.choice(len(LEVEL_BANDS), roles.n, p=[b[2] for b in LEVEL_BANDS])
    centre = np.array([b[1] for b in LEVEL_BANDS])[band]
    level = np.clip(centre + rng.uniform(-0.07, 0.07, roles.n), 0.0, 1.0)
    must = np.zeros((roles.n, 2), dtype=np.int64)
    spare = rng.integers(1, FACETS, roles.n)
    for r in range(roles.n):
        part = roles.skills(r)
        skill, importance = roles.skill_idx[part], roles.skill_importance[part]
        order = np.argsort(-(importance + roles.skill_required[part]), kind="stable")
        facets = [int(f) for f in tracks.facet[track[r], skill[order]] if f >= 0][:2]
        first = facets[0] if facets else int(spare[r]) % FACETS
        second = facets[1] if len(facets) > 1 and facets[1] != first else -1
        must[r] = (first, second if second >= 0 else (first + int(spare[r])) % FACETS)
    return RoleLatents(track, band, level, must)
