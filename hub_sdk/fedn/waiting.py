"""``Session.wait()``: follow one run of a session to its end, within a request budget.

What the real controller does and a waiter must survive (fedn 0.33.0):

* ``POST /sessions/start`` answers before the session turns "Started" (a background thread
  does that), so a continued session still reads "Finished" for a moment.
* The session reads "Finished" 0.2-1.2 s before the last round's validations are stored.
* A failing round ends "Failed" while the session still ends "Finished".
* A session whose thread died (an unknown aggregator) stays "Created" forever.
"""

from __future__ import annotations

import builtins
import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from ..core.progress import progress_bar
from .errors import SessionFailedError, SessionStalledError, SessionTimeoutError
from .history import RoundHistory, RoundResult, build_history
from .types import SessionConfig

if TYPE_CHECKING:
    from .models import Model
    from .results import Validation
    from .sessions import Progress, Round, Session

log = logging.getLogger("hub_sdk.fedn")

#: Seconds between polls while a change is due (start, finish, validations).
HOT = 0.2
#: Requests that may be made back to back before the average rate applies.
BURST = 5
#: Seconds without change, while a round runs, before checking that any client is online.
CLIENT_CHECK = 10.0
#: Polls while rounds run come every COLD * poll seconds, so the budget is full at the end.
COLD = 2.0
#: Seconds after which a running session's status is read again (it may be terminated).
RECHECK = 10.0
#: Requests kept for the finish: progress display fetches only when more are available.
RESERVE = 3.0


class RequestBudget:
    """A token bucket: on average one request per ``every`` seconds, ``burst`` at once."""

    def __init__(
        self, every: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every = max(every, 1e-3)
        self.burst = float(burst)
        self.tokens = float(burst)
        self.clock = clock
        self.stamp = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) / self.every)
        self.stamp = now

    def available(self) -> float:
        """Requests that may be made now."""
        self._refill()
        return self.tokens

    def wait_time(self) -> float:
        """Seconds until a request may be made."""
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) * self.every

    def take(self) -> None:
        """Spend one request."""
        self._refill()
        self.tokens -= 1


