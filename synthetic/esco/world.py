"""The first world (``esco``): a true fit that is a formula of skills, occupation, place, signals.

How it draws each step of the pipeline (docs/generator.md): a seeded subset of ESCO, roles
from its occupations, candidates with skills, occupations and signals (``people.py``), the
true fit of ``fit.py``, queries in both directions pooled by skill overlap (``truth.py``),
ESCO-worded texts and complete rows (``text.py``, ``rows.py``).

Example:
    >>> from pathlib import Path
    >>> from synthetic import generate
    >>> generate(Path("/tmp/tg"), scale=0.01, world="esco", progress=False)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import numpy as np

from synthetic.catalog import Catalog, build_catalog
from synthetic.esco import rows
from synthetic.esco.fit import NOISE, REQUIRED_SHARE, WEIGHTS, TrueFit
from synthetic.esco.people import Candidates, draw_candidates
from synthetic.esco.text import candidate_texts, role_texts
from synthetic.esco.truth import RELEVANCE_CUTS, draw_truth
from synthetic.places import Places
from synthetic.pools import Truth
from synthetic.proxies import Proxies, apply_to_texts
from synthetic.roles import Roles, draw_roles, occupation_demand
from synthetic.world import Row

GENERATOR = "talentgraph.loaders.synthetic"  # the manifest's name for it, kept across moves


class EscoWorld:
    """The first world, drawn step by step by :func:`synthetic.pipeline.generate`.

    Args:
        seed: the run's seed (the true fit's per-pair noise).
        streams: its own random streams (none).
    """

    name: ClassVar[str] = "esco"
    own_streams: ClassVar[int] = 0

    def __init__(self, seed: int, streams: Sequence[np.random.Generator]) -> None:
        self.seed = seed
        self.streams = streams

    def draw_catalog(self, n_occupations: int, rng: np.random.Generator) -> Catalog:
        return build_catalog(n_occupations, rng)

    def draw_roles(self, n: int, cat: Catalog, places: Places, rng: np.random.Generator) -> Roles:
        return draw_roles(n, cat, places, rng, occupation_demand(len(cat.occupations), rng))

    def draw_people(
        self,
        n: int,
        cat: Catalog,
        places: Places,
        roles: Roles,
        demand: np.ndarray,
        rng: np.random.Generator,
    ) -> tuple[Candidates, TrueFit]:
        people = draw_candidates(n, cat, places, demand, rng)
        return people, TrueFit(cat, people, roles, places, self.seed)

    def draw_truth(
        self, people: Candidates, roles: Roles, fit: TrueFit, rng: np.random.Generator
    ) -> Truth:
        return draw_truth(fit, people, roles, rng)

    def role_rows(
        self, cat: Catalog, places: Places, roles: Roles, ids: list[str], rng: np.random.Generator
    ) -> Iterator[Row]:
        return rows.role_rows(cat, places, roles, ids, role_texts(cat, places, roles, rng))

    def candidate_rows(
        self,
        cat: Catalog,
        places: Places,
        people: Candidates,
        proxies: Proxies,
        ids: list[str],
        rng: np.random.Generator,
    ) -> Iterator[Row]:
        texts = candidate_texts(cat, places, people, rng)
        if proxies.active:
            domain = cat.occupation_domain[people.primary]
            texts = apply_to_texts(*texts, proxies, people, domain)
        return rows.candidate_rows(cat, places, people, ids, texts)

    def describe(
        self, people: Candidates, roles: Roles, fit: TrueFit, truth: Truth
    ) -> dict[str, Any]:
        return {
            "generator": GENERATOR,
            "fit": {
                "weights": WEIGHTS,
                "required_share": REQUIRED_SHARE,
                "noise": NOISE,
                "relevance_cuts": list(RELEVANCE_CUTS),
            },
        }
