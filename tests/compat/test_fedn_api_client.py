"""``hub_sdk.compat.fedn.APIClient``: the published fedn 0.33.0 APIClient's methods and dicts."""

from __future__ import annotations

import ast
import inspect
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import responses

from hub_sdk.compat.fedn import APIClient
from hub_sdk.testing.fedn_local.npz import npz_bytes
from tests.fedn.conftest import (  # noqa: F401 - fixtures
    BACKEND,
    FednServer,
    fedn_server,
    make_fedn_server,
)
from tests.fedn.helpers import SEED_ARRAYS, package_bytes, wait_for

REPO = Path(__file__).resolve().parents[2]
PUBLISHED = sorted(REPO.glob(".fedn-venv/lib/python3*/site-packages/fedn/network/api/client.py"))

network = pytest.mark.skipif(
    BACKEND == "real", reason="needs a full FEDn network (combiners and clients finishing sessions)"
)


def client_for(server: FednServer) -> APIClient:
    """An APIClient for ``server``, given as the published client takes it (host, port)."""
    host, port = server.url.split("://", 1)[1].rsplit(":", 1)
    return APIClient(host, port=int(port), token=server.token, max_retries=0)


@pytest.fixture(scope="module")
def api(fedn_server: FednServer) -> APIClient:  # noqa: F811
    return client_for(fedn_server)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("compat-fedn")
    (folder / "package.tgz").write_bytes(package_bytes())
    (folder / "seed.npz").write_bytes(npz_bytes(SEED_ARRAYS))
    return {"package": str(folder / "package.tgz"), "seed": str(folder / "seed.npz")}


@pytest.fixture(scope="module")
def seeded(api: APIClient, files: dict[str, str]) -> dict[str, Any]:
    assert api.set_active_package(files["package"], "numpyhelper", "compat-pkg") == {
        "message": "Package uploaded"
    }
    assert api.set_active_model(files["seed"]) == {
        "success": True,
        "message": "Model added successfully",
    }
    model = api.get_active_model()
    assert "model_id" in model
    return dict(model)


@pytest.mark.skipif(not PUBLISHED, reason="fedn==0.33.0 is not installed in .fedn-venv")
def test_every_published_method_exists_with_the_same_parameters() -> None:
    tree = ast.parse(PUBLISHED[0].read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "APIClient")
    methods = [f for f in cls.body if isinstance(f, ast.FunctionDef) and not f.name.startswith("_")]
    assert len(methods) > 40
    for fn in methods:
        ours = getattr(APIClient, fn.name, None)
        assert ours is not None, fn.name
        params = [
            p for p in inspect.signature(ours).parameters.values() if p.kind is not p.KEYWORD_ONLY
        ][1:]
        assert [p.name for p in params] == [a.arg for a in fn.args.args[1:]], fn.name
        defaults = [ast.literal_eval(d) for d in fn.args.defaults]
        if defaults:
            assert [p.default for p in params[-len(defaults) :]] == defaults, fn.name
    init = next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
    sig = inspect.signature(APIClient.__init__)
    assert [a.arg for a in init.args.args] == [
        p.name for p in sig.parameters.values() if p.kind is not p.KEYWORD_ONLY
    ]


def test_model_before_package_is_a_failure_dict(make_fedn_server, files) -> None:  # noqa: F811
    api = client_for(make_fedn_server(clients=0))
    answer = api.set_active_model(files["seed"])
    assert answer["success"] is False and "package" in answer["message"]
    assert api.get_models() == {"count": 0, "result": []}
    assert api.get_models_count() == 0


def test_packages(api: APIClient, seeded: dict[str, Any], tmp_path: Path) -> None:
    active = api.get_active_package()
    assert active["name"] == "compat-pkg" and active["helper"] == "numpyhelper"
    assert active["description"]  # the published client would send "" and get a 400
    packages = api.get_packages()
    assert set(packages) == {"count", "result"} and packages["count"] >= 1
    assert api.get_package(active["package_id"])["package_id"] == active["package_id"]
    assert api.get_packages_count() == packages["count"]
    assert isinstance(api.get_package_checksum(), dict)


def test_models_listing_paging_and_errors(
    api: APIClient, seeded: dict[str, Any], files: dict[str, str]
) -> None:
    for _ in range(4):
        api.set_active_model(files["seed"])
    everything = api.get_models()
    assert everything["count"] == len(everything["result"]) >= 5
    first = api.get_models(n_max=2)
    second = api.get_models(n_max=2, skip=2)
    assert first["count"] == everything["count"] and len(first["result"]) == 2
    ids = [m["model_id"] for m in first["result"] + second["result"]]
    assert ids == [m["model_id"] for m in everything["result"][:4]]
    assert api.get_model(seeded["model_id"])["model_id"] == seeded["model_id"]
    assert api.get_model("no-such-model") == {"message": "Entity with id: no-such-model not found"}
    assert api.get_session("nope")["message"].startswith("Entity with id")
    assert api.get_session() == {"message": "No id or name provided."}
    assert api.get_session(name="no-such-name") == {"message": "Session not found."}


