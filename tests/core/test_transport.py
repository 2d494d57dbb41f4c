"""Transport edge cases a real server cannot produce on demand, with the HTTP layer mocked."""

from __future__ import annotations

import json

import pytest
import requests
import responses
from urllib3.exceptions import NewConnectionError

from hub_sdk.auger import connect
from hub_sdk.core.connection import InsecureConnectionWarning
from hub_sdk.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)

URL = "http://hub.test"
HEROKU_503 = (
    "<!DOCTYPE html><html><head><title>Application Error</title></head><body>x</body></html>"
)


@pytest.fixture()
def sleeps(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("hub_sdk.core.connection.time.sleep", slept.append)
    return slept


@pytest.fixture()
def hub():
    c = connect(URL, project_token="secret-token-123", default=False)
    yield c
    c.close()


def ok(data):
    return {"data": data, "meta": {"status": 200}}


@responses.activate
def test_a_503_on_get_is_retried(hub, sleeps):
    responses.get(
        f"{URL}/api/v1/experiments/1", body=HEROKU_503, status=503, content_type="text/html"
    )
    responses.get(f"{URL}/api/v1/experiments/1", json=ok({"id": "1"}))
    assert hub.request("GET", "experiments/1").data == {"id": "1"}
    assert len(responses.calls) == 2 and len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5


@responses.activate
def test_retries_give_up_with_a_typed_error(hub, sleeps):
    responses.get(f"{URL}/api/v1/trials", body=HEROKU_503, status=503)
    with pytest.raises(ServerError) as err:
        hub.request("GET", "trials")
    assert len(responses.calls) == 4 and len(sleeps) == 3
    assert err.value.status == 503 and "after 4 attempts" in str(err.value)
    assert "Application Error" in str(err.value)


@responses.activate
def test_retry_after_seconds_and_date_are_honoured(hub, sleeps):
    responses.get(f"{URL}/api/v1/a", status=429, headers={"Retry-After": "7"})
    responses.get(
        f"{URL}/api/v1/a", status=503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
    )
    responses.get(f"{URL}/api/v1/a", json=ok([]))
    hub.request("GET", "a")
    assert sleeps[0] == 7 and sleeps[1] < 1  # a date in the past means "now"


@responses.activate
def test_retry_after_beyond_the_cap_raises_instead_of_sleeping(hub, sleeps):
    responses.get(f"{URL}/api/v1/a", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimitError) as err:
        hub.request("GET", "a")
    assert sleeps == [] and err.value.retry_after == 3600 and "exceeds the cap" in str(err.value)


@responses.activate
def test_connect_failure_on_post_is_retried(hub, sleeps):
    refused = requests.ConnectionError(NewConnectionError(None, "refused"))  # type: ignore[arg-type]
    responses.post(f"{URL}/api/v1/experiments", body=refused)
    responses.post(f"{URL}/api/v1/experiments", json=ok({"id": "e"}))
    assert hub.request("POST", "experiments", body={"name": "x"}).data == {"id": "e"}
    assert len(responses.calls) == 2


@responses.activate
def test_timeout_on_post_is_not_retried_and_says_it_may_have_been_applied(hub, sleeps):
    responses.post(f"{URL}/api/v1/experiments", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(APITimeoutError) as err:
        hub.request("POST", "experiments", body={"name": "x"})
    assert len(responses.calls) == 1 and sleeps == []
    assert err.value.may_have_been_applied and "may have been applied" in str(err.value)


@responses.activate
def test_connection_lost_on_post_is_not_retried(hub, sleeps):
    responses.post(f"{URL}/api/v1/pipelines", body=requests.ConnectionError("Connection aborted."))
    with pytest.raises(APIConnectionError) as err:
        hub.request("POST", "pipelines", body={})
    assert len(responses.calls) == 1 and err.value.may_have_been_applied


@responses.activate
def test_a_5xx_on_patch_is_not_retried(hub, sleeps):
    responses.patch(f"{URL}/api/v1/trials", status=502, body="<html>Bad gateway</html>")
    with pytest.raises(ServerError) as err:
        hub.request("PATCH", "trials", body={})
    assert len(responses.calls) == 1 and err.value.may_have_been_applied


@responses.activate
def test_timeout_on_get_is_retried_then_raises(hub, sleeps):
    responses.get(f"{URL}/api/v1/a", body=requests.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError) as err:
        hub.request("GET", "a", max_retries=1)
    assert len(responses.calls) == 2 and not err.value.may_have_been_applied


@responses.activate
def test_html_where_json_was_promised(hub, sleeps):
    responses.get(
        f"{URL}/api/v1/a",
        body="<html>" + "x" * 1000 + "</html>",
        status=200,
        content_type="text/html",
    )
    with pytest.raises(ResponseDecodeError) as err:
        hub.request("GET", "a", max_retries=0)
    assert err.value.snippet.startswith("<html>") and len(err.value.snippet) < 260


@responses.activate
def test_truncated_json_on_get_is_retried(hub, sleeps):
    responses.get(f"{URL}/api/v1/a", body='{"data": [1, 2', status=200)
    responses.get(f"{URL}/api/v1/a", json=ok([1, 2]))
    assert hub.request("GET", "a").data == [1, 2]


@responses.activate
def test_missing_envelope_is_a_decode_error(hub, sleeps):
    responses.get(f"{URL}/api/v1/a", json={"meta": {"status": 200}})
    with pytest.raises(ResponseDecodeError, match="no 'data'"):
        hub.request("GET", "a", max_retries=0)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (500, ServerError),
    ],
)
@responses.activate
def test_statuses_map_to_typed_errors_with_request_ids(hub, sleeps, status, cls):
    body = {
        "meta": {
            "status": status,
            "errors": [
                {"error_type": "invalid_param", "error_param": "name", "message": "is required"},
                {"error_type": "invalid_param", "error_param": "id", "message": "is required"},
            ],
        }
    }
    responses.post(f"{URL}/api/v1/x", json=body, status=status, headers={"X-Request-Id": "rid-1"})
    with pytest.raises(cls) as err:
        hub.request("POST", "x", body={})
    e = err.value
    assert (e.status, e.request_id, e.method, e.path) == (status, "rid-1", "POST", "x")
    assert e.field_errors == [("name", "is required"), ("id", "is required")]
    assert "name is required; id is required" in str(e)


