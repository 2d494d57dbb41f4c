"""User-style code, type-checked (never run) by ``test_user_typing.py`` with ``mypy --strict``.

Every ``assert_type`` pins a return type users rely on: if the public API starts returning
``Any`` (or the wrong class) somewhere, mypy fails here.
"""

from __future__ import annotations

from pathlib import Path

from typing_extensions import assert_type

from hub_sdk import auger, fedn
from hub_sdk.core.pagination import LazyList
from hub_sdk.errors import BadRequestError, HubError, NotFoundError, ValidationError
from hub_sdk.testing import LocalHub


def auger_code(hub: LocalHub) -> None:
    """The Auger Hub API, through ``hub_sdk.auger`` as users write it."""
    conn = auger.connect(hub.url, project_token=hub.project_token)
    assert_type(conn, auger.AugerConnection)

    exp = auger.Experiment.get("x")
    assert_type(exp, auger.Experiment)
    assert_type(exp.name, str | None)
    assert_type(auger.Experiment.create(name="e", project_id=1), auger.Experiment)
    assert_type(auger.Experiment.update("x", name="f"), auger.Experiment)
    assert_type(exp.save(), auger.Experiment)
    assert_type(exp.refresh(), auger.Experiment)

    # children: a lazy listing, and a manager with create/get/first/count
    sessions = exp.sessions()
    assert_type(sessions, LazyList[auger.ExperimentSession])
    assert_type(sessions[0], auger.ExperimentSession)
    assert_type(sessions[1:3], list[auger.ExperimentSession])
    assert_type(sessions.first(), auger.ExperimentSession | None)
    assert_type(sessions.to_list(), list[auger.ExperimentSession])
    assert_type(sessions.total, int | None)
    assert_type(list(sessions.map(lambda s: s.id)), list[str])
    assert_type(exp.sessions.first(), auger.ExperimentSession | None)
    assert_type(exp.sessions.get("s"), auger.ExperimentSession)
    assert_type(exp.sessions.count(), int)
    for session in exp.sessions:
        assert_type(session, auger.ExperimentSession)

    # parents: the object (an empty key raises), or X | None where the contract allows none
    session = auger.ExperimentSession.get("s")
    assert_type(session.experiment, auger.Experiment)
    assert_type(session.project_file, auger.ProjectFile | None)
    trial = session.trials().first()
    if trial is not None:
        assert_type(trial, auger.Trial)
        assert_type(trial.score_value, float | None)
        assert_type(trial.hyperparameter, auger.Hyperparameter | None)
        assert_type(trial.experiment_session, auger.ExperimentSession)
        assert_type(trial.refit("s3://bucket/data.csv"), auger.Trial)
        assert_type(trial.experiment_session.experiment.project, auger.Project)
        assert_type(trial.project, auger.Project | None)

    # ids keep the server's type: .pk is typed per resource
    assert_type(exp.pk, str)
    assert_type(auger.Project.get(1).pk, int)
    assert_type(session.pk, str)
    assert_type(auger.Trial.get("t").pk, str | int)

    # listings and custom verbs
    assert_type(auger.Project.list(limit=5), LazyList[auger.Project])
    project = auger.Project.get(1)
    assert_type(project.deploy(), auger.Project)
    assert_type(project.logs(), str)
    pipeline = auger.Pipeline.get("p")
    assert_type(pipeline.predict([[1.0, 2.0]], ["a", "b"]), auger.PredictionGroup)

    # typed errors
    try:
        auger.Experiment.get("missing")
    except NotFoundError as exc:
        assert_type(exc.status, int | None)
        assert_type(exc.field_errors, list[tuple[str, str]])
    except ValidationError as exc:
        assert_type(exc.fields, list[str])
    except HubError as exc:
        assert_type(exc.message, str)
    conn.close()


def fedn_code(hub: LocalHub, folder: Path) -> None:
    """The FEDn API: packages, models, sessions, downloads."""
    conn = fedn.connect(hub.fedn_url)
    assert_type(conn, fedn.FednConnection)

    package = fedn.Package.upload(folder / "package.tgz", helper="numpyhelper")
    assert_type(package, fedn.Package)
    assert_type(fedn.Package.active(), fedn.Package | None)
    seed = fedn.Model.upload(folder / "seed.npz")
    assert_type(seed, fedn.Model)
    assert_type(fedn.Model.latest(), fedn.Model | None)

    session = fedn.Session.start(rounds=3, model=seed)
    assert_type(session, fedn.Session)
    assert_type(session.wait(timeout=60, progress=True), fedn.Session)
    assert_type(session.rounds(), LazyList[fedn.Round])
    assert_type(session.seed_model, fedn.Model)
    assert_type(session.pk, str)
    models = session.models()
    assert_type(models, LazyList[fedn.Model])
    final = models[-1]
    assert_type(final.pk, str)
    assert_type(final.model_id, str)
    assert_type(final.parent, fedn.Model | None)
    assert_type(final.session, fedn.Session | None)
    for rnd in session.rounds():
        assert_type(rnd.round_id, str)
        assert_type(rnd.session, fedn.Session)
        assert_type(rnd.model, fedn.Model | None)
    assert_type(final.trail(), list[fedn.Model])
    assert_type(final.download(), bytes)
    assert_type(final.download(folder / "final.npz"), Path)
    for validation in final.validations():
        assert_type(validation, fedn.Validation)
    assert_type(fedn.Client.list(), LazyList[fedn.Client])
    assert_type(fedn.controller_status(), fedn.ControllerStatus)

    try:
        fedn.Session.start(rounds=1)
    except fedn.SessionStartError as exc:
        assert_type(exc, fedn.SessionStartError)
    except BadRequestError as exc:
        assert_type(exc.field_errors, list[tuple[str, str]])
    conn.close()


def notebook_navigation(trial: auger.Trial, validation: fedn.Validation) -> list[str]:
    """Natural notebook code: navigation and ids without a single assert or None check."""
    org = trial.experiment_session.experiment.project.organization
    names: list[str] = [org.name or "", trial.experiment_session.experiment.id]
    names.append(validation.model.model_id)
    names.append(validation.model.session_id or "no session")
    names.append(validation.session.seed_model.pk)
    ids: list[int] = [org.id, trial.experiment_session.experiment.project.pk]
    names.extend(str(i) for i in ids)
    return names


def local_hub() -> None:
    """The embedded server used by tests and notebooks."""
    with LocalHub(seed="demo") as hub:
        assert_type(hub, LocalHub)
        assert_type(hub.url, str)
        auger_code(hub)
        fedn_code(hub, Path("."))
