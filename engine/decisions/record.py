"""Recording a recruiter's decision: the log first, then the graph; and restoring the graph
from the log.

``record_decision`` takes what the recruiter saw at that moment (the role's ranking as served,
with the served re-ranker, its scores, and the summary explanation of the pair), pins the
model version that ranked (``engine.runtime.versions.pin``: never pruned, so ``talentgraph replay``
can load it), appends one record to the hash-chained log (``engine.decisions.log``), then
writes the decision into the graph as a recruiter interaction, so the next training learns
from it: ``accept`` and ``override`` as ``SHORTLISTED``, ``reject`` as ``REJECTED``
(``actor = "recruiter"``, ``at`` the timestamp). The record also carries the version folder,
the re-ranking attributes, the fingerprint of the graph the ranking was computed from
(``engine.decisions.fingerprint``) and ``edge_new``: whether that graph lacked the edge the
decision writes (what ``engine.decisions.replay`` takes away to get back to it).

The log comes first because it is the record an auditor relies on: a crash after it and
before the graph write leaves a decision the graph lacks, which :func:`restore` restores (it
re-applies every logged decision; the edges are merged, so restoring twice changes nothing).
An import does not rewrite a changed candidate's interactions, but a graph rebuilt from the
dataset (or a removed candidate) lacks the decision edges: ``MatchingEngine.import_dataset``
re-applies the log after every import.

Example:
    >>> d = record_decision(ctx, "r1", "c4", "accept", reviewer="ana", reason="strong fit")  # doctest: +SKIP
    >>> restore(ctx)                                                                        # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from typing import Any

from engine.context import EngineContext
from engine.decisions.fingerprint import inputs_fingerprint
from engine.decisions.log import DecisionLog, DecisionWriteError, read
from engine.decisions.text import MAX_ID, MAX_REASON, MAX_REVIEWER, check_text
from engine.explain.levels import explainer_for
from engine.matching.serving import rerank_attributes
from engine.results import Decision
from engine.runtime.versions import PINNED, find, pin, pinned
from graph_schema.edge_types import INTERACTED
from graph_schema.errors import ConfigError, StoreError
from graph_schema.params import check_k, out_of_range

DECISIONS = ("accept", "reject", "override")
EDGE_TYPE = {"accept": "SHORTLISTED", "override": "SHORTLISTED", "reject": "REJECTED"}
SHOWN = 50
SCORE_DIGITS = 6
PIN_FAILED = (
    "{path}: could not pin the model version that ranked the decision ({reason}); nothing "
    "was logged. Free space on that disk (or fix the folder's permissions) and record the "
    "decision again"
)
GRAPH_FAILED = (
    "decision {seq} is logged in {log}, but writing it to the graph failed ({cause}); once "
    "the store is writable, run `talentgraph decisions restore`"
)


def _check(role_id: str, candidate_id: str, decision: str, reviewer: str, reason: str) -> None:
    """Validate the arguments before anything is computed (``engine.decisions.text``)."""
    check_text("role_id", role_id, MAX_ID, required=True)
    check_text("candidate_id", candidate_id, MAX_ID, required=True)
    if decision not in DECISIONS:
        check_text("decision", decision, max(map(len, DECISIONS)))
        raise out_of_range("decision", f"one of {DECISIONS}", decision)
    check_text("reviewer", reviewer, MAX_REVIEWER)
    if not reviewer.strip():
        raise ConfigError("reviewer must name the person deciding")
    check_text("reason", reason, MAX_REASON, allow="\n\t")
    if decision == "override" and not reason.strip():
        raise ConfigError("an override needs a reason (the justification is logged)")


def as_decision(record: dict[str, Any]) -> Decision:
    """The ``Decision`` of a logged record (without ``prev``, ``key`` and ``mac``)."""
    return Decision(**{k: v for k, v in record.items() if k not in ("prev", "key", "mac")})


def record_decision(
    ctx: EngineContext,
    role_id: str,
    candidate_id: str,
    decision: str,
    reviewer: str,
    reason: str = "",
    k: int = SHOWN,
) -> Decision:
    """Log the decision with what was shown (the served ranking's top ``k``: as many as the
    recruiter saw), then write it to the graph.

    Raises:
        ConfigError: an unknown decision, no reviewer, an override without a reason, an
            ``override`` of a candidate the list shown already held (that is an ``accept``),
            a text field over its limit or holding a control character
            (``engine.decisions.text``), or a log that fails verification.
        DecisionKeyError: the log's key is missing.
        DecisionWriteError: pinning or appending failed (a full disk): nothing was logged.
        StoreError: the decision is logged, the graph write failed (``restore`` it).
        UnknownIdError: an id is not in the graph.
    """
    _check(role_id, candidate_id, decision, reviewer, reason)
    k = check_k(k, "record_decision", high=SHOWN)
    # One decision at a time per log in this process: the store's connection takes one
    # transaction at a time, and the list logged is the one computed for this decision.
    with _deciding(ctx.decisions_path):
        return _record(ctx, role_id, candidate_id, decision, reviewer, reason, k)


def _deciding(path: Any) -> threading.Lock:
    name = os.path.abspath(path)
    with _GUARD:
        return _DECIDING.setdefault(name, threading.Lock())


_GUARD = threading.Lock()
_DECIDING: dict[str, threading.Lock] = {}


def _record(
    ctx: EngineContext,
    role_id: str,
    candidate_id: str,
    decision: str,
    reviewer: str,
    reason: str,
    k: int,
) -> Decision:
    matches = ctx.serving.recommend_candidates(role_id, k=k)
    shown = [m.candidate_id for m in matches]
    explanation = explainer_for(ctx).explain(candidate_id, role_id, "summary")
    if decision == "override" and candidate_id in shown[:10]:
        raise ConfigError(
            f"{candidate_id} is in the top 10 shown for {role_id}: record an 'accept', not an override"
        )
    model, rerank = ctx.serving.model(), ctx.settings.rerank
    runtime = ctx.serving.recommender().runtime
    groups = None if rerank == "none" else ctx.serving.fairness_status()[0]
    log = DecisionLog.open(ctx.decisions_path)
    try:
        pin(model.directory, f"a decision on {role_id} ranked by {model.version}")
    except OSError as e:
        raise DecisionWriteError(
            PIN_FAILED.format(path=model.directory / PINNED, reason=e.strerror or e)
        ) from e
    record = log.append(
        {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "role_id": role_id,
            "candidate_id": candidate_id,
            "decision": decision,
            "reviewer": reviewer,
            "reason": reason,
            "model_version": model.version,
            "model_folder": model.directory.name,
            "rerank": rerank,
            "rerank_attributes": list(rerank_attributes(ctx.settings)),
            "k": k,
            "shown": shown,
            "scores_shown": [round(m.score, SCORE_DIGITS) for m in matches],
            "reasons_shown": list(explanation.reasons),
            "inputs": inputs_fingerprint(runtime, groups),
            "edge_new": not _in_export(runtime.exported, candidate_id, role_id, decision),
        }
    )
    try:
        _write_edges(ctx, [record])
    except StoreError as e:
        raise StoreError(
            GRAPH_FAILED.format(seq=record["seq"], log=ctx.decisions_path, cause=e)
        ) from e
    return as_decision(record)


def _in_export(exported: Any, candidate_id: str, role_id: str, decision: str) -> bool:
    """Whether the export holds the INTERACTED edge the decision writes."""
    if INTERACTED not in exported.data.edge_types:
        return False
    cmap, rmap = exported.ids["Candidate"], exported.ids["Role"]
    if candidate_id not in cmap or role_id not in rmap:
        return False
    store = exported.data[INTERACTED]
    names = [n.removeprefix("type=") for n in store.edge_attr_names]
    if EDGE_TYPE[decision] not in names:
        return False
    src, dst = store.edge_index.numpy()
    column = store.edge_attr.numpy()[:, names.index(EDGE_TYPE[decision])] > 0
    here = (src == cmap.index_of(candidate_id)) & (dst == rmap.index_of(role_id)) & column
    return bool(here.any())


def _write_edges(ctx: EngineContext, records: list[dict[str, Any]]) -> int:
    rows = [
        {
            "src": r["candidate_id"],
            "dst": r["role_id"],
            "type": EDGE_TYPE[r["decision"]],
            "actor": "recruiter",
            "at": r["at"],
        }
        for r in records
    ]
    return ctx.store.upsert_edges("INTERACTED", "Candidate", rows) if rows else 0


def restore(ctx: EngineContext) -> int:
    """Re-apply every logged decision to the graph (idempotent) and pin every model version
    the log names that is still on disk (logs written before pins existed); returns the
    edges written.

    Raises:
        ConfigError: the log fails verification (nothing is written).
    """
    records = read(ctx.decisions_path)  # refuses a tampered log; recovers a crash's leftovers
    for r in records:
        folder = find(ctx.model_dir, r.get("model_folder", ""), r["model_version"])
        if folder is not None and not pinned(folder):
            pin(folder, f"decision {r['seq']} ranked by {r['model_version']} (restore)")
    return _write_edges(ctx, records)
