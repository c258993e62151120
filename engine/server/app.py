"""The HTTP API: FastAPI over one open engine, versioned under ``/v1``.

``create_app(engine, keys)`` builds it; ``talentgraph serve`` runs it with uvicorn. The server
owns the store: reads (shortlists, explanations, the catalogue) are answered from the served
model at once; everything that writes, and every long computation, is a job of the one
writer (``engine.server.jobs``). A shortlist gets an id; a decision names it, so that the
log records the ranking the recruiter saw: the decision is refused (409) when the served
ranking no longer is that one (a new model, a changed graph). The reviewer of a decision is
the key's name, never a value the client sends.

Roles, keys, rates and the access log: ``engine.server.access``. Errors:
``engine.server.problems`` (RFC 9457). docs/api.md has every endpoint with an example.
"""

import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel, ConfigDict, Field

from engine.api import MatchingEngine
from engine.server.access import DISCLOSES_GROUPS, AccessLog, Gate
from engine.server.disclosure import suppressed, without_small
from engine.server.jobs import Jobs, JobsBusy
from engine.server.keys import ApiKeys, KeyInfo
from engine.server.problems import STATUS, Problem, install, problem_response
from graph_schema.errors import NotTrainedError

API_VERSION = "1"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MAX_BODY = 1024 * 1024  # bytes of a request body
MAX_SHORTLISTS = 10_000  # shortlists remembered for decisions (oldest forgotten first)
ID = r"^[A-Za-z0-9_.:@-]{1,200}$"
IdPath = Annotated[str, PathParam(pattern=ID, description="A node id of the graph.")]
NO_SHORTLIST = (
    "no shortlist {shortlist_id!r}: it was never shown, or the server forgot it (restart, or "
    "more than {max} newer ones); load the shortlist again and decide on it"
)
STALE_SHORTLIST = (
    "shortlist {shortlist_id} was ranked by model {shown} for role {role_id}; the ranking served "
    "now ({current}) differs from it, so this decision would be logged against a list the "
    "recruiter did not see: load the shortlist again"
)
RERANKED_SHORTLIST = (
    "shortlist {shortlist_id} was re-ranked with {rerank!r}; decisions are logged against the "
    "served ranking ({served!r}): load it without rerank and decide on that"
)
NOT_SHOWN = (
    "{candidate_id} is not on shortlist {shortlist_id}: accept or reject a candidate shown; a "
    "candidate not shown is an 'override', with its reason"
)
SHOWN_OVERRIDE = (
    "{candidate_id} is on shortlist {shortlist_id}: record an 'accept', not an override"
)
DECIDE_WAIT = 30.0  # seconds a decision waits for a running write (an import, a training)
WRITER_BUSY = (
    "a job is writing to the store (an import or a training) and the decision waited "
    f"{DECIDE_WAIT:.0f} s for it; retry when it has finished (GET /v1/jobs/{{id}})"
)
RERANK_CHOICE = (
    "a recruiter's shortlist is re-ranked as served ({served!r}), not with {rerank!r}: two "
    "re-rankings of one list compared tell which candidates differ in a sensitive group"
)
NOT_CATALOG = (
    "{query!r} is not a query of the exploration catalogue (explore/...; GET /v1/catalog "
    "lists them)"
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScoreRequest(Strict):
    worker_profile: dict[str, Any]
    job_posting: dict[str, Any]


class DecisionRequest(Strict):
    shortlist_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    candidate_id: str = Field(pattern=ID)
    decision: Literal["accept", "reject", "override"]
    reason: str = Field("", max_length=2000)


class ImportRequest(Strict):
    directory: str = Field(min_length=1, max_length=4096, description="A folder on the server.")


class TrainRequest(Strict):
    seed: int | None = Field(None, ge=0, le=2**31 - 1)


class AllocationRequest(Strict):
    role_ids: list[Annotated[str, Field(pattern=ID)]] = Field(min_length=1, max_length=10_000)
    candidate_ids: list[Annotated[str, Field(pattern=ID)]] = Field(min_length=1, max_length=100_000)
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    capacity: int | None = Field(None, ge=0, le=1_000_000)
    generations: int = Field(100, ge=1, le=10_000)


class QuotasRequest(Strict):
    quotas: list[Annotated[str, Field(max_length=200)]] = Field(max_length=100)


@dataclass(frozen=True)
class Shortlist:
    id: str
    key_id: str
    role_id: str
    model_version: str
    rerank: str
    candidate_ids: tuple[str, ...]


class Shortlists:
    """The shortlists shown, by id (bounded, oldest forgotten first)."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Shortlist] = OrderedDict()
        self._lock = threading.Lock()

    def add(
        self, key_id: str, role_id: str, version: str, rerank: str, ids: tuple[str, ...]
    ) -> Shortlist:
        item = Shortlist(secrets.token_hex(8), key_id, role_id, version, rerank, ids)
        with self._lock:
            self._items[item.id] = item
            while len(self._items) > MAX_SHORTLISTS:
                self._items.popitem(last=False)
        return item

    def get(self, shortlist_id: str) -> Shortlist | None:
        with self._lock:
            return self._items.get(shortlist_id)


def _problem_of(error: Exception) -> dict[str, Any]:
    status = next((s for cls, s in STATUS if isinstance(error, cls)), 500)
    detail = str(error) if status != 500 else "the job failed; the server's log has the cause"
    return {"status": status, "detail": detail}


def _model_version(eng: MatchingEngine) -> str | None:
    try:
        return eng.serving.model().version
    except NotTrainedError:
        return None


def _body_limit(app: FastAPI, limit: int) -> None:
    """413 for a body over ``limit`` bytes: by its Content-Length, or while it streams in."""

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return problem_response(413, f"a request body may be at most {limit:,} bytes")
        if request.method in ("POST", "PUT", "PATCH") and length is None:
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    return problem_response(413, f"a request body may be at most {limit:,} bytes")
            request._body = body  # read once, kept for the route
        return await call_next(request)


def create_app(
    eng: MatchingEngine,
    keys: ApiKeys,
    *,
    access_log: Path | None = None,
    rate_per_minute: int = 600,
    max_body: int = MAX_BODY,
    on_shutdown: Sequence[Callable[[], None]] = (),
) -> FastAPI:
    """The API over ``eng`` (open, owned by the server: nothing else may write its store).

    ``on_shutdown`` runs when the server stops, after the jobs end (uvicorn then re-raises
    the signal that stopped it, so code after ``uvicorn.run`` may never run)."""
    app = FastAPI(
        title="talentgraph",
        version=API_VERSION,
        description="Fair, explainable candidate-role matching over a graph.",
        docs_url=None,  # no interactive pages: /openapi.json is the description
        redoc_url=None,
        redirect_slashes=False,  # a redirect built from the Host header is not ours to send
    )
    install(app)
    gate = Gate(keys, rate_per_minute)
    log = AccessLog(access_log)
    jobs = Jobs(_problem_of)
    shortlists = Shortlists()
    registry = CollectorRegistry()
    requests = Counter(
        "talentgraph_requests", "HTTP requests", ["route", "method", "status"], registry=registry
    )
    latency = Histogram(
        "talentgraph_request_seconds",
        "HTTP request latency",
        ["route"],
        buckets=(0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
        registry=registry,
    )
    active = Gauge("talentgraph_jobs_active", "Jobs queued or running", registry=registry)
    active.set_function(jobs.running)
    app.state.engine, app.state.jobs, app.state.access_log = eng, jobs, log
    store_path = getattr(eng.store, "path", None)  # the embedded store's folder
    app.state.hidden_paths = (
        ((str(Path(store_path).resolve()), "STORE"), (str(store_path), "STORE"))
        if store_path is not None
        else ()
    )

    _body_limit(app, max_body)  # inside ``observe`` (registered after it): a 413 is logged

    @app.middleware("http")
    async def observe(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response  # type: ignore[no-any-return]
        finally:
            seconds = time.perf_counter() - started
            route = getattr(request.scope.get("route"), "path", "(unmatched)")
            method = request.method if request.method in METHODS else "OTHER"
            requests.labels(route, method, str(status)).inc()
            latency.labels(route).observe(seconds)
            log.write(request, status, seconds, _model_version(eng) if status != 500 else None)

    @app.on_event("shutdown")
    def _shutdown() -> None:
        jobs.close()
        log.close()
        for hook in on_shutdown:
            hook()

    def allow(endpoint: str) -> Any:
        return Depends(gate.allow(endpoint))

    def submit(kind: str, key: KeyInfo, work: Any, *, writes: bool) -> dict[str, Any]:
        try:
            return jobs.submit(kind, key.id, work, writes=writes).view()
        except JobsBusy as e:
            raise Problem(503, str(e), headers={"Retry-After": "30"}) from e

    # ------------------------------------------------------------------ open endpoints
    @app.get("/health", tags=["service"])
    def health() -> dict[str, Any]:
        """Liveness and what is served (no key needed)."""
        return {"status": "ok", "model_version": _model_version(eng), "api": API_VERSION}

    @app.get("/metrics", tags=["service"], response_class=Response)
    def metrics() -> Response:
        """Prometheus metrics: requests, latency, jobs (no key needed; no ids, no values)."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    # ------------------------------------------------------------------ matching
    @app.get("/v1/roles/{role_id}/candidates", tags=["matching"])
    def shortlist(
        key: Annotated[KeyInfo, allow("shortlist")],
        role_id: IdPath,
        k: Annotated[int, Query(ge=1, le=50)] = 10,
        rerank: Annotated[str | None, Query(max_length=40)] = None,
    ) -> dict[str, Any]:
        """The ``k`` best candidates for a role, with reasons; ``shortlist_id`` is what a
        decision names."""
        served = eng.serving.rerank_method(rerank)
        if key.role not in DISCLOSES_GROUPS and served != eng.serving.rerank_method(None):
            # two re-rankings of one list, side by side, order people by their groups
            raise Problem(
                403, RERANK_CHOICE.format(rerank=rerank, served=eng.serving.rerank_method(None))
            )
        matches = eng.recommend_candidates(role_id, k=k, rerank=rerank)
        version = eng.serving.model().version
        item = shortlists.add(
            key.id, role_id, version, served, tuple(m.candidate_id for m in matches)
        )
        return {
            "role_id": role_id,
            "shortlist_id": item.id,
            "model_version": version,
            "rerank": served,
            "items": [
                {
                    "candidate_id": m.candidate_id,
                    "score": m.score,
                    "rank": m.rank,
                    "reasons": list(m.reasons),
                }
                for m in matches
            ],
            "warnings": sorted({w for m in matches for w in m.warnings}),
        }

    @app.get("/v1/candidates/{candidate_id}/roles", tags=["matching"])
    def roles_for_candidate(
        key: Annotated[KeyInfo, allow("roles_for_candidate")],
        candidate_id: IdPath,
        k: Annotated[int, Query(ge=1, le=50)] = 10,
        fusion: Annotated[str | None, Query(max_length=40)] = None,
    ) -> dict[str, Any]:
        """The ``k`` best roles for a candidate; ``fusion`` blends in the candidate's side."""
        matches = eng.recommend_roles(candidate_id, k=k, fusion=fusion)
        return {
            "candidate_id": candidate_id,
            "model_version": eng.serving.model().version,
            "fusion": fusion,
            "items": [
                {"role_id": m.role_id, "score": m.score, "rank": m.rank, "reasons": list(m.reasons)}
                for m in matches
            ],
        }

    @app.post("/v1/score", tags=["matching"])
    def score(body: ScoreRequest, key: Annotated[KeyInfo, allow("score")]) -> dict[str, Any]:
        """Score an ad-hoc worker profile against an ad-hoc job posting (nothing stored)."""
        return eng.score(body.worker_profile, body.job_posting).model_dump(mode="json")

    @app.get("/v1/explain", tags=["matching"])
    def explain(
        key: Annotated[KeyInfo, allow("explain")],
        candidate_id: Annotated[str, Query(pattern=ID)],
        role_id: Annotated[str, Query(pattern=ID)],
        level: Literal["summary", "detailed", "comparative", "counterfactual"] = "summary",
        versus: Annotated[str | None, Query(pattern=ID)] = None,
    ) -> dict[str, Any]:
        """Why the pair scores as it does: SHAP attributions and graph paths."""
        return eng.explain(candidate_id, role_id, level, versus=versus).model_dump(mode="json")

    # ------------------------------------------------------------------ decisions
    @app.post("/v1/decisions", tags=["decisions"], status_code=201)
    def decide(body: DecisionRequest, key: Annotated[KeyInfo, allow("decide")]) -> dict[str, Any]:
        """Log a decision on a shortlist shown (the reviewer is the key's name)."""
        shown = shortlists.get(body.shortlist_id)
        if shown is None or shown.key_id != key.id:  # a list this key was shown, no other
            raise Problem(
                404, NO_SHORTLIST.format(shortlist_id=body.shortlist_id, max=MAX_SHORTLISTS)
            )
        on_list = body.candidate_id in shown.candidate_ids
        if on_list == (body.decision == "override"):
            raise Problem(
                422,
                (NOT_SHOWN if not on_list else SHOWN_OVERRIDE).format(
                    candidate_id=body.candidate_id, shortlist_id=shown.id
                ),
            )
        served = eng.serving.rerank_method(None)
        if shown.rerank != served:
            raise Problem(
                409,
                RERANKED_SHORTLIST.format(
                    shortlist_id=shown.id, rerank=shown.rerank, served=served
                ),
            )
        # no model switch or import between the check and the log; a decision waits for a
        # running write a bounded time, never holding a request thread indefinitely
        if not jobs.write_lock.acquire(timeout=DECIDE_WAIT):
            raise Problem(503, WRITER_BUSY, headers={"Retry-After": "30"})
        try:
            now = eng.recommend_candidates(shown.role_id, k=len(shown.candidate_ids))
            version = eng.serving.model().version
            if (
                version != shown.model_version
                or tuple(m.candidate_id for m in now) != shown.candidate_ids
            ):
                raise Problem(
                    409,
                    STALE_SHORTLIST.format(
                        shortlist_id=shown.id,
                        shown=shown.model_version,
                        role_id=shown.role_id,
                        current=version,
                    ),
                )
            decision = eng.record_decision(
                shown.role_id,
                body.candidate_id,
                body.decision,
                f"{key.name} [key {key.id}]",
                body.reason,
                k=len(shown.candidate_ids),
            )
        finally:
            jobs.write_lock.release()
        return {"shortlist_id": shown.id, **decision.model_dump(mode="json")}

    @app.get("/v1/decisions", tags=["decisions"])
    def decisions(
        key: Annotated[KeyInfo, allow("decisions")],
        role_id: Annotated[str | None, Query(pattern=ID)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        """The logged decisions, newest first (after verifying the log)."""
        from engine.decisions.log import read

        records = read(eng.decisions_path)
        if role_id is not None:
            records = [r for r in records if r.get("role_id") == role_id]
        return {"items": list(reversed(records))[:limit], "total": len(records)}

    @app.get("/v1/decisions/verify", tags=["decisions"])
    def verify(key: Annotated[KeyInfo, allow("verify")]) -> dict[str, Any]:
        """The log's hash chain, signatures and head."""
        from dataclasses import asdict

        from engine.decisions.log import verify as verify_log

        return asdict(verify_log(eng.decisions_path))

    @app.post("/v1/decisions/{seq}/replay", tags=["decisions"])
    def replay(
        seq: Annotated[int, PathParam(ge=1, le=10**12)], key: Annotated[KeyInfo, allow("replay")]
    ) -> dict[str, Any]:
        """Recompute a logged decision's ranking from its logged model version."""
        return eng.replay_decision(seq).model_dump(mode="json")

    # ------------------------------------------------------------------ fairness, allocation
    @app.get("/v1/audit", tags=["fairness"], response_model=None)
    def audit(
        key: Annotated[KeyInfo, allow("audit")],
        request: Request,
        attribute: Annotated[str, Query(max_length=40)] = "gender",
        k: Annotated[int, Query(ge=1, le=1000)] = 10,
        intersect: Annotated[str | None, Query(max_length=40)] = None,
        source: Literal["recommendations", "history", "decisions"] = "recommendations",
    ) -> Any:
        """The bias audit (aggregates only): JSON, or HTML when the client accepts it."""
        report = eng.audit(attribute, k, intersect, source=source)
        data = report.model_dump(mode="json")
        if "text/html" in request.headers.get("accept", ""):
            from engine.audit.html import render_html
            from engine.results import FairnessReport

            return HTMLResponse(render_html(FairnessReport.model_validate(without_small(data))))
        return JSONResponse(suppressed(data))

    @app.post("/v1/allocations", tags=["fairness"], status_code=202)
    def allocate(
        body: AllocationRequest, key: Annotated[KeyInfo, allow("allocate")]
    ) -> dict[str, Any]:
        """Allocate candidates to roles (a job); group shares only for auditors and admins."""
        disclose = key.role in DISCLOSES_GROUPS

        def work(say: Any) -> Any:
            say(f"allocating {len(body.candidate_ids)} candidates to {len(body.role_ids)} roles")
            out = eng.allocate(
                body.role_ids,
                body.candidate_ids,
                body.weights,
                capacity=body.capacity,
                generations=body.generations,
                disclose_groups=disclose,
            )
            return out.model_dump(mode="json")

        return submit("allocation", key, work, writes=False)

    @app.get("/v1/policy/quotas", tags=["fairness"])
    def quotas(key: Annotated[KeyInfo, allow("quotas")]) -> dict[str, Any]:
        """The stored allocation quotas."""
        return {"quotas": [str(q) for q in eng.allocation_quotas()]}

    @app.put("/v1/policy/quotas", tags=["fairness"])
    def set_quotas(
        body: QuotasRequest, key: Annotated[KeyInfo, allow("set_quotas")]
    ) -> dict[str, Any]:
        """Replace the stored allocation quotas (``[]`` removes them)."""
        with jobs.write_lock:
            stored = eng.set_allocation_quotas(body.quotas or None)
        return {"quotas": [str(q) for q in stored]}

    # ------------------------------------------------------------------ data and training
    @app.get("/v1/stats", tags=["data"])
    def stats(key: Annotated[KeyInfo, allow("stats")]) -> dict[str, Any]:
        """Node and relationship counts."""
        return eng.stats()

    @app.get("/v1/catalog", tags=["data"])
    def catalog_names(key: Annotated[KeyInfo, allow("catalog")]) -> dict[str, Any]:
        """The exploration catalogue's queries."""
        from loaders.stores import cypher

        return {"queries": [f"explore/{n}" for n in cypher.names(eng.store.dialect, "explore")]}

    @app.get("/v1/catalog/{query:path}", tags=["data"])
    def catalog(
        query: str, request: Request, key: Annotated[KeyInfo, allow("catalog")]
    ) -> dict[str, Any]:
        """Run a catalogue query read-only; its parameters are the query string (JSON values
        are read as JSON: ``limit=5``)."""
        from loaders.stores import cypher

        name = query.removeprefix("explore/")
        if not query.startswith("explore/") or name not in cypher.names(
            eng.store.dialect, "explore"
        ):
            raise Problem(404, NOT_CATALOG.format(query=query))
        params: dict[str, Any] = {}
        for name, value in request.query_params.items():
            try:
                params[name] = json.loads(value)
            except ValueError:
                params[name] = value
        return {"query": query, "rows": eng.query(query, params)}

    @app.post("/v1/imports", tags=["data"], status_code=202)
    def start_import(
        body: ImportRequest, key: Annotated[KeyInfo, allow("import")]
    ) -> dict[str, Any]:
        """Import a dataset folder on the server (a job: its report has every file's rows in
        = imported + merged + quarantined)."""
        from loaders.import_job import ImportOptions

        def work(say: Any) -> Any:
            say(f"importing {body.directory}")
            report = eng.import_dataset(body.directory, ImportOptions(progress=False))
            return report.model_dump(mode="json")

        return submit("import", key, work, writes=True)

    @app.post("/v1/train", tags=["data"], status_code=202)
    def start_train(body: TrainRequest, key: Annotated[KeyInfo, allow("train")]) -> dict[str, Any]:
        """Train a new model (a job); it is served when complete, atomically."""

        def work(say: Any) -> Any:
            return eng.train(seed=body.seed, say=say).model_dump(mode="json")

        return submit("train", key, work, writes=True)

    @app.get("/v1/jobs/{job_id}", tags=["data"])
    def job(
        key: Annotated[KeyInfo, allow("jobs")],
        job_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{16}$")],
    ) -> dict[str, Any]:
        """A job's state, progress and result (yours; an admin sees every job)."""
        found = jobs.get(job_id)
        if found is None or (found.key_id != key.id and key.role != "admin"):
            raise Problem(404, f"no job {job_id!r} of this key")
        return found.view()

    return app
