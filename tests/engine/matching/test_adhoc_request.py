"""Ad-hoc scoring validates its two dicts once (engine/matching/adhoc_request.py, issue #7).

Each bad value is refused with the exact message by both ``WorkerMatcher().score`` and an
untrained ``MatchingEngine.score`` over the tiny store; valid dicts score exactly as the
unvalidated feature path did before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from engine.api import MatchingEngine
from engine.features.adhoc import adhoc_features
from engine.matching.adhoc_request import (
    MAX_ITEMS,
    MAX_REPORTED,
    MAX_SKILLS,
    MAX_TEXT_CHARS,
    JobSkill,
    WorkerProfile,
    WorkerSkill,
    validate_request,
)
from engine.matching.worker_matcher import WorkerMatcher, prior_score
from engine.results import Match
from engine.settings import Settings
from graph_schema.errors import RequestError, TalentGraphError
from loaders.records import CandidateSkill, RoleSkill, Signals
from loaders.stores.ladybug import LadybugStore

TINY = Path(__file__).parents[2] / "data" / "tiny"
WORKER = {"id": "w1", "skills": [{"skill": "python", "level": 0.8}], "location": "Berlin"}
JOB = {"id": "j1", "skills": [{"skill": "python", "importance": 1.0, "required": True}]}

Score = Callable[[Any, Any], Match]


@pytest.fixture(params=["worker_matcher", "engine"])
def score(request: pytest.FixtureRequest, tmp_path: Path) -> Score:
    """Both ad-hoc scorers: the zero-shot prior and an untrained engine on the tiny store."""
    if request.param == "worker_matcher":
        return WorkerMatcher(encoder=None).score
    store = request.getfixturevalue("tiny_store_ro")  # not closed: the session fixture's
    return MatchingEngine(store, Settings(db=str(tmp_path / "untrained"))).score


def _skill(**entry: Any) -> dict[str, Any]:
    return {"skills": [{"skill": "python", **entry}]}


BAD_WORKER = [
    (
        _skill(level=-5),
        "worker_profile.skills[0].level: Input should be greater than or equal to 0; got -5",
    ),
    (
        _skill(level=float("inf")),
        "worker_profile.skills[0].level: Input should be a finite number; got inf",
    ),
    (
        _skill(level=float("nan")),
        "worker_profile.skills[0].level: Input should be a finite number; got nan",
    ),
    (
        _skill(level=1e9),
        "worker_profile.skills[0].level: Input should be less than or equal to 1; got 1000000000.0",
    ),
    (
        _skill(level="0.5"),
        "worker_profile.skills[0].level: Input should be a valid number; got '0.5'",
    ),
    (
        _skill(level=True),
        "worker_profile.skills[0].level: Input should be a valid number; got True",
    ),
    (
        _skill(years=-1),
        "worker_profile.skills[0].years: Input should be greater than or equal to 0; got -1",
    ),
    (
        _skill(years=71),
        "worker_profile.skills[0].years: Input should be less than or equal to 70; got 71",
    ),
    (
        {"signals": {"reliability": 50}},
        "worker_profile.signals.reliability: Input should be less than or equal to 1; got 50",
    ),
    (
        {"preferences": {"remote": "yes"}},
        "worker_profile.preferences.remote: Input should be a valid boolean; got 'yes'",
    ),
    (
        {"experience": [{"start": "2020-05", "end": "2019-01"}]},
        "worker_profile.experience[0]: end 2019-01 is before start 2020-05",
    ),
    (
        {"experience": [{"start": "2020-13"}]},
        (
            "worker_profile.experience[0].start: String should match pattern "
            "'^\\d{4}-(0[1-9]|1[0-2])$'; got '2020-13'"
        ),
    ),
    (
        None,
        "worker_profile: Input should be a valid dictionary or instance of WorkerProfile; got None",
    ),
    (
        ["python"],
        (
            "worker_profile: Input should be a valid dictionary or instance of WorkerProfile; "
            "got a list of 1 item"
        ),
    ),
    ({"skills": "python"}, "worker_profile.skills: Input should be a valid list; got 'python'"),
    (
        {"skills": [5]},
        (
            "worker_profile.skills[0]: Input should be a valid dictionary or instance of "
            "WorkerSkill; got 5"
        ),
    ),
    (
        {"skills": [{"skill": 5}]},
        "worker_profile.skills[0].skill: Input should be a valid string; got 5",
    ),
    ({"skills": [{"level": 0.5}]}, "worker_profile.skills[0].skill: Field required"),
    (
        {"skills": [""]},
        "worker_profile.skills[0].skill: String should have at least 1 character; got ''",
    ),
    (
        _skill(importance=1.0),
        "worker_profile.skills[0].importance: Extra inputs are not permitted; got 1.0",
    ),
    ({"id": 5}, "worker_profile.id: Input should be a valid string; got 5"),
    (
        {"skils": ["python"]},
        "worker_profile.skils: Extra inputs are not permitted; got a list of 1 item",
    ),
    (
        {"skills": [{"skill": f"s{i}"} for i in range(100_000)]},
        (
            f"worker_profile.skills: List should have at most {MAX_SKILLS} items after validation, "
            "not 100000; got a list of 100000 items"
        ),
    ),
    (
        {"headline": "x" * (MAX_TEXT_CHARS + 1)},
        (
            f"worker_profile.headline: String should have at most {MAX_TEXT_CHARS} characters; "
            f"got a string of {MAX_TEXT_CHARS + 1} characters"
        ),
    ),
    (
        {"preferences": {"locations": ["Berlin"] * (MAX_ITEMS + 1)}},
        (
            f"worker_profile.preferences.locations: List should have at most {MAX_ITEMS} items "
            f"after validation, not {MAX_ITEMS + 1}; got a list of {MAX_ITEMS + 1} items"
        ),
    ),
]

BAD_JOB = [
    (
        {"skills": [{"skill": "python", "importance": -1, "required": True}]},
        "job_posting.skills[0].importance: Input should be greater than or equal to 0; got -1",
    ),
    (
        {"skills": [{"skill": "python", "importance": 1, "required": "true"}]},
        "job_posting.skills[0].required: Input should be a valid boolean; got 'true'",
    ),
    ({"remote": 1}, "job_posting.remote: Input should be a valid boolean; got 1"),
    (
        {"skills": [{"skill": "sql", "level": 0.5}]},
        "job_posting.skills[0].level: Extra inputs are not permitted; got 0.5",
    ),
    (
        {"skills": ["sql"] * (MAX_SKILLS + 1)},
        (
            f"job_posting.skills: List should have at most {MAX_SKILLS} items after validation, "
            f"not {MAX_SKILLS + 1}; got a list of {MAX_SKILLS + 1} items"
        ),
    ),
    (
        {"description": "x" * (MAX_TEXT_CHARS + 1)},
        (
            f"job_posting.description: String should have at most {MAX_TEXT_CHARS} characters; "
            f"got a string of {MAX_TEXT_CHARS + 1} characters"
        ),
    ),
    (
        "python developer",
        (
            "job_posting: Input should be a valid dictionary or instance of JobPosting; "
            "got 'python developer'"
        ),
    ),
]


@pytest.mark.parametrize(("worker", "message"), BAD_WORKER)
def test_bad_worker_profile_is_refused_naming_the_field(
    score: Score, worker: Any, message: str
) -> None:
    with pytest.raises(RequestError) as caught:
        score(worker, JOB)
    assert str(caught.value) == message


@pytest.mark.parametrize(("job", "message"), BAD_JOB)
def test_bad_job_posting_is_refused_naming_the_field(score: Score, job: Any, message: str) -> None:
    with pytest.raises(RequestError) as caught:
        score(WORKER, job)
    assert str(caught.value) == message


def test_negative_importance_no_longer_counts_as_covered(score: Score) -> None:
    # before issue #7, importance -1 made the required group's total <= 0: coverage 1.0
    job = {"skills": [{"skill": "sql", "importance": -1, "required": True}]}
    with pytest.raises(RequestError, match=r"job_posting\.skills\[0\]\.importance"):
        score({"skills": ["python"]}, job)


def test_request_error_is_a_value_error_with_the_field_paths() -> None:
    with pytest.raises(ValueError) as caught:
        WorkerMatcher(encoder=None).score(_skill(level=2), {"skills": [{"skill": 3}]})
    error = caught.value
    assert isinstance(error, RequestError) and isinstance(error, TalentGraphError)
    assert error.argument == "worker_profile"
    assert error.problems == (
        ("worker_profile.skills[0].level", "Input should be less than or equal to 1; got 2"),
    )
    assert isinstance(error.__cause__, ValidationError)


def test_many_broken_rules_are_listed_up_to_a_limit() -> None:
    worker = {"skills": [{"skill": "python", "level": 2}] * (MAX_REPORTED + 3)}
    with pytest.raises(RequestError) as caught:
        WorkerMatcher(encoder=None).score(worker, {})
    lines = str(caught.value).splitlines()
    assert len(lines) == MAX_REPORTED + 1
    assert (
        lines[0] == "worker_profile.skills[0].level: Input should be less than or equal to 1; got 2"
    )
    assert lines[-1] == "worker_profile: 3 more broken rules not shown"


def test_sensitive_values_are_never_quoted() -> None:
    with pytest.raises(RequestError) as caught:
        WorkerMatcher(encoder=None).score({"sensitive": {"gender": 12345}}, {})
    assert str(caught.value) == "worker_profile.sensitive.gender: Input should be a valid string"


@pytest.mark.parametrize("value", [-0.01, 0.0, 0.5, 1.0, 1.01])
def test_units_follow_the_dataset_rules(value: float) -> None:
    def accepts(model: type, **fields: Any) -> bool:
        try:
            model.model_validate({"skill": "python", **fields})
        except ValidationError:
            return False
        return True

    assert accepts(WorkerSkill, level=value) == accepts(CandidateSkill, level=value)
    assert accepts(JobSkill, importance=value) == accepts(RoleSkill, importance=value)
    signals = {"signals": {"churn_risk": value}}
    try:
        Signals.model_validate(signals["signals"])
        dataset = True
    except ValidationError:
        dataset = False
    try:
        validate_request(WorkerProfile, signals, "worker_profile")
        adhoc = True
    except RequestError:
        adhoc = False
    assert adhoc == dataset


@pytest.mark.parametrize("years", [-0.5, 0, 35.5, 70, 70.5])
def test_years_follow_the_dataset_rules(years: float) -> None:
    def accepts(model: type) -> bool:
        try:
            model.model_validate({"skill": "python", "years": years})
        except ValidationError:
            return False
        return True

    assert accepts(WorkerSkill) == accepts(CandidateSkill)


def _tiny(name: str) -> dict[str, dict[str, Any]]:
    rows = map(json.loads, (TINY / f"{name}.jsonl").read_text().splitlines())
    return {row["id"]: row for row in rows}


def test_valid_dicts_score_as_the_unvalidated_features_did() -> None:
    # the oracle is the feature path on the raw dicts, as ad-hoc scoring ran before issue #7
    matcher = WorkerMatcher(encoder=None, as_of="2025-01")
    candidates, roles = _tiny("candidates"), _tiny("roles")
    extra = [
        (
            {"skills": ["Python", {"name": "SQL", "years": 3}], "sensitive": {"gender": "f"}},
            {"title": "Analyst", "remote": True, "skills": [{"skill": "sql", "required": True}]},
        ),
        ({}, {}),
    ]
    pairs = [(c, r) for c in candidates.values() for r in roles.values()] + extra
    for worker, job in pairs:
        found = adhoc_features(worker, job, as_of="2025-01")
        match = matcher.score(worker, job)
        assert match.score == pytest.approx(prior_score(found.values)), (worker, job)
        assert list(match.missing) == found.missing
        assert match.candidate_id == worker.get("id", "worker")
        assert match.role_id == job.get("id", "job")


def test_valid_profile_scores_on_the_untrained_engine(
    tiny_store_ro: LadybugStore, tmp_path: Path
) -> None:
    engine = MatchingEngine(tiny_store_ro, Settings(db=str(tmp_path / "untrained")))
    assert engine.score(WORKER, JOB) == WorkerMatcher().score(WORKER, JOB)
    match = engine.score(WORKER, JOB)
    assert (match.candidate_id, match.role_id) == ("w1", "j1")
    assert "job.location" in match.missing and "worker.signals.reliability" in match.missing
