"""Fixtures for the Auger resource tests: connections to a LocalHub on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub_sdk import auger
from hub_sdk.auger import AugerConnection
from hub_sdk.core import context


def _connect(hub: Any, **kw: Any) -> AugerConnection:
    kw.setdefault("project_token", hub.project_token)
    return auger.connect(
        hub.url, optimizers_url=hub.optimizers_url, max_retries=1, default=False, **kw
    )


@pytest.fixture
def hub(local_hub: Any) -> Any:
    """A fresh LocalHub (demo data) for tests that write."""
    return local_hub


@pytest.fixture
def conn(hub: Any) -> Iterator[AugerConnection]:
    """A project-token connection to the fresh hub, the default inside the test."""
    c = _connect(hub)
    with c:
        yield c
    c.close()
    context.clear_default("auger")


@pytest.fixture
def ro_conn(local_hub_session: Any) -> Iterator[AugerConnection]:
    """A project-token connection to the shared session hub (read-only tests)."""
    c = _connect(local_hub_session)
    with c:
        yield c
    c.close()
    context.clear_default("auger")


def requests_to(hub: Any) -> int:
    """How many requests the hub has received so far."""
    return sum(hub.stats["requests"].values())
