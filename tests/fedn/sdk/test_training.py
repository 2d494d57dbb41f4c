"""Training as a practitioner runs it: sessions that finish, with results that can be predicted.

Every test here runs on LocalHub (``make test``) and on a real FEDn 0.33.0 network with real
``fedn client`` processes (``make test-fedn-network``). Client ``i`` of ``n`` moves every weight
by ``i`` and reports ``i`` examples, so a FedAvg round adds ``sum(i*i)/sum(i)`` to every weight,
and validations report the model's ``mean_weight`` and ``distance`` (to 10.0) exactly.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

import pytest

from hub_sdk import fedn
from hub_sdk.errors import NotFoundError, ValidationError
from hub_sdk.testing.fedn_local.npz import npz_arrays, npz_bytes

from ..conftest import FednServer
from ..helpers import SEED_ARRAYS, package_bytes, package_files
from .conftest import connect_to

pytestmark = pytest.mark.fedn_network


def fedavg_step(clients: int) -> float:
    """What one FedAvg round adds to every weight."""
    return sum(i * i for i in range(1, clients + 1)) / sum(range(1, clients + 1))


def shifted(arrays: list[list[float]], by: float) -> list[list[float]]:
    return [[v + by for v in a] for a in arrays]


def metrics_of(arrays: list[list[float]]) -> dict[str, float]:
    """What the test package's validate.py reports for a model."""
    flat = [v for a in arrays for v in a]
    return {"mean_weight": sum(flat) / len(flat), "distance": sum((v - 10.0) ** 2 for v in flat)}


def adam(old: float, deltas: list[float], lr: float, b1: float = 0.9, b2: float = 0.99,
         tau: float = 1e-4) -> float:
    """FedOpt/adam on one weight whose pseudo-gradient is ``deltas[k]`` in round k."""
    m, v, w = None, tau * tau, old
    for g in deltas:
        m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w + lr * m / (math.sqrt(v) + tau)
    return w


def test_fedavg_rounds_commit_predictable_models(
    seed: fedn.Model, fedn_server: FednServer
) -> None:
    reported: list[fedn.RoundResult] = []
    session = fedn.Session.start(rounds=2, model=seed, round_timeout=60, name="fedavg-2")
    assert session.wait(progress=reported.append) is session
    assert session.status == "Finished"
    step = fedavg_step(fedn_server.clients)

    # wait() returned only once every round's model had every client's validation.
    assert [r.number for r in reported] == [1, 2]
    for k, result in enumerate(reported, 1):
        assert result.status == "Finished" and result.succeeded
        assert len(result.validations) == fedn_server.clients
        expected = metrics_of(shifted(SEED_ARRAYS, k * step))
        assert result.mean["mean_weight"] == pytest.approx(expected["mean_weight"])
        assert result.mean["distance"] == pytest.approx(expected["distance"])
        assert set(result.metrics) == {f"client{i}" for i in range(1, fedn_server.clients + 1)}

    final = session.latest_model()
    assert final is not None
    weights = npz_arrays(final.download())
    assert weights == [pytest.approx(a) for a in shifted(SEED_ARRAYS, 2 * step)]


def test_rounds_name_the_models_they_committed(seed: fedn.Model) -> None:
    session = fedn.Session.start(rounds=2, model=seed, round_timeout=60).wait()
    rounds = session.rounds()
    models = session.models().to_list()
    assert [r.model_id for r in rounds] == [m.model_id for m in models]
    assert rounds[0].start_model_id == seed.pk
    assert rounds[1].start_model_id == rounds[0].model_id
    for rnd in rounds:
        # The combiners' report names a temporary aggregate the controller deleted.
        assert rnd.aggregate_model_id and rnd.aggregate_model_id != rnd.model_id
        with pytest.raises(NotFoundError):
            fedn.Model.get(rnd.aggregate_model_id)
        assert rnd.model is not None and rnd.model.parent_model == rnd.start_model_id
        assert rnd.model.session == session
        alone = fedn.Round.get(rnd.round_id)  # not from session.rounds(): one lookup
        assert alone.model_id == rnd.model_id
    assert [m.pk for m in models[-1].trail()] == [seed.pk, *(m.pk for m in models)]
    below = [m.pk for m in seed.descendants()]  # nearest first: children, then grandchildren
    assert below.index(models[0].pk) < below.index(models[1].pk)
    assert [m.pk for m in models[0].descendants()] == [models[1].pk]
    assert [m.pk for m in models[0].descendants(limit=1)] == [models[1].pk]
    run = session.runs().first()
    assert run is not None and run.final_model == models[-1]


