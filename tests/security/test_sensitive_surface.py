"""Nothing leaked, round two (issue #16): what allocation and a lost sensitive store reveal.

- Allocation never answers which group a candidate belongs to: quotas are an administrator's
  stored policy (``talentgraph policy quotas``), never a per-call argument; they and the
  sensitive diversity categories apply only with at least the audit's minimum group size
  (30) of candidates and places; below, the result is the same whatever the groups and
  says why without naming one; group shares are reported only over 30 placed or more.
- A deleted, never written or unreadable sensitive store is an error for the audit (naming
  the file, CLI exit 2) and a flag on every served list (``Match.warnings``, a
  ``FairnessUnavailableWarning``, a WARNING line in the CLI), never a silent "unknown".
- Every bad allocation input is a ``ConfigError`` naming the parameter, the rule and the
  value; stored quotas no allocation placing anyone meets are an error, not an empty
  success; capacities are capped at 1,000,000.

Every test runs on real stores on disk: copies of the session's trained store where a test
writes or deletes, the tiny dataset imported afresh where it needs a store without
sensitive attributes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine import MatchingEngine, Settings
from engine.allocation.policy import MAX_CAPACITY, normalise_weights
from engine.allocation.report import (
    NO_SENSITIVE_DIVERSITY,
    NOT_MET,
    NOT_MET_EMPTY,
    QUOTAS_NEED_SENSITIVE,
    SMALL,
    SUPPRESSED,
    WITHHELD,
)
from engine.cli import app
from engine.fairness.groups import FAIRNESS_UNAVAILABLE, FairnessUnavailableWarning
from graph_schema.errors import ConfigError, StoreError
from loaders.import_job import ImportOptions
from loaders.sensitive_store import MISSING, NEVER_WRITTEN, SENSITIVE_FILE

pytestmark = pytest.mark.slow

TINY = Path(__file__).parents[1] / "data" / "tiny"
BUDGET = {"generations": 5, "pop_size": 8}
WEIGHTS_RULE = (
    "The 'weights' parameter of allocate must be three finite numbers >= 0 (merit, diversity, "
    "preference), not all 0, or a dict of such numbers with keys among ('merit', 'diversity', "
    "'preference'). Got {value} instead."
)


def _ids(trained_engine, name: str, n: int) -> list[str]:
    lines = (trained_engine.data / name).read_text().splitlines()
    return [json.loads(line)["id"] for line in lines[:n]]


def _flat(text: str) -> str:
    """CLI output with the console's line wrapping undone."""
    return " ".join(text.split())


@pytest.fixture
def own(trained_engine, tmp_path: Path) -> Iterator[MatchingEngine]:
    """A copy of the trained store, opened for writing (tests change or delete files)."""
    store = tmp_path / "store"
    shutil.copytree(trained_engine.root / "store", store)
    with MatchingEngine.open(store, settings=Settings(db=str(store))) as eng:
        yield eng


def _groups(eng: MatchingEngine, attribute: str) -> dict[str, str]:
    return {r["id"]: r[attribute] for r in eng.store.read_sensitive("audit")}


# ------------------------------------------------------------------ 4. quotas and groups
def test_allocate_takes_no_quota_per_call(trained_engine) -> None:
    eng = trained_engine.eng
    roles = _ids(trained_engine, "roles.jsonl", 1)
    cands = _ids(trained_engine, "candidates.jsonl", 1)
    with pytest.raises(ConfigError) as info:
        eng.allocate(roles, cands, quotas={("age_band", "25-34"): 1.0})
    assert str(info.value) == (
        "The 'quotas' parameter of allocate takes no quotas: quotas are an allocation policy "
        "an administrator stores ('talentgraph policy quotas --set ATTRIBUTE=GROUP:SHARE' or "
        "MatchingEngine.set_allocation_quotas), and allocate applies the stored ones. "
        "Got {('age_band', '25-34'): 1.0} instead."
    )
    policy = {"quotas": [{"attribute": "gender", "group": "male", "min_share": 1.0}]}
    with pytest.raises(ConfigError, match=r"^The 'policy' parameter of allocate takes no quotas"):
        eng.allocate(roles, cands, policy=policy)
    db = str(trained_engine.root / "store")
    args = ["allocate", "--db", db, "--roles", roles[0], "--candidates", cands[0]]
    result = CliRunner().invoke(app, [*args, "--quota", "age_band=25-34:1", "--capacity", "1"])
    assert result.exit_code == 2 and "No such option: --quota" in _flat(result.output)


