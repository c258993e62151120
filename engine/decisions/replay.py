"""``replay_decision``: recompute the ranking a logged decision was taken on, from the logged
model version, and compare it with the ranking that was shown.

What is reproduced, and how:

- **the model**: the version folder named in the record (``model_folder``; records without it:
  the newest folder of ``model_version``), loaded with ``MatchModel.load`` and served with its
  own FAISS index (``engine.matching.serving``). Versions that ranked a logged decision are
  pinned and never pruned (``engine.runtime.versions``), so a later ``train`` does not
  take them away.
- **the graph**: the graph is not versioned, so the runtime is rebuilt from the graph as it is
  now, minus the INTERACTED edges that the decision itself and the decisions after it added
  (``edge_new``). When the engine that served the ranking had built its runtime before some
  earlier decisions (one process recording several), their edges are taken away too: the
  replay walks back until the interactions match the logged fingerprint.
- **the re-ranking**: the logged method over the logged attributes' groups (read through the
  audit module, as the engine reads them).

What is not reproduced: any other change to the graph since (an import that added people or
changed a text, skills, preferences, a sensitive value); the fingerprint
(``engine.decisions.fingerprint``) says whether the inputs were the same and which part
differs, so a different ranking is explained, never silently presented as the one shown.

Example:
    >>> result = replay_decision(ctx, "12")     # doctest: +SKIP
    >>> result.same, result.inputs_same         # doctest: +SKIP
    (True, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.context import EngineContext
from engine.decisions.fingerprint import changed, inputs_fingerprint, interactions_part
from engine.decisions.log import read
from engine.decisions.record import EDGE_TYPE, as_decision
from engine.matching.serving import rerank_attributes
from engine.results import DecisionReplay, RankDifference
from engine.runtime.versions import find
from graph_schema.edge_types import INTERACTED
from graph_schema.errors import ConfigError
from loaders.pyg_export import ExportedGraph

INTERACTIONS = "-".join(INTERACTED)
UNKNOWN_DECISION = (
    "no decision {decision_id!r} in {path} ({count} decisions); give its seq number or the "
    "start of its hash (at least 6 hex digits)"
)
MODEL_GONE = (
    "decision {seq} was ranked by model {version} (folder {folder!r}), which is no longer in "
    "{model_dir}/versions; its ranking cannot be replayed"
)
WALK_BACK = 200
"""At most this many earlier decisions are tried when matching the logged interactions."""


def find_decision(
    records: Sequence[dict[str, Any]], decision_id: str | int, path: object = "the log"
) -> dict[str, Any]:
    """The record whose ``seq`` is ``decision_id``, or whose hash starts with it (6+ hex).

    Raises:
        ConfigError: none matches, or a hash prefix matches several.
    """
    key = str(decision_id).strip().lower()
    if key.isdigit() and len(key) < 6:
        found = [r for r in records if r["seq"] == int(key)]
    else:
        found = [r for r in records if len(key) >= 6 and r["hash"].startswith(key)]
        if not found and key.isdigit():
            found = [r for r in records if r["seq"] == int(key)]
    if len(found) != 1:
        shown = decision_id if len(str(decision_id)) <= 70 else str(decision_id)[:70] + "…"
        raise ConfigError(UNKNOWN_DECISION.format(decision_id=shown, path=path, count=len(records)))
    return found[0]


def without_edges(exported: ExportedGraph, edges: set[tuple[str, str, str]]) -> ExportedGraph:
    """``exported`` without the INTERACTED edges ``(candidate id, role id, stage)`` given
    (the copy shares every other tensor)."""
    if not edges or INTERACTED not in exported.data.edge_types:
        return exported
    import copy

    store = exported.data[INTERACTED]
    names = [n.removeprefix("type=") for n in store.edge_attr_names]
    src, dst = store.edge_index.numpy()
    stage = store.edge_attr.numpy().argmax(axis=1)
    cand, role = exported.ids["Candidate"].ids, exported.ids["Role"].ids
    keep = np.array(
        [(cand[s], role[d], names[t]) not in edges for s, d, t in zip(src, dst, stage)], bool
    )
    if keep.all():
        return exported
    data = copy.copy(exported.data)
    data[INTERACTED].edge_index = store.edge_index[:, keep]
    data[INTERACTED].edge_attr = store.edge_attr[keep]
    return ExportedGraph(data=data, ids=exported.ids)


def _edges_from(records: Sequence[Mapping[str, Any]], first: int) -> set[tuple[str, str, str]]:
    """The new edges written by the decisions from seq ``first`` on."""
    return {
        (r["candidate_id"], r["role_id"], EDGE_TYPE[r["decision"]])
        for r in records
        if r["seq"] >= first and r.get("edge_new", True)
    }


def graph_as_of(
    plain: ExportedGraph, records: Sequence[Mapping[str, Any]], record: Mapping[str, Any]
) -> tuple[ExportedGraph, tuple[int, ...]]:
    """The export the decision's ranking was computed from, as far as the log can tell: the
    current export minus the new edges of this decision and the later ones, and of earlier
    ones while the interactions do not match the logged fingerprint; and the seqs undone."""
    seq = record["seq"]
    logged = (record.get("inputs") or {}).get(INTERACTIONS)
    first = seq
    if logged is not None:
        for start in range(seq, max(seq - WALK_BACK, 0), -1):
            if interactions_part(without_edges(plain, _edges_from(records, start))) == logged:
                first = start
                break
    undone = tuple(r["seq"] for r in records if r["seq"] >= first and r.get("edge_new", True))
    return without_edges(plain, _edges_from(records, first)), undone


def compare(
    shown: Sequence[str],
    shown_scores: Sequence[float],
    replayed: Sequence[str],
    replayed_scores: Sequence[float],
) -> tuple[tuple[RankDifference, ...], float | None]:
    """Ranks where the ids differ, and the largest score difference over ids in both."""
    diffs = []
    for i in range(max(len(shown), len(replayed))):
        a = shown[i] if i < len(shown) else None
        b = replayed[i] if i < len(replayed) else None
        if a != b:
            diffs.append(
                RankDifference(
                    rank=i + 1,
                    shown=a,
                    replayed=b,
                    shown_score=shown_scores[i] if i < len(shown_scores) else None,
                    replayed_score=replayed_scores[i] if i < len(replayed_scores) else None,
                )
            )
    if not shown_scores:
        return tuple(diffs), None
    now = dict(zip(replayed, replayed_scores))
    gaps = [abs(now[c] - s) for c, s in zip(shown, shown_scores) if c in now]
    return tuple(diffs), max(gaps) if gaps else None


def replay_decision(ctx: EngineContext, decision_id: str | int) -> DecisionReplay:
    """Recompute the ranking shown for a logged decision (see the module docstring).

    Args:
        ctx: the context of the store the decision was recorded in.
        decision_id: the decision's seq number, or the start of its hash (6+ hex digits).

    Raises:
        ConfigError: the log fails verification, no such decision, or its model version is
            no longer on disk.
        ModelFileError: a file of that version is missing or malformed.
    """
    from engine.matching.serving import build_recommender
    from engine.runtime.model import MatchModel
    from loaders.pyg_export import export_graph

    records = read(ctx.decisions_path)
    record = find_decision(records, decision_id, ctx.decisions_path)
    decision = as_decision(record)
    folder = find(ctx.model_dir, decision.model_folder, decision.model_version)
    if folder is None:
        raise ConfigError(
            MODEL_GONE.format(
                seq=decision.seq,
                version=decision.model_version,
                folder=decision.model_folder,
                model_dir=ctx.model_dir,
            )
        )
    model = MatchModel.load(folder)
    notes: list[str] = []
    if model.version != decision.model_version:
        raise ConfigError(
            f"{folder} holds model {model.version}, not {decision.model_version} (decision "
            f"{decision.seq})"
        )
    if not decision.model_folder:
        notes.append("the record names no version folder; the newest of its version was used")
    plain, undone = graph_as_of(export_graph(ctx.store), records, record)
    runtime = model.runtime(ctx.store, plain)
    groups = None
    if decision.rerank != "none":
        from engine.fairness.groups import intersected_groups

        attributes = decision.rerank_attributes or rerank_attributes(ctx.settings)
        groups = intersected_groups(ctx.store, attributes)
    matches = build_recommender(ctx.store, model, runtime).rank(
        "Role", decision.role_id, decision.k, reasons=False, rerank=decision.rerank, groups=groups
    )
    replayed = tuple(m.candidate_id for m in matches)
    replayed_scores = tuple(round(m.score, 6) for m in matches)
    diffs, gap = compare(decision.shown, decision.scores_shown, replayed, replayed_scores)
    inputs_same: bool | None = None
    changed_inputs: tuple[str, ...] = ()
    if decision.inputs:
        changed_inputs = tuple(changed(decision.inputs, inputs_fingerprint(runtime, groups)))
        inputs_same = not changed_inputs
        if changed_inputs:
            notes.append(
                "the graph changed since the ranking was shown in parts the log cannot undo ("
                + ", ".join(changed_inputs)
                + "): a difference in the ranking may come from them, not from the model"
            )
    else:
        notes.append("the record holds no fingerprint of its inputs (logged before them)")
    return DecisionReplay(
        decision=decision,
        model_folder=folder.name,
        replayed=replayed,
        replayed_scores=replayed_scores,
        same=replayed == tuple(decision.shown),
        max_score_difference=gap,
        differences=diffs,
        inputs_same=inputs_same,
        changed_inputs=changed_inputs,
        decisions_undone=undone,
        notes=tuple(notes),
    )
