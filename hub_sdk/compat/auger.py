"""``HubApiClient``: the seed ``auger-hub-api-client`` API, unchanged, on the hub-sdk core.

Scripts migrate by changing one import::

    from hub_sdk.compat import HubApiClient      # was: from auger.hub_api_client import ...

Same constructor arguments, the same ``get_<r>s`` / ``get_<r>`` / ``create_<r>`` / ``update_<r>`` /
``delete_<r>`` / ``iterate_all_<r>s`` methods and specific requests, the same dict envelopes
(``{"data": ..., "meta": ...}``) and the same nested exception classes raised in the same
situations, and the same ``RetryCounter``. Underneath: one pooled connection, timeouts, and
retries that are safe for writes (reads and the optimizers' pure computations are retried;
creates and updates only when they never reached the server, or when the caller passes a
``retry_counter``).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from ..auger.connection import AugerConnection, _auth
from ..core.request import Request
from ..core.retry import RetryPolicy, backoff_delay, is_idempotent
from ..core.text import html_text
from ..errors import (
    APIConnectionError,
    APIStatusError,
    HubError,
    ResponseDecodeError,
)

__all__ = ["HubApiClient"]


class HubApiClient:
    """Drop-in replacement for ``auger.hub_api_client.HubApiClient`` (0.7.4)."""

    class BaseError(Exception):
        """Base of the client's errors: ``args`` are (message, metadata)."""

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.request_details: str | None = None

        def metadata(self) -> Any:
            """The ``meta`` object of the server's answer."""
            return self.args[1] if len(self.args) > 1 else None

        def __str__(self) -> str:
            message = [a if isinstance(a, str) else json.dumps(a) for a in self.args]
            if self.request_details:
                message.append(self.request_details)
            return " ".join(message)

        def add_request_details(self, method: str, path: str, payload: Any) -> None:
            """Remember which request failed (shown by ``str()``; never the token)."""
            self.request_details = " ".join(
                ["on:", method.upper(), path, json.dumps(payload, default=str)]
            )

    class FatalApiError(BaseError):
        """Retrying will not help: a wrong token, a missing object, a bug (401/403/404/500)."""

    class InvalidParamsError(BaseError):
        """The server rejected the parameters (400); the message lists ``param message``."""

    class NetworkError(BaseError):
        """The server could not be reached or the connection broke."""

    class RetryableApiError(BaseError):
        """A temporary server problem (e.g. 503); retrying may help."""

    class MissingParamError(BaseError):
        """Client-side check failed (a parent id or ``optimizers_url`` is missing)."""

    class DSLError(Exception):
        """An unsupported action in ``API_SCHEMA``."""

    class RetryCounter:
        """The retries a request has left, as in the published client.

        ``retries_left`` (from ``retries_count``) is used up by ``RetryableApiError``,
        ``connection_retries_left`` (from ``connection_retries_count``) by ``NetworkError``;
        a retry is available while both are above zero. ``RetryCounter.none()`` allows none.
        """

        def __init__(self, hub_api_client: HubApiClient | None = None) -> None:
            if hub_api_client:
                self.retries_left: int = hub_api_client.retries_count
                self.connection_retries_left: int = hub_api_client.connection_retries_count
            else:
                self.retries_left = 0
                self.connection_retries_left = 0

        def count_retry(self, error: BaseException) -> HubApiClient.RetryCounter:
            """Use up one retry of the kind ``error`` calls for; return the counter."""
            if isinstance(error, HubApiClient.RetryableApiError):
                self.retries_left -= 1
            elif isinstance(error, HubApiClient.NetworkError):
                self.connection_retries_left -= 1
            else:
                raise RuntimeError(f"Unsupported kind of error {error}")
            return self

        def is_retries_available(self) -> bool:
            """Whether the request may be sent once more."""
            return self.retries_left > 0 and self.connection_retries_left > 0

        @classmethod
        def none(cls) -> HubApiClient.RetryCounter:
            """A counter that allows no retry."""
            return cls()

        def __repr__(self) -> str:
            return (
                f"<RetryCounter retries_left={self.retries_left} "
                f"connection_retries_left={self.connection_retries_left}>"
            )

    API_SCHEMA: dict[str, dict[str, Any]] = {
        "actual": {"actions": ["create"]},
        "cluster_task": {"actions": ["index", "show", "create", "update"]},
        "cluster_status": {"actions": ["index"]},
        "dataset_manifest": {"actions": ["index", "show", "create", "update"]},
        "endpoint": {"actions": ["index", "show", "create", "update", "delete"]},
        "endpoint_pipeline": {"actions": ["create", "update", "delete"]},
        "endpoint_actual": {
            "actions": ["create"],
            "resource_name": "actual",
            "parent_resource": "endpoint",
        },
        "endpoint_prediction": {
            "actions": ["index", "show", "create"],
            "resource_name": "prediction",
            "parent_resource": "endpoint",
        },
        "endpoint_roi_validation": {
            "actions": ["create"],
            "resource_name": "roi_validation",
            "parent_resource": "endpoint",
        },
        "experiment": {"actions": ["index", "show", "create", "update", "delete"]},
        "experiment_session": {"actions": ["index", "show", "create", "update"]},
        "hyperparameter": {"actions": ["index", "show", "create"]},
        "instance_type": {"actions": ["index"]},
        "organization": {"actions": ["index", "show", "create", "update", "delete"]},
        "pipeline": {"actions": ["index", "show", "create", "update"]},
        "pipeline_file": {"actions": ["index", "show", "create"]},
        "prediction": {"actions": ["index", "show", "create"]},  # legacy
        "prediction_group": {"actions": ["index", "show", "create"]},
        "project": {
            "actions": [
                "index",
                "show",
                "create",
                "update",
                "delete",
                {"deploy": "patch", "undeploy": "patch"},
            ]
        },
        "project_file": {"actions": ["index", "show", "create", "delete"]},
        "project_file_url": {"actions": ["create", "index"]},
        "pod_log": {"actions": ["index"]},
        "review_alert": {"actions": ["index", "show", "create", "update", "delete"]},
        "review_alert_item": {"actions": ["index", "show"]},
        "similar_trials_request": {"actions": ["show", "create"]},
        "token": {"actions": ["create"]},
        "trial": {"actions": ["index", "show", "create", "update"]},
        "trial_search": {"actions": ["index", "show", "create", "update"]},
        "warm_start_request": {"actions": ["show", "create"]},
    }

    API_PREFIX = "/api/v1"
    #: Page size of ``iterate_all_*`` (the seed used 50 and one extra empty request).
    ITERATE_PAGE_SIZE = 1000

    def __init__(self, **config: Any) -> None:
        self.base_url: str = config["hub_app_url"]
        self.optimizers_url: str | None = config.get("optimizers_url")
        self.token: str | None = config.get("token")
        self.system_token: str | None = config.get("hub_system_token")
        self.cluster_api_token: str | None = config.get("hub_cluster_api_token")
        self.project_api_token: str | None = config.get("hub_project_api_token")
        self.retries_count: int = config.get("retries_count", 5)
        self.connection_retries_count: int = config.get(
            "connection_retries_count", self.retries_count
        )
        self.retry_wait_seconds: float = config.get("retry_wait_seconds", 5)
        self.debug: bool = config.get("debug", False)
        self.headers = {"Content-Type": "application/json"}
        self.gzip_headers = {**self.headers, "Content-Encoding": "gzip"}
        wait = max(0.0, float(self.retry_wait_seconds))
        self.connection = AugerConnection(
            self.base_url,
            optimizers_url=self.optimizers_url,
            auth=_auth(
                self.project_api_token, self.cluster_api_token, self.token, self.system_token
            ),
            retry_policy=RetryPolicy(
                max_retries=max(0, int(self.retries_count)),
                backoff_base=wait,
                backoff_cap=wait,
            ),
            timeout=config.get("timeout", (10.0, 300.0)),
        )

    def __repr__(self) -> str:
        return f"<HubApiClient {self.base_url} auth={self.connection.auth.kind}>"

    if TYPE_CHECKING:  # the resource methods are generated from API_SCHEMA

        def __getattr__(self, name: str) -> Callable[..., Any]: ...

    # -- plumbing (same names as the seed's) -----------------------------------------------

    def tokens_payload(self) -> dict[str, str]:
        """The token body key the client adds to every request."""
        return dict(self.connection.auth.apply(Request("POST", "", body={})).body)

    def full_path(self, relative_path: str, base_url: str) -> str:
        """The absolute URL of a path."""
        return urljoin(base_url, relative_path)

    def plural_ending(self, resource_name: str) -> str:
        """``s`` or ``es`` (``cluster_statuses``, ``trial_searches``)."""
        return "es" if resource_name.endswith(("us", "ch")) else "s"

    def log_request(self, method: str, path: str, payload: Any) -> None:
        """Print the request when ``debug=True`` (without the token)."""
        if self.debug:
            print(f"HAC.Req: {method.upper()} {path} params: {json.dumps(payload, default=str)}")

    def _error(self, exc: HubError) -> HubApiClient.BaseError:
        """The seed's exception for a hub-sdk error."""
        if isinstance(exc, APIStatusError):
            body = exc.body
            meta = body.get("meta") if isinstance(body, Mapping) else None
            meta = meta if isinstance(meta, Mapping) else {}
            errors = meta.get("errors")
            if exc.status == 400:
                if isinstance(errors, list) and errors:
                    text = ", ".join(
                        " ".join(
                            str(p)
                            for p in (e.get("error_param"), e.get("message"))
                            if p is not None
                        )
                        if isinstance(e, Mapping)
                        else str(e)
                        for e in errors
                    )
                    return self.InvalidParamsError(text, dict(meta))
                return self.FatalApiError(html_text(exc.message))
            shown = json.dumps(body) if body is not None else html_text(exc.message)
            text = f"status: {exc.status}, body: {shown}"
            if exc.status in (401, 403, 404, 500):
                return self.FatalApiError(text, dict(meta))
            return self.RetryableApiError(text, dict(meta))
        if isinstance(exc, APIConnectionError):
            return self.NetworkError(str(exc))
        if isinstance(exc, ResponseDecodeError):
            return self.FatalApiError(str(exc), {})
        return self.FatalApiError(str(exc), {})

    def make_and_handle_request(
        self,
        method_name: str,
        path: str,
        base_url: str | None = None,
        payload: Mapping[str, Any] | None = None,
        retry_counter: HubApiClient.RetryCounter | None = None,
        plain_text: bool = False,
        gzip: bool = False,
    ) -> Any:
        """Send a request and return the envelope dict (or the text with ``plain_text``).

        A failure is retried while ``retry_counter`` has retries left (by default a fresh
        ``RetryCounter(self)``), waiting up to ``retry_wait_seconds``. Without a counter only
        requests that are safe to repeat are retried: reads, and writes that never reached the
        server. A counter passed in (the optimizers' computations pass one) is honoured for any
        request; ``RetryCounter.none()`` allows no retry.
        """
        body = dict(payload or {})
        counter = self.RetryCounter(self) if retry_counter is None else retry_counter
        # A counter passed in says the request may be repeated; without one, only safe repeats.
        repeatable = retry_counter is not None or is_idempotent(method_name)
        attempt = 0
        while True:
            self.log_request(method_name, path, body)
            try:
                return self._send(method_name, path, base_url, body, plain_text, gzip)
            except HubError as exc:
                err = self._error(exc)
                wait = self._retry_wait(exc, err, counter, attempt, repeatable)
                if wait is None:
                    err.add_request_details(method_name, path, body)
                    raise err from exc
            time.sleep(wait)
            attempt += 1

    def _retry_wait(
        self,
        exc: HubError,
        err: HubApiClient.BaseError,
        counter: HubApiClient.RetryCounter,
        attempt: int,
        repeatable: bool,
    ) -> float | None:
        """Seconds to wait before sending a failed request again (using up a retry of
        ``counter``), or None to raise ``err``."""
        counted: HubApiClient.BaseError | None = None
        if isinstance(err, (self.RetryableApiError, self.NetworkError)):
            counted = err
        elif isinstance(exc, ResponseDecodeError) and exc.retryable:
            counted = self.RetryableApiError(str(exc))  # an answer that did not decode
        if counted is None or not counter.is_retries_available():
            return None
        never_sent = isinstance(exc, APIConnectionError) and not exc.may_have_been_applied
        if not (repeatable or never_sent):
            return None
        policy = self.connection.retry
        delay = backoff_delay(attempt, policy, random.random())
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            if retry_after > policy.retry_after_cap:
                return None
            delay = max(delay, retry_after)
        counter.count_retry(counted)
        return delay

    def _send(
        self,
        method_name: str,
        path: str,
        base_url: str | None,
        body: dict[str, Any],
        plain_text: bool,
        gzip: bool,
    ) -> Any:
        """One attempt (the retries are :meth:`make_and_handle_request`'s)."""
        if gzip:
            from ..auger.optimizers import post

            resp = post(path, body, connection=self.connection, max_retries=0)
        else:
            if base_url is None and path.startswith(self.API_PREFIX + "/"):
                target = path[len(self.API_PREFIX) + 1 :]
            else:
                target = self.full_path(path, base_url or self.base_url)
            resp = self.connection.request(
                method_name,
                target,
                body=body,
                expect="text" if plain_text else "json",
                max_retries=0,
            )
        if plain_text:
            return resp.data
        return {"data": resp.data, "meta": resp.meta}

    def get(self, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` with ``payload`` in the JSON body."""
        return self.make_and_handle_request("get", path, payload=payload)

    def get_paginated_response(
        self, full_path: str, limit: int = 50, offset: int = 0, **kwargs: Any
    ) -> Any:
        """One page of a listing."""
        return self.get(full_path, {"limit": limit, "offset": offset, **kwargs})

    def iterate_all_resource_pages(
        self, method_name: str, handler: Callable[[Any], Any], **kwargs: Any
    ) -> None:
        """Call ``handler(item)`` for every item of a listing, page after page."""
        method = getattr(self, method_name)
        offset = kwargs.pop("offset", 0)
        kwargs.setdefault("limit", self.ITERATE_PAGE_SIZE)
        while True:
            res = method(offset=offset, **kwargs)
            for item in res["data"]:
                handler(item)
            pagination = res["meta"].get("pagination") or {}
            count = pagination.get("count", len(res["data"]))
            if not count:
                break
            offset += count
            total = pagination.get("total")
            if isinstance(total, int) and offset >= total:
                break

    def build_full_resource_path(self, resource_name: str, parent_resource_name: str | None) -> str:
        """The collection path of a resource (with ``{parent_id}`` for nested ones)."""
        ending = self.plural_ending(resource_name)
        if parent_resource_name:
            parent_ending = self.plural_ending(parent_resource_name)
            return (
                f"{self.API_PREFIX}/{parent_resource_name}{parent_ending}/{{parent_id}}"
                f"/{resource_name}{ending}"
            )
        return f"{self.API_PREFIX}/{resource_name}{ending}"

    def format_full_resource_path(
        self, path_template: str, parent_resource_name: str | None, kwargs: Mapping[str, Any]
    ) -> str:
        """Fill in the parent id, or raise MissingParamError."""
        if not parent_resource_name:
            return path_template
        key = f"{parent_resource_name}_id"
        parent_id = kwargs.get(key)
        if not parent_id:
            raise self.MissingParamError(f"{key} parameter is required")
        return path_template.format(parent_id=parent_id)

    # -- deviations from REST (as in the seed) ------------------------------------------------

    def update_trials(self, **kwargs: Any) -> Any:
        """Update a bunch of trials of an experiment session (``PATCH /trials``)."""
        return self.update_trial(id=None, **kwargs)

    def get_project_logs(self, id: Any, **kwargs: Any) -> Any:
        """The project's logs, as text."""
        return self.make_and_handle_request(
            "get", f"{self.API_PREFIX}/projects/{id}/logs", plain_text=True
        )

    def get_project_file_url(self, **kwargs: Any) -> Any:
        """The presigned download URL of ``file_path`` in ``project_id``."""
        return self.get_project_file_urls(**kwargs)

    def get_status(self, object: str, id: Any) -> Any:
        """``GET /status {object, id}``."""
        return self.make_and_handle_request(
            "get", f"{self.API_PREFIX}/status", payload={"object": object, "id": id}
        )

    def delete_actuals(self, **kwargs: Any) -> Any:
        """Delete a pipeline's actuals by date range (``pipeline_id``, ``from``, ``to``...)."""
        return self.make_and_handle_request("delete", f"{self.API_PREFIX}/actuals", payload=kwargs)

    def refit_trial(self, id: Any, refit_data_path: str) -> Any:
        """Refit a trial on other data (the server creates a new trial)."""
        return self.create_trial(id=id, refit_data_path=refit_data_path)

    def delete_endpoint_actuals(self, endpoint_id: Any, **kwargs: Any) -> Any:
        """Delete an endpoint's actuals by date range."""
        return self.make_and_handle_request(
            "delete", f"{self.API_PREFIX}/endpoints/{endpoint_id}/actuals", payload=kwargs
        )

    # -- optimizers service -------------------------------------------------------------------

    def _post_optimizer_service(self, url: str, payload: Mapping[str, Any] | None = None) -> Any:
        if not self.optimizers_url:
            raise self.MissingParamError("pass optimizers_url in HubApiClient constructor")
        return self.make_and_handle_request(
            "post", url, payload=payload or {}, retry_counter=self.RetryCounter(self), gzip=True
        )

    def get_next_trials(self, payload: Mapping[str, Any] | None = None) -> Any:
        """``POST {optimizers_url}/next_trials`` (gzip body)."""
        return self._post_optimizer_service("/next_trials", payload)

    def get_next_trials_v2(self, payload: Mapping[str, Any] | None = None) -> Any:
        """``POST {optimizers_url}/v2/next_trials`` (gzip body)."""
        return self._post_optimizer_service("/v2/next_trials", payload)

    def get_fte(self, payload: Mapping[str, Any] | None = None) -> Any:
        """``POST {optimizers_url}/fte`` (gzip body)."""
        return self._post_optimizer_service("/fte", payload)

    # -- generated resource methods ---------------------------------------------------------

    @classmethod
    def define_actions(cls) -> None:
        """Define the ``get_<r>s``/``get_<r>``/... methods of every resource in API_SCHEMA."""
        for resource_name, options in cls.API_SCHEMA.items():
            for action in options["actions"]:
                if isinstance(action, str):
                    cls.define_action(action, resource_name, options)
                elif isinstance(action, dict):
                    for custom, http_method in action.items():
                        cls.define_action(custom, resource_name, options, http_method)
                else:
                    raise cls.DSLError(f"Unsupported action in DSL: `{action}`")

    @classmethod
    def define_action(
        cls,
        action_name: str,
        resource_name: str,
        options: Mapping[str, Any],
        http_method: str | None = None,
    ) -> None:
        """Define the method(s) of one action of one resource."""
        url_name = options.get("resource_name", resource_name)
        parent = options.get("parent_resource")
        ending = "es" if resource_name.endswith(("us", "ch")) else "s"

        def template(self: HubApiClient) -> str:
            return self.build_full_resource_path(url_name, parent)

        if action_name == "index":
            index_name = f"get_{resource_name}{ending}"

            def index(self: HubApiClient, **kwargs: Any) -> Any:
                path = self.format_full_resource_path(template(self), parent, kwargs)
                return self.get_paginated_response(path, **kwargs)

            def iterate(self: HubApiClient, handler: Callable[[Any], Any], **kwargs: Any) -> None:
                self.iterate_all_resource_pages(index_name, handler, **kwargs)

            _set(cls, index_name, index, f"List {resource_name}s (one page: limit, offset).")
            _set(
                cls,
                f"iterate_all_{resource_name}{ending}",
                iterate,
                f"Call handler(item) for every {resource_name}.",
            )
        elif action_name == "show":

            def show(self: HubApiClient, id: Any, **kwargs: Any) -> Any:
                path = self.format_full_resource_path(template(self), parent, kwargs)
                return self.make_and_handle_request("get", f"{path}/{id}")

            _set(cls, f"get_{resource_name}", show, f"Get one {resource_name} by id.")
        elif action_name == "create":

            def create(self: HubApiClient, **kwargs: Any) -> Any:
                path = self.format_full_resource_path(template(self), parent, kwargs)
                return self.make_and_handle_request("post", path, payload=kwargs)

            _set(cls, f"create_{resource_name}", create, f"Create a {resource_name}.")
        elif action_name == "update":

            def update(self: HubApiClient, id: Any, **kwargs: Any) -> Any:
                path = self.format_full_resource_path(template(self), parent, kwargs)
                if id:
                    path = f"{path}/{id}"
                return self.make_and_handle_request("patch", path, payload=kwargs)

            _set(cls, f"update_{resource_name}", update, f"Update a {resource_name}.")
        elif action_name == "delete":

            def delete(self: HubApiClient, id: Any) -> Any:
                path = self.format_full_resource_path(template(self), parent, {})
                return self.make_and_handle_request("delete", f"{path}/{id}")

            _set(cls, f"delete_{resource_name}", delete, f"Delete a {resource_name}.")
        elif http_method:
            method = http_method

            def custom(self: HubApiClient, id: Any, **kwargs: Any) -> Any:
                path = self.format_full_resource_path(template(self), parent, kwargs)
                return self.make_and_handle_request(
                    method, f"{path}/{id}/{action_name}", payload=kwargs
                )

            _set(
                cls,
                f"{action_name}_{resource_name}",
                custom,
                f"{method.upper()} {resource_name}/<id>/{action_name}.",
            )
        else:
            raise cls.DSLError(f"Unsupported REST action `{action_name}`")


def _set(cls: type[Any], name: str, func: Callable[..., Any], doc: str) -> None:
    func.__name__ = name
    func.__qualname__ = f"{cls.__name__}.{name}"
    func.__doc__ = doc
    setattr(cls, name, func)


HubApiClient.define_actions()
