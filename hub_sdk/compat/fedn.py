"""A drop-in for ``fedn.APIClient`` (fedn 0.33.0) on the hub-sdk core.

``from hub_sdk.compat.fedn import APIClient`` replaces ``from fedn import APIClient``: the same
methods, arguments and return dicts (listings are ``{"count", "result"}`` as the server sends
them; server errors come back as the server's ``{"message": ...}`` dict, as the published client
returns them). On top of that it has timeouts, retries of idempotent requests, ``skip=`` to page
past ``n_max``, and it works around the server bugs the published client runs into:
``start_session`` sends ``rounds`` in ``session_config``, validations and predictions are
filtered with the keys the server reads, ``set_active_model`` refuses to run before a package
exists, and ``get_model_trail`` orders the trail the same way on every server.
"""

from __future__ import annotations

import inspect
import os
import uuid
from collections.abc import Mapping
from typing import Any

from ..core.pagination import LazyList
from ..core.protocol import Page
from ..core.request import Timeout
from ..errors import APIStatusError, HubError, ValidationError
from ..fedn.connection import FednConnection, connect, statestore
from ..fedn.types import SessionConfig

__all__ = ["APIClient"]

Json = Any

#: Items fetched per request when a listing has to be paged.
PAGE_SIZE = 500


def _error_dict(exc: APIStatusError) -> Json:
    """The error body as the published client would return it (``response.json()``)."""
    if exc.body is not None:
        return exc.body
    return {"message": exc.message}


