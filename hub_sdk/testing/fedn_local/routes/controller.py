"""The routes outside ``/api/v1``: health, the controller's state and the legacy routes.

``GET /health`` answers ``OK`` to anyone; ``GET /get_controller_status`` says whether a session
is running (``idle`` or ``monitoring``). The top-level routes of older FEDn versions
(``/list_models``, ``/start_session``, ...) answer 410 and name their replacement, each behind
the role the controller asks for it, as fedn 0.33.0 does.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ...http_json import flask_json
from ..engine.room import Handler, Room, Route, message, route

__all__ = ["LEGACY", "Controller"]

#: path: (role, methods, message, status)
LEGACY: dict[str, tuple[str, tuple[str, ...], str, int]] = {
    "/add_combiner": ("combiner", ("POST",), "", 410),
    "/get_model_trail": ("admin", ("GET",), "Use /api/v1/models or the GraphQL API instead.", 410),
    "/get_model_ancestors": ("admin", ("GET",),
                             "Use /api/v1/models/<id>/ancestors or the GraphQL API instead.", 410),
    "/get_model_descendants": ("admin", ("GET",),
                               "Use /api/v1/models/<id>/descendants or the GraphQL API instead.",
                               410),
    "/list_models": ("admin", ("GET",), "Use /api/v1/models or the GraphQL API instead.", 410),
    "/get_model": ("admin", ("GET",), "Use /api/v1/models/<id> or the GraphQL API instead.", 410),
    "/list_clients": ("admin", ("GET",), "Use /api/v1/clients instead.", 410),
    "/get_active_clients": ("admin", ("GET",), "Use /api/v1/clients instead.", 410),
    "/list_combiners": ("admin", ("GET",), "Use /api/v1/combiners instead.", 410),
    "/get_combiner": ("admin", ("GET",), "Use /api/v1/combiners/<id> instead.", 410),
    "/list_rounds": ("admin", ("GET",), "Use /api/v1/rounds instead.", 410),
    "/get_round": ("admin", ("GET",), "Use /api/v1/rounds/<id> instead.", 410),
    "/start_session": ("admin", ("GET", "POST"),
                       "Use /api/v1/sessions and /api/v1/sessions/start instead.", 410),
    "/list_sessions": ("admin", ("GET",), "Use /api/v1/sessions or the GraphQL API instead.", 410),
    "/get_session": ("admin", ("GET",), "Use /api/v1/sessions<id> or the GraphQL API instead.",
                     410),
    "/set_active_package": ("admin", ("PUT",), "Use /api/v1/packages/active instead.", 410),
    "/set_package": ("admin", ("POST",), "Use /api/v1/packages instead.", 410),
    "/get_package": ("admin", ("GET",),
                     "Use /api/v1/packages/active or /api/v1/packages/<id> instead.", 410),
    "/list_compute_packages": ("admin", ("GET",), "Use /api/v1/packages instead.", 410),
    "/download_package": ("client", ("GET",), "Use /api/v1/packages/download instead.", 410),
    "/get_package_checksum": ("client", ("GET",), "Use /api/v1/packages/checksum instead.", 410),
    "/get_latest_model": ("admin", ("GET",), "Use /api/v1/models instead.", 410),
    "/set_current_model": ("admin", ("PUT",), "Use /api/v1/models instead.", 410),
    "/get_initial_model": ("admin", ("GET",), "Use /api/v1/models instead.", 410),
    "/set_initial_model": ("admin", ("POST",), "Use /api/v1/models instead.", 410),
    "/get_client_config": ("admin", ("GET",), "Use /api/v1/clients/config instead.", 410),
    "/get_events": ("admin", ("GET",), "Use /api/v1/statuses instead.", 410),
    "/list_validations": ("admin", ("GET",),
                          "Use /api/v1/validations or the GraphQL API instead.", 410),
    "/add_client": ("client", ("POST",), "Use /api/v1/clients/add instead.", 410),
    "/list_combiners_data": ("admin", ("POST",),
                             "Use /api/v1/combiners/clients/count instead.", 410),
    "/delete_model_trail": ("admin", ("GET", "POST"), "Not implemented", 501),
}
_OBSOLETE_COMBINER = ("Adding combiner via REST API is obsolete. Include statestore and object "
                      "store config in combiner config.")


class Controller(Room):
    """Health, the controller's state, and the legacy routes of :data:`LEGACY`."""

    def routes(self) -> list[Route]:
        """The declared routes and one per legacy path."""
        legacy = [Route(path, methods, self._legacy(path, text, status), role)
                  for path, (role, methods, text, status) in LEGACY.items()]
        return super().routes() + legacy

    @route("/health", "GET", role="")
    def health(self, request: Request) -> Response:
        """``GET /health``: ``OK``, to anyone."""
        return Response("OK", mimetype="text/html")

    @route("/get_controller_status", "GET")
    def controller_status(self, request: Request) -> Response:
        """``GET /get_controller_status``: ``{"state": "idle" | "monitoring"}``."""
        return flask_json({"state": self.sim.state})

    @staticmethod
    def _legacy(path: str, text: str, status: int) -> Handler:
        """The handler of one legacy path: its 410 (or 501) answer."""

        def handler(request: Request) -> Response:
            if path == "/add_combiner":
                return flask_json({"success": False, "status": "abort",
                                   "message": _OBSOLETE_COMBINER}, 410)
            if status == 501:
                return message(text, 501)
            return message("This endpoint is deprecated. " + text, status)

        return handler
