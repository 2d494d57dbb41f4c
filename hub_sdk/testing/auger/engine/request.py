"""A werkzeug request with the Hub's parameter conventions.

Every parameter may travel in the query string or in the body, for every verb (the body wins);
the body is JSON (gzip or deflate encoded too) or a URL-encoded form. :meth:`HubRequest.read`
gathers them in :attr:`HubRequest.params`; the helpers below read typed values from them with
the recorded 400 errors.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request

from ..catalogue import MAX_LIMIT
from .auth import TOKEN_KEYS, Principal
from .envelope import ParamErrors, invalid

__all__ = ["HubRequest", "as_float"]

_INT = re.compile(r"-?\d+")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"unexpected token {name}")


_JSON = json.JSONDecoder(parse_constant=_reject_constant)  # NaN and Infinity are not JSON


class HubRequest(Request):
    """A werkzeug request plus the Hub's merged :attr:`params` and the calling :attr:`principal`."""

    def __init__(self, environ: dict[str, Any]) -> None:
        """Wrap ``environ``; nothing is read until :meth:`read`."""
        # not stored back into the environ: that reference cycle would leave every request's
        # garbage to the cyclic collector
        super().__init__(environ, populate_request=False)
        self.params: dict[str, Any] = {}
        self.body = b""
        self.principal: Principal | None = None

    def read(self) -> None:
        """Read the body (decompressed) and merge query and body into :attr:`params`.

        A multipart body is left unread, for werkzeug's form parser (:attr:`form`, :attr:`files`).
        """
        content_type = self.content_type or ""
        self.body = b"" if content_type.startswith("multipart/") else self._decoded_body()
        params: dict[str, Any] = dict(self.args.items(multi=True)) if self.query_string else {}
        if self.body.strip():
            params.update(self._body_params(content_type))
        self.params = params

    def _raw_body(self) -> bytes:
        # Straight from the WSGI input, which LocalHub's server already bounds by Content-Length:
        # werkzeug's get_data() wraps it in one more limiting stream, a third of a GET's cost.
        length = self.content_length or 0
        if length > 0:
            return bytes(self.input_stream.read(length))
        if self.environ.get("wsgi.input_terminated"):
            return bytes(self.input_stream.read())
        return b""

    def _decoded_body(self) -> bytes:
        data = self._raw_body()
        if not data:
            return data
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        if encoding in ("gzip", "x-gzip"):
            try:
                return gzip.decompress(data)
            except (OSError, EOFError, zlib.error):
                raise invalid("body", "is not valid gzip data") from None
        if encoding == "deflate":
            try:
                return zlib.decompress(data)
            except zlib.error:
                raise invalid("body", "is not valid deflate data") from None
        return data

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
