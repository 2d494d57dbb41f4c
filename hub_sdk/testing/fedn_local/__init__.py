"""LocalHub's FEDn controller API: a WSGI app speaking the FEDn 0.33.0 REST contract.

Routes, shapes, status codes, header pagination (``X-Limit``, ``X-Skip``, ``X-Sort-Key``,
``X-Sort-Order``), query filters with ``__gt __lt __gte __lte __ne __eq`` suffixes, ``/list`` and
``/count`` POSTs, uploads and downloads, the 308 for a missing trailing slash, the 410 legacy
routes and optional HS256 JWT auth with roles behave as observed on a real controller (see
``tests/fedn/test_fedn_api_shapes.py``, which runs against both). Where the real server crashes
(a 500) on a client mistake, this app answers 400 with a clear message instead; the response
shapes stay the same. Sessions run on a simulated network that copies a real one's behaviour.

Where things are, from the bottom up: :mod:`.catalogue` (the entities and their dates),
:mod:`.validation` (client mistakes, session settings), :mod:`.filters` (listing filters),
:mod:`.data` (the statestore), :mod:`.npz` (model files without numpy), :mod:`.simulator` (the
simulated network), :mod:`.engine` (request reading, the room base, generic CRUD), :mod:`.routes`
(one room per domain) and :mod:`.app` (the WSGI app that routes to them all). The package is
not named ``fedn``: a module of ``hub_sdk/testing/`` must never shadow a package that the real
controller imports (see :mod:`hub_sdk.testing.fedn_controller`). Its names load on first use,
so :mod:`.npz` imports without werkzeug.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.exports import LazyExports

if TYPE_CHECKING:
    from .app import FednApp
    from .data import FednData
    from .simulator import FednSimulator

__all__ = ["FednApp", "FednData", "FednSimulator"]

_exports = LazyExports(__name__, globals(), app="FednApp", data="FednData",
                       simulator="FednSimulator")
if not TYPE_CHECKING:  # type checkers see the real names above, not an Any fallback
    __getattr__, __dir__ = _exports.load, _exports.names
