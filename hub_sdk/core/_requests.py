"""Every reach into ``requests``/``urllib3`` internals, in one place.

* :func:`prepare` builds the ``PreparedRequest`` of a JSON or raw body by hand (merging the
  session's headers and cookies as ``Session.prepare_request`` does, at a fraction of its cost)
  and sets the private ``_cookies`` that ``Session.send`` reads.
* :func:`outcome` tells a refused connection from a broken one by urllib3's exception names.

``tests/core/test_internals.py`` pins both against the installed ``requests``: an upgrade
that changes what they rely on fails there, loudly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit

import requests
from requests.cookies import get_cookie_header
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict

from .retry import Outcome

#: urllib3's reasons for a connection that never carried the request.
NOT_CONNECTED = frozenset({"NewConnectionError", "NameResolutionError", "ConnectTimeoutError"})


class Wire(NamedTuple):
    """A request as it goes on the wire: absolute URL, final headers, an encoded body."""

    method: str
    url: str
    query: Mapping[str, Any] | None
    headers: dict[str, str]
    data: Any = None  # bytes, an iterable body, or a multipart form's fields
    files: Any = None


def prepare(session: requests.Session, wire: Wire) -> requests.PreparedRequest:
    """The ``PreparedRequest`` that ``session.prepare_request`` would build for ``wire``.

    JSON and raw bodies take a fast path around requests' merging; forms, files, streamed
    bodies and session-level auth go through requests itself.
    """
    data = wire.data
    if wire.files is not None or not (data is None or isinstance(data, bytes)) or session.auth:
        return session.prepare_request(
            requests.Request(
                wire.method,
                wire.url,
                headers=wire.headers,
                params=wire.query,
                data=data,
                files=wire.files,
            )
        )
    prep = requests.PreparedRequest()
    prep.method = wire.method
    url = wire.url
    if wire.query:
        sep = "&" if urlsplit(url).query else "?"
        pairs = [(k, v) for k, v in wire.query.items() if v is not None]
        url = url + sep + urlencode(pairs, doseq=True)
    prep.url = url
    merged: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for key, value in session.headers.items():
        merged[key] = value if isinstance(value, str) else value.decode()
    merged.update(wire.headers)
    prep.headers = merged
    # In requests' own order (cookies, then body), so the header bytes are the same too.
    prep._cookies = session.cookies  # type: ignore[attr-defined]
    if session.cookies:
        cookie = get_cookie_header(session.cookies, prep)  # type: ignore[no-untyped-call]
        if cookie:
            merged["Cookie"] = cookie
    if data is not None:
        merged["Content-Length"] = str(len(data))
    elif wire.method not in ("GET", "HEAD"):
        merged["Content-Length"] = "0"
    prep.body = data
    prep.hooks = default_hooks()
    return prep


def environment(session: requests.Session, url: str, verify: bool | str) -> dict[str, Any]:
    """The proxy, TLS and certificate settings ``session.send`` needs for ``url``."""
    merged = session.merge_environment_settings(url, {}, None, verify, None)
    return {k: v for k, v in merged.items() if k != "stream"}


def outcome(exc: requests.RequestException) -> Outcome:
    """What a requests exception tells about the attempt."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Outcome.CONNECT_FAILED
    if isinstance(exc, requests.exceptions.Timeout):
        return Outcome.TIMEOUT
    if isinstance(exc, requests.exceptions.ConnectionError):
        # A refused or unresolvable connection never carried the request.
        reason: Any = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        if type(reason).__name__ in NOT_CONNECTED:
            return Outcome.CONNECT_FAILED
    return Outcome.CONNECTION_LOST
