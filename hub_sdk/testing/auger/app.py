"""The Auger Hub API (and its optimizers service) as one WSGI app over a :class:`Store`.

The app gathers the routes every room declares (the domain rooms of :data:`ROOMS` and the
generic :class:`~.engine.crud.Crud`) into one werkzeug :class:`~werkzeug.routing.Map`, built
once. Per request it matches the route (once: the fault middleware's :meth:`AugerApp.route_key`
and the dispatch share the match), reads the parameters, authenticates the token unless the
route says ``auth="none"``, calls the handler and renders :class:`~.engine.envelope.ApiError`
as the recorded error envelope.

Bodies are bounded: ``max_body_size`` bytes (after decompression too) for every route but the
upload routes, which take up to ``max_upload_size``; beyond, a 413. A compressed body whose
token travels in the query string is inflated only once that token is known to be valid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from ..http_json import INTERNAL_ERROR, respond
from ..logs import report_exception
from ..store import Store
from .catalogue import index_fields
from .engine.auth import TOKEN_KEYS, TokenRegistry
from .engine.crud import Crud
from .engine.envelope import ApiError, error_response, invalid, no_route, too_large
from .engine.request import HubRequest
from .engine.room import Room, Route
from .routes.accounts import Accounts
from .routes.clusters import Clusters
from .routes.files import Files
from .routes.optimizers import Optimizers
from .routes.projects import Projects
from .routes.serving import Serving
from .routes.training import Training
from .templates import now_iso

__all__ = ["DEFAULT_MAX_BODY_SIZE", "DEFAULT_MAX_UPLOAD_SIZE", "ROOMS", "AugerApp"]

#: Largest JSON or form body (decompressed size included) of every route but the uploads.
DEFAULT_MAX_BODY_SIZE = 16 * 1024 * 1024
#: Largest body of an upload route (the S3 stand-in's presigned POST).
DEFAULT_MAX_UPLOAD_SIZE = 512 * 1024 * 1024

StartResponse = Callable[..., Any]
Match = tuple[Route | None, dict[str, Any]]

#: The domain rooms; the generic CRUD room is built from what they create and update.
ROOMS: tuple[type[Room], ...] = (
    Accounts,
    Projects,
    Training,
    Serving,
    Clusters,
    Files,
    Optimizers,
)
_MATCH = "hub_sdk.auger.match"  # environ key: the match of this request, computed once


class AugerApp:
    """WSGI app serving the Auger Hub API and the optimizers service from a :class:`Store`."""

    def __init__(
        self,
        store: Store,
        tokens: TokenRegistry | None = None,
        *,
        clock: Callable[[], str] = now_iso,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        max_upload_size: int = DEFAULT_MAX_UPLOAD_SIZE,
    ) -> None:
        """Serve ``store``; ``tokens`` resolves auth tokens (created from the store if None);
        bodies are bounded by ``max_body_size`` (``max_upload_size`` on upload routes)."""
        self.store = store
        self.max_body_size = max_body_size
        self.max_upload_size = max_upload_size
        self.tokens = tokens or TokenRegistry(store)
        self.clock = clock
        for kind, name in index_fields():
            store.ensure_index(kind, name)
        rooms = [room(store, self.tokens, clock) for room in ROOMS]
        creators = {k: fn for room in rooms for k, fn in room.creators().items()}
        updaters = {k: fn for room in rooms for k, fn in room.updaters().items()}
        rooms.append(Crud(store, self.tokens, clock, creators, updaters))
        self.routes: list[Route] = [r for room in rooms for r in room.routes()]
        self.url_map = Map(
            [Rule(r.rule, methods=[r.method], endpoint=r) for r in self.routes],
            strict_slashes=False,  # a trailing slash is optional, as on the real server
            merge_slashes=False,
        )
        self._urls = self.url_map.bind("localhub")
        self._optimizer_paths = frozenset(r.rule for r in self.routes if r.auth == "optimizer")

    # -- routing -------------------------------------------------------------------------------

    def match(self, environ: dict[str, Any]) -> Match:
        """``(route, URL variables)`` of a request, ``(None, {})`` when no route serves it."""
        found: Match | None = environ.get(_MATCH)
        if found is None:
            method = str(environ.get("REQUEST_METHOD", "GET")).upper()
            try:
                route, args = self._urls.match(str(environ.get("PATH_INFO") or "/"), method)
                found = (route, dict(args))
            except HTTPException:  # 404 and 405 alike: Rails says "No route matches"
                found = (None, {})
            environ[_MATCH] = found
        return found

    def route_key(self, environ: dict[str, Any]) -> str:
        """``"METHOD /template"`` of a request, for counters and fault targeting."""
        route, _ = self.match(environ)
        path = route.template if route else str(environ.get("PATH_INFO") or "/")
        return f"{environ.get('REQUEST_METHOD', 'GET')} {path}"

    # -- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        try:
            response = self.dispatch(environ)
        except ApiError as exc:
            response = error_response(exc, optimizer=self._is_optimizer(environ))
        except Exception:  # a bug: answer 500, never crash the server
            report_exception()
            response = respond(INTERNAL_ERROR, 500)
        return response(environ, start_response)  # LocalHub's server adds the X-Request-Id

    def _is_optimizer(self, environ: Mapping[str, Any]) -> bool:
        return str(environ.get("PATH_INFO", "")) in self._optimizer_paths

    def dispatch(self, environ: dict[str, Any]) -> Response:
        """Route, authenticate and run a request (raises :class:`ApiError`)."""
        route, args = self.match(environ)
        if route is None:
            method = str(environ.get("REQUEST_METHOD", "GET")).upper()
            raise no_route(method, str(environ.get("PATH_INFO") or "/"))
        limit = self.max_upload_size if route.upload else self.max_body_size
        req = HubRequest(environ, limit)
        if (req.content_length or 0) > limit:
            raise too_large(limit)
        if route.auth != "none" and req.encoding is not None and req.query_string:
            query = req.query_params()  # a wrong token there: 401 before anything is inflated
            if any(query.get(key) for key in TOKEN_KEYS):
                self.tokens.authenticate(query)
        req.read()
        if route.auth != "none":
            req.principal = self.tokens.authenticate(req.params)
        try:
            return route.handler(req, **args)
        except RequestEntityTooLarge:  # werkzeug's form parser
            raise too_large(limit) from None
        except HTTPException as exc:  # werkzeug could not parse the body
            raise invalid("body", f"cannot be parsed ({exc.description})") from None
