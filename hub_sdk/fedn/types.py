"""Value models shared by the FEDn resources (imported with the resources, not the package)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .wire import Timestamp, WireBool, WireInt, WireStr, _none_text, parse_timestamp

__all__ = [
    "AggregationTime",
    "ClientConfig",
    "CombinerConfig",
    "CombinerData",
    "CombinerReport",
    "ControllerStatus",
    "FednValue",
    "RoundConfig",
    "RoundData",
    "RoundReduce",
    "Sender",
    "SessionConfig",
    "Timestamp",
    "parse_timestamp",
]

class FednValue(BaseModel):
    """A nested FEDn value (not a resource); unknown fields are kept."""

    model_config = ConfigDict(
        extra="allow", defer_build=True, populate_by_name=True, protected_namespaces=()
    )


class Sender(FednValue):
    """Who sent a status, validation, metric or attribute."""

    name: str | None = None
    role: str | None = None
    client_id: str | None = None


class SessionConfig(FednValue):
    """A session's ``session_config`` (``validate`` is ``validate_`` in Python)."""

    aggregator: str | None = None
    aggregator_kwargs: str | dict[str, Any] | None = None
    round_timeout: int | None = None
    buffer_size: int | None = None
    rounds: int | None = None
    delete_models_storage: bool | None = None
    clients_required: int | None = None
    requested_clients: int | None = None
    validate_: bool | None = Field(default=None, alias="validate")
    helper_type: str | None = None
    model_id: str | None = None
    server_functions: str | None = None

    @property
    def aggregator_options(self) -> dict[str, Any]:
        """``aggregator_kwargs`` as a dict (the server stores it as JSON text)."""
        raw = self.aggregator_kwargs
        if isinstance(raw, dict):
            return raw
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def to_wire(self) -> dict[str, Any]:
        """The JSON the controller expects (``validate`` by its name, kwargs as JSON text)."""
        body = self.model_dump(mode="json", by_alias=True)
        if isinstance(body.get("aggregator_kwargs"), dict):
            body["aggregator_kwargs"] = json.dumps(body["aggregator_kwargs"])
        return body


class RoundConfig(FednValue):
    """The configuration a round ran with (typed session settings plus round fields)."""

    aggregator: WireStr = None
    aggregator_kwargs: str | dict[str, Any] | None = None
    round_timeout: WireInt = None
    buffer_size: WireInt = None
    rounds: WireInt = None
    delete_models_storage: WireBool = None
    clients_required: WireInt = None
    requested_clients: WireInt = None
    validate_: WireBool = Field(default=None, alias="validate")
    helper_type: WireStr = None
    model_id: WireStr = None
    server_functions: WireStr = None
    session_id: WireStr = None
    task: WireStr = None
    round_id: WireStr = None
    client_settings: dict[str, Any] | str | None = None
    is_sl_inference: WireBool = None
    selected_clients: list[Any] | str | None = None


class CombinerConfig(RoundConfig):
    """A round configuration as a combiner reports it (every value a string on the wire)."""

    job_id: WireStr = Field(default=None, alias="_job_id")


class AggregationTime(FednValue):
    """How long a combiner spent aggregating."""

    nr_aggregated_models: int | None = None
    time_model_aggregation: float | None = None
    time_model_load: float | None = None


class CombinerData(FednValue):
    """A combiner's round measurements."""

    aggregation_time: AggregationTime | None = None
    nr_expected_updates: int | None = None
    nr_required_updates: int | None = None
    time_combination: float | None = None
    timeout: float | None = None


class CombinerReport(FednValue):
    """One combiner's report on a round."""

    name: str | None = None
    round_id: str | None = None
    model_id: str | None = None
    status: str | None = None
    time_exec_training: float | None = None
    config: CombinerConfig | None = None
    data: CombinerData | None = None


class RoundReduce(FednValue):
    """Timings of the controller's reduce step."""

    time_aggregate_model: float | None = None
    time_fetch_model: float | None = None
    time_load_model: float | None = None


class RoundData(FednValue):
    """The controller's round measurements."""

    time_commit: float | None = None
    reduce: RoundReduce | None = None


class ControllerStatus(FednValue):
    """``GET /get_controller_status``: ``state`` is ``"idle"`` or ``"monitoring"``."""

    state: str

    @property
    def idle(self) -> bool:
        """True when no session is running."""
        return self.state == "idle"

    @property
    def monitoring(self) -> bool:
        """True while a session runs."""
        return self.state == "monitoring"

    def __str__(self) -> str:
        return self.state


class ClientConfig(FednValue):
    """``GET /api/v1/clients/config``: where clients discover their combiner."""

    discover_host: str | None = None
    discover_port: int | None = None
    network_id: str | None = None
    checksum: str | None = None

    @field_validator("discover_port", mode="before")
    @classmethod
    def _port(cls, value: Any) -> Any:
        return _none_text(value)
