"""The hub-sdk error tree: one base class, one class per failure a caller can act on.

Every error carries the request's ``method``, ``path``, ``status`` and the server's
``request_id`` where there was one, pickles, and never contains a token.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CollectionChangedError",
    "ConflictError",
    "HubError",
    "MissingParentError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RedirectError",
    "ResponseDecodeError",
    "ServerError",
    "TLSError",
    "UnauthenticatedWarning",
    "UnsupportedActionError",
    "ValidationError",
]


def describe(field_errors: Iterable[tuple[str, str]]) -> str:
    """``field: reason; field: reason``: how every message lists field errors."""
    return "; ".join(f"{field}: {reason}" for field, reason in field_errors)


class HubError(Exception):
    """Base class of every error raised by hub-sdk."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
        may_have_been_applied: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.request_id = request_id
        self.may_have_been_applied = may_have_been_applied

    def __str__(self) -> str:
        parts = [self.message]
        where = " ".join(p for p in (self.method, self.path) if p)
        if where:
            parts.append(f"[{where}" + (f" -> {self.status}" if self.status else "") + "]")
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        if self.may_have_been_applied:
            parts.append("(the write may have been applied: check before retrying)")
        return " ".join(parts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message), self.__dict__.copy())

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        self.__dict__.update(state or {})


def _rebuild(cls: type[HubError], message: str) -> HubError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    return err


class UnsupportedActionError(HubError):
    """The resource does not support this verb (e.g. deleting an instance type)."""


class ValidationError(HubError, ValueError):
    """Arguments were rejected before any request was sent.

    ``field_errors`` lists ``(field, reason)`` pairs.
    """

    def __init__(self, message: str, *, field_errors: Sequence[tuple[str, str]] = (), **kw: Any):
        super().__init__(message, **kw)
        self.field_errors: list[tuple[str, str]] = list(field_errors)

    @classmethod
    def from_fields(
        cls, what: str, field_errors: Sequence[tuple[str, str]], **kw: Any
    ) -> ValidationError:
        """``what: field: reason; ...``, carrying ``field_errors``."""
        return cls(f"{what}: {describe(field_errors)}", field_errors=field_errors, **kw)

    @property
    def fields(self) -> list[str]:
        """The names of the offending fields."""
        return [f for f, _ in self.field_errors]


def suggest(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest of ``choices`` to ``name``, or ``""``."""
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def invalid(what: str, problems: Sequence[tuple[str, str]]) -> ValidationError:
    """A :class:`ValidationError` for ``what`` listing every ``(field, reason)`` problem."""
    detail = "; ".join(f"{field}: {reason}" for field, reason in problems)
    return ValidationError(f"invalid {what}: {detail}", field_errors=problems)


class MissingParentError(HubError):
    """A parent relation was read on an object whose key to it is empty.

    ``trial.experiment_session`` with no ``experiment_session_id``, for instance. Relations the
    contract allows to be empty are declared ``OptionalParent`` and read as None instead.
    """


class APIConnectionError(HubError):
    """The server could not be reached, or the connection broke before a response arrived."""


class APITimeoutError(APIConnectionError):
    """The request timed out (connect or read), or the call passed its deadline."""


class TLSError(APIConnectionError):
    """The TLS handshake failed (the server's certificate did not verify): nothing was sent.

    Final: asking again would fail the same way.
    """


class ResponseDecodeError(HubError):
    """The server answered with something that is not the JSON it promised.

    ``snippet`` holds the first bytes of the body, redacted. ``retryable`` is False when the
    body was valid JSON of the wrong shape (asking again would not help).
    """

    def __init__(
        self, message: str, *, snippet: str = "", retryable: bool = True, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.snippet = snippet
        self.retryable = retryable


class CollectionChangedError(HubError):
    """A listing could not keep its guarantee: the collection changed under it in a way it
    cannot repair, so items that existed throughout may be missing or repeated.

    ``yielded`` counts the items yielded so far; ``total_at_start`` and ``total_now`` are the
    server's counts when the listing started and now (None when unknown).
    """

    def __init__(
        self,
        message: str,
        *,
        yielded: int = 0,
        total_at_start: int | None = None,
        total_now: int | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.yielded = yielded
        self.total_at_start = total_at_start
        self.total_now = total_now


class APIStatusError(HubError):
    """The server answered with a non-success status.

    ``body`` is the decoded JSON body (or ``None``); ``field_errors`` the per-field errors the
    server reported as ``(param, message)`` pairs.
    """

    def __init__(
        self,
        message: str,
        *,
        body: Any = None,
        field_errors: Sequence[tuple[str, str]] = (),
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.body = body
        self.field_errors: list[tuple[str, str]] = list(field_errors)


class BadRequestError(APIStatusError):
    """400: the server rejected the parameters; see ``field_errors``."""


class AuthenticationError(APIStatusError):
    """401: the token is missing, wrong or expired."""


class PermissionDeniedError(APIStatusError):
    """403: the token is valid but not allowed to do this."""


class NotFoundError(APIStatusError):
    """404: no such object (or not visible to this token)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the object's current state."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: the server failed."""


class RedirectError(APIStatusError):
    """3xx in answer to a write: not followed (it would turn into a GET, or go elsewhere).

    ``location`` is where it pointed (redacted). A 307/308 asks for the same request again
    elsewhere, so nothing was applied; after a 301, 302 or 303 the write may have been.
    """

    def __init__(self, message: str, *, location: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.location = location


class UnauthenticatedWarning(UserWarning):
    """``connect()`` found no token: calls will be sent without credentials."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The exception class for an HTTP status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else APIStatusError
