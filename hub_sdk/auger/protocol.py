"""The Auger Hub wire protocol: params and token in the JSON body, a ``data``/``meta`` envelope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import requests
from typing_extensions import NotRequired, TypedDict

from ..core.protocol import WireProtocol
from ..core.request import Request
from ..core.secret import redact
from ..core.text import html_text
from ..errors import APIStatusError, ValidationError

T = TypeVar("T")


class _Pagination(TypedDict, total=False):
    """``meta.pagination`` of a listing (only the total matters to paging)."""

    total: int | None


class _Meta(TypedDict, total=False):
    """``meta`` of a listing."""

    pagination: _Pagination | None


class AugerListing(TypedDict, Generic[T]):
    """A listing's body: ``{"data": [item, ...], "meta": {"pagination": {"total": N}}}``."""

    data: list[T]
    meta: NotRequired[_Meta | None]


class AugerProtocol(WireProtocol):
    """``{"data": ..., "meta": {"status", "pagination", "errors"}}`` under ``/api/v1``.

    As recorded, every parameter (filters, ``limit``/``offset``, the token) travels in the JSON
    body, GET and DELETE included.
    """

    name = "auger"
    prefix = "/api/v1"
    max_page_size = 1000  # LocalHub's cap; the recordings never asked for more than 50
    listing = AugerListing

    def place_params(
        self, params: Mapping[str, Any] | None, body: Any
    ) -> tuple[dict[str, Any] | None, Any]:
        """Params travel in the JSON body, before the body's own fields."""
        if params is None and body is None:
            return None, None  # no JSON body unless a token needs one
        if body is not None and not isinstance(body, Mapping):
            return None, body
        return None, {**(params or {}), **(body or {})}

    def page_request(
        self,
        path: str,
        filters: Mapping[str, Any],
        offset: int,
        size: int,
        order_by: str | None = None,
    ) -> Request:
        """``GET path`` with ``offset``/``limit`` beside the filters (there is no ordering)."""
        if order_by is not None:
            raise ValidationError(
                "the Auger Hub API has no server-side ordering",
                field_errors=[("order_by", "not supported by this API")],
            )
        return self.request("GET", path, params={**filters, "offset": offset, "limit": size})

    def unwrap(self, payload: Any) -> tuple[Any, dict[str, Any]]:
        if not isinstance(payload, Mapping):
            raise TypeError(f"expected an envelope object, got {type(payload).__name__}")
        if "data" not in payload:
            raise KeyError("the envelope has no 'data'")
        meta = payload.get("meta")
        return payload["data"], dict(meta) if isinstance(meta, Mapping) else {}

    def error_details(self, payload: Any) -> tuple[str | None, list[tuple[str, str]]]:
        meta = payload.get("meta") if isinstance(payload, Mapping) else None
        errors = meta.get("errors") if isinstance(meta, Mapping) else None
        if not isinstance(errors, list) or not errors:
            return super().error_details(payload)
        fields: list[tuple[str, str]] = []
        texts: list[str] = []
        for err in errors:
            if not isinstance(err, Mapping):
                continue
            param, message = err.get("error_param"), err.get("message")
            if message is None and len(err) == 1:  # the legacy {"optimizer_name": "is required"}
                param, message = next(iter(err.items()))
            text = " ".join(str(p) for p in (param, message) if p is not None) or str(
                err.get("error_type", "error")
            )
            texts.append(text)
            if param is not None:
                fields.append((str(param), str(message)))
        return "; ".join(texts) or None, fields

    def error(self, resp: requests.Response) -> APIStatusError:
        exc = super().error(resp)
        content = resp.content
        if exc.body is None and content.lstrip()[:1] == b"<":
            # An HTML page (Rails' exception page, Heroku's "Application Error"): keep its text.
            text = html_text(content[:20000].decode("utf-8", errors="replace"))[:300]
            if text:
                exc.message = redact(f"HTTP {resp.status_code} {resp.reason or 'error'}: {text}")
        return exc

    def page_total(self, data: Any, meta: Mapping[str, Any]) -> int | None:
        pagination = meta.get("pagination")
        total = pagination.get("total") if isinstance(pagination, Mapping) else None
        return total if isinstance(total, int) else None
