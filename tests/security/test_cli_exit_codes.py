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
from engine.cli.errors import UNEXPECTED, GuardedGroup, printable, set_debug


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
    assert "error: Not a directory" in done.stderr and "error" not in done.stdout


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


# -- found by the hostile probe after the first round ----------------------------------------
def _tiny_store(tmp_path) -> str:
    from pathlib import Path

    db = str(tmp_path / "store")
    tiny = Path(__file__).parents[1] / "data" / "tiny"
    assert CliRunner().invoke(app, ["import", str(tiny), "--db", db]).exit_code == 0
    return db


def test_errors_go_to_stderr_so_json_stays_json(tmp_path) -> None:
    result = CliRunner().invoke(app, ["stats", "--json", "--db", str(tmp_path / "none")])
    assert result.exit_code == 2 and result.stdout == ""
    assert "error: " in result.stderr


def test_a_full_stdout_is_exit_2_without_a_traceback(tmp_path) -> None:
    db = _tiny_store(tmp_path)
    script = os.path.join(os.path.dirname(sys.executable), "talentgraph")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [script, "stats", "--json", "--db", db],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
            check=False,
        )
    assert done.returncode == 2, done.stderr
    assert "No space left on device" in done.stderr and "Traceback" not in done.stderr


def test_id_lists_are_read_from_regular_files_only(tmp_path) -> None:
    fifo = tmp_path / "ids.fifo"
    os.mkfifo(fifo)
    for source in ("/dev/zero", str(fifo), str(tmp_path)):
        args = ["allocate", "--db", str(tmp_path / "none"), "--roles", "r1"]
        result = CliRunner().invoke(app, [*args, "--candidates", f"@{source}"])
        assert result.exit_code == 2, result.output
        assert f"{source}: " in result.output and "regular file" in result.output


def test_a_catalogue_name_never_leaves_the_catalogue(tmp_path) -> None:
    import pytest

    from graph_schema.errors import QueryNotFoundError
    from loaders.stores import cypher

    (tmp_path / "evil.cypher").write_text("MATCH (n) RETURN n")
    relative = os.path.relpath(tmp_path / "evil", cypher.resources.files("cypher"))
    for name in (relative, str(tmp_path / "evil"), "explore/../explore/skill_paths", "a\\b"):
        with pytest.raises(QueryNotFoundError, match="is not a catalogue query name"):
            cypher.query(name, "ladybug")
    assert "MATCH" in cypher.query("explore/skill_paths", "ladybug")


def test_read_commands_leave_the_database_file_mode_alone(tmp_path) -> None:
    db = _tiny_store(tmp_path)
    graph = tmp_path / "store" / "graph.lbdb"
    assert stat.S_IMODE(graph.stat().st_mode) == 0o600  # created by the import: private
    graph.chmod(0o640)  # the owner's choice
    assert CliRunner().invoke(app, ["stats", "--db", db]).exit_code == 0
    assert stat.S_IMODE(graph.stat().st_mode) == 0o640


def test_verify_on_no_store_is_an_error_not_an_empty_log(tmp_path) -> None:
    result = CliRunner().invoke(app, ["decisions", "verify", "--db", str(tmp_path / "typo")])
    assert result.exit_code == 2 and "no talentgraph store at" in result.output
    assert not (tmp_path / "typo").exists()


def test_invisible_characters_are_refused_in_a_reviewer() -> None:
    import pytest

    from engine.decisions.text import MAX_REVIEWER, check_text
    from graph_schema.errors import ConfigError

    for name in ("ana\u200b", "ana\ufeff", "ana\u00ad", "\u180eana"):
        with pytest.raises(ConfigError, match="must not hold control characters"):
            check_text("reviewer", name, MAX_REVIEWER)


def test_evaluate_json_prints_only_json(trained_engine) -> None:
    import json

    args = ["evaluate", str(trained_engine.data), "--db", str(trained_engine.root / "store")]
    args += ["--no-baselines", "--no-ablations", "--bootstrap", "0", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "results" in json.loads(result.stdout)
