"""Who reaches what: the role of each endpoint, the key check, the rate per key, the access log.

``ACCESS`` is the whole matrix (an endpoint's name -> the roles that may call it); a route
declares its name with ``Depends(allow("name"))``, and a test walks every route x role.
No ``Authorization: Bearer KEY``: 401 (with ``WWW-Authenticate: Bearer``); a key whose role
is not listed: 403; over ``rate_per_minute`` requests in a minute: 429 with ``Retry-After``.

Every call is one JSON line in the access log: time, key id, role, method, route (the
template, ``/v1/roles/{role_id}/candidates``), the ids in its path and query (``role_id``,
``candidate_id``, ``job_id``, ``seq``), status, latency and the served model version. No
body, no other query value, no sensitive value: an audit's answer is never logged.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from fastapi import Request

from engine.server.keys import ApiKeys, KeyInfo
from engine.server.problems import Problem
from loaders.private_files import private_append

ACCESS: dict[str, frozenset[str]] = {
    "shortlist": frozenset({"recruiter", "admin"}),
    "roles_for_candidate": frozenset({"recruiter", "admin"}),
    "score": frozenset({"recruiter", "admin"}),
    "explain": frozenset({"recruiter", "admin"}),
    "decide": frozenset({"recruiter", "admin"}),
    "decisions": frozenset({"recruiter", "auditor", "admin"}),
    "verify": frozenset({"recruiter", "auditor", "admin"}),
    "replay": frozenset({"auditor", "admin"}),
    "audit": frozenset({"auditor", "admin"}),
    "catalog": frozenset({"analyst", "admin"}),
    "stats": frozenset({"recruiter", "analyst", "auditor", "admin"}),
    "allocate": frozenset({"recruiter", "auditor", "admin"}),
    "quotas": frozenset({"auditor", "admin"}),
    "set_quotas": frozenset({"admin"}),
    "import": frozenset({"admin"}),
    "train": frozenset({"admin"}),
    "jobs": frozenset({"recruiter", "analyst", "auditor", "admin"}),
}
# What an auditor or administrator may see of an allocation that a recruiter may not.
DISCLOSES_GROUPS = frozenset({"auditor", "admin"})
LOGGED_IDS = ("role_id", "candidate_id", "job_id", "seq", "shortlist_id", "query")
NO_KEY = (
    "this endpoint needs an API key: send 'Authorization: Bearer KEY' (talentgraph keys create)"
)
BAD_KEY = "the API key is not valid (malformed, unknown or revoked)"
FORBIDDEN = "a {role} key may not call {endpoint}; it is for {roles}"
TOO_MANY_FAILED = "{client} sent more than {rate} refused requests in a minute; retry in {wait} s"
TOO_MANY = "key {key_id} made more than {rate} requests in a minute; retry in {wait} s"


@dataclass
class RateLimiter:
    """A token bucket per key: ``rate`` requests a minute, bursts up to ``rate``."""

    rate: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, key_id: str) -> float:
        """0 when the request may go now (a token is spent), else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (float(self.rate), now))
            tokens = min(float(self.rate), tokens + (now - last) * self.rate / 60.0)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key_id] = (tokens, now)
            return (1.0 - tokens) * 60.0 / self.rate


class Gate:
    """The key check and the rate limit, shared by every route of an app."""

    def __init__(self, keys: ApiKeys, rate_per_minute: int) -> None:
        self.keys = keys
        self.limiter = RateLimiter(rate_per_minute)

    def key(self, request: Request) -> KeyInfo:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header or scheme.lower() != "bearer" or not token.strip():
            raise Problem(401, NO_KEY, headers={"WWW-Authenticate": "Bearer"})
        info = self.keys.verify(token.strip())
        if info is None:
            self._failed(request)
            raise Problem(401, BAD_KEY, headers={"WWW-Authenticate": "Bearer"})
        request.state.key = info
        return info

    def _failed(self, request: Request) -> None:
        """Spend a token of the client's failure bucket: refused keys and roles cost the
        same rate as a key's requests (429 beyond), so guessing floods neither log nor CPU."""
        client = request.client.host if request.client else "?"
        wait = self.limiter.wait(f"failed:{client}")
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise Problem(
                429,
                TOO_MANY_FAILED.format(client=client, rate=self.limiter.rate, wait=seconds),
                headers={"Retry-After": str(seconds)},
            )

    def allow(self, endpoint: str) -> Callable[[Request], KeyInfo]:
        roles = ACCESS[endpoint]

        def check(request: Request) -> KeyInfo:
            info = self.key(request)
            if info.role not in roles:
                self._failed(request)
                raise Problem(
                    403,
                    FORBIDDEN.format(
                        role=info.role, endpoint=endpoint, roles=", ".join(sorted(roles))
                    ),
                )
            wait = self.limiter.wait(info.id)
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                raise Problem(
                    429,
                    TOO_MANY.format(key_id=info.id, rate=self.limiter.rate, wait=seconds),
                    headers={"Retry-After": str(seconds)},
                )
            return info

        check.__name__ = f"allow_{endpoint}"
        return check


class AccessLog:
    """JSON lines, one per request, appended to a 0600 file (``None``: not kept)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fh: IO[str] | None = None

    def write(self, request: Request, status: int, seconds: float, model: str | None) -> None:
        if self.path is None:
            return
        key: KeyInfo | None = getattr(request.state, "key", None)
        route = request.scope.get("route")
        params = {**request.query_params, **request.path_params}  # the path's ids win
        record = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "key_id": key.id if key else None,
            "role": key.role if key else None,
            "method": request.method[:10],
            "route": getattr(route, "path", None) or "(unmatched)",
            "ids": {k: str(params[k])[:200] for k in LOGGED_IDS if k in params},
            "status": status,
            "ms": round(seconds * 1000, 2),
            "model_version": model,
        }
        line = json.dumps(record, ensure_ascii=True) + "\n"
        with self._lock:
            if self._fh is None:
                self._fh = private_append(self.path)
            self._fh.write(line)
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


def describe_roles() -> dict[str, list[str]]:
    """The matrix by role (for docs and ``keys --help``)."""
    out: dict[str, list[str]] = {}
    for endpoint, roles in ACCESS.items():
        for role in roles:
            out.setdefault(role, []).append(endpoint)
    return {k: sorted(v) for k, v in sorted(out.items())}


__all__ = ["ACCESS", "AccessLog", "Gate", "RateLimiter", "describe_roles"]
