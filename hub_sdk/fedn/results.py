"""What sessions leave behind: statuses, validations, predictions, metrics, runs, attributes,
telemetry."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.protocol import loads
from ..core.relations import OptionalParent, Parent
from .base import FednResource
from .types import Sender, Timestamp

if TYPE_CHECKING:
    from ..core.connection import Connection
    from .models import Model
    from .sessions import Round, Session


class Status(
    FednResource,
    path="statuses",
    actions="list get",
    id_field="status_id",
    repr_fields="type status",
):
    """An event reported by the controller, a combiner or a client."""

    status_id: str
    status: str | None = None
    log_level: str | None = None
    type: str | None = None
    session_id: str | None = None
    correlation_id: str | None = None
    sender: Sender | None = None
    timestamp: Timestamp = None
    data: str | None = None
    extra: str | None = None

    session: ClassVar[OptionalParent[Session]] = OptionalParent("Session", key="session_id")


class Validation(
    FednResource,
    path="validations",
    actions="list get",
    id_field="validation_id",
    repr_fields="model_id",
):
    """A client's evaluation of a model; ``metrics`` is its JSON ``data`` as a dict."""

    validation_id: str
    model_id: str | None = None
    session_id: str | None = None
    correlation_id: str | None = None
    data: str | None = None
    meta: str | None = None
    sender: Sender | None = None
    receiver: Sender | None = None
    timestamp: Timestamp = None

    model: ClassVar[Parent[Model]] = Parent("Model", key="model_id")
    session: ClassVar[Parent[Session]] = Parent("Session", key="session_id")

    @property
    def metrics(self) -> dict[str, Any]:
        """The metrics the client reported (``data`` decoded; empty if it is not JSON)."""
        return _decode(self.data)


class Prediction(
    FednResource,
    path="predictions",
    actions="list get",
    id_field="prediction_id",
    repr_fields="model_id correlation_id",
):
    """A client's prediction with a model; ``prediction_id`` is the id given to ``start``."""

    prediction_id: str
    model_id: str | None = None
    correlation_id: str | None = None
    data: str | None = None
    meta: str | None = None
    sender: Sender | None = None
    receiver: Sender | None = None
    timestamp: Timestamp = None

    model: ClassVar[Parent[Model]] = Parent("Model", key="model_id")

    @property
    def output(self) -> dict[str, Any]:
        """The prediction ``data`` decoded (empty if it is not JSON)."""
        return _decode(self.data)

    @classmethod
    def start(
        cls,
        model: Model | str | None = None,
        prediction_id: str | None = None,
        *,
        connection: Connection | None = None,
    ) -> str:
        """Ask the clients to predict with ``model`` (default: the latest); returns the id.

        The answer arrives asynchronously as ``Prediction.get(<id>)``. fedn 0.33.0 stores
        one answer per id: the first client's; with several clients the others' answers
        are refused ("Entity with id ... already exists") and those client processes crash.
        The latest model is looked up here and sent: on MongoDB, fedn 0.33.0 answers 200 to
        a start without a model, then its prediction thread fails and no client is asked.
        """
        from .models import Model

        conn = cls._conn(connection)
        if model is None:
            model = Model.latest(connection=conn)
        prediction_id = prediction_id or str(uuid.uuid4())
        body: dict[str, Any] = {"prediction_id": prediction_id}
        if model is not None:
            body["model_id"] = getattr(model, "pk", model)
        conn.request("POST", "predictions/start", body=body)
        return prediction_id


class Metric(
    FednResource,
    path="metrics",
    actions="list get",
    id_field="metric_id",
    repr_fields="key value step",
):
    """One value a client logged during training (``key``, ``value``, ``step``)."""

    metric_id: str
    key: str | None = None
    value: float | None = None
    step: int | None = None
    model_id: str | None = None
    session_id: str | None = None
    round_id: str | None = None
    sender: Sender | None = None
    timestamp: Timestamp = None

    model: ClassVar[Parent[Model]] = Parent("Model", key="model_id")
    session: ClassVar[OptionalParent[Session]] = OptionalParent("Session", key="session_id")
    round: ClassVar[OptionalParent[Round]] = OptionalParent("Round", key="round_id")


class Run(
    FednResource,
    path="runs",
    actions="list get",
    id_field="run_id",
    repr_fields="session_id rounds",
):
    """One start (or continuation) of a session."""

    run_id: str
    session_id: str | None = None
    model_id: str | None = None
    rounds: int | None = None
    round_timeout: int | None = None
    completed_at: Timestamp = None
    completed_at_model_id: str | None = None

    session: ClassVar[Parent[Session]] = Parent("Session", key="session_id")
    model: ClassVar[Parent[Model]] = Parent("Model", key="model_id")
    final_model: ClassVar[OptionalParent[Model]] = OptionalParent(
        "Model", key="completed_at_model_id"
    )


class Attribute(
    FednResource,
    path="attributes",
    actions="list get create",
    id_field="attribute_id",
    create_required="key value",
    repr_fields="key value",
):
    """A key/value a client reports about itself (e.g. ``charging``)."""

    attribute_id: str
    key: str | None = None
    value: str | None = None
    sender: Sender | None = None
    timestamp: Timestamp = None

    @classmethod
    def add(
        cls,
        key: str,
        value: Any,
        client_id: str,
        *,
        name: str = "",
        role: str = "client",
        connection: Connection | None = None,
    ) -> Attribute:
        """Record ``key = value`` for the client ``client_id``."""
        sender = {"name": name, "role": role, "client_id": client_id}
        return cls.create(connection=connection, key=key, value=str(value), sender=sender)

    @classmethod
    def current(
        cls, client_ids: Iterable[str] | str, *, connection: Connection | None = None
    ) -> dict[str, Any]:
        """``{client_id: {key: value}}``: the latest attributes of each client.

        Unknown clients map to the server's message instead of a dict.
        """
        ids = [client_ids] if isinstance(client_ids, str) else [str(c) for c in client_ids]
        resp = cls._conn(connection).request("POST", "attributes/current", body={"client_ids": ids})
        return dict(resp.data) if isinstance(resp.data, dict) else {}


class Telemetry(
    FednResource,
    path="telemetry",
    actions="list get",
    id_field="telemetry_id",
    repr_fields="key value",
):
    """A measurement a client reports about itself (e.g. memory use)."""

    telemetry_id: str
    key: str | None = None
    value: float | None = None
    sender: Sender | None = None
    timestamp: Timestamp = None


def _decode(data: str | None) -> dict[str, Any]:
    if not data:
        return {}
    try:
        value = loads(data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {"value": value}
