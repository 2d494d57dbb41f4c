"""Arguments are validated before anything is sent: ValidationError names the field."""

from __future__ import annotations

import pytest

from hub_sdk import auger
from hub_sdk.errors import ValidationError

from .conftest import requests_to


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: auger.DatasetManifest.create(name="x", statistics={}), "id"),
        (lambda: auger.DatasetManifest.create(id="x", name="x", statistics="big"), "statistics"),
        (lambda: auger.Organization.create(), "name"),
        (lambda: auger.Project.create(name="p"), "organization_id"),
        (lambda: auger.Project.create(name="p", organization_id="one"), "organization_id"),
        (lambda: auger.Pipeline.create(), "trial_id"),
        (lambda: auger.Pipeline.create(trial_id=["a"]), "trial_id"),
        (lambda: auger.PredictionGroup.create(pipeline_id="p", features=["a"]), "records"),
        (
            lambda: auger.PredictionGroup.create(pipeline_id="p", records=[1], features=["a"]),
            "records.0",
        ),
        (lambda: auger.Endpoint.create(name="e"), "pipeline_id"),
        (lambda: auger.ReviewAlert.create(endpoint_id="e", kind="k", threshold="hi"), "threshold"),
        (lambda: auger.Experiment.update("e1", name=5), "name"),
        (lambda: auger.Trial.create(id="t1"), "refit_data_path"),
        (lambda: auger.Token.create(email="a@b.c"), "password"),
        (lambda: auger.TrialSearch.create(trials_total_count=5), "search_space"),
        (lambda: auger.EndpointPrediction.create(records=[[1]], features=["a"]), "endpoint_id"),
        (lambda: auger.ProjectFileUrl.create(project_id=1), "file_path"),
        (lambda: auger.status("Nope", 1), "object"),
        (lambda: auger.status("Project", None), "id"),
        (
            lambda: auger.Actual.delete_range(pipeline_id="p", from_date="x", to_date="2020-01-01"),
            "from_date",
        ),
        (
            lambda: auger.ExperimentSession.model_validate({"id": "s"}).update_trials("nope"),
            "trials",
        ),
        (lambda: auger.next_trials(search_space={}), "optimizer_name"),
        (lambda: auger.next_trials_v2(trials_limit=2), "search_space"),
        (lambda: auger.fte(alg_name="x"), "alg_params"),
        (lambda: auger.fte(alg_name="x", alg_params=[]), "alg_params"),
    ],
)
def test_invalid_arguments_never_reach_the_server(conn, hub, call, field):
    before = requests_to(hub)
    sent = conn.requests_sent
    with pytest.raises(ValidationError) as err:
        call()
    assert field in err.value.fields, err.value.field_errors
    assert requests_to(hub) == before and conn.requests_sent == sent


def test_nan_is_refused_before_sending(conn, hub):
    before = requests_to(hub)
    with pytest.raises(ValidationError):
        auger.PredictionGroup.create(
            pipeline_id="p", records=[[1.0, float("nan")]], features=["a", "b"]
        )
    trial = auger.Trial.list(limit=1).first()
    assert trial is not None
    before = requests_to(hub)
    trial.score_value = float("inf")
    with pytest.raises(ValidationError):
        trial.save()
    assert requests_to(hub) == before


def test_unsupported_verbs(conn):
    from hub_sdk.errors import UnsupportedActionError

    with pytest.raises(UnsupportedActionError):
        auger.InstanceType.get("c5.large")
    with pytest.raises(UnsupportedActionError):
        auger.ReviewAlertItem.create(kind="x")
    with pytest.raises(UnsupportedActionError):
        auger.EndpointPipeline.list()


def test_optimizers_need_an_optimizers_url(hub):
    conn = auger.connect(hub.url, project_token=hub.project_token, default=False)
    with pytest.raises(ValidationError) as err:
        auger.fte(alg_name="x", alg_params={}, connection=conn)
    assert err.value.fields == ["optimizers_url"]
    conn.close()


def test_login_needs_credentials():
    with pytest.raises(ValidationError) as err:
        auger.login("", "", url="http://127.0.0.1:9")
    assert set(err.value.fields) == {"email", "password"}


# -- strict at the edge: unknown fields and filters ---------------------------------------------


