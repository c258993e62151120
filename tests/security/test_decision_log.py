"""Issue 16 items 9 to 12 on the decision log: a log cut at its end (head deleted too), a
recomputed chain or a forged head is found, and no reader rewrites the head; the chain is
signed with a key kept outside the log folder (0600, never recreated silently for a log that
exists); an unsigned log is refused until `decisions rekey` signs it; threads and processes
appending at once keep one chain; text fields are bounded and control characters refused
(and escaped on output); a full disk mid-append leaves no half record; a `CURRENT` pointer
loop is a clear error. Real files, real tmpfs, real stores; nothing mocked."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine import MatchingEngine, Settings
from engine.cli import app
from engine.decisions.keys import MISSING_KEY, DecisionKeyError
from engine.decisions.log import (
    UNKEYED,
    WRITE_FAILED,
    DecisionLog,
    DecisionWriteError,
    canonical,
    read,
    verify,
)
from engine.options import TrainOptions
from engine.runtime.model import MatchModel
from engine.runtime.versions import POINTER_BROKEN, current, publish
from graph_schema.errors import ConfigError, ModelFileError, TalentGraphError
from loaders.import_job import ImportOptions
from synthetic import generate

ROOT = Path(__file__).parents[2]


@pytest.fixture(autouse=True, scope="module")
def state_home(tmp_path_factory: pytest.TempPathFactory):
    """Keys go to a state folder of this module's own, never the user's."""
    home = tmp_path_factory.mktemp("state")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_STATE_HOME", str(home))
        yield home


def _keys(home: Path) -> Path:
    return home / "talentgraph" / "decision-keys"


def _log(folder: Path, n: int = 3) -> Path:
    path = folder / "decisions.jsonl"
    log = DecisionLog.open(path)
    for i in range(n):
        log.append({"role_id": "r1", "candidate_id": f"c{i}", "decision": "accept"})
    return path


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_bytes().splitlines()]


def _sha(record: dict) -> str:
    rest = {k: v for k, v in record.items() if k not in ("hash", "key", "mac")}
    return hashlib.sha256(canonical(rest)).hexdigest()


def _rechain(records: list[dict], keep_signatures: bool) -> tuple[bytes, bytes]:
    """The log and head an attacker without the key can write: SHA-256 recomputed."""
    prev, out = "0" * 64, []
    for i, r in enumerate(records, start=1):
        r = {k: v for k, v in r.items() if keep_signatures or k not in ("key", "mac")}
        r.update(seq=i, prev=prev)
        r["hash"] = prev = _sha(r)
        out.append(canonical(r) + b"\n")
    return b"".join(out), json.dumps({"seq": len(records), "hash": prev}).encode()


# item 9: keyed chain, head discipline -------------------------------------------------


def test_a_recomputed_chain_and_a_forged_head_are_found(tmp_path) -> None:
    path = _log(tmp_path, 4)
    head = path.with_name("decisions.jsonl.head")
    records = _lines(path)
    records[1]["decision"] = "reject"
    log, new_head = _rechain(records, keep_signatures=True)
    path.write_bytes(log)
    head.write_bytes(new_head)
    result = verify(path)
    assert (result.ok, result.problem, result.line) == (False, "edited", 2)
    assert result.detail == (
        "line 2: its signature does not match its content (edited and re-hashed)"
    )
    # stripped of every signature it reads as a log from before keys: refused, not intact
    log, new_head = _rechain(_lines(path), keep_signatures=False)
    path.write_bytes(log)
    head.write_bytes(new_head)
    assert verify(path).problem == "unkeyed"
    with pytest.raises(ConfigError) as refused:
        read(path)
    assert str(refused.value) == UNKEYED.format(path=path)


def test_the_last_record_cut_with_a_rewritten_head_is_found(tmp_path) -> None:
    path = _log(tmp_path, 3)
    head = path.with_name("decisions.jsonl.head")
    records = _lines(path)
    path.write_bytes(b"".join(canonical(r) + b"\n" for r in records[:2]))
    signed = json.loads(head.read_text())
    head.write_text(json.dumps({**signed, "seq": 2, "hash": records[1]["hash"]}))
    result = verify(path)
    assert (result.ok, result.problem) == (False, "bad_head")
    assert result.detail == (
        f"the signature of {head} does not match it (the head was replaced or edited)"
    )
    head.unlink()
    assert verify(path).problem == "no_head"
    for _ in range(2):  # readers never write: the head stays missing
        with pytest.raises(ConfigError, match="is missing"):
            read(path)
        with pytest.raises(ConfigError, match="is missing"):
            DecisionLog.open(path)
    assert not head.exists() and verify(path).problem == "no_head"


def test_the_key_is_private_outside_the_log_and_never_recreated(tmp_path, state_home) -> None:
    path = _log(tmp_path, 2)
    folder = _keys(state_home)
    key_id = _lines(path)[0]["key"]
    key_file = folder / f"{key_id}.key"
    assert (folder / "CURRENT").read_text().strip() == key_id
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    secret = key_file.read_text().strip()
    assert len(secret) == 64 and not folder.is_relative_to(tmp_path)
    for file in tmp_path.iterdir():
        assert secret.encode() not in file.read_bytes()
    assert verify(path).key_id == key_id
    saved = key_file.read_bytes()
    key_file.unlink()
    try:
        expected = MISSING_KEY.format(log=path, key_id=key_id, folder=folder)
        for call in (lambda: verify(path), lambda: read(path), lambda: _log(tmp_path, 1)):
            with pytest.raises(DecisionKeyError) as missing:
                call()
            assert str(missing.value) == expected
        assert sorted(p.name for p in folder.iterdir()) == [".lock", "CURRENT"]
        cli = CliRunner().invoke(app, ["decisions", "verify", "--db", str(tmp_path)])
        assert cli.exit_code == 2 and f"{key_id}.key from your backup" in cli.output
    finally:
        key_file.write_bytes(saved)
    assert verify(path).ok


def _legacy(folder: Path, n: int) -> Path:
    """A log as written before keys: SHA-256 chain, unsigned head."""
    path = folder / "decisions.jsonl"
    records = [{"candidate_id": f"c{i}", "decision": "accept"} for i in range(n)]
    log, head = _rechain(records, keep_signatures=False)
    path.write_bytes(log)
    path.with_name("decisions.jsonl.head").write_bytes(head)
    return path


def test_an_unsigned_log_is_refused_until_rekey_signs_it_and_rotation(tmp_path, state_home) -> None:
    path = _legacy(tmp_path, 3)
    hashes = [r["hash"] for r in _lines(path)]
    db = ["--db", str(tmp_path)]
    result = CliRunner().invoke(app, ["decisions", "verify", *db])
    assert result.exit_code == 1 and "unkeyed" in result.output
    with pytest.raises(ConfigError) as refused:
        DecisionLog.open(path)
    assert str(refused.value) == UNKEYED.format(path=path)

    signed = CliRunner().invoke(app, ["decisions", "rekey", *db])
    assert signed.exit_code == 0, signed.output
    first = verify(path)
    assert first.ok and first.records == 3 and [r["hash"] for r in _lines(path)] == hashes
    assert f"3 decisions signed with key {first.key_id}" in signed.output

    rotated = CliRunner().invoke(app, ["decisions", "rekey", "--new-key", *db])
    assert rotated.exit_code == 0, rotated.output
    second = verify(path)
    assert second.ok and second.key_id != first.key_id
    assert (_keys(state_home) / "CURRENT").read_text().strip() == second.key_id
    (_keys(state_home) / f"{first.key_id}.key").unlink()  # retired once no log uses it
    assert verify(path).ok and [r["hash"] for r in _lines(path)] == hashes
    DecisionLog.open(path).append({"candidate_id": "c9", "decision": "reject"})
    assert verify(path).records == 4 and _lines(path)[-1]["key"] == second.key_id


# item 10: serialised appends ----------------------------------------------------------


def test_threads_appending_to_one_log_keep_one_chain(tmp_path) -> None:
    path = tmp_path / "decisions.jsonl"
    logs = [DecisionLog.open(path) for _ in range(8)]
    start = threading.Barrier(8)

    def work(log: DecisionLog, t: int) -> None:
        start.wait()
        for i in range(25):
            log.append({"candidate_id": f"c{t}-{i}", "decision": "accept"})

    threads = [threading.Thread(target=work, args=(log, t)) for t, log in enumerate(logs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = verify(path)
    assert (result.ok, result.records) == (True, 200)
    assert [r["seq"] for r in _lines(path)] == list(range(1, 201))


CHILD = """
import sys
from pathlib import Path
from engine.decisions.log import DecisionLog
log = DecisionLog.open(Path(sys.argv[1]))
sys.stdin.readline()  # both children start together
for i in range(60):
    log.append({"candidate_id": f"{sys.argv[2]}-{i}", "decision": "accept", "reason": "x" * 300})
