"""LocalHub: the Auger Hub API and the FEDn controller API on loopback, backed by SQLite.

::

    with LocalHub(seed="demo") as hub:
        requests.get(f"{hub.url}/api/v1/experiments", json={"project_api_token": hub.project_token})

Architecture: one :class:`~hub_sdk.testing.store.Store` (one SQLite file), two routing modules
over it, each on its own listener because their paths collide (``/api/v1/predictions``):

* :class:`~hub_sdk.testing.auger.AugerApp` at :attr:`LocalHub.url` (also serves the
  optimizers routes, so :attr:`LocalHub.optimizers_url` is the same URL);
* :class:`~hub_sdk.testing.fedn_local.FednApp` at :attr:`LocalHub.fedn_url`.

Both apps are wrapped in a :class:`~hub_sdk.testing.faults.FaultMiddleware` sharing the live
controller :attr:`LocalHub.faults` (FEDn route keys carry the prefix ``"fedn:"``).

The HTTP layer is werkzeug's threaded server with our own request handler: real HTTP/1.1
keep-alive (werkzeug's stock handler closes every connection), ``TCP_NODELAY`` on accepted
sockets, every response written in one ``sendall``, an ``X-Request-Id`` on every response, and
socket-level connection drops for the ``reset_*`` faults.

It trusts no caller: a request whose framing is ambiguous (a ``Content-Length`` that is not one
plain number, one together with ``Transfer-Encoding``, a transfer coding other than ``chunked``)
is answered 400 (501 for the coding) and its connection closed, so trailing bytes never become a
second request; a body larger than :attr:`LocalHub.max_upload_size` is refused with 413 before
it is read (a chunked one as soon as it gets there). The Auger app then holds every other body
to :attr:`LocalHub.max_body_size`, decompressed size included. What the server logs (only when
``verbose``) and the tracebacks of its own bugs are scrubbed of credentials
(:mod:`hub_sdk.testing.logs`).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from .auger import AugerApp, TokenRegistry
from .auger.app import DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_UPLOAD_SIZE
from .faults import CLOSE_AFTER_RESPONSE, DropConnection, FaultController, FaultMiddleware, Faults
from .http_json import INTERNAL_ERROR, JSON_UTF8, error_envelope, status_line
from .logs import report, report_exception
from .store import Store

__all__ = ["DEFAULT_MAX_BODY_SIZE", "DEFAULT_MAX_UPLOAD_SIZE", "LocalHub"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_DIGITS = re.compile(r"[0-9]+")
_TOO_LARGE = "hub_sdk.body_too_large"  # environ key: a chunked body went over the limit
_LINGER_SECONDS = 2.0  # how long a refused request's unread body is read and dropped


class _BodyTooLarge(ValueError):
    """A chunked request body went over the listener's limit while the app read it."""


class _ChunkedReader:
    """A chunked ``wsgi.input`` that stops at the listener's limit and flags the request."""

    def __init__(self, stream: Any, limit: int, environ: dict[str, Any]) -> None:
        self._stream = stream
        self._left = limit
        self._environ = environ

    def _check(self, data: bytes) -> bytes:
        self._left -= len(data)
        if self._left < 0:
            self._environ[_TOO_LARGE] = True
            raise _BodyTooLarge("the request body is too large")
        return data

    def read(self, size: int = -1) -> bytes:
        n = self._left + 1 if size is None or size < 0 else min(size, self._left + 1)
        return self._check(bytes(self._stream.read(n)))

    def readline(self, size: int = -1) -> bytes:
        n = self._left + 1 if size is None or size < 0 else min(size, self._left + 1)
        return self._check(bytes(self._stream.readline(n)))

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> Any:
        return iter(self.readline, b"")


