"""The Auger Hub wire protocol: params and token in the JSON body, a ``data``/``meta`` envelope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.protocol import ApiResponse, Page, WireProtocol
from ..errors import ValidationError

if TYPE_CHECKING:
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

    def fetch_page(
        self,
        conn: Connection,
        path: str,
        params: Mapping[str, Any],
        offset: int,
        limit: int,
        order_by: str | None = None,
    ) -> tuple[Page[Any], ApiResponse]:
        if order_by is not None:
            raise ValidationError(
                "the Auger Hub API has no server-side ordering",
                field_errors=[("order_by", "not supported by this API")],
            )
        resp = conn.request("GET", path, params={**params, "offset": offset, "limit": limit})
        items = self.page_items(resp.data)
        pagination = resp.meta.get("pagination")
        total = pagination.get("total") if isinstance(pagination, Mapping) else None
        return Page(items, total if isinstance(total, int) else None), resp
