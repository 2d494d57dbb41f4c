"""Value models shared by the FEDn resources (imported with the resources, not the package)."""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from ..core.protocol import loads
from ..errors import ValidationError, invalid, suggest
from .wire import Timestamp, WireBool, WireInt, WireStr, _none_text, parse_timestamp

__all__ = [
    "AGGREGATORS",
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


#: The aggregators fedn 0.33.0 ships (``fedn/network/combiner/aggregators/``) and the
#: ``aggregator_kwargs`` each takes, with their types. A controller given another name kills
#: its session thread: the session stays "Created" and every later start is refused.
AGGREGATORS: dict[str, dict[str, type]] = {
    "fedavg": {},
    "fedopt": {
        "serveropt": str,
        "learning_rate": float,
        "beta1": float,
        "beta2": float,
        "tau": float,
    },
    "splitlearningagg": {},
}
#: The server optimizers fedopt knows.
FEDOPT_SERVEROPTS = ("adam", "yogi", "adagrad")

#: ``Session.start`` argument names of the ``session_config`` keys that are named otherwise.
START_ARGUMENTS = {"helper_type": "helper", "delete_models_storage": "delete_models"}


def _kwargs_value(value: Any) -> Any:
    """``aggregator_kwargs`` as stored: JSON text (SQL stores) or an object -> a dict."""
    value = _none_text(value)
    if isinstance(value, str):
        try:
            parsed = loads(value)
        except ValueError:
            try:
                parsed = ast.literal_eval(value)  # how combiners read it
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return value
        return parsed if isinstance(parsed, dict) or parsed is None else value
    return value


class SessionConfig(FednValue):
    """A session's ``session_config``; its defaults are the published client's.

    ``validate`` is ``validate_`` in Python. ``aggregator_kwargs`` reads as a dict whichever
    way the statestore kept it (SQL stores keep JSON text, MongoDB an object).
    :meth:`build` checks settings strictly before a session is created.
    """

    aggregator: str = "fedavg"
    aggregator_kwargs: Annotated[dict[str, Any] | str | None, BeforeValidator(_kwargs_value)] = (
        None
    )
    round_timeout: int = 180
    buffer_size: int = -1
    rounds: int = 5
    delete_models_storage: bool = True
    clients_required: int = 1
    requested_clients: int | None = 8
    validate_: bool = Field(default=True, alias="validate")
    helper_type: str | None = None
    model_id: str | None = None
    server_functions: str | None = None

    @property
    def aggregator_options(self) -> dict[str, Any]:
        """``aggregator_kwargs`` as a dict (empty when there are none or they are unreadable)."""
        raw = self.aggregator_kwargs
        return raw if isinstance(raw, dict) else {}

    @classmethod
    def build(cls, settings: Mapping[str, Any] | SessionConfig | None = None, /,
              **overrides: Any) -> SessionConfig:
        """Check settings strictly (names, types, ranges, aggregator and its kwargs).

        Raises :class:`~hub_sdk.errors.ValidationError` naming every bad setting, before
        anything is sent; missing settings take the defaults.
        """
        if isinstance(settings, SessionConfig):
            settings = settings.model_dump(by_alias=True, exclude_unset=True)
        elif settings is not None and not isinstance(settings, Mapping):
            raise ValidationError(
                "session_config must be a mapping or a SessionConfig, "
                f"not {type(settings).__name__}",
                field_errors=[("session_config", "must be a mapping or a SessionConfig")],
            )
        values = {**dict(settings or {}), **overrides}
        problems = _check_settings(values)
        if problems:
            raise invalid("session settings", problems)
        return cls.model_validate(values)

    def to_wire(self, store: str | None = None) -> dict[str, Any]:
        """The JSON the controller expects; ``aggregator_kwargs`` as JSON text for SQL stores.

        MongoDB stores (and the published client) keep an object, which combiners read back
        exactly; the SQL stores answer 500 unless it is text.
        """
        body = self.model_dump(mode="json", by_alias=True)
        kwargs = body.get("aggregator_kwargs")
        if store == "sql" and isinstance(kwargs, dict):
            body["aggregator_kwargs"] = json.dumps(kwargs)
        return body


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "aggregator": (str,),
    "round_timeout": (int,),
    "buffer_size": (int,),
    "rounds": (int,),
    "delete_models_storage": (bool,),
    "clients_required": (int,),
    "requested_clients": (int, type(None)),
    "validate": (bool,),
    "helper_type": (str, type(None)),
    "model_id": (str, type(None)),
    "server_functions": (str, type(None)),
    "aggregator_kwargs": (dict, str, type(None)),
}
_MINIMUM = {"rounds": 1, "round_timeout": 1, "clients_required": 1, "requested_clients": 1}


