"""A total deadline per call: connecting, waiting, retries and their sleeps, and reading the body.

Servers here trickle a byte at a time, slower than any deadline but faster than the socket
read timeout, so only a total deadline can end the call. No assertion reads the clock: each
test checks that the call ended before the server finished what it was sending.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub_sdk import auger, fedn
from hub_sdk.core import RetryPolicy, transfer
from hub_sdk.errors import APITimeoutError, ServerError

from .conftest import auger_conn
from .raw_server import RawRequest, RawServer, respond

TRICKLE_BYTES = 40  # a byte every TRICKLE_PAUSE: the whole trickle takes 10 s
TRICKLE_PAUSE = 0.25
BODY = b'{"data":{"id":"e1","name":"trickled"},"meta":{}}'


class Trickle:
    """A handler that sends the head at once and then the body one byte at a time."""

    def __init__(self, status: int = 200, *, headers_too: bool = False) -> None:
        self.status = status
        self.headers_too = headers_too
        self.finished = threading.Event()
        self.requests = 0

    def __call__(self, sock: socket.socket, req: RawRequest) -> None:
        self.requests += 1
        body = BODY.ljust(TRICKLE_BYTES)
        head = f"HTTP/1.1 {self.status} X\r\nContent-Length: {len(body)}\r\n"
        head += "Content-Type: application/json\r\n"
        payload = (head + "\r\n").encode() + body
        if not self.headers_too:
            sock.sendall(payload[: len(head) + 2])
            payload = payload[len(head) + 2 :]
        for i in range(len(payload)):  # bounded: TRICKLE_BYTES (+ head) sends
            sock.sendall(payload[i : i + 1])
            time.sleep(TRICKLE_PAUSE)
        self.finished.set()


@pytest.fixture
def trickle() -> Iterator[tuple[Trickle, RawServer]]:
    handler = Trickle()
    with RawServer(handler) as server:
        yield handler, server


def test_a_trickled_body_ends_at_the_connection_deadline(
    trickle: tuple[Trickle, RawServer],
) -> None:
    handler, server = trickle
    conn = auger_conn(server.url, "tok", timeout=(2, 2), deadline=1.0)
    with pytest.raises(APITimeoutError) as err:
        auger.Experiment.get("e1", connection=conn)
    assert not handler.finished.is_set(), "the call lasted as long as the trickle"
    assert "the connection's deadline of 1s" in str(err.value)
    assert not err.value.may_have_been_applied  # a GET


def test_a_per_call_deadline_overrides_the_connections(
    trickle: tuple[Trickle, RawServer],
) -> None:
    handler, server = trickle
    conn = auger_conn(server.url, "tok", timeout=(2, 2), deadline=60)
    with pytest.raises(APITimeoutError) as err:
        conn.request("POST", "experiments", body={"name": "x"}, deadline=0.8)
    assert not handler.finished.is_set()
    assert "the call's deadline of 0.8s" in str(err.value)
    assert err.value.may_have_been_applied  # the POST was sent: it may have been applied


def test_trickled_headers_end_at_the_deadline() -> None:
    handler = Trickle(headers_too=True)
    with RawServer(handler) as server:
        conn = auger_conn(server.url, "tok", timeout=(2, 2))
        with pytest.raises(APITimeoutError) as err:
            conn.request("GET", "experiments/e1", deadline=1.0)
        assert not handler.finished.is_set()
        assert "deadline" in str(err.value)


def test_retries_and_their_sleeps_stop_at_the_deadline() -> None:
    def handler(sock: socket.socket, req: RawRequest) -> None:
        respond(sock, 503, b"{}", {"Retry-After": "5", "Content-Type": "application/json"})

    with RawServer(handler) as server:
        policy = RetryPolicy(max_retries=3, retry_after_cap=30)
        conn = auger_conn(server.url, "tok", retry_policy=policy, deadline=2.0)
        with pytest.raises(APITimeoutError) as err:
            auger.Experiment.get("e1", connection=conn)
        # Waiting 5 s before the next attempt would pass the deadline: no second attempt.
        assert len(server.received) == 1
        assert "deadline of 2s" in str(err.value) and "503" in str(err.value)
        assert isinstance(err.value.__cause__, ServerError)
        conn.deadline = None
        with pytest.raises(ServerError):
            conn.request("GET", "experiments/e1", max_retries=0)


def test_a_trickled_download_ends_at_the_deadline(
    trickle: tuple[Trickle, RawServer], tmp_path: Path
) -> None:
    handler, server = trickle
    conn = auger_conn(server.url, "tok", timeout=(2, 2))
    with pytest.raises(APITimeoutError) as err:
        transfer.download(conn, "files/x", tmp_path / "x.bin", deadline=1.0)
    assert not handler.finished.is_set()
    assert "deadline" in str(err.value)
    assert not (tmp_path / "x.bin").exists() and not list(tmp_path.iterdir())


def test_a_trickled_fedn_model_download_ends_at_the_deadline(
    trickle: tuple[Trickle, RawServer],
) -> None:
    handler, server = trickle
    conn = fedn.connect(server.url, default=False, timeout=(2, 2), deadline=1.0)
    model = fedn.Model.model_validate({"model_id": "m1", "model": "m1"})
    model._bind(conn, {"model_id": "m1", "model": "m1"})
    with pytest.raises(APITimeoutError):
        model.download()
    assert not handler.finished.is_set()


def test_calls_within_their_deadline_leave_pooled_connections_alone() -> None:
    def handler(sock: socket.socket, req: RawRequest) -> None:
        respond(sock, 200, BODY)

    with RawServer(handler) as server:
        conn = auger_conn(server.url, "tok", deadline=0.3)
        for _ in range(3):
            assert auger.Experiment.get("e1", connection=conn).name == "trickled"
            time.sleep(0.4)  # past each call's deadline: its watchdog must not cut the socket
        assert len(server.received) == 3 and server.accepted == 1  # one kept-alive socket
