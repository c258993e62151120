"""The columnar fast path gives the same graph and the same rejections as the per-row path."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from pydantic import ValidationError

from loaders.columnar import canonical_utc, parse_block
from loaders.import_job import ImportJob, ImportOptions
from loaders.records import CandidateRow, InteractionRow, RoleRow
from loaders.row_mapping import canonical_time
from loaders.stores.ladybug import LadybugStore

DATA = Path(__file__).parents[1] / "data"


@pytest.mark.parametrize("dataset", ["malformed", "tiny", "csv"])
def test_columnar_and_per_row_paths_agree(dataset: str, tmp_path: Path, graph_dump) -> None:
    results = {}
    for columnar in (True, False):
        options = ImportOptions(progress=False, as_of="2025-01", columnar=columnar)
        with LadybugStore(tmp_path / f"store-{columnar}") as store:
            report = ImportJob(store, options).run(DATA / dataset)
            results[columnar] = (sorted(report.rejections), report.tables, graph_dump(store))
    assert results[True][0] == results[False][0]
    assert results[True][1] == results[False][1]
    assert results[True][2] == results[False][2]


def _mutations(row: dict, rng: random.Random) -> dict:
    """One random edit that may or may not keep the row valid."""
    row = json.loads(json.dumps(row))
    paths = []

    def walk(obj, trail):
        if isinstance(obj, dict):
            for k, v in obj.items():
                paths.append((obj, k))
                walk(v, trail + [k])
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                paths.append((obj, i))
                walk(v, trail + [i])

    walk(row, [])
    holder, key = rng.choice(paths)
    value = holder[key]
    choices = [
        None,
        "",
        " padded ",
        -1,
        7,
        0.5,
        1.5,
        True,
        "2024-13",
        "2024-01",
        "16-17",
        "65+",
        [],
        {},
        "x" * 600,
        3,
        "APPLIED",
        "LIKED",
        "2024-01-01T00:00:00Z",
        "2024-01-01 00:00",
        "2024-02-30T00:00:00Z",
        "2024-01-01T00:30:00+05:30",
        "2024-01-01T00:00:00+25:00",
        "2024-01-01T00:00:00-00:00",
        "2024-01-01T00:00:00.5Z",
    ]
    if rng.random() < 0.1 and isinstance(holder, dict):
        holder["unexpected"] = 1
    elif isinstance(value, str) and rng.random() < 0.3:
        holder[key] = value + " "
    else:
        holder[key] = rng.choice(choices)
    return row


@pytest.mark.parametrize(
    "model,table",
    [(CandidateRow, "candidates"), (RoleRow, "roles"), (InteractionRow, "interactions")],
)
def test_fast_path_never_accepts_what_pydantic_rejects(model, table: str) -> None:
    rng = random.Random(7)
    base = [json.loads(x) for x in (DATA / "tiny" / f"{table}.jsonl").read_text().splitlines() if x]
    lines = [json.dumps(_mutations(rng.choice(base), rng)).encode() for _ in range(600)]
    accepted_by_fast = 0
    for line in lines:
        parsed, suspect = parse_block(model, [line])
        if parsed is None or suspect[0]:
            continue
        accepted_by_fast += 1
        try:
            row = model.model_validate_json(line)
        except ValidationError as e:  # pragma: no cover - the failure this test exists for
            pytest.fail(f"fast path accepted a row pydantic rejects: {line!r}: {e}")
        arrow_row = parsed.to_pylist()[0]
        if model is InteractionRow:
            arrow_row.pop("at")
            assert arrow_row == row.model_dump(mode="json", exclude={"at"})
            assert canonical_utc(parsed.column("at").combine_chunks())[0].as_py() == canonical_time(
                row.at
            )
    assert accepted_by_fast > 50  # the fast path is exercised, not bypassed
