"""How objects and listings show themselves in notebooks (HTML) and with rich."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .resource import Resource

MAX_COLUMNS = 8
MAX_CELL = 60
#: Rows a listing shows in a notebook (its caption says how many there are in all).
PREVIEW_ROWS = 20


def shown_values(obj: Resource) -> dict[str, Any]:
    """The object's fields and extra fields, plus the properties its ``repr_fields`` name."""
    values = {**(obj.__pydantic_extra__ or {}), **obj.__dict__}
    cls = type(obj)
    for name in obj.__resource__.repr_fields:
        if name not in values and isinstance(getattr(cls, name, None), property):
            values[name] = getattr(obj, name)
    return values


def key_fields(obj: Resource) -> list[str]:
    """The fields worth showing at a glance: id, name/status, parent ids, timestamps."""
    spec = obj.__resource__
    values = shown_values(obj)
    names = [spec.id_field, *spec.repr_fields]
    names += [n for n in values if n.endswith("_id") and n not in names]
    names += [n for n in ("created_at", "updated_at", "committed_at") if n in values]
    return [n for n in dict.fromkeys(names) if values.get(n) is not None]


def cell(value: Any) -> str:
    """One value as escaped, shortened HTML text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.isoformat(sep=" ", timespec="seconds")
    elif isinstance(value, (dict, list)):
        text = f"{type(value).__name__}[{len(value)}]"
    else:
        text = str(value)
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return html.escape(text)


def resource_html(obj: Resource) -> str:
    """A two-column table of an object's key fields."""
    values = shown_values(obj)
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(n)}</th><td>{cell(values[n])}</td></tr>"
        for n in key_fields(obj)
    )
    return f"<table><caption>{html.escape(type(obj).__name__)}</caption>{rows}</table>"


def table_html(title: str, items: Sequence[Resource], summary: str) -> str:
    """A table of objects (one row each), headed by ``title`` and ``summary``."""
    columns: list[str] = []
    for item in items:
        for name in key_fields(item):
            if name not in columns and len(columns) < MAX_COLUMNS:
                columns.append(name)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = []
    for item in items:
        values = shown_values(item)
        rows.append("<tr>" + "".join(f"<td>{cell(values.get(c))}</td>" for c in columns) + "</tr>")
    caption = f"{html.escape(title)}: {html.escape(summary)}"
    return (
        f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def rich_fields(obj: Resource) -> Iterable[tuple[str, Any]]:
    """(name, value) pairs for rich's ``__rich_repr__`` protocol."""
    values = shown_values(obj)
    for name in key_fields(obj):
        yield name, values[name]


def preview_caption(shown: int, total: int | None, more: bool) -> str:
    """``"20 of 290"`` (``"first 20"`` when the server does not say how many there are)."""
    if total is not None:
        return f"{shown} of {total}"
    return f"first {shown}" + (" (more not shown)" if more else "")


def frame_columns(
    item_type: type[Resource] | None, rows: Sequence[dict[str, Any]]
) -> list[str] | None:
    """DataFrame columns: the id first, then the declared fields, then extra fields seen."""
    if item_type is None:
        return None
    spec = item_type.__resource__
    columns = dict.fromkeys([spec.id_field, *item_type.model_fields])
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def to_dataframe(
    items: Iterable[Resource],
    columns: Sequence[str] | None = None,
    item_type: type[Resource] | None = None,
) -> Any:
    """A pandas DataFrame with one row per object and typed columns (needs the notebook extra).

    With ``item_type`` (or from the items' class), the id comes first and the declared fields
    are columns even when there are no items.
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("to_pandas() needs pandas: pip install 'hub-sdk[notebook]'") from exc
    items = list(items)
    rows = [item.model_dump() for item in items]
    if columns is None:
        columns = frame_columns(type(items[0]) if items else item_type, rows)
    frame = pd.DataFrame.from_records(rows, columns=list(columns) if columns else None)
    return frame.convert_dtypes() if len(frame) else frame
