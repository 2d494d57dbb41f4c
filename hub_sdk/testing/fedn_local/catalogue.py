"""The FEDn collections: their route names, id fields, field types and how their dates render.

One :class:`Entity` per collection under ``/api/v1`` (as observed on a real 0.33.0 controller,
``../shared/fedn/FEDN.md``). Internally every date is a float (epoch seconds); it renders as
the controller sends it: RFC 1123 for ``committed_at``, ``updated_at``, ``last_seen`` and
``completed_at``; ISO 8601 with microseconds and ``Z`` for the ``timestamp`` of statuses,
validations and predictions (RFC 1123 for the other timestamps).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

__all__ = [
    "API",
    "ENTITIES",
    "RFC_DATES",
    "SESSION_CONFIG",
    "Doc",
    "Entity",
    "iso_z",
    "parse_date",
    "rfc1123",
]

Doc = dict[str, Any]

#: Where the REST collections live.
API = "/api/v1"
#: Fields rendered as RFC 1123 dates.
RFC_DATES = ("committed_at", "updated_at", "last_seen", "completed_at")


@dataclass(frozen=True)
class Entity:
    """One FEDn collection: route name, store kind, id field, field types, date rendering.

    ``deleted_as`` names the object in the answer to ``DELETE /<name>/<id>`` (no such route
    when None); ``patch_keeps`` are the fields ``PATCH``/``PUT /<name>/<id>`` never change (no
    such routes when None).
    """

    name: str
    id_field: str
    fields: Mapping[str, type]
    iso_timestamp: bool = False
    deleted_as: str | None = None
    patch_keeps: tuple[str, ...] | None = None

    @property
    def kind(self) -> str:
        """The document kind in the store."""
        return "fedn_" + self.name

    def render(self, doc: Mapping[str, Any]) -> Doc:
        """The public JSON object of a stored document (dates formatted, keys sorted)."""
        out: Doc = {}
        for key in sorted(self.fields):
            value = doc.get(key)
            if key in RFC_DATES or (key == "timestamp" and not self.iso_timestamp):
                value = rfc1123(value)
            elif key == "timestamp":
                value = iso_z(value)
            out[key] = value
        if self.name == "models":
            out["model"] = out["model_id"]
            out = dict(sorted(out.items()))
        return out


#: The fields of ``session_config`` and their types (SessionConfigDTO).
SESSION_CONFIG: Mapping[str, type] = {
    "aggregator": str, "aggregator_kwargs": str, "round_timeout": int, "buffer_size": int,
    "rounds": int, "delete_models_storage": bool, "clients_required": int,
    "requested_clients": int, "validate": bool, "helper_type": str, "model_id": str,
    "server_functions": str,
}
_COMMON: dict[str, type] = {"committed_at": float, "updated_at": float}

ENTITIES: dict[str, Entity] = {e.name: e for e in (
    Entity("clients", "client_id", {"client_id": str, "name": str, "combiner": str,
           "combiner_preferred": str, "ip": str, "status": str, "last_seen": float,
           "package": str, **_COMMON}, deleted_as="Client"),
    Entity("combiners", "combiner_id", {"combiner_id": str, "name": str, "address": str,
           "fqdn": str, "ip": str, "parent": dict, "port": int, **_COMMON},
           deleted_as="Combiner"),
    Entity("models", "model_id", {"model_id": str, "name": str, "parent_model": str,
           "session_id": str, **_COMMON}, patch_keeps=("model", "model_id")),
    Entity("packages", "package_id", {"package_id": str, "description": str, "file_name": str,
           "helper": str, "name": str, "storage_file_name": str, "active": bool, **_COMMON}),
    Entity("rounds", "round_id", {"round_id": str, "status": str, "round_config": dict,
           "round_data": dict, "combiners": list, **_COMMON}),
    Entity("sessions", "session_id", {"session_id": str, "name": str, "status": str,
           "session_config": dict, "seed_model_id": str, **_COMMON},
           patch_keeps=("session_id",)),
    Entity("statuses", "status_id", {"status_id": str, "status": str, "timestamp": float,
           "log_level": str, "data": str, "correlation_id": str, "type": str, "extra": str,
           "session_id": str, "sender": dict, **_COMMON}, iso_timestamp=True),
    Entity("validations", "validation_id", {"validation_id": str, "model_id": str, "data": str,
           "correlation_id": str, "timestamp": float, "session_id": str, "meta": str,
           "sender": dict, "receiver": dict, **_COMMON}, iso_timestamp=True),
    Entity("predictions", "prediction_id", {"prediction_id": str, "model_id": str, "data": str,
           "correlation_id": str, "timestamp": float, "meta": str, "sender": dict,
           "receiver": dict, **_COMMON}, iso_timestamp=True),
    Entity("metrics", "metric_id", {"metric_id": str, "key": str, "value": float,
           "timestamp": float, "sender": dict, "model_id": str, "step": int, "round_id": str,
           "session_id": str, **_COMMON}),
    Entity("runs", "run_id", {"run_id": str, "session_id": str, "model_id": str,
           "completed_at_model_id": str, "round_timeout": int, "rounds": int,
           "completed_at": float, **_COMMON}),
    Entity("telemetry", "telemetry_id", {"telemetry_id": str, "key": str, "value": float,
           "timestamp": float, "sender": dict, **_COMMON}),
    Entity("attributes", "attribute_id", {"attribute_id": str, "key": str, "value": str,
           "timestamp": float, "sender": dict, **_COMMON}),
)}


# --------------------------------------------------------------------------- dates


def rfc1123(ts: float | None) -> str | None:
    """``Mon, 23 Nov 2026 12:51:48 GMT`` (what Flask's jsonify makes of a datetime)."""
    if ts is None:
        return None
    return format_datetime(datetime.fromtimestamp(ts, timezone.utc), usegmt=True)


def iso_z(ts: float | None) -> str | None:
    """``2026-11-23T13:02:07.978078Z``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_date(value: Any) -> float | None:
    """Epoch seconds from an ISO 8601 or RFC 1123 string (or a number); None if unparseable."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        try:
            dt = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()
