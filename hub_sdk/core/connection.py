"""The connection: one pooled HTTP session, timeouts, safe retries, logging and a bounded cache."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any, Literal, TypeVar, overload
from urllib.parse import urljoin, urlsplit

import requests
from typing_extensions import Unpack
from urllib3.filepost import encode_multipart_formdata

from .._version import __version__
from ..errors import (
    APIConnectionError,
    APITimeoutError,
    HubError,
    ResponseDecodeError,
    ValidationError,
)
from . import _requests, context
from ._requests import TrackingAdapter, Wire
from .auth import Auth
from .cache import ResourceCache
from .config import check_tuning
from .deadline import Deadline, current
from .encoding import check_text, encode_json
from .failures import as_decode_error, header_error, redirect_error, transport_error
from .progress import UploadBody
from .protocol import ApiResponse, Page, WireProtocol, snippet
from .request import Expect, Request, RequestOptions, Timeout
from .retry import (
    Decision,
    Outcome,
    RetryPolicy,
    decide,
    may_have_been_applied,
    parse_retry_after,
)
from .secret import redact, redact_mapping

log = logging.getLogger("hub_sdk")

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)
#: The largest JSON (or text) body a call reads; downloads stream and are not capped.
DEFAULT_MAX_RESPONSE_BYTES = 64 << 20
#: How much of an error body is read (enough for any error message; a huge error page is
#: not downloaded, on every retry, to be thrown away).
ERROR_BODY_LIMIT = 64 << 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5
#: The per-call options of :meth:`Connection.request` checked like the connection's own.
_CALL_TUNING = frozenset({"timeout", "max_retries", "deadline"})


class InsecureConnectionWarning(UserWarning):
    """TLS certificate verification was turned off."""


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class Connection:
    """A connection to one API server: auth, transport, retries, logging and a cache.

    Safe to share across threads. ``with conn:`` makes it the default connection of its API
    for the block; :func:`hub_sdk.auger.connect` / :func:`hub_sdk.fedn.connect` make it the
    default everywhere.
    """

    def __init__(
        self,
        base_url: str,
        *,
        protocol: WireProtocol,
        auth: Auth | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        retry_policy: RetryPolicy | None = None,
        verify: bool | str = True,
        cache_size: int = 1024,
        cache_ttl: float = 300.0,
        pool_size: int = 16,
        headers: Mapping[str, str] | None = None,
        session: requests.Session | None = None,
        deadline: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValidationError(
                f"base URL must start with http:// or https://, got {base_url!r}",
                field_errors=[("url", "must be an http(s) URL")],
            )
        check_tuning(
            timeout=timeout,
            max_retries=max_retries,
            verify=verify,
            cache_size=cache_size,
            cache_ttl=cache_ttl,
            pool_size=pool_size,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
        )
        self.base_url = base_url.rstrip("/")
        self.protocol = protocol
        self.auth = auth or Auth()
        self.timeout = timeout
        #: Seconds one call may take in all (retries, their waits, the body); None: no bound.
        self.deadline = deadline
        #: The largest JSON or text body a call reads (streams and downloads are not capped).
        self.max_response_bytes = max_response_bytes
        self.retry = retry_policy or RetryPolicy(max_retries=max_retries)
        self.verify = verify
        if verify is False:
            warnings.warn(
                "TLS certificate verification is off for this connection; "
                "anyone on the network path can read and alter its traffic",
                InsecureConnectionWarning,
                stacklevel=2,
            )
        self.cache = ResourceCache(cache_size, cache_ttl)
        self.session = session or requests.Session()
        adapter = TrackingAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = f"hub-sdk/{__version__}"
        self.session.headers["Accept"] = "application/json"
        if headers:
            self.session.headers.update(headers)
        self._env: dict[tuple[str, str], dict[str, Any]] = {}
        self._closed = False
        self._ctx = threading.local()
        self._rand = random.Random()
        self.requests_sent = 0

    # -- default-connection scoping -------------------------------------------------------

    def __enter__(self) -> Connection:
        self.check_open()
        stack = getattr(self._ctx, "tokens", None)
        if stack is None:
            stack = self._ctx.tokens = []
        stack.append(context.push(self.protocol.name, self))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        context.pop(self.protocol.name, self._ctx.tokens.pop(), self)

    def close(self) -> None:
        """Close the pooled HTTP connections; any later call raises :class:`HubError`."""
        self._closed = True
        self.session.close()
        self.cache.clear()

    def check_open(self, method: str | None = None, path: str | None = None) -> None:
        """Raise :class:`HubError` if the connection is closed (nothing is sent or served)."""
        if self._closed:
            raise HubError(
                f"this {self.protocol.name} connection to {self.base_url} is closed:"
                " connect again for a new one",
                method=method,
                path=path,
            )

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (the connection sends nothing any more)."""
        return self._closed

    def __repr__(self) -> str:
        return (
            f"<Connection {self.protocol.name} {self.base_url} auth={self.auth.kind}"
            f" retries={self.retry.max_retries}>"
        )

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError("connections cannot be pickled (they hold credentials and sockets)")

    # -- requests ---------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """The absolute URL of an API path."""
        return self.protocol.url(self.base_url, path)

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = ...,
        body: Any = ...,
        expect: Literal["json", "text", "bytes"] = ...,
        **options: Unpack[RequestOptions],
    ) -> ApiResponse: ...

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = ...,
        body: Any = ...,
        expect: Literal["stream"],
        **options: Unpack[RequestOptions],
    ) -> requests.Response: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        expect: Expect = "json",
        **options: Unpack[RequestOptions],
    ) -> ApiResponse | requests.Response:
        """Send an API call: ``params`` travel where the API puts them, ``body`` is JSON.

        The other options are :class:`~hub_sdk.core.request.Request`'s. ``expect="stream"``
        returns the open ``requests.Response``; otherwise the decoded response.
        """
        if options:
            check_tuning(
                "request options",
                **{k: v for k, v in options.items() if k in _CALL_TUNING and v is not None},
            )
        codec = self.protocol
        req = codec.request(method, path, params=params, body=body, expect=expect, **options)
        return self.open(req) if req.expect == "stream" else self.send(req)

    def send(self, request: Request) -> ApiResponse:
        """Send ``request`` with retries; the success read as ``request.expect`` says."""
        return self._exchange(request, self._reader(request.expect))

    def open(self, request: Request) -> requests.Response:
        """Send ``request`` with retries; the success's open response (close it when done)."""
        return self._exchange(replace(request, expect="stream"), _as_is)

    @overload
    def fetch_page(
        self,
        path: str,
        filters: Mapping[str, Any],
        offset: int,
        size: int,
        order_by: str | None = ...,
        *,
        item: type[T],
    ) -> Page[T]: ...

    @overload
    def fetch_page(
        self,
        path: str,
        filters: Mapping[str, Any],
        offset: int,
        size: int,
        order_by: str | None = ...,
    ) -> Page[Any]: ...

    def fetch_page(
        self,
        path: str,
        filters: Mapping[str, Any],
        offset: int,
        size: int,
        order_by: str | None = None,
        *,
        item: type[T] | None = None,
    ) -> Page[Any]:
        """One page of the listing at ``path``: ``size`` items from ``offset``, as ``item``
        objects (plain JSON without one), validated in one pass from the bytes."""
        codec = self.protocol
        req = codec.page_request(path, filters, offset, size, order_by)
        return self._exchange(req, lambda resp: codec.decode_page(resp, item))

    def send_page(self, request: Request, *, item: type[T]) -> Callable[[], Page[T]]:
        """Send a page ``request`` (from the protocol's ``page_request``) now; validate its
        listing into ``item`` objects when the result is called, so a page fetched ahead
        holds bytes, not objects. A body not even shaped like JSON (truncated, an HTML page)
        is retried at once like any undecodable body; one that fails to validate later is
        asked for again, as :meth:`fetch_page` would."""
        codec = self.protocol

        def read(resp: requests.Response) -> bytes:
            content = resp.content
            if not _json_shaped(content):
                codec.decode_listing(content, item)  # raises the error the retries act on
            return content

        content = self._exchange(request, read)

        def decode() -> Page[T]:
            try:
                return codec.decode_listing(content, item)
            except (HubError, RecursionError) as exc:
                bad = as_decode_error(exc)
                if getattr(bad, "retryable", False):
                    return self._exchange(request, lambda resp: codec.decode_page(resp, item))
                bad.method = bad.method or request.method
                bad.path = bad.path or shown_path(request.path)
                raise bad from None

        return decode

    def _wire(self, req: Request) -> Wire:
        """``req`` as it goes out: absolute URL, credential, encoded body."""
        for what, value in (("path", req.path), ("query", req.query), ("form", req.form)):
            if value and not (isinstance(value, str) and value.isascii()):
                check_text(value, f"request {what}", req.method, shown_path(req.path))
        url = self.url(req.path)
        absolute = req.path.startswith(("http://", "https://"))
        if req.auth and (not absolute or _origin(url) == _origin(self.base_url)):
            req = self.auth.apply(req)  # the credential goes to our own server only
        headers = dict(req.headers or {})
        files: Any = req.files
        if files is not None or req.form is not None:
            data: Any = dict(req.form or {})
            if req.upload_progress is not None:
                fields = [*data.items(), *dict(files or {}).items()]
                content, content_type = encode_multipart_formdata(fields)
                data, files = UploadBody(content, req.upload_progress), None
                headers["Content-Type"] = content_type
        elif req.raw_body is not None:
            data = req.raw_body
        elif req.body is not None:
            data = encode_json(req.body, req.method, req.path)
            headers.setdefault("Content-Type", "application/json")
        else:
            data = None
        return Wire(req.method, url, req.query, headers, data, files)

    def _exchange(self, req: Request, read: Callable[[requests.Response], R]) -> R:
        """Send ``req``, retrying as its method and the outcome allow; ``read`` a success.

        Within the call's deadline, if it has one: a streamed success keeps it (and its
        watchdog) until :func:`iter_stream` ends.
        """
        if self._closed:
            self.check_open(req.method, shown_path(req.path))
        seconds = req.deadline if req.deadline is not None else self.deadline
        if seconds is None:
            return self._attempts(req, read, None)
        deadline = Deadline(seconds, "call" if req.deadline is not None else "connection")
        deadline.arm()
        streaming = False
        try:
            result = self._attempts(req, read, deadline)
            if isinstance(result, requests.Response):  # a stream: the deadline goes with it
                result.hub_sdk_deadline = deadline  # type: ignore[attr-defined]
                streaming = True
            return result
        finally:
            if not streaming:
                deadline.disarm()

    def _attempts(
        self, req: Request, read: Callable[[requests.Response], R], deadline: Deadline | None
    ) -> R:
        method, path = req.method, shown_path(req.path)  # (what logs and errors show)
        wire = self._wire(req)
        timeout = req.timeout if req.timeout is not None else self.timeout
        policy = self.retry
        if req.max_retries is not None:
            policy = replace(policy, max_retries=req.max_retries)
        stream = req.expect == "stream"
        attempt = 0
        applied = False  # whether an attempt may have been applied
        error: HubError | None = None
        started = time.perf_counter()
        logging_on = log.isEnabledFor(logging.INFO)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s body=%s", method, path, self._preview(wire.data))
        while True:
            if deadline is not None and deadline.passed():
                raise deadline.exceeded(method, path, attempt, error, applied) from error
            t0 = time.perf_counter()
            status: int | None = None
            retry_after: float | None = None
            try:
                resp = self._send(wire, deadline.clamp(timeout) if deadline else timeout, deadline)
                status = resp.status_code
                if 200 <= status < 300:
                    complete = stream or _requests.read_body(resp, self.max_response_bytes)
                else:
                    _requests.read_body(resp, ERROR_BODY_LIMIT, partial=True)
            except requests.RequestException as exc:
                outcome = _requests.outcome(exc)
                status = None
                error = transport_error(exc, outcome, method, path)
            else:
                if 200 <= status < 300:
                    try:
                        if not complete:
                            raise ResponseDecodeError(
                                f"the response body is larger than max_response_bytes"
                                f" ({self.max_response_bytes:,} bytes)",
                                retryable=False,
                            )
                        result = read(resp)
                    except (HubError, RecursionError) as exc:
                        outcome = Outcome.BAD_BODY
                        bad = as_decode_error(exc)
                        self._locate(bad, req, resp)
                        bad.may_have_been_applied = may_have_been_applied(method, outcome)
                        if not getattr(bad, "retryable", True):
                            raise bad from None  # the same answer again would not help
                        error = bad
                    else:
                        if logging_on:
                            self._log(method, path, status, started, attempt)
                        return result
                else:
                    outcome = Outcome.STATUS
                    error = redirect_error(resp) if status < 400 else self.protocol.error(resp)
                    self._locate(error, req, resp)
                    error.may_have_been_applied = may_have_been_applied(method, outcome, status)
                    retry_after = getattr(error, "retry_after", None)
                    if retry_after is None and status in (503, 429):
                        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                    resp.close()
            applied = applied or error.may_have_been_applied
            if deadline is not None and deadline.passed():
                raise deadline.exceeded(method, path, attempt + 1, error, applied) from error
            decision: Decision = decide(
                method,
                attempt,
                outcome,
                policy,
                status=status,
                retry_after=retry_after,
                jitter=self._rand.random(),
            )
            if logging_on:
                log.info(
                    "%s %s -> %s in %.1f ms (attempt %d): %s%s",
                    method,
                    path,
                    status if status is not None else outcome.value,
                    (time.perf_counter() - t0) * 1000,
                    attempt + 1,
                    type(error).__name__,
                    f", retrying in {decision.delay:.2f}s" if decision.retry else "",
                )
            if not decision.retry:
                if attempt:
                    error.message += f" (after {attempt + 1} attempts)"
                elif retry_after is not None and "Retry-After" in decision.reason:
                    error.message += f" ({decision.reason})"
                raise error
            if deadline is not None and decision.delay >= deadline.remaining():
                # Waiting for the next attempt would pass the deadline: stop now.
                raise deadline.exceeded(method, path, attempt + 1, error, applied) from error
            time.sleep(decision.delay)
            attempt += 1

    def _locate(self, exc: HubError, req: Request, resp: requests.Response) -> None:
        """Say on ``exc`` which request and response it is about (where it does not yet)."""
        exc.method = exc.method or req.method
        exc.path = exc.path or shown_path(req.path)
        exc.status = exc.status or resp.status_code
        exc.request_id = exc.request_id or self.protocol.request_id(resp.headers)

    def _send(
        self, wire: Wire, timeout: Timeout, deadline: Deadline | None = None
    ) -> requests.Response:
        """One attempt, following same-origin redirects with credentials and others without.

        The response is streamed: its body is still to be read.
        """
        for _ in range(_MAX_REDIRECTS + 1):
            current.value = deadline  # the pool attaches the connection it hands out
            try:
                prep = _requests.prepare(self.session, wire)
                self.requests_sent += 1
                resp = self.session.send(
                    prep,
                    timeout=timeout,
                    allow_redirects=False,
                    stream=True,
                    **self._env_settings(wire.url),
                )
            except requests.exceptions.InvalidHeader:
                raise self._header_error(wire) from None
            except requests.RequestException:
                raise
            except (ValueError, UnicodeError):
                # http.client refusing a header value: its message would show the value.
                raise self._header_error(wire) from None
            finally:
                current.value = None
            if resp.status_code not in _REDIRECTS or "location" not in resp.headers:
                return resp
            target = urljoin(wire.url, resp.headers["location"])
            if wire.method not in ("GET", "HEAD") and (
                resp.status_code not in (307, 308) or _origin(target) != _origin(wire.url)
            ):
                # A write redirected: a 301/302/303 would turn it into a GET of wherever it
                # points (its answer is not what was written), and a write is not sent to
                # another host. Only a same-origin 307/308 repeats it there, as asked.
                return resp
            _requests.read_body(resp, ERROR_BODY_LIMIT)  # (a short one: the socket is reused)
            resp.close()
            if _origin(target) != _origin(wire.url):
                # Never carry credentials to another host: drop the header and body tokens.
                headers = {k: v for k, v in wire.headers.items() if k.lower() != "authorization"}
                wire = wire._replace(headers=headers, data=_strip_body_credentials(wire.data))
            if resp.status_code == 303 or (
                resp.status_code in (301, 302) and wire.method not in ("GET", "HEAD")
            ):
                wire = wire._replace(method="GET", data=None, files=None)
            wire = wire._replace(url=target, query=None)
        raise APIConnectionError(
            f"more than {_MAX_REDIRECTS} redirects", method=wire.method, path=shown_path(wire.url)
        )

    def _header_error(self, wire: Wire) -> HubError:
        return header_error(
            {**self.session.headers, **wire.headers}, wire.method, shown_path(wire.url)
        )

    def _env_settings(self, url: str) -> dict[str, Any]:
        """Proxy and CA settings from the environment, computed once per origin."""
        key = _origin(url)
        settings = self._env.get(key)
        if settings is None:
            settings = self._env[key] = _requests.environment(self.session, url, self.verify)
        return settings

    def _reader(self, expect: Expect) -> Callable[[requests.Response], ApiResponse]:
        """How to read a success: JSON through the API's envelope, or the body as is."""
        if expect == "json":
            return self.protocol.decode

        def read(resp: requests.Response) -> ApiResponse:
            content = resp.content
            data: Any = content if expect != "text" else content.decode(resp.encoding or "utf-8")
            rid = self.protocol.request_id(resp.headers)
            return ApiResponse(resp.status_code, resp.headers, content, data, {}, rid, resp, None)

        return read

    def _log(self, method: str, path: str, status: int, started: float, attempt: int) -> None:
        log.info(
            "%s %s -> %d in %.1f ms (retries=%d)",
            method,
            path,
            status,
            (time.perf_counter() - started) * 1000,
            attempt,
        )

    @staticmethod
    def _preview(data: Any) -> str:
        if data is None:
            return "-"
        if isinstance(data, bytes):
            try:
                return snippet(json.dumps(redact_mapping(json.loads(data))).encode(), 500)
            except ValueError:
                return f"<{len(data)} bytes>"
        return snippet(repr(redact_mapping(data)).encode(), 500)