def test_history_and_metrics_frame(seed: fedn.Model, fedn_server: FednServer) -> None:
    session = fedn.Session.start(rounds=2, model=seed, round_timeout=60).wait()
    history = session.history()
    assert [r.number for r in history] == [1, 2]
    assert [r.model_id for r in history] == [r.model_id for r in session.rounds()]
    for result in history:
        assert result.started_at is not None and result.started_at.tzinfo is not None
        assert result.duration is not None and result.duration >= 0
    frame = session.metrics_frame()
    assert len(frame) == 2 * fedn_server.clients
    assert list(frame.columns[:7]) == [
        "round", "round_id", "status", "model_id", "started_at", "duration", "client"
    ]
    assert {"mean_weight", "distance", "examples"} <= set(frame.columns)
    by_round = frame.groupby("round")["mean_weight"].mean().tolist()
    assert by_round == [pytest.approx(r.mean["mean_weight"]) for r in history]


def test_fedopt_uses_its_kwargs(seed: fedn.Model, fedn_server: FednServer) -> None:
    kwargs = {"serveropt": "adam", "learning_rate": 0.5}
    session = fedn.Session.start(
        rounds=2, model=seed, aggregator="fedopt", aggregator_kwargs=kwargs, round_timeout=60
    ).wait()
    assert session.session_config is not None
    assert session.session_config.aggregator == "fedopt"
    assert session.session_config.aggregator_kwargs == {"serveropt": "adam", "learning_rate": 0.5}
    step = fedavg_step(fedn_server.clients)
    weights = npz_arrays(session.latest_model().download())
    # Round 2's pseudo-gradient is measured from round 1's model, so it is `step` again.
    want = [[adam(v, [step, step], 0.5) for v in a] for a in SEED_ARRAYS]
    assert weights == [pytest.approx(a) for a in want]


def test_continue_waits_for_the_new_rounds_only(
    seed: fedn.Model, fedn_server: FednServer
) -> None:
    session = fedn.Session.start(rounds=1, model=seed, round_timeout=60).wait()
    reported: list[fedn.RoundResult] = []
    session.continue_(rounds=2).wait(progress=reported.append)
    assert [r.number for r in reported] == [2, 3]
    assert all(len(r.validations) == fedn_server.clients for r in reported)
    assert len(session.rounds()) == 3 and len(session.models()) == 3
    weights = npz_arrays(session.latest_model().download())
    assert weights == [pytest.approx(a) for a in shifted(SEED_ARRAYS, 3 * fedavg_step(
        fedn_server.clients))]


def test_progress_without_a_terminal_prints_one_line_per_round(seed: fedn.Model, capsys) -> None:
    session = fedn.Session.start(rounds=2, model=seed, round_timeout=60)
    session.wait(progress=True)
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert [x.split(" ")[1] for x in lines] == ["1/2", "2/2"], err
    committed = [r.model_id for r in session.rounds()]
    for line, model_id in zip(lines, committed):
        assert line.startswith("round ") and " Finished: model " in line
        assert model_id[:8] in line and "mean_weight" in line  # the committed id, not the aggregate
    assert "\r" not in err


