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
    assert session.rounds() == [] and len(session.models()) == 0
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
def test_start_and_wait_produces_chained_models(seed: fedn.Model) -> None:
    reported: list[fedn.Round] = []
    session = fedn.Session.start(rounds=3, model=seed, round_timeout=30, name="three-rounds")
    assert session.session_config.rounds == 3
    assert session.wait(timeout=60, progress=reported.append) is session
    assert session.status == "Finished" and session.is_finished()
    assert [r.is_done for r in reported] == [True, True, True]

    rounds = session.rounds()
    assert [r.pk for r in rounds] == [r.pk for r in reported]
    for rnd in rounds:
        assert rnd.session_id == session.pk
        assert rnd.round_config is not None and rnd.round_config.rounds == 3
        report = rnd.combiners[0]
        assert report.model_id and report.status
        assert report.config is not None and report.config.round_timeout == 30  # "30" on the wire
        assert report.config.validate_ is True
        assert report.data is not None and report.data.aggregation_time is not None
        assert rnd.model is not None and rnd.model.session_id == session.pk

    models = session.models()
    assert len(models) == 3
    final = models[-1]
    assert final.pk == rounds[-1].model_id
    trail = final.trail()
    assert [m.pk for m in trail] == [seed.pk, *(m.pk for m in models)]
    assert final.parent == models[1] and models[0].parent == seed
    assert [m.pk for m in seed.descendants()][:3] == [m.pk for m in models]
    assert final.session == session

    validations = session.validations().to_list()
    assert validations and all(v.session_id == session.pk for v in validations)
    metrics = final.validations().first()
    assert metrics is not None and "test_accuracy" in metrics.metrics
    assert metrics.timestamp is not None and metrics.timestamp.tzinfo is not None
    assert len(session.statuses()) > 0
    assert {m.key for m in session.metrics()} >= {"test_accuracy"}
    run = session.runs().first()
    assert run is not None and run.final_model == final
    assert fedn.controller_status().idle


@pytest.mark.fedn_network
def test_progress_true_prints_a_line_per_round(seed: fedn.Model, capsys) -> None:
    session = fedn.Session.start(rounds=2, model=seed)
    session.wait(timeout=60, progress=True)
    out = capsys.readouterr()
    lines = [x for x in out.out.splitlines() if x.startswith("round ")]
    assert len(lines) == 2 and lines[0].startswith("round 1/2") and "Finished" in lines[1]
    assert f"session {session.name}" in out.err and "2/2" in out.err  # the rounds bar


@pytest.mark.fedn_network
def test_continue_runs_more_rounds(seed: fedn.Model) -> None:
    session = fedn.Session.start(rounds=1, model=seed).wait(timeout=60)
    reported: list[fedn.Round] = []
    session.continue_(rounds=2).wait(timeout=60, progress=reported.append)
    assert len(reported) == 2
    assert len(session.rounds()) == 3
    assert len(session.models()) == 3


@pytest.mark.fedn_network
def test_wait_times_out_and_a_second_start_is_refused(seed: fedn.Model) -> None:
    session = fedn.Session.start(rounds=3, model=seed)
    try:
        with pytest.raises(fedn.SessionTimeoutError) as err:
            session.wait(timeout=0)
        assert err.value.session is session
        assert isinstance(err.value, TimeoutError)
    finally:
        session.wait(timeout=60)
