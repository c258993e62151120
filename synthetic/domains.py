"""The sector domains of the synthetic world and how an ESCO occupation is assigned to one.

An occupation's domain comes from keywords in its name and aliases (first matching domain in
``DOMAIN_KEYWORDS`` order wins, so "software engineer" is software, not engineering), else
from its ISCO-08 group (``ISCO_DOMAINS``, longest matching code prefix). A skill's domain is
the one most of its occupations (in the generated subset) belong to.

Example:
    >>> DOMAIN_IDS[domain_of("pastry chef", [], "5120")]
    'hospitality'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

DOMAINS: tuple[tuple[str, str, float], ...] = (
    # id, display name, share of occupations (and so of roles) drawn from the domain
    ("healthcare", "Healthcare", 0.12),
    ("software", "Software & IT", 0.10),
    ("logistics", "Transport & Logistics", 0.09),
    ("hospitality", "Hospitality & Tourism", 0.09),
    ("finance", "Finance & Administration", 0.09),
    ("education", "Education", 0.07),
    ("construction", "Construction", 0.08),
    ("manufacturing", "Manufacturing", 0.11),
    ("retail", "Retail & Sales", 0.07),
    ("creative", "Arts, Media & Design", 0.06),
    ("agriculture", "Agriculture & Food", 0.04),
    ("engineering", "Engineering & Science", 0.05),
    ("public", "Public & Social Services", 0.03),
)
DOMAIN_IDS: tuple[str, ...] = tuple(d[0] for d in DOMAINS)
DOMAIN_NAMES: tuple[str, ...] = tuple(d[1] for d in DOMAINS)
DOMAIN_SHARES: tuple[float, ...] = tuple(d[2] for d in DOMAINS)

# Regex alternatives per domain, tried in this order (first match wins).
# fmt: off
DOMAIN_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("software", (
        r"software|\bict\b|developer|programmer|web |database|cyber|computer|devops|"
        r"\bdata (scientist|analyst|engineer)|network admin|cloud|user experience")),
    ("healthcare", (
        r"nurs|doctor|physician|medical|health|clinic|therap|pharmac|dent|surgeon|midwi|"
        r"paramedic|psycholog|radiograph|optometr|hospital\b|patient|veterinar|"
        r"care worker|carer|physio|chiropod|podiatr|audiolog")),
    ("education", (
        r"teach|lecturer|tutor|instructor|education|school|professor|trainer|pedagog|"
        r"early years|librarian")),
    ("hospitality", (
        r"chef|\bcook|waiter|waitress|bartender|hotel|restaurant|kitchen|catering|barista|"
        r"housekeep|touris|travel|tour guide|sommelier|casino|hostel|spa ")),
    ("finance", (
        r"account|financ|bank|\btax|audit|insurance|actuar|invest|loan|credit|economist|"
        r"budget|payroll|broker|trader|secretar|clerk|administrat")),
    ("logistics", (
        r"logistic|warehouse|driver|truck|courier|freight|shipping|transport|supply chain|"
        r"forklift|dispatch|delivery|postal|cargo|\bport\b|railway|train |pilot|aircraft|"
        r"vessel|ship |deck|air traffic|removal")),
    ("retail", (
        r"shop|store|retail|cashier|merchandis|salesperson|sales|seller|buyer|vendor|"
        r"wholesale|auction")),
    ("creative", (
        r"artist|design|music|actor|dancer|writer|journalist|editor|photograph|film|media|"
        r"theatre|animat|composer|singer|museum|curator|fashion|stage|perform")),
    ("agriculture", (
        r"farm|agricultur|crop|livestock|forest|fish|horticult|garden|animal|vineyard|"
        r"harvest|dairy|beekeep|grower|aquacult")),
    ("construction", (
        r"construct|builder|bricklay|carpent|plumb|electrician|roof|plaster|scaffold|"
        r"architect|civil engineer|surveyor|demolition|paving|road|building|tiler|glazier|"
        r"decorator|insulation|crane|concrete|floor")),
    ("public", (
        r"police|firefight|social work|government|public|civil serv|legal|lawyer|judge|"
        r"military|security|prison|policy|diplomat|politic|welfare|court")),
    ("engineering", (
        r"engineer|scientist|physicist|chemist|biolog|laborator|research|geolog|metrolog|"
        r"mathemat|statistic|technician")),
    ("manufacturing", (
        r"machine|operator|assembler|manufactur|production|factory|welder|metal|plastic|"
        r"textile|\bmill|fabricat|process|plant|mechanic|tender|moulder|finisher|printer")),
)
# fmt: on
_PATTERNS = tuple((DOMAIN_IDS.index(d), re.compile(p)) for d, p in DOMAIN_KEYWORDS)

# fmt: off
ISCO_DOMAINS: dict[str, str] = {
    "0": "public", "11": "finance", "12": "finance", "131": "agriculture", "1321": "manufacturing",
    "1322": "manufacturing", "1323": "construction", "1324": "logistics", "133": "software",
    "134": "healthcare", "1345": "education", "1346": "finance", "141": "hospitality",
    "142": "retail", "143": "hospitality", "21": "engineering", "2166": "creative",
    "22": "healthcare", "23": "education", "24": "finance", "25": "software", "261": "public",
    "262": "creative", "263": "public", "264": "creative", "265": "creative", "31": "engineering",
    "311": "engineering", "312": "manufacturing", "313": "manufacturing", "314": "agriculture",
    "315": "logistics", "32": "healthcare", "33": "finance", "332": "retail", "34": "public",
    "343": "creative", "35": "software", "4": "finance", "51": "hospitality", "511": "logistics",
    "52": "retail", "53": "healthcare", "531": "education", "54": "public", "6": "agriculture",
    "71": "construction", "72": "manufacturing", "73": "creative", "74": "construction",
    "75": "manufacturing", "751": "agriculture", "8": "manufacturing", "83": "logistics",
    "91": "hospitality", "92": "agriculture", "93": "construction", "932": "manufacturing",
    "933": "logistics", "94": "hospitality", "95": "retail", "96": "public",
}
# fmt: on


def domain_of(name: str, aliases: Sequence[str], isco_group: str | None) -> int:
    """Index into ``DOMAIN_IDS`` of an occupation: keywords first, then its ISCO group."""
    text = " ".join([name, *aliases[:3]]).lower() + " "
    for index, pattern in _PATTERNS:
        if pattern.search(text):
            return index
    code = isco_group or ""
    for length in range(len(code), 0, -1):
        if code[:length] in ISCO_DOMAINS:
            return DOMAIN_IDS.index(ISCO_DOMAINS[code[:length]])
    return DOMAIN_IDS.index("public")
