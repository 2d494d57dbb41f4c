"""Finished sessions over raw HTTP: what a network leaves in the controller's statestore.

Marked ``fedn_network``: they run on LocalHub's simulated network (``make test``) and on a real
FEDn network with real clients (``make test-fedn-network``); the real loopback controller
without a combiner (``make test-fedn``) skips them, since no session can finish there.
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

from hub_sdk.testing.fedn_local.npz import npz_arrays

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
    wait_for(lambda: s.get(f"{api}/sessions/{sid}").json()["status"] == "Finished", timeout=60)
    wait_for(lambda: s.get(server.url + "/get_controller_status").json()["state"] == "idle")
    # The controller stores the last round's validations after it marks the session Finished.
    expected = rounds * server.clients
    wait_for(lambda: s.get(api + "/validations/count", params={"session_id": sid}).json()
             >= expected)
    return {"seed": seed, "session_id": sid, "http": s, "api": api}


def test_three_rounds_finish_with_a_model_chain(fresh_fedn_server: FednServer) -> None:
    started = time.monotonic()
    run = run_session(fresh_fedn_server, rounds=3)
    assert time.monotonic() - started < 60
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
    # In no promised order: SQL stores list them oldest first, MongoDB newest first.
    assert sorted(m["model_id"] for m in desc) == sorted(m["model_id"] for m in chain)

    payload = s.get(f"{api}/models/{last}/download").content
    step = sum(i * i for i in range(1, 4)) / 6  # FedAvg of clients 1..3 (delta i, i examples)
    assert npz_arrays(payload) == [pytest.approx([v + 3 * step for v in a]) for a in SEED_ARRAYS]

    rounds = s.get(api + "/rounds/", headers={"X-Sort-Order": "asc"}).json()
    assert [r["round_id"] for r in rounds["result"]] == ["1", "2", "3"]
    for rnd, model in zip(rounds["result"], chain):
        assert rnd["status"] == "Finished"
        assert rnd["round_config"]["session_id"] == sid
        assert set(rnd["round_data"]) == {"time_commit", "reduce"}
        # The combiner reports a temporary aggregate; the controller commits it under a new id
        # whose parent is the model the round started from.
        aggregate = rnd["combiners"][0]["model_id"]
        assert aggregate != model["model_id"]
        assert s.get(f"{api}/models/{aggregate}").status_code == 404
        assert model["parent_model"] == rnd["round_config"]["model_id"]
        assert rnd["combiners"][0]["data"]["aggregation_time"]["nr_aggregated_models"] == 3
        reported = rnd["combiners"][0]["config"]
        for key in ("round_timeout", "rounds", "validate", "buffer_size", "aggregator_kwargs"):
            assert isinstance(reported[key], str), (key, reported[key])  # "60", "True", "None"

    wait_for(lambda: s.get(f"{api}/sessions/{sid}").json()["session_config"]["model_id"] == last)
    session = s.get(f"{api}/sessions/{sid}").json()
    assert session["status"] == "Finished"
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
    distance = [json.loads(v["data"])["distance"] for v in vals["result"]
                if v["sender"]["name"] == "client1"]
    assert distance == sorted(distance, reverse=True) and len(distance) == 3  # nearer each round
    assert set(json.loads(first["data"])) == {"mean_weight", "distance", "examples"}
    assert {v["sender"]["role"] for v in vals["result"]} == {"CLIENT"}
    assert {v["receiver"]["role"] for v in vals["result"]} == {"COMBINER"}

    statuses = s.get(api + "/statuses/", params={"session_id": sid}).json()
    assert statuses["count"] > 0
    st = statuses["result"][0]
    assert {"status", "log_level", "type", "sender", "timestamp", "session_id"} <= set(st)
    assert re.match(ISO_Z, st["timestamp"])
    by_client = s.get(api + "/statuses/", params={"sender.name": "client1",
                                                   "session_id": sid}).json()
    types = [x["type"] for x in by_client["result"]]
    assert types.count("MODEL_VALIDATION") >= 3 and types.count("MODEL_UPDATE") >= 6
    assert all(x["sender"]["role"] == "CLIENT" for x in by_client["result"])  # upper case
    lower = s.get(api + "/statuses/", params={"sender.role": "client", "session_id": sid})
    assert lower.json()["count"] == 0  # the controller matches roles exactly


def test_model_name_prefix_and_rounds_override(fresh_fedn_server: FednServer) -> None:
    server = fresh_fedn_server
    api, s = server.api, server.session()
    upload_package(s, api)
    seed = upload_seed(s, api)
    sid = create_session(s, api, seed["model_id"], rounds=5)["session_id"]
    r = s.post(api + "/sessions/start",
               json={"session_id": sid, "rounds": 2, "model_name_prefix": "net"})
    assert r.status_code == 200
    wait_for(lambda: s.get(f"{api}/sessions/{sid}").json()["status"] == "Finished", timeout=60)
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
    # Answered before the session thread runs: "Created" a moment longer, then "Started".
    wait_for(lambda: s.get(f"{api}/sessions/{sid}").json()["status"] == "Started")
    assert s.get(server.url + "/get_controller_status").json() == {"state": "monitoring"}
    again = s.post(api + "/sessions/start", json={"session_id": sid})
    assert again.status_code == 400
    assert again.json() == {"message": "A session is already running!"}
    # terminating the session stops it after the current round
    s.patch(f"{api}/sessions/{sid}", json={"status": "Terminated"})
    wait_for(lambda: s.get(server.url + "/get_controller_status").json()["state"] == "idle",
             timeout=60)
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


def test_a_prediction_stores_one_answer(make_fedn_server: Callable[..., FednServer]) -> None:
    # One client: fedn 0.33.0 keys answers by prediction_id, so a second client's answer is
    # refused ("Entity with id ... already exists") and that client process crashes.
    server = make_fedn_server(clients=1)
    api, s = server.api, server.session()
    upload_package(s, api)
    seed = upload_seed(s, api)
    # With the model named: on MongoDB, fedn 0.33.0's prediction thread fails without one.
    r = s.post(api + "/predictions/start",
               json={"prediction_id": "pred-1", "model_id": seed["model_id"]})
    assert r.status_code == 200
    wait_for(lambda: s.get(api + "/predictions/count",
                           params={"prediction_id": "pred-1"}).json() == 1)
    answer = s.get(api + "/predictions/pred-1").json()
    assert answer["model_id"] == seed["model_id"] and answer["sender"]["role"] == "CLIENT"
    mean = sum(v for a in SEED_ARRAYS for v in a) / 4
    assert json.loads(answer["data"]) == {"prediction": mean}