def test_unknown_aggregators_and_bad_settings_are_refused_before_sending(
    seed: fedn.Model,
) -> None:
    conn = seed.connection
    assert conn is not None
    sent = conn.requests_sent
    looped: dict[str, Any] = {}
    looped["learning_rate"] = looped  # refers to itself: refused, not a RecursionError
    bad: list[tuple[dict[str, Any], str]] = [
        ({"aggregator": "fedopt", "aggregator_kwargs": looped}, "aggregator_kwargs.learning_rate"),
        ({"aggregator": "fedprox"}, "aggregator"),
        ({"rounds": 0}, "rounds"),
        ({"rounds": -1}, "rounds"),
        ({"rounds": "abc"}, "rounds"),
        ({"round_timeout": "x"}, "round_timeout"),
        ({"aggregator": "fedopt", "aggregator_kwargs": {"serveropt": "sgd"}},
         "aggregator_kwargs.serveropt"),
        ({"aggregator": "fedopt", "aggregator_kwargs": {"lr": 0.1}}, "aggregator_kwargs.lr"),
        ({"aggregator_kwargs": {"learning_rate": 0.1}}, "aggregator_kwargs.learning_rate"),
        ({"validate": "yes"}, "validate"),
    ]
    for kwargs, field in bad:
        with pytest.raises(ValidationError) as err:
            fedn.Session.start(model=seed, **kwargs)
        assert field in err.value.fields, (kwargs, err.value)
    with pytest.raises(ValidationError, match="session_config"):
        fedn.Session.create(seed_model_id=seed.pk, session_config=True)
    with pytest.raises(ValidationError, match="rounds"):
        fedn.Session.get(fedn.Session.list().first().pk).continue_(rounds=0)
    assert conn.requests_sent == sent + 2  # only the list and get above


def test_statuses_match_roles_in_any_case(seed: fedn.Model) -> None:
    session = fedn.Session.start(rounds=1, model=seed, round_timeout=60).wait()
    lower = session.statuses(sender__role="client").to_list()
    upper = session.statuses(sender__role="CLIENT").to_list()
    assert lower and [s.pk for s in lower] == [s.pk for s in upper]
    assert {s.sender.role for s in lower if s.sender} == {"CLIENT"}
    validations = fedn.Validation.list(session_id=session.pk, receiver__role="combiner")
    assert len(validations) == len(session.validations())


def test_failed_training_raises_with_every_round(make_fedn_server, files) -> None:
    # A failing train step kills real client processes: a network of its own.
    server: FednServer = make_fedn_server(clients=2)
    conn = connect_to(server)
    try:
        fedn.Package.upload(files["package"], connection=conn)
        poisoned = fedn.Model.upload(npz_bytes([[-999.0, 1.0]]), name="poisoned", connection=conn)
        session = fedn.Session.start(rounds=2, model=poisoned, round_timeout=2, connection=conn)
        with pytest.raises(fedn.SessionFailedError) as err:
            session.wait()
        assert err.value.session is session and session.status == "Finished"
        assert [r.status for r in err.value.rounds] == ["Failed", "Failed"]
        assert len(err.value.failed) == 2 and "2 of 2 rounds failed" in str(err.value)
        assert session.latest_model() is None and len(session.models()) == 0
        # Reported, not raised, when asked.
        again = fedn.Session.get(session.pk, connection=conn)
        assert again.wait(raise_on_failure=False) is again
        assert [r.status for r in again.history()] == ["Failed", "Failed"]
    finally:
        conn.close()


def test_a_session_the_controller_never_runs_is_a_stall(make_fedn_server, files) -> None:
    """What happens to a controller given an aggregator it does not ship (sent around the SDK)."""
    server: FednServer = make_fedn_server(clients=1)  # this controller is broken afterwards
    conn = connect_to(server)
    try:
        fedn.Package.upload(files["package"], connection=conn)
        seed = fedn.Model.upload(files["seed"], connection=conn)
        config = fedn.SessionConfig(aggregator="fedavg", rounds=1, model_id=seed.pk,
                                    helper_type="numpyhelper").to_wire()
        config["aggregator"] = "fedprox"
        http = server.session()
        created = http.post(server.api + "/sessions/", json={
            "name": f"fedprox-{uuid.uuid4().hex[:6]}", "seed_model_id": seed.pk,
            "session_config": config,
        })
        assert created.status_code == 201, created.text
        sid = created.json()["session_id"]
        started = http.post(server.api + "/sessions/start", json={"session_id": sid, "rounds": 1})
        assert started.status_code == 200  # the controller accepts, then its thread dies
        session = fedn.Session.get(sid, connection=conn)
        with pytest.raises(fedn.SessionStalledError) as err:
            session.wait(start_timeout=3)
        assert err.value.cause == "not_started" and session.status == "Created"
        assert "aggregator" in str(err.value)
        with pytest.raises(fedn.SessionStartError, match="already running"):
            fedn.Session.start(rounds=1, model=seed, connection=conn)
    finally:
        conn.close()


