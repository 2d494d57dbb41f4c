"""The drop-in ``HubApiClient``: the seed's methods, envelopes and exceptions against LocalHub."""

from __future__ import annotations

import gzip
import json
import socket

import pytest

from hub_sdk.compat import HubApiClient


@pytest.fixture
def client(local_hub):
    return HubApiClient(
        hub_app_url=local_hub.url,
        hub_project_api_token=local_hub.project_token,
        optimizers_url=local_hub.optimizers_url,
        retries_count=2,
        retry_wait_seconds=0,
    )


@pytest.fixture
def ro_client(local_hub_session):
    hub = local_hub_session
    return HubApiClient(
        hub_app_url=hub.url,
        hub_project_api_token=hub.project_token,
        optimizers_url=hub.optimizers_url,
        retry_wait_seconds=0,
    )


def test_constructor_and_token_priority(local_hub_session):
    hub = local_hub_session
    both = HubApiClient(
        hub_app_url=hub.url,
        token=hub.user_token,
        hub_project_api_token=hub.project_token,
        hub_cluster_api_token=hub.cluster_token,
    )
    assert both.tokens_payload() == {"project_api_token": hub.project_token}
    assert hub.project_token not in repr(both)
    user = HubApiClient(hub_app_url=hub.url, token=hub.user_token)
    assert user.tokens_payload() == {"token": hub.user_token}
    cluster = HubApiClient(hub_app_url=hub.url, hub_cluster_api_token=hub.cluster_token)
    assert cluster.get_experiments()["meta"]["pagination"]["total"] >= 4
    assert both.retries_count == 5 and both.retry_wait_seconds == 5
    with pytest.raises(KeyError):
        HubApiClient(hub_project_api_token="x")


def test_every_documented_method_exists():
    for name, options in HubApiClient.API_SCHEMA.items():
        ending = "es" if name.endswith(("us", "ch")) else "s"
        verbs = [a for a in options["actions"] if isinstance(a, str)]
        expected = {
            "index": [f"get_{name}{ending}", f"iterate_all_{name}{ending}"],
            "show": [f"get_{name}"],
            "create": [f"create_{name}"],
            "update": [f"update_{name}"],
            "delete": [f"delete_{name}"],
        }
        for verb in verbs:
            for method in expected[verb]:
                assert callable(getattr(HubApiClient, method)), method
    specific = (
        "update_trials get_project_logs deploy_project undeploy_project get_status delete_actuals"
        " refit_trial get_next_trials get_next_trials_v2 get_fte create_token"
        " get_project_file_url delete_endpoint_actuals create_endpoint_roi_validation"
    )
    for method in specific.split():
        assert callable(getattr(HubApiClient, method)), method


def test_listing_show_and_envelopes(ro_client):
    res = ro_client.get_experiments()
    assert set(res) == {"data", "meta"}
    assert res["meta"]["pagination"] == {"limit": 50, "offset": 0, "count": 3, "total": 3}
    first = res["data"][0]
    assert first["object"] == "experiment" and isinstance(first, dict)
    page = ro_client.get_trials(offset=10, limit=5)
    assert page["meta"]["pagination"]["offset"] == 10 and len(page["data"]) == 5
    shown = ro_client.get_experiment(first["id"])
    assert shown == {"data": shown["data"], "meta": {"status": 200}}
    assert shown["data"]["id"] == first["id"]
    filtered = ro_client.get_experiment_sessions(project_id=1)
    assert all(s["project_id"] == 1 for s in filtered["data"])


def test_iterate_all_calls_the_handler_for_every_item_with_big_pages(ro_client, local_hub_session):
    seen = []
    local_hub_session.reset_stats()
    ro_client.iterate_all_trials(seen.append)
    total = ro_client.get_trials(limit=1)["meta"]["pagination"]["total"]
    assert len(seen) == total and len({t["id"] for t in seen}) == total
    assert all(isinstance(t, dict) and t["object"] == "trial" for t in seen)
    requests = local_hub_session.stats["requests"].get("GET /api/v1/trials", 0)
    assert requests <= 2  # the seed needed total/50 + 1 requests
    small = []
    ro_client.iterate_all_dataset_manifests(small.append, limit=1)
    assert len(small) == ro_client.get_dataset_manifests()["meta"]["pagination"]["total"]


