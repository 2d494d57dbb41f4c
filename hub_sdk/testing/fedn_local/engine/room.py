"""A room of the FEDn app: handlers declared with :func:`route`, over the FEDn statestore.

Every module under ``routes/`` defines one :class:`Room` subclass. Its methods declare what they
serve right where they are defined::

    @route(f"{API}/models/<string:id>/download", "GET")
    def download_model(self, request: Request, id: str) -> Response: ...

Rules use werkzeug's syntax; URL variables arrive as keyword arguments. ``role`` is the ``role``
claim the route asks of a token when auth is on: ``"admin"`` by default, ``"client"`` for what
client processes call, ``""`` for an open route. A room whose routes come from a table (the
generic CRUD, the legacy routes) adds them in its own :meth:`Room.routes`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import wrap_file

from ...http_json import flask_json
from ..data import FednData
from ..simulator import FednSimulator

__all__ = ["Handler", "Room", "Route", "attachment", "message", "not_found", "route"]

Handler = Callable[..., Response]
F = TypeVar("F", bound=Callable[..., Any])

_ROUTE = "__fedn_route__"


@dataclass(frozen=True, eq=False)
class Route:
    """``rule`` for ``methods``, served by ``handler`` to tokens of ``role`` (``""``: anyone)."""

    rule: str
    methods: tuple[str, ...]
    handler: Handler
    role: str = "admin"


def route(rule: str, *methods: str, role: str = "admin") -> Callable[[F], F]:
    """Declare the decorated room method as the handler of ``methods`` on ``rule``."""

    def declare(fn: F) -> F:
        setattr(fn, _ROUTE, (rule, methods, role))
        return fn

    return declare


class Room:
    """A set of handlers over the FEDn statestore and the simulated network."""

    def __init__(self, data: FednData, sim: FednSimulator) -> None:
        """Serve ``data``; sessions run on ``sim``."""
        self.data = data
        self.sim = sim

    def routes(self) -> list[Route]:
        """The routes this room declares."""
        out: list[Route] = []
        for name in dir(type(self)):
            declared = getattr(getattr(type(self), name), _ROUTE, None)
            if declared is not None:
                rule, methods, role = declared
                out.append(Route(rule, methods, getattr(self, name), role))
        return out


def message(text: str, status: int) -> Response:
    """``{"message": text}`` with ``status``, the controller's answer to most requests."""
    return flask_json({"message": text}, status)


def not_found(id: Any) -> Response:
    """404 ``{"message": "Entity with id: <id> not found"}``."""
    return message(f"Entity with id: {id} not found", 404)


def attachment(request: Request, payload: bytes, filename: str, mimetype: str) -> Response:
    """A file download: ``payload`` streamed as an attachment named ``filename``."""
    body = wrap_file(request.environ, io.BytesIO(payload))
    resp = Response(body, mimetype=mimetype, direct_passthrough=True)
    resp.headers["Content-Disposition"] = f"attachment; filename={filename}"
    resp.content_length = len(payload)
    return resp
