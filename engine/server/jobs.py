"""The server's one writer: imports, trainings and allocations run as jobs, one at a time.

The server owns the store; everything that writes to it goes through this queue (a single
worker thread), and so do the long computations a request should not wait for. A job is
``queued``, ``running``, ``done`` (with its result as JSON) or ``failed`` (with the problem
the error maps to); ``progress`` holds the lines the work reported, newest last, at most
``MAX_LINES``. Reads (shortlists, explanations) never wait for a job: they are answered from
the served model, and a training switches the served model only when it is complete.

``write_lock`` is the lock a quick write outside the queue (a decision) takes, so that it
never runs inside an import's statements.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph_schema.errors import TalentGraphError

MAX_LINES = 200
MAX_JOBS = 500  # finished jobs kept for GET /v1/jobs/{id}; the oldest finished go first
Work = Callable[[Callable[[str], None]], Any]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    id: str
    kind: str
    key_id: str
    submitted: str = field(default_factory=_now)
    state: str = "queued"
    started: str | None = None
    finished: str | None = None
    progress: list[str] = field(default_factory=list)
    result: Any = None
    error: dict[str, Any] | None = None

    def say(self, line: str) -> None:
        self.progress.append(str(line)[:500])
        del self.progress[:-MAX_LINES]

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "submitted": self.submitted,
            "started": self.started,
            "finished": self.finished,
            "progress": list(self.progress),
            "result": self.result,
            "error": self.error,
        }


class Jobs:
    """The queue. ``problem`` turns a failure into the problem member of the job."""

    def __init__(self, problem: Callable[[Exception], dict[str, Any]]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tg-writer")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._problem = problem
        self.write_lock = threading.RLock()

    def submit(self, kind: str, key_id: str, work: Work) -> Job:
        job = Job(id=secrets.token_hex(8), kind=kind, key_id=key_id)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Work) -> None:
        job.state, job.started = "running", _now()
        try:
            with self.write_lock:
                job.result = work(job.say)
            job.state = "done"
        except TalentGraphError as e:
            job.state, job.error = "failed", self._problem(e)
        except Exception as e:  # noqa: BLE001 (a job's failure is its result, never lost)
            job.state, job.error = "failed", self._problem(e)
        finally:
            job.finished = _now()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def running(self) -> int:
        with self._lock:
            return sum(j.state in ("queued", "running") for j in self._jobs.values())

    def _forget_old(self) -> None:
        finished = [j.id for j in self._jobs.values() if j.state in ("done", "failed")]
        for job_id in finished[: max(0, len(self._jobs) - MAX_JOBS)]:
            del self._jobs[job_id]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
