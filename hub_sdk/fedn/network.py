"""The network: clients, combiners, the controller's status and the client configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..core import context
from ..core.pagination import LazyList
from ..core.relations import Children
from .base import FednResource
from .types import ClientConfig, ControllerStatus, Timestamp

if TYPE_CHECKING:
    from ..core.connection import Connection
    from .results import Attribute


class Client(
    FednResource,
    path="clients",
    actions="list get delete",
    id_field="client_id",
    repr_fields="name status combiner",
):
    """A client process known to the controller (clients register themselves)."""

    client_id: str
    name: str | None = None
    combiner: str | None = None
    combiner_preferred: str | None = None
    ip: str | None = None
    status: str | None = None
    last_seen: Timestamp = None
    package: str | None = None

    attributes: ClassVar[Children[Attribute]] = Children("Attribute", key="sender__client_id")

    @classmethod
    def active(
        cls, combiner: str | None = None, *, connection: Connection | None = None, **filters: Any
    ) -> LazyList[Client]:
        """The online clients (of one combiner, given its name)."""
        if combiner is not None:
            filters["combiner"] = combiner
        return cls.list(connection=connection, status="online", **filters)

    @classmethod
    def config(
        cls, checksum: bool = False, *, connection: Connection | None = None
    ) -> ClientConfig:
        """Where clients connect to (``GET /clients/config``)."""
        return client_config(checksum, connection=connection)

    def current_attributes(self) -> dict[str, Any]:
        """The client's latest value of every attribute key."""
        from .results import Attribute

        found = Attribute.current([str(self.pk)], connection=self._connection)
        value = found.get(str(self.pk))
        return value if isinstance(value, dict) else {}


class Combiner(
    FednResource,
    path="combiners",
    actions="list get delete",
    id_field="combiner_id",
    repr_fields="name address port",
):
    """A combiner (aggregation server) in the network."""

    combiner_id: str
    name: str | None = None
    address: str | None = None
    fqdn: str | None = None
    ip: str | None = None
    parent: dict[str, Any] | str | None = None
    port: int | None = None

    def clients(self, **filters: Any) -> LazyList[Client]:
        """The clients assigned to this combiner."""
        return Client.list(connection=self._connection, combiner=self.name, **filters)


def _conn(connection: Connection | None) -> Connection:
    return context.resolve("fedn", connection)


def controller_status(*, connection: Connection | None = None) -> ControllerStatus:
    """The controller's state: ``idle``, or ``monitoring`` while a session runs."""
    conn = _conn(connection)
    resp = conn.request("GET", conn.base_url + "/get_controller_status")
    return ControllerStatus.model_validate(resp.data)


def client_config(checksum: bool = False, *, connection: Connection | None = None) -> ClientConfig:
    """Where clients discover their combiner (``GET /api/v1/clients/config``)."""
    params = {"checksum": "true" if checksum else "false"}
    resp = _conn(connection).request("GET", "clients/config", params=params)
    return ClientConfig.model_validate(resp.data)


def health(*, connection: Connection | None = None) -> bool:
    """Whether the controller answers ``GET /health``."""
    conn = _conn(connection)
    resp = conn.request("GET", conn.base_url + "/health", expect="text", max_retries=0)
    return str(resp.data).strip() == "OK"
