"""Bounded responses: a cap on JSON bodies, error pages read only in part, downloads uncapped."""

from __future__ import annotations

import socket

import pytest

from hub_sdk import auger, fedn
from hub_sdk.core import RetryPolicy, transfer
from hub_sdk.core.connection import DEFAULT_MAX_RESPONSE_BYTES, ERROR_BODY_LIMIT
from hub_sdk.errors import ResponseDecodeError, ServerError

from .conftest import auger_conn
from .raw_server import RawRequest, RawServer, respond

MB = 1 << 20
FAST = RetryPolicy(max_retries=3, backoff_base=0.001, backoff_cap=0.002)


def _json_of_size(size: int) -> bytes:
    filler = b"x" * max(0, size - 40)
    return b'{"data":{"id":"e1","name":"' + filler + b'"},"meta":{}}'


def test_the_default_cap_is_64_mib_and_a_connect_option() -> None:
    assert DEFAULT_MAX_RESPONSE_BYTES == 64 * MB
    conn = auger.connect("http://127.0.0.1:9", project_token="t", default=False)
    assert conn.max_response_bytes == 64 * MB
    conn = fedn.connect("http://127.0.0.1:9", default=False, max_response_bytes=MB)
    assert conn.max_response_bytes == MB


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_json_body_over_the_cap_is_a_typed_error_not_retried(chunked: bool) -> None:
    body = _json_of_size(3 * MB)

    def handler(sock: socket.socket, req: RawRequest) -> None:
        if not chunked:
            respond(sock, 200, body)
            return
        sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for start in range(0, len(body), 65536):
            part = body[start : start + 65536]
            sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        sock.sendall(b"0\r\n\r\n")

    with RawServer(handler) as server:
        conn = auger_conn(server.url, "tok", retry_policy=FAST, max_response_bytes=MB)
        with pytest.raises(ResponseDecodeError) as err:
            auger.Experiment.get("e1", connection=conn)
        assert "max_response_bytes" in str(err.value) and err.value.status == 200
        assert len(server.received) == 1  # the same body would come again: not retried
        conn.max_response_bytes = 4 * MB
        assert auger.Experiment.get("e1", connection=conn).name == "x" * (3 * MB - 40)


def test_error_pages_are_read_only_up_to_a_small_limit() -> None:
    page = b"<html>" + b"e" * (40 * MB) + b"</html>"

    def handler(sock: socket.socket, req: RawRequest) -> None:
        head = f"HTTP/1.1 500 X\r\nContent-Type: text/html\r\nContent-Length: {len(page)}\r\n\r\n"
        sock.sendall(head.encode())
        view = memoryview(page)
        for start in range(0, len(page), 65536):
            sock.sendall(view[start : start + 65536])
            server.count(min(65536, len(page) - start))

    with RawServer(handler) as server:
        conn = auger_conn(server.url, "tok", retry_policy=FAST)
        with pytest.raises(ServerError) as err:
            auger.Experiment.get("e1", connection=conn)
        assert len(server.received) == 4 and "after 4 attempts" in str(err.value)
        # Each attempt stopped reading after ERROR_BODY_LIMIT: far less than one whole page
        # went out in all (the rest is what socket buffers took before the client hung up).
        assert server.sent < len(page), server.sent
        assert ERROR_BODY_LIMIT <= 1 * MB


def test_downloads_are_not_capped(tmp_path: object) -> None:
    blob = bytes(range(256)) * (12 * 4096)  # 12 MiB

    def handler(sock: socket.socket, req: RawRequest) -> None:
        respond(sock, 200, blob, {"Content-Type": "application/octet-stream"})

    with RawServer(handler) as server:
        conn = auger_conn(server.url, "tok", max_response_bytes=MB)
        assert transfer.download(conn, "files/blob", None) == blob
