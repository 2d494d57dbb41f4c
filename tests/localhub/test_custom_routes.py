"""The non-REST routes: bulk trials, refit, deploy/undeploy, logs, status, actuals, file URLs,
ROI validations and the optimizers service (gzip bodies)."""

from __future__ import annotations

import gzip
import json

import requests


def test_bulk_trials_upsert(api):
    session = api.data("GET", "experiment_sessions")[0]
    before = api.get("trials", experiment_session_id=session["id"]).json()["meta"]["pagination"][
        "total"
    ]
    payload = [
        {
            "uid": "3D1E99741D37422",
            "score": 0.96,
            "algorithm_name": "sklearn.ensemble.ExtraTreesClassifier",
            "algorithm_params": {"n_estimators": 100},
            "algorithm_params_hash": "etc-55.777",
            "score_name": "accuracy",
            "task_type": "regression",
            "crossValidationFolds": 5,
        }
    ]
    r = api.patch("trials", experiment_session_id=session["id"], trials=payload)
    assert r.status_code == 200
    body = r.json()
    assert list(body["meta"]) == ["status"]  # an array without pagination
    trial = body["data"][0]
    assert trial["id"] == "3D1E99741D37422" and trial["score_value"] == 0.96
    assert trial["hyperparameter"]["algorithm_params_hash"] == "etc-55.777"
    assert trial["raw_data"] == payload[0]
    payload[0]["score"] = 0.97
    again = api.data("PATCH", "trials", experiment_session_id=session["id"], trials=payload)
    assert (
        again[0]["score_value"] == 0.97
        and again[0]["hyperparameter"]["id"] == trial["hyperparameter"]["id"]
    )
    after = api.get("trials", experiment_session_id=session["id"]).json()["meta"]["pagination"][
        "total"
    ]
    assert after == before + 1
    assert api.patch("trials", experiment_session_id=session["id"], trials="x").status_code == 400
    assert api.patch("trials", experiment_session_id="nope", trials=[]).status_code == 404


def test_update_one_trial_merges_payload_into_raw_data(api):
    trial = api.data("GET", "trials", limit=1)[0]
    updated = api.data(
        "PATCH",
        f"trials/{trial['id']}",
        task_type="classification",
        score_name="strict one",
        hyperparameter={"algorithm_name": "SVM"},
        evaluation_type="fastest one",
        score_value=99.9,
    )
    assert updated["score_name"] == "strict one" and updated["task_type"] == "classification"
    assert updated["raw_data"]["evaluation_type"] == "fastest one"
    assert updated["raw_data"]["trial"] == {
        "score_name": "strict one",
        "score_value": 99.9,
        "task_type": "classification",
    }
    assert updated["hyperparameter"] == trial["hyperparameter"]


def test_refit_creates_a_new_trial(api):
    trial = api.data("GET", "trials", limit=1)[0]
    new = api.data("POST", "trials", id=trial["id"], refit_data_path="s3://some_new_path.csv")
    assert new["id"] != trial["id"]
    assert new["experiment_session_id"] == trial["experiment_session_id"]
    assert new["raw_data"]["refit_data_path"] == "s3://some_new_path.csv"
    assert new["raw_data"]["uid"] == new["id"]
    assert api.data("GET", f"trials/{new['id']}")["id"] == new["id"]
    assert api.post("trials", id=trial["id"]).status_code == 400
    assert api.post("trials", id="missing", refit_data_path="x").status_code == 404


def test_deploy_undeploy_state_machine(api):
    project = api.data("PATCH", "projects/1/deploy", worker_type_id=1, workers_count=2)
    assert project["status"] == "deploying"
    assert project["default_workers_count"] == 2 and project["default_worker_type_id"] == 1
    assert [c["name"] for c in project["components"]] == [
        "flower-api",
        "redis",
        "credentials",
        "augerml",
    ]
    assert {c["status"] for c in project["components"]} == {"deploying"}
    assert api.patch("projects/1/deploy").status_code == 400
    shown = api.data("GET", "projects/1")
    assert shown["status"] == "deployed"
    assert shown["state_machine"]["possible_transitions"] == [{"id": "undeploy", "name": "stop"}]
    assert shown["services_status"] == {"total": 4, "running": 4}
    project = api.data("PATCH", "projects/1/undeploy")
    assert project["status"] == "undeploying" and project["deploy_progress"]["undeploying"] == 4
    assert api.data("GET", "status", object="Project", id=1) == {"status": "undeployed"}
    assert api.patch("projects/1/undeploy").status_code == 400


