"""The FEDn controller REST contract as observed on a real 0.33.0 controller, checked with raw HTTP.

The same assertions run against LocalHub's FEDn listener (default) and against a real controller
(``HUB_SDK_FEDN_BACKEND=real``, see ``make test-fedn``). Where the real server answers 500 to a
client mistake, LocalHub answers 400 with a clear message: those few places branch on
``server.real`` and say so.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest
import requests

from hub_sdk.testing.fedn_local.npz import npz_bytes

from .conftest import FednServer
from .helpers import create_session, package_bytes, session_config, upload_package, upload_seed

RFC1123 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|"
                     r"Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
COLLECTIONS = ["clients", "combiners", "models", "packages", "rounds", "sessions", "statuses",
               "validations", "predictions", "metrics", "runs", "telemetry", "attributes"]
MODEL_KEYS = {"committed_at", "model", "model_id", "name", "parent_model", "session_id",
              "updated_at"}
PACKAGE_KEYS = {"active", "committed_at", "description", "file_name", "helper", "name",
                "package_id", "storage_file_name", "updated_at"}
SESSION_KEYS = {"committed_at", "name", "seed_model_id", "session_config", "session_id", "status",
                "updated_at"}
CONFIG_KEYS = {"aggregator", "aggregator_kwargs", "buffer_size", "clients_required",
               "delete_models_storage", "helper_type", "model_id", "requested_clients",
               "round_timeout", "rounds", "server_functions", "validate"}
SENDER = {"name": "client0", "role": "client", "client_id": "c0"}


@pytest.fixture(scope="module")
def http(fedn_server: FednServer) -> requests.Session:
    """A session for the module's server."""
    return fedn_server.session()


@pytest.fixture(scope="module")
def seeded(fedn_server: FednServer, http: requests.Session) -> dict[str, Any]:
    """The module server with a package and a seed model."""
    package = upload_package(http, fedn_server.api, "shapes-pkg")
    seed = upload_seed(http, fedn_server.api, "shapes-seed")
    return {"package": package, "seed": seed}


def not_found(r: requests.Response, id: str) -> None:
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"message": f"Entity with id: {id} not found"}


# --------------------------------------------------------------------------- transport


def test_health_is_plain_ok(fedn_server: FednServer) -> None:
    r = requests.get(fedn_server.url + "/health")
    assert r.status_code == 200
    assert r.text == "OK"
    assert r.headers["Content-Type"].startswith("text/html")


def test_controller_status_idle(fedn_server: FednServer) -> None:
    r = requests.get(fedn_server.url + "/get_controller_status")
    assert r.status_code == 200
    assert r.json() == {"state": "idle"}


@pytest.mark.parametrize(("path", "post"), [
    ("/api/v1/models", 308), ("/api/v1/sessions", 308), ("/api/v1/clients", 404),
])
def test_missing_trailing_slash_is_308(fedn_server: FednServer, path: str, post: int) -> None:
    """308 to the slashed URL (query kept) when a slashed rule exists for the method, else 404."""
    r = requests.get(fedn_server.url + path + "?name=x", allow_redirects=False)
    assert r.status_code == 308
    assert urlparse(r.headers["Location"]).path == path + "/"
    assert urlparse(r.headers["Location"]).query == "name=x"
    r = requests.post(fedn_server.url + path, json={}, allow_redirects=False)
    assert r.status_code == post


def test_unknown_routes_are_404(fedn_server: FednServer) -> None:
    for path in ("/nonexistent", "/api/v1/nonexistent/", "/api/v1/models/count/", "/health/"):
        assert requests.get(fedn_server.url + path).status_code == 404, path


@pytest.mark.parametrize(("method", "path", "hint"), [
    ("GET", "/list_models", "Use /api/v1/models or the GraphQL API instead."),
    ("POST", "/start_session", "Use /api/v1/sessions and /api/v1/sessions/start instead."),
    ("GET", "/list_clients", "Use /api/v1/clients instead."),
    ("GET", "/get_model_trail", "Use /api/v1/models or the GraphQL API instead."),
])
def test_legacy_routes_are_410(fedn_server: FednServer, method: str, path: str, hint: str) -> None:
    r = requests.request(method, fedn_server.url + path)
    assert r.status_code == 410
    assert r.json() == {"message": "This endpoint is deprecated. " + hint}


