"""What a synthetic world is to the pipeline: the :class:`World` protocol and its :class:`Fit`.

A world is a generative model: how its catalog, roles, people, true fit and ground truth are
drawn, and how its candidate and role rows look. Everything else is written once in
:func:`synthetic.pipeline.generate`: parameter checks, sizes, the random streams, progress,
the places, the proxy world, the recruiter history, the shared tables, the files, the
manifest and the fit by group. ``synthetic.esco.EscoWorld`` (the first world) and
``synthetic.careers.CareersWorld`` (latent ICT career tracks) implement it.

A world object draws one run: the pipeline makes it with the seed and the world's own random
streams (``own_streams`` of them, after the pipeline's), then calls its methods in order,
``draw_catalog`` first and ``describe`` last; a world may keep what it drew between calls
(its latents).

Example:
    >>> from synthetic.careers import CareersWorld
    >>> from synthetic.esco import EscoWorld
    >>> EscoWorld.name, EscoWorld.own_streams, CareersWorld.name, CareersWorld.own_streams
    ('esco', 0, 'careers', 2)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np
import scipy.sparse as sp

from synthetic.catalog import Catalog
from synthetic.places import Places
from synthetic.pools import Truth
from synthetic.population import People
from synthetic.proxies import Proxies
from synthetic.roles import Roles

Row = dict[str, Any]


class Fit(Protocol):
    """A world's hidden true fit, as the shared steps read it (history, fit by group)."""

    cat: Catalog
    roles: Roles
    required_: sp.csr_matrix  # role x skill: importance of each required skill
    required_sum_: np.ndarray  # per role: total required importance

    def pairs(self, candidate: np.ndarray, role: np.ndarray) -> np.ndarray:
        """True fit in [0, 1] of each (candidate[i], role[i])."""
        ...


PeopleT = TypeVar("PeopleT", bound=People)
FitT = TypeVar("FitT", bound=Fit)


class World(Protocol[PeopleT, FitT]):
    """One generative model, drawn step by step by the pipeline (see the module docstring).

    Generic in its own people and true fit: what ``draw_people`` returns is what the later
    steps receive.
    """

    name: ClassVar[str]  # the ``world=`` value of ``generate``
    own_streams: ClassVar[int]  # random streams it draws from beyond the pipeline's

    def __init__(self, seed: int, streams: Sequence[np.random.Generator]) -> None: ...

    def draw_catalog(self, n_occupations: int, rng: np.random.Generator) -> Catalog:
        """The occupations and skills of the world (taxonomy step)."""
        ...

    def draw_roles(self, n: int, cat: Catalog, places: Places, rng: np.random.Generator) -> Roles:
        """``n`` roles offered by the organizations of ``places``."""
        ...

    def draw_people(
        self,
        n: int,
        cat: Catalog,
        places: Places,
        roles: Roles,
        demand: np.ndarray,
        rng: np.random.Generator,
    ) -> tuple[PeopleT, FitT]:
        """``n`` people (supply follows ``demand``, the roles per occupation) and the true fit."""
        ...

    def draw_truth(
        self, people: PeopleT, roles: Roles, fit: FitT, rng: np.random.Generator
    ) -> Truth:
        """The held-out evaluation queries with their pools (``synthetic.pools``)."""
        ...

    def role_rows(
        self, cat: Catalog, places: Places, roles: Roles, ids: list[str], rng: np.random.Generator
    ) -> Iterator[Row]:
        """The ``roles`` table, texts drawn from ``rng``."""
        ...

    def candidate_rows(
        self,
        cat: Catalog,
        places: Places,
        people: PeopleT,
        proxies: Proxies,
        ids: list[str],
        rng: np.random.Generator,
    ) -> Iterator[Row]:
        """The ``candidates`` table of ``people`` as shown (proxies applied), texts from ``rng``."""
        ...

    def describe(self, people: PeopleT, roles: Roles, fit: FitT, truth: Truth) -> dict[str, Any]:
        """The world's own manifest sections (``synthetic.pipeline.MANIFEST_SECTIONS``); a
        ``ground_truth`` entry adds to the shared ground-truth section."""
        ...
