"""The typed error of a failed attempt: no response (could not connect, timed out, the TLS
certificate did not verify), a redirect not followed, a body that defeated the decoder.

What is then retried is :mod:`hub_sdk.core.retry`'s to say.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urljoin

import requests

from ..errors import (
    APIConnectionError,
    APITimeoutError,
    HubError,
    RedirectError,
    ResponseDecodeError,
    TLSError,
    ValidationError,
)
from . import _requests
from .retry import Outcome, may_have_been_applied
from .secret import check_token, redact


def as_decode_error(exc: HubError | RecursionError) -> HubError:
    """``exc``, or for a body that defeated the decoder a :class:`ResponseDecodeError`."""
    if isinstance(exc, HubError):
        return exc
    return ResponseDecodeError("the response nests too deeply to decode", retryable=False)


def transport_error(
    exc: requests.RequestException, outcome: Outcome, method: str, path: str
) -> HubError:
    """The typed error of an attempt that got no response."""
    applied = may_have_been_applied(method, outcome)
    if outcome is Outcome.TLS_FAILED:
        why = _requests.certificate_error(exc)
        detail = getattr(why, "verify_message", None) or str(why)
        return TLSError(
            f"the server's TLS certificate did not verify ({redact(detail)[:200]}); nothing"
            " was sent. Trust its CA with verify='/path/to/ca.pem' or fix the certificate",
            method=method,
            path=path,
            may_have_been_applied=applied,
        )
    timed_out = outcome is Outcome.TIMEOUT or isinstance(exc, requests.exceptions.ConnectTimeout)
    kind = APITimeoutError if timed_out else APIConnectionError
    return kind(
        f"{_describe(outcome)}: {redact(str(exc))[:300]}",
        method=method,
        path=path,
        may_have_been_applied=applied,
    )


def header_error(headers: Mapping[str, object], method: str, path: str) -> ValidationError:
    """The error of headers that cannot go on the wire (requests raised a ``ValueError`` or
    ``UnicodeEncodeError`` building them): names the header, never shows its value (it may
    be a credential). Nothing was sent."""
    name = "headers"
    for key, value in headers.items():
        try:
            check_token(str(key), "header")
            check_token(str(value).replace(" ", "").replace("\t", ""), "header")
        except ValidationError:
            name = str(key) if str(key).isprintable() else "headers"
            break
    reason = "holds whitespace, a control character or a character that is not latin-1"
    return ValidationError(
        f"the request header {name} cannot be sent: its value {reason} (not shown: it may"
        " be a credential); nothing was sent",
        field_errors=[(name, reason)],
        method=method,
        path=path,
    )


def redirect_error(resp: requests.Response) -> HubError:
    """The error of a redirect that was not followed (the answer to a write)."""
    method = resp.request.method or ""
    if "Location" not in resp.headers:
        return RedirectError(
            f"HTTP {resp.status_code}: a redirect without a Location to follow",
            status=resp.status_code,
        )
    location = redact(urljoin(resp.url, resp.headers["Location"]))
    return RedirectError(
        f"the server redirected the {method} to {location}: a redirected write is not"
        " followed (it would be sent as a GET, or to another host)",
        location=location,
        status=resp.status_code,
    )


def _describe(outcome: Outcome) -> str:
    return {
        Outcome.CONNECT_FAILED: "could not connect to the server",
        Outcome.TIMEOUT: "the server did not answer in time",
        Outcome.CONNECTION_LOST: "the connection broke before a response arrived",
    }.get(outcome, "request failed")
