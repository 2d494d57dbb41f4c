"""Log-in tokens and the status lookup of an object."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator

from ..core.connection import Connection
from ..core.resource import Resource
from ..core.secret import Secret
from ..errors import ValidationError
from .base import AugerResource

__all__ = ["STATUS_OBJECTS", "Token", "status"]

# The object names ``GET /status`` accepts (as the server lists them in its 400 answer).
STATUS_OBJECTS = frozenset(
    {
        "Cluster",
        "ClusterTask",
        "Component",
        "ExperimentSession",
        "Organization",
        "Pipeline",
        "Project",
        "ProjectFile",
        "SimilarTrialsRequest",
        "Subscription",
        "WarmStartRequest",
    }
)


def _secret(value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise ValueError("a token must be a string")
    return Secret(value)


SecretStr = Annotated[Secret, PlainValidator(_secret), PlainSerializer(lambda s: s.reveal())]


class Token(
    AugerResource,
    path="tokens",
    actions="create",
    create_required="email password",
    repr_fields="confirmation_required",
    inputs={"email": str, "password": str},
):
    """A user token from e-mail and password (see :func:`hub_sdk.auger.login`); never shown."""

    token: SecretStr | None = None
    confirmation_required: bool | None = None


def status(
    target: Resource | str,
    id: Any = None,
    *,
    connection: Connection | None = None,
) -> str | None:
    """The current ``status`` of an object, from the lightweight ``GET /status`` lookup.

    ``status(project)`` or ``status("Project", 1)``; object names are the API's class names
    (:data:`STATUS_OBJECTS`).
    """
    if isinstance(target, Resource):
        name, id = type(target).__name__, target.pk
        connection = connection or target.connection
    else:
        name = target
    problems = []
    if name not in STATUS_OBJECTS:
        problems.append(("object", f"must be one of {sorted(STATUS_OBJECTS)}"))
    if id is None or id == "":
        problems.append(("id", "is required"))
    if problems:
        raise ValidationError.from_fields("invalid status lookup", problems)
    conn = Token._conn(connection)
    data = conn.request("GET", "status", params={"object": name, "id": id}).data
    value = data.get("status") if isinstance(data, dict) else None
    return None if value is None else str(value)