def test_active_model_route_is_gone(fedn_server: FednServer) -> None:
    r = requests.get(fedn_server.api + "/models/active")
    assert r.status_code == 410
    assert set(r.json()) == {"error"}


# --------------------------------------------------------------------------- lists, counts, gets


def test_every_collection_lists_counts_and_404s(
    make_fedn_server: Callable[..., FednServer],
) -> None:
    server = make_fedn_server(clients=0)
    for name in COLLECTIONS:
        r = requests.get(f"{server.api}/{name}/")
        assert r.status_code == 200, name
        assert r.headers["Content-Type"] == "application/json"
        body = r.json()
        assert set(body) == {"count", "result"}
        # LocalHub always has its simulated combiner(s); everything else starts empty.
        expected = len(body["result"]) if name == "combiners" else 0
        assert body["count"] == len(body["result"]) == expected, name
        assert requests.post(f"{server.api}/{name}/list", json={}).json() == body
        count = requests.get(f"{server.api}/{name}/count")
        assert count.status_code == 200 and count.json() == expected, name
        assert requests.post(f"{server.api}/{name}/count", json={}).json() == expected
        not_found(requests.get(f"{server.api}/{name}/nope"), "nope")


def test_pagination_in_query_string_is_an_error(fedn_server: FednServer) -> None:
    for param in ("limit", "skip", "sort_key", "sort_order"):
        r = requests.get(fedn_server.api + "/models/", params={param: "1"})
        # real: 500 "An unexpected error occurred"; LocalHub: 400 explaining the headers.
        assert r.status_code == (500 if fedn_server.real else 400)
        assert set(r.json()) == {"message"}


# --------------------------------------------------------------------------- packages and helpers


def test_package_lifecycle(fresh_fedn_server: FednServer) -> None:
    server = fresh_fedn_server
    api, s = server.api, server.session()
    assert s.get(api + "/packages/active").json() == {"message": "Entity not found"}
    helper = s.get(api + "/helpers/active")
    assert helper.status_code == 404 and helper.json() == {"message": "No active helper"}
    assert s.get(api + "/packages/download").json() == {"message": "No active package"}
    checksum = s.get(api + "/packages/checksum")
    assert checksum.status_code == 404
    assert checksum.json() == {"checksum": None, "message": "No compute package uploaded"}

    no_desc = s.post(api + "/packages/", files={"file": ("package.tgz", package_bytes())},
                     data={"helper": "numpyhelper", "name": "p"})
    assert no_desc.status_code == 400
    assert no_desc.json() == {"message": "Class 'PackageDTO' is missing field description"}

    first = upload_package(s, api, "first")
    second = upload_package(s, api, "second")
    assert set(second) == PACKAGE_KEYS
    assert second["active"] is True and second["name"] == "second"
    assert second["file_name"] == "package.tgz" and second["helper"] == "numpyhelper"
    assert UUID.match(second["package_id"])
    assert re.match(UUID.pattern[:-1] + r"\.tgz$", second["storage_file_name"])
    assert RFC1123.match(second["committed_at"]) and RFC1123.match(second["updated_at"])
    listed = s.get(api + "/packages/").json()
    assert listed["count"] == 2
    assert [p["name"] for p in listed["result"]] == ["second", "first"]
    assert [p["active"] for p in listed["result"]] == [True, False]
    assert s.get(api + "/packages/" + first["package_id"]).json()["active"] is False
    assert s.get(api + "/helpers/active").json() == "numpyhelper"

    dl = s.get(api + "/packages/download")
    assert dl.status_code == 200
    assert dl.content == package_bytes() or dl.content[:2] == b"\x1f\x8b"
    assert dl.headers["Content-Disposition"] == (
        f"attachment; filename={second['storage_file_name']}")

    put = s.put(api + "/packages/active", json={"id": first["package_id"]})
    assert put.status_code == 200 and put.json() == {"message": "Active package set"}
    assert s.get(api + "/packages/active").json()["package_id"] == first["package_id"]

    bad = s.put(api + "/helpers/active", json={"helper": "nohelper"})
    assert bad.status_code == 400
    assert bad.json() == {"message": "Helper is required to be either 'numpyhelper', "
                                     "'binaryhelper' or 'androidhelper'"}
    ok = s.put(api + "/helpers/active", json={"helper": "numpyhelper"})
    assert ok.status_code == 200 and ok.json() == {"message": "Active helper set"}

    gone = s.delete(api + "/packages/active")
    assert gone.status_code == 200 and gone.json() == {"message": "Active package deleted"}
    again = s.delete(api + "/packages/active")
    assert again.status_code == 404 and again.json() == {"message": "Entity not found"}
    assert s.get(api + "/helpers/active").status_code == 404


