"""pytest plugin (entry point ``hub_sdk``): ``local_hub`` and ``local_hub_session`` fixtures.

Both yield a started :class:`hub_sdk.testing.LocalHub` with a fresh temporary SQLite database
seeded with the ``demo`` data set, bound to 127.0.0.1 on ephemeral ports. ``local_hub`` is
function-scoped (isolated data per test); ``local_hub_session`` is shared by the whole session
(fast, but tests must not depend on each other's writes). The server module is imported lazily
so that merely having the plugin installed costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .server import LocalHub


def _start_hub() -> LocalHub:
    try:
        from . import LocalHub
    except ImportError as exc:  # without the local extra: say what to install
        pytest.fail(str(exc), pytrace=False)
    hub = LocalHub(seed="demo")
    hub.start()
    return hub


@pytest.fixture
def local_hub() -> Iterator[LocalHub]:
    """A started LocalHub with fresh demo data, stopped after the test."""
    hub = _start_hub()
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture(scope="session")
def local_hub_session() -> Iterator[LocalHub]:
    """A started LocalHub with demo data shared by the whole test session."""
    hub = _start_hub()
    try:
        yield hub
    finally:
        hub.stop()
