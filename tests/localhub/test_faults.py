"""Every fault kind observed from a real client; counters prove what was committed."""

from __future__ import annotations

import http.client
import json
import time

import pytest
import requests

from hub_sdk.testing import Fault, Faults, LocalHub
from hub_sdk.testing.faults import HEROKU_503_PAGE

from .conftest import Api


@pytest.fixture(scope="module")
def hub():
    with LocalHub(seed="demo", fedn=False) as h:
        yield h


@pytest.fixture
def client(hub):
    hub.faults.clear()
    hub.reset_stats()
    api = Api(hub)
    yield api
    hub.faults.clear()
    api.session.close()


def test_503_is_the_recorded_heroku_page(client):
    client.hub.faults.next("503")
    r = client.get("trials")
    assert r.status_code == 503
    assert r.text == HEROKU_503_PAGE and len(r.content) == 506
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert client.get("trials").status_code == 200  # one-shot


def test_503_matches_the_recording():
    from tests.conftest import shared_path

    interactions = json.loads(shared_path("hub-api", "interactions.json").read_text())
    recorded = [i for i in interactions if i["file"] == "general_errors/server_unavailable.yaml"]
    assert {i["res_raw"] for i in recorded} == {HEROKU_503_PAGE}


def test_429_500_502(client):
    client.hub.faults.next("429", retry_after=7)
    r = client.get("experiments")
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert r.json()["meta"]["status"] == 429
    client.hub.faults.next("500")
    r = client.get("experiments")
    assert r.status_code == 500 and r.json()["meta"]["errors"][0]["error_type"] == "internal_error"
    client.hub.faults.next("html_502")
    r = client.get("experiments")
    assert (
        r.status_code == 502
        and "Bad Gateway" in r.text
        and r.headers["Content-Type"] == "text/html"
    )
    assert client.hub.stats["faults"] == {"429": 1, "500": 1, "html_502": 1}


def test_faults_before_processing_write_nothing(client):
    trial = client.data("GET", "trials", limit=1)[0]
    client.hub.reset_stats()
    for kind in ("429", "500", "503", "html_502"):
        client.hub.faults.next(kind, route="POST /api/v1/pipelines")
        assert client.post("pipelines", trial_id=trial["id"]).status_code != 200
    client.hub.faults.next("reset_before", route="POST /api/v1/pipelines")
    with pytest.raises(requests.ConnectionError):
        client.post("pipelines", trial_id=trial["id"])
    assert client.hub.stats["writes"] == {}
    assert client.hub.stats["requests"]["POST /api/v1/pipelines"] == 5


def test_reset_after_commits_exactly_once(client):
    trial = client.data("GET", "trials", limit=1)[0]
    before = client.hub.store.count("pipeline", {"_trial_id": trial["id"]})
    client.hub.reset_stats()
    client.hub.faults.next("reset_after", route="POST /api/v1/pipelines")
    with pytest.raises(requests.ConnectionError) as info:
        client.post("pipelines", trial_id=trial["id"])
    assert "RemoteDisconnected" in repr(info.value) or "reset" in repr(info.value).lower()
    stats = client.hub.stats
    assert stats["writes"] == {"pipeline": 1}
    assert stats["faults"] == {"reset_after": 1}
    assert stats["requests"] == {"POST /api/v1/pipelines": 1}
    assert client.hub.store.count("pipeline", {"_trial_id": trial["id"]}) == before + 1
    # the connection pool recovers on the next request
    assert client.get("pipelines").status_code == 200


def test_reset_is_a_socket_level_close(hub):
    hub.faults.clear()
    hub.faults.next("reset_before")
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=5)
    conn.request("GET", f"/api/v1/projects?project_api_token={hub.project_token}")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        conn.getresponse()
    conn.close()


def test_slow(client):
    client.hub.faults.next("slow", delay=0.3)
    start = time.monotonic()
    r = client.get("projects")
    assert r.status_code == 200 and time.monotonic() - start >= 0.3


def test_truncated_body(client):
    client.hub.faults.next("truncated", route="GET /api/v1/experiments")
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        client.get("experiments")
    assert client.get("experiments").status_code == 200


def test_truncated_write_is_committed(client):
    client.hub.faults.next("truncated", route="POST /api/v1/organizations")
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        client.post("organizations", name="half-answered")
    assert client.hub.stats["writes"] == {"organization": 1}


def _sequence(hub, n=40):
    api = Api(hub)
    out = []
    for _ in range(n):
        try:
            out.append(api.get("projects").status_code)
        except requests.ConnectionError:
            out.append("reset")
    api.session.close()
    return out


def test_random_plan_is_deterministic(client):
    hub = client.hub
    plan = Faults(rate=0.5, kinds={"503": 1, "429": 1, "reset_before": 1}, seed=7)
    hub.faults.set(plan)
    first = _sequence(hub)
    hub.faults.set(plan)
    second = _sequence(hub)
    assert first == second
    assert {503, 429, "reset", 200} == set(first)
    hub.faults.set(Faults(rate=0.5, kinds=["503"], seed=8))
    assert _sequence(hub) != first


def test_per_route_plans(client):
    hub = client.hub
    hub.faults.set(
        Faults(
            rate=0.0,
            routes={
                "GET /api/v1/experiments": "503",
                "* /api/v1/trials*": Fault("429", retry_after=3),
            },
        )
    )
    assert client.get("experiments").status_code == 503
    assert client.get("trials").status_code == 429
    assert client.get("projects").status_code == 200
    hub.faults.set(Faults(routes={"/api/v1/projects": 1.0}, kinds=["500"]))
    assert client.get("projects").status_code == 500
    assert client.get("experiments").status_code == 200
    hub.faults.clear()
    assert client.get("experiments").status_code == 200


def test_stats_and_reset(client):
    client.get("projects")
    client.get("projects/1")
    stats = client.hub.stats
    assert stats["requests"] == {"GET /api/v1/projects": 1, "GET /api/v1/projects/{id}": 1}
    assert stats["responses"] == {"200": 2}
    client.hub.reset_stats()
    assert client.hub.stats["requests"] == {}


def test_faults_from_the_constructor_and_fedn_prefix():
    with LocalHub(faults=Faults(routes={"fedn:*": "503"})) as hub:
        assert requests.get(f"{hub.fedn_url}/health").status_code == 503
        assert Api(hub).get("projects").status_code == 200
        assert hub.stats["requests"]["fedn:GET /health"] == 1


def test_invalid_kind_is_rejected(hub):
    with pytest.raises(ValueError):
        hub.faults.next("explode")
    with pytest.raises(ValueError):
        Faults(kinds=["nope"]).weights()