# --------------------------------------------------------------------------- models


def test_model_upload_needs_an_active_package(fresh_fedn_server: FednServer) -> None:
    api = fresh_fedn_server.api
    r = requests.post(api + "/models/", files={"file": ("seed.npz", npz_bytes([[1.0]]))})
    assert r.status_code == 400
    assert r.json() == {"success": False, "message": "Failed to add model."}


def test_model_shapes(fedn_server: FednServer, http: requests.Session,
                      seeded: dict[str, Any]) -> None:
    api, seed = fedn_server.api, seeded["seed"]
    assert set(seed) == MODEL_KEYS
    assert seed["model"] == seed["model_id"] and UUID.match(seed["model_id"])
    assert seed["name"] == "shapes-seed"
    assert seed["parent_model"] is None and seed["session_id"] is None
    assert RFC1123.match(seed["committed_at"])
    assert http.get(api + "/models/" + seed["model_id"]).json() == seed

    unnamed = http.post(api + "/models/", files={"file": ("seed.npz", npz_bytes([[0.5]]))})
    assert unnamed.status_code == 200
    assert http.get(api + "/models/count", params={"name": "null"}).json() >= 1

    garbage = http.post(api + "/models/", files={"file": ("bad.npz", b"garbage")},
                        data={"name": "bad"})
    assert garbage.status_code == 400
    assert garbage.json() == {"success": False, "message": "Failed to add model."}


def test_model_download(fedn_server: FednServer, http: requests.Session,
                        seeded: dict[str, Any]) -> None:
    model_id = seeded["seed"]["model_id"]
    r = http.get(f"{fedn_server.api}/models/{model_id}/download")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["Content-Disposition"] == f"attachment; filename={model_id}"
    # The real controller re-saves the arrays through numpy; the archive members stay.
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert sorted(z.namelist()) == ["0.npy", "1.npy"]
    not_found(http.get(fedn_server.api + "/models/nope/download"), "nope")


