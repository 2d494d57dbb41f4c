"""Reading a FEDn request: JSON or form bodies, listing filters, header pagination.

Filters travel in the query string of ``GET`` listings and in the body of ``POST .../list`` and
``.../count``; paging travels only in the ``X-Limit``, ``X-Skip``, ``X-Sort-Key`` and
``X-Sort-Order`` headers, whose bad values are silently ignored (the controller's rules).
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Request

from ..catalogue import Doc
from ..validation import BadRequest

__all__ = [
    "body",
    "body_filters",
    "header_int",
    "json_field",
    "query_filters",
    "required",
    "uploaded_file",
]

_PAGINATION_PARAMS = ("limit", "skip", "sort_key", "sort_order")


def body(request: Request) -> Doc:
    """The JSON object (or the form) a request carries; BadRequest when it is no object."""
    data: Any = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(data, dict):
        raise BadRequest("Invalid object")
    return data


def json_field(request: Request, key: str, default: Any = None) -> Any:
    """``key`` of the JSON object the request carries (``default`` when absent or no object)."""
    data = request.get_json(silent=True)
    return data.get(key, default) if isinstance(data, dict) else default


def required(request: Request, key: str) -> Any:
    """``key`` of the JSON object the request carries; BadRequest when it is missing or empty."""
    value = json_field(request, key)
    if not value:
        raise BadRequest(f"Missing required field: {key}")
    return value


def uploaded_file(request: Request) -> FileStorage:
    """The multipart ``file`` of an upload; BadRequest when there is none."""
    file = request.files.get("file")
    if file is None:
        raise BadRequest("Missing required field: file")
    return file


def query_filters(request: Request) -> Doc:
    """Filters from the query string; paging parameters there are refused (the real one 500s)."""
    args = request.args.to_dict()
    bad = [p for p in _PAGINATION_PARAMS if p in args]
    if bad:
        raise BadRequest(
            f"Pagination goes in the X-Limit, X-Skip, X-Sort-Key and X-Sort-Order headers, "
            f"not in the query string ({', '.join(bad)})"
        )
    return args


def body_filters(request: Request) -> Doc:
    """Filters from a POST body (form or JSON); comma lists become ``{"$in": [...]}``."""
    data: Any = request.form.to_dict() if request.form else None
    if not data:
        data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = {}
    out: Doc = {}
    for key, value in data.items():
        if isinstance(value, str) and "," in value:
            out[key] = {"$in": value.split(",")}
        else:
            out[key] = value
    return out


def header_int(text: str | None) -> int:
    """A header value that is a positive integer, else 0 (bad values are silently ignored)."""
    return int(text) if text is not None and text.isdigit() and int(text) > 0 else 0
