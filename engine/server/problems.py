"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API answers has ``type``, ``title``, ``status`` and ``detail``; a bad request
adds ``errors``: one ``{"field", "rule", "value"}`` per broken rule, the field as a dotted
path (``worker_profile.skills.3.level``), so that a client can point at it. The engine's own
errors map to a status by their class (``STATUS``); anything else is a 500 whose detail
names no internals (the access log and the server's log keep the cause).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from graph_schema.errors import (
    ConfigError,
    NotTrainedError,
    ReadOnlyError,
    RequestError,
    SensitiveAccessError,
    StoreError,
    StoreUnavailableError,
    TalentGraphError,
    UnknownIdError,
)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://talentgraph.dev/problems/"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ServerFileError(TalentGraphError):
    """A file of the server's own (the key file) that cannot be read: a 503 naming nothing."""


# The engine's errors, most specific first.
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (UnknownIdError, 404),
    (RequestError, 422),
    (ConfigError, 422),
    (SensitiveAccessError, 403),
    (ReadOnlyError, 403),
    (NotTrainedError, 409),
    (ServerFileError, 503),
    (StoreUnavailableError, 503),
    (StoreError, 503),
    (TalentGraphError, 422),
)
log = logging.getLogger("talentgraph.server")
UNAVAILABLE = "the server cannot answer this now (a file or store it needs is unavailable); its log has the cause"


class Problem(Exception):
    """An error answered as a problem: ``status``, a ``detail`` for people, and extra members."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def problem_response(
    status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    title = TITLES.get(status, "Error")
    body = {
        "type": TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "request"


def _validation(request: Request, exc: Any) -> JSONResponse:
    errors = [
        {
            "field": _field(e.get("loc", ())),
            "rule": e.get("msg", ""),
            "value": _shown(e.get("input")),
        }
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['rule']}" for e in errors)
    return problem_response(422, detail, errors=errors)


def _shown(value: Any) -> Any:
    """The offending value, bounded (a 1 MB string is not echoed back whole) and JSON (a
    body that was not JSON arrives as bytes)."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value[:200]).decode("utf-8", "replace")
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    if isinstance(value, (dict, list)):
        text = repr(value)
        return text[:200] + ("…" if len(text) > 200 else "")
    return value


def _engine(request: Request, exc: Exception) -> JSONResponse:
    status = next((s for cls, s in STATUS if isinstance(exc, cls)), 500)
    if isinstance(exc, RequestError):
        errors = [{"field": f, "rule": r, "value": None} for f, r in exc.problems]
        return problem_response(status, _hidden(request, str(exc)), errors=errors)
    if status >= 500 or isinstance(exc, ServerFileError):
        log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
        return problem_response(503 if status < 500 else status, UNAVAILABLE)
    return problem_response(status, _hidden(request, str(exc)))


def _hidden(request: Request, text: str) -> str:
    """``text`` without the server's folders (the store's path reads as ``STORE``)."""
    for folder, name in getattr(request.app.state, "hidden_paths", ()):
        text = text.replace(folder, name)
    return text


def _problem(request: Request, exc: Any) -> JSONResponse:
    headers = exc.extra.pop("headers", None)
    return problem_response(exc.status, exc.detail, headers=headers, **exc.extra)


def _http(request: Request, exc: Any) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "")
    return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(500, "the server failed to answer; its log has the cause")


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as a problem."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(TalentGraphError, _engine)
    app.add_exception_handler(Exception, _unexpected)
