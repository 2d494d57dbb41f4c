"""Shared helpers for the reliability tests: a recording loopback HTTP server and connections."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hub_sdk.auger import AugerConnection
from hub_sdk.core import BodyTokenAuth, RetryPolicy

# Short timeouts and a small backoff: a fault costs milliseconds, not seconds.
FAST_RETRY = RetryPolicy(max_retries=3, backoff_base=0.01, backoff_cap=0.05, retry_after_cap=5.0)

Reply = tuple[int, dict[str, str], bytes]


class Recorded:
    """One request a :class:`LoopbackServer` received."""

    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body

    def json(self) -> Any:
        """The body decoded as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


class LoopbackServer:
    """A tiny HTTP/1.1 server on 127.0.0.1 that records requests and answers via ``reply``.

    ``reply(recorded) -> (status, headers, body)``; the default answers 200 ``{}``.
    """

    def __init__(self, reply: Callable[[Recorded], Reply] | None = None) -> None:
        self.reply = reply or (lambda r: (200, {"Content-Type": "application/json"}, b"{}"))
        self.received: list[Recorded] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rec = Recorded(self.command, self.path, dict(self.headers.items()), body)
                outer.received.append(rec)
                status, headers, payload = outer.reply(rec)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def loopback() -> Iterator[Callable[..., LoopbackServer]]:
    """A factory of :class:`LoopbackServer`s, all stopped after the test."""
    servers: list[LoopbackServer] = []

    def make(reply: Callable[[Recorded], Reply] | None = None) -> LoopbackServer:
        server = LoopbackServer(reply)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def auger_conn(url: str, token: str, **kwargs: Any) -> AugerConnection:
    """A non-default Auger connection with a project token, short timeouts and fast retries."""
    kwargs.setdefault("timeout", (2.0, 2.0))
    kwargs.setdefault("retry_policy", FAST_RETRY)
    return AugerConnection(url, auth=BodyTokenAuth("project_api_token", token), **kwargs)
