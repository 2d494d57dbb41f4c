"""Models: seed uploads, downloads, parameters and lineage (ancestors, descendants, leaves).

A seed model can be uploaded once a package is active; with ``numpyhelper`` it must be an
``.npz`` archive. Lineage follows ``parent_model``: ancestors nearest first, descendants
breadth first, both limited by ``X-Limit`` (10 by default). The "active model" routes of
older versions answer 410, as on fedn 0.33.0.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ...http_json import flask_json
from ..catalogue import API, ENTITIES, Doc
from ..engine.request import header_int, uploaded_file
from ..engine.room import Room, attachment, message, not_found, route
from ..npz import npz_arrays
from ..validation import BadRequest

__all__ = ["Models"]

_MODELS = ENTITIES["models"]


class Models(Room):
    """Seed uploads, downloads, parameters and lineage of models."""

    @route(f"{API}/models/", "POST")
    def upload_model(self, request: Request) -> Response:
        """``POST /models/`` multipart ``file`` (+ ``name``): a seed model."""
        payload = uploaded_file(request).read()
        active = self.data.active_package()
        helper = active["helper"] if active else None
        ok = helper is not None
        if helper == "numpyhelper":
            try:
                npz_arrays(payload)
            except ValueError:
                ok = False
        if not ok:
            return flask_json({"success": False, "message": "Failed to add model."}, 400)
        self.data.add_model_bytes(payload, name=request.form.get("name") or None)
        return flask_json({"success": True, "message": "Model added successfully"})

    @staticmethod
    def _lineage_limit(request: Request) -> int:
        """``X-Limit``, 10 when absent or bad."""
        return header_int(request.headers.get("X-Limit")) or 10

    @route(f"{API}/models/<string:id>/ancestors", "GET")
    def ancestors(self, request: Request, id: str) -> Response:
        """``GET /models/<id>/ancestors[?include_self=true]``: parents, nearest first."""
        model = self.data.get("models", id)
        if model is None:
            return not_found(id)
        include_self = request.args.get("include_self", "").lower() == "true"
        limit = self._lineage_limit(request)
        chain: list[Doc] = [model] if include_self else []
        current = model.get("parent_model")
        while current and len(chain) < limit + (1 if include_self else 0):
            parent = self.data.get("models", current)
            if parent is None:
                break
            chain.append(parent)
            current = parent.get("parent_model")
        if request.headers.get("X-Reverse", "").lower() == "true":
            chain.reverse()
        return flask_json([_MODELS.render(d) for d in chain])

    @route(f"{API}/models/<string:id>/descendants", "GET")
    def descendants(self, request: Request, id: str) -> Response:
        """``GET /models/<id>/descendants``: children, breadth first."""
        if self.data.get("models", id) is None:
            return not_found(id)
        limit = self._lineage_limit(request)
        out: list[Doc] = []
        frontier = [id]
        while frontier and len(out) < limit:
            children, _ = self.data.list("models", {"parent_model__in": frontier},
                                         descending=False)
            out.extend(children)
            frontier = [c["model_id"] for c in children]
        return flask_json([_MODELS.render(d) for d in out[:limit]])

    @route(f"{API}/models/leaf-nodes", "GET")
    def leaf_nodes(self, request: Request) -> Response:
        """``GET /models/leaf-nodes``: models nobody descends from."""
        docs, _ = self.data.list("models", descending=False)
        parents = {d.get("parent_model") for d in docs}
        return flask_json([_MODELS.render(d) for d in docs if d["model_id"] not in parents])

    @route(f"{API}/models/<string:id>/download", "GET")
    def download_model(self, request: Request, id: str) -> Response:
        """``GET /models/<id>/download``: the bytes, as an attachment named by the id."""
        if self.data.get("models", id) is None:
            return not_found(id)
        payload = self.data.model_bytes(id)
        if payload is None:
            return message("An unexpected error occurred", 500)
        return attachment(request, payload, id, "application/octet-stream")

    @route(f"{API}/models/<string:id>/parameters", "GET")
    def model_parameters(self, request: Request, id: str) -> Response:
        """``GET /models/<id>/parameters``: ``{"array": [[...], ...]}`` for numpy models."""
        if self.data.get("models", id) is None:
            return not_found(id)
        try:
            arrays = npz_arrays(self.data.model_bytes(id) or b"")
        except ValueError as exc:
            raise BadRequest(f"Model parameters cannot be read: {exc}") from None
        return flask_json({"array": arrays})

    @route(f"{API}/models/active", "GET", "PUT")
    def active_model_gone(self, request: Request) -> Response:
        """``/models/active``: the real controller removed the concept (410)."""
        if request.method == "GET":
            text = ("This endpoint has been deprecated and is no longer available.The active "
                    "model concept is no longer used in Fedn. Please use the /models endpoint to "
                    "retrieve models.")
        else:
            text = ("This endpoint has been deprecated and is no longer available. The active "
                    "model concept is no longer used in Fedn.")
        return flask_json({"error": text}, 410)