def test_model_trail_and_download(api: APIClient, seeded: dict[str, Any], tmp_path: Path) -> None:
    trail = api.get_model_trail(seeded["model_id"])
    assert [m["model_id"] for m in trail] == [seeded["model_id"]]
    assert api.get_model_trail(seeded["model_id"], include_self=False) == []
    target = tmp_path / "seed.npz"
    assert api.download_model(seeded["model_id"], str(target)) == {
        "success": True,
        "message": "Model downloaded successfully.",
    }
    assert target.read_bytes()[:2] == b"PK"
    assert api.download_model("no-such-model", str(tmp_path / "x")) == {
        "success": False,
        "message": "Failed to download model.",
    }


def test_network_and_controller(api: APIClient) -> None:
    assert api.get_controller_status()["state"] in ("idle", "monitoring")
    config = api.get_client_config(checksum=False)
    assert {"discover_host", "discover_port", "network_id"} <= set(config)
    for listing in (
        api.get_clients(),
        api.get_combiners(),
        api.get_active_clients(),
        api.get_rounds(),
        api.get_statuses(),
        api.get_validations(),
        api.get_predictions(),
        api.get_sessions(),
    ):
        assert set(listing) == {"count", "result"}
    assert isinstance(api.get_clients_count(), int)
    assert isinstance(api.get_combiners_count(), int)
    assert isinstance(api.get_rounds_count(), int)
    assert isinstance(api.get_statuses_count(), int)
    assert isinstance(api.get_validations_count(), int)
    assert isinstance(api.get_sessions_count(), int)


def test_attributes(api: APIClient) -> None:
    added = api.add_attributes(
        {
            "key": "charging",
            "value": "true",
            "sender": {"name": "", "role": "", "client_id": "compat-c"},
        }
    )
    assert added["key"] == "charging" and "attribute_id" in added
    assert "compat-c" in api.get_current_attributes("compat-c")
    with pytest.raises(ValueError):
        api.get_current_attributes([])
    with pytest.raises(ValueError):
        api.get_current_attributes(42)  # type: ignore[arg-type]


def test_start_session_is_refused_without_clients(make_fedn_server, files) -> None:  # noqa: F811
    api = client_for(make_fedn_server(clients=0))
    api.set_active_package(files["package"], "numpyhelper", "p", "d")
    api.set_active_model(files["seed"])
    name = f"compat-{uuid.uuid4().hex[:6]}"
    answer = api.start_session(name=name, rounds=2)
    assert "session_id" in answer  # created (with rounds in its config), then refused
    assert "clients" in answer["message"]
    session = api.get_session(name=name)
    assert session["session_id"] == answer["session_id"]
    assert session["session_config"]["rounds"] == 2
    assert api.get_session_status(answer["session_id"]) == "Created"
    assert api.session_is_finished(answer["session_id"]) is False
    assert api.continue_session(answer["session_id"]) == {"message": "Session is already running."}
    assert api.continue_session("") == {"message": "No session id provided."}
    assert api.start_predictions(model_id=api.get_active_model()["model_id"])["message"]


@pytest.mark.fedn_network
@network
def test_start_session_runs_to_the_end(api: APIClient, seeded: dict[str, Any]) -> None:
    answer = api.start_session(
        name=f"compat-run-{uuid.uuid4().hex[:6]}", rounds=2, model_id=seeded["model_id"]
    )
    assert answer == {"message": "Session started", "session_id": answer["session_id"]}
    sid = answer["session_id"]
    wait_for(lambda: api.session_is_finished(sid), timeout=60)
    models = api.get_models(session_id=sid)
    assert models["count"] == 2
    trail = api.get_model_trail()
    assert trail[0]["model_id"] == seeded["model_id"] and len(trail) == 3
    latest = trail[-1]["model_id"]
    # Stored after the session reads finished: a caller of the published client must poll.
    wait_for(lambda: api.get_validations(model_id=latest)["count"] == 3)
    validations = api.get_validations(model_id=latest)
    assert all(v["model_id"] == latest for v in validations["result"])
    wait_for(lambda: api.get_validations(session_id=sid, n_max=1)["count"] == 6)
    assert api.continue_session(sid, rounds=1)["message"] == "Session started"
    wait_for(
        lambda: api.session_is_finished(sid) and api.get_controller_status()["state"] == "idle",
        timeout=60,
    )
    assert api.get_models(session_id=sid)["count"] == 3
    by_role = api.get_statuses(session_id=sid, sender_role="client")  # stored as "CLIENT"
    assert by_role["count"] > 0 and {s["sender"]["role"] for s in by_role["result"]} == {"CLIENT"}


