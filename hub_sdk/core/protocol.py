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
    from pydantic import BaseModel

    from .connection import Connection

T = TypeVar("T")


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of a listing: its items and the server's total (None when unknown)."""

    items: list[T]
    total: int | None = None


_UNDECODED: Any = object()


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

    def raw_body(self) -> RawBody:
        """The body as a :class:`RawBody` (decoded lazily, independent of this response)."""
        return RawBody(self.content, self.protocol)

    @property
    def text(self) -> str:
        """The body as text."""
        return self.content.decode("utf-8", errors="replace")


class RawBody:
    """A response body kept as bytes, decoded (once) only if someone asks for it.

    Holds no reference to the response or the objects built from it, so pages are freed as
    soon as iteration moves on (no reference cycles).
    """

    __slots__ = ("_decoded", "content", "protocol")

    def __init__(self, content: bytes, protocol: WireProtocol | None) -> None:
        self.content = content
        self.protocol = protocol
        self._decoded: Any = _UNDECODED

    def data(self) -> Any:
        """The envelope's payload as plain JSON values (treat it as read-only)."""
        if self._decoded is _UNDECODED:
            payload = json.loads(self.content) if self.content else None
            self._decoded = payload if self.protocol is None else self.protocol.unwrap(payload)[0]
        return self._decoded


class Snapshot:
    """The server's copy of one object, decoded from the response bytes only when needed.

    Objects keep it so :meth:`~hub_sdk.core.Resource.changes` can tell what was edited, without
    paying a second JSON decode for every object that is never edited.
    """

    __slots__ = ("body", "index")

    def __init__(self, body: RawBody, index: int | None = None) -> None:
        self.body = body
        self.index = index

    def __deepcopy__(self, memo: dict[int, Any]) -> Snapshot:
        return self  # immutable: copies of an object share the server's copy

    def load(self) -> Any:
        """The object as the server sent it (plain JSON values)."""
        data = self.body.data()
        if self.index is None:
            return data
        protocol = self.body.protocol
        items = protocol.page_items(data) if protocol is not None else data
        return items[self.index]


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
        item: type[BaseModel] | None = None,
    ) -> tuple[Page[Any], ApiResponse]:
        """Fetch one page at ``offset``, at most ``limit`` long: raw items, or ``item`` models."""
        raise NotImplementedError

    def page_model(self, item: type[BaseModel]) -> type[BaseModel]:
        """A model of this API's listing body whose items are ``item`` (see :meth:`decode_page`)."""
        raise NotImplementedError

    def page_parts(self, page: Any) -> tuple[list[Any], int | None]:
        """(items, total) of a validated :meth:`page_model` instance."""
        raise NotImplementedError

    def decode_page(
        self, resp: requests.Response, method: str, path: str, item: type[BaseModel]
    ) -> ApiResponse:
        """Parse and validate a listing body into ``item`` models in one pass from the bytes."""
        content = resp.content
        rid = self.request_id(resp.headers)
        import pydantic  # on first use: keeps ``import hub_sdk`` light

        try:
            page = _page_model(self, item).model_validate_json(content)
        except pydantic.ValidationError as exc:
            errors = exc.errors()
            bad_json = any(e["type"] in ("json_invalid", "json_type") for e in errors)
            where = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}" for e in errors[:5]
            )
            what = (
                "invalid JSON" if bad_json else f"a {item.__name__} listing that does not validate"
            )
            raise ResponseDecodeError(
                f"the server sent {what}: {where}: {snippet(content)}",
                snippet=snippet(content),
                retryable=bad_json,
                method=method,
                path=path,
                status=resp.status_code,
                request_id=rid,
            ) from None
        items, total = self.page_parts(page)
        return ApiResponse(
            resp.status_code, resp.headers, content, items, {"total": total}, rid, resp, self
        )


_page_models: dict[tuple[type[WireProtocol], type[BaseModel]], type[BaseModel]] = {}


def _page_model(protocol: WireProtocol, item: type[BaseModel]) -> type[BaseModel]:
    key = (type(protocol), item)
    model = _page_models.get(key)
    if model is None:
        model = _page_models[key] = protocol.page_model(item)
    return model
