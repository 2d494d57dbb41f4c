"""LocalHub's Auger Hub API (and its optimizers service): a WSGI app over the shared store.

The contract is the recorded one (``../shared/hub-api/HUB_API.md``):

* every parameter may travel in the JSON body, for every verb, or in the query string (the body
  wins); the token is one more parameter (``project_api_token``, ``cluster_api_token``, ``token``,
  ``system_token``);
* envelope ``{"data": ..., "meta": {"status": N}}``; listings add
  ``meta.pagination = {limit, offset, count, total}`` (defaults 50/0, limit capped at 1000 and
  echoed as applied);
* errors ``{"meta": {"status", "errors": [{"error_type", "error_param", "message"}]}}``;
* ids: integers, client-chosen strings, UUIDs or natural keys per resource;
* long-running objects advance *lazily*: the response to a create/deploy shows the initial state,
  and the next read of the object (show, index, ``/status``) shows the finished state. This keeps
  tests deterministic while letting an SDK exercise its polling code.

Scoping: a project token sees only its project's objects (listings are filtered, other objects
are 404); user, cluster and system tokens see everything.

Where things are: :mod:`.catalogue` (the collections) and :mod:`.templates` (the documents),
:mod:`.engine` (request, envelope, auth, the room base, generic CRUD), :mod:`.routes` (one room
per domain) and :mod:`.app` (the WSGI app that routes to them all).
"""

from __future__ import annotations

from .app import AugerApp
from .engine.auth import Principal, TokenRegistry, hash_password
from .templates import TEMPLATES, iso, make, now_iso

__all__ = [
    "TEMPLATES",
    "AugerApp",
    "Principal",
    "TokenRegistry",
    "hash_password",
    "iso",
    "make",
    "now_iso",
]
