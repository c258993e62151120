"""Recording a recruiter's decision: the log first, then the graph; and replaying the log.

``record_decision`` takes what the recruiter saw at that moment (the role's ranking as served,
with the served re-ranker, and the summary explanation of the pair), appends one record to the
hash-chained log (``engine.decisions.log``), then writes the decision into the graph as a
recruiter interaction, so the next training learns from it: ``accept`` and ``override`` as
``SHORTLISTED``, ``reject`` as ``REJECTED`` (``actor = "recruiter"``, ``at`` the timestamp).
The log comes first because it is the record an auditor relies on: a crash after it and
before the graph write leaves a decision the graph lacks, which :func:`replay` restores (it
re-applies every logged decision; the edges are merged, so replaying twice changes nothing).
A re-import that rewrites a candidate's interactions removes their decision edges too; replay
after it.

Example:
    >>> d = record_decision(eng, "r1", "c4", "accept", reviewer="ana", reason="strong fit")  # doctest: +SKIP
    >>> replay(eng)                                                                         # doctest: +SKIP
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.decisions.log import DecisionLog
from engine.results import Decision
from graph_schema.errors import ConfigError

DECISIONS = ("accept", "reject", "override")
EDGE_TYPE = {"accept": "SHORTLISTED", "override": "SHORTLISTED", "reject": "REJECTED"}
SHOWN = 50


def _check(decision: str, reviewer: str, reason: str) -> None:
    if decision not in DECISIONS:
        raise ConfigError(f"decision must be one of {DECISIONS}; got {decision!r}")
    if not isinstance(reviewer, str) or not reviewer.strip():
        raise ConfigError("reviewer must name the person deciding")
    if decision == "override" and not (isinstance(reason, str) and reason.strip()):
        raise ConfigError("an override needs a reason (the justification is logged)")


def record_decision(
    eng: Any, role_id: str, candidate_id: str, decision: str, reviewer: str, reason: str = ""
) -> Decision:
    """Log the decision with what was shown, then write it to the graph.

    Raises:
        ConfigError: an unknown decision, no reviewer, an override without a reason, an
            ``override`` of a candidate the list shown already held (that is an ``accept``),
            or a log that fails verification.
        UnknownIdError: an id is not in the graph.
    """
    _check(decision, reviewer, reason)
    shown = [m.candidate_id for m in eng.recommend_candidates(role_id, k=SHOWN)]
    explanation = eng.explain(candidate_id, role_id, level="summary")
    if decision == "override" and candidate_id in shown[:10]:
        raise ConfigError(
            f"{candidate_id} is in the top 10 shown for {role_id}: record an 'accept', not an override"
        )
    log = DecisionLog.open(eng.decisions_path)
    record = log.append(
        {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "role_id": role_id,
            "candidate_id": candidate_id,
            "decision": decision,
            "reviewer": reviewer,
            "reason": reason,
            "model_version": eng.model().version,
            "rerank": eng.settings.rerank,
            "shown": shown,
            "reasons_shown": list(explanation.reasons),
        }
    )
    _write_edges(eng, [record])
    return Decision(**{k: v for k, v in record.items() if k != "prev"})


def _write_edges(eng: Any, records: list[dict[str, Any]]) -> int:
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
    return eng.store.upsert_edges("INTERACTED", "Candidate", rows) if rows else 0


def replay(eng: Any) -> int:
    """Re-apply every logged decision to the graph (idempotent); returns the edges written.

    Raises:
        ConfigError: the log fails verification (nothing is written).
    """
    import json

    path = eng.decisions_path
    DecisionLog.open(path)  # refuses a tampered log; recovers a crash's leftovers first
    records = [json.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []
    return _write_edges(eng, records)