def test_create_update_delete(client):
    org = client.create_organization(name="my-organization")["data"]
    assert org["object"] == "organization" and org["status"] == "created"
    assert (
        client.update_organization(org["id"], is_jupyter_enabled=False)["data"][
            "is_jupyter_enabled"
        ]
        is False
    )
    assert client.delete_organization(org["id"])["data"]["status"] == "terminating"
    exp = client.create_experiment(id="a0138f7adf78d6", name="test")["data"]
    assert client.update_experiment(exp["id"], name="renamed")["data"]["name"] == "renamed"
    assert client.delete_experiment(exp["id"])["data"]["deleted"] is True
    manifest = client.create_dataset_manifest(id=100500, name="test", statistics={"x": 1})
    assert manifest["data"]["id"] == "100500"


def test_specific_requests(client):
    project = client.deploy_project(1, worker_type_id=1, workers_count=2)["data"]
    assert project["status"] == "deploying"
    assert client.get_status(object="Project", id=1)["data"] == {"status": "deployed"}
    assert client.undeploy_project(1)["data"]["status"] == "undeploying"
    logs = client.get_project_logs(1)
    assert isinstance(logs, str) and "INFO" in logs
    session = client.get_experiment_sessions(project_id=1)["data"][0]
    trial = client.get_trials(experiment_session_id=session["id"], limit=1)["data"][0]
    updated = client.update_trials(
        experiment_session_id=session["id"],
        trials=[{"uid": "3D1E99741D37422", "algorithm_name": "SVM", "score": 0.96}],
    )
    assert [t["id"] for t in updated["data"]] == ["3D1E99741D37422"]
    assert "pagination" not in updated["meta"]
    refit = client.refit_trial(trial["id"], "s3://bucket/data.csv")["data"]
    assert refit["id"] != trial["id"]
    pipeline = client.create_pipeline(trial_id=trial["id"])["data"]
    client.create_actual(pipeline_id=pipeline["id"], actuals=[{"prediction_id": "p", "actual": 1}])
    task = client.delete_actuals(
        pipeline_id=pipeline["id"], **{"from": "2000-01-01", "to": "2100-01-01"}
    )["data"]
    assert task["object"] == "cluster_task"
    endpoint = client.get_endpoints()["data"][0]
    group = client.create_endpoint_prediction(
        endpoint_id=endpoint["id"], records=[[1, 2]], features=["a", "b"]
    )["data"]
    assert group["object"] == "prediction_group"
    assert client.get_endpoint_prediction(group["id"], endpoint_id=endpoint["id"])["data"]["id"]
    assert client.get_endpoint_predictions(endpoint_id=endpoint["id"])["meta"]["pagination"]
    assert client.create_endpoint_actual(
        endpoint_id=endpoint["id"], prediction_group_id=group["id"], actuals=[{"actual": 1}]
    ) == {"data": {}, "meta": {"status": 200}}
    tasks = client.delete_endpoint_actuals(
        endpoint["id"], **{"from": "2000-01-01", "to": "2000-01-02"}
    )
    assert isinstance(tasks["data"], list)
    roi = client.create_endpoint_roi_validation(endpoint_id=endpoint["id"], expressions=["P = 1"])
    assert roi["data"]["object"] == "cluster_task"
    url = client.create_project_file_url(project_id=1, file_path="test.csv")["data"]
    assert set(url) == {"url", "fields"}
    assert set(client.get_project_file_url(project_id=1, file_path="test.csv")["data"]) == {"url"}


def test_create_token_and_user_client(client, local_hub):
    token = client.create_token(email=local_hub.user_email, password=local_hub.user_password)
    assert token["data"]["confirmation_required"] is False
    user = HubApiClient(hub_app_url=local_hub.url, token=token["data"]["token"])
    assert user.get_projects()["meta"]["pagination"]["total"] >= 2
    with pytest.raises(HubApiClient.FatalApiError) as err:
        client.create_token(email=local_hub.user_email, password="nope")
    assert "401" in str(err.value)


def test_optimizers_service(ro_client, local_hub_session):
    sent = []
    send = ro_client.connection.session.send

    def record(prep, **kw):
        sent.append(prep)
        return send(prep, **kw)

    ro_client.connection.session.send = record
    res = ro_client.get_next_trials(
        {
            "optimizer_name": "x",
            "search_space": {},
            "trial_workers_count": 2,
            "optimizer_context": {},
        }
    )
    trials, context = res["data"]
    assert len(trials) == 2 and context == {}
    body = json.loads(gzip.decompress(sent[-1].body))
    assert sent[-1].headers["Content-Encoding"] == "gzip"
    assert body["project_api_token"] == local_hub_session.project_token
    v2 = ro_client.get_next_trials_v2({"search_space": {"a.B": {}}, "trials_limit": 3})["data"]
    assert set(v2) == {"trials", "optimizer_context"} and len(v2["trials"]) == 3
    assert ro_client.get_fte({"alg_name": "x", "alg_params": {}})["data"]["estimated_time"] > 0
    with pytest.raises(HubApiClient.InvalidParamsError) as err:
        ro_client.get_next_trials({"x": "y"})
    assert str(err.value).startswith("optimizer_name is required")
    no_url = HubApiClient(hub_app_url=local_hub_session.url, hub_project_api_token="t")
    with pytest.raises(HubApiClient.MissingParamError):
        no_url.get_fte({})


