"""The FEDn controller API: ``connect()``, then typed resources such as ``Model``.

Resource modules are imported on first use, so ``import hub_sdk.fedn`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .connection import FednConnection, connect
from .protocol import FednProtocol

if TYPE_CHECKING:
    from .base import FednResource
    from .errors import NoActivePackageError, SessionStartError, SessionTimeoutError
    from .models import Model
    from .network import Client, Combiner, client_config, controller_status, health
    from .packages import Package
    from .results import Attribute, Metric, Prediction, Run, Status, Telemetry, Validation
    from .sessions import Round, Session
    from .types import (
        ClientConfig,
        CombinerReport,
        ControllerStatus,
        RoundConfig,
        RoundData,
        Sender,
        SessionConfig,
        Timestamp,
        parse_timestamp,
    )

# Resource name -> module (relative to this package) that declares it.
_LAZY: dict[str, str] = {
    "FednResource": "base",
    "Model": "models",
    "Package": "packages",
    "Session": "sessions",
    "Round": "sessions",
    "Client": "network",
    "Combiner": "network",
    "controller_status": "network",
    "client_config": "network",
    "health": "network",
    "Status": "results",
    "Validation": "results",
    "Prediction": "results",
    "Metric": "results",
    "Run": "results",
    "Attribute": "results",
    "Telemetry": "results",
    "Sender": "types",
    "SessionConfig": "types",
    "RoundConfig": "types",
    "RoundData": "types",
    "CombinerReport": "types",
    "ControllerStatus": "types",
    "ClientConfig": "types",
    "Timestamp": "types",
    "parse_timestamp": "types",
    "NoActivePackageError": "errors",
    "SessionStartError": "errors",
    "SessionTimeoutError": "errors",
}

__all__ = [
    "Attribute",
    "Client",
    "ClientConfig",
    "Combiner",
    "CombinerReport",
    "ControllerStatus",
    "FednConnection",
    "FednProtocol",
    "FednResource",
    "Metric",
    "Model",
    "NoActivePackageError",
    "Package",
    "Prediction",
    "Round",
    "RoundConfig",
    "RoundData",
    "Run",
    "Sender",
    "Session",
    "SessionConfig",
    "SessionStartError",
    "SessionTimeoutError",
    "Status",
    "Telemetry",
    "Timestamp",
    "Validation",
    "client_config",
    "connect",
    "controller_status",
    "health",
    "parse_timestamp",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hub_sdk.fedn' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