"""


def test_two_processes_appending_at_once_keep_one_chain(tmp_path) -> None:
    path = tmp_path / "decisions.jsonl"
    _log(tmp_path, 1)  # the key exists before the children start
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), name], stdin=subprocess.PIPE, env=env
        )
        for name in ("a", "b")
    ]
    for child in children:
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        child.stdin.close()
    assert [child.wait(timeout=120) for child in children] == [0, 0]
    result = verify(path)
    assert (result.ok, result.records) == (True, 121)
    records = _lines(path)
    assert [r["seq"] for r in records] == list(range(1, 122))
    names = [r["candidate_id"] for r in records[1:]]
    assert sorted(names) == sorted(f"{n}-{i}" for n in "ab" for i in range(60))


# item 12: a full disk, a pointer loop -------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs (root only; skipped with the reason otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def _fill(folder: Path) -> Path:
    """Write a file until the disk is full; returns it."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as e:
        assert e.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_mid_append_leaves_no_half_record(tiny_disk) -> None:
    path = _log(tiny_disk, 2)
    before = path.read_bytes()
    head = path.with_name("decisions.jsonl.head").read_bytes()
    log = DecisionLog.open(path)
    room = 4096 - len(before) % 4096  # what is left of the log's last page
    filler = _fill(tiny_disk)
    expected = WRITE_FAILED.format(path=path, reason="No space left on device", records=2)
    # a record longer than the room: part of it is written, then the disk is full
    with pytest.raises(DecisionWriteError) as full:
        log.append({"candidate_id": "c8", "decision": "accept", "reason": "x" * room})
    assert str(full.value) == expected and isinstance(full.value, TalentGraphError)
    assert path.read_bytes() == before and verify(path).ok
    # a record that fits the room: the line is written, its head cannot be
    with pytest.raises(DecisionWriteError) as full:
        log.append({"candidate_id": "c9", "decision": "accept"})
    assert str(full.value) == expected
    assert path.read_bytes() == before
    assert path.with_name("decisions.jsonl.head").read_bytes() == head
    assert verify(path).ok and verify(path).records == 2
    filler.unlink()
    assert log.append({"candidate_id": "c9", "decision": "accept"})["seq"] == 3
    assert verify(path).ok and verify(path).records == 3