def test_exceptions_match_the_seed(ro_client, local_hub_session):
    hub = local_hub_session
    with pytest.raises(HubApiClient.InvalidParamsError) as err:
        ro_client.create_dataset_manifest()
    assert str(err.value).startswith("id is required, name is required, statistics is required")
    assert err.value.metadata()["status"] == 400
    assert "on: POST /api/v1/dataset_manifests" in str(err.value)
    with pytest.raises(HubApiClient.FatalApiError) as err404:
        ro_client.delete_experiment("a0138f7adf78d6")
    assert str(err404.value).startswith("status: 404, body:")
    bad = HubApiClient(hub_app_url=hub.url, hub_project_api_token="wrong", retry_wait_seconds=0)
    with pytest.raises(HubApiClient.FatalApiError) as err401:
        bad.get_experiments()
    assert str(err401.value).startswith("status: 401")
    with pytest.raises(HubApiClient.MissingParamError):
        ro_client.get_endpoint_predictions()
    with pytest.raises(HubApiClient.FatalApiError):  # NaN: the seed got an HTML 400 page
        ro_client.create_prediction(pipeline_id="p", records=[[float("nan")]], features=["a"])
    assert issubclass(HubApiClient.FatalApiError, HubApiClient.BaseError)


def test_retryable_and_network_errors(client, local_hub):
    local_hub.faults.next("503", route="GET /api/v1/experiments", times=1)
    assert client.get_experiments()["data"]  # reads are retried
    local_hub.faults.next("503", route="GET /api/v1/experiments", times=5)
    with pytest.raises(HubApiClient.RetryableApiError) as err:
        client.get_experiments()
    assert "status: 503" in str(err.value) and "Application Error" in str(err.value)
    local_hub.faults.next("503", route="POST /api/v1/organizations", times=1)
    with pytest.raises(HubApiClient.RetryableApiError):  # writes are not retried
        client.create_organization(name="x")
    assert local_hub.stats["requests"]["POST /api/v1/organizations"] == 1
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = HubApiClient(
        hub_app_url=f"http://127.0.0.1:{port}", hub_project_api_token="t", retries_count=0
    )
    with pytest.raises(HubApiClient.NetworkError):
        down.get_experiments()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _count_sends(client: HubApiClient) -> list[str]:
    sent: list[str] = []
    send = client.connection.session.send

    def record(prep, **kw):
        sent.append(prep.method)
        return send(prep, **kw)

    client.connection.session.send = record
    return sent


def test_retry_counter_is_the_published_one(client):
    counter = HubApiClient.RetryCounter(client)
    assert (counter.retries_left, counter.connection_retries_left) == (2, 2)
    assert counter.is_retries_available()
    assert counter.count_retry(HubApiClient.NetworkError("x")) is counter
    assert (counter.retries_left, counter.connection_retries_left) == (2, 1)
    counter.count_retry(HubApiClient.RetryableApiError("x"))
    assert counter.retries_left == 1 and counter.is_retries_available()
    counter.count_retry(HubApiClient.NetworkError("x"))
    assert not counter.is_retries_available()  # either budget spent: no more retries
    with pytest.raises(RuntimeError, match="Unsupported kind of error"):
        counter.count_retry(HubApiClient.FatalApiError("x"))
    none = HubApiClient.RetryCounter.none()
    assert (none.retries_left, none.connection_retries_left) == (0, 0)
    assert not none.is_retries_available() and isinstance(none, HubApiClient.RetryCounter)
    split = HubApiClient(hub_app_url="http://h.test", retries_count=4, connection_retries_count=1)
    assert HubApiClient.RetryCounter(split).connection_retries_left == 1


