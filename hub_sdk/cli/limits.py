"""The command line's time limit: ``--timeout``, ``$HUB_SDK_TIMEOUT`` or a profile's ``timeout``.

A limit bounds the whole command, retries included. Each request gets per-attempt timeouts, a
number of retries and capped pauses chosen so that a server that accepts connections but never
answers is given up on within the limit (:func:`budget`); a command that makes several requests
(``list --all``, uploads, ``sessions wait``) is also stopped when the limit passes. Without a
limit each request, with its retries, gives up within :data:`DEFAULT_REQUEST_LIMIT` seconds,
and ``sessions wait`` waits as long as the session's rounds allow.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any

from ..core import config
from ..core.config import ConnectionOptions
from ..errors import APITimeoutError
from .usage import UsageError

__all__ = [
    "DEFAULT_REQUEST_LIMIT",
    "TIMEOUT_ENV",
    "Budget",
    "Limit",
    "budget",
    "resolve",
    "seconds",
]

TIMEOUT_ENV = "HUB_SDK_TIMEOUT"
#: Seconds one request may take, retries included, when no limit is set.
DEFAULT_REQUEST_LIMIT = 60.0
_CONNECT, _READ, _RETRIES, _PAUSE = 5.0, 60.0, 3, 8.0  # the connection's own defaults
_MARGIN = 0.9  # requests aim to give up by this share of the limit, before the backstop


def seconds(text: str) -> float:
    """A time limit: a finite number of seconds > 0 (``ValueError`` otherwise)."""
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"expected a number of seconds > 0, got {text!r}")
    return value


@dataclass(frozen=True)
class Budget:
    """How one request spends a time limit: per-attempt timeouts, retries, pauses."""

    connect: float
    read: float
    max_retries: int
    pause: float  # the longest backoff or Retry-After pause between attempts

    @property
    def worst_case(self) -> float:
        """The longest a request can take: every attempt timing out, every pause in full."""
        return (self.max_retries + 1) * (self.connect + self.read) + self.max_retries * self.pause


def budget(limit: float) -> Budget:
    """Per-attempt timeouts and retries whose worst case stays within ``limit`` seconds.

    Fewer retries for short limits; never more than the connection's defaults
    (connect 5 s, read 60 s, 3 retries, pauses of at most 8 s).
    """
    available = limit * _MARGIN
    retries = 3 if limit >= 240 else 2 if limit >= 30 else 1 if limit >= 5 else 0
    retries = min(retries, _RETRIES)
    pause = min(_PAUSE, 0.05 * available)
    per_attempt = (available - retries * pause) / (retries + 1)
    connect = min(_CONNECT, per_attempt / 4)
    read = min(_READ, per_attempt - connect)
    return Budget(connect, read, retries, pause)


@dataclass
class Limit:
    """The command's time limit (None: none set) and when the command started."""

    total: float | None
    source: str = "--timeout"
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = self.started or time.monotonic()

    def remaining(self) -> float | None:
        """Seconds left (at least a little), or None without a limit."""
        if self.total is None:
            return None
        return max(0.05, self.total - (time.monotonic() - self.started))

    def options(self) -> dict[str, Any]:
        """``connect()`` keywords for the next connection: timeouts and retries (and a
        total ``deadline`` where the connection supports one)."""
        remaining = self.remaining()
        plan = budget(DEFAULT_REQUEST_LIMIT if remaining is None else remaining)
        options: dict[str, Any] = {
            "timeout": (plan.connect, plan.read),
            "max_retries": plan.max_retries,
        }
        if remaining is not None and "deadline" in ConnectionOptions.__optional_keys__:
            options["deadline"] = remaining * _MARGIN
        return options

    def apply(self, conn: Any) -> None:
        """Cap ``conn``'s pauses between attempts (backoff and ``Retry-After``) to the budget."""
        remaining = self.remaining()
        plan = budget(DEFAULT_REQUEST_LIMIT if remaining is None else remaining)
        policy = getattr(conn, "retry", None)
        if policy is not None:
            conn.retry = replace(
                policy,
                backoff_cap=min(policy.backoff_cap, plan.pause),
                retry_after_cap=min(policy.retry_after_cap, plan.pause),
            )

    @contextlib.contextmanager
    def enforced(self) -> Iterator[None]:
        """Stop the command with ``APITimeoutError`` when the limit passes (a backstop for
        commands of several requests; Unix main thread only, elsewhere a no-op)."""
        usable = (
            self.total is not None
            and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
        )
        if not usable:
            yield
            return
        assert self.total is not None
        total = self.total

        def expire(signum: int, frame: FrameType | None) -> None:
            raise APITimeoutError(f"gave up after {total:g} s ({self.source})")

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, self.remaining() or 0.05)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def resolve(given: float | None, api: str, profile: str | None) -> Limit:
    """The limit from the option, else ``$HUB_SDK_TIMEOUT``, else the profile's ``timeout``."""
    if given is not None:
        return Limit(given)
    text = os.environ.get(TIMEOUT_ENV)
    if text:
        try:
            return Limit(seconds(text), source=f"${TIMEOUT_ENV}")
        except ValueError:
            raise UsageError(
                f"${TIMEOUT_ENV}={text!r}: expected a number of seconds > 0"
            ) from None
    value = config.load_profile(api, profile).get("timeout")
    if value is not None:
        name = config.profile_name(profile)[0]
        return Limit(float(value), source=f"timeout of profile {name!r}")
    return Limit(None)
