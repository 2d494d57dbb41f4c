"""Listing filters as the controller's SQL store reads them, turned into :class:`Store` filters.

Filters are exact matches (``?name=seed1``, ``?sender.name=client0``) with optional suffixes
``__gt __lt __gte __lte __ne __eq``; values are typed like the column they compare with
(``"null"`` is NULL), dates are parsed, and keys that are no column are ignored, as on the real
SQL store. ``__ne`` keeps SQL's rule: a NULL never matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .catalogue import RFC_DATES, SESSION_CONFIG, Doc, Entity, parse_date
from .validation import BadRequest

__all__ = ["build_filters"]

_SUFFIXES = ("gt", "lt", "gte", "lte", "ne", "eq")


def _coerce(raw: Any, typ: type | None) -> Any:
    """Typed filter value, as SQLite would compare it against a column of type ``typ``."""
    if isinstance(raw, str) and raw.lower() == "null":
        return None
    if typ in (int, float) and isinstance(raw, str):
        for conv in (int, float):
            try:
                return conv(raw)
            except ValueError:
                pass
        return raw
    if typ is bool and isinstance(raw, str):
        low = raw.lower()
        if low in ("1", "true"):
            return True
        if low in ("0", "false"):
            return False
        return raw
    if typ is str and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    return raw


def build_filters(entity: Entity, params: Mapping[str, Any]) -> tuple[Doc, Doc]:
    """``(store filters, strict __ne filters)`` from request parameters; unknown keys ignored."""
    filters: Doc = {}
    strict_ne: Doc = {}
    for key, raw in params.items():
        field, op = key, "eq"
        head, sep, tail = key.rpartition("__")
        if sep and tail in _SUFFIXES:
            field, op = head, tail
        if field == "model" and entity.name == "models":
            field = "model_id"
        top = field.split(".", 1)[0]
        typ = entity.fields.get(top)
        if typ is None or (("." in field) != (typ is dict)):
            continue  # unknown columns are ignored, as on the real SQL store
        if "." in field:
            sub = field.split(".", 1)[1]
            typ = SESSION_CONFIG.get(sub, str) if top == "session_config" else str
        if isinstance(raw, Mapping) and "$in" in raw:
            values = raw["$in"] if isinstance(raw["$in"], list) else [raw["$in"]]
            filters[f"{field}__in"] = [_coerce(v, typ) for v in values]
            continue
        if field in RFC_DATES or field == "timestamp":
            value: Any = parse_date(raw)
            if value is None and not (isinstance(raw, str) and raw.lower() == "null"):
                raise BadRequest(f"Invalid date for filter {key!r}: {raw!r}")
        else:
            value = _coerce(raw, typ)
        if op == "ne" and value is not None:
            strict_ne[field] = value
        else:
            filters[field if op == "eq" else f"{field}__{op}"] = value
    return filters, strict_ne