@pytest.mark.parametrize(
    ("call", "field", "nearest"),
    [
        (lambda: auger.Experiment.create(name="a", project_id=1, nme="typo"), "nme", "name"),
        (lambda: auger.Experiment.update("e1", nme="typo"), "nme", "name"),
        (lambda: auger.Trial.list(experiment_session_id=None), "experiment_session_id", None),
        (
            lambda: auger.Trial.list(experiment_sesion_id="x"),
            "experiment_sesion_id",
            "experiment_session_id",
        ),
        (lambda: auger.Experiment.list(nosuch="x"), "nosuch", None),
        (lambda: auger.Organization.list(name="x"), "name", None),  # takes no filters
        (lambda: auger.Trial.list(order_by="score_value"), "order_by", None),
        (lambda: auger.Trial.list(project_id__gt=1), "project_id__gt", None),
    ],
)
def test_unknown_fields_and_filters_never_reach_the_server(conn, hub, call, field, nearest):
    before = requests_to(hub)
    with pytest.raises(ValidationError) as err:
        call()
    assert err.value.fields == [field], err.value.field_errors
    if nearest:
        assert f"did you mean {nearest!r}" in str(err.value)
    assert requests_to(hub) == before


def test_assigning_unknown_fields_or_wrong_types_is_our_error(conn, hub):
    exp = auger.Experiment.list(limit=1).first()
    assert exp is not None
    before = requests_to(hub)
    with pytest.raises(ValidationError, match="did you mean 'name'"):
        exp.nme = "typo"
    with pytest.raises(ValidationError) as err:
        exp.project_id = "abc"  # type: ignore[assignment]
    assert err.value.fields == ["project_id"]
    assert exp.changes() == {} and requests_to(hub) == before


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("save", "a method or relation"),  # a method: it was sent by save() as a field
        ("model_copy", "a method or relation"),
        ("list", "a method or relation"),
        ("project", "assign project_id"),  # a relation: its key is the field
        ("pipelines", "wire name of ExperimentSession.embedded_pipelines"),  # an alias
    ],
)
def test_assigning_an_attribute_that_is_not_a_field_is_refused(conn, hub, name, says):
    session = auger.ExperimentSession.list(limit=1).first()
    assert session is not None
    before = requests_to(hub)
    with pytest.raises(ValidationError, match=says) as err:
        setattr(session, name, "oops")
    assert err.value.fields == [name]
    assert session.changes() == {} and requests_to(hub) == before
    session.save()  # nothing to send, nothing sent
    assert requests_to(hub) == before


@pytest.mark.parametrize(
    "call",
    [
        lambda sid: auger.ExperimentSession.update(sid, pipelines="garbage"),
        lambda sid: auger.ExperimentSession.update(sid, embedded_pipelines="garbage"),
        lambda sid: auger.ExperimentSession.create(
            experiment_id="x", project_id=1, pipelines="garbage"
        ),
    ],
)
def test_a_field_sent_by_its_wire_name_is_type_checked_too(conn, hub, call):
    session = auger.ExperimentSession.list(limit=1).first()
    assert session is not None
    before = requests_to(hub)
    with pytest.raises(ValidationError, match="valid list"):
        call(session.id)
    assert requests_to(hub) == before


def test_model_copy_update_is_checked_like_an_assignment(conn, hub):
    exp = auger.Experiment.list(limit=1).first()
    assert exp is not None
    with pytest.raises(ValidationError, match="did you mean 'name'"):
        exp.model_copy(update={"nme": "typo"})
    with pytest.raises(ValidationError) as err:
        exp.model_copy(update={"name": 5})
    assert err.value.fields == ["name"]
    twin = exp.model_copy(update={"name": "renamed"})
    assert twin.name == "renamed" and exp.name != "renamed"
    assert twin.changes() == {"name": "renamed"} and twin.connection is exp.connection


def test_a_child_collection_cannot_be_widened_to_another_owner(conn, hub):
    first, second = auger.Experiment.list(limit=2)[:2]
    assert first.id != second.id
    before = requests_to(hub)
    with pytest.raises(ValidationError) as err:
        first.sessions(experiment_id=second.id)
    assert err.value.fields == ["experiment_id"] and requests_to(hub) == before
    mine = first.sessions(experiment_id=first.id).to_list()  # the same key is fine
    assert mine and all(s.experiment_id == first.id for s in mine)


def test_declared_filters_and_child_collections_still_narrow(conn):
    session = auger.ExperimentSession.list(status="completed", limit=1).first()
    assert session is not None
    trials = session.trials()
    assert len(trials) and all(t.experiment_session_id == session.id for t in trials)
    assert len(auger.Trial.list(experiment_session_id=session.id)) == len(trials)
    assert len(trials) < len(auger.Trial.list())
    experiment = session.experiment
    assert session in experiment.sessions(status="completed").to_list()
