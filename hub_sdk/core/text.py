"""Readable text from what a server sends instead of JSON (an HTML error page)."""

from __future__ import annotations

import html
import re

_MARKUP = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)


def html_text(markup: str) -> str:
    """The text of an HTML page on one line: scripts, styles and tags dropped, entities decoded."""
    return " ".join(html.unescape(_MARKUP.sub(" ", markup)).split())