def test_model_lineage_and_rename(fedn_server: FednServer, http: requests.Session,
                                  seeded: dict[str, Any]) -> None:
    api, seed = fedn_server.api, seeded["seed"]
    anc = http.get(f"{api}/models/{seed['model_id']}/ancestors", params={"include_self": "true"})
    assert anc.status_code == 200
    assert anc.json() == [seed]
    desc = http.get(f"{api}/models/{seed['model_id']}/descendants")
    assert desc.status_code == 200 and desc.json() == []
    unknown = http.get(f"{api}/models/nope/ancestors")
    if fedn_server.real:  # the SQL store answers an empty list for an unknown id
        assert unknown.status_code == 200 and unknown.json() == []
    else:
        not_found(unknown, "nope")

    other = upload_seed(http, api)
    renamed = http.patch(f"{api}/models/{other['model_id']}", json={"name": "renamed"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "renamed"
    assert renamed.json()["model_id"] == other["model_id"]
    assert set(renamed.json()) == MODEL_KEYS
    not_found(http.patch(f"{api}/models/nope", json={"name": "x"}), "nope")


# --------------------------------------------------------------------------- paging and filters


@pytest.fixture(scope="module")
def paging(make_fedn_server_module: Callable[..., FednServer]) -> FednServer:
    """A server holding a package and models m3, m1, m5, m2, m4 (uploaded in that order)."""
    server = make_fedn_server_module()
    s = server.session()
    upload_package(s, server.api)
    for name in ("m3", "m1", "m5", "m2", "m4"):
        upload_seed(s, server.api, name)
    return server


@pytest.fixture(scope="module")
def make_fedn_server_module(
    tmp_path_factory: pytest.TempPathFactory,
) -> Any:
    """Module-scoped variant of make_fedn_server."""
    import contextlib

    from .conftest import _start

    with contextlib.ExitStack() as stack:
        yield lambda **kw: stack.enter_context(_start(tmp_path_factory.mktemp("fedn-m"), **kw))


def names(server: FednServer, headers: dict[str, str] | None = None,
          params: dict[str, str] | None = None) -> tuple[int, list[str | None]]:
    r = requests.get(server.api + "/models/", headers=headers or {}, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    return body["count"], [m["name"] for m in body["result"]]


def test_default_order_is_committed_at_descending(paging: FednServer) -> None:
    assert names(paging) == (5, ["m4", "m2", "m5", "m1", "m3"])
    assert names(paging, {"X-Sort-Order": "asc"}) == (5, ["m3", "m1", "m5", "m2", "m4"])
    assert names(paging, {"X-Sort-Order": "ASC"})[1] == ["m3", "m1", "m5", "m2", "m4"]
    # anything but "asc" is descending
    assert names(paging, {"X-Sort-Order": "ascending"})[1] == ["m4", "m2", "m5", "m1", "m3"]


def test_sort_key(paging: FednServer) -> None:
    assert names(paging, {"X-Sort-Key": "name", "X-Sort-Order": "asc"})[1] == [
        "m1", "m2", "m3", "m4", "m5"]
    assert names(paging, {"X-Sort-Key": "name"})[1] == ["m5", "m4", "m3", "m2", "m1"]
    # an unknown sort key is ignored (committed_at order)
    assert names(paging, {"X-Sort-Key": "bogus", "X-Sort-Order": "asc"})[1] == [
        "m3", "m1", "m5", "m2", "m4"]


def test_limit_and_skip_headers(paging: FednServer) -> None:
    by_name = {"X-Sort-Key": "name", "X-Sort-Order": "asc"}
    assert names(paging, {**by_name, "X-Limit": "2"}) == (5, ["m1", "m2"])
    assert names(paging, {**by_name, "X-Limit": "2", "X-Skip": "2"}) == (5, ["m3", "m4"])
    assert names(paging, {**by_name, "X-Skip": "2"}) == (5, ["m3", "m4", "m5"])
    assert names(paging, {**by_name, "X-Limit": "2", "X-Skip": "99"}) == (5, [])
    for bad in ("0", "-1", "abc", "1.5"):  # silently ignored
        assert names(paging, {**by_name, "X-Limit": bad}) == (5, ["m1", "m2", "m3", "m4", "m5"])
    assert names(paging, {**by_name, "X-Limit": "2", "X-Skip": "-1"}) == (5, ["m1", "m2"])


def test_filters(paging: FednServer) -> None:
    by_name = {"X-Sort-Key": "name", "X-Sort-Order": "asc"}
    assert names(paging, params={"name": "m1"}) == (1, ["m1"])
    assert names(paging, by_name, {"name__gt": "m2"}) == (3, ["m3", "m4", "m5"])
    assert names(paging, by_name, {"name__gte": "m2"}) == (4, ["m2", "m3", "m4", "m5"])
    assert names(paging, by_name, {"name__lt": "m2"}) == (1, ["m1"])
    assert names(paging, by_name, {"name__lte": "m2"}) == (2, ["m1", "m2"])
    assert names(paging, by_name, {"name__ne": "m2"}) == (4, ["m1", "m3", "m4", "m5"])
    assert names(paging, by_name, {"name__eq": "m2"}) == (1, ["m2"])
    assert names(paging, params={"bogus": "1"})[0] == 5  # unknown keys are ignored
    assert names(paging, params={"name__like": "m"})[0] == 5  # unknown operators too
    assert names(paging, params={"parent_model": "null"})[0] == 5
    assert names(paging, params={"model_id": "nope"}) == (0, [])
    api = paging.api
    assert requests.get(api + "/models/count", params={"name__gt": "m2"}).json() == 3
    # count ignores the paging headers
    assert requests.get(api + "/models/count", headers={"X-Limit": "1"}).json() == 5


def test_list_and_count_posts(paging: FednServer) -> None:
    api = paging.api
    r = requests.post(api + "/models/list", json={"name__gt": "m2"},
                      headers={"X-Limit": "1", "X-Sort-Key": "name", "X-Sort-Order": "asc"})
    assert r.status_code == 200
    assert r.json()["count"] == 3
    assert [m["name"] for m in r.json()["result"]] == ["m3"]
    assert requests.post(api + "/models/list", data={"name": "m2"}).json()["count"] == 1
    assert requests.post(api + "/models/count", data={"name": "m2"}).json() == 1
    assert requests.post(api + "/models/count", json={"name": "m2"}).json() == 1
    assert requests.post(api + "/models/list").json()["count"] == 5


# --------------------------------------------------------------------------- sessions


def test_session_create_shape(fedn_server: FednServer, http: requests.Session,
                              seeded: dict[str, Any]) -> None:
    seed_id = seeded["seed"]["model_id"]
    body = create_session(http, fedn_server.api, seed_id, "shape-session")
    assert set(body) == SESSION_KEYS
    assert set(body["session_config"]) == CONFIG_KEYS
    assert body["status"] == "Created" and body["name"] == "shape-session"
    assert body["seed_model_id"] == seed_id and UUID.match(body["session_id"])
    assert body["session_config"] == session_config(seed_id)
    assert RFC1123.match(body["committed_at"])
    got = http.get(f"{fedn_server.api}/sessions/{body['session_id']}")
    assert got.status_code == 200 and got.json() == body
    listed = http.get(fedn_server.api + "/sessions/", params={"name": "shape-session"}).json()
    assert listed == {"count": 1, "result": [body]}
    patched = http.patch(f"{fedn_server.api}/sessions/{body['session_id']}",
                         json={"name": "patched"})
    assert patched.status_code == 200 and patched.json()["name"] == "patched"


@pytest.mark.parametrize(("drop", "change", "message"), [
    ("aggregator", {}, "Class 'SessionConfigDTO' is missing field aggregator"),
    (None, {"clients_required": 0},
     "Validation failed for field 'clients_required' with message: Clients required is required"),
    (None, {"aggregator": ""},
     "Validation failed for field 'aggregator' with message: Aggregator is required"),
    (None, {"bogus": 1}, "Invalid object"),
])
def test_session_create_validation(fedn_server: FednServer, http: requests.Session,
                                   seeded: dict[str, Any], drop: str | None,
                                   change: dict[str, Any], message: str) -> None:
    cfg = session_config(seeded["seed"]["model_id"], **change)
    if drop:
        cfg.pop(drop)
    r = http.post(fedn_server.api + "/sessions/", json={"name": "bad", "session_config": cfg})
    assert r.status_code == 400
    assert r.json() == {"message": message}


def test_session_create_without_rounds(fedn_server: FednServer, http: requests.Session,
                                       seeded: dict[str, Any]) -> None:
    cfg = session_config(seeded["seed"]["model_id"])
    cfg.pop("rounds")
    r = http.post(fedn_server.api + "/sessions/", json={"name": "x", "session_config": cfg})
    # real: 500 (NOT NULL constraint failed: session_configs.rounds); LocalHub: a clear 400.
    assert r.status_code == (500 if fedn_server.real else 400)
    if not fedn_server.real:
        assert "rounds" in r.json()["message"]


def test_session_start_refusals(make_fedn_server: Callable[..., FednServer]) -> None:
    server = make_fedn_server(clients=0)
    api, s = server.api, server.session()
    upload_package(s, api)
    seed = upload_seed(s, api)
    session = create_session(s, api, seed["model_id"])
    sid = session["session_id"]

    def start(body: dict[str, Any]) -> requests.Response:
        return s.post(api + "/sessions/start", json=body)

    r = start({"session_id": sid, "rounds": 2, "round_timeout": 30})
    assert r.status_code == 400
    assert r.json() == {
        "message": "Number of available clients is lower than the required minimum of 1"}
    assert start({}).json() == {"message": "Session ID is required"}
    assert start({"session_id": "nope"}).json() == {
        "message": "Session with specified ID does not exist"}
    bad = start({"session_id": sid, "client_ids": ["a"]})
    assert bad.status_code == 400
    assert bad.json() == {"message": "client_ids must be a comma separated string"}
    assert s.get(f"{api}/sessions/{sid}").json()["status"] == "Created"
    assert s.get(server.url + "/get_controller_status").json() == {"state": "idle"}


# ------------------------------------------------------------------ predictions, attributes


def test_predictions_start(fedn_server: FednServer, http: requests.Session,
                           seeded: dict[str, Any]) -> None:
    api = fedn_server.api
    missing = http.post(api + "/predictions/start", json={})
    assert missing.status_code == 400 and missing.json() == {"message": "prediction_id is required"}
    unknown = http.post(api + "/predictions/start", json={"prediction_id": "p", "model_id": "nope"})
    assert unknown.status_code == 404 and unknown.json() == {"message": "Model nope not found"}
    ok = http.post(api + "/predictions/start",
                   json={"prediction_id": f"p-{uuid.uuid4().hex[:6]}",
                         "model_id": seeded["seed"]["model_id"]})
    assert ok.status_code == 200 and ok.json() == {"message": "Prediction session started"}


def test_attributes(fedn_server: FednServer, http: requests.Session) -> None:
    api = fedn_server.api
    key = f"k-{uuid.uuid4().hex[:6]}"
    r = http.post(api + "/attributes/", json={"key": key, "value": "v", "sender": SENDER})
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"attribute_id", "committed_at", "key", "sender", "timestamp",
                         "updated_at", "value"}
    assert body["key"] == key and body["value"] == "v" and body["sender"] == SENDER
    assert body["timestamp"] is None and RFC1123.match(body["committed_at"])
    assert http.get(f"{api}/attributes/{body['attribute_id']}").json() == body
    found = http.get(api + "/attributes/", params={"sender.name": "client0", "key": key}).json()
    assert found["count"] == 1
    assert http.get(api + "/attributes/", params={"sender.name": "nobody", "key": key}).json()[
        "count"] == 0
    missing = http.post(api + "/attributes/", json={"key": key})
    assert missing.status_code == 400
    assert missing.json() == {"message": "Class 'AttributeDTO' is missing field value"}
    current = http.post(api + "/attributes/current", json={"client_ids": ["c-unknown"]})
    assert current.status_code == 200
    assert current.json() == {"c-unknown": "Entity with client_id: c-unknown not found"}
    empty = http.post(api + "/attributes/current", json={})
    assert empty.status_code == 400
    assert empty.json() == {"message": "Missing required field: client_ids"}


def test_telemetry(fedn_server: FednServer, http: requests.Session) -> None:
    r = http.post(fedn_server.api + "/telemetry/",
                  json={"key": "cpu", "value": 0.5, "sender": SENDER})
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"committed_at", "key", "sender", "telemetry_id", "timestamp",
                         "updated_at", "value"}
    assert body["value"] == 0.5 and body["sender"] == SENDER


# --------------------------------------------------------------------------- clients, combiners


def test_client_config(fedn_server: FednServer) -> None:
    r = requests.get(fedn_server.api + "/clients/config", params={"checksum": "false"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"discover_host", "discover_port", "network_id"}
    assert body["discover_host"] == "127.0.0.1"
    assert body["discover_port"] == urlparse(fedn_server.url).port
    assert body["network_id"] == "fedn-network"


def test_client_and_combiner_404s(fedn_server: FednServer) -> None:
    api = fedn_server.api
    not_found(requests.get(api + "/clients/nope/attributes"), "nope")
    not_found(requests.delete(api + "/clients/nope"), "nope")
    not_found(requests.delete(api + "/combiners/nope"), "nope")
    r = requests.post(api + "/combiners/clients/count", json={})
    assert r.status_code == 200
    assert set(r.json()) == {"result"}
    for item in r.json()["result"]:
        assert set(item) == {"combiner", "count"}


def test_client_records(fedn_server: FednServer) -> None:
    body = requests.get(fedn_server.api + "/clients/").json()
    assert body["count"] == fedn_server.clients
    for client in body["result"]:
        assert set(client) == {"client_id", "combiner", "combiner_preferred", "committed_at", "ip",
                               "last_seen", "name", "package", "status", "updated_at"}
        assert client["status"] == "online" and RFC1123.match(client["last_seen"])


# --------------------------------------------------------------------------- auth


def test_auth_401_messages(fedn_auth_server: FednServer) -> None:
    server, url = fedn_auth_server, fedn_auth_server.api + "/models/"
    admin = server.make_token("admin")

    def msg(header: str | None) -> tuple[int, Any]:
        r = requests.get(url, headers={"Authorization": header} if header else {})
        return r.status_code, r.json()

    assert msg(None) == (401, {"message": "Missing token"})
    assert msg("Bearer " + admin) == (200, {"count": 0, "result": []})
    scheme = {"message": "Invalid token scheme, expected Bearer"}
    assert msg("Token " + admin) == (401, scheme)
    assert msg(admin) == (401, scheme)
    assert msg("bearer " + admin) == (401, scheme)
    invalid = (401, {"message": "Invalid token"})
    assert msg("Bearer " + server.make_token("client")) == invalid
    assert msg("Bearer garbage") == invalid
    from hub_sdk.testing.hs256 import make_token

    assert msg("Bearer " + make_token("wrong-secret")) == invalid
    assert msg("Bearer " + server.make_token("admin", exp=1)) == (401, {"message": "Token expired"})
    assert msg("Bearer " + make_token(server.jwt_secret or "", role="admin", expires_in=None)) == (
        200, {"count": 0, "result": []})


def test_auth_roles_and_open_routes(fedn_auth_server: FednServer) -> None:
    server = fedn_auth_server
    client = {"Authorization": "Bearer " + server.make_token("client")}
    admin = {"Authorization": "Bearer " + server.make_token("admin")}
    assert requests.get(server.url + "/health").text == "OK"
    assert requests.get(server.url + "/get_controller_status").status_code == 401
    assert requests.get(server.url + "/get_controller_status", headers=admin).json() == {
        "state": "idle"}
    assert requests.get(server.url + "/list_models").json() == {"message": "Missing token"}
    # client-role routes
    dl = requests.get(server.api + "/packages/download", headers=client)
    assert dl.status_code == 404 and dl.json() == {"message": "No active package"}
    assert requests.get(server.api + "/packages/download", headers=admin).status_code == 401
    assert requests.get(server.api + "/packages/checksum", headers=client).status_code == 404
    assert requests.post(server.api + "/clients/add", json={"client_id": "x"},
                         headers=admin).json() == {"message": "Invalid token"}
    add = requests.post(server.api + "/clients/add", json={"client_id": "x", "name": "x"},
                        headers=client)
    if server.real:  # no combiner connected to the loopback controller
        assert add.status_code == 400
        assert add.json() == {"success": False, "message": "No combiner available."}
    else:
        assert add.status_code == 200
        assert set(add.json()) == {"status", "host", "fqdn", "package", "ip", "port",
                                   "helper_type", "client_id"}
        assert add.json()["status"] == "assigned"
    # routing happens before auth: 308 and 404 need no token
    assert requests.get(server.api + "/models", allow_redirects=False).status_code == 308
    assert requests.get(server.url + "/nonexistent").status_code == 404
