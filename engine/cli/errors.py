"""Exit codes of the ``talentgraph`` command line, and the one place errors become them.

- ``0``: success;
- ``1``: a check that failed (``import --strict`` with rejected rows, ``decisions verify`` on
  an edited log, ``replay`` whose ranking differs);
- ``2``: any error: ours (``TalentGraphError``), the operating system's (``OSError``: disk
  full, permission denied, a symlink loop) and every foreign exception. No traceback reaches
  the user: the message names what failed; ``talentgraph --debug ...`` writes the traceback
  to a private log file (0600, under the user's state folder) and prints its path.

Usage errors (an unknown option, a missing argument) stay click's: exit 2 with its message.

Example:
    >>> app = typer.Typer(cls=GuardedGroup)   # doctest: +SKIP
    >>> app(["import", "data/"])              # an OSError exits 2 with "error: ..."  # doctest: +SKIP
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from rich.markup import escape
from typer.core import TyperGroup

from graph_schema.errors import TalentGraphError

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_ERROR = 2

UNEXPECTED = (
    "unexpected {kind}: {message} (a bug in talentgraph; run the command again with "
    "`talentgraph --debug ...` to write the traceback to a log file)"
)
OS_ERROR = "{reason}{where}"
DEBUG_LOG = "the traceback is in {path}"


class _State:
    debug = False


def set_debug(debug: bool) -> None:
    """``--debug`` of this invocation (set by the app's callback)."""
    _State.debug = debug


def printable(text: str) -> str:
    """``text`` with control and bidi-override characters written as escapes
    (``graph_schema.printable``) but its line breaks kept: a message may span lines,
    a value inside it can never move the cursor, recolour the terminal or fake a line."""
    from graph_schema.printable import printable as escaped

    return "\n".join(escaped(line) for line in text.split("\n"))


def error_message(error: BaseException) -> str:
    """What the user reads for ``error`` (one line or a few; never a traceback)."""
    if isinstance(error, TalentGraphError):
        return str(error)
    if isinstance(error, OSError):
        reason = error.strerror or str(error) or type(error).__name__
        names = [n for n in (error.filename, error.filename2) if n is not None]
        shown = [repr(os.fsdecode(n)) if isinstance(n, str | bytes) else str(n) for n in names]
        where = ": " + " -> ".join(shown) if shown else ""
        return OS_ERROR.format(reason=reason, where=where)
    return UNEXPECTED.format(kind=type(error).__name__, message=str(error) or "(no message)")


def write_debug_log(error: BaseException) -> Path:
    """The traceback of ``error`` in a new private file under the user's state folder."""
    from loaders.private_files import private_dir, user_state_dir

    folder = private_dir(user_state_dir() / "logs")
    path = folder / f"error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    text = "".join(traceback.format_exception(error))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def report(error: BaseException) -> None:
    """Print ``error`` for the user, on stderr (stdout may be a command's JSON)."""
    from engine.console import errors

    errors.print(f"[red]error:[/red] {escape(printable(error_message(error)))}")
    if _State.debug:
        try:
            errors.print(escape(DEBUG_LOG.format(path=write_debug_log(error))))
        except OSError as e:  # the log cannot be written either: say so, exit 2 anyway
            errors.print(f"(the traceback could not be written: {escape(error_message(e))})")


class GuardedGroup(TyperGroup):
    """The click group of the ``talentgraph`` app: every error of every command ends in a
    message and exit code 2 (above). ``main`` is what both the console script and
    ``typer.testing.CliRunner`` call, so tests see exactly what users see."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            try:
                return super().main(*args, **kwargs)
            finally:
                sys.stdout.flush()  # a full disk or a closed pipe fails here, not at exit
        except SystemExit:
            raise
        except KeyboardInterrupt:
            from engine.console import errors

            errors.print("interrupted")
            sys.exit(130)
        except Exception as e:  # noqa: BLE001 - the one place every error becomes exit 2
            report(e)
            _drop_unwritable_stdout()
            sys.exit(EXIT_ERROR)


def _drop_unwritable_stdout() -> None:
    """When stdout cannot be written (``> /dev/full``, a closed pipe), point it at
    ``/dev/null``: otherwise Python's own flush at exit fails again and prints a traceback."""
    try:
        sys.stdout.flush()
    except OSError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
