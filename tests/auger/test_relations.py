"""Relations both ways, and parent lookups served from the connection cache."""

from __future__ import annotations

from hub_sdk import auger


def test_children_downwards(ro_conn):
    org = auger.Organization.get(1)
    project = org.projects().first()
    assert project is not None and project.organization_id == org.id
    experiments = project.experiments()
    assert len(experiments) == 3 and all(e.project_id == project.id for e in experiments)
    sessions = experiments[0].sessions()
    assert len(sessions) == 2 and all(s.experiment_id == experiments[0].id for s in sessions)
    trials = sessions[0].trials(page_size=7)
    assert len(trials) > 7
    assert all(t.experiment_session_id == sessions[0].id for t in trials)
    assert sessions[0].trials.count() == len(trials)
    assert project.files() and project.endpoints() and project.experiment_sessions()


def test_parents_upwards_are_cached(ro_conn):
    trial = auger.Trial.list(limit=1).first()
    assert trial is not None
    ro_conn.cache.clear()
    before = ro_conn.requests_sent
    org = trial.experiment_session.experiment.project.organization
    assert isinstance(org, auger.Organization) and org.id == 1
    assert ro_conn.requests_sent - before == 4  # session, experiment, project, organization
    again = trial.experiment_session.experiment.project.organization
    assert again == org and ro_conn.requests_sent - before == 4  # all from the cache
    assert again is not org  # each read gets its own copy: edits to one never show in another
    other = auger.Trial.list(limit=2)[1]
    assert other.experiment_session.experiment.project.organization == org


def test_embedded_objects_navigate_too(ro_conn):
    session = auger.ExperimentSession.list(status="completed").first()
    assert session is not None
    assert session.embedded_pipelines, "completed demo sessions embed their pipelines"
    pipe = session.embedded_pipelines[0]
    assert isinstance(pipe, auger.Pipeline) and isinstance(pipe.trial, auger.Trial)
    assert pipe.experiment_session == session
    assert isinstance(pipe.trial.hyperparameter, auger.Hyperparameter)
    assert pipe.project is not None and pipe.organization is not None
    groups = pipe.prediction_groups()
    assert all(g.pipeline_id == pipe.id for g in groups)


def test_endpoint_relations(ro_conn):
    endpoint = auger.Endpoint.list().first()
    assert endpoint is not None
    assert endpoint.project is not None and endpoint.organization is not None
    assert endpoint.primary_pipeline is not None
    assert endpoint.primary_experiment_session is not None
    links = endpoint.pipelines()
    assert links and all(link.endpoint == endpoint for link in links)
    assert [link.pipeline_id for link in endpoint.pipelines(active=True)] == [
        endpoint.primary_pipeline_id
    ]
    alerts = endpoint.review_alerts()
    assert alerts and all(a.endpoint_id == endpoint.id for a in alerts)
    predictions = endpoint.predictions()
    assert all(p.endpoint_id == endpoint.id for p in predictions)
    assert "embedded EndpointPipeline" in repr(endpoint.pipelines)


def test_other_parents(ro_conn):
    experiment = auger.Experiment.list().first()
    assert experiment is not None
    assert experiment.project_file is not None
    session = experiment.sessions().first()
    assert session is not None
    assert session.dataset_manifest is not None and session.project_file is not None
    pfile = auger.PipelineFile.list().first()
    if pfile is not None:
        assert pfile.trial is not None and pfile.experiment_session is not None
    task = auger.ClusterTask.list().first()
    assert task is not None and task.project is not None


def test_project_token_scopes_listings(local_hub_session):
    hub = local_hub_session
    mine = auger.connect(hub.url, project_token=hub.project_token, default=False)
    everyone = auger.connect(hub.url, token=hub.user_token, default=False)
    ids_mine = {e.project_id for e in auger.Experiment.list(connection=mine)}
    ids_all = {e.project_id for e in auger.Experiment.list(connection=everyone)}
    assert ids_mine == {1} and ids_all >= {1, 2}
    mine.close()
    everyone.close()
