"""FEDn test backends: LocalHub's FEDn listener (default), a real controller, or a real network.

``HUB_SDK_FEDN_BACKEND`` picks one:

* ``local``: LocalHub's FEDn app with its simulated clients (``make test``);
* ``real``: a real FEDn 0.33.0 controller on a SQLite statestore, REST only (``make test-fedn``);
  it has no combiner, so tests marked ``fedn_network`` are skipped there, with the reason;
* ``network``: a real FEDn 0.33.0 network (``make test-fedn-network``): the controller with its
  combiner on a MongoDB statestore (mongomock) and real ``fedn client`` processes running the
  compute package in ``tests/fedn/network/package``; only tests marked ``fedn_network`` run.

The real backends run with the interpreter named by ``HUB_SDK_FEDN_PYTHON`` (default
``.fedn-venv/bin/python``), which needs ``hub_sdk.testing.fedn_controller.FEDN_PINS``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from hub_sdk.testing.hs256 import make_token

from .helpers import PACKAGE_DIR

REPO = Path(__file__).resolve().parents[2]
BACKEND = os.environ.get("HUB_SDK_FEDN_BACKEND", "local").strip().lower() or "local"
FEDN_PYTHON = os.environ.get("HUB_SDK_FEDN_PYTHON", str(REPO / ".fedn-venv" / "bin" / "python"))
JWT_SECRET = "fedn-test-secret"

if BACKEND not in ("local", "real", "network"):
    raise pytest.UsageError(
        f"HUB_SDK_FEDN_BACKEND must be 'local', 'real' or 'network', not {BACKEND!r}"
    )


@dataclass
class FednServer:
    """A running FEDn API for tests: base url, backend name and (when auth is on) tokens."""

    url: str
    backend: str
    jwt_secret: str | None = None
    clients: int = 0
    hub: Any = field(default=None, repr=False)

    @property
    def real(self) -> bool:
        """True for a real FEDn controller (with or without a network)."""
        return self.backend in ("real", "network")

    @property
    def network(self) -> bool:
        """True for a real network (controller, combiner, client processes)."""
        return self.backend == "network"

    @property
    def api(self) -> str:
        """The ``/api/v1`` base."""
        return self.url + "/api/v1"

    @property
    def token(self) -> str | None:
        """An admin token, or None when the server is open."""
        return self.make_token("admin") if self.jwt_secret else None

    def make_token(self, role: str = "admin", **claims: Any) -> str:
        """A HS256 JWT signed with this server's secret."""
        assert self.jwt_secret, "auth is off on this server"
        return make_token(self.jwt_secret, role=role, **claims)

    def headers(self, role: str = "admin") -> dict[str, str]:
        """Authorization headers for ``role`` (empty when the server is open)."""
        return {"Authorization": f"Bearer {self.make_token(role)}"} if self.jwt_secret else {}

    def session(self, role: str = "admin") -> requests.Session:
        """A requests session carrying the auth header for ``role``."""
        s = requests.Session()
        s.headers.update(self.headers(role))
        return s


def _require_fedn_python() -> str:
    """The controller interpreter, or fail the test with how to get it."""
    if not Path(FEDN_PYTHON).exists():
        pytest.fail(
            f"HUB_SDK_FEDN_BACKEND={BACKEND} but {FEDN_PYTHON} is missing: run `make test-fedn` "
            "or create it with python3 -m venv .fedn-venv && .fedn-venv/bin/pip install "
            "fedn==0.33.0 'moto[s3]==5.2.5' flask-cors mongomock minio"
        )
    return FEDN_PYTHON


def client_env(i: int) -> dict[str, str]:
    """What client ``i`` (1-based) of a real network trains with: delta i, i examples."""
    return {"FEDN_TEST_DELTA": str(i), "FEDN_TEST_EXAMPLES": str(i)}


