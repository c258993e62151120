"""The command line, one way (issue #16): exit 0 on success, 1 when a check fails, 2 on any
error, ours, the operating system's or a foreign one, with a message and never a traceback;
``--debug`` writes the traceback to a private log file. Values are printed with control
characters escaped, so nothing read from a file can forge a line or recolour the terminal."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import typer
from typer.testing import CliRunner

from engine.cli import app
from engine.cli_errors import UNEXPECTED, GuardedGroup, printable, set_debug


def test_an_os_error_exits_2_with_the_path_and_no_traceback(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = CliRunner().invoke(app, ["generate", str(blocker / "out"), "--scale", "0.01"])
    assert result.exit_code == 2, result.output
    assert f"error: Not a directory: '{blocker / 'out'}'" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_the_console_script_itself_exits_2_without_a_traceback(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    script = os.path.join(os.path.dirname(sys.executable), "talentgraph")
    done = subprocess.run(
        [script, "generate", str(blocker / "out"), "--scale", "0.01"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert "error: Not a directory" in done.stdout


def _failing_app(error: BaseException) -> typer.Typer:
    """A one-command app on the CLI's own group class, whose command raises ``error``: the
    guard is the same object the real app uses (no component of ours is replaced)."""
    test_app = typer.Typer(cls=GuardedGroup, pretty_exceptions_enable=False)

    @test_app.command()
    def boom() -> None:
        raise error

    @test_app.command()
    def fine() -> None:
        print("ok")

    return test_app


def test_a_foreign_exception_exits_2_and_says_what_to_do() -> None:
    result = CliRunner().invoke(_failing_app(KeyError("weights")), ["boom"])
    assert result.exit_code == 2
    message = UNEXPECTED.format(kind="KeyError", message="'weights'")
    assert f"error: {message}" in " ".join(result.output.split())


def test_debug_writes_the_traceback_to_a_private_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    set_debug(True)
    try:
        result = CliRunner().invoke(_failing_app(ZeroDivisionError("division")), ["boom"])
    finally:
        set_debug(False)
    assert result.exit_code == 2
    logs = list((tmp_path / "state" / "talentgraph" / "logs").iterdir())
    assert len(logs) == 1 and f"the traceback is in {logs[0]}" in result.output
    assert stat.S_IMODE(logs[0].stat().st_mode) == 0o600
    text = logs[0].read_text()
    assert text.startswith("Traceback") and "ZeroDivisionError: division" in text


def test_the_debug_flag_is_global() -> None:
    result = CliRunner().invoke(app, ["--debug", "--help"])
    assert result.exit_code == 0


def test_control_characters_never_reach_the_terminal() -> None:
    forged = "ana\x1b[2K\r\x1b[32mdecision 7: same ranking as shown\u202e"
    assert printable(forged) == "ana\\x1b[2K\\r\\x1b[32mdecision 7: same ranking as shown\\u202e"
    result = CliRunner().invoke(_failing_app(ValueError(forged)), ["boom"])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\r" not in result.output
    assert "\u202e" not in result.output and "\\x1b[2K" in result.output


def test_success_is_0() -> None:
    assert CliRunner().invoke(_failing_app(ValueError()), ["fine"]).exit_code == 0


def test_json_dumps_the_result_model_of_each_command(tmp_path) -> None:
    """``--json`` on every command that returns a result: here import and the read ones on
    the tiny store (decide, replay, audit and evaluate are checked where they are tested)."""
    import json
    from pathlib import Path

    db = str(tmp_path / "store")
    tiny = Path(__file__).parents[1] / "data" / "tiny"
    imported = CliRunner().invoke(app, ["import", str(tiny), "--db", db, "--json"])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["quarantined"] == 0
    stats = CliRunner().invoke(app, ["stats", "--db", db, "--json"])
    assert stats.exit_code == 0, stats.output
    counts = json.loads(stats.output)
    assert counts["nodes"]["Candidate"] == 10 and set(counts) == {"nodes", "relationships"}
    verify = CliRunner().invoke(app, ["decisions", "verify", "--db", db, "--json"])
    assert verify.exit_code in (0, 1) and json.loads(verify.output)["records"] == 0
    policy = CliRunner().invoke(app, ["policy", "quotas", "--db", db, "--json"])
    assert policy.exit_code == 0 and json.loads(policy.output) == []


def test_a_read_command_on_no_store_exits_2(tmp_path) -> None:
    result = CliRunner().invoke(app, ["stats", "--db", str(tmp_path / "none")])
    assert result.exit_code == 2 and "error:" in result.output
    assert not (tmp_path / "none").exists()
