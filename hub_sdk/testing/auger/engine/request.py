"""A werkzeug request with the Hub's parameter conventions.

Every parameter may travel in the query string or in the body, for every verb (the body wins);
the body is JSON (gzip or deflate encoded too) or a URL-encoded form. :meth:`HubRequest.read`
gathers them in :attr:`HubRequest.params`; the helpers below read typed values from them with
the recorded 400 errors.

Nothing in a body is trusted: it is read up to :attr:`HubRequest.limit` bytes, inflated up to
the same limit (413 beyond), and JSON nested deeper than :data:`MAX_DEPTH` is a 400, as the
Hub's Rails parser (Ruby's ``max_nesting``) answers it.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request

from ..catalogue import MAX_LIMIT
from .auth import TOKEN_KEYS, Principal
from .envelope import ParamErrors, invalid, too_large

__all__ = ["MAX_DEPTH", "HubRequest", "as_float", "inflate"]

_INT = re.compile(r"-?\d+")

#: Deepest JSON body accepted (the body object itself is level 1): Ruby's JSON default.
MAX_DEPTH = 100
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_TOO_DEEP: Any = object()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"unexpected token {name}")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as inf, which no document can hold
        raise ValueError(f"number out of range: {text[:20]}")
    return value


_JSON = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite)


def _too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether containers in ``value`` nest more than ``limit`` levels (iteratively)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def inflate(data: bytes, encoding: str, limit: int) -> bytes:
    """``data`` decompressed (``gzip``, several members too, or ``deflate``), at most ``limit``
    bytes of it: 413 beyond, 400 when it is not valid compressed data."""
    gzip = encoding != "deflate"
    out: list[bytes] = []
    size = 0
    while True:
        inflater = zlib.decompressobj(_GZIP_WBITS if gzip else zlib.MAX_WBITS)
        try:
            chunk = inflater.decompress(data, limit - size + 1)
        except zlib.error:
            raise invalid("body", f"is not valid {encoding} data") from None
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        if not inflater.eof:
            raise invalid("body", f"is not valid {encoding} data")
        out.append(chunk)
        data = inflater.unused_data
        if not gzip or not data:
            return b"".join(out)


class HubRequest(Request):
    """A werkzeug request plus the Hub's merged :attr:`params` and the calling :attr:`principal`."""

    def __init__(self, environ: dict[str, Any], limit: int) -> None:
        """Wrap ``environ``, whose body may hold ``limit`` bytes; nothing is read until
        :meth:`read`."""
        # not stored back into the environ: that reference cycle would leave every request's
        # garbage to the cyclic collector
        super().__init__(environ, populate_request=False)
        self.limit = limit
        self.max_content_length = limit  # werkzeug's form parser: 413 beyond
        self.params: dict[str, Any] = {}
        self.body = b""
        self.principal: Principal | None = None

    @property
    def encoding(self) -> str | None:
        """``gzip`` or ``deflate`` when the body is compressed (None otherwise)."""
        value = self.environ.get("HTTP_CONTENT_ENCODING")
        if not value:
            return None
        value = value.strip().lower()
        return "gzip" if value in ("gzip", "x-gzip") else value if value == "deflate" else None

    def query_params(self) -> dict[str, Any]:
        """The parameters of the query string alone."""
        return dict(self.args.items(multi=True)) if self.query_string else {}

    def read(self) -> None:
        """Read the body (decompressed) and merge query and body into :attr:`params`.

        A multipart body is left unread, for werkzeug's form parser (:attr:`form`, :attr:`files`).
        """
        content_type = self.content_type or ""
        self.body = b"" if content_type.startswith("multipart/") else self._decoded_body()
        params = self.query_params()
        if self.body.strip():
            params.update(self._body_params(content_type))
        self.params = params

    def _raw_body(self) -> bytes:
        # Straight from the WSGI input, which LocalHub's server already bounds by Content-Length:
        # werkzeug's get_data() wraps it in one more limiting stream, a third of a GET's cost.
        length = self.content_length or 0
        if length > self.limit:
            raise too_large(self.limit)
        if length > 0:
            return bytes(self.input_stream.read(length))
        if self.environ.get("wsgi.input_terminated"):
            data = bytes(self.input_stream.read(self.limit + 1))
            if len(data) > self.limit:
                raise too_large(self.limit)
            return data
        return b""

    def _decoded_body(self) -> bytes:
        data = self._raw_body()
        encoding = self.encoding
        if not data or encoding is None:
            return data
        return inflate(data, encoding, self.limit)

    def _body_params(self, content_type: str) -> dict[str, Any]:
        if content_type.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(self.body.decode("latin-1"), keep_blank_values=True))
        try:
            text = self.body.decode("utf-8")
            if text.startswith("\ufeff"):  # as json.loads words it
                raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
            data = _JSON.decode(text)
        except (UnicodeDecodeError, ValueError) as exc:
            raise invalid("body", f"is not valid JSON: {exc}") from None
        except RecursionError:  # deeper than the interpreter's stack: deeper than MAX_DEPTH too
            data = _TOO_DEEP
        if data is _TOO_DEEP or (
            text.count("[") + text.count("{") > MAX_DEPTH and _too_deep(data)
        ):
            raise invalid("body", f"is not valid JSON: nesting of {MAX_DEPTH + 1} is too deep")
        if not isinstance(data, dict):
            raise invalid("body", "must be a JSON object")
        return data

    def payload(self) -> dict[str, Any]:
        """The parameters without the auth token keys."""
        return {k: v for k, v in self.params.items() if k not in TOKEN_KEYS}

    def pick(self, names: Iterable[str]) -> dict[str, Any]:
        """The parameters among ``names`` that were sent, in the order of ``names``."""
        return {k: self.params[k] for k in names if k in self.params}

    def require(self, *names: str) -> None:
        """400 listing every one of ``names`` that is missing or empty."""
        errors = ParamErrors()
        for name in names:
            value = self.params.get(name)
            if value is None or value == "":
                errors.add(name, "is required")
        errors.raise_if_any()

    def integer(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter (a JSON number or a numeric string); ``default`` if absent."""
        value = self.params.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise invalid(name, "must be an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INT.fullmatch(value.strip()):
            return int(value)
        raise invalid(name, "must be an integer")

    def page(self) -> tuple[int, int]:
        """``(limit, offset)`` of a listing: defaults 50/0, limit capped at ``MAX_LIMIT``."""
        limit = self.integer("limit", 50)
        offset = self.integer("offset", 0)
        assert limit is not None and offset is not None
        if limit < 0:
            raise invalid("limit", "must be greater than or equal to 0")
        if offset < 0:
            raise invalid("offset", "must be greater than or equal to 0")
        return min(limit, MAX_LIMIT), offset


def as_float(value: Any, name: str) -> float:
    """``value`` as a float (400 naming ``name`` when it is not a number)."""
    if isinstance(value, bool):
        raise invalid(name, "must be a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise invalid(name, "must be a number") from None
