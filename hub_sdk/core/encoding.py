"""Request bodies as strict JSON: no NaN or Infinity, no lone surrogates, and the field named
when one is refused (a :class:`~hub_sdk.errors.ValidationError`: nothing is sent)."""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import json
import uuid
from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from .text import lone_surrogate


def json_default(value: Any) -> Any:
    """Encode values ``json`` does not know: datetimes, decimals, UUIDs, enums, models, sets."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return value.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_unset=True)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_json(body: Any, method: str, path: str) -> bytes:
    """Encode a request body as strict JSON (no NaN/Infinity, no lone surrogates), or raise
    ValidationError naming the field."""
    try:
        text = json.dumps(body, separators=(",", ":"), allow_nan=False, default=json_default)
    except (TypeError, ValueError) as exc:
        # Name the offending top-level fields (only on this failure path: no cost otherwise).
        bad: list[tuple[str, str]] = []
        if isinstance(body, Mapping):
            for key, value in body.items():
                try:
                    json.dumps(value, allow_nan=False, default=json_default)
                except (TypeError, ValueError) as inner:
                    bad.append((str(key), f"is not valid JSON ({inner})"))
        where = f" (fields: {', '.join(k for k, _ in bad)})" if bad else ""
        raise ValidationError(
            f"request body is not valid JSON{where}: {exc}",
            field_errors=bad,
            method=method,
            path=path,
        ) from None
    if "\\ud" in text:  # a surrogate escape: a pair (fine) or a lone one (no UTF-8 for it)
        check_text(body, "request body", method, path)
    return text.encode()


def check_text(value: Any, what: str, method: str, path: str) -> None:
    """Raise ValidationError if ``value`` (a JSON-like tree) holds a lone surrogate.

    Such a string cannot be encoded as UTF-8: the server would answer 500, or the request
    could not even be built.
    """
    where = lone_surrogate(value, "" if isinstance(value, Mapping) else what)
    if where is not None:
        raise ValidationError(
            f"{what}: {where}: contains a lone surrogate (text that is not valid Unicode, e.g."
            " decoded with errors='surrogateescape'); nothing was sent",
            field_errors=[(where, "contains a lone surrogate")],
            method=method,
            path=path.encode("utf-8", "backslashreplace").decode("utf-8"),
        )
