"""The decision log: an intact chain verifies; every edit, deletion, reordering and removal
from the end is found; a torn tail and a head left behind by a crash are read as they are and
mended by the next append; a process killed while appending leaves a log that verifies (after
that append) and holds every acknowledged record. Keys, forged heads, concurrency, limits and
a full disk: tests/security/test_decision_log.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engine.decisions.log import RECOVERABLE, DecisionLog, record_hash, verify
from graph_schema.errors import ConfigError


@pytest.fixture(autouse=True, scope="module")
def _keys_of_this_module(tmp_path_factory):
    """The log's signing key goes to a state folder of the module's own."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
        yield


def _log(tmp_path: Path, n: int = 5) -> Path:
    path = tmp_path / "decisions.jsonl"
    log = DecisionLog.open(path)
    for i in range(n):
        log.append({"role_id": "r1", "candidate_id": f"c{i}", "decision": "accept", "reason": ""})
    return path


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_an_intact_log_verifies_and_reopens_where_it_stopped(tmp_path) -> None:
    path = _log(tmp_path)
    assert verify(path).ok and verify(path).records == 5
    log = DecisionLog.open(path)
    record = log.append({"decision": "reject", "candidate_id": "c9"})
    assert record["seq"] == 6 and record["hash"] == record_hash(record)
    assert verify(path).ok and verify(path).records == 6


def test_an_edit_is_found_at_its_line(tmp_path) -> None:
    path = _log(tmp_path)
    lines = _lines(path)
    lines[2] = lines[2].replace(b'"accept"', b'"reject"')
    path.write_bytes(b"".join(lines))
    result = verify(path)
    assert (result.ok, result.problem, result.line) == (False, "edited", 3)
    with pytest.raises(ConfigError, match="edited"):
        DecisionLog.open(path)


def test_a_deletion_a_swap_and_a_removal_from_the_end_are_found(tmp_path) -> None:
    path = _log(tmp_path)
    original = _lines(path)
    path.write_bytes(b"".join(original[:1] + original[2:]))
    assert verify(path).problem == "deleted_or_reordered" and verify(path).line == 2
    path.write_bytes(b"".join([original[1], original[0], *original[2:]]))
    assert verify(path).problem == "deleted_or_reordered" and verify(path).line == 1
    path.write_bytes(b"".join(original[:4]))
    assert verify(path).problem == "truncated"
    with pytest.raises(ConfigError, match="removed from the end"):
        DecisionLog.open(path)
    path.write_bytes(b"".join(original))
    (path.parent / "decisions.jsonl.head").unlink()
    assert verify(path).problem == "no_head"


def test_a_torn_tail_and_a_head_left_behind_are_recovered(tmp_path) -> None:
    path = _log(tmp_path)
    with open(path, "ab") as f:
        f.write(b'{"decision": "acc')  # the write a crash cut off
    assert verify(path).problem == "torn_tail"
    log = DecisionLog.open(path)  # reads it as it is: the torn line is not a record
    assert log.seq == 5 and verify(path).problem == "torn_tail"  # opening never writes
    head = (path.parent / "decisions.jsonl.head").read_text()
    assert log.append({"decision": "accept", "candidate_id": "c5"})["seq"] == 6
    assert verify(path).ok  # the append dropped the torn line
    (path.parent / "decisions.jsonl.head").write_text(head)  # the crash came before the head
    assert verify(path).problem == "head_behind"
    assert DecisionLog.open(path).seq == 6 and verify(path).problem == "head_behind"
    assert DecisionLog.open(path).append({"decision": "reject"})["seq"] == 7
    assert verify(path).ok and verify(path).records == 7


def test_reserved_and_unserialisable_fields_are_refused(tmp_path) -> None:
    log = DecisionLog.open(tmp_path / "d.jsonl")
    with pytest.raises(ConfigError, match="may not be named"):
        log.append({"seq": 3})
    with pytest.raises(ConfigError, match="JSON-ready"):
        log.append({"when": object()})
    assert verify(tmp_path / "d.jsonl").ok and log.seq == 0


CHILD = """
import sys
from pathlib import Path
from engine.decisions.log import DecisionLog
log = DecisionLog.open(Path(sys.argv[1]))
for i in range(100000):
    record = log.append({"candidate_id": f"c{i}", "decision": "accept", "reason": "x" * 200})
    print(record["seq"], flush=True)
"""


@pytest.mark.slow
def test_a_process_killed_while_appending_leaves_a_valid_log(tmp_path) -> None:
    path = tmp_path / "decisions.jsonl"
    for round_ in range(3):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path)],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])},
        )
        acknowledged = 0
        assert child.stdout is not None
        for line in child.stdout:  # kill it somewhere in the middle of its appends
            acknowledged = int(line)
            if acknowledged >= 40 * (round_ + 1) + 7 * round_:
                break
        child.send_signal(signal.SIGKILL)
        child.wait()
        log = DecisionLog.open(path)  # reads a torn tail or a head left behind as they are
        left = verify(path)
        assert (left.ok or left.problem in RECOVERABLE) and log.seq >= acknowledged
        log.append({"candidate_id": "after", "decision": "accept"})  # mends them
        assert verify(path).ok and verify(path).records == log.seq
        records = [json.loads(x) for x in path.read_bytes().splitlines()]
        assert [r["seq"] for r in records] == list(range(1, log.seq + 1))
