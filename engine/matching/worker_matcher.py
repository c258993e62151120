"""``WorkerMatcher``: score one worker profile against one job posting with no graph at all.

Zero setup: features come from the two dicts alone (``engine.features.adhoc``): skill
coverage by name (required and optional, weighted by importance), location and remote fit,
the text cosine of the offline MiniLM, behavioural signals. With no history to learn from,
they are combined by a fixed, documented prior:

    score = 0.45 required coverage + 0.15 optional coverage + 0.20 text
            + 0.10 location fit + 0.10 signals

where *text* maps cosine 0.2..0.8 onto 0..1 and *signals* is the mean of reliability,
attendance, engagement and 1 - churn risk; an unknown part takes a neutral 0.5 and is named
in ``missing``. A trained engine scores ad-hoc pairs with its learned cold-start scorer
instead (``MatchingEngine.score``). Both validate the two dicts first
(``engine.matching.adhoc_request``) and raise ``RequestError`` naming the broken field.

Example:
    >>> matcher = WorkerMatcher(encoder=None)
    >>> m = matcher.score({"id": "w1", "skills": ["python"], "location": "Berlin"},
    ...                   {"id": "j1", "location": "berlin",
    ...                    "skills": [{"skill": "Python", "importance": 1, "required": True}]})
    >>> round(m.score, 3), m.reasons[0]
    (0.625, 'holds required skill python (1 of 1)')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from engine.features.adhoc import AdhocFeatures, adhoc_features
from engine.features.reasons import adhoc_reasons
from engine.matching.adhoc_request import JobPosting, WorkerProfile, validate_request
from engine.results import Match

WEIGHTS = {"required": 0.45, "optional": 0.15, "text": 0.20, "location": 0.10, "signals": 0.10}
NEUTRAL = 0.5
_DEFAULT = object()


def prior_score(values: Mapping[str, float]) -> float:
    """The fixed zero-shot combination of the module docstring, in [0, 1]."""

    def known(x: float) -> float:
        return NEUTRAL if np.isnan(x) else float(x)

    text = NEUTRAL if values["text_missing"] else np.clip((values["text_cosine"] - 0.2) / 0.6, 0, 1)
    location = NEUTRAL if values["location_missing"] else values["location_fit"]
    signals = np.mean(
        [
            known(values["reliability"]),
            known(values["attendance"]),
            known(values["engagement"]),
            1.0 - known(values["churn_risk"]),
        ]
    )
    parts = {
        "required": values["required_coverage"],
        "optional": values["optional_coverage"],
        "text": text,
        "location": location,
        "signals": signals,
    }
    return float(np.clip(sum(WEIGHTS[k] * parts[k] for k in WEIGHTS), 0.0, 1.0))


class WorkerMatcher:
    """Zero-setup scorer of ad-hoc worker profiles and job postings.

    Args:
        encoder: texts -> unit vectors for the text cosine; by default the offline MiniLM
            (loaded on first use); ``None`` scores without text.
        aliases: optional alias -> canonical skill name map.
        as_of: ``YYYY-MM`` until which open-ended experience runs (default: this month).
    """

    def __init__(
        self,
        encoder: Callable[[list[str]], np.ndarray] | None | object = _DEFAULT,
        aliases: Mapping[str, str] | None = None,
        as_of: str | None = None,
    ) -> None:
        self.encoder = encoder
        self.aliases = aliases
        self.as_of = as_of
        self._encode: Callable[[list[str]], np.ndarray] | None = None

    def _encoder(self) -> Callable[[list[str]], np.ndarray] | None:
        if self.encoder is _DEFAULT:
            if self._encode is None:
                from engine.models.text_encoder import TextEncoder

                self._encode = TextEncoder().encode
            return self._encode
        return self.encoder  # type: ignore[return-value]

    def features(
        self,
        worker: Mapping[str, Any] | WorkerProfile,
        job: Mapping[str, Any] | JobPosting,
    ) -> AdhocFeatures:
        """The ad-hoc feature row of the pair (``engine.features.adhoc``).

        Raises:
            RequestError: a dict is not of its shape or breaks a rule (``adhoc_request``).
        """
        profile = validate_request(WorkerProfile, worker, "worker_profile")
        posting = validate_request(JobPosting, job, "job_posting")
        return adhoc_features(
            profile.as_dict(),
            posting.as_dict(),
            encoder=self._encoder(),
            aliases=self.aliases,
            as_of=self.as_of,
        )

    def score(
        self,
        worker_profile: Mapping[str, Any] | WorkerProfile,
        job_posting: Mapping[str, Any] | JobPosting,
    ) -> Match:
        """Score one pair; fields it lacks are listed in ``Match.missing``.

        Raises:
            RequestError: a dict is not of its shape or breaks a rule, e.g. a skill level
                outside [0, 1] or more than ``MAX_SKILLS`` skills; the message names the
                field (``worker_profile.skills[3].level``), the rule and the value.
        """
        profile = validate_request(WorkerProfile, worker_profile, "worker_profile")
        posting = validate_request(JobPosting, job_posting, "job_posting")
        found = self.features(profile, posting)
        return Match(
            candidate_id=profile.id or "worker",
            role_id=posting.id or "job",
            score=prior_score(found.values),
            rank=1,
            reasons=tuple(adhoc_reasons(found)),
            missing=tuple(found.missing),
        )
