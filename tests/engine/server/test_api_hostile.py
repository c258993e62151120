"""The API's hostile probe (issue 18, probe of 2026-12-08), one test per finding F1-F15.

Each failed on the code the probe attacked; the fixture is the module's own copy of the
trained store (``conftest.api``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.server.app import create_app
from engine.server.jobs import Jobs
from engine.server.keys import ApiKeys
from engine.server.owner import OWNER_FILE, refuse_if_served
from graph_schema.errors import ConfigError

pytestmark = pytest.mark.slow


def _role(trained_engine, n: int = 0) -> str:
    lines = (trained_engine.data / "roles.jsonl").read_text().splitlines()
    return json.loads(lines[n])["id"]


def _shortlist(api, role: str, k: int = 5, who: str = "recruiter") -> dict:
    response = api.call(who, "GET", f"/v1/roles/{role}/candidates", params={"k": k})
    assert response.status_code == 200, response.text
    return response.json()


def test_f1_a_model_trained_by_a_job_serves_every_request_thread(api, trained_engine) -> None:
    """The served model's embedding cache was opened in the job's thread: every read after a
    training through the API was a 500 (SQLite objects of another thread)."""
    role = _role(trained_engine, 7)
    before = _shortlist(api, role)
    job = api.call("admin", "POST", "/v1/train", json={"seed": 3}).json()
    deadline = time.monotonic() + 900  # a loud cap; training here takes well under it
    while (state := api.call("admin", "GET", f"/v1/jobs/{job['id']}").json())["state"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert state["state"] == "done", (state["error"], state["progress"][-3:])
    after = _shortlist(api, role)  # a request thread, not the job's
    assert after["model_version"] == state["result"]["version"]
    candidate = before["items"][0]["candidate_id"]
    body = {"shortlist_id": before["shortlist_id"], "candidate_id": candidate, "decision": "accept"}
    if after["model_version"] != before["model_version"]:
        stale = api.call("recruiter", "POST", "/v1/decisions", json=body)
        assert stale.status_code == 409 and "load the shortlist again" in stale.json()["detail"]
    explain = api.call(
        "recruiter", "GET", "/v1/explain", params={"candidate_id": candidate, "role_id": role}
    )
    assert explain.status_code == 200, explain.text


def test_f2_a_computation_never_holds_the_writers_lock() -> None:
    jobs = Jobs(lambda e: {"status": 500, "detail": str(e)})
    release = threading.Event()
    jobs.submit("allocation", "k", lambda say: release.wait(30), writes=False)
    time.sleep(0.1)
    assert jobs.write_lock.acquire(timeout=1), "a decision waited on an allocation"
    jobs.write_lock.release()
    for _ in range(7):
        jobs.submit("allocation", "k", lambda say: None, writes=False)
    with pytest.raises(Exception, match="jobs are queued or running"):
        jobs.submit("allocation", "k", lambda say: None, writes=False)
    release.set()
    jobs.close()


def test_f3_the_auditor_sees_no_cell_small_enough_to_single_someone_out(
    api, trained_engine
) -> None:
    shown = _shortlist(api, _role(trained_engine, 9))
    first = shown["items"][0]["candidate_id"]
    body = {"shortlist_id": shown["shortlist_id"], "candidate_id": first, "decision": "accept"}
    assert api.call("recruiter", "POST", "/v1/decisions", json=body).status_code == 201
    for attribute in ("gender", "age_band"):
        response = api.call(
            "auditor", "GET", "/v1/audit", params={"source": "decisions", "attribute": attribute}
        )
        assert response.status_code == 200, response.text
        cells = []

        def walk(value, cells=cells) -> None:
            if isinstance(value, dict):
                if "insufficient_evidence" in value:
                    cells.append(value)
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(response.json())
        small = [c for c in cells if c["insufficient_evidence"]]
        assert small, "the probe's decisions audit has small cells to hide"
        assert all(c.get("suppressed") and "decisions" not in c and "n" not in c for c in small)


def test_f4_a_recruiter_cannot_compare_re_rankings(api, trained_engine) -> None:
    role = _role(trained_engine, 3)
    served = api.eng.serving.rerank_method(None)
    other = "none" if served != "none" else "det_greedy"
    response = api.call(
        "recruiter", "GET", f"/v1/roles/{role}/candidates", params={"rerank": other}
    )
    assert response.status_code == 403 and "re-ranked as served" in response.json()["detail"]
    assert (
        api.call("admin", "GET", f"/v1/roles/{role}/candidates", params={"rerank": other})
    ).status_code == 200


def test_f5_accept_and_reject_only_the_shown_and_override_only_the_unshown(
    api, trained_engine
) -> None:
    role = _role(trained_engine, 11)
    shown = _shortlist(api, role, k=3)
    ids = [i["candidate_id"] for i in shown["items"]]
    outside = next(
        m.candidate_id
        for m in api.eng.recommend_candidates(role, k=20)
        if m.candidate_id not in ids
    )
    for decision, candidate in (("accept", outside), ("reject", outside), ("override", ids[0])):
        body = {
            "shortlist_id": shown["shortlist_id"],
            "candidate_id": candidate,
            "decision": decision,
            "reason": "checked the portfolio",
        }
        response = api.call("recruiter", "POST", "/v1/decisions", json=body)
        assert response.status_code == 422, (decision, response.text)


def test_f6_f9_the_access_log_keeps_the_path_ids_and_413s(api, trained_engine) -> None:
    role = _role(trained_engine)
    api.call(
        "recruiter",
        "GET",
        f"/v1/roles/{role}/candidates",
        params={"k": 2, "role_id": "FORGED_ROLE"},
    )
    api.call("recruiter", "POST", "/v1/score", content=b"x" * (2 * 1024 * 1024))
    lines = [
        json.loads(x) for x in (api.eng.store.path.parent / "access.jsonl").read_text().splitlines()
    ]
    forged = [r for r in lines if r["route"] == "/v1/roles/{role_id}/candidates"][-1]
    assert forged["ids"]["role_id"] == role
    assert any(r["status"] == 413 for r in lines)


def test_f7_made_up_methods_share_one_metrics_label(api) -> None:
    for i in range(5):
        api.client.request(f"M{i:05d}", "/x")
    text = api.call(None, "GET", "/metrics").text
    assert "M00001" not in text and 'method="OTHER"' in text


def test_f8_a_body_that_is_not_json_is_a_422(api) -> None:
    for headers, content in (
        ({"Content-Type": "text/plain"}, b"x"),
        ({}, b'{"worker_profile": {}, "job_posting": {}}'),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"a=1"),
    ):
        response = api.call("recruiter", "POST", "/v1/score", content=content, headers=headers)
        assert response.status_code in (400, 415, 422), response.text


def test_f10_the_catalogue_lists_and_runs_its_queries(api, trained_engine) -> None:
    names = api.call("analyst", "GET", "/v1/catalog").json()["queries"]
    assert "explore/role_closest_skills" in names
    response = api.call(
        "analyst",
        "GET",
        "/v1/catalog/explore/role_closest_skills",
        params={"role_id": _role(trained_engine), "limit": 3},
    )
    assert response.status_code == 200, response.text
    assert 0 < len(response.json()["rows"]) <= 3


def test_f11_refused_keys_are_rate_limited_too(api) -> None:
    limited = create_app(api.eng, ApiKeys(api.eng.store.path / "api-keys.json"), rate_per_minute=3)
    with TestClient(limited) as client:
        codes = [
            client.get("/v1/stats", headers={"Authorization": "Bearer nope"}).status_code
            for _ in range(5)
        ]
    assert codes[:3] == [401, 401, 401] and codes[-1] == 429


def test_f12_errors_name_no_server_path(api, tmp_path: Path) -> None:
    store = str(api.eng.store.path)
    response = api.call("auditor", "POST", "/v1/decisions/999999/replay")
    assert response.status_code in (404, 422) and store not in response.text
    broken = tmp_path / "keys.json"
    broken.write_text('{"keys": [')
    app = create_app(api.eng, ApiKeys(broken))
    with TestClient(app) as client:
        response = client.get(
            "/v1/stats", headers={"Authorization": "Bearer tgk_0123abcd_" + "a" * 43}
        )
    assert response.status_code == 503
    assert str(broken) not in response.text and "keys" not in response.json()["detail"]


def test_f13_a_key_name_is_one_holder(tmp_path: Path) -> None:
    keys = ApiKeys(tmp_path / "keys.json")
    keys.create("recruiter", "ana")
    with pytest.raises(ConfigError, match="named 'ana' already"):
        keys.create("admin", "ana")
    for blank in (" ", "  x", ""):
        with pytest.raises(ConfigError, match="starting with a letter or digit"):
            keys.create("recruiter", blank)


def test_f14_no_interactive_pages_and_no_host_built_redirect(api) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert api.call(None, "GET", path).status_code == 404
    response = api.client.get(
        "/v1/audit/", headers={"Host": "evil.example"}, follow_redirects=False
    )
    assert response.status_code == 404 and "location" not in response.headers


def test_f15_a_reused_pid_does_not_own_the_store(tmp_path: Path) -> None:
    (tmp_path / OWNER_FILE).write_text(
        json.dumps({"pid": 1, "pid_started": "0", "host": "h", "port": 1, "started": "x"})
    )
    refuse_if_served(str(tmp_path), "import")  # pid 1 lives, but started at another time
    (tmp_path / OWNER_FILE).write_text(json.dumps({"pid": os.getppid(), "host": "h", "port": 1}))
    with pytest.raises(Exception, match="served by talentgraph serve"):
        refuse_if_served(str(tmp_path), "import")
