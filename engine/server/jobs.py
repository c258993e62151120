"""The server's jobs: the one writer (imports, trainings) and the computations (allocations).

The server owns the store; everything that writes to it is a job of the writer (one thread,
one job at a time, holding ``write_lock``); the long computations that only read (an
allocation) are jobs of a second single thread, so that they never hold up a write or a
decision. At most ``MAX_PENDING`` jobs wait or run at once (``JobsBusy`` beyond). A job is
``queued``, ``running``, ``done`` (with its result as JSON) or ``failed`` (with the problem
the error maps to); ``progress`` holds the lines the work reported, newest last, at most
``MAX_LINES``. Reads (shortlists, explanations) never wait for a job: they are answered from
the served model, and a training switches the served model only when it is complete.

``write_lock`` is the lock a quick write outside the queue (a decision) takes, so that it
never runs inside an import's statements. On shutdown, queued jobs are cancelled, a running
write finishes (the store stays consistent), a running computation is abandoned.
"""

from __future__ import annotations

import logging
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
MAX_PENDING = 8  # jobs queued or running at once
BUSY = "{pending} jobs are queued or running (at most {max}); retry when one has finished"


class JobsBusy(Exception):
    """Too many jobs queued or running."""


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
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tg-writer")
        self._compute = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tg-compute")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._problem = problem
        self.write_lock = threading.RLock()

    def submit(self, kind: str, key_id: str, work: Work, *, writes: bool) -> Job:
        """Queue ``work``: on the writer (``writes``, holding ``write_lock``) or beside it.

        Raises:
            JobsBusy: ``MAX_PENDING`` jobs are queued or running already.
        """
        job = Job(id=secrets.token_hex(8), kind=kind, key_id=key_id)
        with self._lock:
            pending = sum(j.state in ("queued", "running") for j in self._jobs.values())
            if pending >= MAX_PENDING:
                raise JobsBusy(BUSY.format(pending=pending, max=MAX_PENDING))
            self._jobs[job.id] = job
            self._forget_old()
        pool = self._writer if writes else self._compute
        pool.submit(self._run, job, work, writes)
        return job

    def _run(self, job: Job, work: Work, writes: bool) -> None:
        job.state, job.started = "running", _now()
        try:
            if writes:
                with self.write_lock:
                    job.result = work(job.say)
            else:
                job.result = work(job.say)
            job.state = "done"
        except TalentGraphError as e:
            job.state, job.error = "failed", self._problem(e)
        except Exception as e:
            logging.getLogger("talentgraph.server").exception(
                "job %s (%s) failed", job.id, job.kind
            )
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
        self._compute.shutdown(wait=False, cancel_futures=True)
        self._writer.shutdown(wait=True, cancel_futures=True)
