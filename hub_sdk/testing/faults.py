"""Fault injection for LocalHub: a WSGI middleware that is generic over the wrapped app.

Kinds (``Fault.kind``):

============== ==========================================================================
``503``        HTML "Application Error" page, as recorded from Heroku (not processed)
``429``        JSON error with ``Retry-After: <retry_after>`` (not processed)
``500``        JSON internal error (not processed)
``html_502``   an HTML "502 Bad Gateway" page from a proxy (not processed)
``reset_before`` the connection is closed with no response; the request is NOT processed
``reset_after``  the request is processed and committed, then the connection is closed with
               no response (the client cannot know that the write happened)
``slow``       sleep ``delay`` seconds, then process and answer normally
``truncated``  process, then send the headers (with the full ``Content-Length``) and only half
               of the body, and close the connection
============== ==========================================================================

Two ways to inject, both on the live :class:`FaultController` (``hub.faults``):

* explicit, one-shot: ``hub.faults.next("reset_after", route="POST /api/v1/pipelines")`` queues a
  fault for the next matching request (``times=`` for several);
* random, reproducible: ``hub.faults.set(Faults(rate=0.1, kinds={"503": 1, "reset_after": 1},
  seed=7, routes={"POST /api/v1/experiments": 0.5}))``. Decisions come from one seeded RNG, so
  a sequential client sees the same faults on every run.

Routes are ``"METHOD /path/template"`` strings (``"GET /api/v1/trials/{id}"``), as reported by
the app's ``route_key(environ)`` method when it has one (otherwise ids in the path are replaced
by ``{id}``). Patterns may use ``fnmatch`` wildcards (``"* /api/v1/trials*"``) or omit the
method (``"/api/v1/pipelines"``). A middleware created with ``prefix="fedn:"`` reports keys such
as ``"fedn:GET /api/v1/models/"``, so one controller can serve several listeners.

Counters (``controller.stats()``): requests received per route, responses per status, faults
injected per kind and per route. Connection resets are real socket closes: the middleware raises
:class:`DropConnection`, which LocalHub's request handler turns into a shutdown of the socket
(for other servers the middleware shuts down ``environ["werkzeug.socket"]`` itself).
"""

from __future__ import annotations

import fnmatch
import random
import re
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from .http_json import INTERNAL_ERROR, JSON_UTF8, error_envelope

__all__ = [
    "CLOSE_AFTER_RESPONSE",
    "FAULT_KINDS",
    "HEROKU_503_PAGE",
    "DropConnection",
    "Fault",
    "FaultController",
    "FaultMiddleware",
    "Faults",
    "default_route_key",
]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

FAULT_KINDS = ("503", "429", "500", "html_502", "reset_before", "reset_after", "slow", "truncated")

#: environ key a middleware sets to ask the server to close the connection after the response.
CLOSE_AFTER_RESPONSE = "hub_sdk.close_connection"

#: The 506-byte page recorded from Heroku (general_errors/server_unavailable.yaml).
HEROKU_503_PAGE = (
    "<!DOCTYPE html>\n"
    "\t<html>\n"
    "\t  <head>\n"
    '\t\t<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    '\t\t<meta charset="utf-8">\n'
    "\t\t<title>Application Error</title>\n"
    '\t\t<style media="screen">\n'
    "\t\t  html,body,iframe {\n"
    "\t\t\tmargin: 0;\n"
    "\t\t\tpadding: 0;\n"
    "\t\t  }\n"
    "\t\t  html,body {\n"
    "\t\t\theight: 100%;\n"
    "\t\t\toverflow: hidden;\n"
    "\t\t  }\n"
    "\t\t  iframe {\n"
    "\t\t\twidth: 100%;\n"
    "\t\t\theight: 100%;\n"
    "\t\t\tborder: 0;\n"
    "\t\t  }\n"
    "\t\t</style>\n"
    "\t  </head>\n"
    "\t  <body>\n"
    '\t\t<iframe src="//www.herokucdn.com/error-pages/application-error.html"></iframe>\n'
    "\t  </body>\n"
    "\t</html>"
)

_PAGE_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class DropConnection(Exception):
    """Raised inside the WSGI call to make the server close the socket without a response."""


@dataclass(frozen=True)
class Fault:
    """One fault to inject: a kind plus its parameters."""

    kind: str
    retry_after: int = 1
    delay: float = 0.5

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")


