"""Security at the resource level: tokens never leak, TLS is verified, redirects drop credentials.

(The core's ``Secret``/``redact`` units are covered in ``tests/core/test_redaction.py``; these
tests go through resources, real loopback servers and LocalHub.)
"""

from __future__ import annotations

import json
import logging
import pickle
import ssl
import threading
import warnings
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings

from hub_sdk import auger, fedn
from hub_sdk.core import InsecureConnectionWarning, RetryPolicy
from hub_sdk.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    HubError,
    NotFoundError,
    RedirectError,
    ResponseDecodeError,
)
from hub_sdk.fedn import FednConnection
from hub_sdk.testing import LocalHub
from tests.conftest import examples, secret_tokens

from .conftest import LoopbackServer, Recorded, auger_conn
from .raw_server import self_signed_certificate

NO_RETRY = RetryPolicy(max_retries=0)
tokens = secret_tokens()
EXPERIMENT = {"id": "e1", "name": "n", "object": "experiment", "project_id": 1}


def _echo(rec: Recorded) -> tuple[int, dict[str, str], bytes]:
    """A hostile server: echoes the request (token included) in errors and pages."""
    body = rec.json() or {}
    token = str(body.get("project_api_token") or rec.headers.get("Authorization") or "")
    if rec.path.endswith("/bad"):
        page = f"<html><title>boom {token}</title></html>".encode()
        return 200, {"Content-Type": "text/html"}, page
    if rec.method == "POST":
        err = {"error_param": "name", "message": f"is invalid for token {token}"}
        payload = {"meta": {"status": 400, "errors": [err]}}
        return 400, {"Content-Type": "application/json"}, json.dumps(payload).encode()
    if rec.method == "DELETE":
        payload = {"meta": {"status": 404, "errors": [{"message": f"no such thing ({token})"}]}}
        return 404, {"Content-Type": "application/json"}, json.dumps(payload).encode()
    if rec.path.rstrip("/").endswith("/experiments"):
        pagination = {"limit": 1, "offset": 0, "count": 1, "total": 1}
        payload = {"data": [EXPERIMENT], "meta": {"status": 200, "pagination": pagination}}
    else:
        payload = {"data": EXPERIMENT, "meta": {"status": 200}}
    return 200, {"Content-Type": "application/json"}, json.dumps(payload).encode()


@pytest.fixture(scope="module")
def echo_server() -> Iterator[LoopbackServer]:
    """A module-wide hostile echo server."""
    server = LoopbackServer(_echo)
    yield server
    server.close()


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(token=tokens)
def test_tokens_never_leak_through_resources(echo_server: LoopbackServer, token: str) -> None:
    logger = logging.getLogger("hub_sdk")
    capture = _Capture()
    level = logger.level
    logger.addHandler(capture)
    logger.setLevel(logging.DEBUG)
    texts: list[str] = []
    blobs: list[bytes] = []
    try:
        conn = auger_conn(echo_server.url, token, retry_policy=NO_RETRY)
        exp = auger.Experiment.get("e1", connection=conn)
        texts += [repr(exp), str(exp), repr(exp.model_dump()), repr(exp.connection)]
        blobs.append(pickle.dumps(exp))
        page = auger.Experiment.list(connection=conn, limit=1)
        texts += [repr(page), repr(page.to_list())]
        for call, kind in (
            (lambda: auger.Experiment.create(connection=conn, name="x"), BadRequestError),
            (lambda: auger.Experiment.delete_id("e1", connection=conn), NotFoundError),
            (lambda: auger.Experiment.call("GET", "bad", connection=conn), ResponseDecodeError),
        ):
            with pytest.raises(kind) as err:
                call()
            exc = err.value
            texts += [str(exc), repr(exc), repr(exc.__dict__), repr(exc.args)]
            blobs.append(pickle.dumps(exc))
            texts.append(str(pickle.loads(pickle.dumps(exc))))
        fconn = FednConnection(echo_server.url, retry_policy=NO_RETRY)
        fconn.auth = fedn.connect(echo_server.url, token=token, default=False).auth
        texts += [repr(fconn), repr(fconn.auth)]
    finally:
        logger.removeHandler(capture)
        logger.setLevel(level)
    texts += capture.lines
    assert capture.lines, "debug logging produced nothing to check"
    for text in texts:
        assert token not in text, text
    for blob in blobs:
        assert token.encode() not in blob


