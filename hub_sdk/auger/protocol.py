"""The Auger Hub wire protocol: params and token in the JSON body, a ``data``/``meta`` envelope."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import requests
from typing_extensions import TypedDict

from ..core.protocol import ApiResponse, Page, WireProtocol
from ..core.secret import redact
from ..core.text import html_text
from ..errors import APIStatusError, ValidationError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..core.connection import Connection

TOKEN_KEYS = ("project_api_token", "cluster_api_token", "token", "system_token")


class AugerProtocol(WireProtocol):
    """``{"data": ..., "meta": {"status", "pagination", "errors"}}`` under ``/api/v1``.

    As recorded, every parameter (filters, ``limit``/``offset``, the token) travels in the JSON
    body, GET and DELETE included.
    """

    name = "auger"
    prefix = "/api/v1"
    body_params = True

    def prepare(
        self, method: str, params: Mapping[str, Any] | None, body: Any
    ) -> tuple[dict[str, Any] | None, Any]:
        if params is None and body is None:
            return None, None  # no JSON body unless a token needs one (e.g. presigned S3 links)
        return super().prepare(method, params, body)

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

    def error(self, resp: requests.Response, method: str, path: str) -> APIStatusError:
        exc = super().error(resp, method, path)
        content = resp.content
        if exc.body is None and content.lstrip()[:1] == b"<":
            # An HTML page (Rails' exception page, Heroku's "Application Error"): keep its text.
            text = html_text(content[:20000].decode("utf-8", errors="replace"))[:300]
            if text:
                exc.message = redact(f"HTTP {resp.status_code} {resp.reason or 'error'}: {text}")
        return exc

    def fetch_page(
        self,
        conn: Connection,
        path: str,
        params: Mapping[str, Any],
        offset: int,
        limit: int,
        order_by: str | None = None,
        item: type[BaseModel] | None = None,
    ) -> tuple[Page[Any], ApiResponse]:
        if order_by is not None:
            raise ValidationError(
                "the Auger Hub API has no server-side ordering",
                field_errors=[("order_by", "not supported by this API")],
            )
        params = {**params, "offset": offset, "limit": limit}
        if item is not None:
            resp = conn.request(
                "GET", path, params=params, decoder=partial(self.decode_page, item=item)
            )
            return Page(resp.data, resp.meta["total"]), resp
        resp = conn.request("GET", path, params=params)
        items = self.page_items(resp.data)
        pagination = resp.meta.get("pagination")
        total = pagination.get("total") if isinstance(pagination, Mapping) else None
        return Page(items, total if isinstance(total, int) else None), resp

    def page_model(self, item: type[BaseModel]) -> type[BaseModel]:
        import pydantic  # on first use: keeps ``import hub_sdk`` light

        return pydantic.create_model(
            f"{item.__name__}AugerPage",
            data=(list[item], ...),  # type: ignore[valid-type]
            meta=(_Meta | None, None),
        )

    def page_parts(self, page: Any) -> tuple[list[Any], int | None]:
        pagination = (page.meta or {}).get("pagination") or {}
        return page.data, pagination.get("total")


class _Pagination(TypedDict, total=False):
    """``meta.pagination`` of a listing (only the total matters to paging)."""

    total: int | None


class _Meta(TypedDict, total=False):
    """``meta`` of a listing."""

    pagination: _Pagination | None
