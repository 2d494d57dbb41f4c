"""Value models shared by the FEDn resources, and the controller's two timestamp formats.

The controller renders ``committed_at``, ``updated_at``, ``last_seen`` and ``completed_at`` as
RFC 1123 (``"Mon, 23 Nov 2026 12:51:48 GMT"``) and status/validation ``timestamp`` as ISO 8601
(``"2026-11-23T13:02:07.978078Z"``); :data:`Timestamp` reads both into aware datetimes.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Annotated, Any, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

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

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_FRACTION = re.compile(r"(\.\d+)")


@lru_cache(maxsize=8192)
def parse_timestamp(text: str) -> datetime:
    """An aware datetime from RFC 1123 or ISO 8601 text (naive values are taken as UTC)."""
    s = text.strip()
    # Fast path for the fixed-width RFC 1123 form the controller renders for most dates.
    if len(s) == 29 and s[3] == "," and s.endswith(" GMT"):
        try:
            return datetime(
                int(s[12:16]),
                _MONTHS[s[8:11]],
                int(s[5:7]),
                int(s[17:19]),
                int(s[20:22]),
                int(s[23:25]),
                tzinfo=timezone.utc,
            )
        except (KeyError, ValueError):
            pass
    iso = s[:-1] + "+00:00" if s[-1:] in ("Z", "z") else s
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        # Python 3.10 takes only 3 or 6 fraction digits.
        padded = _FRACTION.sub(lambda m: (m.group(1) + "000000")[:7], iso, count=1)
        try:
            dt = datetime.fromisoformat(padded)
        except ValueError:
            try:
                dt = parsedate_to_datetime(s)
            except (TypeError, ValueError, IndexError):
                raise ValueError(f"not an RFC 1123 or ISO 8601 timestamp: {text!r}") from None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)


def _to_datetime(value: Any) -> Any:
    if isinstance(value, str):
        return parse_timestamp(value) if value.strip() else None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc)
    return value


#: An optional aware datetime read from either of the controller's formats.
Timestamp = Annotated[Optional[datetime], BeforeValidator(_to_datetime)]  # noqa: UP045


def _none_text(value: Any) -> Any:
    """``"None"``/``"null"``/``""`` (how combiners stringify a missing value) -> None."""
    if isinstance(value, str) and value in ("None", "null", ""):
        return None
    return value


#: Config values that combiners report as strings (``"60"``, ``"True"``, ``"None"``).
WireInt = Annotated[Optional[int], BeforeValidator(_none_text)]  # noqa: UP045
WireFloat = Annotated[Optional[float], BeforeValidator(_none_text)]  # noqa: UP045
WireBool = Annotated[Optional[bool], BeforeValidator(_none_text)]  # noqa: UP045
WireStr = Annotated[Optional[str], BeforeValidator(_none_text)]  # noqa: UP045


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
