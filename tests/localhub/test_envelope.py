"""Envelopes, pagination, parameter transport, id kinds and timestamp formats."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_single_object_envelope(shared_api):
    r = shared_api.get("projects/1")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    body = r.json()
    assert list(body) == ["data", "meta"]
    assert body["meta"] == {"status": 200}
    assert list(body["data"])[:3] == ["object", "deleted", "id"]
    assert body["data"]["object"] == "project" and body["data"]["deleted"] is False


def test_listing_envelope_and_pagination_keys(shared_api):
    body = shared_api.get("experiments").json()
    assert list(body) == ["data", "meta"]
    assert list(body["meta"]) == ["status", "pagination"]
    assert list(body["meta"]["pagination"]) == ["limit", "offset", "count", "total"]
    page = body["meta"]["pagination"]
    assert (page["limit"], page["offset"]) == (50, 0)
    assert page["count"] == len(body["data"]) == page["total"]


def test_every_response_has_a_request_id(shared_api):
    ids = set()
    for path in ("projects", "projects/999999", "nope"):
        r = shared_api.get(path)
        ids.add(str(uuid.UUID(r.headers["X-Request-Id"])))
    assert len(ids) == 3


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 50, 97, 1000])
def test_pagination_covers_every_item_exactly_once(shared_api, limit):
    seen, offset, total = [], 0, None
    while True:
        body = shared_api.get("trials", limit=limit, offset=offset).json()
        page = body["meta"]["pagination"]
        assert page["limit"] == limit and page["offset"] == offset
        assert page["count"] == len(body["data"]) <= limit
        total = page["total"] if total is None else total
        assert page["total"] == total
        if page["count"] == 0:
            break
        seen += [t["id"] for t in body["data"]]
        offset += page["count"]
    assert len(seen) == len(set(seen)) == total > 0


def test_limit_is_capped_and_reported(shared_api):
    body = shared_api.get("hyperparameters", limit=5000).json()
    page = body["meta"]["pagination"]
    assert page["limit"] == 1000 and page["count"] == len(body["data"]) == min(1000, page["total"])


def test_offset_past_the_end_is_an_empty_page(shared_api):
    body = shared_api.get("dataset_manifests", limit=1, offset=3).json()
    assert body["data"] == []
    assert body["meta"]["pagination"] == {"limit": 1, "offset": 3, "count": 0, "total": 3}


@pytest.mark.parametrize("bad", [-1, "x", 1.5])
def test_bad_limit_is_400(shared_api, bad):
    r = shared_api.get("trials", limit=bad)
    assert r.status_code == 400
    assert r.json()["meta"]["errors"][0]["error_param"] == "limit"


def test_query_string_params_and_token(local_hub_session):
    hub = local_hub_session
    r = requests.get(
        f"{hub.url}/api/v1/trials?limit=3&offset=2&project_api_token={hub.project_token}"
    )
    assert r.status_code == 200
    assert r.json()["meta"]["pagination"]["limit"] == 3
    assert r.json()["meta"]["pagination"]["offset"] == 2


def test_body_wins_over_query_string(local_hub_session):
    hub = local_hub_session
    r = requests.get(
        f"{hub.url}/api/v1/trials?limit=3",
        json={"limit": 4, "project_api_token": hub.project_token},
    )
    assert r.json()["meta"]["pagination"]["limit"] == 4


def test_filters_in_body_on_get(shared_api):
    sessions = shared_api.data("GET", "experiment_sessions")
    sid = sessions[0]["id"]
    body = shared_api.get("trials", experiment_session_id=sid, limit=1000).json()
    assert body["data"] and all(t["experiment_session_id"] == sid for t in body["data"])
    assert (
        body["meta"]["pagination"]["total"]
        < shared_api.get("trials").json()["meta"]["pagination"]["total"]
    )
    # the recorded filter: experiment_sessions by project_id
    assert (
        shared_api.get("experiment_sessions", project_id=1).json()["meta"]["pagination"]["total"]
        == 6
    )


def test_id_kinds(shared_api):
    assert isinstance(shared_api.data("GET", "organizations")[0]["id"], int)
    assert isinstance(shared_api.data("GET", "projects")[0]["id"], int)
    trial = shared_api.data("GET", "trials", limit=1)[0]
    assert isinstance(trial["id"], str) and isinstance(trial["hyperparameter"]["id"], int)
    endpoint = shared_api.data("GET", "endpoints")[0]
    uuid.UUID(endpoint["id"])
    assert isinstance(endpoint["project_id"], int)
    assert isinstance(endpoint["endpoint_pipelines"][0]["id"], int)
    assert shared_api.data("GET", "instance_types")[0]["id"] == "t2.medium"
    group = shared_api.data("GET", "prediction_groups", limit=1)[0]
    uuid.UUID(group["id"])
    assert isinstance(shared_api.data("GET", "experiment_sessions")[0]["experiment_id"], str)


def test_timestamps_are_iso_utc_with_millis(shared_api):
    for path in ("experiments", "experiment_sessions", "trials", "pipelines", "endpoints"):
        for item in shared_api.data("GET", path, limit=5):
            assert ISO_MS.match(item["created_at"]), item["created_at"]
            assert ISO_MS.match(item["updated_at"]), item["updated_at"]


def test_int_id_path_with_garbage_is_404(shared_api):
    r = shared_api.get("projects/abc")
    assert r.status_code == 404
    assert r.json() == {
        "meta": {
            "status": 404,
            "errors": [{"message": "Couldn't find Project", "error_type": "not_found"}],
        }
    }


def test_head_request(local_hub_session):
    hub = local_hub_session
    r = requests.head(f"{hub.url}/api/v1/projects?project_api_token={hub.project_token}")
    assert r.status_code == 200 and r.content == b""
