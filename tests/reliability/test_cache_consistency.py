"""What a cached read may show: server state or this connection's acknowledged writes.

Never an object a caller holds and edits (unsaved, or whose save failed), never the state
before a write that may have been applied. Against LocalHub over sockets, with its faults.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from hub_sdk import auger
from hub_sdk.auger import AugerConnection
from hub_sdk.core import RetryPolicy
from hub_sdk.errors import APIConnectionError, HubError, NotFoundError, ServerError
from hub_sdk.testing import LocalHub

from .conftest import auger_conn

NO_RETRY = RetryPolicy(max_retries=0)
PATCH_EXPERIMENT = "PATCH /api/v1/experiments/*"


@pytest.fixture
def hub() -> Iterator[LocalHub]:
    """A fresh LocalHub per test: these tests write."""
    with LocalHub(seed="demo", size=20, fedn=False) as h:
        yield h


@pytest.fixture
def conn(hub: LocalHub) -> Iterator[AugerConnection]:
    c = auger_conn(hub.url, hub.project_token, retry_policy=NO_RETRY)
    yield c
    c.close()


def _session(conn: AugerConnection) -> auger.ExperimentSession:
    session = auger.ExperimentSession.list(connection=conn, limit=1).first()
    assert session is not None and session.experiment_id
    return session


def test_an_unsaved_edit_never_shows_in_a_cached_read(conn: AugerConnection) -> None:
    session = _session(conn)
    name = auger.Experiment.get(session.experiment_id, connection=conn).name
    mine = auger.Experiment.get(session.experiment_id, connection=conn)
    mine.name = "DRAFT"
    assert session.experiment is not None and session.experiment.name == name
    held = session.experiment
    held.name = "DRAFT too"
    held.search_space = {"edited": True}
    assert session.experiment.name == name
    assert auger.Experiment.get(mine.pk, connection=conn, cached=True).name == name
    assert session.experiment is not session.experiment  # each read is the reader's own copy


def test_in_place_edits_of_nested_values_never_show_either(conn: AugerConnection) -> None:
    session = _session(conn)
    project = session.project
    assert project is not None
    before = project.model_dump(mode="json")
    held = session.project
    assert held is not None
    for value in held.__dict__.values():
        if isinstance(value, dict):
            value["edited"] = True
        elif isinstance(value, list):
            value.clear()
    if held.state_machine is not None:
        held.state_machine.object = "edited"
    again = session.project
    assert again is not None and again.model_dump(mode="json") == before


def test_a_failed_save_never_shows(hub: LocalHub, conn: AugerConnection) -> None:
    session = _session(conn)
    experiment = session.experiment
    assert experiment is not None
    name = experiment.name
    experiment.name = "NOT SAVED"
    hub.faults.next("500", route=PATCH_EXPERIMENT)
    with pytest.raises(ServerError):
        experiment.save()
    assert experiment.name == "NOT SAVED"  # the caller's object keeps the edit
    assert session.experiment is not None and session.experiment.name == name


def test_an_acknowledged_save_shows_at_once(conn: AugerConnection) -> None:
    session = _session(conn)
    experiment = session.experiment
    assert experiment is not None
    experiment.name = "saved"
    experiment.save()
    assert session.experiment is not None and session.experiment.name == "saved"
    auger.Experiment.update(experiment.pk, connection=conn, name="saved again")
    assert session.experiment.name == "saved again"


def test_another_threads_half_finished_edit_never_shows(conn: AugerConnection) -> None:
    session = _session(conn)
    name = session.experiment.name if session.experiment else None
    editing, seen = threading.Event(), threading.Event()
    shown: list[str | None] = []

    def editor() -> None:
        mine = session.experiment
        assert mine is not None
        mine.name = "half-finished"
        editing.set()
        seen.wait(5)

    def reader() -> None:
        editing.wait(5)
        shown.append(session.experiment.name if session.experiment else None)
        seen.set()

    threads = [threading.Thread(target=editor), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert shown == [name]


def test_a_write_that_may_have_applied_is_not_served_stale(
    hub: LocalHub, conn: AugerConnection
) -> None:
    session = _session(conn)
    assert session.experiment is not None  # cached
    hub.faults.next("reset_after", route=PATCH_EXPERIMENT)
    with pytest.raises(APIConnectionError) as err:
        auger.Experiment.update(session.experiment_id, connection=conn, name="applied?")
    assert err.value.may_have_been_applied
    assert session.experiment.name == "applied?"  # the server applied it: read again


def test_a_failed_delete_does_not_serve_the_object(hub: LocalHub, conn: AugerConnection) -> None:
    created = auger.Experiment.create(connection=conn, name="short-lived", project_id=1)
    assert auger.Experiment.get(created.pk, connection=conn, cached=True).name == "short-lived"
    hub.faults.next("reset_after", route="DELETE /api/v1/experiments/*")
    with pytest.raises(HubError):
        created.delete()
    with pytest.raises(NotFoundError):
        auger.Experiment.get(created.pk, connection=conn, cached=True)


def test_an_unknown_outcome_of_an_action_is_not_served_stale(
    hub: LocalHub, conn: AugerConnection
) -> None:
    session = _session(conn)
    experiment = session.experiment
    assert experiment is not None
    hub.faults.next("reset_after", route=PATCH_EXPERIMENT)
    experiment.name = "via save"
    with pytest.raises(APIConnectionError):
        experiment.save()
    assert session.experiment is not None and session.experiment.name == "via save"
