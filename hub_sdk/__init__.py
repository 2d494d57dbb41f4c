"""hub-sdk: a typed, ORM-style SDK for the Auger Hub and FEDn controller REST APIs.

``from hub_sdk import auger, fedn`` — each API package is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from . import auger, errors, fedn

__all__ = ["__version__", "auger", "errors", "fedn"]


def __getattr__(name: str) -> Any:
    if name in ("auger", "fedn", "errors", "compat", "testing", "core"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'hub_sdk' has no attribute {name!r}")
