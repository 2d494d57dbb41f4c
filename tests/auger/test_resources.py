"""Every Auger resource's verbs and custom actions, over real HTTP against LocalHub."""

from __future__ import annotations

import datetime as dt

import pytest

from hub_sdk import auger
from hub_sdk.errors import BadRequestError, NotFoundError, UnsupportedActionError


def _session_with_trials() -> auger.ExperimentSession:
    project = auger.Project.get(1)
    for exp in project.experiments():
        for session in exp.sessions(status="completed"):
            if session.trials.count():
                return session
    raise AssertionError("the demo data has a completed session with trials")


def test_organization_crud(conn):
    orgs = auger.Organization.list()
    assert len(orgs) >= 1 and isinstance(orgs[0].id, int)
    org = auger.Organization.create(name="Acme Labs")
    assert org.status == "created" and org.state_machine is not None
    assert org.state_machine.current_state is not None
    assert org.state_machine.current_state.id == "created"
    org.is_jupyter_enabled = False
    org.save()
    assert auger.Organization.get(org.id).is_jupyter_enabled is False
    org.delete()  # asynchronous on the server: terminating, not deleted
    assert org.status == "terminating" and org.deleted is False


def test_project_crud_deploy_undeploy_and_logs(hub):
    conn = auger.connect(hub.url, token=hub.user_token, default=False)
    with conn:
        project = auger.Project.create(name="lab", organization_id=1)
        assert project.status == "undeployed" and project.organization_id == 1
        updated = auger.Project.update(project.id, default_kubernetes_stack="experimental")
        assert updated.default_kubernetes_stack == "experimental"
        assert project.deploy(worker_type_id=1, workers_count=2) is project
        assert project.status == "deploying" and project.default_workers_count == 2
        project.refresh()
        assert project.status == "deployed"
        assert project.components and {c.status for c in project.components} == {"deployed"}
        assert project.components[0].project is not None
        project.undeploy()
        assert project.status == "undeploying"
        assert isinstance(project.logs(), str)
        project.delete()
        assert project.deleting is True


def test_project_logs_are_text(ro_conn):
    logs = auger.Project.get(1).logs()
    assert isinstance(logs, str) and "INFO" in logs


def test_experiment_crud(conn):
    manifest = auger.DatasetManifest.list().first()
    assert manifest is not None
    exp = auger.Experiment.create(
        id="a0138f7adf78d6", name="churn", dataset_manifest_id=manifest.id
    )
    assert exp.id == "a0138f7adf78d6" and exp.project_id == 1
    assert exp.dataset_manifest is not None and exp.dataset_manifest.id == manifest.id
    exp.name = "churn-2"
    exp.save()
    assert auger.Experiment.get(exp.id).name == "churn-2"
    exp.delete()
    assert exp.deleted is True
    with pytest.raises(NotFoundError):
        auger.Experiment.get(exp.id)
    with pytest.raises(UnsupportedActionError):
        auger.ExperimentSession.delete_id("x")


def test_experiment_session_create_update_and_filters(conn):
    exp = auger.Project.get(1).experiments().first()
    assert exp is not None
    session = exp.sessions.create(
        id="1984368722", status="started", model_settings={"x": 1}, leaderbord={"a": 1}
    )
    assert session.experiment_id == exp.id and session.model_settings == {"x": 1}
    session.status = "completed"
    session.save()
    assert auger.ExperimentSession.get("1984368722").status == "completed"
    assert session in list(exp.sessions(status="completed"))
    by_project = auger.ExperimentSession.list(project_id=1)
    assert all(s.project_id == 1 for s in by_project)


def test_trial_get_update_refit_and_bulk_update(conn):
    session = _session_with_trials()
    trial = session.trials().first()
    assert trial is not None and trial.hyperparameter is not None
    assert auger.Trial.get(trial.id) == trial
    updated = auger.Trial.update(trial.id, score_name="f1", score_value=0.5, evaluation_type="fast")
    assert updated.score_name == "f1" and updated.score_value == 0.5
    assert updated.raw_data is not None and updated.raw_data["evaluation_type"] == "fast"
    refit = trial.refit("s3://bucket/more.csv")
    assert refit.id != trial.id
    assert (
        refit.raw_data is not None and refit.raw_data["refit_data_path"] == "s3://bucket/more.csv"
    )
    before = session.trials.count()
    trials = session.update_trials(
        [
            {"uid": "3D1E99741D37422", "algorithm_name": "SVM", "score": 0.96},
            {"uid": trial.id, "algorithm_name": "SVM", "score": 0.97},
        ]
    )
    assert [t.id for t in trials] == ["3D1E99741D37422", trial.id]
    assert all(isinstance(t, auger.Trial) for t in trials)
    assert session.trials.count() == before + 1
    assert auger.Trial.get(trial.id).score_value == 0.97