def test_a_small_allocation_is_the_same_whatever_the_groups(own, trained_engine) -> None:
    """The issue's probe: one role, capacity 1, one candidate (then 12) and a quota of 1 on
    each group in turn. Every answer is the same allocation and the same note, which names
    no group; nothing sensitive is reported."""
    role = _ids(trained_engine, "roles.jsonl", 1)[0]
    pool = [m.candidate_id for m in own.recommend_candidates(role, k=12, rerank="none")]
    gender, age = _groups(own, "gender"), _groups(own, "age_band")
    for cands in (pool[:1], pool):
        answers = []
        probes = [None, *[f"gender={g}:0.5" for g in ("female", "male", "non-binary")]]
        probes += [f"age_band={a}:0.5" for a in sorted(set(age.values()) - {None})]
        for probe in probes:
            own.set_allocation_quotas([probe] if probe else None)
            out = own.allocate([role], cands, capacity=1, **BUDGET)
            answers.append(out.model_dump())
        assert all(a == answers[0] for a in answers), "an answer depends on a group"
        note = SMALL.format(
            attributes="gender, age_band", candidates=len(cands), places=1, min_n=30
        )
        assert answers[0]["notes"] == (note, SUPPRESSED.format(min_n=30))
        assert note == (
            "Quotas and the sensitive diversity categories (gender, age_band) were not "
            "applied: they need at least 30 placeable candidates (with a scored, not excluded "
            "arc to a role with a place) and 30 places they can fill (the audit's minimum "
            f"group size); this allocation has {len(cands)} and 1."
        )
        assert answers[0]["quotas_applied"] is False and answers[0]["group_shares"] == ()
        assert all(
            p["diversity"] is None and p["quota_shortfall"] is None for p in answers[0]["front"]
        )
        assert not any(g in json.dumps(answers[0]) for g in ("female", "male", "25-34"))
    assert all(gender.get(c) or age.get(c) for c in pool)  # the probes had groups to find


def test_stored_quotas_apply_from_thirty_and_report_shares(own, trained_engine) -> None:
    roles = _ids(trained_engine, "roles.jsonl", 8)
    cands = _ids(trained_engine, "candidates.jsonl", 120)
    stored = own.set_allocation_quotas({("gender", "female"): 0.5})
    assert [str(q) for q in stored] == ["gender=female:0.5"]
    assert [str(q) for q in own.allocation_quotas()] == ["gender=female:0.5"]
    out = own.allocate(
        roles,
        cands,
        {"merit": 1, "diversity": 0, "preference": 0},
        capacity=5,
        disclose_groups=True,
        **BUDGET,
    )
    assert out.quotas_applied and len(out.assignments) >= 30
    gender = _groups(own, "gender")
    women = sum(gender.get(a.candidate_id) == "female" for a in out.assignments)
    (share,) = out.group_shares
    assert (share.attribute, share.group, share.min_share) == ("gender", "female", 0.5)
    assert share.share == women / len(out.assignments) and share.share >= 0.5
    assert out.front[out.chosen].quota_shortfall == 0.0
    assert out.notes == () and out.warnings == ()