class _BodyReader:
    """``wsgi.input`` limited to the request's Content-Length, drainable for keep-alive."""

    def __init__(self, rfile: Any, length: int) -> None:
        self._rfile = rfile
        self.remaining = length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        n = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data: bytes = self._rfile.read(n)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def readline(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        n = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data: bytes = self._rfile.readline(n)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def drain(self) -> None:
        while self.remaining > 0 and self.read(65536):
            pass


class _Handler(WSGIRequestHandler):
    """HTTP/1.1 keep-alive WSGI handler with TCP_NODELAY and socket-level drops."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY on every accepted socket (socketserver's setup)
    timeout = 300  # idle keep-alive connections are closed after this many seconds
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.request, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.request, False)

    def log(self, type: str, message: str, *args: Any) -> None:
        """Every message of the handler (werkzeug's and http.server's): scrubbed, when verbose."""
        if self.server.verbose:
            text = message % args if args else message
            report(f"{self.address_string()} {text}", getattr(self, "requestline", ""))

    def log_message(self, format: str, *args: Any) -> None:
        self.log("info", format, *args)

    def log_error(self, format: str, *args: Any) -> None:
        self.log("error", format, *args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def _kill(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _framing_error(self) -> tuple[int, str, str] | None:
        """``(status, header, message)`` when the request's body cannot be delimited safely."""
        lengths = self.headers.get_all("Content-Length") or []
        codings = self.headers.get_all("Transfer-Encoding") or []
        if codings:
            if lengths:
                return 400, "Transfer-Encoding", "cannot come with a Content-Length"
            if [c.strip().lower() for c in ",".join(codings).split(",")] != ["chunked"]:
                return 501, "Transfer-Encoding", "is not supported (only chunked is)"
            return None
        if not lengths:
            return None
        if len(lengths) > 1 or not _DIGITS.fullmatch(lengths[0].strip()):
            return 400, "Content-Length", "must be one non-negative decimal number"
        limit = self.server.max_body
        if int(lengths[0]) > limit:
            return 413, "body", f"is too large (more than {limit} bytes)"
        return None

    def _refuse(self, status: int, param: str, message: str) -> None:
        """Answer an error and close the connection, reading what the client still sends."""
        error = {"error_type": "invalid_param", "error_param": param, "message": message}
        body = error_envelope(status, [error])
        self.close_connection = True
        self._send(status_line(status), [("Content-Type", JSON_UTF8)], body)
        try:  # a lingering close: the client sees the answer, not a reset while it sends
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.25)
            deadline = time.monotonic() + _LINGER_SECONDS
            while time.monotonic() < deadline and self.connection.recv(65536):
                pass
        except OSError:
            pass

    def _send(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        """Write one response (head and body in one write) with LocalHub's standard headers."""
        names = {k.lower() for k, _ in headers}
        if "content-length" not in names:
            headers.append(("Content-Length", str(len(body))))
        if "x-request-id" not in names:
            headers.append(("X-Request-Id", str(uuid.uuid4())))
        if "date" not in names:
            headers.append(("Date", self.date_time_string()))
        if "server" not in names:
            headers.append(("Server", "LocalHub"))
        if self.close_connection:
            headers.append(("Connection", "close"))
        lines = [f"{self.protocol_version} {status}"]
        lines += [f"{k}: {v}" for k, v in headers if k.lower() != "connection" or v == "close"]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD":
            body = b""
        self.wfile.write(head + body)

    def run_wsgi(self) -> None:
        refused = self._framing_error()
        if refused is not None:
            self._refuse(*refused)
            return
        if self.headers.get("Expect", "").lower().strip() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        self.environ = environ
        environ["hub_sdk.server"] = True
        reader: _BodyReader | None = None
        if environ.get("wsgi.input_terminated"):
            environ["wsgi.input"] = _ChunkedReader(
                environ["wsgi.input"], self.server.max_body, environ
            )
        else:
            reader = _BodyReader(self.rfile, int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = reader
        state: dict[str, Any] = {"status": "500 Internal Server Error", "headers": []}
        chunks: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            state["status"], state["headers"] = status, list(headers)
            return chunks.append

        try:
            result = self.server.app(environ, start_response)
            try:
                for chunk in result:
                    chunks.append(bytes(chunk))
            finally:
                close = getattr(result, "close", None)
                if callable(close):
                    close()
        except DropConnection:
            self._kill()
            return
        except (ConnectionError, TimeoutError):
            self._kill()
            return
        except Exception:
            if not environ.get(_TOO_LARGE):
                report_exception()
            state["status"] = "500 Internal Server Error"
            state["headers"] = [("Content-Type", JSON_UTF8)]
            chunks[:] = [INTERNAL_ERROR]
        if environ.get(_TOO_LARGE):  # whatever the app made of it
            self._refuse(413, "body", f"is too large (more than {self.server.max_body} bytes)")
            return
        try:
            if reader is not None:
                reader.drain()
            else:
                stream = environ["wsgi.input"]
                while stream.read(65536):
                    pass
        except (OSError, ValueError):
            self.close_connection = True
        if environ.get(CLOSE_AFTER_RESPONSE):
            self.close_connection = True
        self._send(state["status"], state["headers"], b"".join(chunks))
        if environ.get(CLOSE_AFTER_RESPONSE):
            self._kill()


class _Server(ThreadedWSGIServer):
    """werkzeug's threaded server, tracking open connections so stop() can close them."""

    daemon_threads = True

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApp,
        verbose: bool = False,
        max_body: int = DEFAULT_MAX_UPLOAD_SIZE,
    ) -> None:
        self.verbose = verbose
        self.max_body = max_body
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        try:
            super().__init__(host, port, app, handler=_Handler)
        except SystemExit:  # werkzeug exits when the port cannot be bound
            raise OSError(f"cannot listen on {host}:{port}") from None

    def track(self, sock: socket.socket, add: bool) -> None:
        with self._conns_lock:
            if add:
                self._conns.add(sock)
            else:
                self._conns.discard(sock)

    def close_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Listener:
    """One server socket plus its serving thread."""

    def __init__(
        self, app: WSGIApp, host: str, port: int, name: str, verbose: bool, max_body: int
    ) -> None:
        self.server = _Server(host, port, app, verbose, max_body)
        self.host = host
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
        )
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.close_connections()
        self.server.server_close()
        self.thread.join(timeout=5)


