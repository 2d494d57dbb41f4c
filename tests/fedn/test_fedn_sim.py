"""Finished sessions on LocalHub's simulated FEDn network (combiners and clients needed).

These are marked ``fedn_network``: on the real loopback controller (SQLite, no combiner) they are
skipped, since no session can finish there.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from hub_sdk.testing.fedn_sim import npz_arrays

from .conftest import FednServer
from .helpers import SEED_ARRAYS, create_session, upload_package, upload_seed, wait_for

pytestmark = pytest.mark.fedn_network

ISO_Z = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"


def run_session(server: FednServer, rounds: int = 3, **start: Any) -> dict[str, Any]:
    """Upload a package and seed, create and start a session, wait until it is Finished."""
    api, s = server.api, server.session()
    upload_package(s, api)
    seed = upload_seed(s, api, "seed")
    session = create_session(s, api, seed["model_id"], "sim", rounds=rounds)
    sid = session["session_id"]
    r = s.post(api + "/sessions/start", json={"session_id": sid, **start})
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "Session started"}
    wait_for(lambda: s.get(f"{api}/sessions/{sid}").json()["status"] == "Finished", timeout=30)
    wait_for(lambda: s.get(server.url + "/get_controller_status").json()["state"] == "idle")
    return {"seed": seed, "session_id": sid, "http": s, "api": api}


def test_three_rounds_finish_with_a_model_chain(fresh_fedn_server: FednServer) -> None:
    started = time.monotonic()
    run = run_session(fresh_fedn_server, rounds=3)
    assert time.monotonic() - started < 10
    s, api, sid, seed = run["http"], run["api"], run["session_id"], run["seed"]

    models = s.get(api + "/models/", params={"session_id": sid},
                   headers={"X-Sort-Order": "asc"}).json()
    assert models["count"] == 3
    chain = models["result"]
    assert chain[0]["parent_model"] == seed["model_id"]
    for parent, child in itertools.pairwise(chain):
        assert child["parent_model"] == parent["model_id"]
    assert all(m["session_id"] == sid for m in chain)
    last = chain[-1]["model_id"]
    anc = s.get(f"{api}/models/{last}/ancestors", params={"include_self": "true"}).json()
    assert [m["model_id"] for m in anc] == [m["model_id"] for m in reversed(chain)] + [
        seed["model_id"]]
    desc = s.get(f"{api}/models/{seed['model_id']}/descendants").json()
    assert [m["model_id"] for m in desc] == [m["model_id"] for m in chain]

    payload = s.get(f"{api}/models/{last}/download").content
    arrays = npz_arrays(payload)
    assert [len(a) for a in arrays] == [len(a) for a in SEED_ARRAYS]
    assert arrays != SEED_ARRAYS

    rounds = s.get(api + "/rounds/", headers={"X-Sort-Order": "asc"}).json()
    assert [r["round_id"] for r in rounds["result"]] == ["1", "2", "3"]
    for rnd, model in zip(rounds["result"], chain):
        assert rnd["status"] == "Finished"
        assert rnd["round_config"]["session_id"] == sid
        assert set(rnd["round_data"]) == {"time_commit", "reduce"}
        assert rnd["combiners"][0]["model_id"] == model["model_id"]
        assert rnd["combiners"][0]["data"]["aggregation_time"]["nr_aggregated_models"] == 3
        assert all(isinstance(v, str) or v is None
                   for v in rnd["combiners"][0]["config"].values())

    session = s.get(f"{api}/sessions/{sid}").json()
    assert session["status"] == "Finished"
    assert session["session_config"]["model_id"] == last
    runs = s.get(api + "/runs/", params={"session_id": sid}).json()
    assert runs["count"] == 1
    assert runs["result"][0]["completed_at_model_id"] == last
    assert runs["result"][0]["rounds"] == 3


def test_validations_metrics_and_statuses(fresh_fedn_server: FednServer) -> None:
    run = run_session(fresh_fedn_server, rounds=3)
    s, api, sid = run["http"], run["api"], run["session_id"]

    vals = s.get(api + "/validations/", params={"session_id": sid},
                 headers={"X-Sort-Order": "asc"}).json()
    assert vals["count"] == 9  # 3 clients x 3 rounds
    first = vals["result"][0]
    assert set(first) == {"committed_at", "correlation_id", "data", "meta", "model_id",
                          "receiver", "sender", "session_id", "timestamp", "updated_at",
                          "validation_id"}
    assert re.match(ISO_Z, first["timestamp"])
    accuracy = [json.loads(v["data"])["test_accuracy"] for v in vals["result"]
                if v["sender"]["name"] == "client0"]
    assert accuracy == sorted(accuracy) and accuracy[0] < accuracy[-1]
    assert {"training_accuracy", "test_accuracy", "training_loss", "test_loss"} <= set(
        json.loads(first["data"]))

    metrics = s.get(api + "/metrics/", params={"session_id": sid, "key": "test_loss"}).json()
    assert metrics["count"] == 9
    assert {m["step"] for m in metrics["result"]} == {1, 2, 3}

    statuses = s.get(api + "/statuses/", params={"session_id": sid}).json()
    assert statuses["count"] > 0
    st = statuses["result"][0]
    assert {"status", "log_level", "type", "sender", "timestamp", "session_id"} <= set(st)
    assert re.match(ISO_Z, st["timestamp"])
    by_client = s.get(api + "/statuses/", params={"sender.name": "client1",
                                                   "session_id": sid}).json()
    assert by_client["count"] == 3
    assert all(x["sender"]["role"] == "client" for x in by_client["result"])


def test_model_name_prefix_and_rounds_override(fresh_fedn_server: FednServer) -> None:
    server = fresh_fedn_server
    api, s = server.api, server.session()
    upload_package(s, api)
    seed = upload_seed(s, api)
    sid = create_session(s, api, seed["model_id"], rounds=5)["session_id"]
    r = s.post(api + "/sessions/start",
               json={"session_id": sid, "rounds": 2, "model_name_prefix": "net"})
    assert r.status_code == 200
    wait_for(lambda: s.get(f"{api}/sessions/{sid}").json()["status"] == "Finished")
    names = [m["name"] for m in s.get(api + "/models/", params={"session_id": sid},
                                      headers={"X-Sort-Order": "asc"}).json()["result"]]
    assert names == ["net_1", "net_2"]


def test_monitoring_while_running_and_second_start_refused(
    make_fedn_server: Callable[..., FednServer],
) -> None:
    server = make_fedn_server()
    api, s = server.api, server.session()
    upload_package(s, api)
    seed = upload_seed(s, api)
    sid = create_session(s, api, seed["model_id"], rounds=40)["session_id"]
    assert s.post(api + "/sessions/start", json={"session_id": sid}).status_code == 200
    assert s.get(server.url + "/get_controller_status").json() == {"state": "monitoring"}
    again = s.post(api + "/sessions/start", json={"session_id": sid})
    assert again.status_code == 400
    assert again.json() == {"message": "A session is already running!"}
    # terminating the session stops it after the current round
    s.patch(f"{api}/sessions/{sid}", json={"status": "Terminated"})
    wait_for(lambda: s.get(server.url + "/get_controller_status").json()["state"] == "idle")
    assert s.get(f"{api}/sessions/{sid}").json()["status"] == "Terminated"
    assert s.get(api + "/models/count", params={"session_id": sid}).json() < 40


def test_start_refused_without_clients(make_fedn_server: Callable[..., FednServer]) -> None:
    server = make_fedn_server(clients=0)
    api, s = server.api, server.session()
    upload_package(s, api)
    seed = upload_seed(s, api)
    sid = create_session(s, api, seed["model_id"])["session_id"]
    r = s.post(api + "/sessions/start", json={"session_id": sid})
    assert r.status_code == 400
    assert r.json() == {
        "message": "Number of available clients is lower than the required minimum of 1"}
    assert requests.get(api + "/clients/").json() == {"count": 0, "result": []}


def test_clients_required_above_online_clients(fresh_fedn_server: FednServer) -> None:
    api, s = fresh_fedn_server.api, fresh_fedn_server.session()
    upload_package(s, api)
    seed = upload_seed(s, api)
    sid = create_session(s, api, seed["model_id"], clients_required=4)["session_id"]
    r = s.post(api + "/sessions/start", json={"session_id": sid})
    assert r.json() == {
        "message": "Number of available clients is lower than the required minimum of 4"}


def test_predictions_from_online_clients(fresh_fedn_server: FednServer) -> None:
    api, s = fresh_fedn_server.api, fresh_fedn_server.session()
    upload_package(s, api)
    seed = upload_seed(s, api)
    r = s.post(api + "/predictions/start", json={"prediction_id": "pred-1"})
    assert r.status_code == 200
    preds = s.get(api + "/predictions/", params={"correlation_id": "pred-1"}).json()
    assert preds["count"] == 3
    assert all(p["model_id"] == seed["model_id"] for p in preds["result"])
