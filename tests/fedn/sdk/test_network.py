"""Clients, combiners, controller status, client config, attributes, predictions, telemetry."""

from __future__ import annotations

import pytest

from hub_sdk import fedn
from hub_sdk.errors import NotFoundError

from ..conftest import FednServer
from ..helpers import SEED_ARRAYS, wait_for
from .conftest import connect_to


def test_controller_status_and_health(conn: fedn.FednConnection) -> None:
    status = fedn.controller_status()
    assert isinstance(status, fedn.ControllerStatus)
    assert status.state in ("idle", "monitoring") and str(status) == status.state
    assert fedn.health() is True


def test_client_config(conn: fedn.FednConnection) -> None:
    cfg = fedn.client_config()
    assert isinstance(cfg, fedn.ClientConfig)
    assert cfg.network_id and cfg.discover_host and isinstance(cfg.discover_port, int)
    assert fedn.Client.config() == cfg


def test_listings_of_every_result_type(conn: fedn.FednConnection) -> None:
    for cls in (
        fedn.Client,
        fedn.Combiner,
        fedn.Status,
        fedn.Validation,
        fedn.Prediction,
        fedn.Metric,
        fedn.Run,
        fedn.Telemetry,
        fedn.Attribute,
        fedn.Round,
        fedn.Session,
        fedn.Package,
        fedn.Model,
    ):
        listing = cls.list(page_size=5)
        assert len(listing) == cls.count()
        assert all(isinstance(x, cls) for x in listing[:5])


def test_get_unknown_objects_is_not_found(conn: fedn.FednConnection) -> None:
    for cls in (fedn.Client, fedn.Combiner, fedn.Status, fedn.Validation, fedn.Run):
        with pytest.raises(NotFoundError):
            cls.get("no-such-id")


def test_attributes_add_and_current(conn: fedn.FednConnection, fedn_server: FednServer) -> None:
    clients = fedn.Client.list().to_list()
    client_id = clients[0].pk if clients else "client-without-process"
    attr = fedn.Attribute.add("charging", True, client_id=client_id)
    assert isinstance(attr, fedn.Attribute) and attr.key == "charging" and attr.value == "True"
    assert attr.sender is not None and attr.sender.client_id == client_id
    assert fedn.Attribute.get(attr.pk) == attr
    current = fedn.Attribute.current([client_id])
    assert client_id in current
    if clients:
        assert current[client_id] == {"charging": "True"}
        assert clients[0].current_attributes() == {"charging": "True"}
        assert attr in clients[0].attributes()


@pytest.mark.fedn_network
def test_clients_and_combiners(conn: fedn.FednConnection, fedn_server: FednServer) -> None:
    clients = fedn.Client.list(order_by="name").to_list()
    assert len(clients) == fedn_server.clients
    first = clients[0]
    assert first.status == "online" and first.last_seen is not None
    assert first.last_seen.tzinfo is not None
    assert fedn.Client.get(first.pk) == first
    combiner = fedn.Combiner.list().first()
    assert combiner is not None and fedn.Combiner.get(combiner.pk) == combiner
    assert {c.pk for c in combiner.clients()} <= {c.pk for c in clients}
    assert len(fedn.Client.active()) == fedn_server.clients
    assert len(fedn.Client.active(combiner=combiner.name)) == len(combiner.clients())
    assert fedn.Client.list(name__ne=first.name).total == len(clients) - 1


@pytest.mark.fedn_network
def test_prediction_start_and_result(make_fedn_server, files) -> None:
    # One client: fedn 0.33.0 keeps one answer per prediction and crashes the other clients.
    server: FednServer = make_fedn_server(clients=1)
    conn = connect_to(server)
    try:
        fedn.Package.upload(files["package"], connection=conn)
        seed = fedn.Model.upload(files["seed"], connection=conn)
        pid = fedn.Prediction.start(connection=conn)  # the latest model, sent explicitly
        wait_for(lambda: fedn.Prediction.count(prediction_id=pid, connection=conn) == 1)
        answer = fedn.Prediction.get(pid, connection=conn)
        assert answer.prediction_id == pid and answer.model_id == seed.pk
        assert answer.correlation_id and answer.correlation_id != pid
        mean = sum(v for a in SEED_ARRAYS for v in a) / 4
        assert answer.output == {"prediction": mean} and answer.model == seed
        assert seed.predictions().total == 1
    finally:
        conn.close()


def test_prediction_start_is_accepted(seed: fedn.Model) -> None:
    pid = fedn.Prediction.start(seed, prediction_id="sdk-prediction")
    assert pid == "sdk-prediction"