@responses.activate
def test_params_and_token_travel_in_the_json_body(hub):
    responses.get(f"{URL}/api/v1/trials", json=ok([]))
    hub.request("GET", "trials", params={"limit": 5})
    sent = responses.calls[0].request
    assert json.loads(sent.body) == {"limit": 5, "project_api_token": "secret-token-123"}
    assert sent.headers["User-Agent"].startswith("hub-sdk/")
    assert "?" not in sent.url


@responses.activate
def test_nan_is_rejected_before_sending(hub):
    from hub_sdk.errors import ValidationError

    with pytest.raises(ValidationError, match="not valid JSON"):
        hub.request("POST", "x", body={"v": float("nan")})
    assert len(responses.calls) == 0


@responses.activate
def test_redirects_to_another_host_lose_the_credentials(hub):
    responses.get(f"{URL}/api/v1/a", status=307, headers={"Location": "http://evil.test/a"})
    responses.get("http://evil.test/a", json=ok([]))
    hub.request("GET", "a")
    forwarded = responses.calls[1].request
    assert "secret-token-123" not in (forwarded.body or b"").decode()
    assert "Authorization" not in forwarded.headers


@responses.activate
def test_header_auth_is_not_forwarded_across_hosts():
    from hub_sdk import fedn

    c = fedn.connect("http://fedn.test", token="jwt-abc-123456", default=False)
    responses.get(
        "http://fedn.test/api/v1/models/",
        status=302,
        headers={"Location": "http://other.test/models/"},
    )
    responses.get("http://other.test/models/", json={"count": 0, "result": []})
    c.request("GET", "models/")
    assert responses.calls[0].request.headers["Authorization"] == "Bearer jwt-abc-123456"
    assert "Authorization" not in responses.calls[1].request.headers


def test_tls_verification_is_on_by_default_and_warns_when_off():
    assert connect("https://hub.test", default=False).verify is True
    with pytest.warns(InsecureConnectionWarning):
        connect("https://hub.test", default=False, verify=False)


def test_connect_refused_is_a_connection_error():
    c = connect("http://127.0.0.1:9", project_token="t", default=False, max_retries=1)
    import time

    t0 = time.monotonic()
    with pytest.raises(APIConnectionError) as err:
        c.request("POST", "x", body={})
    assert not err.value.may_have_been_applied and time.monotonic() - t0 < 5


@responses.activate
def test_a_truncated_listing_page_is_retried(hub, sleeps):
    from tests.core.conftest import Widget

    page = {"data": [{"id": 1, "name": "a"}], "meta": {"status": 200,
            "pagination": {"limit": 5, "offset": 0, "count": 1, "total": 1}}}
    responses.get(f"{URL}/api/v1/widgets", body='{"data": [{"id": 1, "na', status=200)
    responses.get(f"{URL}/api/v1/widgets", json=page)
    assert [w.name for w in Widget.list(connection=hub)] == ["a"]
    assert len(responses.calls) == 2 and len(sleeps) == 1
