"""The API over a copy of the session's trained store, one key per role."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine import MatchingEngine, Settings
from engine.server.app import create_app
from engine.server.keys import ROLES, ApiKeys


class Api:
    def __init__(self, client: TestClient, tokens: dict[str, str], eng: MatchingEngine) -> None:
        self.client, self.tokens, self.eng = client, tokens, eng

    def call(self, role: str | None, method: str, path: str, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        if role:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return self.client.request(method, path, headers=headers, **kw)


@pytest.fixture(scope="module")
def api(trained_engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    root = tmp_path_factory.mktemp("api")
    store = root / "store"
    shutil.copytree(trained_engine.root / "store", store, symlinks=True)
    keys = ApiKeys(store / "api-keys.json")
    tokens = {role: keys.create(role, f"{role}-one")[1] for role in ROLES}
    with MatchingEngine.open(store, settings=Settings(db=str(store))) as eng:
        app = create_app(eng, keys, access_log=root / "access.jsonl")
        with TestClient(app) as client:
            yield Api(client, tokens, eng)
