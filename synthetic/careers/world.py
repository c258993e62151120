"""The second world (``careers``): an ICT applicant-tracking export with latent career tracks.

Same pipeline, sizes, seed discipline, files and ground-truth format as the first world
(``synthetic.esco``), a different generative model: latent career tracks, seniority and
craft drive the true fit; skills, titles and text are noisy emissions of them; the candidate
queries are held-out applicants with no history (docs/generator.md, "The second world:
careers").

Example:
    >>> from pathlib import Path
    >>> from synthetic import generate
    >>> s = generate(Path("/tmp/c"), scale=0.01, world="careers", progress=False)  # doctest: +SKIP
    >>> s.counts["candidates"], s.counts["roles"]                                  # doctest: +SKIP
    (200, 30)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import numpy as np

from loaders.esco_csv import read_esco_extractor
from synthetic.careers import fit as fit_module
from synthetic.careers.fit import CareerFit
from synthetic.careers.people import CHANGER_SHARE, CareerPeople, draw_people
from synthetic.careers.roles import LEVEL_BANDS, RoleLatents, draw_role_latents
from synthetic.careers.rows import candidate_rows, role_rows
from synthetic.careers.text import people_texts, role_texts
from synthetic.careers.tracks import TRACKS, Tracks, build_tracks, ict_taxonomy
from synthetic.careers.truth import (
    HELD_OUT_SHARE,
    RELEVANCE_CUTS,
    draw_career_truth,
    held_out_candidates,
)
from synthetic.catalog import Catalog, build_catalog
from synthetic.places import Places
from synthetic.pools import Truth
from synthetic.proxies import Proxies, apply_to_texts, signal_shift
from synthetic.roles import Roles, draw_roles, occupation_demand
from synthetic.world import Row

GENERATOR = "talentgraph.loaders.synthetic.careers"  # the manifest's name, kept across moves
PROXY_PAIRS = 50_000


class CareersWorld:
    """The careers world, drawn step by step by :func:`synthetic.pipeline.generate`.

    Args:
        seed: the run's seed (the true fit's per-pair noise).
        streams: its own random streams: the rows' missing fields, the proxy measure's pairs.
    """

    name: ClassVar[str] = "careers"
    own_streams: ClassVar[int] = 2

    def __init__(self, seed: int, streams: Sequence[np.random.Generator]) -> None:
        self.seed = seed
        self.streams = streams

    def draw_catalog(self, n_occupations: int, rng: np.random.Generator) -> Catalog:
        """ICT occupations of ESCO; sets ``tracks_``."""
        tax = ict_taxonomy(read_esco_extractor(similarities=False), n_occupations, rng)
        cat = build_catalog(len(tax.occupations), rng, tax)
        self.tracks_: Tracks = build_tracks(cat, rng)
        return cat

    def draw_roles(self, n: int, cat: Catalog, places: Places, rng: np.random.Generator) -> Roles:
        """Roles as in the first world (``synthetic.roles``); sets their latents, ``latent_``."""
        roles = draw_roles(n, cat, places, rng, occupation_demand(len(cat.occupations), rng))
        self.latent_: RoleLatents = draw_role_latents(roles, self.tracks_, rng)
        return roles

    def draw_people(
        self,
        n: int,
        cat: Catalog,
        places: Places,
        roles: Roles,
        demand: np.ndarray,
        rng: np.random.Generator,
    ) -> tuple[CareerPeople, CareerFit]:
        people = draw_people(n, cat, self.tracks_, places, demand, rng)
        return people, CareerFit(cat, self.tracks_, people, roles, self.latent_, places, self.seed)

    def draw_truth(
        self, people: CareerPeople, roles: Roles, fit: CareerFit, rng: np.random.Generator
    ) -> Truth:
        return draw_career_truth(fit, held_out_candidates(people.n, rng), rng)

    def role_rows(
        self, cat: Catalog, places: Places, roles: Roles, ids: list[str], rng: np.random.Generator
    ) -> Iterator[Row]:
        return role_rows(cat, places, roles, ids, role_texts(cat, places, roles, self.latent_, rng))

    def candidate_rows(
        self,
        cat: Catalog,
        places: Places,
        people: CareerPeople,
        proxies: Proxies,
        ids: list[str],
        rng: np.random.Generator,
    ) -> Iterator[Row]:
        heads, sums, titles = people_texts(cat, places, people, rng)
        shift = None
        if proxies.active:
            domain = cat.occupation_domain[people.occupation]
            heads, sums = apply_to_texts(heads, sums, proxies, people, domain)
            shift = signal_shift(proxies)
        return candidate_rows(
            cat,
            places,
            people,
            ids,
            (heads, sums, titles),
            self.streams[0],
            signal_shift=shift,
            signal_shown=None if shift is None else shift != 0,
        )

    def describe(
        self, people: CareerPeople, roles: Roles, fit: CareerFit, truth: Truth
    ) -> dict[str, Any]:
        sample = self.streams[1]
        c, r = sample.integers(0, people.n, PROXY_PAIRS), sample.integers(0, roles.n, PROXY_PAIRS)
        pooled = truth.direction == 0
        tracks, latent = self.tracks_, self.latent_
        return {
            "generator": GENERATOR,
            "world": self.name,
            "fit": {
                "weights": fit_module.WEIGHTS,
                "match": {
                    "same": 1.0,
                    "previous": fit_module.PREVIOUS_MATCH,
                    "adjacent": fit_module.ADJACENT_MATCH,
                    "other": fit_module.OTHER_MATCH,
                },
                "seniority_widths": {"under": fit_module.UNDER, "over": fit_module.OVER},
                "noise": fit_module.NOISE,
                "relevance_cuts": list(RELEVANCE_CUTS),
            },
            "proxy": {
                "what": "Spearman of required-skill coverage by listed skills with the true fit",
                "random_pairs": _spearman(fit.coverage(c, r), fit.pairs(c, r)),
                "role_query_pools": _spearman(
                    fit.coverage(truth.candidate[pooled], truth.role[pooled]), truth.fit[pooled]
                ),
            },
            "ground_truth": {
                "held_out_candidates": len(truth.held_out),
                "held_out_share": HELD_OUT_SHARE,
            },
            "tracks": {
                "names": list(TRACKS),
                "occupations": np.bincount(tracks.occupation_track, minlength=tracks.n).tolist(),
                "people": np.bincount(people.track, minlength=tracks.n).tolist(),
                "career_changers": int((people.previous >= 0).sum()),
                "changer_share": CHANGER_SHARE,
                "role_levels": dict(
                    zip(
                        [b[0] for b in LEVEL_BANDS],
                        np.bincount(latent.band, minlength=len(LEVEL_BANDS)).tolist(),
                    )
                ),
            },
        }


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties), rounded to 4 places."""
    from scipy.stats import spearmanr

    if len(x) < 3 or np.all(x == x[0]) or np.all(y == y[0]):
        return 0.0
    return round(float(spearmanr(x, y).statistic), 4)
