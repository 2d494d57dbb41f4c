"""CRUD flows, state machines and lazily completing objects."""

from __future__ import annotations

import requests


def test_organization_lifecycle(api):
    org = api.data("POST", "organizations", name="My Org")
    assert org["object"] == "organization" and isinstance(org["id"], int)
    assert org["subdomain"] == "my-org" and org["status"] == "created"
    assert org["state_machine"]["current_state"] == {"id": "created", "name": "Created"}
    org = api.data("PATCH", f"organizations/{org['id']}", name="Renamed", role_to_assume_arn="x")
    assert org["name"] == "Renamed" and "role_to_assume_arn" not in org
    gone = api.data("DELETE", f"organizations/{org['id']}")
    assert gone["deleted"] is False and gone["status"] == "terminating"
    assert gone["state_machine"]["possible_transitions"] == []


def test_project_create_update_delete(local_hub):
    from .conftest import Api

    user = Api(local_hub, local_hub.user_token, "token")
    project = user.data("POST", "projects", name="p3", organization_id=1)
    assert project["status"] == "undeployed" and project["deleting"] is False
    assert project["state_machine"]["possible_transitions"] == [{"id": "deploy", "name": "start"}]
    project = user.data("PATCH", f"projects/{project['id']}", default_worker_nodes_count=5)
    assert project["default_worker_nodes_count"] == 5
    deleted = user.data("DELETE", f"projects/{project['id']}")
    assert deleted["deleted"] is False and deleted["deleting"] is True
    assert user.post("projects", name="x", organization_id=999).status_code == 404


def test_experiment_crud_and_client_ids(api):
    dm = api.data("POST", "dataset_manifests", id=100500, name="test", statistics={"x": 1})
    assert dm["id"] == "100500"
    assert api.post("dataset_manifests", id=100500, name="again", statistics={}).status_code == 400
    exp = api.data(
        "POST", "experiments", id="a0138f7adf78d6", name="exp", dataset_manifest_id="100500"
    )
    assert exp["id"] == "a0138f7adf78d6" and exp["project_id"] == 1
    assert exp["dataset_manifest"]["id"] == "100500"
    generated = api.data("POST", "experiments", name="no id")
    assert isinstance(generated["id"], str) and len(generated["id"]) >= 7
    assert api.data("PATCH", f"experiments/{exp['id']}", name="new")["name"] == "new"
    deleted = api.data("DELETE", f"experiments/{exp['id']}")
    assert deleted["deleted"] is True
    assert api.get(f"experiments/{exp['id']}").status_code == 404
    assert api.post("experiments", name="x", dataset_manifest_id="missing").status_code == 404


def test_session_trial_pipeline_flow(api):
    exp = api.data("GET", "experiments")[0]
    session = api.data(
        "POST",
        "experiment_sessions",
        experiment_id=exp["id"],
        status="started",
        model_settings={"x": 1},
        leaderbord={"a": 1},
    )
    assert session["notebook_uid"] == exp["id"] and session["pipelines"] == []
    assert "leaderbord" not in session
    trials = api.data(
        "PATCH",
        "trials",
        experiment_session_id=session["id"],
        trials=[
            {"uid": "T1", "score": 0.5, "algorithm_name": "A", "algorithm_params": {"x": 1}},
            {"uid": "T2", "score": 0.7, "algorithm_name": "B", "algorithm_params": {}},
        ],
    )
    assert [t["id"] for t in trials] == ["T1", "T2"]
    pipe = api.data("POST", "pipelines", trial_id="T2")
    assert pipe["status"] == "creating_files" and pipe["trial"]["id"] == "T2"
    again = api.data("GET", f"pipelines/{pipe['id']}")
    assert again["status"] == "ready" and again["lambda_package_s3_path"].endswith(".zip")
    shown = api.data("GET", f"experiment_sessions/{session['id']}")
    assert [p["id"] for p in shown["pipelines"]] == [pipe["id"]]
    assert shown["top_score_value"] == 0.7
    assert (
        api.data("PATCH", f"experiment_sessions/{session['id']}", status="completed")["status"]
        == "completed"
    )
    pf = api.data("POST", "pipeline_files", trial_id="T1")
    assert pf["model_path_status"] == "pending"
    assert api.data("GET", f"pipeline_files/{pf['id']}")["model_path_status"] == "success"


