"""The generic routes of every catalogue entity: list, count, get, and delete or patch.

For each entity ``E`` of :data:`~..catalogue.ENTITIES`: ``GET /api/v1/E/`` and ``POST
/api/v1/E/list`` answer ``{"count": total, "result": [...]}`` (filters in the query string or
the body, paging in headers), ``GET|POST /api/v1/E/count`` a bare integer, ``GET
/api/v1/E/<id>`` the object or 404; ``DELETE`` and ``PATCH``/``PUT`` exist where the entity
declares them (``deleted_as``, ``patch_keeps``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from werkzeug.wrappers import Request, Response

from ...http_json import flask_json
from ..catalogue import API, ENTITIES, Entity
from ..filters import build_filters
from ..validation import BadRequest, validate_session_config
from .request import body_filters, header_int, query_filters
from .room import Room, Route, message, not_found

__all__ = ["Crud"]


class Crud(Room):
    """List, count, get, delete and patch, for every entity of the catalogue."""

    def routes(self) -> list[Route]:
        """The generic routes of every entity (and whatever this room declares itself)."""
        out = super().routes()
        for e in ENTITIES.values():
            p = f"{API}/{e.name}"
            out += [
                Route(p + "/", ("GET",), partial(self.list_get, e)),
                Route(p + "/list", ("POST",), partial(self.list_post, e)),
                Route(p + "/count", ("GET",), partial(self.count_get, e)),
                Route(p + "/count", ("POST",), partial(self.count_post, e)),
                Route(p + "/<string:id>", ("GET",), partial(self.get_one, e)),
            ]
            if e.deleted_as is not None:
                out.append(Route(p + "/<string:id>", ("DELETE",), partial(self.delete, e)))
            if e.patch_keeps is not None:
                out.append(Route(p + "/<string:id>", ("PATCH", "PUT"), partial(self.patch, e)))
        return out

    # ------------------------------------------------------------------ listing and counting

    def _page(self, entity: Entity, request: Request, params: Mapping[str, Any]) -> Response:
        """One page of matching objects and the total, paged by the ``X-`` headers."""
        filters, strict_ne = build_filters(entity, params)
        h = request.headers
        order = h.get("X-Sort-Order")
        descending = order is None or order.lower() != "asc"
        docs, total = self.data.list(entity.name, filters, limit=header_int(h.get("X-Limit")),
                                     skip=header_int(h.get("X-Skip")),
                                     sort_key=h.get("X-Sort-Key"), descending=descending,
                                     strict_ne=strict_ne)
        return flask_json({"count": total, "result": [entity.render(d) for d in docs]})

    def _count(self, entity: Entity, params: Mapping[str, Any]) -> Response:
        """The number of matching objects, as a bare integer."""
        filters, strict_ne = build_filters(entity, params)
        if strict_ne:
            return flask_json(self.data.list(entity.name, filters, strict_ne=strict_ne)[1])
        return flask_json(self.data.count(entity.name, filters))

    def list_get(self, entity: Entity, request: Request) -> Response:
        """``GET /E/?filters``."""
        return self._page(entity, request, query_filters(request))

    def list_post(self, entity: Entity, request: Request) -> Response:
        """``POST /E/list`` with the filters in the body."""
        return self._page(entity, request, body_filters(request))

    def count_get(self, entity: Entity, request: Request) -> Response:
        """``GET /E/count?filters``."""
        return self._count(entity, query_filters(request))

    def count_post(self, entity: Entity, request: Request) -> Response:
        """``POST /E/count`` with the filters in the body."""
        return self._count(entity, body_filters(request))

    # ------------------------------------------------------------------ one object

    def get_one(self, entity: Entity, request: Request, id: str) -> Response:
        """``GET /E/<id>``."""
        doc = self.data.get(entity.name, id)
        if doc is None:
            return not_found(id)
        return flask_json(entity.render(doc))

    def delete(self, entity: Entity, request: Request, id: str) -> Response:
        """``DELETE /E/<id>``: "<Object> deleted"."""
        if not self.data.delete(entity.name, id):
            return not_found(id)
        return message(f"{entity.deleted_as} deleted", 200)

    def patch(self, entity: Entity, request: Request, id: str) -> Response:
        """``PATCH|PUT /E/<id>``: change the writable fields sent; the object after the change."""
        name = entity.name
        doc = self.data.get(name, id)
        if doc is None:
            return not_found(id)
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequest("Invalid object")
        keeps = entity.patch_keeps or ()
        changes = {k: v for k, v in body.items()
                   if k in entity.fields and k not in keeps
                   and k not in ("committed_at", "updated_at")}
        if "session_config" in changes:
            changes["session_config"] = validate_session_config(
                {**doc["session_config"], **(changes["session_config"] or {})})
        status = changes.get("status")
        if name == "sessions" and "status" in changes and not isinstance(status, str):
            raise BadRequest("Invalid object")
        updated = self.data.update(name, id, changes)
        if updated is None:
            return not_found(id)
        return flask_json(entity.render(updated))