class APIClient:
    """A drop-in for the published FEDn ``APIClient`` (see the module docstring).

    Extra keyword arguments: ``timeout`` (seconds, or ``(connect, read)``) and
    ``max_retries`` for idempotent requests.
    """

    def __init__(
        self,
        host: str,
        port: int | None = None,
        secure: bool = False,
        verify: bool = False,
        token: str | None = None,
        auth_scheme: str | None = None,
        *,
        timeout: Timeout = (5.0, 60.0),
        max_retries: int = 3,
    ) -> None:
        if "://" in host:
            scheme, host = host.split("://", 1)
            secure = secure or scheme.lower() == "https"
        self.host = host.rstrip("/")
        self.port = port
        self.secure = secure
        self.verify = verify
        token = token or os.environ.get("FEDN_AUTH_TOKEN") or None
        scheme_name = auth_scheme or os.environ.get("FEDN_AUTH_SCHEME") or "Bearer"
        self.conn: FednConnection = connect(
            self.host,
            token=token,
            auth_scheme=scheme_name,
            # Certificates only matter over TLS; do not warn about plain http.
            verify=verify if secure else True,
            port=port,
            secure=secure,
            timeout=timeout,
            max_retries=max_retries,
            cache_size=0,
            default=False,
        )

    def __repr__(self) -> str:
        return f"APIClient({self.conn.base_url!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self.conn.close()

    # -- transport --------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
        form: Mapping[str, Any] | None = None,
    ) -> Json:
        """One request; the decoded body, or the error body for an error status."""
        try:
            resp = self.conn.request(
                method, path, params=params, body=body, headers=headers, files=files, form=form
            )
        except APIStatusError as exc:
            return _error_dict(exc)
        return resp.data

    def _list(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        n_max: int | None = None,
        skip: int = 0,
        sort: tuple[str, str] | None = None,
    ) -> Json:
        """``{"count", "result"}``: ``n_max`` items from ``skip`` (all when ``n_max`` is None).

        Pages of at most :data:`PAGE_SIZE` items are fetched until enough arrived, so a
        listing is never cut short by a server-side page cap.
        """
        query = {k: v for k, v in (params or {}).items() if v is not None}
        order_by = None if sort is None else ("-" if sort[1] == "desc" else "") + sort[0]
        count: int | None = None

        def fetch(offset: int, size: int) -> Page[Any]:
            nonlocal count
            page = self.conn.fetch_page(path, query, skip + offset, size, order_by)
            count = page.total
            left = None if page.total is None else max(0, page.total - skip)
            return Page(page.items, left)

        try:
            # Plain dicts, as the published client returns: paged by offsets; a listing that
            # changes while paging warns (CollectionChangedWarning) instead of raising.
            items = LazyList(
                fetch, page_size=PAGE_SIZE, limit=n_max, consistency="tolerant"
            ).to_list()
        except APIStatusError as exc:
            return _error_dict(exc)
        return {"count": count if count is not None else len(items), "result": items}

    def _get(self, path: str) -> Json:
        return self._call("GET", path)

    # --- Clients --- #

    def get_client(self, id: str) -> Json:
        """One client."""
        return self._get(f"clients/{id}")

    def get_clients(self, n_max: int | None = None, *, skip: int = 0) -> Json:
        """Clients (``n_max`` of them from ``skip``; all by default)."""
        return self._list("clients/", n_max=n_max, skip=skip)

    def get_clients_count(self) -> Json:
        """The number of clients."""
        return self._get("clients/count")

    def get_client_config(self, checksum: bool = True) -> Json:
        """Where clients connect to, optionally with the package checksum."""
        params = {"checksum": "true" if checksum else "false"}
        return self._call("GET", "clients/config", params=params)

    def get_active_clients(
        self, combiner_id: str | None = None, n_max: int | None = None, *, skip: int = 0
    ) -> Json:
        """Online clients (of one combiner)."""
        params = {"status": "online", "combiner": combiner_id or None}
        return self._list("clients/", params, n_max=n_max, skip=skip)

    # --- Combiners --- #

    def get_combiner(self, id: str) -> Json:
        """One combiner."""
        return self._get(f"combiners/{id}")

    def get_combiners(self, n_max: int | None = None, *, skip: int = 0) -> Json:
        """Combiners."""
        return self._list("combiners/", n_max=n_max, skip=skip)

    def get_combiners_count(self) -> Json:
        """The number of combiners."""
        return self._get("combiners/count")

    # --- Controllers --- #

    def get_controller_status(self) -> Json:
        """``{"state": "idle" | "monitoring"}``."""
        return self._get(self.conn.base_url + "/get_controller_status")

    # --- Models --- #

    def get_model(self, id: str) -> Json:
        """One model."""
        return self._get(f"models/{id}")

    def get_models(
        self, session_id: str | None = None, n_max: int | None = None, *, skip: int = 0
    ) -> Json:
        """Models (of one session)."""
        return self._list("models/", {"session_id": session_id or None}, n_max=n_max, skip=skip)

    def get_models_count(self) -> Json:
        """The number of models."""
        return self._get("models/count")

    def get_active_model(self) -> Json:
        """The latest model."""
        page = self._list("models/", n_max=1, sort=("committed_at", "desc"))
        if isinstance(page, dict) and page.get("result"):
            return page["result"][0]
        return page

    def get_model_trail(
        self,
        id: str | None = None,
        include_self: bool = True,
        reverse: bool = True,
        n_max: int | None = None,
    ) -> Json:
        """The model's ancestors: oldest first when ``reverse`` (the default), else nearest
        first; ``n_max`` nearest ones at most.

        SQL controllers ignore ``include_self`` and ``X-Reverse``; this client applies them
        itself, so every server gives the same trail.
        """
        if not id:
            model = self.get_active_model()
            if not isinstance(model, dict) or "model_id" not in model:
                return model
            id = str(model["model_id"])
        count = n_max if n_max else self.get_models_count()
        if not isinstance(count, int):
            return count
        chain = self._call(
            "GET",
            f"models/{id}/ancestors",
            params={"include_self": "true"},
            headers={"X-Limit": str(count + 1)},
        )
        if not isinstance(chain, list):
            return chain
        if chain and isinstance(chain[0], dict) and chain[0].get("model_id") == id:
            if not include_self:
                chain = chain[1:]
        elif include_self:
            model = self.get_model(id)
            if isinstance(model, dict) and "model_id" in model:
                chain.insert(0, model)
        chain = chain[: count + (1 if include_self else 0)] if n_max else chain
        return list(reversed(chain)) if reverse else chain

    def download_model(self, id: str, path: str) -> Json:
        """Write the model file to ``path``."""
        from ..core import transfer

        try:
            transfer.download(self.conn, f"models/{id}/download", path)
        except (HubError, OSError):
            return {"success": False, "message": "Failed to download model."}
        return {"success": True, "message": "Model downloaded successfully."}

    def set_active_model(self, path: str) -> Json:
        """Upload a seed model (``.npz`` uses numpyhelper, ``.bin`` binaryhelper).

        Refused (with a message) while no package is active: on FEDn 0.33.0 a model uploaded
        before any package breaks the package routes for good.
        """
        helper = {"npz": "numpyhelper", "bin": "binaryhelper"}.get(path.rsplit(".", 1)[-1])
        active = self._get("packages/active")
        if not isinstance(active, dict) or "package_id" not in active:
            return {
                "success": False,
                "message": "No active compute package: set one with set_active_package() "
                "before the seed model.",
            }
        if helper:
            self._call("PUT", "helpers/active", body={"helper": helper})
        with open(path, "rb") as fh:
            content = fh.read()
        form = {"helper": helper} if helper else None
        return self._call(
            "POST", "models/", files={"file": (os.path.basename(path), content)}, form=form
        )

    # --- Packages --- #

    def get_package(self, id: str) -> Json:
        """One compute package."""
        return self._get(f"packages/{id}")

    def get_packages(self, n_max: int | None = None, *, skip: int = 0) -> Json:
        """Compute packages."""
        return self._list("packages/", n_max=n_max, skip=skip)

    def get_packages_count(self) -> Json:
        """The number of packages."""
        return self._get("packages/count")

    def get_active_package(self) -> Json:
        """The active package."""
        return self._get("packages/active")

    def get_package_checksum(self) -> Json:
        """The active package's checksum."""
        return self._get("packages/checksum")

    def download_package(self, path: str) -> Json:
        """Write the active package file to ``path``."""
        from ..core import transfer

        try:
            transfer.download(self.conn, "packages/download", path)
        except (HubError, OSError):
            return {"success": False, "message": "Failed to download package."}
        return {"success": True, "message": "Package downloaded successfully."}

    def set_active_package(self, path: str, helper: str, name: str, description: str = "") -> Json:
        """Upload a compute package; it becomes the active one.

        The server requires a description: an empty one becomes ``"<name>"``.
        """
        with open(path, "rb") as fh:
            content = fh.read()
        return self._call(
            "POST",
            "packages/",
            files={"file": (os.path.basename(path), content)},
            form={"helper": helper, "name": name, "description": description or name},
        )

    # --- Rounds --- #

    def get_round(self, id: str) -> Json:
        """One round."""
        return self._get(f"rounds/{id}")

    def get_rounds(self, n_max: int | None = None, *, skip: int = 0) -> Json:
        """Rounds."""
        return self._list("rounds/", n_max=n_max, skip=skip)

    def get_rounds_count(self) -> Json:
        """The number of rounds."""
        return self._get("rounds/count")

    # --- Sessions --- #

    def get_session(self, id: str | None = None, name: str | None = None) -> Json:
        """One session, by id or by name."""
        if name:
            page = self._list("sessions/", {"name": name}, n_max=1)
            if isinstance(page, dict) and page.get("result"):
                return page["result"][0]
            return {"message": "Session not found."}
        if id:
            return self._get(f"sessions/{id}")
        return {"message": "No id or name provided."}

    def get_sessions(
        self, n_max: int | None = None, name: str | None = None, *, skip: int = 0
    ) -> Json:
        """Sessions (with a given name)."""
        return self._list("sessions/", {"name": name or None}, n_max=n_max, skip=skip)

    def get_sessions_count(self) -> Json:
        """The number of sessions."""
        return self._get("sessions/count")

    def get_session_status(self, id: str) -> Json:
        """The session's status (``"Created"``, ``"Started"``, ``"Finished"``...)."""
        session = self.get_session(id)
        if isinstance(session, dict) and "status" in session:
            return session["status"]
        return "Could not retrieve session status."

    def session_is_finished(self, id: str) -> bool:
        """Whether the session has finished."""
        status = self.get_session_status(id)
        return isinstance(status, str) and status.lower() == "finished"

    def start_session(
        self,
        name: str | None = None,
        aggregator: str = "fedavg",
        aggregator_kwargs: dict[str, Any] | None = None,
        model_id: str | None = None,
        round_timeout: int = 180,
        rounds: int = 5,
        round_buffer_size: int = -1,
        delete_models: bool = True,
        validate: bool = True,
        helper: str | None = None,
        min_clients: int = 1,
        requested_clients: int = 8,
        server_functions: Any = None,
    ) -> Json:
        """Create a session and start it; the start answer plus ``session_id``.

        Unlike fedn 0.33.0 it sends ``rounds`` in ``session_config`` (the SQL store needs it),
        ``aggregator_kwargs`` as each statestore keeps it (an object on MongoDB, JSON text on
        SQL, where an object fails), and refuses settings the controller would choke on (an
        aggregator it does not ship, ``rounds`` below 1) with a ``{"message"}`` dict.
        """
        if aggregator == "splitlearningagg":
            return self.start_splitlearning_session(
                name,
                model_id,
                round_timeout,
                rounds,
                round_buffer_size,
                delete_models,
                validate,
                min_clients,
                requested_clients,
            )
        if model_id is None:
            latest = self.get_active_model()
            if not isinstance(latest, dict) or "model_id" not in latest:
                return {"message": "No models found in the repository"}
            model_id = str(latest["model_id"])
        if helper is None:
            try:
                resp = self.conn.request("GET", "helpers/active")
                helper = str(resp.data)
            except APIStatusError as exc:
                if exc.status not in (400, 404):
                    return {
                        "message": "An unexpected error occurred when getting the active helper"
                    }
                helper = "numpyhelper"
        settings = {
            "aggregator": aggregator,
            "aggregator_kwargs": aggregator_kwargs,
            "round_timeout": round_timeout,
            "buffer_size": round_buffer_size,
            "rounds": rounds,
            "model_id": model_id,
            "delete_models_storage": delete_models,
            "clients_required": min_clients,
            "requested_clients": requested_clients,
            "validate": validate,
            "helper_type": helper,
            "server_functions": None
            if server_functions is None
            else (
                server_functions
                if isinstance(server_functions, str)
                else inspect.getsource(server_functions)
            ),
        }
        try:
            settings_ok = SessionConfig.build(settings)
        except ValidationError as exc:  # the controller would take it and break (or 500)
            return {"message": exc.message}
        try:
            store = statestore(self.conn) if settings_ok.aggregator_kwargs else None
        except APIStatusError as exc:
            return _error_dict(exc)
        config = settings_ok.to_wire(store)
        return self._create_and_start(
            {"name": name, "seed_model_id": model_id, "session_config": config},
            "sessions/start",
            rounds,
            round_timeout,
        )

    def start_splitlearning_session(
        self,
        name: str | None = None,
        model_id: str | None = None,
        round_timeout: int = 180,
        rounds: int = 5,
        round_buffer_size: int = -1,
        delete_models: bool = True,
        validate: bool = False,
        min_clients: int = 1,
        requested_clients: int = 8,
    ) -> Json:
        """Create a split-learning session and start it."""
        config = {
            "aggregator": "splitlearningagg",
            "model_id": model_id,
            "round_timeout": round_timeout,
            "buffer_size": round_buffer_size,
            "rounds": rounds,
            "delete_models_storage": delete_models,
            "clients_required": min_clients,
            "requested_clients": requested_clients,
            "validate": validate,
            "helper_type": "splitlearninghelper",
        }
        return self._create_and_start(
            {"name": name, "session_config": config},
            "sessions/start_splitlearning_session",
            rounds,
            round_timeout,
        )

    def _create_and_start(
        self, body: dict[str, Any], start_path: str, rounds: int, round_timeout: int
    ) -> Json:
        try:
            created = self.conn.request("POST", "sessions/", body=body)
        except APIStatusError as exc:
            return _error_dict(exc)
        session_id = created.data["session_id"]
        start = {"session_id": session_id, "rounds": rounds, "round_timeout": round_timeout}
        answer = self._call("POST", start_path, body=start)
        if isinstance(answer, dict):
            return {**answer, "session_id": session_id}
        return {"success": True, "session_id": session_id, "message": str(answer)}

    def continue_session(self, session_id: str, rounds: int = 5, round_timeout: int = 180) -> Json:
        """Run more rounds of a finished session."""
        if not session_id:
            return {"message": "No session id provided."}
        if rounds is None or rounds <= 0:
            return {"message": "Invalid number of rounds provided. Must be greater than 0."}
        if round_timeout is None or round_timeout <= 0:
            return {"message": "Invalid round timeout provided. Must be greater than 0."}
        session = self.get_session(session_id)
        if not isinstance(session, dict) or "session_id" not in session:
            return {"message": "Session not found."}
        if not self.session_is_finished(session_id):
            return {"message": "Session is already running."}
        start = {"session_id": session_id, "rounds": rounds, "round_timeout": round_timeout}
        return self._call("POST", "sessions/start", body=start)

    # --- Statuses --- #

    def get_status(self, id: str) -> Json:
        """One status event."""
        return self._get(f"statuses/{id}")

    def get_statuses(
        self,
        session_id: str | None = None,
        event_type: str | None = None,
        sender_name: str | None = None,
        sender_role: str | None = None,
        n_max: int | None = None,
        *,
        skip: int = 0,
    ) -> Json:
        """Status events, filtered."""
        params = {
            "session_id": session_id or None,
            "type": event_type or None,
            "sender.name": sender_name or None,
            "sender.role": sender_role or None,
        }
        return self._list("statuses/", params, n_max=n_max, skip=skip)

    def get_statuses_count(self) -> Json:
        """The number of status events."""
        return self._get("statuses/count")

    # --- Validations --- #

    def get_validation(self, id: str) -> Json:
        """One validation."""
        return self._get(f"validations/{id}")

    def get_validations(
        self,
        session_id: str | None = None,
        model_id: str | None = None,
        correlation_id: str | None = None,
        sender_name: str | None = None,
        sender_role: str | None = None,
        receiver_name: str | None = None,
        receiver_role: str | None = None,
        n_max: int | None = None,
        *,
        skip: int = 0,
    ) -> Json:
        """Validations, filtered (with the keys the server reads, unlike fedn 0.33.0)."""
        params = {
            "session_id": session_id or None,
            "model_id": model_id or None,
            "correlation_id": correlation_id or None,
            "sender.name": sender_name or None,
            "sender.role": sender_role or None,
            "receiver.name": receiver_name or None,
            "receiver.role": receiver_role or None,
        }
        return self._list("validations/", params, n_max=n_max, skip=skip)

    def get_validations_count(self) -> Json:
        """The number of validations."""
        return self._get("validations/count")

    # --- Predictions --- #

    def get_predictions(
        self,
        model_id: str | None = None,
        correlation_id: str | None = None,
        sender_name: str | None = None,
        sender_role: str | None = None,
        receiver_name: str | None = None,
        receiver_role: str | None = None,
        n_max: int | None = None,
        *,
        skip: int = 0,
    ) -> Json:
        """Predictions, filtered (with the keys the server reads)."""
        params = {
            "model_id": model_id or None,
            "correlation_id": correlation_id or None,
            "sender.name": sender_name or None,
            "sender.role": sender_role or None,
            "receiver.name": receiver_name or None,
            "receiver.role": receiver_role or None,
        }
        return self._list("predictions/", params, n_max=n_max, skip=skip)

    def start_predictions(
        self, prediction_id: str | None = None, model_id: str | None = None
    ) -> Json:
        """Ask the clients to predict with a model."""
        body = {"prediction_id": prediction_id or str(uuid.uuid4()), "model_id": model_id}
        return self._call("POST", "predictions/start", body=body)

    # --- Client attributes --- #

    def get_current_attributes(self, client_list: list[str] | str) -> Json:
        """The latest attributes of each client."""
        if not isinstance(client_list, list):
            if isinstance(client_list, str):
                client_list = [client_list]
            else:
                raise ValueError("client_list must be a list")
        if len(client_list) == 0:
            raise ValueError("client_list must not be empty")
        return self._call("POST", "attributes/current", body={"client_ids": client_list})

    def add_attributes(self, attribute: dict[str, Any]) -> Json:
        """Add or update a client attribute; raises on an error status, like fedn 0.33.0."""
        return self.conn.request("POST", "attributes/", body=attribute).data