def test_logs_are_text_plain(shared_api):
    r = shared_api.get("projects/1/logs")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "step 1 done" in r.text


def test_status(shared_api):
    assert shared_api.data("GET", "status", object="Project", id=1) == {"status": "undeployed"}
    r = shared_api.get("status", object="Nope", id=1)
    assert r.status_code == 400
    err = r.json()["meta"]["errors"][0]
    assert err["error_param"] == "object"
    assert err["message"].startswith('is not in the list ["Cluster", "ClusterTask", "Component"')
    assert shared_api.get("status", object="Project", id=2).status_code == 404
    assert shared_api.get("status", object="Cluster", id=1).json()["data"]["status"] == "running"


def test_actuals_create_and_bulk_delete(api):
    pipe = api.data("GET", "pipelines", limit=1)[0]
    r = api.post(
        "actuals", pipeline_id=pipe["id"], actuals=[{"prediction_id": "p1", "actual": "0.75"}]
    )
    assert r.status_code == 200 and r.json() == {"data": {}, "meta": {"status": 200}}
    assert api.hub.store.count("actual", {"pipeline_id": pipe["id"]}) == 1
    task = api.data(
        "DELETE",
        "actuals",
        pipeline_id=pipe["id"],
        **{"from": "2000-01-01", "to": "2999-12-31"},
        with_predictions=True,
    )
    assert task["object"] == "cluster_task" and task["status"] == "pending"
    assert task["name"] == "a2ml.tasks_queue.tasks_hub_api.delete_actuals_task"
    assert task["args"][0]["hub_info"]["pipeline_id"] == pipe["id"]
    assert api.hub.store.count("actual", {"pipeline_id": pipe["id"]}) == 0
    assert api.data("GET", f"cluster_tasks/{task['id']}")["result"] == {"deleted_actuals": 1}
    r = api.delete("actuals", pipeline_id=pipe["id"], **{"from": "yesterday"})
    assert [e["error_param"] for e in r.json()["meta"]["errors"]] == ["from", "to"]


def test_endpoint_actuals_and_roi(api):
    ep = api.data("GET", "endpoints")[0]
    r = api.post(
        f"endpoints/{ep['id']}/actuals",
        endpoint_id=ep["id"],
        prediction_group_id="g",
        actuals=[{"prediction_id": "1", "endpoint_actual": 1}],
    )
    assert r.json()["data"] == {}
    tasks = api.data(
        "DELETE",
        f"endpoints/{ep['id']}/actuals",
        **{"from": "2000-01-01", "to": "2999-01-01"},
        with_predictions=False,
    )
    assert isinstance(tasks, list) and len(tasks) == len(ep["endpoint_pipelines"])
    assert all(t["object"] == "cluster_task" for t in tasks)
    roi = api.data(
        "POST", f"endpoints/{ep['id']}/roi_validations", expressions=["P = true", "@if(A"]
    )
    assert roi["name"] == "a2ml.tasks_queue.tasks_hub_api.validate_roi_syntax_task"
    done = api.data("GET", f"cluster_tasks/{roi['id']}")
    assert [e["is_valid"] for e in done["result"]["expressions"]] == [True, False]


