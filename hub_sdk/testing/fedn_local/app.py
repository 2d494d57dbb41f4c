"""The FEDn controller REST API as one WSGI app over a :class:`Store`.

The app gathers the routes every room declares (the domain rooms of :data:`ROOMS` and the
generic :class:`~.engine.crud.Crud`) into one werkzeug :class:`~werkzeug.routing.Map`, built
once, with strict slashes (a collection without its trailing slash answers 308, as on the real
controller). Per request it matches the route, checks the bearer token against the route's role
when a JWT secret is set, calls the handler, and answers a :class:`~.validation.BadRequest` with
400 and a :class:`~.validation.StoreError` (or a bug) with the controller's 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..hs256 import TokenError, verify
from ..store import Store
from .data import FednData
from .engine.crud import Crud
from .engine.room import Room, Route, message
from .routes.controller import Controller
from .routes.models import Models
from .routes.network import Network
from .routes.packages import Packages
from .routes.sessions import Sessions
from .simulator import FednSimulator
from .validation import BadRequest, StoreError

__all__ = ["ROOMS", "FednApp"]

StartResponse = Callable[..., Any]

#: Every room of the app, the generic CRUD included.
ROOMS: tuple[type[Room], ...] = (Controller, Crud, Models, Packages, Sessions, Network)


class FednApp:
    """WSGI app serving the FEDn controller REST API from a :class:`Store` (see module doc)."""

    def __init__(
        self,
        store: Store,
        *,
        clients: int = 3,
        combiners: int = 1,
        jwt_secret: str | None = None,
        round_seconds: float = 0.05,
        network_id: str = "fedn-network",
    ) -> None:
        """Serve ``store``; simulate ``clients`` clients and ``combiners`` combiners."""
        self.data = FednData(store)
        self.jwt_secret = jwt_secret or None
        self.sim = FednSimulator(self.data, clients=clients, combiners=combiners,
                                 round_seconds=round_seconds, network_id=network_id)
        self.routes: list[Route] = [
            r for room in ROOMS for r in room(self.data, self.sim).routes()
        ]
        self.url_map = Map(
            [Rule(r.rule, methods=list(r.methods), endpoint=r) for r in self.routes],
            strict_slashes=True,
            merge_slashes=False,
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """WSGI entry point."""
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route, authorize and run one request."""
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            found, args = adapter.match()
        except HTTPException as exc:  # 404, 405 and the 308 for a missing trailing slash
            return exc.get_response(request.environ)
        route: Route = found
        if route.role and self.jwt_secret:
            denied = self._authorize(request, route.role)
            if denied is not None:
                return denied
        try:
            return route.handler(request, **args)
        except BadRequest as exc:
            return message(str(exc), 400)
        except StoreError:
            return message("An unexpected error occurred", 500)
        except Exception:  # pragma: no cover - a bug here; keep the real server's shape
            return message("An unexpected error occurred", 500)

    def _authorize(self, request: Request, role: str) -> Response | None:
        """None when the request carries a valid token for ``role``, else the 401 response."""
        assert self.jwt_secret is not None
        header = request.headers.get("Authorization")
        if not header:
            return message("Missing token", 401)
        if not header.startswith("Bearer"):
            return message("Invalid token scheme, expected Bearer", 401)
        parts = header.split(" ")
        try:
            if len(parts) < 2:
                raise TokenError("Invalid token")
            claims = verify(parts[1], self.jwt_secret)
        except TokenError as exc:
            return message(str(exc), 401)
        if claims.get("role") != role:
            return message("Invalid token", 401)
        return None

    def close(self) -> None:
        """Stop simulated sessions."""
        self.sim.close()