def shown_path(path: str) -> str:
    """``path`` as logs and errors show it: a URL's signatures and credentials masked."""
    return redact(path) if "?" in path or "@" in path else path


def _strip_body_credentials(data: Any) -> Any:
    if isinstance(data, bytes):
        try:
            decoded = json.loads(data)
        except ValueError:
            return data
        if isinstance(decoded, dict):
            from .secret import SECRET_KEYS

            return json.dumps({k: v for k, v in decoded.items() if k not in SECRET_KEYS}).encode()
    return data


def _json_shaped(content: bytes) -> bool:
    """Whether ``content`` starts and ends like a JSON object or array (a cheap check)."""
    body = content.strip()
    return body[:1] in (b"{", b"[") and body[-1:] in (b"}", b"]")


def _as_is(resp: requests.Response) -> requests.Response:
    return resp


def iter_stream(resp: requests.Response, chunk_size: int = 1 << 16) -> Iterator[bytes]:
    """Yield a streamed response's body in chunks, closing it at the end.

    A broken or timed-out stream raises :class:`~hub_sdk.errors.APIConnectionError` or
    :class:`~hub_sdk.errors.APITimeoutError` (which names the deadline that passed).
    """
    deadline: Deadline | None = getattr(resp, "hub_sdk_deadline", None)
    try:
        yield from resp.iter_content(chunk_size)
    except requests.RequestException as exc:
        method = resp.request.method or "GET"
        where = shown_path(resp.url)
        if deadline is not None and deadline.passed():
            raise deadline.exceeded(method, where, 1, None, False) from None
        kind = APITimeoutError if isinstance(exc, requests.Timeout) else APIConnectionError
        raise kind(
            f"the download broke off: {redact(str(exc))[:300]}", method=method, path=where
        ) from None
    finally:
        resp.close()
        if deadline is not None:
            deadline.disarm()
