"""The per-API wire protocol: a pure codec that builds requests and reads responses.

``core`` knows nothing of Auger or FEDn: each API supplies a :class:`WireProtocol` subclass
saying where params travel, how a page is asked for, and how envelopes, pages and errors
read. A protocol never holds a connection: :class:`~hub_sdk.core.connection.Connection`
sends what it builds and hands it what came back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import requests
from typing_extensions import Unpack

from ..errors import APIStatusError, ResponseDecodeError, describe, status_error_class
from .request import Expect, Request, RequestOptions
from .secret import redact, redact_mapping

if TYPE_CHECKING:
    from pydantic import TypeAdapter

T = TypeVar("T")


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of a listing: its items, the server's total (None when unknown), and the
    page's body as bytes (so objects can recall the server's copy of themselves)."""

    items: list[T]
    total: int | None = None
    body: RawBody | None = None


class KeyOrder:
    """A listing order the server can continue from a key (keyset pagination).

    ``field`` is the items' attribute holding the key; :meth:`key` turns its value into the
    key as the server compares it (None: unusable); :meth:`after` gives the filters that
    narrow the listing to the items whose key is ``bound`` or after it in listing order.
    """

    __slots__ = ("descending", "field")

    def __init__(self, field: str, descending: bool) -> None:
        self.field = field
        self.descending = descending

    def key(self, value: Any) -> Any:
        """The key of an item whose ``field`` holds ``value``."""
        return value

    def after(self, bound: Any) -> dict[str, Any]:
        """Filters keeping the items whose key is ``bound`` or comes after it."""
        raise NotImplementedError  # pragma: no cover

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {'-' if self.descending else ''}{self.field}>"


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
            payload = loads(self.content) if self.content else None
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


#: How deep a JSON body may nest (pydantic-core's parser limit, which listings go through too).
MAX_JSON_DEPTH = 200


def loads(content: bytes | str) -> Any:
    """Decode JSON, or raise ``ValueError``: also for nesting deeper than
    :data:`MAX_JSON_DEPTH`, which would make every recursive walk of it (redaction, copies,
    pickling) fail later with a ``RecursionError``."""
    from pydantic_core import from_json

    try:
        return from_json(content)
    except ValueError as exc:
        if "recursion limit" in str(exc):
            raise ValueError(f"the JSON nests deeper than {MAX_JSON_DEPTH} levels") from None
    try:  # what the fast parser refuses but the standard one takes (a BOM, lone surrogates)
        return json.loads(content)
    except RecursionError:
        raise ValueError(f"the JSON nests deeper than {MAX_JSON_DEPTH} levels") from None


def snippet(content: bytes, limit: int = 200) -> str:
    """A short, redacted, single-line excerpt of a body for error messages and logs."""
    text = content[:limit].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return redact(text) + ("…" if len(content) > limit else "")


