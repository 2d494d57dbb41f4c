"""The connection: one pooled HTTP session, timeouts, safe retries, logging and a bounded cache."""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import json
import logging
import random
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any, Literal, overload
from urllib.parse import urlencode, urljoin, urlsplit

import cachetools
import requests
from requests.adapters import HTTPAdapter
from requests.cookies import get_cookie_header
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict
from urllib3.filepost import encode_multipart_formdata

from .._version import __version__
from ..errors import APIConnectionError, APITimeoutError, HubError, ValidationError
from . import context
from .auth import Auth
from .progress import UploadBody
from .protocol import ApiResponse, WireProtocol, snippet
from .retry import Decision, Outcome, RetryPolicy, decide, may_have_been_applied
from .secret import redact, redact_mapping

log = logging.getLogger("hub_sdk")

Timeout = float | tuple[float, float] | None
Decoder = Callable[[requests.Response, str, str], ApiResponse]
Expect = Literal["json", "text", "bytes", "stream"]

DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5


class InsecureConnectionWarning(UserWarning):
    """TLS certificate verification was turned off."""


def json_default(value: Any) -> Any:
    """Encode values ``json`` does not know: datetimes, decimals, UUIDs, enums, models, sets."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return value.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_unset=True)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_json(body: Any, method: str, path: str) -> bytes:
    """Encode a request body as strict JSON (no NaN/Infinity), or raise ValidationError."""
    try:
        return json.dumps(
            body, separators=(",", ":"), allow_nan=False, default=json_default
        ).encode()
    except (TypeError, ValueError) as exc:
        # Name the offending top-level fields (only on this failure path: no cost otherwise).
        bad: list[tuple[str, str]] = []
        if isinstance(body, Mapping):
            for key, value in body.items():
                try:
                    json.dumps(value, allow_nan=False, default=json_default)
                except (TypeError, ValueError) as inner:
                    bad.append((str(key), f"is not valid JSON ({inner})"))
        where = f" (fields: {', '.join(k for k, _ in bad)})" if bad else ""
        raise ValidationError(
            f"request body is not valid JSON{where}: {exc}",
            field_errors=bad,
            method=method,
            path=path,
        ) from None


class ResourceCache:
    """A thread-safe, bounded, expiring cache of objects looked up through one connection."""

    def __init__(self, maxsize: int = 1024, ttl: float = 300.0) -> None:
        self._lock = threading.Lock()
        self._data: cachetools.TTLCache[Hashable, Any] = cachetools.TTLCache(
            maxsize=max(1, maxsize), ttl=ttl
        )
        self.enabled = maxsize > 0 and ttl > 0
        self.hits = 0
        self.misses = 0
        self.generation = 0  # bumped by every write, so a read racing a write cannot go stale

    def get(self, key: Hashable) -> Any:
        """The cached value for ``key``, or None."""
        if not self.enabled:
            return None
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def put_read(self, key: Hashable, value: Any, generation: int) -> None:
        """Remember a value read when the cache was at ``generation``, unless a write came since."""
        if self.enabled:
            with self._lock:
                if generation == self.generation:
                    self._data[key] = value

    def put_write(self, key: Hashable, value: Any) -> None:
        """Remember the state a write through this connection produced."""
        with self._lock:
            self.generation += 1
            if self.enabled:
                self._data[key] = value

    def invalidate(self, key: Hashable) -> None:
        """Forget ``key`` (a write changed or removed it)."""
        with self._lock:
            self.generation += 1
            self._data.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self.generation += 1
            self._data.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __repr__(self) -> str:
        return f"<ResourceCache {len(self)} entries, hits={self.hits} misses={self.misses}>"


def _classify(exc: requests.RequestException) -> Outcome:
    """Map a requests exception to what it tells about the attempt."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Outcome.CONNECT_FAILED
    if isinstance(exc, requests.exceptions.Timeout):
        return Outcome.TIMEOUT
    if isinstance(exc, requests.exceptions.ConnectionError):
        # A refused or unresolvable connection never carried the request.
        reason: Any = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        name = type(reason).__name__
        if name in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError"):
            return Outcome.CONNECT_FAILED
        return Outcome.CONNECTION_LOST
    return Outcome.CONNECTION_LOST


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
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValidationError(
                f"base URL must start with http:// or https://, got {base_url!r}",
                field_errors=[("url", "must be an http(s) URL")],
            )
        self.base_url = base_url.rstrip("/")
        self.protocol = protocol
        self.auth = auth or Auth()
        self.timeout = timeout
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
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = f"hub-sdk/{__version__}"
        self.session.headers["Accept"] = "application/json"
        if headers:
            self.session.headers.update(headers)
        self._env: dict[tuple[str, str], dict[str, Any]] = {}
        self._ctx = threading.local()
        self._rand = random.Random()
        self.requests_sent = 0

    # -- default-connection scoping -------------------------------------------------------

    def __enter__(self) -> Connection:
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
        context.pop(self.protocol.name, self._ctx.tokens.pop())

    def close(self) -> None:
        """Close the pooled HTTP connections."""
        self.session.close()

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
        headers: Mapping[str, str] | None = ...,
        files: Any = ...,
        form: Mapping[str, Any] | None = ...,
        raw_body: bytes | None = ...,
        upload_progress: Callable[[int, int | None], None] | None = ...,
        decoder: Decoder | None = ...,
        timeout: Timeout = ...,
        max_retries: int | None = ...,
        expect: Literal["json", "text", "bytes"] = ...,
        auth: bool = ...,
    ) -> ApiResponse: ...

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = ...,
        body: Any = ...,
        headers: Mapping[str, str] | None = ...,
        files: Any = ...,
        form: Mapping[str, Any] | None = ...,
        raw_body: bytes | None = ...,
        upload_progress: Callable[[int, int | None], None] | None = ...,
        decoder: Decoder | None = ...,
        timeout: Timeout = ...,
        max_retries: int | None = ...,
        expect: Literal["stream"],
        auth: bool = ...,
    ) -> requests.Response: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
        form: Mapping[str, Any] | None = None,
        raw_body: bytes | None = None,
        upload_progress: Callable[[int, int | None], None] | None = None,
        decoder: Decoder | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        expect: Expect = "json",
        auth: bool = True,
    ) -> ApiResponse | requests.Response:
        """Send a request with retries and return the decoded response.

        ``params`` travel where the API puts them (query string, or the JSON body for the
        Auger API); ``body`` is JSON; ``files``/``form`` make a multipart form; ``raw_body``
        is sent as is. ``expect`` says how to read a success: ``json`` (decoded through the
        API's envelope), ``text``, ``bytes`` or ``stream`` (the open ``requests.Response``).
        ``upload_progress(sent, total)`` is called as a multipart upload goes out; ``decoder``
        replaces the API's JSON decoding of a success (it runs inside the retry loop).
        """
        method = method.upper()
        query, json_body = self.protocol.prepare(method, params, body)
        url = self.url(path)
        req_headers: dict[str, str] = dict(headers or {})
        same_origin = _origin(url) == _origin(self.base_url)
        data: Any = None
        if files is not None or form is not None:
            data = dict(form or {})
            if auth and same_origin:
                self.auth.apply(req_headers, data)
            if upload_progress is not None:
                fields = [*data.items(), *(dict(files or {})).items()]
                content, content_type = encode_multipart_formdata(fields)
                data, files = UploadBody(content, upload_progress), None
                req_headers["Content-Type"] = content_type
        elif raw_body is not None:
            data = raw_body
            if auth and same_origin:
                self.auth.apply(req_headers, None)
        else:
            if json_body is None and getattr(self.auth, "in_body", False) and auth:
                json_body = {}
            if auth and same_origin and isinstance(json_body, dict):
                json_body = dict(json_body)
                self.auth.apply(req_headers, json_body)
            elif auth and same_origin:
                self.auth.apply(req_headers, None)
            if json_body is not None:
                data = encode_json(json_body, method, path)
                req_headers.setdefault("Content-Type", "application/json")
        policy = self.retry if max_retries is None else replace(self.retry, max_retries=max_retries)
        return self._send_with_retries(
            method,
            path,
            url,
            query,
            data,
            files,
            req_headers,
            timeout if timeout is not None else self.timeout,
            policy,
            expect,
            decoder,
        )

    def _send_with_retries(
        self,
        method: str,
        path: str,
        url: str,
        query: dict[str, Any] | None,
        data: Any,
        files: Any,
        headers: dict[str, str],
        timeout: Timeout,
        policy: RetryPolicy,
        expect: Expect,
        decoder: Decoder | None = None,
    ) -> ApiResponse | requests.Response:
        attempt = 0
        started = time.perf_counter()
        logging_on = log.isEnabledFor(logging.INFO)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s body=%s", method, path, self._preview(data))
        while True:
            t0 = time.perf_counter()
            status: int | None = None
            retry_after: float | None = None
            error: HubError
            try:
                resp = self._send(method, url, query, data, files, headers, timeout, expect)
            except requests.RequestException as exc:
                outcome = _classify(exc)
                kind = APITimeoutError if outcome is Outcome.TIMEOUT else APIConnectionError
                if isinstance(exc, requests.exceptions.ConnectTimeout):
                    kind = APITimeoutError
                error = kind(
                    f"{_describe(outcome)}: {redact(str(exc))[:300]}",
                    method=method,
                    path=path,
                    may_have_been_applied=may_have_been_applied(method, outcome),
                )
            else:
                status = resp.status_code
                if 200 <= status < 300:
                    try:
                        result = self._read(resp, method, path, expect, decoder)
                    except HubError as exc:
                        outcome = Outcome.BAD_BODY
                        exc.may_have_been_applied = may_have_been_applied(method, outcome)
                        if not getattr(exc, "retryable", True):
                            raise  # valid JSON of the wrong shape: asking again won't help
                        error = exc
                    else:
                        if logging_on:
                            self._log(method, path, status, started, attempt)
                        return result
                else:
                    outcome = Outcome.STATUS
                    error = self.protocol.error(resp, method, path)
                    error.may_have_been_applied = may_have_been_applied(method, outcome, status)
                    retry_after = getattr(error, "retry_after", None)
                    if retry_after is None and status in (503, 429):
                        from .retry import parse_retry_after

                        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                    resp.close()
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
            time.sleep(decision.delay)
            attempt += 1

    def _send(
        self,
        method: str,
        url: str,
        query: dict[str, Any] | None,
        data: Any,
        files: Any,
        headers: dict[str, str],
        timeout: Timeout,
        expect: Expect,
    ) -> requests.Response:
        """One attempt, following same-origin redirects with credentials and others without."""
        stream = expect == "stream"
        for _ in range(_MAX_REDIRECTS + 1):
            prep = self._prepare(method, url, query, data, files, headers)
            self.requests_sent += 1
            resp = self.session.send(
                prep,
                timeout=timeout,
                allow_redirects=False,
                stream=stream,
                **self._env_settings(url),
            )
            if resp.status_code not in _REDIRECTS or "location" not in resp.headers:
                return resp
            target = urljoin(url, resp.headers["location"])
            resp.close()
            if _origin(target) != _origin(url):
                # Never carry credentials to another host: drop the header and body tokens.
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
                data = _strip_body_credentials(data)
            if resp.status_code == 303 or (
                resp.status_code in (301, 302) and method not in ("GET", "HEAD")
            ):
                method, data, files = "GET", None, None
            url, query = target, None
        raise APIConnectionError(f"more than {_MAX_REDIRECTS} redirects", method=method, path=url)

    def _prepare(
        self,
        method: str,
        url: str,
        query: dict[str, Any] | None,
        data: Any,
        files: Any,
        headers: dict[str, str],
    ) -> requests.PreparedRequest:
        """Build the request; JSON and raw bodies take a fast path around requests' merging."""
        session = self.session
        if files is not None or not (data is None or isinstance(data, bytes)) or session.auth:
            return session.prepare_request(
                requests.Request(method, url, headers=headers, params=query, data=data, files=files)
            )
        prep = requests.PreparedRequest()
        prep.method = method
        if query:
            sep = "&" if urlsplit(url).query else "?"
            url = url + sep + urlencode(
                [(k, v) for k, v in query.items() if v is not None], doseq=True
            )
        prep.url = url
        merged: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        for key, value in session.headers.items():
            merged[key] = value if isinstance(value, str) else value.decode()
        merged.update(headers)
        if data is not None:
            merged["Content-Length"] = str(len(data))
        elif method not in ("GET", "HEAD"):
            merged["Content-Length"] = "0"
        prep.headers = merged
        prep.body = data
        prep._cookies = session.cookies  # type: ignore[attr-defined]
        if session.cookies:
            cookie = get_cookie_header(session.cookies, prep)  # type: ignore[no-untyped-call]
            if cookie:
                merged["Cookie"] = cookie
        prep.hooks = default_hooks()
        return prep

    def _env_settings(self, url: str) -> dict[str, Any]:
        """Proxy and CA settings from the environment, computed once per origin."""
        key = _origin(url)
        settings = self._env.get(key)
        if settings is None:
            merged = self.session.merge_environment_settings(url, {}, None, self.verify, None)
            settings = {k: v for k, v in merged.items() if k != "stream"}
            self._env[key] = settings
        return settings

    def _read(
        self,
        resp: requests.Response,
        method: str,
        path: str,
        expect: Expect,
        decoder: Decoder | None = None,
    ) -> ApiResponse | requests.Response:
        if expect == "stream":
            return resp
        rid = self.protocol.request_id(resp.headers)
        if expect == "json":
            return (decoder or self.protocol.decode)(resp, method, path)
        content = resp.content
        data: Any = content if expect == "bytes" else content.decode(resp.encoding or "utf-8")
        return ApiResponse(resp.status_code, resp.headers, content, data, {}, rid, resp, None)

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


def _describe(outcome: Outcome) -> str:
    return {
        Outcome.CONNECT_FAILED: "could not connect to the server",
        Outcome.TIMEOUT: "the server did not answer in time",
        Outcome.CONNECTION_LOST: "the connection broke before a response arrived",
    }.get(outcome, "request failed")


def iter_stream(resp: requests.Response, chunk_size: int = 1 << 16) -> Iterator[bytes]:
    """Yield a streamed response's body in chunks, closing it at the end."""
    try:
        yield from resp.iter_content(chunk_size)
    finally:
        resp.close()