class SessionWatch:
    """Polls one session until its run ends; see :meth:`Session.wait` for the contract."""

    def __init__(
        self,
        session: Session,
        *,
        timeout: float | Literal["auto"] | None,
        progress: Progress,
        poll: float,
        start_timeout: float,
        stall_timeout: float | None,
        validation_timeout: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session
        self.conn = session._conn(session._connection)
        self.clock, self.sleep = clock, sleep
        cfg = session.session_config or SessionConfig()
        self.validate = cfg.validate_
        self.expected = session._run_rounds
        self.before = session._rounds_before
        self.ours = session._started_at is not None
        self.stale = session._status_before
        now = clock()
        self.begun = now
        self.started_at = session._started_at or now
        self.started = self.ours is False and (session.status or "Created") != "Created"
        round_timeout = float(cfg.round_timeout or 180)
        count = self.expected or cfg.rounds or 1
        if timeout == "auto":
            timeout = count * (round_timeout + 60) + start_timeout + validation_timeout
        self.timeout = timeout
        self.deadline = None if timeout is None else now + float(timeout)
        self.start_timeout = start_timeout
        self.stall_timeout = stall_timeout if stall_timeout is not None else round_timeout + 60
        self.validation_timeout = validation_timeout
        self.budget = RequestBudget(poll, BURST, clock)
        self.poll = poll
        self.requests = 0
        self.rounds: builtins.list[Round] = []
        self.models: builtins.list[Model] = []
        self.validations: builtins.list[Validation] = []
        self.reported: set[str] = set()
        self.signature: tuple[Any, ...] = ()
        self.changed_at = now
        self.clients_checked_at = now
        self.checked_at = now
        self.finished_at = now
        self.history = RoundHistory()
        self.reporter = _reporter(progress, session, self.expected or cfg.rounds)

    # -- requests, each within the budget ------------------------------------------------------

    def _spend(self) -> None:
        delay = self.budget.wait_time()
        if delay > 0:
            self._sleep(delay)
        self.budget.take()
        self.requests += 1

    def _sleep(self, seconds: float) -> None:
        if self.deadline is not None:
            seconds = min(seconds, max(self.deadline - self.clock(), 0.0))
        if seconds > 0:
            self.sleep(seconds)

    def _refresh_session(self) -> None:
        self._spend()
        self.session.refresh()

    def _list_rounds(self) -> None:
        self._spend()
        found = self.session._round_list()
        self.rounds = [r for r in found if str(r.round_id) not in self.before]

    def _list_models(self) -> None:
        self._spend()
        self.models = builtins.list(self.session.models(page_size=1000))

    def _list_validations(self) -> None:
        from .results import Validation

        self._spend()
        found = Validation.list(connection=self.conn, session_id=self.session.pk, page_size=1000)
        self.validations = builtins.list(found)

    # -- the run ---------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return (self.session.status or "").lower()

    def _ended(self) -> builtins.list[Round]:
        return [r for r in self.rounds if r.is_done]

    def _all_rounds_ended(self) -> bool:
        if self.expected is None:
            return True
        return len(self._ended()) >= self.expected

    def run(self) -> RoundHistory:
        """Follow the run to its end and return its rounds (raises on stalls and timeouts)."""
        try:
            last = -float("inf")
            while True:
                now = self.clock()
                if self._hot() or now - last >= COLD * self.poll:
                    last = now
                    if self._tick():
                        break
                self._check_time()
                if self.reporter is not None:
                    self.reporter.tick(None)
                self._sleep(HOT)
            self.finished_at = self.clock()
            self._await_validations()
            history = self._history()
            self._report(history, final=True)
            self.history = history
            return history
        finally:
            if self.reporter is not None:
                self.reporter.close()

    def _hot(self) -> bool:
        """Whether a change is due soon (poll quickly, within the budget)."""
        return not self.started or self._all_rounds_ended()

    def _tick(self) -> bool:
        """One poll; True once the run is over (the session read final after it started)."""
        now = self.clock()
        recheck = now - self.checked_at > RECHECK
        read_status = not self.started or self._all_rounds_ended() or recheck
        if read_status:
            self.checked_at = now
            self._refresh_session()
            if self.status == "started" or (self.ours and self.session.status != self.stale):
                self.started = True
            if not self.started and (self.session.status or "Created") == "Created":
                return False  # no round exists before the session turns "Started"
            # The status just read is final, and not the stale one from before the start.
            over = self.status == "terminated" or (self.rounds and self._all_rounds_ended())
            if self.started and self.status == "finished" and over:
                return True
            if self.started and self.status == "terminated":
                return True
        before = {(r.round_id, r.status) for r in self.rounds}
        self._list_rounds()
        if self.rounds:
            self.started = True
        newly_ended = [r for r in self._ended() if (r.round_id, r.status) not in before]
        # Progress display only, and only with requests to spare: the finish needs them.
        spare = self.reporter is not None and self.budget.available() >= RESERVE
        if spare and (newly_ended or self._reporting_metrics()):
            if any(r.committed for r in newly_ended):
                self._list_models()
            if self.validate and any(r.committed for r in self._ended()):
                self._list_validations()
        if self.reporter is not None:
            self._report(self._history())
        final = self.status in ("finished", "terminated")
        return read_status and self.started and final and self._all_rounds_ended()

    def _reporting_metrics(self) -> bool:
        """Whether the progress display still waits for some ended round's validations."""
        if self.reporter is None or not self.validate:
            return False
        return any(
            str(r.round_id) not in self.reported for r in self._ended() if r.committed
        )

    def _check_time(self) -> None:
        now = self.clock()
        signature = (
            self.session.status,
            tuple((r.round_id, r.status) for r in self.rounds),
            len(self.validations),
        )
        if signature != self.signature:
            self.signature, self.changed_at = signature, now
        name = self.session.name or self.session.pk
        if self.deadline is not None and now >= self.deadline:
            raise SessionTimeoutError(
                f"session {name} did not finish within {self.timeout} s (status "
                f"{self.session.status!r}, {len(self._ended())} rounds ended)",
                session=self.session,
            )
        if not self.started and now - self.started_at > self.start_timeout:
            raise SessionStalledError(
                f"session {name} still reads {self.session.status!r} "
                f"{now - self.started_at:.0f} s after it was started: the controller did "
                "not run it (fedn 0.33.0 leaves a session 'Created' when its session thread "
                "dies, e.g. on an aggregator it does not ship, and then refuses every start "
                "with 'A session is already running!' until it restarts)",
                cause="not_started",
                session=self.session,
            )
        idle = now - self.changed_at
        running = self.started and any(not r.is_done for r in self.rounds)
        if running and idle > CLIENT_CHECK and now - self.clients_checked_at > CLIENT_CHECK:
            self.clients_checked_at = now
            if self._online_clients() == 0:
                raise SessionStalledError(
                    f"session {name}: no client is online, so round "
                    f"{self.rounds[-1].round_id} cannot finish (it fails after round_timeout)",
                    cause="no_clients",
                    session=self.session,
                )
        if self.started and idle > self.stall_timeout:
            raise SessionStalledError(
                f"session {name} made no progress for {idle:.0f} s (status "
                f"{self.session.status!r}, {len(self._ended())} rounds ended)",
                cause="no_progress",
                session=self.session,
            )

    def _online_clients(self) -> int:
        from .network import Client

        self._spend()
        return Client.count(connection=self.conn, status="online")

    # -- validations after the finish ------------------------------------------------------

    def _missing_validations(self) -> builtins.list[Round]:
        """Rounds whose committed model lacks validations from the clients that trained."""
        due = [r for r in self.rounds if (r.status or "").lower() == "finished"]
        if not due:
            return []
        committed = self._committed()
        counts: dict[str | None, int] = {}
        for v in self.validations:
            counts[v.model_id] = counts.get(v.model_id, 0) + 1
        missing = []
        for rnd in due:
            model = committed.get(rnd.round_id or "")
            want = max(rnd.expected_updates, 1)
            if model is None or counts.get(model.model_id, 0) < want:
                missing.append(rnd)
        return missing

    def _await_validations(self) -> None:
        if not self.validate:
            return
        give_up = self.finished_at + self.validation_timeout
        while True:
            due = [r for r in self.rounds if (r.status or "").lower() == "finished"]
            if any(r.round_id not in self._committed() for r in due):
                self._list_models()
            self._list_validations()
            missing = self._missing_validations()
            if not missing:
                return
            self._report(self._history())
            now = self.clock()
            if now >= give_up or (self.deadline is not None and now >= self.deadline):
                log.warning(
                    "session %s: validations of round(s) %s still missing %.0f s after the "
                    "session finished; returning without them",
                    self.session.name or self.session.pk,
                    ", ".join(str(r.round_id) for r in missing),
                    now - self.finished_at,
                )
                return
            self._sleep(min(HOT, give_up - now))

    def _committed(self) -> dict[str, Model]:
        from .history import link_committed_models

        return link_committed_models(self.rounds, self.models)

    # -- results -----------------------------------------------------------------------------

    def _history(self) -> RoundHistory:
        history = build_history(self.rounds, self.models, self.validations)
        offset = len(self.before)
        for result in history:
            object.__setattr__(result, "number", result.number + offset)
        return history

    def _report(self, history: RoundHistory, final: bool = False) -> None:
        """Hand ended rounds to the reporter, in order, once their validations are in."""
        if self.reporter is None:
            return
        waiting = set() if final else {str(r.round_id) for r in self._missing_validations()}
        for position, result in enumerate(history, 1):
            rid = str(result.round_id)
            if rid in self.reported or not result.round.is_done:
                if not result.round.is_done:
                    break
                continue
            if rid in waiting:
                break
            self.reported.add(rid)
            self.reporter.round(result, position)
        self.reporter.tick(history)

    def check(self, raise_on_failure: bool) -> None:
        """Raise :class:`SessionFailedError` if a round of the run failed."""
        history = self.history
        failed = [r for r in history if (r.status or "").lower() == "failed"]
        if raise_on_failure and failed:
            name = self.session.name or self.session.pk
            listing = ", ".join(f"round {r.number} {r.status}" for r in history)
            raise SessionFailedError(
                f"session {name} ended {self.session.status!r} but {len(failed)} of "
                f"{len(history)} rounds failed ({listing}); see error.rounds or "
                "session.history()",
                session=self.session,
                rounds=history,
            )


class _Reporter:
    """``progress=True``: "round N/M" with the latest mean metrics; lines without a terminal."""

    def __init__(self, session: Session, total: int | None, stream: Any = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.name = session.name or str(session.pk)
        self.bar: Any = None
        if _interactive(self.stream) and _has_tqdm():
            self.bar = progress_bar(total, f"session {self.name}", "rounds", file=self.stream)
            self.bar.set_description(f"session {self.name}: round 1/{total or '?'}")

    def round(self, result: RoundResult, position: int) -> None:
        """One ended round: a line (and a step of the bar)."""
        line = f"{result.describe(position, self.total)} [{time.monotonic() - self.started:.1f} s]"
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
            self.bar.update(1)
            nxt = min(position + 1, self.total or position + 1)
            self.bar.set_description(f"session {self.name}: round {nxt}/{self.total or '?'}")
        else:
            print(line, file=self.stream, flush=True)

    def tick(self, history: RoundHistory | None) -> None:
        """Refresh the bar (with the latest mean metrics, given the rounds so far)."""
        if self.bar is None:
            return
        latest = next((r.mean for r in reversed(history) if r.mean), None) if history else None
        if latest:
            shown = {k: f"{v:.4g}" for k, v in builtins.list(latest.items())[:3]}
            self.bar.set_postfix(shown, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        """Finish the bar."""
        if self.bar is not None:
            self.bar.close()


class _Callback:
    """A user callable receiving each ended round as a :class:`RoundResult`."""

    def __init__(self, fn: Callable[[RoundResult], Any]) -> None:
        self.fn = fn

    def round(self, result: RoundResult, position: int) -> None:
        self.fn(result)

    def tick(self, history: RoundHistory | None) -> None:
        pass

    def close(self) -> None:
        pass


def _reporter(progress: Progress, session: Session, total: int | None) -> Any:
    if progress is True:
        return _Reporter(session, total)
    if callable(progress):
        return _Callback(progress)
    return None


def _interactive(stream: Any) -> bool:
    """A terminal or a notebook: somewhere a redrawn bar reads well."""
    if "ipykernel" in sys.modules:
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _has_tqdm() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True
