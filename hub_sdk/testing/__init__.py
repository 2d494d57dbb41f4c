"""Test helpers: :class:`LocalHub`, a real loopback server for the Auger Hub and FEDn APIs.

``LocalHub`` serves the recorded Auger Hub contract (``auger``) and the FEDn controller API
(``fedn_local``) from one SQLite :class:`~hub_sdk.testing.store.Store`, with optional fault
injection (:class:`Faults`). Names are imported lazily so that ``import hub_sdk.testing`` (for
example by the pytest plugin) does not pull in werkzeug until a server is actually needed;
without the ``local`` extra, importing them raises an ``ImportError`` saying to install
``hub-sdk[local]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .faults import DropConnection, Fault, FaultController, FaultMiddleware, Faults
    from .server import LocalHub
    from .store import Store

__all__ = [
    "DropConnection",
    "Fault",
    "FaultController",
    "FaultMiddleware",
    "Faults",
    "LocalHub",
    "Store",
]

_LAZY = {
    "LocalHub": ".server",
    "Store": ".store",
    "Faults": ".faults",
    "Fault": ".faults",
    "FaultController": ".faults",
    "FaultMiddleware": ".faults",
    "DropConnection": ".faults",
}


#: What to do when the server's dependencies are missing.
_LOCAL_EXTRA = "LocalHub needs the 'local' extra: pip install 'hub-sdk[local]'"


def __getattr__(name: str) -> Any:
    """Import the public names on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    try:
        imported = importlib.import_module(module, __name__)
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] != "werkzeug":
            raise
        raise ImportError(f"{_LOCAL_EXTRA} (werkzeug is not installed)", name=exc.name) from exc
    value = getattr(imported, name)
    globals()[name] = value
    return value