def test_aggregator_kwargs_read_back_as_a_dict_from_either_client(
    seed: fedn.Model, fedn_server: FednServer
) -> None:
    from hub_sdk.compat.fedn import APIClient

    kwargs = {"serveropt": "adam", "learning_rate": 0.25}
    typed = fedn.Session.create(seed_model_id=seed.pk, session_config={
        "aggregator": "fedopt", "aggregator_kwargs": kwargs})
    host, port = fedn_server.url.split("://", 1)[1].rsplit(":", 1)
    compat = APIClient(host, port=int(port), max_retries=0)
    name = f"compat-{uuid.uuid4().hex[:6]}"
    answer = compat.start_session(name=name, aggregator="fedopt", aggregator_kwargs=kwargs,
                                  model_id=seed.pk, rounds=1, round_timeout=60)
    assert answer["message"] == "Session started", answer
    from_compat = fedn.Session.get(answer["session_id"]).wait()
    raw_typed = compat.get_session(typed.pk)["session_config"]["aggregator_kwargs"]
    raw_compat = compat.get_session(answer["session_id"])["session_config"]["aggregator_kwargs"]
    assert raw_typed == raw_compat  # the same on the wire, whichever client created it
    for s in (fedn.Session.get(typed.pk), from_compat):
        assert s.session_config is not None and s.session_config.aggregator_kwargs == kwargs


def test_the_uploaded_package_is_what_the_clients_run() -> None:
    import io
    import tarfile

    import yaml

    with tarfile.open(fileobj=io.BytesIO(package_bytes())) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    assert set(files) == {f"client/{p.name}" for p in package_files()}
    entry_points = yaml.safe_load(files["client/fedn.yaml"])["entry_points"]
    assert set(entry_points) == {"train", "validate", "predict"}
    for spec in entry_points.values():
        script = spec["command"].split()[-1]
        assert f"client/{script}" in files


def test_a_round_nobody_can_finish_is_a_stall(make_fedn_server, files, monkeypatch) -> None:
    from hub_sdk.fedn import waiting

    # Training fails and the client processes die: the round waits out its timeout.
    server: FednServer = make_fedn_server(clients=1)
    conn = connect_to(server)
    try:
        fedn.Package.upload(files["package"], connection=conn)
        poisoned = fedn.Model.upload(npz_bytes([[-999.0, 1.0]]), name="poisoned", connection=conn)
        session = fedn.Session.start(rounds=1, model=poisoned, round_timeout=120,
                                     connection=conn)
        with pytest.raises(fedn.SessionStalledError) as quiet:
            session.wait(stall_timeout=3)
        assert quiet.value.cause == "no_progress" and "no progress" in str(quiet.value)
        monkeypatch.setattr(waiting, "CLIENT_CHECK", 1.0)
        with pytest.raises(fedn.SessionStalledError) as alone:
            session.wait()
        assert alone.value.cause == "no_clients" and "no client is online" in str(alone.value)
        assert alone.value.session is session and session.status == "Started"
    finally:
        conn.close()


def test_wait_stays_within_its_request_budget(seed: fedn.Model) -> None:
    import time

    from hub_sdk.fedn import waiting

    session = fedn.Session.start(rounds=3, model=seed, round_timeout=60)
    conn = seed.connection
    assert conn is not None
    sent, started = conn.requests_sent, time.monotonic()
    session.wait(poll=1.0)
    elapsed = time.monotonic() - started
    # On average one request a second, after a burst (the final status read comes on top).
    assert conn.requests_sent - sent <= elapsed / 1.0 + waiting.BURST + 1
    assert all(len(r.validations) > 0 for r in session.history())