def test_network_errors_are_retried_up_to_connection_retries_count(local_hub):
    client = HubApiClient(
        hub_app_url=local_hub.url,
        hub_project_api_token=local_hub.project_token,
        retries_count=5,
        connection_retries_count=2,
        retry_wait_seconds=0,
    )
    route = "GET /api/v1/experiments"
    local_hub.faults.next("reset_before", route=route, times=2)
    assert client.get_experiments()["data"]
    assert local_hub.stats["requests"][route] == 3
    local_hub.faults.next("reset_before", route=route, times=3)
    with pytest.raises(HubApiClient.NetworkError):
        client.get_experiments()
    assert local_hub.stats["requests"][route] == 6  # 1 + connection_retries_count attempts
    local_hub.faults.next("503", route=route, times=3)  # API errors use the other budget
    assert client.get_experiments()["data"]
    assert local_hub.stats["requests"][route] == 10


def test_retryable_errors_are_retried_up_to_retries_count(client, local_hub):
    route = "GET /api/v1/experiments"
    local_hub.faults.next("503", route=route, times=2)
    assert client.get_experiments()["data"]
    local_hub.faults.next("429", route=route, times=3)
    with pytest.raises(HubApiClient.RetryableApiError, match="status: 429"):
        client.get_experiments()
    assert local_hub.stats["requests"][route] == 6  # (1 + 2) twice
    local_hub.faults.next("500", route=route, times=1)
    with pytest.raises(HubApiClient.FatalApiError):  # a 500 is fatal, as in the seed
        client.get_experiments()
    assert local_hub.stats["requests"][route] == 7


def test_a_retry_counter_passed_in_is_honoured(client, local_hub):
    route = "POST /api/v1/organizations"
    local_hub.faults.next("503", route=route, times=1)
    org = client.make_and_handle_request(
        "post",
        "/api/v1/organizations",
        payload={"name": "retried"},
        retry_counter=client.RetryCounter(client),  # the caller says it may be repeated
    )
    assert org["data"]["name"] == "retried"
    assert local_hub.stats["requests"][route] == 2
    get = "GET /api/v1/experiments"
    local_hub.faults.next("503", route=get, times=1)
    with pytest.raises(HubApiClient.RetryableApiError):
        client.make_and_handle_request(
            "get", "/api/v1/experiments", retry_counter=HubApiClient.RetryCounter.none()
        )
    assert local_hub.stats["requests"][get] == 1
    optimizers = HubApiClient(  # the optimizers' computations pass RetryCounter(self)
        hub_app_url=local_hub.url,
        hub_project_api_token=local_hub.project_token,
        optimizers_url=local_hub.optimizers_url,
        retries_count=1,
        retry_wait_seconds=0,
    )
    local_hub.faults.next("503", route="POST /fte", times=1)
    assert optimizers.get_fte({"alg_name": "x", "alg_params": {}})["data"]["estimated_time"] > 0
    local_hub.faults.next("503", route="POST /fte", times=2)
    with pytest.raises(HubApiClient.RetryableApiError):
        optimizers.get_fte({"alg_name": "x", "alg_params": {}})
    assert local_hub.stats["requests"]["POST /fte"] == 4


def test_writes_are_retried_only_when_they_never_reached_the_server(local_hub):
    down = HubApiClient(
        hub_app_url=f"http://127.0.0.1:{_closed_port()}",
        hub_project_api_token="t",
        retries_count=2,
        retry_wait_seconds=0,
    )
    sent = _count_sends(down)
    with pytest.raises(HubApiClient.NetworkError):
        down.create_organization(name="x")  # the connection was refused: nothing was applied
    assert sent == ["POST"] * 3
    sent.clear()
    with pytest.raises(HubApiClient.NetworkError):
        down.make_and_handle_request(
            "post", "/api/v1/organizations", retry_counter=HubApiClient.RetryCounter.none()
        )
    assert sent == ["POST"]
    client = HubApiClient(
        hub_app_url=local_hub.url,
        hub_project_api_token=local_hub.project_token,
        retries_count=2,
        retry_wait_seconds=0,
    )
    route = "POST /api/v1/organizations"
    local_hub.faults.next("reset_after", route=route, times=1)
    with pytest.raises(HubApiClient.NetworkError):  # it may have been applied: not repeated
        client.create_organization(name="maybe")
    assert local_hub.stats["requests"][route] == 1


def test_nan_is_still_refused_before_sending(client, local_hub):
    sent = _count_sends(client)
    with pytest.raises(HubApiClient.FatalApiError, match=r"NaN|JSON"):
        client.create_prediction(pipeline_id="p", records=[[float("nan")]], features=["a"])
    assert sent == []
