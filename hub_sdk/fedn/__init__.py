"""The FEDn controller API: ``connect()``, then typed resources such as ``Model``.

Resource modules are imported on first use, so ``import hub_sdk.fedn`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.exports import LazyExports, register_api
from .connection import FednConnection, connect
from .protocol import FednProtocol

if TYPE_CHECKING:
    from .base import FednResource
    from .errors import (
        NoActivePackageError,
        SessionFailedError,
        SessionStalledError,
        SessionStartError,
        SessionTimeoutError,
    )
    from .history import RoundHistory, RoundResult
    from .models import Model
    from .network import Client, Combiner, client_config, controller_status, health
    from .packages import Package
    from .results import Attribute, Metric, Prediction, Run, Status, Telemetry, Validation
    from .sessions import Round, Session
    from .types import (
        AGGREGATORS,
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

# The names of the TYPE_CHECKING block above, by module (tests/meta/test_exports.py checks).
_exports = LazyExports(
    __name__,
    globals(),
    base="FednResource",
    errors="NoActivePackageError SessionFailedError SessionStalledError SessionStartError"
    " SessionTimeoutError",
    history="RoundHistory RoundResult",
    models="Model",
    network="Client Combiner client_config controller_status health",
    packages="Package",
    results="Attribute Metric Prediction Run Status Telemetry Validation",
    sessions="Round Session",
    types="AGGREGATORS ClientConfig CombinerReport ControllerStatus RoundConfig RoundData Sender"
    " SessionConfig Timestamp parse_timestamp",
)
register_api("fedn", _exports)
if not TYPE_CHECKING:  # type checkers see the real names above, not an Any fallback
    __getattr__, __dir__ = _exports.load, _exports.names

__all__ = [
    "AGGREGATORS",
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
    "RoundHistory",
    "RoundResult",
    "Run",
    "Sender",
    "Session",
    "SessionConfig",
    "SessionFailedError",
    "SessionStalledError",
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
