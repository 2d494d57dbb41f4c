"""The FEDn controller's wire scalars: its two timestamp formats and stringified config values.

The controller renders ``committed_at``, ``updated_at``, ``last_seen`` and ``completed_at`` as
RFC 1123 (``"Mon, 23 Nov 2026 12:51:48 GMT"``) and status/validation ``timestamp`` as ISO 8601
(``"2026-11-23T13:02:07.978078Z"``); :data:`Timestamp` reads both into aware datetimes.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Annotated, Any, Optional

from pydantic import BeforeValidator

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_FRACTION = re.compile(r"(\.\d+)")


@lru_cache(maxsize=8192)
def parse_timestamp(text: str) -> datetime:
    """An aware datetime from RFC 1123 or ISO 8601 text (naive values are taken as UTC)."""
    s = text.strip()
    # Fast path for the fixed-width RFC 1123 form the controller renders for most dates.
    if len(s) == 29 and s[3] == "," and s.endswith(" GMT"):
        try:
            return datetime(
                int(s[12:16]),
                _MONTHS[s[8:11]],
                int(s[5:7]),
                int(s[17:19]),
                int(s[20:22]),
                int(s[23:25]),
                tzinfo=timezone.utc,
            )
        except (KeyError, ValueError):
            pass
    iso = s[:-1] + "+00:00" if s[-1:] in ("Z", "z") else s
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        # Python 3.10 takes only 3 or 6 fraction digits.
        padded = _FRACTION.sub(lambda m: (m.group(1) + "000000")[:7], iso, count=1)
        try:
            dt = datetime.fromisoformat(padded)
        except ValueError:
            try:
                dt = parsedate_to_datetime(s)
            except (TypeError, ValueError, IndexError):
                raise ValueError(f"not an RFC 1123 or ISO 8601 timestamp: {text!r}") from None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)


def _to_datetime(value: Any) -> Any:
    if isinstance(value, str):
        return parse_timestamp(value) if value.strip() else None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc)
    return value


#: An optional aware datetime read from either of the controller's formats.
Timestamp = Annotated[Optional[datetime], BeforeValidator(_to_datetime)]  # noqa: UP045


def _none_text(value: Any) -> Any:
    """``"None"``/``"null"``/``""`` (how combiners stringify a missing value) -> None."""
    if isinstance(value, str) and value in ("None", "null", ""):
        return None
    return value


#: Config values that combiners report as strings (``"60"``, ``"True"``, ``"None"``).
WireInt = Annotated[Optional[int], BeforeValidator(_none_text)]  # noqa: UP045
WireFloat = Annotated[Optional[float], BeforeValidator(_none_text)]  # noqa: UP045
WireBool = Annotated[Optional[bool], BeforeValidator(_none_text)]  # noqa: UP045
WireStr = Annotated[Optional[str], BeforeValidator(_none_text)]  # noqa: UP045
