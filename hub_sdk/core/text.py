"""Readable text from what a server sends instead of JSON (an HTML error page)."""

from __future__ import annotations

import html
import re

_MARKUP = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)


def html_text(markup: str) -> str:
    """The text of an HTML page on one line: scripts, styles and tags dropped, entities decoded."""
    return " ".join(html.unescape(_MARKUP.sub(" ", markup)).split())


def lone_surrogate(value: object, where: str = "") -> str | None:
    """The path (``settings.deep.0``) of the first string in ``value`` (a JSON-like tree of
    dicts, lists and tuples, keys included) holding a lone surrogate, which no UTF-8 encoder
    can send; None when there is none. ``where`` names ``value`` itself."""
    if isinstance(value, str):
        if value.isascii():
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where or "(value)"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            text = str(key).encode("utf-8", "backslashreplace").decode("utf-8")
            name = f"{where}.{text}" if where else text
            if isinstance(key, str) and lone_surrogate(key) is not None:
                return name
            found = lone_surrogate(item, name)
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = lone_surrogate(item, f"{where}.{index}" if where else str(index))
            if found is not None:
                return found
    return None
