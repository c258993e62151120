"""``talentgraph bench serve``: the HTTP shortlist under load, against the Python call.

On one trained benchmark store (``bench.store``):

1. the baseline, in this process: ``recommend_candidates(role, k)`` as served (re-ranked),
   one query at a time, for the sampled roles;
2. ``talentgraph serve`` started in its own process on a free loopback port: the seconds
   until ``/health`` answers and the server's peak RSS at the end;
3. ``requests`` shortlist calls over HTTP (``GET /v1/roles/{id}/candidates``) from
   ``concurrency`` clients at once (httpx, asyncio), in two phases of equal size: idle, then
   while an import job (the same dataset again, through ``POST /v1/imports``) runs in the
   server's writer. Latency per request, p50/p99, throughput, errors (any status but 200).

It stops by itself (a fixed number of requests; a loud cap on the server's start). The
ratio HTTP p50 / in-process p50 holds on a noisy machine; the absolute times do not.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.bench.facts import percentiles
from engine.bench.store import trained_bench_store

START_CAP = 900.0  # seconds: a loud safety cap on the server's start, not a budget


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


async def _load(
    base: str, token: str, roles: list[str], n: int, concurrency: int, k: int
) -> tuple[list[float], int]:
    import httpx

    latencies: list[float] = []
    errors = 0
    queue = [roles[i % len(roles)] for i in range(n)]
    headers = {"Authorization": f"Bearer {token}"}

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
            while queue:
                role = queue.pop()
                began = time.perf_counter()
                response = await http.get(f"/v1/roles/{role}/candidates", params={"k": k})
                latencies.append(time.perf_counter() - began)
                errors += response.status_code != 200

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, errors


def _phase(base: str, token: str, roles: list[str], n: int, concurrency: int, k: int) -> dict:
    began = time.perf_counter()
    latencies, errors = asyncio.run(_load(base, token, roles, n, concurrency, k))
    seconds = time.perf_counter() - began
    return {
        "requests": n,
        "errors": errors,
        "seconds": round(seconds, 2),
        "per_second": round(n / seconds, 1),
        **percentiles(latencies),
    }


def bench_serve(
    scale: float,
    seed: int,
    workdir: Path,
    requests: int = 2000,
    concurrency: int = 8,
    k: int = 10,
    queries: int = 200,
) -> dict[str, Any]:
    """Measure (see the module docstring); returns the facts as a dict."""
    import httpx

    from engine.server.keys import ApiKeys, keys_path

    with trained_bench_store(scale, seed, workdir) as (eng, facts):
        ids = eng.serving.recommender().runtime.exported.ids["Role"].ids
        rng = np.random.default_rng(seed)
        roles = [str(r) for r in rng.choice(ids, size=min(queries, len(ids)), replace=False)]
        for role in roles[:5]:
            eng.recommend_candidates(role, k=k)  # warm-up
        inproc = []
        for role in roles:
            began = time.perf_counter()
            eng.recommend_candidates(role, k=k)
            inproc.append(time.perf_counter() - began)
        facts["in_process"] = percentiles(inproc)
        store = Path(str(eng.store.path))  # type: ignore[attr-defined]
    data = workdir / f"data-s{scale:g}-seed{seed}"
    keys = ApiKeys(keys_path(str(store)))
    run_id = secrets.token_hex(3)  # this run's keys, revoked when it ends
    made = [keys.create(role, f"bench-{role}-{run_id}") for role in ("recruiter", "admin")]
    recruiter, admin = (token for _, token in made)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "engine.cli", "serve", "--db", str(store), "--port", str(port)]
    command += ["--rate", "1000000", "--access-log", os.devnull]
    began = time.perf_counter()
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            try:
                httpx.get(base + "/health", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None:
                    raise RuntimeError(f"serve ended: {server.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
                if time.perf_counter() - began > START_CAP:
                    raise RuntimeError(f"serve did not answer /health in {START_CAP:.0f} s")
                time.sleep(0.2)
        facts["start_seconds"] = round(time.perf_counter() - began, 1)
        half = requests // 2
        _phase(base, recruiter, roles, min(100, half), concurrency, k)  # warm-up
        facts["idle"] = _phase(base, recruiter, roles, half, concurrency, k)
        job = httpx.post(
            base + "/v1/imports",
            json={"directory": str(data.resolve())},
            headers={"Authorization": f"Bearer {admin}"},
            timeout=30,
        ).json()
        facts["during_import"] = _phase(base, recruiter, roles, requests - half, concurrency, k)
        state = httpx.get(
            f"{base}/v1/jobs/{job['id']}", headers={"Authorization": f"Bearer {admin}"}, timeout=30
        ).json()
        facts["import_job_state_after_load"] = state["state"]
        facts["server_peak_rss_mib"] = _peak_rss_mib(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=300)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        for info, _ in made:
            keys.revoke(info.id)
    facts["concurrency"], facts["k"] = concurrency, k
    facts["http_over_inprocess_p50"] = round(
        facts["idle"]["p50_ms"] / max(facts["in_process"]["p50_ms"], 1e-6), 1
    )
    return facts
