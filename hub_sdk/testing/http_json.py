"""The HTTP responses LocalHub sends: compact JSON, status lines and the Hub's error envelope.

Shared by the Auger app, the FEDn app, the fault middleware and the server's last-resort 500, so
that every JSON body and every error of LocalHub is rendered in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

__all__ = [
    "INTERNAL_ERROR",
    "JSON",
    "JSON_UTF8",
    "dumps",
    "error_envelope",
    "flask_json",
    "respond",
    "status_line",
]

JSON = "application/json"
JSON_UTF8 = "application/json; charset=utf-8"


# built once: json.dumps() with any non-default option builds a new encoder on every call
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_FLASK = json.JSONEncoder(separators=(",", ":"), sort_keys=True)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON (no spaces after separators), as the Hub sends it."""
    return _COMPACT.encode(value).encode()


def status_line(code: int) -> str:
    """``"404 Not Found"``: the code with its reason phrase as Rails sends it (werkzeug shouts)."""
    return f"{code} {HTTP_STATUS_CODES.get(code, 'Unknown')}"


def respond(
    body: bytes,
    status: int = 200,
    content_type: str = JSON_UTF8,
    headers: Iterable[tuple[str, str]] | None = None,
) -> Response:
    """A response with the Hub's status line and ``Content-Length``, its body sent as is."""
    return Response(
        body,
        status=status_line(status),
        content_type=content_type,
        headers=headers,
        direct_passthrough=True,  # the body is bytes already: no encoding iterator around it
    )


def error_envelope(status: int, errors: list[dict[str, Any]], **meta: Any) -> bytes:
    """The Hub's error body ``{"meta": {"status": N, **meta, "errors": [...]}}``."""
    return dumps({"meta": {"status": status, **meta, "errors": errors}})


INTERNAL_ERROR = error_envelope(
    500, [{"error_type": "internal_error", "message": "Internal Server Error"}]
)


def flask_json(payload: Any, status: int = 200) -> Response:
    """JSON as Flask's ``jsonify`` sends it (the FEDn controller): sorted keys, ASCII, newline."""
    body = _FLASK.encode(payload).encode() + b"\n"
    return Response(body, status=status, mimetype=JSON)