def test_tls_verification_is_on_by_default_and_warns_when_off() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = auger.connect("https://hub.test", project_token="t0k3n-value", default=False)
        f = fedn.connect("https://fedn.test", token="t0k3n-value", default=False)
    for conn in (a, f):
        assert conn.verify is True
        # True, or the CA bundle named by REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE: verifying either way
        assert conn._env_settings(conn.base_url)["verify"] not in (False, None, "")
    for make in (
        lambda: auger.connect("https://hub.test", project_token="x", verify=False, default=False),
        lambda: fedn.connect("https://fedn.test", token="x", verify=False, default=False),
    ):
        with pytest.warns(InsecureConnectionWarning):
            conn = make()
        assert conn.verify is False


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate (needs ``openssl``)."""
    cert, key = self_signed_certificate(tmp_path_factory.mktemp("tls"))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"data": EXPERIMENT, "meta": {"status": 200}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_self_signed_certificate_is_rejected_unless_verify_is_off(tls_server: str) -> None:
    conn = auger_conn(tls_server, "secret-token-1", retry_policy=NO_RETRY)
    with pytest.raises(APIConnectionError) as err:
        auger.Experiment.get("e1", connection=conn)
    assert "secret-token-1" not in str(err.value)
    with pytest.warns(InsecureConnectionWarning):
        insecure = auger_conn(tls_server, "secret-token-1", retry_policy=NO_RETRY, verify=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # urllib3's own InsecureRequestWarning
        assert auger.Experiment.get("e1", connection=insecure).id == "e1"


# -- redirects ---------------------------------------------------------------------------------


def _redirect_to(target: Callable[[], str], status: int = 307) -> Callable[[Recorded], Any]:
    def reply(rec: Recorded) -> tuple[int, dict[str, str], bytes]:
        if rec.path.startswith("/moved"):
            body = {"data": EXPERIMENT, "meta": {"status": 200}, "result": [], "count": 0}
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
        return status, {"Location": target() + "/moved" + rec.path}, b""

    return reply


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_credentials_are_not_forwarded_to_another_host(
    loopback: Callable[..., LoopbackServer], status: int
) -> None:
    other = loopback(_redirect_to(lambda: "unused"))  # records what reaches it
    first = loopback(_redirect_to(lambda: other.url, status))
    token = "redirect-secret-token"
    # Auger: the token travels in the JSON body, for a read and for a write (a write is not
    # redirected at all: see test_classification.py).
    conn = auger_conn(first.url, token, retry_policy=NO_RETRY)
    auger.Experiment.get("e1", connection=conn)
    with pytest.raises(RedirectError):
        auger.Experiment.create(connection=conn, name="x")
    # FEDn: the token travels in the Authorization header.
    fconn = fedn.connect(first.url, token=token, default=False)
    fedn.Model.list(connection=fconn).to_list(limit=1)
    assert first.received and other.received
    for rec in first.received:
        assert token in (rec.headers.get("Authorization", "") + rec.body.decode()), rec.path
    for rec in other.received:
        assert "Authorization" not in rec.headers, rec.headers
        assert token.encode() not in rec.body, rec.body
        assert token not in rec.path


def test_credentials_follow_a_same_host_redirect(loopback: Callable[..., LoopbackServer]) -> None:
    holder: dict[str, str] = {}
    server = loopback(_redirect_to(lambda: holder["url"]))
    holder["url"] = server.url
    token = "same-host-secret-token"
    fedn.Model.list(connection=fedn.connect(server.url, token=token, default=False)).first()
    auger.Experiment.get("e1", connection=auger_conn(server.url, token))
    moved = [r for r in server.received if r.path.startswith("/moved")]
    assert len(moved) == 2
    assert moved[0].headers.get("Authorization") == f"Bearer {token}"
    assert moved[1].json()["project_api_token"] == token


# -- LocalHub's own authentication ---------------------------------------------------------------


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    """A LocalHub whose FEDn side requires JWTs."""
    with LocalHub(seed="demo", size=60, fedn_jwt_secret="bench-jwt-secret") as h:
        yield h


def test_localhub_rejects_missing_and_wrong_tokens(hub: LocalHub) -> None:
    url = f"{hub.url}/api/v1/experiments"
    assert requests.get(url, timeout=5).status_code == 401
    assert requests.get(url, json={"project_api_token": "wrong"}, timeout=5).status_code == 401
    assert requests.get(url, json={"project_api_token": hub.project_token}, timeout=5).ok
    with pytest.raises(AuthenticationError):
        auger.Experiment.list(connection=auger_conn(hub.url, "not-a-token")).first()
    anonymous = auger.AugerConnection(hub.url, retry_policy=NO_RETRY)
    with pytest.raises(AuthenticationError):
        auger.Experiment.list(connection=anonymous).first()


def test_localhub_fedn_requires_a_valid_jwt(hub: LocalHub) -> None:
    from hub_sdk.testing.hs256 import make_token

    models = f"{hub.fedn_url}/api/v1/models/"
    assert requests.get(models, timeout=5).status_code == 401
    wrong = make_token("another-secret")
    assert (
        requests.get(models, headers={"Authorization": f"Bearer {wrong}"}, timeout=5).status_code
        == 401
    )
    good = make_token("bench-jwt-secret")
    with pytest.raises(AuthenticationError):
        fedn.Model.list(connection=fedn.connect(hub.fedn_url, token=wrong, default=False)).first()
    assert fedn.Model.count(connection=fedn.connect(hub.fedn_url, token=good, default=False)) >= 0


def test_project_tokens_are_scoped_to_their_project(hub: LocalHub) -> None:
    mine = auger_conn(hub.url, hub.project_token)
    other_token = hub.issue_token("project", 2)
    other = auger_conn(hub.url, other_token)
    my_experiments = {e.id for e in auger.Experiment.list(connection=mine)}
    their_experiments = {e.id for e in auger.Experiment.list(connection=other)}
    assert my_experiments and their_experiments and not my_experiments & their_experiments
    assert all(e.project_id == 2 for e in auger.Experiment.list(connection=other))
    with pytest.raises(NotFoundError):
        auger.Experiment.get(sorted(my_experiments)[0], connection=other)
    with pytest.raises(HubError):
        auger.Experiment.update(sorted(my_experiments)[0], connection=other, name="hijack")
    trials = auger.Trial.list(connection=other).to_list()
    assert trials and all(t.project_id == 2 for t in trials)
