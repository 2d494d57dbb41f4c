"""Fixtures for the LocalHub tests: real HTTP over loopback with ``requests``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from hub_sdk.testing import LocalHub
from hub_sdk.testing.pytest_plugin import local_hub, local_hub_session

__all__ = ["Api", "local_hub", "local_hub_session"]


class Api:
    """A tiny client: every parameter in the JSON body (as recorded), token included."""

    def __init__(self, hub: LocalHub, token: str | None = None, key: str = "project_api_token"):
        self.hub = hub
        self.base = hub.url
        self.session = requests.Session()
        self.token = hub.project_token if token is None else token
        self.key = key

    def call(self, method: str, path: str, **params: Any) -> requests.Response:
        body = dict(params)
        if self.token:
            body.setdefault(self.key, self.token)
        return self.session.request(method, f"{self.base}/api/v1/{path}", json=body, timeout=30)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.call("GET", path, **params)

    def post(self, path: str, **params: Any) -> requests.Response:
        return self.call("POST", path, **params)

    def patch(self, path: str, **params: Any) -> requests.Response:
        return self.call("PATCH", path, **params)

    def delete(self, path: str, **params: Any) -> requests.Response:
        return self.call("DELETE", path, **params)

    def data(self, method: str, path: str, **params: Any) -> Any:
        r = self.call(method, path, **params)
        assert r.status_code == 200, r.text
        return r.json()["data"]


@pytest.fixture
def api(local_hub: LocalHub) -> Iterator[Api]:
    """An Api on a fresh demo hub, authenticated with the demo project token."""
    client = Api(local_hub)
    yield client
    client.session.close()


@pytest.fixture(scope="session")
def shared_api(local_hub_session: LocalHub) -> Iterator[Api]:
    """An Api on the session-wide demo hub (read-only tests)."""
    client = Api(local_hub_session)
    yield client
    client.session.close()
