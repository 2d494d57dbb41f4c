"""Drop-in replacements for the seed clients, built on the hub-sdk core.

``from hub_sdk.compat import HubApiClient`` replaces ``auger.hub_api_client.HubApiClient``;
``from hub_sdk.compat.fedn import APIClient`` replaces ``fedn.APIClient``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .auger import HubApiClient

__all__ = ["HubApiClient"]


def __getattr__(name: str) -> Any:
    if name == "HubApiClient":
        return importlib.import_module(f"{__name__}.auger").HubApiClient
    if name in ("auger", "fedn"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'hub_sdk.compat' has no attribute {name!r}")