def test_one_candidate_more_tells_no_group_to_a_recruiter(own, trained_engine) -> None:
    """The probe's differencing (X3): the same 29 candidates plus one target, capacity 30 on
    one role, a stored quota gender=female:0.5. The auditor's view (``disclose_groups``)
    tells each target's gender by the difference of the female share (or of the diversity);
    the recruiter's view reports neither, and says why without naming a group."""
    role = _ids(trained_engine, "roles.jsonl", 1)[0]
    pool = [m.candidate_id for m in own.recommend_candidates(role, k=120, rerank="none")]
    gender = _groups(own, "gender")
    # 16 women and 13 men: with either target, the quota holds and all 30 are placed
    fill = [c for c in pool if gender.get(c) == "female"][:16]
    fill += [c for c in pool if gender.get(c) == "male"][:13]
    assert len(fill) == 29
    own.set_allocation_quotas(["gender=female:0.5"])

    def allocation(target: str, disclose: bool) -> dict:
        out = own.allocate([role], [*fill, target], capacity=30, disclose_groups=disclose, **BUDGET)
        return out.model_dump()

    def told(answer: dict) -> tuple:  # what an answer says about the groups of the placed
        front = frozenset((p["diversity"], p["quota_shortfall"]) for p in answer["front"])
        return answer["group_shares"], front, answer["notes"]

    audits: dict[str, tuple] = {}
    women: list[str] = []
    men: list[str] = []
    for target in (c for c in pool if c not in fill):  # placed with the 29: shares reported
        group = {"female": women, "male": men}.get(gender.get(target, ""))
        if group is None or len(group) == 2:
            continue
        audits[target] = told(allocation(target, disclose=True))
        if audits[target][0]:
            group.append(target)
        if len(women) == len(men) == 2:
            break
    assert len(women) == len(men) == 2  # the probe has targets of both groups
    shares = {t: audits[t][0] for t in women + men}
    assert shares[women[0]] == shares[women[1]] != shares[men[0]] == shares[men[1]], (
        "the auditor's view no longer tells the groups apart: the check below proves nothing"
    )
    answers = {t: told(allocation(t, disclose=False)) for t in women + men}
    assert len(set(answers.values())) == 1, "a recruiter's allocation depends on a group"
    withheld, front, notes = answers[women[0]]
    assert withheld == () and front == {(None, None)}
    assert notes == (WITHHELD.format(attributes="gender, age_band"),)
    assert "female" not in json.dumps(allocation(women[0], disclose=False))


def test_quota_validation_never_looks_a_group_up(own) -> None:
    # a group nobody holds is stored like any other: the setter learns nothing
    assert [str(q) for q in own.set_allocation_quotas(["gender=nobody-at-all:0.2"])] == [
        "gender=nobody-at-all:0.2"
    ]
    cases = {
        "religion=x:0.1": (
            "The 'quotas' parameter of set_allocation_quotas must be ATTRIBUTE=GROUP:SHARE "
            "with ATTRIBUTE one of gender, age_band, location, institution, a GROUP name (1 to "
            "100 characters, no control or format characters) and SHARE a number in [0, 0.5]. "
            "Got 'religion=x:0.1' instead."
        ),
        "gender=female:nan": (
            "The 'quotas' parameter of set_allocation_quotas must be ATTRIBUTE=GROUP:SHARE "
            "with ATTRIBUTE one of gender, age_band, location, institution, a GROUP name (1 to "
            "100 characters, no control or format characters) and SHARE a number in [0, 0.5]. "
            "Got 'gender=female:nan' instead."
        ),
    }
    for text, message in cases.items():
        with pytest.raises(ConfigError) as info:
            own.set_allocation_quotas([text])
        assert str(info.value) == message
    with pytest.raises(ConfigError) as info:
        own.set_allocation_quotas(["gender=female:0.5", "gender=male:0.4", "gender=x:0.3"])
    assert str(info.value) == (
        "The 'quotas' parameter of set_allocation_quotas must be quotas whose minimum shares "
        "of one attribute add up to at most 1 (those of gender add up to 1.2: no allocation "
        "that places anyone can meet them). Got ['gender=female:0.5', 'gender=male:0.4', "
        "'gender=x:0.3'] instead."
    )
    assert [str(q) for q in own.allocation_quotas()] == ["gender=nobody-at-all:0.2"]