@responses.activate
def test_filters_use_the_keys_the_server_reads() -> None:
    api = APIClient("fedn.test", max_retries=0)
    responses.get("http://fedn.test/api/v1/validations/", json={"count": 0, "result": []})
    responses.get("http://fedn.test/api/v1/predictions/", json={"count": 0, "result": []})
    api.get_validations(session_id="s", model_id="m", correlation_id="c", sender_name="n")
    api.get_predictions(model_id="m", correlation_id="c")
    v, p = (c.request.url for c in responses.calls)
    assert "session_id=s" in v and "model_id=m" in v and "correlation_id=c" in v
    assert "sender.name=n" in v and "sessionId" not in v
    assert "model_id=m" in p and "modelId" not in p


@responses.activate
def test_start_session_sends_rounds_and_retries_reads() -> None:
    api = APIClient(
        "https://fedn.test:8443", verify=True, token="Bearer secret-token", max_retries=2
    )
    base = "https://fedn.test:8443/api/v1"
    responses.get(
        base + "/helpers/active", status=503, json={"message": "busy"}, headers={"Retry-After": "0"}
    )
    responses.get(base + "/helpers/active", json="numpyhelper")
    # The statestore probe: a filter on a field no model has matches everything on SQL.
    responses.get(base + "/models/count", json=3)
    responses.post(base + "/sessions/", status=201, json={"session_id": "s1"})
    responses.post(base + "/sessions/start", json={"message": "Session started"})
    answer = api.start_session(
        model_id="m1", rounds=7, aggregator="fedopt", aggregator_kwargs={"learning_rate": 0.1}
    )
    assert answer == {"message": "Session started", "session_id": "s1"}
    created = responses.calls[3].request
    assert created.headers["Authorization"] == "Bearer secret-token"
    assert b'"rounds":7' in created.body
    assert b'"aggregator_kwargs":"{\\"learning_rate\\": 0.1}"' in created.body  # text on SQL
    assert b'"helper_type":"numpyhelper"' in created.body
    assert "secret-token" not in repr(api)


@responses.activate
def test_start_session_sends_an_object_to_mongodb_and_refuses_what_breaks_a_controller() -> None:
    api = APIClient("fedn.test", max_retries=0)
    base = "http://fedn.test/api/v1"
    responses.get(base + "/helpers/active", json="numpyhelper")
    # MongoDB: the probe filter matches nothing, though models exist.
    responses.get(base + "/models/count", json=0)
    responses.get(base + "/models/count", json=2)
    responses.post(base + "/sessions/", status=201, json={"session_id": "s1"})
    responses.post(base + "/sessions/start", json={"message": "Session started"})
    kwargs = {"serveropt": "yogi", "learning_rate": 0.5}
    answer = api.start_session(model_id="m1", aggregator="fedopt", aggregator_kwargs=kwargs)
    assert answer["session_id"] == "s1"
    created = json.loads(responses.calls[3].request.body)
    assert created["session_config"]["aggregator_kwargs"] == kwargs  # an object, as published
    sent = len(responses.calls)
    for bad in ({"aggregator": "fedprox"}, {"rounds": 0}, {"round_timeout": "x"}):
        refused = api.start_session(model_id="m1", **bad)
        assert set(refused) == {"message"} and next(iter(bad)) in refused["message"]
    assert len(responses.calls) == sent + 3  # only the helper lookups: nothing created


def test_start_session_defaults_are_the_session_config_defaults() -> None:
    from hub_sdk.fedn import SessionConfig

    sig = inspect.signature(APIClient.start_session).parameters
    cfg = SessionConfig()
    assert (sig["aggregator"].default, sig["round_timeout"].default, sig["rounds"].default) == (
        cfg.aggregator, cfg.round_timeout, cfg.rounds)
    assert (sig["round_buffer_size"].default, sig["delete_models"].default) == (
        cfg.buffer_size, cfg.delete_models_storage)
    assert (sig["validate"].default, sig["min_clients"].default) == (
        cfg.validate_, cfg.clients_required)
    assert sig["requested_clients"].default == cfg.requested_clients


def test_listing_keeps_paging_when_the_server_caps_page_size() -> None:
    models = [{"model_id": f"m{i}", "model": f"m{i}"} for i in range(5)]

    def capped(request):  # at most 2 per page, whatever X-Limit asks
        skip = int(request.headers.get("X-Skip", 0))
        return 200, {}, json.dumps({"count": len(models), "result": models[skip : skip + 2]})

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, "http://fedn.test/api/v1/models/", callback=capped)
        client = APIClient(host="fedn.test")
        result = client.get_models()
        assert result["count"] == 5
        assert [m["model_id"] for m in result["result"]] == [m["model_id"] for m in models]
        page = client.get_models(n_max=3, skip=1)["result"]
        assert [m["model_id"] for m in page] == ["m1", "m2", "m3"]
