"""Sessions and predictions: creating a session, starting it, starting a prediction run.

A start is refused as the controller refuses it (a session already running, too few clients, no
seed model) and otherwise answered at once: the session runs on the simulated network
(:class:`~..simulator.FednSimulator`), which turns it "Started" a moment later.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ...http_json import flask_json
from ..catalogue import API, ENTITIES
from ..engine.request import body
from ..engine.room import Room, message, route
from ..validation import BadRequest, validate_session_config

__all__ = ["Sessions"]

_SESSION_FIELDS = frozenset(
    {"session_id", "name", "status", "seed_model_id", "committed_at", "updated_at"}
)


class Sessions(Room):
    """Session creation and start, and prediction runs."""

    @route(f"{API}/sessions/", "POST")
    def create_session(self, request: Request) -> Response:
        """``POST /sessions/ {name, seed_model_id, session_config}`` → 201."""
        data = dict(body(request))
        if "session_config" not in data:
            raise BadRequest("Missing required field: session_config")
        config = validate_session_config(data.pop("session_config"))
        if any(k not in _SESSION_FIELDS for k in data):
            raise BadRequest("Invalid object")
        doc = self.data.add("sessions", {
            "session_id": None, "name": data.get("name"),
            "status": data.get("status") or "Created", "session_config": config,
            "seed_model_id": data.get("seed_model_id"),
        })
        return flask_json(ENTITIES["sessions"].render(doc), 201)

    @route(f"{API}/sessions/start", "POST")
    def start_session(self, request: Request) -> Response:
        """``POST /sessions/start {session_id[, rounds, round_timeout, model_name_prefix]}``."""
        data = body(request)
        session_id = data.get("session_id")
        rounds = data.get("rounds", "")
        round_timeout = data.get("round_timeout")
        prefix = data.get("model_name_prefix")
        raw_ids = data.get("client_ids")
        client_ids: list[str] | None = None
        if raw_ids is not None:
            if not isinstance(raw_ids, str) or not raw_ids:
                return message("client_ids must be a comma separated string", 400)
            client_ids = raw_ids.split(",")
        if not isinstance(prefix, str) or not prefix:
            prefix = None
        if not session_id:
            return message("Session ID is required", 400)
        session = self.data.get("sessions", str(session_id))
        if session is None:
            return message("Session with specified ID does not exist", 400)
        config = session["session_config"]
        if self.sim.state == "monitoring":
            return message("A session is already running!", 400)
        if not rounds or not isinstance(rounds, int) or isinstance(rounds, bool):
            rounds = config.get("rounds")
        if round_timeout is not None and (not isinstance(round_timeout, (int, float))
                                          or isinstance(round_timeout, bool)):
            raise BadRequest("round_timeout must be a number")
        required = config.get("clients_required") or 1
        if len(self.sim.online_clients(client_ids)) < required:
            return message("Number of available clients is lower than the required minimum "
                           f"of {required}", 400)
        if self.data.get("models", config.get("model_id") or "") is None:
            return message("Session seed model not found", 400)
        if not self.sim.try_start(str(session_id), int(rounds or 1),
                                  None if round_timeout is None else int(round_timeout),
                                  prefix, client_ids):
            return message("A session is already running!", 400)
        return message("Session started", 200)

    @route(f"{API}/predictions/start", "POST")
    def start_predictions(self, request: Request) -> Response:
        """``POST /predictions/start {"prediction_id"[, "model_id"]}``."""
        data = body(request)
        prediction_id = data.get("prediction_id")
        if not prediction_id:
            return message("prediction_id is required", 400)
        model_id = data.get("model_id")
        if model_id is None:
            if self.data.count("models") == 0:
                return message("No models available", 400)
        elif self.data.get("models", str(model_id)) is None:
            return message(f"Model {model_id} not found", 404)
        self.sim.predict(str(prediction_id), None if model_id is None else str(model_id))
        return message("Prediction session started", 200)