def test_a_current_pointer_loop_is_a_clear_error(tmp_path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    os.symlink("CURRENT", models / "CURRENT")
    expected = POINTER_BROKEN.format(
        link=models / "CURRENT", reason="a symbolic link loop", versions=models / "versions"
    )
    for call in (lambda: current(models), lambda: MatchModel.load(models)):
        with pytest.raises(ModelFileError) as loop:
            call()
        assert str(loop.value) == expected
    store = tmp_path / "store"
    MatchingEngine.open(store, settings=Settings(db=str(store))).close()  # an empty store
    cli = CliRunner(env={"TALENTGRAPH_MODEL_DIR": str(models)}).invoke(
        app,
        ["decide", "--role", "r1", "--candidate", "c1", "--decision", "accept"]
        + ["--reviewer", "ana", "--db", str(store)],
    )
    assert cli.exit_code == 2 and "symbolic link loop" in cli.output
    assert "Traceback" not in cli.output
    work = models / ".tmp-1-x"  # a train repairs it
    work.mkdir()
    (work / "manifest.json").write_text("{}")
    served = publish(models, work, "tg-x")
    assert current(models) == served


# end to end on a store of its own -----------------------------------------------------


@pytest.fixture(scope="module")
def engine(tmp_path_factory, state_home):
    root = tmp_path_factory.mktemp("security-decisions")
    generate(root / "data", scale=0.02, seed=1, progress=False)
    settings = Settings(
        db=str(root / "store"), train=TrainOptions(finetune_epochs=2, progress=False)
    )
    eng = MatchingEngine.open(root / "store", settings=settings)
    eng.import_dataset(root / "data", ImportOptions(progress=False))
    eng.train(seed=0)
    yield eng, root
    eng.close()


def _role(root: Path, i: int = 0) -> str:
    return json.loads((root / "data" / "roles.jsonl").read_text().splitlines()[i])["id"]


@pytest.mark.slow
def test_eight_threads_deciding_on_one_engine_log_forty_records(engine) -> None:
    eng, root = engine
    before = verify(eng.decisions_path).records
    roles = [_role(root, i) for i in range(8)]
    shown = {r: [m.candidate_id for m in eng.recommend_candidates(r, k=10)] for r in roles}
    start, errors = threading.Barrier(8), []

    def work(role: str) -> None:
        start.wait()
        try:
            for i in range(5):
                eng.record_decision(role, shown[role][i], "accept", reviewer="ana")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(r,)) for r in roles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify(eng.decisions_path)
    assert (result.ok, result.records) == (True, before + 40)
    seqs = [r["seq"] for r in _lines(eng.decisions_path)]
    assert seqs == list(range(1, before + 41))