def test_cli_policy_quotas_set_show_clear(own) -> None:
    db = str(own.target)
    run = CliRunner().invoke
    result = run(
        app,
        [
            "policy",
            "quotas",
            "--db",
            db,
            "--set",
            "gender=female:0.4",
            "--set",
            "age_band=55-64:0.1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert _flat(result.output) == (
        "allocation quotas (applied with at least 30 candidates and 30 places): "
        "gender=female:0.4 age_band=55-64:0.1"
    )
    assert run(app, ["policy", "quotas", "--db", db]).output == result.output
    bad = run(app, ["policy", "quotas", "--db", db, "--set", "gender=female:1.5"])
    assert bad.exit_code == 2 and "Got 'gender=female:1.5' instead." in _flat(bad.output)
    cleared = run(app, ["policy", "quotas", "--db", db, "--clear"])
    assert cleared.exit_code == 0 and cleared.output == "no allocation quotas stored\n"


# --------------------------------------------------------- 8. a lost sensitive store
def test_audit_refuses_a_deleted_sensitive_store(own, tmp_path: Path) -> None:
    path = Path(own.target) / SENSITIVE_FILE
    assert path.with_name(SENSITIVE_FILE + ".seen").is_file()  # training found it in use
    path.unlink()
    message = (
        f"sensitive store {path} is missing: it was in use before (sensitive.sqlite.seen "
        "records it), so it was deleted or moved; restore it from a backup, or import the "
        "dataset into a new store"
    )
    assert message == MISSING.format(path=path, seen="sensitive.sqlite.seen")
    for source in ("recommendations", "history"):
        with pytest.raises(StoreError) as info:
            own.audit("gender", source=source)
        assert str(info.value) == message
    result = CliRunner().invoke(
        app, ["audit", "--out", str(tmp_path / "out"), "--db", str(own.target)]
    )
    assert result.exit_code == 2
    assert f"error: {message}" in _flat(result.output)
    assert not (tmp_path / "out").exists()


def test_audit_refuses_an_unreadable_sensitive_store(own) -> None:
    path = Path(own.target) / SENSITIVE_FILE
    path.write_bytes(b"this is not a database, " * 200)
    message = f"sensitive store {path}: read failed: file is not a database"
    with pytest.raises(StoreError) as info:
        own.audit("age_band", source="history")
    assert str(info.value) == message
    role = own.store.node_ids("Role")[0]
    with pytest.warns(FairnessUnavailableWarning):
        matches = own.recommend_candidates(role, k=3)
    assert {m.warnings for m in matches} == {(FAIRNESS_UNAVAILABLE.format(problem=message),)}


def test_audit_refuses_a_store_never_given_sensitive_attributes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(TINY, data, ignore=shutil.ignore_patterns("*.md"))
    rows = [json.loads(line) for line in (data / "candidates.jsonl").read_text().splitlines()]
    text = "".join(
        json.dumps({k: v for k, v in r.items() if k != "sensitive"}) + "\n" for r in rows
    )
    (data / "candidates.jsonl").write_text(text)
    db = tmp_path / "store"
    with MatchingEngine.open(db, settings=Settings(db=str(db))) as eng:
        eng.import_dataset(data, ImportOptions(progress=False, as_of="2025-01"))
        with pytest.raises(StoreError) as info:
            eng.audit("gender", source="history")
    assert str(info.value) == (
        f"sensitive store {db / SENSITIVE_FILE} does not exist: no sensitive attributes were "
        "imported into this store (or the file was deleted before talentgraph first used it); "
        "import a dataset whose candidates carry a 'sensitive' field"
    )
    assert str(info.value) == NEVER_WRITTEN.format(path=db / SENSITIVE_FILE)


def test_every_served_list_says_the_fairness_re_ranking_is_off(own, trained_engine) -> None:
    role = _ids(trained_engine, "roles.jsonl", 1)[0]
    served = own.recommend_candidates(role, k=5)  # proportional over age band, as configured
    assert all(m.warnings == () for m in served)
    path = Path(own.target) / SENSITIVE_FILE
    path.unlink()
    flag = FAIRNESS_UNAVAILABLE.format(
        problem=MISSING.format(path=path, seen="sensitive.sqlite.seen")
    )
    assert flag.startswith(
        "fairness re-ranking unavailable, this list is ranked by merit score alone: "
        f"sensitive store {path} is missing"
    )
    fresh = MatchingEngine.open(own.target, settings=own.settings)  # nothing cached
    with pytest.warns(FairnessUnavailableWarning, match="fairness re-ranking unavailable"):
        matches = fresh.recommend_candidates(role, k=5)
    by_score = fresh.recommend_candidates(role, k=5, rerank="none")
    assert [m.candidate_id for m in matches] == [m.candidate_id for m in by_score]
    assert all(m.warnings == (flag,) for m in matches)
    assert all(m.warnings == () for m in by_score)
    args = ["recommend", "--role", role, "-k", "3", "--db", str(own.target)]
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0 and f"WARNING: {flag}" in _flat(table.output)
    as_json = CliRunner().invoke(app, [*args, "--json"])
    assert as_json.exit_code == 0 and f"WARNING: {flag}" in _flat(as_json.output)
    # allocation: no sensitive diversity, flagged; stored quotas on them cannot be applied
    roles = _ids(trained_engine, "roles.jsonl", 8)
    cands = _ids(trained_engine, "candidates.jsonl", 120)
    problem = MISSING.format(path=path, seen="sensitive.sqlite.seen")
    with pytest.warns(FairnessUnavailableWarning):
        out = fresh.allocate(roles, cands, capacity=5, **BUDGET)
    assert out.warnings == (
        NO_SENSITIVE_DIVERSITY.format(attributes="gender, age_band", problem=problem),
    )
    fresh.set_allocation_quotas(["gender=female:0.4"])
    with pytest.raises(StoreError) as info:
        fresh.allocate(roles, cands, capacity=5, **BUDGET)
    assert str(info.value) == QUOTAS_NEED_SENSITIVE.format(problem=problem)
    fresh.close()


# ------------------------------------------------------------------- 13. bad inputs
@pytest.mark.parametrize(
    ("weights", "shown"),
    [
        ((float("nan"), 1, 1), "(nan, 1, 1)"),
        ((float("inf"), 1, 1), "(inf, 1, 1)"),
        ({"merit": float("inf")}, "{'merit': inf}"),
        ((1, -1, 0), "(1, -1, 0)"),
    ],
)
def test_weights_must_be_finite(weights, shown) -> None:
    with pytest.raises(ConfigError) as info:
        normalise_weights(weights)
    assert str(info.value) == WEIGHTS_RULE.format(value=shown)


def test_bad_allocation_inputs_are_named(trained_engine) -> None:
    eng = trained_engine.eng
    roles = _ids(trained_engine, "roles.jsonl", 2)
    cands = _ids(trained_engine, "candidates.jsonl", 3)
    cases = [
        (
            {"capacity": 10**20},
            (
                "The 'capacity' parameter of allocate must be an int in [0, 1000000] or a dict of "
                "role id -> such an int. Got 100000000000000000000 instead."
            ),
        ),
        (
            {"capacity": {roles[0]: MAX_CAPACITY + 1}},
            (
                "The 'capacity' parameter of allocate must be an int in [0, 1000000] or a dict of "
                f"role id -> such an int. Got {{'{roles[0]}': 1000001}} instead."
            ),
        ),
        (
            {"candidate_ids": []},
            (
                "The 'candidate_ids' parameter of allocate must be a non-empty list of candidate "
                "ids (strings). Got [] instead."
            ),
        ),
        (
            {"role_ids": []},
            (
                "The 'role_ids' parameter of allocate must be a non-empty list of role ids "
                "(strings). Got [] instead."
            ),
        ),
        (
            {"generations": 0},
            "The 'generations' parameter of allocate must be an int in [1, 10000]. Got 0 instead.",
        ),
        (
            {"pop_size": 10**9},
            (
                "The 'pop_size' parameter of allocate must be an int in [4, 1000]. Got 1000000000 "
                "instead."
            ),
        ),
    ]
    for change, message in cases:
        args = {"role_ids": roles, "candidate_ids": cands, **change}
        with pytest.raises(ConfigError) as info:
            eng.allocate(**args)
        assert str(info.value) == message
    db = str(trained_engine.root / "store")
    base = ["allocate", "--db", db, "--roles", ",".join(roles), "--candidates", ",".join(cands)]
    for extra, message in [
        (["--weights", "nan,1,1"], WEIGHTS_RULE.format(value="(nan, 1.0, 1.0)")),
        (["--weights", "inf,1,1"], WEIGHTS_RULE.format(value="(inf, 1.0, 1.0)")),
        (["--capacity", str(10**20)], cases[0][1]),
    ]:
        result = CliRunner().invoke(app, [*base, *extra])
        assert result.exit_code == 2, result.output
        assert f"error: {message}" in _flat(result.output)
        assert "Traceback" not in result.output
    empty = CliRunner().invoke(app, [*base[:-1], ","])
    assert empty.exit_code == 2 and f"error: {cases[2][1]}" in _flat(empty.output)


def test_quotas_nobody_placed_can_meet_are_an_error(own, trained_engine) -> None:
    roles = _ids(trained_engine, "roles.jsonl", 8)
    cands = _ids(trained_engine, "candidates.jsonl", 120)
    own.set_allocation_quotas(["gender=nobody-at-all:0.2"])
    # 95 of the 120 listed are placeable (in a role's served pool): what the message counts
    message = NOT_MET.format(candidates=95, places=40, why=NOT_MET_EMPTY)
    assert message == (
        "The stored allocation quotas cannot be met for these 95 candidates and 40 places: "
        "only an allocation that places nobody meets them. They are an administrator's policy "
        "('talentgraph policy quotas'); allocate does not drop them."
    )
    with pytest.raises(ConfigError) as info:
        own.allocate(roles, cands, capacity=5, **BUDGET)
    assert str(info.value) == message
    args = ["allocate", "--db", str(own.target), "--roles", ",".join(roles)]
    args += ["--candidates", ",".join(cands), "--capacity", "5", "--generations", "5"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and f"error: {message}" in _flat(result.output)


# ------------------------------------------------- round three: the hostile probe's leaks
def _pool_with_targets(own, trained_engine, n: int = 40) -> tuple[str, list[str], str, str]:
    """A role, the ``n`` best of its served pool, and one woman and one man in it."""
    role = _ids(trained_engine, "roles.jsonl", 1)[0]
    pool = [m.candidate_id for m in own.recommend_candidates(role, k=n, rerank="none")]
    gender = _groups(own, "gender")
    woman = next(c for c in pool if gender.get(c) == "female")
    man = next(c for c in pool if gender.get(c) == "male")
    return role, pool, woman, man


def test_excluded_fillers_do_not_reach_the_minimum(own, trained_engine) -> None:
    """29 fillers each excluded from the only role, plus one target, capacity 30 and a stored
    quota: the answer is the same for a woman and a man, and never 'cannot be met'."""
    role, pool, woman, man = _pool_with_targets(own, trained_engine)
    own.set_allocation_quotas(["gender=female:0.5"])
    answers = []
    for target in (woman, man):
        fillers = [c for c in pool if c not in (woman, man)][:29]
        policy = {"exclusions": [(c, role) for c in fillers]}
        out = own.allocate([role], [*fillers, target], policy=policy, capacity=30, **BUDGET)
        assert [a.candidate_id for a in out.assignments] == [target]
        assert out.quotas_applied is False and out.group_shares == ()
        assert out.notes[0] == SMALL.format(
            attributes="gender, age_band", candidates=1, places=1, min_n=30
        )
        answers.append(
            (out.notes, out.warnings, out.quotas_applied, len(out.assignments), len(out.front))
        )
        assert not any(g in out.model_dump_json() for g in ("female", "male"))
    assert answers[0] == answers[1], "the answer depends on the target's gender"
    # the CLI's --exclude pads the same way and answers the same
    fillers = [c for c in pool if c not in (woman, man)][:29]
    for target in (woman, man):
        args = ["allocate", "--db", str(own.target), "--roles", role, "--capacity", "30"]
        args += ["--candidates", ",".join([*fillers, target]), "--generations", "5"]
        args += [a for c in fillers for a in ("--exclude", f"{c}:{role}")]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "cannot be met" not in result.output


def test_placeable_minimum_counts_places_nobody_can_fill(own, trained_engine) -> None:
    """30 placeable candidates but one place they can reach is below the minimum too."""
    from engine.allocation.build import served_instance_arcs
    from engine.allocation.policy import AllocationPolicy

    role, pool, _, _ = _pool_with_targets(own, trained_engine)
    arcs = served_instance_arcs(own, [role], pool[:30], AllocationPolicy(capacity=30))
    assert arcs.placeable() == (30, 30)
    excluded = AllocationPolicy(capacity=30, exclusions=[(c, role) for c in pool[:10]])
    assert served_instance_arcs(own, [role], pool[:30], excluded).placeable() == (20, 20)
    none = AllocationPolicy(capacity=0)
    assert served_instance_arcs(own, [role], pool[:30], none).placeable() == (0, 0)


def test_a_quota_share_over_the_cap_is_refused(own, trained_engine) -> None:
    from engine.allocation.policy import MAX_QUOTA_SHARE, policy_path

    assert MAX_QUOTA_SHARE == 0.5
    for text, share in (("gender=female:1", "1"), ("gender=female:0.51", "0.51")):
        with pytest.raises(ConfigError) as info:
            own.set_allocation_quotas([text])
        assert str(info.value) == (
            "The 'quotas' parameter of set_allocation_quotas must be quotas whose minimum "
            "share is at most 0.5 (a quota asks for representation, not exclusion; "
            f"{text} asks for {share}). Got ['{text}'] instead."
        )
    with pytest.raises(ConfigError, match="at most 0.5"):
        own.set_allocation_quotas({("gender", "female"): 1.0})
    assert own.allocation_quotas() == ()
    # a file written by hand (or by an older version) is refused where it is read
    path = policy_path(own.store)
    quota = {"attribute": "gender", "group": "female", "min_share": 1.0}
    path.write_text(json.dumps({"quotas": [quota]}))
    roles = _ids(trained_engine, "roles.jsonl", 8)
    cands = _ids(trained_engine, "candidates.jsonl", 50)
    with pytest.raises(ConfigError) as info:
        own.allocate(roles, cands, {"merit": 1, "diversity": 0, "preference": 0}, **BUDGET)
    assert str(info.value).startswith(f"allocation policy {path}: ")
    assert "at most 0.5" in str(info.value)
    bad = CliRunner().invoke(
        app, ["policy", "quotas", "--db", str(own.target), "--set", "gender=female:1"]
    )
    assert bad.exit_code == 2 and "at most 0.5" in _flat(bad.output)


@pytest.mark.parametrize(
    "text",
    [
        "gender=fe\x1bmale:0.5",
        "gender=fe\x1b[2Jmale:0.5",
        "gender=fe\u202emale:0.5",
        "gender=fe\u200bmale:0.5",
        "gender=fe\x00male:0.5",
        "gender=" + "f" * 101 + ":0.1",
    ],
)
def test_quota_names_with_control_characters_are_refused(own, text) -> None:
    with pytest.raises(ConfigError, match="no control or format characters") as info:
        own.set_allocation_quotas([text])
    assert "\x1b" not in str(info.value) and "\u202e" not in str(info.value)
    with pytest.raises(ConfigError):
        own.set_allocation_quotas([{"attribute": "gender", "group": text[7:-4], "min_share": 0.1}])
    result = CliRunner().invoke(app, ["policy", "quotas", "--db", str(own.target), "--set", text])
    assert result.exit_code == 2 and "\x1b" not in result.output
    assert own.allocation_quotas() == ()
    assert len(own.set_allocation_quotas(["gender=" + "f" * 100 + ":0.1"])) == 1


def test_a_stored_quota_name_with_control_characters_is_refused_on_read(own) -> None:
    from engine.allocation.policy import policy_path

    path = policy_path(own.store)
    quota = {"attribute": "gender", "group": "fe\x1bmale", "min_share": 0.5}
    path.write_text(json.dumps({"quotas": [quota]}))
    with pytest.raises(ConfigError) as info:
        own.allocation_quotas()
    assert str(info.value).startswith(f"allocation policy {path}: ")
    assert "\x1b" not in str(info.value)


def _wipe(path: Path, keep: int | None = None) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    with conn:
        if keep is None:
            conn.execute("DELETE FROM sensitive_attributes")
        else:
            ids = [r[0] for r in conn.execute("SELECT id FROM sensitive_attributes ORDER BY id")]
            conn.executemany(
                "DELETE FROM sensitive_attributes WHERE id = ?", [(i,) for i in ids[keep:]]
            )
    conn.close()


def test_audit_refuses_a_wiped_sensitive_store(own, tmp_path: Path) -> None:
    from engine.fairness.groups import NOBODY_KNOWN

    path = Path(own.target) / SENSITIVE_FILE
    _wipe(path)
    message = NOBODY_KNOWN.format(attribute="gender", path=path)
    assert message == (
        f"no person in the audit has a recorded gender; the sensitive store {path} may have "
        "been emptied or replaced"
    )
    for source in ("recommendations", "history"):
        with pytest.raises(StoreError) as info:
            own.audit("gender", source=source)
        assert str(info.value) == message
    result = CliRunner().invoke(
        app, ["audit", "--out", str(tmp_path / "out"), "--db", str(own.target)]
    )
    assert result.exit_code == 2 and f"error: {message}" in _flat(result.output)
    assert not (tmp_path / "out").exists()


def test_audit_refuses_another_stores_sensitive_file(own, tmp_path: Path) -> None:
    from engine.fairness.groups import NOBODY_KNOWN
    from loaders.sensitive_store import SensitiveStore

    other = tmp_path / "other" / SENSITIVE_FILE
    other.parent.mkdir()
    SensitiveStore(other).upsert([{"id": "someone-else", "gender": "female"}])
    path = Path(own.target) / SENSITIVE_FILE
    shutil.copyfile(other, path)
    with pytest.raises(StoreError) as info:
        own.audit("gender", source="history")
    assert str(info.value) == NOBODY_KNOWN.format(attribute="gender", path=path)


def test_audit_warns_when_most_people_are_unknown(own) -> None:
    from engine.fairness.groups import FairnessCoverageWarning

    full = own.audit("gender", source="history")
    assert not any(n.startswith("WARNING") for n in full.notes)
    path = Path(own.target) / SENSITIVE_FILE
    _wipe(path, keep=10)
    with pytest.warns(FairnessCoverageWarning):
        report = own.audit("gender", source="history")
    (warning,) = [n for n in report.notes if n.startswith("WARNING")]
    assert "have a recorded gender in the sensitive store" in warning and str(path) in warning


def test_recommend_warns_when_the_sensitive_store_was_wiped(own, trained_engine) -> None:
    from engine.fairness.groups import NOBODY_KNOWN_SERVED

    role = _ids(trained_engine, "roles.jsonl", 1)[0]
    path = Path(own.target) / SENSITIVE_FILE
    _wipe(path)
    problem = NOBODY_KNOWN_SERVED.format(attributes="age_band", path=path)
    flag = FAIRNESS_UNAVAILABLE.format(problem=problem)
    fresh = MatchingEngine.open(own.target, settings=own.settings)  # nothing cached
    with pytest.warns(FairnessUnavailableWarning, match="emptied or replaced"):
        matches = fresh.recommend_candidates(role, k=5)
    assert all(m.warnings == (flag,) for m in matches)
    args = ["recommend", "--role", role, "-k", "3", "--db", str(own.target)]
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0 and f"WARNING: {flag}" in _flat(table.output)
