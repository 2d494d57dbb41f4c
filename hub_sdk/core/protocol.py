"""The per-API wire protocol: where params travel, how bodies, pages and errors are read.

``core`` knows nothing of Auger or FEDn: each API supplies a :class:`WireProtocol` subclass.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import requests

from ..errors import APIStatusError, ResponseDecodeError, status_error_class
from .secret import redact, redact_mapping

if TYPE_CHECKING:
    from .connection import Connection

T = TypeVar("T")


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of a listing: its items and the server's total (None when unknown)."""

    items: list[T]
    total: int | None = None


@dataclass(slots=True)
class ApiResponse:
    """A decoded response: ``data`` (the envelope's payload), ``meta``, and the raw parts."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    data: Any = None
    meta: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    http: requests.Response | None = None
    protocol: WireProtocol | None = None

    def fresh_data(self) -> Any:
        """A second, independent decoding of ``data`` (no objects shared with the first)."""
        payload = json.loads(self.content) if self.content else None  # as decode() reads it
        if self.protocol is None:
            return payload
        return self.protocol.unwrap(payload)[0]

    @property
    def text(self) -> str:
        """The body as text."""
        return self.content.decode("utf-8", errors="replace")


def snippet(content: bytes, limit: int = 200) -> str:
    """A short, redacted, single-line excerpt of a body for error messages and logs."""
    text = content[:limit].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return redact(text) + ("…" if len(content) > limit else "")


class WireProtocol:
    """Base protocol: JSON in, JSON out, query-string params, ``{"message"}`` errors."""

    name: str = "generic"
    prefix: str = ""
    request_id_headers: tuple[str, ...] = ("x-request-id",)
    body_params: bool = False  # True: params travel in the JSON body for every verb

    def url(self, base_url: str, path: str) -> str:
        """The absolute URL of an API path."""
        if path.startswith(("http://", "https://")):
            return path
        return base_url + self.prefix + "/" + path.lstrip("/")

    def prepare(
        self, method: str, params: Mapping[str, Any] | None, body: Any
    ) -> tuple[dict[str, Any] | None, Any]:
        """Split ``params`` and ``body`` into (query string, JSON body)."""
        if self.body_params:
            merged: dict[str, Any] = dict(params or {})
            if isinstance(body, Mapping):
                merged.update(body)
            elif body is not None:
                return None, body
            return None, merged
        return (dict(params) if params else None), body

    def collection(self, path: str) -> str:
        """The path of a collection route (FEDn wants a trailing slash)."""
        return path

    def page_items(self, data: Any) -> list[Any]:
        """The items of a decoded listing payload."""
        if not isinstance(data, list):
            raise ResponseDecodeError(
                f"expected a list of items, got {type(data).__name__}",
                snippet=redact(repr(data)[:200]),
            )
        return data

    def request_id(self, headers: Mapping[str, str]) -> str | None:
        """The server's request id, if it sent one."""
        for name in self.request_id_headers:
            value = headers.get(name)
            if value:
                return value
        return None

    def unwrap(self, payload: Any) -> tuple[Any, dict[str, Any]]:
        """Split a decoded JSON body into (data, meta)."""
        return payload, {}

    def decode(self, resp: requests.Response, method: str, path: str) -> ApiResponse:
        """Decode a 2xx JSON response; raises :class:`ResponseDecodeError` on a bad body."""
        content = resp.content
        rid = self.request_id(resp.headers)
        try:
            payload = json.loads(content) if content else None
        except ValueError:
            raise ResponseDecodeError(
                f"expected JSON, got {resp.headers.get('Content-Type', 'no content type')}"
                f" ({len(content)} bytes): {snippet(content)}",
                snippet=snippet(content),
                method=method,
                path=path,
                status=resp.status_code,
                request_id=rid,
            ) from None
        try:
            data, meta = self.unwrap(payload)
        except (KeyError, TypeError, ValueError) as exc:
            raise ResponseDecodeError(
                f"unexpected response shape ({exc}): {snippet(content)}",
                snippet=snippet(content),
                method=method,
                path=path,
                status=resp.status_code,
                request_id=rid,
            ) from None
        return ApiResponse(resp.status_code, resp.headers, content, data, meta, rid, resp, self)

    def error_details(self, payload: Any) -> tuple[str | None, list[tuple[str, str]]]:
        """(message, field errors) from a decoded error body."""
        if isinstance(payload, Mapping):
            msg = payload.get("message") or payload.get("error")
            return (str(msg) if msg is not None else None), []
        return None, []

    def error(self, resp: requests.Response, method: str, path: str) -> APIStatusError:
        """The typed error for a non-success response."""
        status = resp.status_code
        content = resp.content
        try:
            payload: Any = json.loads(content) if content else None
        except ValueError:
            payload = None
        message, field_errors = self.error_details(payload)
        if message is None:
            reason = resp.reason or "error"
            message = f"HTTP {status} {reason}"
            if content:
                message += f": {snippet(content, 120)}"
        cls = status_error_class(status)
        kw: dict[str, Any] = {}
        if status == 429:
            from .retry import parse_retry_after

            kw["retry_after"] = parse_retry_after(resp.headers.get("Retry-After"))
        return cls(
            redact(message),
            body=redact_mapping(payload),  # servers echo parameters, the token included
            field_errors=[(param, redact(text)) for param, text in field_errors],
            method=method,
            path=path,
            status=status,
            request_id=self.request_id(resp.headers),
            **kw,
        )

    def fetch_page(
        self,
        conn: Connection,
        path: str,
        params: Mapping[str, Any],
        offset: int,
        limit: int,
        order_by: str | None = None,
    ) -> tuple[Page[Any], ApiResponse]:
        """Fetch one page of raw items at ``offset``, at most ``limit`` long."""
        raise NotImplementedError