class WireProtocol:
    """Base codec: query-string params, plain JSON bodies and lists, ``{"message"}`` errors.

    ``listing`` is the type of a listing's body, generic in its item type: a page is
    validated as ``listing[Item]`` in one pass from the bytes.
    """

    name: str = "generic"
    prefix: str = ""
    #: The most items one listing request asks for (the server may still serve fewer).
    max_page_size: int = 1000
    request_id_headers: tuple[str, ...] = ("x-request-id",)
    listing: ClassVar[Any] = list

    # -- building requests -------------------------------------------------------------------

    def url(self, base_url: str, path: str) -> str:
        """The absolute URL of an API path."""
        if path.startswith(("http://", "https://")):
            return path
        return base_url + self.prefix + "/" + path.lstrip("/")

    def collection(self, path: str) -> str:
        """The path of a collection route (FEDn wants a trailing slash)."""
        return path

    def place_params(
        self, params: Mapping[str, Any] | None, body: Any
    ) -> tuple[dict[str, Any] | None, Any]:
        """Where ``params`` travel: (query string, JSON body)."""
        return (dict(params) if params else None), body

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        expect: Expect = "json",
        **options: Unpack[RequestOptions],
    ) -> Request:
        """The request of an API call, its ``params`` placed where this API reads them."""
        query, json_body = self.place_params(params, body)
        return Request(method.upper(), path, query, json_body, expect=expect, **options)

    def page_request(
        self,
        path: str,
        filters: Mapping[str, Any],
        offset: int,
        size: int,
        order_by: str | None = None,
    ) -> Request:
        """The request of one page: ``size`` items from ``offset``, narrowed by ``filters``."""
        raise NotImplementedError(f"the {self.name} API has no listings")

    def key_order(self, order_by: str | None, filters: Mapping[str, Any]) -> KeyOrder | None:
        """How a listing in this order can continue from a key (None: by offsets only)."""
        return None

    # -- reading responses -------------------------------------------------------------------

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

    def decode(self, resp: requests.Response) -> ApiResponse:
        """Decode a 2xx JSON response; raises :class:`ResponseDecodeError` on a bad body."""
        content = resp.content
        try:
            payload = loads(content) if content else None
        except ValueError as exc:
            why = f" ({exc})" if "nests" in str(exc) else ""
            raise ResponseDecodeError(
                f"expected JSON, got {resp.headers.get('Content-Type', 'no content type')}"
                f" ({len(content)} bytes){why}: {snippet(content)}",
                snippet=snippet(content),
            ) from None
        try:
            data, meta = self.unwrap(payload)
        except (KeyError, TypeError, ValueError) as exc:
            raise ResponseDecodeError(
                f"unexpected response shape ({exc}): {snippet(content)}",
                snippet=snippet(content),
            ) from None
        rid = self.request_id(resp.headers)
        return ApiResponse(resp.status_code, resp.headers, content, data, meta, rid, resp, self)

    def page_items(self, data: Any) -> list[Any]:
        """The items of a listing's (unwrapped) data."""
        if not isinstance(data, list):
            raise ResponseDecodeError(
                f"expected a list of items, got {type(data).__name__}",
                snippet=redact(repr(data)[:200]),
            )
        return data

    def page_total(self, data: Any, meta: Mapping[str, Any]) -> int | None:
        """The server's total of a listing, if it says."""
        return None

    def decode_page(self, resp: requests.Response, item: type[T] | None = None) -> Page[T]:
        """Validate a listing body into ``item`` objects (plain JSON without one), in one
        pass from the bytes."""
        return self.decode_listing(resp.content, item)

    def decode_listing(self, content: bytes, item: type[T] | None = None) -> Page[T]:
        """:meth:`decode_page` from the body's bytes."""
        import pydantic  # on first use: keeps ``import hub_sdk`` light

        from ._pydantic import field_errors

        try:
            listing = _listing_adapter(self.listing, item).validate_json(content)
        except pydantic.ValidationError as exc:
            errors = field_errors(exc)
            bad_json = any(e["type"] in ("json_invalid", "json_type") for e in exc.errors())
            name = getattr(item, "__name__", "JSON")
            what = "invalid JSON" if bad_json else f"a {name} listing that does not validate"
            raise ResponseDecodeError(
                f"the server sent {what}: {describe(errors[:5])}: {snippet(content)}",
                snippet=snippet(content),
                retryable=bad_json,
            ) from None
        data, meta = self.unwrap(listing)
        return Page(self.page_items(data), self.page_total(data, meta), RawBody(content, self))

    def error_details(self, payload: Any) -> tuple[str | None, list[tuple[str, str]]]:
        """(message, field errors) from a decoded error body."""
        if isinstance(payload, Mapping):
            msg = payload.get("message") or payload.get("error")
            return (str(msg) if msg is not None else None), []
        return None, []

    def error(self, resp: requests.Response) -> APIStatusError:
        """The typed error for a non-success response."""
        status = resp.status_code
        content = resp.content
        try:
            payload: Any = loads(content) if content else None
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
            status=status,
            request_id=self.request_id(resp.headers),
            **kw,
        )


_adapters: dict[tuple[Any, Any], TypeAdapter[Any]] = {}


def _listing_adapter(listing: Any, item: Any) -> TypeAdapter[Any]:
    """The validator of ``listing[item]`` (built once per listing type and item class)."""
    key = (listing, item)
    adapter = _adapters.get(key)
    if adapter is None:
        from pydantic import TypeAdapter

        adapter = _adapters[key] = TypeAdapter(listing[Any if item is None else item])
    return adapter