def test_project_file_urls_upload_download_roundtrip(api):
    created = api.data("POST", "project_file_urls", project_id=1, file_path="test.csv")
    assert set(created) == {"url", "fields"}
    fields = created["fields"]
    assert fields["key"] == "workspace/projects/demo-project/files/test.csv"
    assert {"policy", "x-amz-signature", "x-amz-credential", "success_action_status"} <= set(fields)
    content = b"a,b\n1,2\n"
    up = requests.post(
        created["url"], data=fields, files={"file": ("test.csv", content, "text/csv")}
    )
    assert up.status_code == 201 and "<Key>" in up.text
    tampered = dict(fields, key="workspace/other.csv")
    assert (
        requests.post(created["url"], data=tampered, files={"file": ("x", b"x")}).status_code == 403
    )
    url = api.data("GET", "project_file_urls", project_id=1, file_path="test.csv")["url"]
    down = requests.get(url)
    assert down.status_code == 200 and down.content == content
    assert down.headers["Content-Type"].startswith("text/csv")
    assert requests.get(url.replace("Signature=", "Signature=0")).status_code == 403
    absolute = api.data(
        "POST",
        "project_file_urls",
        project_id=1,
        file_path="workspace/projects/demo-project/files/test.csv",
    )
    assert absolute["fields"]["key"] == fields["key"]
    assert api.post("project_file_urls", project_id=2, file_path="x").status_code == 404


def _opt(hub, path, payload, token=None):
    body = dict(payload, project_api_token=token or hub.project_token)
    return requests.post(
        f"{hub.optimizers_url}{path}",
        data=gzip.compress(json.dumps(body).encode()),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )


def test_optimizers_service(local_hub_session):
    hub = local_hub_session
    space = {
        "auger_ml.algorithms.svm.SVC": {
            "kernel": {"type": "categorical", "values": ["rbf", "sigmoid"], "tunable": True},
            "C": {"type": "float", "bounds": [0.0001, 25.0], "tunable": True, "log": True},
        }
    }
    r = _opt(
        hub,
        "/next_trials",
        {
            "optimizer_name": "tpe",
            "search_space": space,
            "trials_history": [],
            "trial_workers_count": 2,
            "optimizer_context": {"k": 1},
        },
    )
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    assert r.text.startswith('{"meta":')  # meta serialised before data, as recorded
    trials, context = r.json()["data"]
    assert context == {"k": 1} and len(trials) == 2
    assert trials[0]["algorithm_name"] == "auger_ml.algorithms.svm.SVC"
    assert 0.0001 <= trials[0]["algorithm_params"]["C"] <= 25.0
    assert (
        _opt(
            hub,
            "/next_trials",
            {
                "optimizer_name": "tpe",
                "search_space": space,
                "trials_history": [],
                "trial_workers_count": 2,
                "optimizer_context": {"k": 1},
            },
        ).json()
        == r.json()
    )
    v2 = _opt(
        hub, "/v2/next_trials", {"trials_limit": 3, "search_space": space, "optimizer_context": {}}
    )
    assert (
        set(v2.json()["data"]) == {"trials", "optimizer_context"}
        and len(v2.json()["data"]["trials"]) == 3
    )
    fte = _opt(hub, "/fte", {"alg_name": "x", "alg_params": {}, "ncols": 100, "nrows": 10000})
    assert isinstance(fte.json()["data"]["estimated_time"], float)


def test_optimizer_errors(local_hub_session):
    hub = local_hub_session
    r = _opt(hub, "/next_trials", {"x": "some"})
    assert r.status_code == 400
    assert r.json() == {
        "meta": {
            "status": 400,
            "errors": [
                {
                    "error_param": "optimizer_name",
                    "message": "is required",
                    "error_type": "invalid_param",
                }
            ],
        }
    }
    r = _opt(hub, "/fte", {"alg_name": "x", "ncols": 1, "nrows": 1})
    assert r.json()["meta"]["errors"][0]["error_param"] == "alg_params"
    r = _opt(hub, "/next_trials", {"x": 1}, token="wrong")
    assert r.status_code == 401
    assert r.json() == {
        "meta": {
            "status": 401,
            "errors": [
                {
                    "message": "authentication required",
                    "error_type": "unauthenticated",
                    "error_param": "token",
                }
            ],
        }
    }
