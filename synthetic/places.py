"""Places and employers of a synthetic world: countries, cities and organizations.

Twelve countries with three to five cities each; a city's weight (roughly its metro
population, damped for India) sets how many candidates live and how many organizations
are based there, so supply and demand share one geography. Each country has one fixed UTC offset for timestamps.
Organizations each have a domain and a home city and a made-up name.

Example:
    >>> import numpy as np
    >>> places = build_places(n_organizations=5, domains=np.array([0, 1]),
    ...                       rng=np.random.default_rng(0))
    >>> places.country_ids[places.city_country[0]], len(places.org_names)
    ('gb', 5)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.domains import DOMAIN_IDS

# fmt: off
COUNTRIES: tuple[tuple[str, str, str, tuple[tuple[str, float], ...]], ...] = (
    # code, name, UTC offset (standard time), cities with weights (platform presence: metro
    # population in millions in Europe and Canada, damped for India)
    ("gb", "United Kingdom", "+00:00",
     (("London", 9.0), ("Manchester", 2.8), ("Birmingham", 2.6), ("Glasgow", 1.7), ("Leeds", 1.9))),
    ("de", "Germany", "+01:00",
     (("Berlin", 3.7), ("Munich", 2.6), ("Hamburg", 1.9), ("Cologne", 1.1), ("Frankfurt", 2.3))),
    ("fr", "France", "+01:00",
     (("Paris", 11.0), ("Lyon", 2.3), ("Marseille", 1.9), ("Toulouse", 1.4))),
    ("es", "Spain", "+01:00",
     (("Madrid", 6.7), ("Barcelona", 5.6), ("Valencia", 1.6), ("Seville", 1.3))),
    ("it", "Italy", "+01:00", (("Rome", 4.3), ("Milan", 4.3), ("Naples", 3.0), ("Turin", 1.7))),
    ("nl", "Netherlands", "+01:00", (("Amsterdam", 2.5), ("Rotterdam", 1.8), ("Utrecht", 0.9))),
    ("pl", "Poland", "+01:00",
     (("Warsaw", 3.1), ("Krakow", 1.4), ("Wroclaw", 1.2), ("Gdansk", 1.1))),
    ("se", "Sweden", "+01:00", (("Stockholm", 2.4), ("Gothenburg", 1.1), ("Malmo", 0.8))),
    ("ie", "Ireland", "+00:00", (("Dublin", 2.0), ("Cork", 0.4), ("Galway", 0.2))),
    ("pt", "Portugal", "+00:00", (("Lisbon", 2.9), ("Porto", 1.7), ("Braga", 0.3))),
    ("ca", "Canada", "-05:00",
     (("Toronto", 6.2), ("Montreal", 4.3), ("Vancouver", 2.6), ("Calgary", 1.5))),
    ("in", "India", "+05:30",
     (("Bengaluru", 4.0), ("Mumbai", 4.0), ("Delhi", 3.5), ("Pune", 1.5), ("Hyderabad", 2.0))),
)
_NAME_HEADS: tuple[str, ...] = (
    "North", "South", "East", "West", "Bright", "Blue", "Green", "Silver", "Oak", "River", "Stone",
    "Summit", "Harbor", "Crown", "Pioneer", "Evergreen", "Atlas", "Nova", "Vertex", "Lumen",
    "Cedar", "Maple", "Falcon", "Orion", "Meridian", "Beacon", "Keystone", "Aurora",
)
_NAME_TAILS: tuple[str, ...] = (
    "field", "bridge", "wave", "point", "gate", "stone", "wood", "line", "works", "ford", "view",
    "light", "peak", "way", "haven", "crest", "well", "mark",
)
_DOMAIN_KINDS: dict[str, tuple[str, ...]] = {
    "healthcare": ("Health", "Clinic", "Hospital", "Care"),
    "software": ("Software", "Labs", "Systems", "Digital"),
    "logistics": ("Logistics", "Freight", "Transport", "Distribution"),
    "hospitality": ("Hotels", "Hospitality", "Kitchens", "Resorts"),
    "finance": ("Finance", "Capital", "Partners", "Bank"),
    "education": ("Academy", "College", "School", "Learning"),
    "construction": ("Construction", "Builders", "Contractors", "Homes"),
    "manufacturing": ("Manufacturing", "Industries", "Works", "Fabrication"),
    "retail": ("Retail", "Stores", "Market", "Outlets"),
    "creative": ("Studios", "Media", "Design", "Arts"),
    "agriculture": ("Farms", "Agri", "Growers", "Foods"),
    "engineering": ("Engineering", "Technologies", "Research", "Instruments"),
    "public": ("Services", "Trust", "Foundation", "Council"),
}
# fmt: on


@dataclass(frozen=True)
class Places:
    """Countries, cities and organizations, as parallel arrays and id lists."""

    country_ids: list[str]
    country_names: list[str]
    country_offsets: list[str]
    city_ids: list[str]
    city_names: list[str]
    city_country: np.ndarray
    city_weight: np.ndarray
    org_ids: list[str]
    org_names: list[str]
    org_domain: np.ndarray
    org_city: np.ndarray

    def orgs_by_domain(self, n_domains: int) -> list[np.ndarray]:
        """Organization indices per domain (possibly empty)."""
        return [np.flatnonzero(self.org_domain == d) for d in range(n_domains)]


def _places() -> tuple[
    list[str], list[str], list[str], list[str], list[str], np.ndarray, np.ndarray
]:
    city_ids, city_names, city_country, city_weight = [], [], [], []
    for c, (code, _, _, cities) in enumerate(COUNTRIES):
        for name, weight in cities:
            city_ids.append(f"{code}-{name.lower()}")
            city_names.append(name)
            city_country.append(c)
            city_weight.append(weight)
    weights = np.array(city_weight) / sum(city_weight)
    return (
        [c[0] for c in COUNTRIES],
        [c[1] for c in COUNTRIES],
        [c[2] for c in COUNTRIES],
        city_ids,
        city_names,
        np.array(city_country, dtype=np.int64),
        weights,
    )


def build_places(
    n_organizations: int,
    domains: np.ndarray,
    rng: np.random.Generator,
    domain_ids: tuple[str, ...] = (),
) -> Places:
    """Places plus ``n_organizations`` employers spread over ``domains``.

    Args:
        n_organizations: how many organizations; at least one per domain in ``domains``.
        domains: domain index of each occupation; organizations follow its distribution.
        rng: the generator's random stream for this step.
        domain_ids: domain ids (for name styles), indexed like ``domains``' values.

    Returns:
        The places and organizations.
    """
    domain_ids = domain_ids or DOMAIN_IDS
    ids, names, offsets, city_ids, city_names, city_country, city_weight = _places()
    present = np.unique(domains)
    counts = np.bincount(domains, minlength=len(domain_ids)).astype(float)
    extra = max(0, n_organizations - len(present))
    org_domain = np.concatenate(
        [present, rng.choice(len(domain_ids), extra, p=counts / counts.sum())]
    )
    org_domain = org_domain[:n_organizations].astype(np.int64)
    org_city = rng.choice(len(city_ids), len(org_domain), p=city_weight).astype(np.int64)
    heads = rng.integers(0, len(_NAME_HEADS), len(org_domain))
    tails = rng.integers(0, len(_NAME_TAILS), len(org_domain))
    kinds = rng.integers(0, 4, len(org_domain))
    org_names: list[str] = []
    used: set[str] = set()
    for i, d in enumerate(org_domain):
        kind = _DOMAIN_KINDS[domain_ids[d]][kinds[i]]
        name = f"{_NAME_HEADS[heads[i]]}{_NAME_TAILS[tails[i]]} {kind}"
        if name in used:
            name = f"{name} {city_names[org_city[i]]}"
        while name in used:  # same name, same city: number it
            name = f"{name} {i + 1}"
        used.add(name)
        org_names.append(name)
    width = len(str(len(org_domain)))
    org_ids = [f"org{i + 1:0{width}d}" for i in range(len(org_domain))]
    return Places(
        ids,
        names,
        offsets,
        city_ids,
        city_names,
        city_country,
        city_weight,
        org_ids,
        org_names,
        org_domain,
        org_city,
    )
