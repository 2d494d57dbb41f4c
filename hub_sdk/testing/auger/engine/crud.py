"""The generic handlers: index, show, create, update and delete for every spec of the catalogue.

For each :class:`~hub_sdk.testing.auger.catalogue.Spec` and each action it lists, one route::

    GET    /api/v1/<path>        index   (filters, scoping, pagination)
    GET    /api/v1/<path>/<id>   show
    POST   /api/v1/<path>        create  (the domain room's ``@creates(kind)`` builds the object)
    PATCH  /api/v1/<path>/<id>   update  (writable fields, or the room's ``@updates(kind)``)
    PUT    /api/v1/<path>/<id>   update
    DELETE /api/v1/<path>/<id>   delete  (organizations, clusters and projects only change state)

plus ``GET /api/v1/status``, the status of any object named in ``STATUS_OBJECTS``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...store import Store
from ..catalogue import SPECS, STATUS_OBJECTS, Spec
from .auth import TokenRegistry
from .envelope import invalid, listing, not_found, ok
from .request import HubRequest
from .room import Creator, Handler, Room, Route, Updater, route

__all__ = ["Crud"]


class Crud(Room):
    """The catalogue's collections served generically, with the domain rooms' builders."""

    def __init__(
        self,
        store: Store,
        tokens: TokenRegistry,
        clock: Callable[[], str],
        creators: dict[str, Creator],
        updaters: dict[str, Updater],
    ) -> None:
        """Serve every spec; ``creators`` must cover each spec that lists ``create``."""
        super().__init__(store, tokens, clock)
        self._creators = creators
        self._updaters = updaters

    def routes(self) -> list[Route]:
        """One route per action of every spec, then the declared ones."""
        out: list[Route] = []
        for spec in SPECS:
            base = f"/api/v1/{spec.path}"
            for action in spec.actions:
                if action == "index":
                    out.append(Route("GET", base, self._index(spec)))
                elif action == "show":
                    out.append(Route("GET", f"{base}/<id>", self._show(spec)))
                elif action == "create":
                    out.append(Route("POST", base, self._create(spec)))
                elif action == "update":
                    out.append(Route("PATCH", f"{base}/<id>", self._update(spec)))
                    out.append(Route("PUT", f"{base}/<id>", self._update(spec)))
                elif action == "delete":
                    out.append(Route("DELETE", f"{base}/<id>", self._delete(spec)))
        return out + super().routes()

    def _index(self, spec: Spec) -> Handler:
        def index(req: HubRequest) -> Response:
            limit, offset = req.page()
            filters = self.scope_filter(req, spec)
            for param, (fld, typ) in spec.filters.items():
                value = req.params.get(param)
                if value is None or value == "":
                    continue
                if typ is int:
                    value = req.integer(param)
                elif not isinstance(value, str):
                    value = str(value)
                if fld in filters and filters[fld] != value:
                    return listing([], limit, offset, 0)
                filters[fld] = value
            docs, total = self.store.query(spec.kind, filters, offset=offset, limit=limit)
            return listing(self.render_many(spec.kind, docs), limit, offset, total)

        return index

    def _show(self, spec: Spec) -> Handler:
        def show(req: HubRequest, id: str) -> Response:
            return ok(self.render(spec.kind, self.load(req, spec.kind, id)))

        return show

    def _create(self, spec: Spec) -> Handler:
        creator = self._creators[spec.kind]

        def create(req: HubRequest) -> Response:
            return ok(self.render(spec.kind, creator(req)))

        return create

    def _update(self, spec: Spec) -> Handler:
        custom = self._updaters.get(spec.kind)

        def update(req: HubRequest, id: str) -> Response:
            # a trial search must have been observed "done" before it can be continued
            advance = spec.kind != "trial_search"
            doc = self.load(req, spec.kind, id, advance=advance)
            if custom is not None:
                new = custom(req, doc)
            else:
                changes = req.pick(spec.writable)
                if "updated_at" in doc:
                    changes["updated_at"] = self.clock()
                new = self.store.update(spec.kind, doc["id"], changes) or doc
            return ok(self.render(spec.kind, new))

        return update

    def _delete(self, spec: Spec) -> Handler:
        def delete(req: HubRequest, id: str) -> Response:
            doc = self.load(req, spec.kind, id)
            ts = self.clock()
            changes: dict[str, Any]
            if spec.kind in ("organization", "cluster"):
                changes = {"status": "terminating", "updated_at": ts}
            elif spec.kind == "project":
                changes = {"deleting": True, "updated_at": ts}
            else:
                rendered = self.render(spec.kind, doc)
                rendered["deleted"] = True
                with self.store.transaction():
                    if spec.kind == "endpoint":
                        self.store.delete_where("endpoint_pipeline", {"endpoint_id": doc["id"]})
                    self.store.delete(spec.kind, doc["id"])
                return ok(rendered)
            new = self.store.update(spec.kind, doc["id"], changes)
            return ok(self.render(spec.kind, new or doc))

        return delete

    @route("GET", "/api/v1/status")
    def get_status(self, req: HubRequest) -> Response:
        """``GET /status {object, id}``: the status of any object named in ``STATUS_OBJECTS``."""
        name = req.params.get("object")
        if not isinstance(name, str) or name not in STATUS_OBJECTS:
            allowed = json.dumps(sorted(STATUS_OBJECTS), separators=(", ", ": "))
            raise invalid("object", f"is not in the list {allowed}")
        req.require("id")
        kind = STATUS_OBJECTS[str(name)]
        if kind == "subscription":
            raise not_found("Subscription")
        doc = self.load(req, kind, req.params["id"], model=str(name))
        return ok({"status": doc.get("status")})