class LocalHub:
    """A real HTTP server on loopback speaking the Auger Hub API and the FEDn controller API.

    ``path``: SQLite file (None: a temporary file removed on stop; a path persists data *and*
    tokens across restarts). ``seed="demo"`` loads deterministic demo data once (``size`` =
    number of trials, default 300). ``faults``: an initial :class:`Faults` plan (change it at
    runtime through :attr:`faults`). ``fedn=False`` skips the FEDn listener.
    ``max_body_size`` bounds the Auger API's JSON and form bodies, decompressed size included;
    ``max_upload_size`` bounds every body (the presigned file upload, FEDn packages and models).
    Larger bodies are answered 413. ``verbose`` logs malformed requests to stderr, without
    credentials.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        seed: str | None = None,
        size: int | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        faults: Faults | None = None,
        fedn: bool = True,
        fedn_port: int = 0,
        fedn_clients: int = 3,
        fedn_combiners: int = 1,
        fedn_jwt_secret: str | None = None,
        verbose: bool = False,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        max_upload_size: int = DEFAULT_MAX_UPLOAD_SIZE,
    ) -> None:
        """Configure the hub; call :meth:`start` (or use ``with``) to serve."""
        if seed not in (None, "demo"):
            raise ValueError(f"unknown seed {seed!r} (available: 'demo')")
        if max_body_size < 1 or max_upload_size < max_body_size:
            raise ValueError("need 1 <= max_body_size <= max_upload_size")
        self.max_body_size = max_body_size
        self.max_upload_size = max_upload_size
        self._path = path
        self.seed = seed
        self.size = size
        self.host = host
        self._port = port
        self._fedn_enabled = fedn
        self._fedn_port = fedn_port
        self._fedn_clients = fedn_clients
        self._fedn_combiners = fedn_combiners
        self._fedn_jwt_secret = fedn_jwt_secret
        self._verbose = verbose
        self.faults = FaultController(faults)
        self._auger: _Listener | None = None
        self._fedn: _Listener | None = None
        self._store: Store | None = None
        self.fedn_app: Any = None
        self.auger_app: AugerApp | None = None
        self.tokens: TokenRegistry | None = None
        self.project_token = self.cluster_token = self.user_token = self.system_token = ""
        self.user_email = ""
        self.user_password = ""

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> LocalHub:
        """Open the store, seed it if asked, and start the listeners (idempotent)."""
        if self._auger is not None:
            return self
        from . import seed as seeding

        store = Store(self._path)
        try:
            tokens = TokenRegistry(store)
            password = store.get_setting("user_password")
            if password is None:
                password = secrets.token_urlsafe(12)
                store.set_setting("user_password", password)
            self.user_password = password
            self.user_email = seeding.bootstrap(store, password)
            if self.seed == "demo" and store.get_setting("seeded") is None:
                seeding.load_demo(store, size=self.size)
                store.set_setting("seeded", json.dumps({"seed": self.seed, "size": self.size}))
            self.project_token = tokens.issue("project", seeding.DEMO_PROJECT_ID, name="project")
            self.cluster_token = tokens.issue("cluster", None, name="cluster")
            self.user_token = tokens.issue("user", None, name="user")
            self.system_token = tokens.issue("system", None, name="system")
            self.auger_app = AugerApp(
                store,
                tokens,
                max_body_size=self.max_body_size,
                max_upload_size=self.max_upload_size,
            )
            self._auger = _Listener(
                FaultMiddleware(self.auger_app, self.faults),
                self.host,
                self._port,
                "localhub-auger",
                self._verbose,
                self.max_upload_size,
            )
            if self._fedn_enabled:
                from .fedn_local import FednApp

                self.fedn_app = FednApp(
                    store,
                    clients=self._fedn_clients,
                    combiners=self._fedn_combiners,
                    jwt_secret=self._fedn_jwt_secret,
                )
                self._fedn = _Listener(
                    FaultMiddleware(self.fedn_app, self.faults, prefix="fedn:"),
                    self.host,
                    self._fedn_port,
                    "localhub-fedn",
                    self._verbose,
                    self.max_upload_size,
                )
            store.reset_stats()
        except BaseException:
            self._store = store
            self.stop()
            raise
        self._store = store
        self.tokens = tokens
        return self

    def stop(self) -> None:
        """Stop the listeners, the FEDn simulation and close the store (idempotent)."""
        for listener in (self._auger, self._fedn):
            if listener is not None:
                listener.stop()
        self._auger = self._fedn = None
        if self.fedn_app is not None:
            close = getattr(self.fedn_app, "close", None)
            if callable(close):
                close()
            self.fedn_app = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._auger is not None

    # -- addresses ---------------------------------------------------------------------------

    def _listener(self) -> _Listener:
        if self._auger is None:
            raise RuntimeError("LocalHub is not started")
        return self._auger

    @property
    def url(self) -> str:
        """Base URL of the Auger Hub API (``http://127.0.0.1:PORT``)."""
        return self._listener().url

    @property
    def port(self) -> int:
        """Port of the Auger Hub listener."""
        return self._listener().port

    @property
    def optimizers_url(self) -> str:
        """Base URL of the optimizers service (served by the Auger app: same as :attr:`url`)."""
        return self.url

    @property
    def fedn_url(self) -> str:
        """Base URL of the FEDn controller API (a second listener)."""
        if self._fedn is None:
            raise RuntimeError("the FEDn listener is not running (fedn=False or not started)")
        return self._fedn.url

    @property
    def fedn_port(self) -> int:
        """Port of the FEDn listener."""
        if self._fedn is None:
            raise RuntimeError("the FEDn listener is not running (fedn=False or not started)")
        return self._fedn.port

    @property
    def store(self) -> Store:
        """The SQLite document store shared by both apps."""
        if self._store is None:
            raise RuntimeError("LocalHub is not started")
        return self._store

    # -- helpers -----------------------------------------------------------------------------

    def issue_token(self, kind: str = "project", project_id: int | None = None) -> str:
        """Create another token (``project`` tokens are scoped to ``project_id``)."""
        if self.tokens is None:
            raise RuntimeError("LocalHub is not started")
        if kind not in ("project", "cluster", "user", "system"):
            raise ValueError(f"unknown token kind {kind!r}")
        if kind == "project" and project_id is None:
            raise ValueError("a project token needs a project_id")
        return self.tokens.issue(kind, project_id if kind == "project" else None)

    @property
    def stats(self) -> dict[str, dict[str, int]]:
        """Snapshot: requests per route, responses per status, faults per kind, writes per kind."""
        out = self.faults.stats()
        out["writes"] = self._store.stats() if self._store is not None else {}
        return out

    def reset_stats(self) -> None:
        """Zero every counter (requests, responses, faults and writes)."""
        self.faults.reset_stats()
        if self._store is not None:
            self._store.reset_stats()

    def __repr__(self) -> str:
        state = f"url={self.url!r}" if self.running else "stopped"
        return f"<LocalHub {state}>"
