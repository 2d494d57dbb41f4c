"""How the command line prints objects: aligned plain-text tables, or JSON for scripts.

Everything printed goes through :func:`hub_sdk.core.secret.redact_mapping`, so credential
fields and the values of live tokens show as ``****``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import IO, Any

from ..core.display import key_fields
from ..core.resource import Resource
from ..core.secret import redact_mapping

__all__ = ["dump", "print_json", "print_json_list", "print_list", "print_object", "table", "text"]

MAX_COLUMNS = 8
MAX_WIDTH = 40  # characters per table cell
MAX_DETAIL = 100  # characters per value in the one-object view


def dump(obj: Resource) -> dict[str, Any]:
    """The object as JSON-ready data (extra fields included), with credentials masked."""
    data: dict[str, Any] = redact_mapping(obj.model_dump(mode="json", by_alias=False))
    return data


def text(value: Any, width: int = MAX_WIDTH) -> str:
    """One JSON-ready value as a single line of at most ``width`` characters."""
    if value is None:
        out = ""
    elif isinstance(value, str):
        out = value
    elif isinstance(value, bool):
        out = "true" if value else "false"
    else:
        out = json.dumps(value, separators=(",", ":"), default=str)
    out = " ".join(out.split()) if ("\n" in out or "\t" in out) else out
    return out if len(out) <= width else out[: width - 3] + "..."


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
    """Left-aligned columns separated by two spaces, with a dashed rule under the header."""
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines)


def print_list(items: Sequence[Resource], out: IO[str]) -> None:
    """A table with one row per object (nothing but a note when there are none)."""
    if not items:
        print("(no results)", file=out)
        return
    columns = columns_of(items)
    rows = []
    for item in items:
        data = dump(item)  # a column may also be a property the class shows (Round.session_id)
        rows.append([text(data[c] if c in data else getattr(item, c, None)) for c in columns])
    print(table(columns, rows), file=out)


def print_object(obj: Resource, out: IO[str]) -> None:
    """One object: its class and id, then every field that has a value, one per line."""
    data = dump(obj)
    fields = [(k, v) for k, v in data.items() if v is not None]
    print(f"{type(obj).__name__} {obj.pk}", file=out)
    if fields:
        width = max(len(k) for k, _ in fields)
        for key, value in fields:
            print(f"  {key.ljust(width)}  {text(value, MAX_DETAIL)}", file=out)


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