RouteSpec = Union["Faults", float, str, Fault]


@dataclass
class Faults:
    """A random, seeded fault plan (see the module docstring).

    ``rate`` is the probability that a request gets a fault; ``kinds`` maps kind → weight (or
    lists kinds with equal weight; default: every kind). ``routes`` overrides the plan per route
    pattern with a nested ``Faults``, a rate (float, same kinds), a kind name (always that fault)
    or a :class:`Fault`. ``retry_after`` and ``delay`` parametrise ``429`` and ``slow``.
    """

    rate: float = 0.0
    kinds: Mapping[str, float] | Iterable[str] | None = None
    seed: int | None = 0
    routes: Mapping[str, RouteSpec] = field(default_factory=dict)
    retry_after: int = 1
    delay: float = 0.5

    def weights(self) -> dict[str, float]:
        """Return the kind → weight mapping this plan draws from."""
        if self.kinds is None:
            return {k: 1.0 for k in FAULT_KINDS}
        if isinstance(self.kinds, Mapping):
            out = {str(k): float(v) for k, v in self.kinds.items()}
        else:
            out = {str(k): 1.0 for k in self.kinds}
        for k in out:
            Fault(k)  # validates
        return out


_ID_SEGMENT = re.compile(
    r"^(\d+|[0-9a-fA-F]{7,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)


def default_route_key(environ: Mapping[str, Any]) -> str:
    """Return ``"METHOD /path"`` with id-looking path segments replaced by ``{id}``."""
    path = str(environ.get("PATH_INFO") or "/")
    parts = ["{id}" if _ID_SEGMENT.match(p) else p for p in path.split("/")]
    return f"{environ.get('REQUEST_METHOD', 'GET')} {'/'.join(parts)}"


def _matches(pattern: str, route: str) -> bool:
    if pattern == route:
        return True
    if pattern.startswith("/"):
        path = route.split(" ", 1)[-1]
        return pattern == path or fnmatch.fnmatchcase(path, pattern)
    return fnmatch.fnmatchcase(route, pattern)


class FaultController:
    """The live, thread-safe fault state shared by one or more :class:`FaultMiddleware`."""

    def __init__(self, spec: Faults | None = None) -> None:
        """Start with the random plan ``spec`` (None: no random faults)."""
        self._lock = threading.Lock()
        self._queue: deque[tuple[str | None, Fault]] = deque()
        self._spec: Faults | None = None
        self._rng = random.Random(0)
        self._requests: Counter[str] = Counter()
        self._responses: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._faults_by_route: Counter[str] = Counter()
        self.set(spec)

    # -- configuration -------------------------------------------------------------

    def set(self, spec: Faults | None) -> None:
        """Replace the random plan (None disables random faults) and reseed the RNG."""
        with self._lock:
            self._spec = spec
            self._rng = random.Random(spec.seed if spec is not None else 0)

    @property
    def spec(self) -> Faults | None:
        """The current random plan."""
        return self._spec

    def next(
        self,
        kind: str | Fault,
        route: str | None = None,
        times: int = 1,
        *,
        retry_after: int = 1,
        delay: float = 0.5,
    ) -> None:
        """Queue ``times`` one-shot faults for the next requests matching ``route`` (None: any)."""
        fault = kind if isinstance(kind, Fault) else Fault(kind, retry_after, delay)
        with self._lock:
            for _ in range(times):
                self._queue.append((route, fault))

    def clear(self) -> None:
        """Drop queued faults and disable the random plan."""
        with self._lock:
            self._queue.clear()
            self._spec = None

    def pending(self) -> int:
        """Number of queued one-shot faults not yet consumed."""
        with self._lock:
            return len(self._queue)

    # -- counters --------------------------------------------------------------------

    def stats(self) -> dict[str, dict[str, int]]:
        """Snapshot: ``requests`` per route, ``responses`` per status, ``faults`` per kind/route."""
        with self._lock:
            return {
                "requests": dict(self._requests),
                "responses": dict(self._responses),
                "faults": dict(self._faults),
                "faults_by_route": dict(self._faults_by_route),
            }

    def reset_stats(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._requests.clear()
            self._responses.clear()
            self._faults.clear()
            self._faults_by_route.clear()

    def _count_response(self, status: str) -> None:
        with self._lock:
            self._responses[status.split(" ", 1)[0]] += 1

    # -- decisions -------------------------------------------------------------------

    def decide(self, route: str) -> Fault | None:
        """Count a request for ``route`` and return the fault to inject, if any."""
        with self._lock:
            self._requests[route] += 1
            fault = self._take_queued(route) or self._draw(route)
            if fault is not None:
                self._faults[fault.kind] += 1
                self._faults_by_route[f"{route} {fault.kind}"] += 1
            return fault

    def _take_queued(self, route: str) -> Fault | None:
        for i, (pattern, fault) in enumerate(self._queue):
            if pattern is None or _matches(pattern, route):
                del self._queue[i]
                return fault
        return None

    def _draw(self, route: str) -> Fault | None:
        spec = self._spec
        if spec is None:
            return None
        plan: RouteSpec = spec
        for pattern, override in spec.routes.items():
            if _matches(pattern, route):
                plan = override
                break
        if isinstance(plan, Fault):
            return plan
        if isinstance(plan, str):
            return Fault(plan, spec.retry_after, spec.delay)
        if isinstance(plan, (int, float)):
            rate, base = float(plan), spec
        else:
            rate, base = plan.rate, plan
        if rate <= 0 or self._rng.random() >= rate:
            return None
        weights = base.weights()
        kinds = list(weights)
        kind = self._rng.choices(kinds, weights=[weights[k] for k in kinds])[0]
        return Fault(kind, base.retry_after, base.delay)


def _shutdown(environ: Mapping[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FaultMiddleware:
    """WSGI middleware injecting the faults decided by a :class:`FaultController`."""

    def __init__(self, app: WSGIApp, controller: FaultController, prefix: str = "") -> None:
        """Wrap ``app``; route keys are prefixed with ``prefix`` (e.g. ``"fedn:"``)."""
        self.app = app
        self.controller = controller
        self.prefix = prefix

    def route_key(self, environ: Mapping[str, Any]) -> str:
        """The route key of a request (the app's own ``route_key`` when it has one)."""
        key_fn = getattr(self.app, "route_key", None)
        key = key_fn(environ) if callable(key_fn) else default_route_key(environ)
        return self.prefix + str(key)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Serve one request, possibly injecting a fault."""
        fault = self.controller.decide(self.route_key(environ))

        def counting_start(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            self.controller._count_response(status)
            return start_response(status, headers, exc_info)

        if fault is None:
            return self.app(environ, counting_start)
        kind = fault.kind
        if kind == "reset_before":
            _drop(environ)
        if kind == "slow":
            time.sleep(fault.delay)
            return self.app(environ, counting_start)
        if kind in ("reset_after", "truncated"):
            captured: dict[str, Any] = {}

            def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                captured["status"], captured["headers"] = status, headers
                return lambda data: None

            result = self.app(environ, capture)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if callable(close):
                    close()
            if kind == "reset_after":
                _drop(environ)
            headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
            environ[CLOSE_AFTER_RESPONSE] = True
            counting_start(captured["status"], headers)
            return [body[: max(1, len(body) // 2)] if len(body) > 1 else b""]
        if kind == "429":
            message = "Rate limit exceeded, retry later"
            body = error_envelope(429, [{"error_type": "too_many_requests", "message": message}])
            return _respond(
                counting_start,
                "429 Too Many Requests",
                body,
                JSON_UTF8,
                [("Retry-After", str(fault.retry_after))],
            )
        if kind == "500":
            return _respond(counting_start, "500 Internal Server Error", INTERNAL_ERROR, JSON_UTF8)
        if kind == "503":
            return _respond(
                counting_start,
                "503 Service Unavailable",
                HEROKU_503_PAGE.encode(),
                "text/html; charset=utf-8",
                [("Cache-Control", "no-cache, no-store"), ("Server", "Cowboy")],
            )
        # html_502
        return _respond(counting_start, "502 Bad Gateway", _PAGE_502.encode(), "text/html")


def _drop(environ: Mapping[str, Any]) -> None:
    if not environ.get("hub_sdk.server"):
        _shutdown(environ)
    raise DropConnection()


def _respond(
    start_response: Callable[..., Any],
    status: str,
    body: bytes,
    content_type: str,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    headers.extend(extra or [])
    start_response(status, headers)
    return [body]