@pytest.mark.slow
def test_text_fields_are_bounded_and_control_characters_refused(engine) -> None:
    eng, root = engine
    role = _role(root)
    top = eng.recommend_candidates(role, k=1)[0].candidate_id
    before = eng.decisions_path.read_bytes() if eng.decisions_path.exists() else b""
    refused = {
        ("accept", "ana", "x" * 10_000_000, role, top): (
            "reason must be at most 2,000 characters; got 10,000,000"
        ),
        ("accept", "ana\x1b[2J", "", role, top): (
            "reviewer must not hold control characters (C0/C1, escape, line breaks, "
            "bidirectional overrides); got U+001B at character 4"
        ),
        ("accept", "ana\r\ndecision 9 logged", "", role, top): (
            "reviewer must not hold control characters (C0/C1, escape, line breaks, "
            "bidirectional overrides); got U+000D at character 4"
        ),
        ("accept", "\u202eana", "", role, top): (
            "reviewer must not hold control characters (C0/C1, escape, line breaks, "
            "bidirectional overrides); got U+202E at character 1"
        ),
        ("accept", "a" * 201, "", role, top): ("reviewer must be at most 200 characters; got 201"),
        ("accept", "ana", "", role, top + "\n"): (
            "candidate_id must not hold control characters (C0/C1, escape, line breaks, "
            f"bidirectional overrides); got U+000A at character {len(top) + 1}"
        ),
        ("accept", "ana", "", "r" * 513, top): "role_id must be at most 512 characters; got 513",
        ("accept", "ana", "ok\x00", role, top): (
            "reason must not hold control characters (C0/C1, escape, line breaks, "
            "bidirectional overrides); got U+0000 at character 3"
        ),
    }
    for (decision, reviewer, reason, r, c), message in refused.items():
        with pytest.raises(ConfigError) as error:
            eng.record_decision(r, c, decision, reviewer=reviewer, reason=reason)
        assert str(error.value) == message
    after = eng.decisions_path.read_bytes() if eng.decisions_path.exists() else b""
    assert after == before
    cli = CliRunner().invoke(
        app,
        ["decide", "--role", role, "--candidate", top, "--decision", "accept"]
        + ["--reviewer", "ana\x1b[31m", "--db", str(root / "store")],
    )
    assert cli.exit_code == 2 and "U+001B" in cli.output and "\x1b" not in cli.output


@pytest.mark.slow
def test_replay_escapes_a_logged_value_and_a_cut_log_stays_refused(engine) -> None:
    eng, root = engine
    db = ["--db", str(root / "store")]
    role = _role(root, 9)
    top = eng.recommend_candidates(role, k=1)[0].candidate_id
    genuine = eng.record_decision(role, top, "accept", reviewer="ana")
    record = {
        k: v
        for k, v in _lines(eng.decisions_path)[-1].items()
        if k not in ("seq", "prev", "hash", "key", "mac")
    }
    # a value appended through the log's own API, not record_decision: printed escaped
    record["reviewer"] = "ana\x1b[2J\nsame ranking as shown (forged)"
    forged = DecisionLog.open(eng.decisions_path).append(record)["seq"]
    out = CliRunner().invoke(app, ["replay", str(forged), *db]).output
    assert "\x1b" not in out and "\nsame ranking as shown (forged)" not in out
    assert "by ana\\x1b[2J\\nsame ranking as shown (forged))" in out

    path, head = eng.decisions_path, eng.decisions_path.with_name("decisions.jsonl.head")
    saved = path.read_bytes(), head.read_bytes()
    try:  # cut the last record and delete the head: tampering, and replay does not hide it
        path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:-1]))
        head.unlink()
        replay = CliRunner().invoke(app, ["replay", str(genuine.seq), *db])
        assert replay.exit_code == 2 and "is missing" in replay.output
        assert not head.exists()
        bad = CliRunner().invoke(app, ["decisions", "verify", *db])
        assert bad.exit_code == 1 and "no_head" in bad.output
    finally:
        path.write_bytes(saved[0])
        head.write_bytes(saved[1])
    assert CliRunner().invoke(app, ["decisions", "verify", *db]).exit_code == 0


@pytest.mark.slow
def test_a_full_disk_during_decide_logs_nothing(engine, tiny_disk) -> None:
    eng, root = engine
    role = _role(root, 3)
    top = [m.candidate_id for m in eng.recommend_candidates(role, k=2)]
    real = eng.decisions_path
    eng.decisions_path, eng._context = tiny_disk / "decisions.jsonl", None
    try:
        eng.record_decision(role, top[0], "accept", reviewer="ana")
        before = eng.decisions_path.read_bytes()
        _fill(tiny_disk)
        with pytest.raises(DecisionWriteError) as full:
            eng.record_decision(role, top[1], "reject", reviewer="ana", reason="x" * 2000)
        assert str(full.value) == WRITE_FAILED.format(
            path=eng.decisions_path, reason="No space left on device", records=1
        )
        assert eng.decisions_path.read_bytes() == before
        assert verify(eng.decisions_path).ok and verify(eng.decisions_path).records == 1
    finally:
        eng.decisions_path, eng._context = real, None