def test_hyperparameters(conn):
    hp = auger.Hyperparameter.create(algorithm_name="SVM", algorithm_params={"x": 1, "y": 2})
    assert isinstance(hp.id, int) and hp.algorithm_params == {"x": 1, "y": 2}
    assert auger.Hyperparameter.get(hp.id).algorithm_name == "SVM"
    assert auger.Hyperparameter.list(limit=3).to_list()


def test_pipelines_and_pipeline_files(conn):
    session = _session_with_trials()
    trial = session.trials().first()
    assert trial is not None
    pipe = session.pipelines.create(trial_id=trial.id)
    assert pipe.trial_id == trial.id and pipe.status == "creating_files"
    assert pipe in list(trial.pipelines())
    assert pipe in list(session.pipelines())
    pipe.refresh()
    assert pipe.status == "ready" and pipe.lambda_package_s3_path
    assert auger.Pipeline.update(pipe.id, status="packaging").status == "packaging"
    pfile = trial.pipeline_files.create()
    assert pfile.trial_id == trial.id and pfile.model_path_status == "pending"
    assert auger.PipelineFile.get(pfile.id).model_path_status == "success"
    assert pfile in list(session.pipeline_files())


def test_predictions_and_actuals(conn):
    pipe = auger.Pipeline.list(status="ready").first()
    assert pipe is not None
    group = pipe.predict([[1.0, 2.0], [3.0, None]], ["a", "b"])
    assert group.status == "running" and group.records_count == 2
    group.refresh()
    assert group.status == "processed" and group.result["columns"] == ["a", "b", "prediction"]
    assert group in list(pipe.prediction_groups())
    legacy = pipe.predictions.create(records=[[1, 2]], features=["a", "b"])
    assert isinstance(legacy.id, int)
    assert auger.Prediction.get(legacy.id).status == "processed"
    ack = pipe.actuals.create(actuals=[{"prediction_id": group.id, "actual": "0.75"}])
    assert isinstance(ack, auger.Actual)
    task = pipe.delete_actuals(dt.date(2000, 1, 1), "2100-01-01", with_predictions=True)
    assert isinstance(task, auger.ClusterTask) and task.name.endswith("delete_actuals_task")
    task.refresh()
    assert task.status == "success" and task.result == {"deleted_actuals": 1}


def test_endpoints_and_their_children(conn):
    pipe = auger.Pipeline.list(status="ready").first()
    assert pipe is not None
    endpoint = auger.Endpoint.create(pipeline_id=pipe.id, name="test-endpoint")
    assert endpoint.primary_pipeline_id == pipe.id
    assert [p.pipeline_id for p in endpoint.pipelines()] == [pipe.id]
    other = auger.Pipeline.list(status="ready")[1]
    link = endpoint.pipelines.create(pipeline_id=other.id, active=False)
    assert isinstance(link, auger.EndpointPipeline) and link.active is False
    link.active = True
    link.save()
    assert link.active is True
    endpoint.refresh()
    assert endpoint.pipelines.count() == 2 and endpoint.pipelines.get(link.id) == link
    embedded = endpoint.pipelines.first(pipeline_id=other.id)
    assert embedded is not None and embedded.pipeline == other
    group = endpoint.predict([[1, 2]], ["a", "b"])
    assert isinstance(group, auger.EndpointPrediction) and group.endpoint_id == endpoint.id
    assert [g.id for g in endpoint.predictions()] == [group.id]
    assert endpoint.predictions.get(group.id).endpoint_id == endpoint.id
    assert endpoint.actuals.create(prediction_group_id=group.id, actuals=[{"actual": 1}])
    tasks = endpoint.delete_actuals("2000-01-01", "2100-01-01")
    assert len(tasks) == 2 and all(isinstance(t, auger.ClusterTask) for t in tasks)
    roi = endpoint.validate_roi(["P = true", "(bad"])
    assert isinstance(roi, auger.ClusterTask)
    roi.refresh()
    assert [e["is_valid"] for e in roi.result["expressions"]] == [True, False]
    endpoint.name = "renamed"
    endpoint.save()
    assert auger.Endpoint.get(endpoint.id).name == "renamed"
    link.delete()
    assert link.deleted is True
    endpoint.delete()
    assert endpoint.deleted is True


