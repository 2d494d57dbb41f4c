"""Failures told apart by what they prove: a rejected certificate, a 429, a redirected write.

* A certificate that does not verify fails the TLS handshake: the request never left, so it
  is final (no retry) and says the write was not applied.
* A 429 proves nothing was applied: even a POST is retried, within ``Retry-After``'s cap.
* A redirect in answer to a write is an error, never a GET of wherever it points returned
  as the created object; only a same-origin 307/308 (the server asks for the same request
  again, elsewhere) is followed.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub_sdk import auger
from hub_sdk.core import RetryPolicy
from hub_sdk.errors import APIConnectionError, RateLimitError, RedirectError, TLSError
from hub_sdk.testing import LocalHub

from .conftest import auger_conn
from .raw_server import RawRequest, RawServer, respond, self_signed_certificate

FAST = RetryPolicy(max_retries=3, backoff_base=0.001, backoff_cap=0.002, retry_after_cap=5)
CREATED = b'{"data":{"id":"e1","name":"created"},"meta":{"status":200}}'
OTHER = b'{"data":{"id":"e9","name":"what the redirect points to"},"meta":{"status":200}}'


# -- TLS -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 and its key."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_server(self_signed: tuple[Path, Path]) -> Iterator[RawServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)

    def handler(sock: socket.socket, req: RawRequest) -> None:
        respond(sock, 200, CREATED)

    with RawServer(handler, tls=context) as server:
        yield server


def test_a_self_signed_certificate_is_a_final_error_that_sent_nothing(
    https_server: RawServer,
) -> None:
    conn = auger_conn(https_server.url, "tok", retry_policy=FAST)
    for call in (
        lambda: auger.Experiment.create(connection=conn, name="x"),
        lambda: auger.Experiment.get("e1", connection=conn),
    ):
        with pytest.raises(TLSError) as err:
            call()
        assert isinstance(err.value, APIConnectionError)
        assert not err.value.may_have_been_applied
        assert "certificate" in str(err.value) and "verify=" in str(err.value)
        assert "attempts" not in str(err.value)  # not retried
    assert https_server.received == []  # the requests never left
    for _ in range(200):  # the server notes a failed handshake a moment after the client
        if https_server.handshake_errors >= 2:
            break
        time.sleep(0.01)
    assert https_server.handshake_errors == 2  # one handshake per call: no retries


def test_the_same_server_with_its_certificate_trusted_answers(
    https_server: RawServer, self_signed: tuple[Path, Path]
) -> None:
    conn = auger_conn(https_server.url, "tok", verify=str(self_signed[0]))
    assert auger.Experiment.create(connection=conn, name="x").name == "created"


# -- 429 -----------------------------------------------------------------------------------------


def test_a_rate_limited_post_is_retried_and_applied_once() -> None:
    with LocalHub(seed="demo", size=5, fedn=False) as hub:
        conn = auger_conn(hub.url, hub.project_token, retry_policy=FAST)
        hub.faults.next("429", route="POST /api/v1/experiments", times=2, retry_after=0)
        hub.reset_stats()
        created = auger.Experiment.create(connection=conn, name="after 429", project_id=1)
        assert created.name == "after 429"
        assert hub.stats["faults"] == {"429": 2}
        assert hub.stats["writes"].get("experiment") == 1, hub.stats


def test_a_429_says_nothing_was_applied_and_respects_the_retry_after_cap() -> None:
    def handler(sock: socket.socket, req: RawRequest) -> None:
        respond(sock, 429, b"{}", {"Retry-After": "3600", "Content-Type": "application/json"})

    with RawServer(handler) as server:
        conn = auger_conn(server.url, "tok", retry_policy=FAST)
        with pytest.raises(RateLimitError) as err:
            auger.Experiment.create(connection=conn, name="x")
        assert not err.value.may_have_been_applied
        assert len(server.received) == 1 and "exceeds the cap" in str(err.value)


# -- redirects -----------------------------------------------------------------------------------


def _redirecting(status: int, location: str) -> RawServer:
    def handler(sock: socket.socket, req: RawRequest) -> None:
        if req.target.endswith("/experiments"):
            respond(sock, status, b"", {"Location": location})
        elif req.method == "POST":
            respond(sock, 200, CREATED)
        else:
            respond(sock, 200, OTHER)

    return RawServer(handler)


@pytest.mark.parametrize(
    ("status", "applied"), [(301, True), (302, True), (303, True), (307, False), (308, False)]
)
def test_a_redirected_write_is_an_error_not_a_get(status: int, applied: bool) -> None:
    with RawServer(lambda sock, req: respond(sock, 200, OTHER)) as elsewhere:
        location = f"{elsewhere.url}/api/v1/experiments/e9"
        with _redirecting(status, location) as server:
            conn = auger_conn(server.url, "tok", retry_policy=FAST)
            with pytest.raises(RedirectError) as err:
                auger.Experiment.create(connection=conn, name="x")
            assert err.value.status == status and err.value.method == "POST"
            assert err.value.may_have_been_applied is applied
            assert [r.method for r in server.received] == ["POST"]
            assert elsewhere.received == []  # nothing followed it


@pytest.mark.parametrize("status", [307, 308])
def test_a_same_origin_307_or_308_repeats_the_write_where_it_points(status: int) -> None:
    with _redirecting(status, "/api/v1/experiments/v2") as server:
        conn = auger_conn(server.url, "tok", retry_policy=FAST)
        assert auger.Experiment.create(connection=conn, name="x").name == "created"
        assert [(r.method, r.target) for r in server.received] == [
            ("POST", "/api/v1/experiments"),
            ("POST", "/api/v1/experiments/v2"),
        ]
        assert server.received[1].body == server.received[0].body


def test_reads_still_follow_redirects() -> None:
    with _redirecting(302, "/api/v1/experiments/e9") as server:
        conn = auger_conn(server.url, "tok")
        resp = conn.request("GET", "experiments")
        assert resp.data["name"] == "what the redirect points to"