@contextlib.contextmanager
def _start(tmp: Path, *, clients: int = 3, jwt_secret: str | None = None) -> Iterator[FednServer]:
    """Start one FEDn backend and yield it (no clients on the ``real`` backend)."""
    if BACKEND == "network":
        from hub_sdk.testing.fedn_network import RealFednNetwork

        if jwt_secret:
            raise pytest.UsageError("the network backend runs without auth")
        envs = [client_env(i) for i in range(1, clients + 1)]
        with RealFednNetwork(_require_fedn_python(), tmp, PACKAGE_DIR, clients,
                             client_env=envs) as net:
            yield FednServer(net.url, "network", None, clients, net)
        return
    if BACKEND == "real":
        from hub_sdk.testing.fedn_controller import RealFednController

        with RealFednController(_require_fedn_python(), tmp, jwt_secret=jwt_secret) as ctl:
            yield FednServer(ctl.url, "real", jwt_secret, 0)
        return
    try:
        from hub_sdk.testing.server import LocalHub
    except ImportError:  # NOTE(fedn): LocalHub not there yet; serve the FEDn app alone
        with _serve_fedn_app(clients, jwt_secret) as url:
            yield FednServer(url, "local", jwt_secret, clients)
        return
    hub = LocalHub(fedn_clients=clients, fedn_jwt_secret=jwt_secret)
    hub.start()
    try:
        yield FednServer(hub.fedn_url.rstrip("/"), "local", jwt_secret, clients, hub)
    finally:
        hub.stop()


@contextlib.contextmanager
def _serve_fedn_app(clients: int, jwt_secret: str | None) -> Iterator[str]:
    """Serve a bare FednApp on 127.0.0.1 (used only when LocalHub is unavailable)."""
    import threading

    from werkzeug.serving import make_server

    from hub_sdk.testing.fedn_local import FednApp
    from hub_sdk.testing.store import Store

    store = Store()
    app = FednApp(store, clients=clients, jwt_secret=jwt_secret)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        app.close()
        store.close()


@pytest.fixture(scope="module")
def fedn_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FednServer]:
    """A FEDn API shared by the tests of one module (auth off; 3 simulated clients on LocalHub)."""
    with _start(tmp_path_factory.mktemp("fedn")) as server:
        yield server


@pytest.fixture(scope="module")
def fedn_auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FednServer]:
    """A FEDn API with JWT auth on, shared by the tests of one module."""
    with _start(tmp_path_factory.mktemp("fedn-auth"), jwt_secret=JWT_SECRET) as server:
        yield server


@pytest.fixture
def make_fedn_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., FednServer]]:
    """Factory for fresh, empty servers: ``make_fedn_server(clients=0, jwt_secret=None)``."""
    with contextlib.ExitStack() as stack:

        def make(clients: int = 3, jwt_secret: str | None = None) -> FednServer:
            tmp = tmp_path_factory.mktemp("fedn-fresh")
            return stack.enter_context(_start(tmp, clients=clients, jwt_secret=jwt_secret))

        yield make


@pytest.fixture
def fresh_fedn_server(make_fedn_server: Callable[..., FednServer]) -> FednServer:
    """A fresh, empty FEDn API for one test."""
    return make_fedn_server()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fit the selection to the backend.

    ``real``: tests that need combiners and clients are skipped, with the reason (they run in
    ``make test-fedn-network``). ``network``: only those tests run; the REST surface is
    covered on the real controller by ``make test-fedn``.
    """
    here = str(Path(__file__).parent)
    mine = [i for i in items if str(i.path).startswith(here) or "fedn" in i.path.name]
    if BACKEND == "real":
        skip = pytest.mark.skip(
            reason="needs a full FEDn network (combiners and clients finishing sessions): runs "
            "in make test-fedn-network; this controller runs on SQLite, where no combiner runs"
        )
        for item in mine:
            if "fedn_network" in item.keywords:
                item.add_marker(skip)
    elif BACKEND == "network":
        drop = [i for i in mine if "fedn_network" not in i.keywords]
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = [i for i in items if i not in drop]


def pytest_report_header(config: pytest.Config) -> str:
    """Say which FEDn backend the run uses."""
    extra = f" ({FEDN_PYTHON})" if BACKEND != "local" else ""
    return f"hub-sdk FEDn backend: {BACKEND}{extra}"
