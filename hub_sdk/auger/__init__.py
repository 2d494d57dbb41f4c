"""The Auger Hub API: ``connect()``, then typed resources such as ``Experiment``.

Resource modules are imported on first use, so ``import hub_sdk.auger`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import AugerResource
from .connection import AugerConnection, connect
from .protocol import AugerProtocol

# Resource name -> module (relative to this package) that declares it.
_LAZY: dict[str, str] = {}

__all__ = ["AugerConnection", "AugerProtocol", "AugerResource", "connect", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hub_sdk.auger' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
