"""The FEDn controller API: ``connect()``, then typed resources such as ``Model``.

Resource modules are imported on first use, so ``import hub_sdk.fedn`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import FednResource
from .connection import FednConnection, connect
from .protocol import FednProtocol

# Resource name -> module (relative to this package) that declares it.
_LAZY: dict[str, str] = {}

__all__ = ["FednConnection", "FednProtocol", "FednResource", "connect", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hub_sdk.fedn' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
