"""Typing of the models: ids, timestamps, nested models, drift, unknown fields, search spaces."""

from __future__ import annotations

from datetime import datetime

from hub_sdk import auger
from hub_sdk.auger.models import parse_search_space


def test_ids_keep_their_server_types():
    assert isinstance(auger.Organization.model_validate({"id": 23}).id, int)
    assert auger.Trial.model_validate({"id": "1231231"}).id == "1231231"
    assert auger.Trial.model_validate({"id": 3}).id == 3  # 2018 servers used int trial ids
    assert auger.DatasetManifest.model_validate({"id": "100500"}).id == "100500"
    assert auger.InstanceType.model_validate({"id": "c5.large"}).id == "c5.large"


def test_timestamps_are_aware_datetimes():
    org = auger.Organization.model_validate({"id": 1, "created_at": "2019-03-14T10:58:30.648Z"})
    assert isinstance(org.created_at, datetime) and org.created_at.utcoffset() is not None
    assert org.created_at.microsecond == 648000


def test_nested_models_and_unknown_fields():
    trial = auger.Trial.model_validate(
        {
            "object": "trial",
            "id": "t",
            "hyperparameter": {"object": "hyperparameter", "id": 2, "algorithm_name": "SVM"},
            "brand_new_field": {"x": 1},
        }
    )
    assert isinstance(trial.hyperparameter, auger.Hyperparameter)
    assert trial.model_extra == {"brand_new_field": {"x": 1}}
    project = auger.Project.model_validate(
        {
            "id": 1,
            "state_machine": {
                "object": "state_machine",
                "current_state": {"id": "undeployed", "name": "Stopped"},
                "possible_transitions": [{"id": "deploy", "name": "start"}],
            },
            "components": [{"object": "component", "id": 8, "name": "redis"}],
        }
    )
    assert project.state_machine is not None and project.state_machine.current_state is not None
    assert project.state_machine.current_state.name == "Stopped"
    assert project.components is not None and isinstance(project.components[0], auger.Component)


def test_search_space_parses_in_all_three_recorded_shapes():
    assert auger.Experiment.model_validate({"id": "e", "search_space": None}).search_space is None
    obj = {"optimizers_space": {"a.B": {"batch_size": 5}}}
    assert auger.Experiment.model_validate({"id": "e", "search_space": obj}).search_space == obj
    text = "{'optimizers_space': {'a.B': {'batch_size': 5}, 'flags': [True, None]}}"
    parsed = auger.Experiment.model_validate({"id": "e", "search_space": text}).search_space
    assert parsed == {"optimizers_space": {"a.B": {"batch_size": 5}, "flags": [True, None]}}
    shortened = "{'a': {'scoring': [...], 'algos': {...}}, 'b': {'x': 1, 'c.d...', ...}}"
    assert parse_search_space(shortened) == {
        "a": {"scoring": ["..."], "algos": {"...": "..."}},
        "b": {"x": 1},
    }
    assert parse_search_space("not a repr") == "not a repr"


def test_embedded_pipelines_do_not_hide_the_children_manager():
    session = auger.ExperimentSession.model_validate(
        {"id": "s", "pipelines": [{"object": "pipeline", "id": "p", "trial": None}]}
    )
    assert [p.id for p in session.embedded_pipelines or []] == ["p"]
    assert "children of experiment_session_id='s'" in repr(session.pipelines)


def test_resource_for_object_discriminators():
    assert auger.resource_for("trial") is auger.Trial
    assert auger.resource_for("cluster_task") is auger.ClusterTask
    assert auger.resource_for("prediction_group") is auger.PredictionGroup
