"""Authentication, project scoping, the /tokens login and the recorded error shapes."""

from __future__ import annotations

import requests

from .conftest import Api

UNAUTH = {
    "meta": {
        "status": 401,
        "errors": [{"error_type": "unauthenticated", "message": "User should be logged in"}],
    }
}


def test_missing_and_wrong_token_are_401(local_hub_session):
    hub = local_hub_session
    r = requests.get(f"{hub.url}/api/v1/experiments", json={"limit": 1})
    assert r.status_code == 401 and r.json() == UNAUTH
    for key in ("project_api_token", "token", "cluster_api_token", "system_token"):
        r = requests.get(f"{hub.url}/api/v1/experiments", json={key: "wrong"})
        assert r.status_code == 401 and r.json() == UNAUTH


def test_every_token_kind_works(local_hub_session):
    hub = local_hub_session
    for key, token in (
        ("project_api_token", hub.project_token),
        ("cluster_api_token", hub.cluster_token),
        ("token", hub.user_token),
        ("system_token", hub.system_token),
    ):
        assert Api(hub, token, key).get("experiments").status_code == 200


def test_project_token_scopes_listings_and_objects(local_hub_session):
    hub = local_hub_session
    project = Api(hub)
    user = Api(hub, hub.user_token, "token")
    mine = project.get("experiments").json()
    everything = user.get("experiments").json()
    assert mine["meta"]["pagination"]["total"] == 3
    assert everything["meta"]["pagination"]["total"] == 4
    other = next(e for e in everything["data"] if e["project_id"] != 1)
    assert project.get(f"experiments/{other['id']}").status_code == 404
    assert user.get(f"experiments/{other['id']}").status_code == 200
    assert project.get("projects/2").status_code == 404
    assert [p["id"] for p in project.data("GET", "projects")] == [1]
    # a filter for another project gives an empty page, not a leak
    assert project.get("experiment_sessions", project_id=2).json()["data"] == []
    assert user.get("experiment_sessions", project_id=2).json()["meta"]["pagination"]["total"] == 1
    # a token issued for project 2 sees project 2 only
    second = Api(hub, hub.issue_token("project", project_id=2))
    assert second.get("experiments").json()["meta"]["pagination"]["total"] == 1


def test_tokens_login(local_hub_session):
    hub = local_hub_session
    r = requests.post(
        f"{hub.url}/api/v1/tokens", json={"email": hub.user_email, "password": hub.user_password}
    )
    assert r.status_code == 200
    data = r.json()["data"]
    assert (
        list(data) == ["token", "confirmation_required"] and data["confirmation_required"] is False
    )
    assert data["token"].count(".") == 2  # an HS256 JWT
    assert Api(hub, data["token"], "token").get("pod_logs", project_id=1).status_code == 200
    forged = data["token"][:-4] + ("AAAA" if not data["token"].endswith("AAAA") else "BBBB")
    assert Api(hub, forged, "token").get("experiments").status_code == 401


def test_tokens_wrong_password(local_hub_session):
    hub = local_hub_session
    r = requests.post(
        f"{hub.url}/api/v1/tokens", json={"email": hub.user_email, "password": "nope"}
    )
    assert r.status_code == 401
    assert r.json() == {
        "meta": {
            "status": 401,
            "errors": [{"error_type": "unauthenticated", "message": "Email or password incorrect"}],
        }
    }


def test_400_lists_one_error_per_param(shared_api):
    r = shared_api.post("dataset_manifests")
    assert r.status_code == 400
    assert r.json() == {
        "meta": {
            "status": 400,
            "errors": [
                {"error_type": "invalid_param", "error_param": p, "message": "is required"}
                for p in ("id", "name", "statistics")
            ],
        }
    }


def test_required_params(shared_api):
    for path, param in (
        ("pipelines", "trial_id"),
        ("experiment_sessions", "experiment_id"),
        ("endpoints", "pipeline_id"),
        ("experiments", "name"),
        ("organizations", "name"),
        ("hyperparameters", "algorithm_name"),
    ):
        r = shared_api.post(path)
        assert r.status_code == 400, path
        assert r.json()["meta"]["errors"][0]["error_param"] == param


def test_404_shape(shared_api):
    r = shared_api.delete("experiments/a0138f7adf78d6")
    assert r.status_code == 404
    assert r.json() == {
        "meta": {
            "status": 404,
            "errors": [{"message": "Couldn't find Experiment", "error_type": "not_found"}],
        }
    }
    assert shared_api.get("no_such_things").status_code == 404


def test_malformed_json_is_400_never_500(local_hub_session):
    hub = local_hub_session
    url = f"{hub.url}/api/v1/predictions"
    bodies = [
        b"{not json",
        b'{"records": [[NaN]]}',
        b'{"x": Infinity}',
        b'{"x": -Infinity}',
        b"[1, 2]",
        b"\xff\xfe",
        b'"just a string"',
    ]
    for raw in bodies:
        r = requests.post(url, data=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, raw
        assert r.json()["meta"]["errors"][0]["error_type"] == "invalid_param"


def test_bad_gzip_is_400(local_hub_session):
    hub = local_hub_session
    r = requests.post(
        f"{hub.url}/next_trials",
        data=b"not gzip",
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert r.status_code == 400


def test_invalid_records_echo_request_params_with_masked_token(shared_api):
    pipe = shared_api.data("GET", "pipelines", limit=1)[0]
    r = shared_api.post(
        "predictions", pipeline_id=pipe["id"], records=[[1, 2, 3], [1, 2]], features=["a", "b", "c"]
    )
    assert r.status_code == 400
    meta = r.json()["meta"]
    assert meta["errors"][0]["error_param"] == "records"
    assert meta["request_params"]["project_api_token"] == "****"
    assert shared_api.token not in r.text