def _check_settings(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Every problem with ``values`` as ``(setting, reason)``; normalises kwargs in place."""
    if "validate_" in values:
        values["validate"] = values.pop("validate_")
    problems: list[tuple[str, str]] = []
    for name in values:
        if name not in _FIELD_TYPES:
            problems.append((name, f"is not a session setting{suggest(name, _FIELD_TYPES)}"))
    for name, kinds in _FIELD_TYPES.items():
        if name not in values:
            continue
        value = values[name]
        # bool is an int in Python; a flag given as 1/0 or a count given as True is a mistake.
        wrong = not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
        if wrong:
            want = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            problems.append((name, f"must be {want}, not {type(value).__name__} {value!r:.40}"))
        elif name in _MINIMUM and value is not None and value < _MINIMUM[name]:
            problems.append((name, f"must be at least {_MINIMUM[name]}, not {value}"))
    buffer = values.get("buffer_size")
    if isinstance(buffer, int) and not isinstance(buffer, bool) and buffer != -1 and buffer < 1:
        problems.append(("buffer_size", f"must be -1 (all clients) or at least 1, not {buffer}"))
    aggregator = values.get("aggregator", "fedavg")
    if isinstance(aggregator, str):
        if aggregator not in AGGREGATORS:
            problems.append((
                "aggregator",
                f"{aggregator!r} is not an aggregator the controller ships "
                f"(fedn 0.33.0: {', '.join(AGGREGATORS)})",
            ))
        elif "aggregator_kwargs" in values:
            problems += _check_kwargs(values, aggregator)
    return problems


def _check_kwargs(values: dict[str, Any], aggregator: str) -> list[tuple[str, str]]:
    """Check (and normalise) ``aggregator_kwargs`` against what ``aggregator`` takes."""
    raw = values["aggregator_kwargs"]
    if isinstance(raw, str):
        parsed = _kwargs_value(raw)
        if not isinstance(parsed, dict):
            return [("aggregator_kwargs", "must be a JSON object (or a dict)")]
        raw = parsed
    if not raw:
        values["aggregator_kwargs"] = None
        return []
    if not isinstance(raw, dict):
        return []  # already reported as a wrong type
    schema = AGGREGATORS[aggregator]
    problems: list[tuple[str, str]] = []
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"aggregator_kwargs.{key}"
        kind = schema.get(key) if isinstance(key, str) else None
        if kind is None:
            takes = ", ".join(schema) or "no aggregator_kwargs"
            problems.append(
                (where, f"is not a {aggregator} parameter ({aggregator} takes {takes})")
            )
        elif kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            if value != value or value in (float("inf"), float("-inf")):
                problems.append((where, "must be a finite number"))
            clean[key] = float(value)
        elif not isinstance(value, kind) or isinstance(value, bool):
            problems.append((where, f"must be {kind.__name__}, not {type(value).__name__}"))
        else:
            clean[key] = value
    serveropt = clean.get("serveropt")
    if serveropt is not None and serveropt not in FEDOPT_SERVEROPTS:
        problems.append((
            "aggregator_kwargs.serveropt",
            f"{serveropt!r} is not one of {', '.join(FEDOPT_SERVEROPTS)}",
        ))
    values["aggregator_kwargs"] = clean
    return problems


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
