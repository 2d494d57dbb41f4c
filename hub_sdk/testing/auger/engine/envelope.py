"""The recorded envelope: ``{"data", "meta"}`` on success, ``{"meta": {"errors"}}`` on failure.

Handlers return :func:`ok` (or :func:`listing` for a page) and raise :class:`ApiError` (built by
:func:`invalid`, :func:`not_found`, :func:`unauthenticated`); the app renders the error with
:func:`error_response`. The optimizers service has its own flavour of both (meta first, no
charset, a fixed 401).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Response

from ...http_json import JSON, dumps, error_envelope, respond

__all__ = [
    "ApiError",
    "ParamErrors",
    "error_response",
    "invalid",
    "listing",
    "no_route",
    "not_found",
    "ok",
    "optimizer_ok",
    "too_large",
    "unauthenticated",
]


class ApiError(Exception):
    """An error answered with the recorded error envelope."""

    def __init__(self, status: int, errors: list[dict[str, Any]], **meta: Any) -> None:
        """``status``, the ``errors`` list and extra ``meta`` keys (e.g. ``request_params``)."""
        super().__init__(errors[0].get("message", "") if errors else "")
        self.status = status
        self.errors = errors
        self.meta = meta


def invalid(param: str, message: str) -> ApiError:
    """400 invalid_param for one parameter."""
    return ApiError(
        400, [{"error_type": "invalid_param", "error_param": param, "message": message}]
    )


def too_large(limit: int) -> ApiError:
    """413 for a request body (or its decompressed form) over ``limit`` bytes."""
    return ApiError(
        413,
        [
            {
                "error_type": "invalid_param",
                "error_param": "body",
                "message": f"is too large (more than {limit} bytes)",
            }
        ],
    )


def not_found(model: str) -> ApiError:
    """404 ``Couldn't find <Model>`` (no error_param, as recorded)."""
    return ApiError(404, [{"message": f"Couldn't find {model}", "error_type": "not_found"}])


def no_route(method: str, path: str) -> ApiError:
    """404 for a path no route serves, worded as Rails does."""
    return ApiError(
        404, [{"message": f'No route matches [{method}] "{path}"', "error_type": "not_found"}]
    )


def unauthenticated(message: str = "User should be logged in") -> ApiError:
    """401 as recorded for the Hub."""
    return ApiError(401, [{"error_type": "unauthenticated", "message": message}])


class ParamErrors:
    """Collects invalid parameters to report them all in one 400."""

    def __init__(self) -> None:
        """Start with no errors."""
        self.errors: list[dict[str, Any]] = []

    def add(self, param: str, message: str) -> None:
        """Record one invalid parameter."""
        self.errors.append(
            {"error_type": "invalid_param", "error_param": param, "message": message}
        )

    def raise_if_any(self, **meta: Any) -> None:
        """Raise the 400 when anything was recorded."""
        if self.errors:
            raise ApiError(400, self.errors, **meta)


def ok(data: Any, pagination: Mapping[str, int] | None = None) -> Response:
    """The recorded success envelope (data before meta)."""
    meta: dict[str, Any] = {"status": 200}
    if pagination is not None:
        meta["pagination"] = dict(pagination)
    return respond(dumps({"data": data, "meta": meta}))


def listing(items: list[Any], limit: int, offset: int, total: int) -> Response:
    """One page of a listing, with ``meta.pagination = {limit, offset, count, total}``."""
    return ok(items, {"limit": limit, "offset": offset, "count": len(items), "total": total})


def optimizer_ok(data: Any) -> Response:
    """The optimizers service's success envelope (meta before data, no charset)."""
    return respond(dumps({"meta": {"status": 200}, "data": data}), content_type=JSON)


def error_response(exc: ApiError, optimizer: bool = False) -> Response:
    """The error envelope of ``exc``, in the Hub's or the optimizers service's flavour."""
    if not optimizer:
        return respond(error_envelope(exc.status, exc.errors, **exc.meta), exc.status)
    errors: list[dict[str, Any]] = [
        {k: e[k] for k in ("error_param", "message", "error_type") if k in e} for e in exc.errors
    ]
    if exc.status == 401:
        errors = [
            {
                "message": "authentication required",
                "error_type": "unauthenticated",
                "error_param": "token",
            }
        ]
    return respond(error_envelope(exc.status, errors), exc.status, JSON)
