"""Sessions and rounds: create, start (and refusals), wait with progress, what a session leaves."""

from __future__ import annotations

import uuid

import pytest

from hub_sdk import fedn
from hub_sdk.errors import BadRequestError

from ..conftest import FednServer
from .conftest import connect_to


def test_create_sends_rounds_and_defaults(seed: fedn.Model) -> None:
    name = f"created-{uuid.uuid4().hex[:6]}"
    session = fedn.Session.create(
        name=name,
        seed_model_id=seed,
        session_config={
            "rounds": 4,
            "aggregator": "fedopt",
            "aggregator_kwargs": {"serveropt": "adam"},
        },
    )
    assert session.status == "Created"
    assert session.seed_model_id == seed.pk and session.seed_model == seed
    cfg = session.session_config
    assert cfg is not None
    assert (cfg.rounds, cfg.aggregator, cfg.model_id) == (4, "fedopt", seed.pk)
    assert cfg.validate_ is True and cfg.round_timeout == 180
    assert cfg.aggregator_options == {"serveropt": "adam"}
    found = fedn.Session.list(name=name)
    assert [s.pk for s in found] == [session.pk]
    assert fedn.Session.get(session.pk).session_config == cfg
    assert session.rounds().to_list() == [] and len(session.models()) == 0
    assert not session.is_finished()


def test_start_refused_without_clients(make_fedn_server, files) -> None:
    server: FednServer = make_fedn_server(clients=0)
    conn = connect_to(server)
    try:
        fedn.Package.upload(files["package"], connection=conn)
        seed = fedn.Model.upload(files["seed"], connection=conn)
        with pytest.raises(fedn.SessionStartError) as err:
            fedn.Session.start(rounds=2, model=seed, name="refused", connection=conn)
        assert isinstance(err.value, BadRequestError) and err.value.status == 400
        assert "clients" in err.value.message
        refused = err.value.session
        assert isinstance(refused, fedn.Session) and refused.name == "refused"
        again = fedn.Session.get(refused.pk, connection=conn)
        assert again.status == "Created" and again.session_config.rounds == 2
        assert fedn.controller_status(connection=conn).idle
    finally:
        conn.close()


def test_start_without_models_is_a_clear_error(make_fedn_server, files) -> None:
    server: FednServer = make_fedn_server(clients=0)
    conn = connect_to(server)
    try:
        fedn.Package.upload(files["package"], connection=conn)
        with pytest.raises(BadRequestError, match="seed model"):
            fedn.Session.start(rounds=1, connection=conn)
    finally:
        conn.close()


@pytest.mark.fedn_network
def test_wait_times_out_and_a_second_start_is_refused(seed: fedn.Model) -> None:
    session = fedn.Session.start(rounds=3, model=seed, round_timeout=60)
    try:
        with pytest.raises(fedn.SessionTimeoutError) as err:
            session.wait(timeout=0)
        assert err.value.session is session
        assert isinstance(err.value, TimeoutError)
        with pytest.raises(fedn.SessionStartError, match="already running"):
            fedn.Session.start(rounds=1, model=seed)
    finally:
        session.wait()


def test_aggregator_kwargs_read_back_the_same_from_either_client(make_fedn_server, files) -> None:
    """On a SQL store (LocalHub, make test-fedn) both clients send JSON text, which it needs."""
    from hub_sdk.compat.fedn import APIClient

    server: FednServer = make_fedn_server(clients=0)  # creates only: starts are refused
    conn = connect_to(server)
    try:
        fedn.Package.upload(files["package"], connection=conn)
        seed = fedn.Model.upload(files["seed"], connection=conn)
        kwargs = {"serveropt": "adam", "learning_rate": 0.25}
        typed = fedn.Session.create(seed_model_id=seed.pk, connection=conn, session_config={
            "aggregator": "fedopt", "aggregator_kwargs": kwargs})
        host, port = server.url.split("://", 1)[1].rsplit(":", 1)
        compat = APIClient(host, port=int(port), token=server.token, max_retries=0)
        answer = compat.start_session(name=f"compat-{uuid.uuid4().hex[:6]}", model_id=seed.pk,
                                      aggregator="fedopt", aggregator_kwargs=kwargs)
        assert "lower than the required minimum" in answer["message"]  # created, not started
        raw = [compat.get_session(sid)["session_config"]["aggregator_kwargs"]
               for sid in (typed.pk, answer["session_id"])]
        assert raw[0] == raw[1] and isinstance(raw[0], str)  # the SQL store keeps text
        for sid in (typed.pk, answer["session_id"]):
            cfg = fedn.Session.get(sid, connection=conn).session_config
            assert cfg is not None and cfg.aggregator_kwargs == kwargs
        assert conn.statestore == "sql"
    finally:
        conn.close()


def test_start_with_a_model_that_does_not_exist_creates_nothing(seed: fedn.Model) -> None:
    from hub_sdk.errors import NotFoundError

    before = fedn.Session.count()
    with pytest.raises(NotFoundError):
        fedn.Session.start(rounds=1, model="no-such-model")
    assert fedn.Session.count() == before
