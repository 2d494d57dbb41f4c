"""A loopback TCP server that answers HTTP requests with whatever bytes a test writes.

For what a well-behaved HTTP server cannot do on purpose: trickle a body a byte at a time,
send more than it announced, speak TLS with a throwaway certificate. Every handler is bounded
(in bytes and time) and the server stops with the test.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Handler = Callable[[socket.socket, "RawRequest"], None]


class RawRequest:
    """One request as it arrived: method, target, headers (lower-case names), body."""

    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.target, self.headers, self.body = method, target, headers, body


def respond(
    sock: socket.socket, status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> None:
    """Write a complete response with a ``Content-Length``."""
    head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in (headers or {"Content-Type": "application/json"}).items()]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 and its key, made with ``openssl``
    in ``folder`` (skips the calling test where openssl is not installed)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: cannot make a throwaway certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class RawServer:
    """Serve ``handler(sock, request)`` for every request on 127.0.0.1 (HTTPS with ``tls``).

    ``received`` lists the requests, ``accepted`` counts connections; ``sent`` counts the
    bytes handlers reported sending through :meth:`count`. A handler that returns leaves the
    connection open for the next request; one that raises ``OSError`` (the client went away)
    ends it.
    """

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.received: list[RawRequest] = []
        self.sent = 0
        self.accepted = 0
        self.handshake_errors = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """``http(s)://127.0.0.1:PORT``."""
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self._listener.getsockname()[1]}"

    def count(self, n: int) -> None:
        """Record ``n`` more bytes sent by a handler."""
        with self._lock:
            self.sent += n

    def close(self) -> None:
        """Stop accepting and wait for the accept loop to end."""
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.accepted += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        try:
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    with self._lock:
                        self.handshake_errors += 1
                    return
            buffer = b""
            while not self._stop.is_set():
                request, buffer = _read_request(sock, buffer)
                if request is None:
                    return
                with self._lock:
                    self.received.append(request)
                self.handler(sock, request)
        except OSError:
            pass
        finally:
            sock.close()


def _read_request(sock: socket.socket, buffer: bytes) -> tuple[RawRequest | None, bytes]:
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target = lines[0].split(" ")[:2]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        rest += chunk
    return RawRequest(method, target, headers, rest[:length]), rest[length:]
