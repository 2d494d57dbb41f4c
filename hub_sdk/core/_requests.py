"""Every reach into ``requests``/``urllib3`` internals, in one place.

* :func:`prepare` builds the ``PreparedRequest`` of a JSON or raw body by hand (merging the
  session's headers and cookies as ``Session.prepare_request`` does, at a fraction of its cost)
  and sets the private ``_cookies`` that ``Session.send`` reads.
* :func:`outcome` tells a refused connection from a broken one by urllib3's exception names,
  and a certificate that did not verify by the ``ssl`` error requests wraps.
* :func:`read_body` reads a streamed response's body up to a limit and hands it to requests
  (``Response._content``), so ``.content`` works as if requests had read it.
* :class:`TrackingAdapter` swaps urllib3's pool classes for ones whose ``_get_conn`` and
  ``_put_conn`` tell the running call's :class:`~hub_sdk.core.deadline.Deadline` which
  connection it uses (so a watchdog can cut it).

``tests/core/test_internals.py`` pins both against the installed ``requests``: an upgrade
that changes what they rely on fails there, loudly.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import get_cookie_header
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from . import deadline as _deadline
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


def causes(exc: BaseException, depth: int = 8) -> Iterator[BaseException]:
    """``exc`` and what it wraps: urllib3's ``reason``, ``args``, causes and contexts."""
    seen: set[int] = set()
    todo = [exc]
    while todo and len(seen) < depth * 4:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for inner in (
            getattr(current, "reason", None),
            *current.args,
            current.__cause__,
            current.__context__,
        ):
            if isinstance(inner, BaseException):
                todo.append(inner)


def certificate_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind ``exc``, if that is what it is."""
    for inner in causes(exc):
        if isinstance(inner, ssl.SSLCertVerificationError):
            return inner
    return None


def outcome(exc: requests.RequestException) -> Outcome:
    """What a requests exception tells about the attempt."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Outcome.CONNECT_FAILED
    if isinstance(exc, requests.exceptions.SSLError) and certificate_error(exc) is not None:
        return Outcome.TLS_FAILED
    if isinstance(exc, requests.exceptions.Timeout):
        return Outcome.TIMEOUT
    if isinstance(exc, requests.exceptions.ConnectionError):
        # A refused or unresolvable connection never carried the request.
        reason: Any = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        if type(reason).__name__ in NOT_CONNECTED:
            return Outcome.CONNECT_FAILED
    return Outcome.CONNECTION_LOST


def read_body(
    resp: requests.Response, limit: int, *, partial: bool = False, chunk_size: int = 1 << 16
) -> bool:
    """Read the body of a streamed ``resp`` into ``resp.content``, at most ``limit`` bytes.

    Returns False when the body is longer: then the connection is closed instead of
    downloading the rest, and ``resp.content`` holds the first ``limit`` bytes with
    ``partial`` or nothing without (a ``Content-Length`` over the limit is not read at all).
    """
    length = resp.headers.get("Content-Length", "")
    complete = partial or not (length.isdigit() and int(length) > limit)
    parts: list[bytes] = []
    size = 0
    if complete:
        for chunk in resp.iter_content(chunk_size):
            parts.append(chunk)
            size += len(chunk)
            if size > limit:
                complete = False
                break
    if not complete:
        resp.close()  # (before marking it consumed: only then is the socket closed, not reused)
    content = b"".join(parts)
    resp._content = content if complete else content[:limit] if partial else b""
    resp._content_consumed = True  # type: ignore[attr-defined]
    return complete


class _TrackedPool(HTTPConnectionPool):
    """A pool that attaches the connections it hands out to the running call's deadline."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)
        watch: _deadline.Deadline | None = getattr(_deadline.current, "value", None)
        if watch is not None:
            watch.attach(conn)
        return conn

    def _put_conn(self, conn: Any) -> None:
        watch = getattr(conn, "hub_sdk_deadline", None)
        if watch is not None:
            watch.detach(conn)
        super()._put_conn(conn)


class _TrackedHTTPSPool(_TrackedPool, HTTPSConnectionPool):
    """The HTTPS flavour of :class:`_TrackedPool`."""


_STOCK_POOLS = {"http": HTTPConnectionPool, "https": HTTPSConnectionPool}
_TRACKED_POOLS = {"http": _TrackedPool, "https": _TrackedHTTPSPool}


def _track(manager: Any) -> Any:
    classes = getattr(manager, "pool_classes_by_scheme", None)
    if classes == _STOCK_POOLS:  # leave SOCKS and other custom managers as they are
        manager.pool_classes_by_scheme = dict(_TRACKED_POOLS)
    return manager


class TrackingAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose pools report the connection each call uses to its deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _track(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        return _track(super().proxy_manager_for(proxy, **proxy_kwargs))