def test_endpoint_flow(api):
    pipes = api.data("GET", "pipelines")
    ep = api.data("POST", "endpoints", pipeline_id=pipes[0]["id"], name="e1")
    assert ep["endpoint_pipelines"][0]["active"] is True
    link = api.data(
        "POST", "endpoint_pipelines", endpoint_id=ep["id"], pipeline_id=pipes[1]["id"], active=False
    )
    assert api.data("PATCH", f"endpoint_pipelines/{link['id']}", active=True)["active"] is True
    assert api.data("DELETE", f"endpoint_pipelines/{link['id']}")["deleted"] is True
    assert api.data("PATCH", f"endpoints/{ep['id']}", name="e2")["name"] == "e2"
    alert = api.data(
        "POST",
        "review_alerts",
        endpoint_id=ep["id"],
        kind="runtime_errors_burst",
        threshold=3,
        sensitivity=48,
        actions="retrain",
    )
    assert alert["threshold"] == 3.0 and isinstance(alert["threshold"], float)
    assert api.data("PATCH", f"review_alerts/{alert['id']}", threshold=4)["threshold"] == 4.0
    assert api.data("DELETE", f"review_alerts/{alert['id']}")["deleted"] is True
    group = api.data(
        "POST", f"endpoints/{ep['id']}/predictions", records=[[1.0, 2.0]], features=["a", "b"]
    )
    assert group["endpoint_id"] == ep["id"] and group["status"] == "running"
    shown = api.data("GET", f"endpoints/{ep['id']}/predictions/{group['id']}")
    assert shown["status"] == "processed" and shown["result"]["columns"] == ["a", "b", "prediction"]
    listing = api.get(f"endpoints/{ep['id']}/predictions").json()
    assert listing["meta"]["pagination"]["total"] == 1
    assert api.data("DELETE", f"endpoints/{ep['id']}")["deleted"] is True
    assert api.get(f"endpoints/{ep['id']}").status_code == 404


def test_predictions_and_groups(api):
    pipe = api.data("GET", "pipelines", limit=1)[0]
    pred = api.data(
        "POST",
        "predictions",
        pipeline_id=pipe["id"],
        features=["x1", "x2"],
        records=[[1.1, None], [2.1, 2.2]],
    )
    assert (
        isinstance(pred["id"], int) and pred["records_count"] == 2 and pred["status"] == "requested"
    )
    assert api.data("GET", f"predictions/{pred['id']}")["status"] == "processed"
    group = api.data(
        "POST", "prediction_groups", pipeline_id=pipe["id"], features=["a"], records=[[1]]
    )
    assert group["endpoint_id"] is None


def test_cluster_task_update_and_trial_search(api):
    task = api.data(
        "POST",
        "cluster_tasks",
        name="auger_ml.tasks_queue.tasks.list_project_files",
        queue=None,
        args=None,
    )
    assert task["status"] == "pending" and task["project_id"] == 1
    task = api.data(
        "PATCH", f"cluster_tasks/{task['id']}", status="success", result={"x": 1}, traceback="boom"
    )
    assert task["status"] == "success" and task["result"] == {"x": 1} and task["exception"] is None
    ts = api.data(
        "POST",
        "trial_searches",
        trials_total_count=125,
        search_space={"version": 1},
        dataset_metafeatures={"a": 1},
    )
    assert ts["status"] == "requested" and ts["next_trials"] is None
    r = api.patch(f"trial_searches/{ts['id']}", trials_limit=2, trials_history=[])
    assert r.status_code == 400 and r.json()["meta"]["errors"][0]["error_param"] == "id"
    done = api.data("GET", f"trial_searches/{ts['id']}")
    assert done["status"] == "done" and len(done["next_trials"]) == 10
    more = api.data(
        "PATCH", f"trial_searches/{ts['id']}", trials_limit=2, trials_history=[{"uid": "x"}]
    )
    assert more["status"] == "requested" and len(more["next_trials"]) == 2


def test_warm_start_and_similar_trials(api):
    dm = api.data("GET", "dataset_manifests")[0]
    ws = api.data(
        "POST", "warm_start_requests", dataset_manifest_id=dm["id"], score_name="accuracy"
    )
    assert ws["status"] == "requested" and ws["limit"] == 10
    assert api.data("GET", f"warm_start_requests/{ws['id']}")["status"] == "done"
    st = api.data(
        "POST",
        "similar_trials_requests",
        dataset_manifest_id=dm["id"],
        algorithm_name="sklearn.svm.SVC",
        algorithm_params_hash="abc",
        limit=3,
    )
    done = api.data("GET", f"similar_trials_requests/{st['id']}")
    assert done["status"] == "done"
    assert all(t["hyperparameter"]["algorithm_name"] == "sklearn.svm.SVC" for t in done["trials"])


def test_legacy_routes(api):
    clusters = api.data("GET", "clusters")
    assert clusters[0]["created_by"]["object"] == "user"
    assert clusters[0]["instance_type"]["object"] == "instance_type"
    cluster = api.data("POST", "clusters", name="c2", organization_id=1)
    assert cluster["state_machine"]["current_state"]["id"] == "waiting"
    assert api.data("DELETE", f"clusters/{cluster['id']}")["status"] == "terminating"
    statuses = api.get("cluster_statuses", cluster_id=1).json()
    assert statuses["meta"]["pagination"]["total"] == 5
    run = api.data(
        "POST", "project_runs", notebook_uid="abc", status="running", leaderbord={"a": 1}
    )
    assert run["leaderbord"] == {"a": 1}
    assert (
        api.data("PATCH", f"project_runs/{run['id']}", status="completed")["status"] == "completed"
    )


def test_unsupported_method_is_404(api):
    assert api.delete("trials/abc").status_code == 404
    assert requests.put(f"{api.base}/api/v1/instance_types/c5.large", json={}).status_code == 404
