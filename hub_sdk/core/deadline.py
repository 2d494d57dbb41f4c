"""Total deadlines: how long one call may take, whatever the server does.

Socket timeouts bound each wait for a byte; a server that trickles a byte now and then never
trips them. A :class:`Deadline` bounds the whole call: the connection checks it before every
attempt and every retry sleep, clamps the socket timeouts to what is left, and a watchdog
thread shuts down the socket of a call still running when its deadline passes (the connection
pool tells the deadline which socket its call uses, see ``_requests.TrackingAdapter``).
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from typing import Any

from ..errors import APITimeoutError, HubError
from .request import Timeout

#: The deadline of the call running in this thread, for the connection pool to attach to.
current = threading.local()


class Deadline:
    """A point in time a call must end by; ``source`` says whose it is (call or connection)."""

    __slots__ = ("_conns", "_lock", "armed", "at", "expired", "seconds", "source")

    def __init__(self, seconds: float, source: str) -> None:
        self.seconds = seconds
        self.source = source
        self.at = time.monotonic() + seconds
        self.expired = False
        self.armed = False
        self._conns: set[Any] = set()
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - time.monotonic()

    def passed(self) -> bool:
        """Whether the deadline has passed."""
        return self.expired or time.monotonic() >= self.at

    def clamp(self, timeout: Timeout) -> Timeout:
        """``timeout`` with each part cut to the time left (at least a millisecond)."""
        left = max(self.remaining(), 0.001)
        if timeout is None:
            return left
        if isinstance(timeout, tuple):
            return (min(timeout[0], left), min(timeout[1], left))
        return min(timeout, left)

    def describe(self) -> str:
        """``the call's deadline of 2s`` (or the connection's)."""
        return f"the {self.source}'s deadline of {self.seconds:g}s"

    def exceeded(
        self, method: str, path: str, attempts: int, last: HubError | None, applied: bool
    ) -> APITimeoutError:
        """The error that ends a call at its deadline, naming it and the last failure."""
        what = f"{self.describe()} passed"
        if attempts:
            what += f" after {attempts} attempt{'s' if attempts > 1 else ''}"
        if last is not None:
            what += f" (last: {last.message}{f' -> {last.status}' if last.status else ''})"
        return APITimeoutError(what, method=method, path=path, may_have_been_applied=applied)

    # -- the sockets in use ----------------------------------------------------------------

    def attach(self, conn: Any) -> None:
        """``conn`` (a urllib3 connection) now carries this deadline's call."""
        with self._lock:
            self._conns.add(conn)
        conn.hub_sdk_deadline = self
        if self.expired:
            _cut(conn)

    def detach(self, conn: Any) -> None:
        """``conn`` went back to its pool: the watchdog must leave it alone."""
        with self._lock:
            self._conns.discard(conn)
        conn.hub_sdk_deadline = None

    def expire(self) -> None:
        """Mark the deadline passed and cut the sockets its call is using."""
        with self._lock:
            self.expired = True
            conns = list(self._conns)
        for conn in conns:
            _cut(conn)

    def arm(self) -> None:
        """Have the watchdog expire this deadline when it passes."""
        _watchdog.arm(self)

    def disarm(self) -> None:
        """The call is over: no watchdog, no sockets (idempotent)."""
        if self.armed:
            _watchdog.disarm(self)
        with self._lock:
            conns, self._conns = self._conns, set()
        for conn in conns:
            conn.hub_sdk_deadline = None


def _cut(conn: Any) -> None:
    """Shut down the socket of ``conn`` so a read blocked on it returns at once."""
    sock = getattr(conn, "sock", None)
    if sock is None:
        return
    try:
        # socket.socket's own method: SSLSocket.shutdown would also drop the TLS state
        # under the feet of the thread reading from it.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class _Watchdog:
    """One daemon thread expiring armed deadlines in time order."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Deadline]] = []
        self._live = 0
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: Deadline) -> None:
        with self._cond:
            deadline.armed = True
            self._live += 1
            heapq.heappush(self._heap, (deadline.at, next(self._seq), deadline))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="hub-sdk-deadlines", daemon=True
                )
                self._thread.start()
            if self._heap[0][2] is deadline:
                self._cond.notify()

    def disarm(self, deadline: Deadline) -> None:
        with self._cond:
            if not deadline.armed:
                return
            deadline.armed = False
            self._live -= 1
            if len(self._heap) > 64 and len(self._heap) > 4 * self._live:
                self._heap = [entry for entry in self._heap if entry[2].armed]
                heapq.heapify(self._heap)

    def _run(self) -> None:
        while True:
            with self._cond:
                due: Deadline | None = None
                while due is None:
                    while self._heap and not self._heap[0][2].armed:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._cond.wait()
                        continue
                    wait = self._heap[0][0] - time.monotonic()
                    if wait > 0:
                        self._cond.wait(wait)
                        continue
                    due = heapq.heappop(self._heap)[2]
                    due.armed = False
                    self._live -= 1
            due.expire()


_watchdog = _Watchdog()
