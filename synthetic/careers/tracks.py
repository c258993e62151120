"""Latent career tracks of the careers world: ICT occupations of ESCO grouped into tracks.

An ESCO occupation belongs to the first track whose pattern matches its (lower-case) name,
unless its name matches ``EXCLUDE`` (ISCO 25xx/35xx neighbours that are not ICT work:
"fire safety tester", "footwear 3D developer"); occupations with fewer than
``MIN_RELATIONS`` related skills are skipped. Tracks are adjacent (partial credit in the true
fit) when ``ADJACENT`` lists them. Each track's skill *pool* (all skills its occupations
relate to) is split at random into ``FACETS`` latent facets; a role's must-have facets and a
person's facet strengths live in that space.

Example:
    >>> TRACKS[track_of("ICT security administrator")]
    'security'
    >>> track_of("pastry chef")
    -1
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from loaders.esco_relations import EscoTaxonomy
from synthetic.catalog import MIN_RELATIONS, Catalog
from synthetic.domains import DOMAIN_IDS, domain_of

FACETS = 5
# fmt: off
TRACK_PATTERNS: tuple[tuple[str, str], ...] = (
    # track, regex on the occupation name (first match wins, so security before data)
    ("security", r"secur|cyber|hacker|forensic|disaster recovery|resilience|\bauditor"),
    ("testing", r"tester|test analyst|quality assurance|quality engineer"),
    ("cloud", r"cloud|devops"),
    ("data", r"\bdata|database|knowledge engineer|computer vision|language engineer"),
    ("web", r"\bweb\b|user interface|usability|digital media designer|user experience"),
    ("games", r"\bgames?\b|animator|\b3d\b|digital artist"),
    ("support", r"help desk|repair technician|hardware test|\bsupport\b|engineering technician"),
    ("network", (r"network|system administrator|\bict system\b(?! developer)|configurator|"
                 r"hardware engineer|ict technician|capacity planner")),
    ("software", (r"software|application developer|system developer|programmer|blockchain|"
                  r"embedded|mobile|\biot\b|integration engineer")),
    ("management", (r"project manager|product manager|business analys|system analyst|"
                    r"change and configuration|documentation manager|presales|account manager|"
                    r"business development manager|\bict buyer")),
    ("leadership", (r"chief|director|research manager|ict consultant|research consultant|"
                    r"information and knowledge|environmental manager|green ict")),
    ("education", r"ict teacher|ict trainer|computer science lecturer|digital literacy"),
)
EXCLUDE = re.compile(
    r"fire|footwear|clothing|apparel|leather|textile|sewing|lithograph|photograph|film|property|"
    r"import export|wholesale|distribution manager|aviation|aeronautical|flight|venue|light board|"
    r"cosmolog|material|medical|satellite|journalist|retail|shop|seller|cnc|numerical|drafter|"
    r"publisher|instructional|intelligence officer|gambling|call centre|smart home|tourism"
)
ADJACENT: tuple[tuple[str, str], ...] = (
    ("software", "web"), ("software", "data"), ("software", "cloud"), ("software", "testing"),
    ("software", "games"), ("cloud", "network"), ("cloud", "data"), ("cloud", "security"),
    ("network", "security"), ("network", "support"), ("testing", "web"), ("testing", "support"),
    ("management", "leadership"), ("management", "testing"), ("leadership", "security"),
    ("data", "leadership"), ("support", "education"), ("games", "web"),
)
# fmt: on
TRACKS: tuple[str, ...] = tuple(t for t, _ in TRACK_PATTERNS)
_PATTERNS = tuple(re.compile(p) for _, p in TRACK_PATTERNS)
_SOFTWARE = DOMAIN_IDS.index("software")


def track_of(name: str, aliases: Sequence[str] = (), isco_group: str | None = None) -> int:
    """Index into ``TRACKS`` of an occupation, or -1 (not an ICT occupation).

    ICT means: the first world's ``software`` domain (keywords, else ISCO 25xx/35xx/133x),
    not excluded by ``EXCLUDE``, and a track pattern matching the name.
    """
    text = name.lower()
    if EXCLUDE.search(text) or domain_of(name, aliases, isco_group) != _SOFTWARE:
        return -1
    for index, pattern in enumerate(_PATTERNS):
        if pattern.search(text):
            return index
    return -1


def adjacency() -> np.ndarray:
    """Symmetric boolean track x track matrix of ``ADJACENT`` (diagonal False)."""
    out = np.zeros((len(TRACKS), len(TRACKS)), dtype=bool)
    for a, b in ADJACENT:
        out[TRACKS.index(a), TRACKS.index(b)] = out[TRACKS.index(b), TRACKS.index(a)] = True
    return out


def ict_taxonomy(tax: EscoTaxonomy, n: int, rng: np.random.Generator) -> EscoTaxonomy:
    """The ESCO subset to build the catalog from: up to ``n`` ICT occupations (every track
    represented when ``n`` allows, the rest in proportion to track size) and their relations.

    Returns:
        A taxonomy whose occupations are exactly the chosen ones (so ``build_catalog`` with
        ``n_occupations = len(result.occupations)`` takes them all).
    """
    related = Counter(r.occupation_id for r in tax.relations)
    track = np.array([track_of(o.name, o.aliases, o.isco_group) for o in tax.occupations])
    eligible = np.array([related[o.id] >= MIN_RELATIONS for o in tax.occupations])
    pools = [np.flatnonzero(eligible & (track == t)) for t in range(len(TRACKS))]
    sizes = np.array([len(p) for p in pools], dtype=float)
    n = int(min(n, sizes.sum()))
    want = np.minimum(sizes, 1.0)
    if want.sum() > n:  # fewer occupations than tracks: the largest tracks
        want[:] = 0
        want[np.argsort(-sizes, kind="stable")[:n]] = 1
    while want.sum() < n:  # fill by the largest remaining share
        gap = np.where(want < sizes, sizes / sizes.sum() * n - want, -np.inf)
        want[int(np.argmax(gap))] += 1
    chosen = sorted(
        int(i)
        for p, k in zip(pools, want.astype(int))
        for i in rng.choice(p, size=k, replace=False)
    )
    ids = {tax.occupations[i].id for i in chosen}
    return EscoTaxonomy(
        tax.skills,
        [tax.occupations[i] for i in chosen],
        [r for r in tax.relations if r.occupation_id in ids],
        [],
    )


@dataclass(frozen=True)
class Tracks:
    """Tracks of one world's catalog.

    ``occupation_track[o]`` is an occupation's track; ``facet[t, k]`` is skill ``k``'s facet
    in track ``t`` (-1 if ``k`` is not in the track's pool); ``pool_weight[t, k]`` is how
    central ``k`` is to track ``t`` (summed importance over its occupations, 0 outside the
    pool); ``adjacent`` is the track adjacency matrix.
    """

    occupation_track: np.ndarray
    facet: np.ndarray
    pool_weight: np.ndarray
    adjacent: np.ndarray
    occupations: list[np.ndarray]

    @property
    def n(self) -> int:
        return len(TRACKS)


def build_tracks(cat: Catalog, rng: np.random.Generator) -> Tracks:
    """Tracks, pools and facets of a catalog built from :func:`ict_taxonomy`."""
    occ_track = np.array(
        [track_of(o.name, o.aliases, o.isco_group) for o in cat.occupations], dtype=np.int64
    )
    n_t, n_s = len(TRACKS), len(cat.skills)
    weight = np.zeros((n_t, n_s))
    owner = np.repeat(np.arange(len(cat.occupations)), np.diff(cat.occ_ptr))
    np.add.at(weight, (occ_track[owner], cat.occ_skill), cat.occ_importance)
    facet = -np.ones((n_t, n_s), dtype=np.int64)
    for t in range(n_t):
        pool = np.flatnonzero(weight[t] > 0)
        facet[t, pool] = rng.permutation(len(pool)) % FACETS
    return Tracks(
        occ_track,
        facet,
        weight,
        adjacency(),
        [np.flatnonzero(occ_track == t) for t in range(n_t)],
    )
