"""The retry policy, as pure functions: what to retry, and how long to wait.

Reads (GET, HEAD, PUT, DELETE are idempotent) are retried on connection failures, timeouts,
undecodable bodies and the retryable statuses. Writes (POST, PATCH) are retried only when the
request provably never reached the server: the connection could not be opened, or the server
answered 429 (it refused the request without processing it). A failed TLS handshake (the
certificate did not verify) is final: nothing was sent, and asking again fails the same way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class Outcome(enum.Enum):
    """What happened to one attempt."""

    OK = "ok"
    CONNECT_FAILED = "connect_failed"  # never reached the server: safe to retry anything
    TLS_FAILED = "tls_failed"  # the certificate did not verify: nothing sent, final
    TIMEOUT = "timeout"  # sent, no answer in time: may have been applied
    CONNECTION_LOST = "connection_lost"  # sent, connection broke: may have been applied
    BAD_BODY = "bad_body"  # answered 2xx with an undecodable body
    STATUS = "status"  # answered with a non-success status


@dataclass(frozen=True)
class RetryPolicy:
    """Retry settings; per connection, and overridable per call."""

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0
    statuses: frozenset[int] = RETRY_STATUSES

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.retry_after_cap < 0:
            raise ValueError("backoff and caps must be >= 0")


@dataclass(frozen=True)
class Decision:
    """Whether to try again, after how many seconds, and why not if not."""

    retry: bool
    delay: float = 0.0
    reason: str = ""


def is_idempotent(method: str) -> bool:
    """True for methods that can be repeated without changing the outcome."""
    return method.upper() in IDEMPOTENT_METHODS


def backoff_delay(attempt: int, policy: RetryPolicy, jitter: float) -> float:
    """Delay before retry number ``attempt`` (0-based): ``base * 2**attempt``, capped, jittered.

    ``jitter`` in [0, 1) scales the delay between half and all of the capped value.
    """
    exp: float = min(policy.backoff_cap, policy.backoff_base * float(2 ** min(attempt, 32)))
    return exp * (0.5 + 0.5 * min(max(jitter, 0.0), 1.0))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf
        return None
    return max(0.0, seconds)


def decide(
    method: str,
    attempt: int,
    outcome: Outcome,
    policy: RetryPolicy,
    *,
    status: int | None = None,
    retry_after: float | None = None,
    jitter: float = 0.5,
) -> Decision:
    """Decide whether attempt number ``attempt`` (0-based) that ended in ``outcome`` is retried."""
    if outcome is Outcome.OK:
        return Decision(False, reason="succeeded")
    if outcome is Outcome.TLS_FAILED:
        return Decision(False, reason="the TLS handshake failed")
    if attempt >= policy.max_retries:
        return Decision(False, reason=f"gave up after {attempt + 1} attempts")
    if outcome is Outcome.STATUS and status not in policy.statuses:
        return Decision(False, reason=f"status {status} is not retryable")
    # Nothing was processed: the connection never opened, or the server answered 429.
    never_processed = outcome is Outcome.CONNECT_FAILED or (
        outcome is Outcome.STATUS and status == 429
    )
    if not never_processed and not is_idempotent(method):
        return Decision(False, reason=f"{method.upper()} is not idempotent")
    delay = backoff_delay(attempt, policy, jitter)
    if retry_after is not None:
        if retry_after > policy.retry_after_cap:
            cap = policy.retry_after_cap
            reason = f"Retry-After {retry_after:g}s exceeds the cap of {cap:g}s"
            return Decision(False, reason=reason)
        delay = max(delay, retry_after)
    return Decision(True, delay=delay)


def may_have_been_applied(method: str, outcome: Outcome, status: int | None = None) -> bool:
    """Whether a failed write might nonetheless have taken effect on the server.

    Not after a failed connection or TLS handshake (nothing was sent), a 4xx, or a 307/308
    redirect (the server asks for the same request elsewhere); maybe after a 5xx, a 301,
    302 or 303 redirect (servers answer a processed write with one), a timeout, a lost
    connection or an undecodable success.
    """
    if is_idempotent(method) or outcome in (Outcome.OK, Outcome.CONNECT_FAILED):
        return False
    if outcome is Outcome.TLS_FAILED:
        return False
    if outcome is Outcome.STATUS:
        if status is None:
            return False
        if 300 <= status < 400:
            return status not in (307, 308)
        return status >= 500
    return True
