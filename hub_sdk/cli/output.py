"""How the command line prints objects: aligned plain-text tables, or JSON for scripts.

Everything printed goes through :func:`hub_sdk.core.secret.redact_mapping`, so credential
fields and the values of live tokens show as ``****``. In tables, values from the server are
made safe for a terminal (control characters, escape sequences and bidirectional overrides
are shown escaped, as ``\\x1b`` or ``\\u202e``) and columns are aligned by display width,
so East Asian wide characters and combining accents line up.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import IO, Any

from ..core.display import key_fields
from ..core.resource import Resource
from ..core.secret import redact_mapping

__all__ = [
    "dump",
    "print_json",
    "print_json_list",
    "print_list",
    "print_object",
    "safe",
    "table",
    "text",
    "width",
]

MAX_COLUMNS = 8
MAX_WIDTH = 40  # characters per table cell
MAX_DETAIL = 100  # characters per value in the one-object view


def dump(obj: Resource) -> dict[str, Any]:
    """The object as JSON-ready data (extra fields included), with credentials masked."""
    data: dict[str, Any] = redact_mapping(obj.model_dump(mode="json", by_alias=False))
    return data


# Bidirectional overrides, isolates and marks: they reorder what a terminal shows (Trojan
# Source), so they are shown escaped like control characters.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(value: str) -> str:
    """``value`` with control characters (ESC, NUL, CR...), bidi controls, unassigned and
    surrogate code points shown escaped (``\\x1b``), so nothing reaches the terminal raw."""
    if value.isprintable() and not _BIDI.intersection(value):
        return value
    out = []
    for ch in value:
        if ch in _BIDI or (not ch.isprintable() and ch != " "):
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "".join(out)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def width(value: str) -> int:
    """The columns ``value`` takes on a terminal (wide characters 2, combining marks 0)."""
    if value.isascii():
        return len(value)
    return sum(_char_width(ch) for ch in value)


def _truncate(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` columns, ending with ``...`` when cut."""
    if width(value) <= limit:
        return value
    out, used = [], 0
    for ch in value:
        w = _char_width(ch)
        if used + w > limit - 3:
            break
        out.append(ch)
        used += w
    return "".join(out) + "..."


def _pad(value: str, columns: int) -> str:
    return value + " " * (columns - width(value))


def text(value: Any, width: int = MAX_WIDTH) -> str:
    """One JSON-ready value as a single terminal-safe line of at most ``width`` columns."""
    if value is None:
        out = ""
    elif isinstance(value, str):
        out = value
    elif isinstance(value, bool):
        out = "true" if value else "false"
    else:
        out = json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)
    out = " ".join(out.split()) if ("\n" in out or "\t" in out) else out
    return _truncate(safe(out), width)


def columns_of(items: Sequence[Resource]) -> list[str]:
    """Table columns: the key fields any item has, in the order ``key_fields`` gives them
    (id, the class's repr fields, parent ids, timestamps), at most :data:`MAX_COLUMNS`."""
    present: dict[str, None] = {}
    for item in items:
        present.update(dict.fromkeys(key_fields(item)))
    spec = items[0].__resource__ if items else None
    head = [spec.id_field, *spec.repr_fields] if spec else []
    stamps = ("created_at", "updated_at", "committed_at")
    ordered = [n for n in head if n in present]
    ordered += [n for n in present if n not in ordered and n not in stamps]
    ordered += [n for n in stamps if n in present]
    return ordered[:MAX_COLUMNS]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces, with a dashed rule under the header
    (aligned by display width: cells are expected to be :func:`safe` already)."""
    widths = [width(h) for h in header]
    for row in rows:
        widths = [max(w, width(c)) for w, c in zip(widths, row)]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(_pad(c, w) for c, w in zip(line, widths)).rstrip() for line in lines)


def print_list(items: Sequence[Resource], out: IO[str]) -> None:
    """A table with one row per object (nothing but a note when there are none)."""
    if not items:
        print("(no results)", file=out)
        return
    columns = columns_of(items)
    header = [safe(c) for c in columns]
    rows = []
    for item in items:
        data = dump(item)  # a column may also be a property the class shows (Round.session_id)
        rows.append([text(data[c] if c in data else getattr(item, c, None)) for c in columns])
    print(table(header, rows), file=out)


def print_object(obj: Resource, out: IO[str]) -> None:
    """One object: its class and id, then every field that has a value, one per line."""
    data = dump(obj)
    fields = [(k, v) for k, v in data.items() if v is not None]
    print(f"{type(obj).__name__} {text(obj.pk, MAX_DETAIL)}", file=out)
    if fields:
        keys = [safe(k) for k, _ in fields]
        column = max(width(k) for k in keys)
        for key, (_, value) in zip(keys, fields):
            print(f"  {_pad(key, column)}  {text(value, MAX_DETAIL)}", file=out)


def print_json(value: Any, out: IO[str]) -> None:
    """One JSON document (objects dumped with credentials masked)."""
    value = dump(value) if isinstance(value, Resource) else redact_mapping(value)
    print(json.dumps(value, indent=2, default=str), file=out)


def print_json_list(items: Iterable[Resource], out: IO[str]) -> int:
    """A JSON array written one object per line as items arrive; returns how many."""
    count = 0
    for item in items:
        line = json.dumps(dump(item), separators=(",", ":"), default=str)
        print(("[" if count == 0 else ",") + line, file=out)
        count += 1
    print("[]" if count == 0 else "]", file=out, flush=True)
    return count