def test_review_alerts_and_items(conn):
    endpoint = auger.Endpoint.list().first()
    assert endpoint is not None
    alert = endpoint.review_alerts.create(
        kind="runtime_errors_burst", threshold=3, sensitivity=48, actions="retrain"
    )
    assert alert.threshold == 3.0 and isinstance(alert.threshold, float)
    alert.threshold = 4
    alert.save()
    assert auger.ReviewAlert.get(alert.id).threshold == 4.0
    assert alert in list(endpoint.review_alerts())
    items = endpoint.review_alert_items()
    assert len(items) >= 1
    item = items[0]
    assert item.review_alert is not None and item.endpoint == endpoint
    assert item in list(item.review_alert.items())
    alert.delete()
    assert alert.deleted is True


def test_cluster_tasks_statuses_instance_types_and_clusters(conn):
    task = auger.ClusterTask.create(name="auger_ml.tasks_queue.tasks.list_project_files")
    assert task.status == "pending" and task.project_id == 1
    done = auger.ClusterTask.update(task.id, status="success", result={"x": 1}, traceback="tb")
    assert done.status == "success" and done.result == {"x": 1}
    assert task in list(auger.Project.get(1).cluster_tasks())
    types = auger.InstanceType.list()
    assert len(types) >= 10 and all(isinstance(t.id, str) for t in types)
    cluster = auger.Cluster.get(1)
    statuses = cluster.statuses()
    assert statuses and statuses[0].cluster == cluster
    created = auger.Cluster.create(name="my-cluster", organization_id=1)
    assert created.instance_type is not None and created.created_by is not None
    assert created in list(auger.Organization.get(1).clusters())
    created.delete()
    assert created.status == "terminating"


def test_dataset_manifests(conn):
    manifest = auger.DatasetManifest.create(id=100500, name="test", statistics={"x": 1})
    assert manifest.id == "100500"  # a numeric id comes back as a string
    manifest.dataset_url = "s3://bucket/path"
    manifest.save()
    assert auger.DatasetManifest.get(100500).dataset_url == "s3://bucket/path"
    assert len(auger.DatasetManifest.list(page_size=1)) >= 4


def test_warm_start_similar_trials_and_trial_searches(conn):
    manifest = auger.DatasetManifest.list().first()
    assert manifest is not None
    warm = manifest.warm_start_requests.create(score_name="logloss", limit=3)
    assert warm.status == "requested" and warm.hyperparameters == []
    warm.refresh()
    assert warm.status == "done" and len(warm.hyperparameters or []) == 3
    assert isinstance((warm.hyperparameters or [])[0], auger.Hyperparameter)
    similar = auger.SimilarTrialsRequest.create(
        dataset_manifest_id=manifest.id,
        algorithm_name="sklearn.ensemble.RandomForestClassifier",
        algorithm_params_hash="2DD51EA7809C45B",
        limit=2,
    )
    similar.refresh()
    assert similar.status == "done" and all(isinstance(t, auger.Trial) for t in similar.trials)
    space = {"version": 1, "optimizers_space": {"x.PSOOptimizer": {"phig": 0.5}}}
    search = auger.TrialSearch.create(trials_total_count=125, search_space=space, trials_limit=2)
    with pytest.raises(BadRequestError) as err:
        search.continue_with([], trials_limit=3)  # the first iteration is not done yet
    assert err.value.field_errors[0][0] == "id"
    search.refresh()
    assert search.status == "done" and len(search.next_trials or []) == 2
    search.continue_with([{"score": 0.5}], trials_limit=3)
    assert search.status == "requested" and len(search.next_trials or []) == 3
    assert search in list(auger.TrialSearch.list())


def test_pod_logs_and_status_lookup(ro_conn):
    project = auger.Project.get(1)
    logs = project.pod_logs(page_size=5)
    assert len(logs) > 5 and logs[0].project == project
    assert auger.status(project) == project.status
    assert auger.status("Project", 1) == project.status


def test_legacy_project_runs(conn):
    run = auger.ProjectRun.create(notebook_uid="1234", status="running", leaderbord={"a1": 1})
    assert run.project_id == 1 and run.leaderbord == {"a1": 1}
    assert auger.ProjectRun.update(run.id, status="completed").status == "completed"
    assert run in list(auger.ProjectRun.list())
