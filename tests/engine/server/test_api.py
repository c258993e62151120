"""The HTTP API over a real trained store (issue 18): keys, roles, problems, shortlists,
decisions, limits and the access log. Nothing is mocked: the app is the one ``serve`` runs,
called through Starlette's TestClient (an in-process ASGI transport)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from engine.cli import app as cli
from engine.server.access import ACCESS
from engine.server.app import create_app
from engine.server.keys import ROLES, ApiKeys
from engine.server.owner import OWNER_FILE
from engine.server.problems import MEDIA_TYPE

pytestmark = pytest.mark.slow


def _role(trained_engine, n: int = 0) -> str:
    lines = (trained_engine.data / "roles.jsonl").read_text().splitlines()
    return json.loads(lines[n])["id"]


def _is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_health_and_openapi_need_no_key(api) -> None:
    health = api.call(None, "GET", "/health")
    assert health.status_code == 200
    assert health.json()["model_version"] == api.eng.serving.model().version
    spec = api.call(None, "GET", "/openapi.json").json()
    assert "/v1/roles/{role_id}/candidates" in spec["paths"]
    assert api.call(None, "GET", "/metrics").text.count("talentgraph_requests") > 0


def test_no_key_or_a_bad_one_is_401(api, trained_engine) -> None:
    path = f"/v1/roles/{_role(trained_engine)}/candidates"
    body = _is_problem(api.call(None, "GET", path), 401)
    assert "Authorization: Bearer KEY" in body["detail"]
    for header in ("Bearer nope", "Basic abc", "Bearer tgk_00000000_" + "a" * 43, "Bearer"):
        response = api.client.get(path, headers={"Authorization": header})
        assert _is_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_shortlist_is_the_python_apis(api, trained_engine) -> None:
    role = _role(trained_engine, 3)
    response = api.call("recruiter", "GET", f"/v1/roles/{role}/candidates", params={"k": 7})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = api.eng.recommend_candidates(role, k=7)
    assert [i["candidate_id"] for i in body["items"]] == [m.candidate_id for m in expected]
    assert [i["score"] for i in body["items"]] == [m.score for m in expected]
    assert [i["rank"] for i in body["items"]] == list(range(1, 8))
    assert all(i["reasons"] for i in body["items"])
    assert body["model_version"] == api.eng.serving.model().version
    assert len(body["shortlist_id"]) == 16
    candidate = body["items"][0]["candidate_id"]
    roles = api.call("recruiter", "GET", f"/v1/candidates/{candidate}/roles", params={"k": 3})
    assert [i["role_id"] for i in roles.json()["items"]] == [
        m.role_id for m in api.eng.recommend_roles(candidate, k=3)
    ]


def test_an_unknown_id_is_a_404_naming_it(api) -> None:
    body = _is_problem(api.call("recruiter", "GET", "/v1/roles/r-nobody/candidates"), 404)
    assert "r-nobody" in body["detail"]
    body = _is_problem(api.call("recruiter", "GET", "/v1/candidates/c-nobody/roles"), 404)
    assert "c-nobody" in body["detail"]


def test_bad_parameters_name_the_field_rule_and_value(api, trained_engine) -> None:
    role = _role(trained_engine)
    body = _is_problem(
        api.call("recruiter", "GET", f"/v1/roles/{role}/candidates", params={"k": 0}), 422
    )
    assert body["errors"] == [
        {"field": "k", "rule": "Input should be greater than or equal to 1", "value": "0"}
    ]
    score = {"worker_profile": {"skills": [{"skill": "x", "level": 1e9}]}, "job_posting": {}}
    body = _is_problem(api.call("recruiter", "POST", "/v1/score", json=score), 422)
    assert any(e["field"].startswith("worker_profile.skills") for e in body["errors"]), body
    body = _is_problem(api.call("recruiter", "POST", "/v1/score", json={"x": 1}), 422)
    assert {e["field"] for e in body["errors"]} >= {"worker_profile", "job_posting", "x"}


def test_an_oversize_body_is_413(api) -> None:
    big = {"worker_profile": {"headline": "x" * (1024 * 1024)}, "job_posting": {}}
    _is_problem(api.call("recruiter", "POST", "/v1/score", json=big), 413)


# Each endpoint with a request that proves access without starting heavy work: the role
# check comes first (401/403); an allowed role gets past it (a 2xx, or a 404/409/422 of the
# request itself).
PROBES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "shortlist": ("GET", "/v1/roles/{role}/candidates", {"params": {"k": 2}}),
    "roles_for_candidate": ("GET", "/v1/candidates/c-nobody/roles", {}),
    "score": ("POST", "/v1/score", {"json": {"worker_profile": {}, "job_posting": {}}}),
    "explain": ("GET", "/v1/explain", {"params": {"candidate_id": "c-x", "role_id": "r-x"}}),
    "decide": (
        "POST",
        "/v1/decisions",
        {"json": {"shortlist_id": "0" * 16, "candidate_id": "c1", "decision": "accept"}},
    ),
    "decisions": ("GET", "/v1/decisions", {"params": {"limit": 1}}),
    "verify": ("GET", "/v1/decisions/verify", {}),
    "replay": ("POST", "/v1/decisions/999999/replay", {}),
    "audit": ("GET", "/v1/audit", {"params": {"attribute": "shoe_size"}}),
    "catalog": ("GET", "/v1/catalog/explore/nothing_here", {}),
    "stats": ("GET", "/v1/stats", {}),
    "allocate": ("POST", "/v1/allocations", {"json": {"role_ids": [], "candidate_ids": []}}),
    "quotas": ("GET", "/v1/policy/quotas", {}),
    "set_quotas": ("PUT", "/v1/policy/quotas", {"json": {"quotas": ["bad"]}}),
    "import": ("POST", "/v1/imports", {"json": {"directory": ""}}),
    "train": ("POST", "/v1/train", {"json": {"seed": -1}}),
    "jobs": ("GET", "/v1/jobs/0123456789abcdef", {}),
}


def test_every_endpoint_for_every_role(api, trained_engine) -> None:
    assert set(PROBES) == set(ACCESS), "an endpoint without a probe, or a probe without one"
    role_id = _role(trained_engine)
    table = {}
    for endpoint, (method, path, kw) in PROBES.items():
        for role in ROLES:
            response = api.call(role, method, path.format(role=role_id), **kw)
            table[endpoint, role] = response.status_code
            if role in ACCESS[endpoint]:
                assert response.status_code not in (401, 403, 500), (endpoint, role, response.text)
            else:
                body = _is_problem(response, 403)
                assert f"a {role} key may not call {endpoint}" in body["detail"]
    assert table["audit", "recruiter"] == 403 and table["set_quotas", "auditor"] == 403
    assert table["catalog", "recruiter"] == 403 and table["shortlist", "analyst"] == 403


def test_an_auditor_reads_the_audit_a_recruiter_does_not(api) -> None:
    _is_problem(api.call("recruiter", "GET", "/v1/audit", params={"attribute": "gender"}), 403)
    response = api.call("auditor", "GET", "/v1/audit", params={"attribute": "gender", "k": 5})
    assert response.status_code == 200, response.text
    assert response.json()["attribute"] == "gender"
    html = api.call(
        "auditor",
        "GET",
        "/v1/audit",
        params={"attribute": "gender"},
        headers={"Accept": "text/html"},
    )
    assert html.headers["content-type"].startswith("text/html") and "<table" in html.text


def test_a_decision_names_the_shortlist_shown(api, trained_engine) -> None:
    role = _role(trained_engine, 5)
    shown = api.call("recruiter", "GET", f"/v1/roles/{role}/candidates", params={"k": 5}).json()
    first = shown["items"][0]["candidate_id"]
    decision = {"shortlist_id": shown["shortlist_id"], "candidate_id": first, "decision": "accept"}
    response = api.call("recruiter", "POST", "/v1/decisions", json=decision)
    assert response.status_code == 201, response.text
    logged = response.json()
    assert logged["reviewer"].startswith("recruiter-one [key ")  # the key, not the client
    assert logged["shown"] == [i["candidate_id"] for i in shown["items"]] and logged["k"] == 5
    assert logged["shortlist_id"] == shown["shortlist_id"]
    listed = api.call("auditor", "GET", "/v1/decisions", params={"role_id": role}).json()
    assert listed["items"][0]["seq"] == logged["seq"]
    assert api.call("auditor", "GET", "/v1/decisions/verify").json()["ok"] is True
    unknown = dict(decision, shortlist_id="f" * 16)
    assert (
        "never shown"
        in _is_problem(api.call("recruiter", "POST", "/v1/decisions", json=unknown), 404)["detail"]
    )
    override = dict(decision, decision="override", reason="")
    _is_problem(api.call("recruiter", "POST", "/v1/decisions", json=override), 422)
    _is_problem(api.call("admin", "POST", "/v1/decisions", json=decision), 404)  # not its list


def test_a_revoked_key_is_refused_at_its_next_request(api, trained_engine) -> None:
    keys = ApiKeys(api.eng.store.path / "api-keys.json")
    info, token = keys.create("recruiter", "temp")
    path = f"/v1/roles/{_role(trained_engine)}/candidates"
    assert api.client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    keys.revoke(info.id)
    _is_problem(api.client.get(path, headers={"Authorization": f"Bearer {token}"}), 401)


def test_a_key_over_its_rate_gets_429(api, trained_engine) -> None:
    keys = ApiKeys(api.eng.store.path / "api-keys.json")
    limited = create_app(api.eng, keys, rate_per_minute=3)
    with TestClient(limited) as client:
        headers = {"Authorization": f"Bearer {api.tokens['analyst']}"}
        codes = [client.get("/v1/stats", headers=headers).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        response = client.get("/v1/stats", headers=headers)
        _is_problem(response, 429)
        assert int(response.headers["retry-after"]) >= 1


def test_the_access_log_names_keys_routes_and_ids_never_values(api) -> None:
    api.call("auditor", "GET", "/v1/audit", params={"attribute": "gender", "k": 5})
    lines = [
        json.loads(line)
        for line in (api.eng.store.path.parent / "access.jsonl").read_text().splitlines()
    ]
    assert lines and all(
        set(r)
        == {"at", "key_id", "role", "method", "route", "ids", "status", "ms", "model_version"}
        for r in lines
    )
    audits = [r for r in lines if r["route"] == "/v1/audit" and r["status"] == 200]
    assert audits and audits[-1]["role"] == "auditor" and audits[-1]["ids"] == {}
    text = json.dumps(lines)
    for value in ("female", "male", "25-34", "impact_ratio"):
        assert value not in text


def test_keys_cli_shows_the_token_once_and_never_again(tmp_path: Path, trained_engine) -> None:
    store = tmp_path / "store"
    shutil.copytree(trained_engine.root / "store", store, symlinks=True)
    result = CliRunner().invoke(
        cli, ["keys", "create", "--role", "auditor", "--name", "ana", "--db", str(store)]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert ApiKeys(store / "api-keys.json").verify(token).role == "auditor"
    listed = CliRunner().invoke(cli, ["keys", "list", "--db", str(store), "--json"])
    assert token.split("_")[2] not in listed.output and "secret" not in listed.output
    assert oct((store / "api-keys.json").stat().st_mode & 0o777) == "0o600"
    bad = CliRunner().invoke(
        cli, ["keys", "create", "--role", "root", "--name", "x", "--db", str(store)]
    )
    assert bad.exit_code == 2 and "unknown role 'root'" in bad.output
    nowhere = CliRunner().invoke(
        cli, ["keys", "create", "--role", "admin", "--name", "x", "--db", str(tmp_path / "no")]
    )
    assert nowhere.exit_code == 2 and not (tmp_path / "no").exists()


def test_the_cli_refuses_a_store_a_server_owns(tmp_path: Path, trained_engine) -> None:
    store = tmp_path / "store"
    shutil.copytree(trained_engine.root / "store", store, symlinks=True)
    server = subprocess.Popen(["sleep", "60"])  # a live process standing for the server
    try:
        owner = {"pid": server.pid, "host": "127.0.0.1", "port": 8123, "started": "now"}
        (store / OWNER_FILE).write_text(json.dumps(owner))
        result = CliRunner().invoke(cli, ["import", str(trained_engine.data), "--db", str(store)])
        assert result.exit_code == 2
        assert "served by talentgraph serve" in result.output
        assert "POST /v1/imports" in result.output.replace("\n", " ")
    finally:
        server.kill()
        server.wait()
    assert not _alive(server.pid)
    result = CliRunner().invoke(cli, ["stats", "--db", str(store)])
    assert result.exit_code == 0, result.output  # a dead server's file is ignored


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_answers_over_a_real_socket_and_owns_the_store(
    tmp_path: Path, trained_engine
) -> None:
    """``talentgraph serve`` in its own process: /health and a shortlist over TCP, the CLI
    refused on the store it owns, and its owner file gone once it stops (SIGTERM)."""
    import signal
    import socket
    import sys
    import time

    import httpx

    store = tmp_path / "store"
    shutil.copytree(trained_engine.root / "store", store, symlinks=True)
    token = ApiKeys(store / "api-keys.json").create("recruiter", "ana")[1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "engine.cli", "serve", "--db", str(store), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loud cap: model loading takes seconds
        while True:
            try:
                health = httpx.get(base + "/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "serve did not answer /health"
                time.sleep(0.2)
        assert health.json()["model_version"] == trained_engine.report.version
        role = _role(trained_engine, 2)
        response = httpx.get(
            f"{base}/v1/roles/{role}/candidates",
            params={"k": 3},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == 3
        assert json.loads((store / OWNER_FILE).read_text())["port"] == port
        args = ["--role", role, "--candidate", "c1", "--decision", "accept", "--reviewer", "x"]
        refused = CliRunner().invoke(cli, ["decide", *args, "--db", str(store)])
        assert refused.exit_code == 2 and "POST /v1/decisions" in refused.output.replace("\n", " ")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert not (store / OWNER_FILE).exists()
    log = (store / "logs" / "access.jsonl").read_text().splitlines()
    assert any(json.loads(line)["route"] == "/v1/roles/{role_id}/candidates" for line in log)
