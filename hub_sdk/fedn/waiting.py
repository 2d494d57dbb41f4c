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
import math
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from ..core.progress import progress_bar
from ..errors import ValidationError
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
BURST = 3
#: Seconds between looks at the validations once the rounds ended.
FINAL = 0.5
#: Seconds without change, while a round runs, before checking that any client is online.
CLIENT_CHECK = 10.0
#: Polls while rounds run come every COLD * poll seconds, so the budget is full at the end.
COLD = 2.0
#: Seconds after which a running session's status is read again (it may be terminated).
RECHECK = 10.0
#: Requests kept for the finish: progress display fetches only when more are available.
RESERVE = 3.0


def check_wait_args(**values: Any) -> None:
    """Refuse a ``Session.wait()`` time that is not a number of seconds >= 0 (``timeout`` may
    also be ``"auto"`` or None, ``stall_timeout`` None; ``poll`` must be > 0)."""
    problems: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None and name in ("timeout", "stall_timeout"):
            continue
        if name == "timeout" and value == "auto":
            continue
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        least = "> 0" if name == "poll" else ">= 0"
        if not (number and math.isfinite(value) and (value > 0 if name == "poll" else value >= 0)):
            allowed = ', "auto" or None' if name == "timeout" else (
                " or None" if name == "stall_timeout" else "")
            problems.append((name, f"must be seconds {least}{allowed}, got {value!r}"))
    if problems:
        raise ValidationError(
            "Session.wait(): " + "; ".join(f"{f} {m}" for f, m in problems),
            field_errors=problems,
        )


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
    """Polls one session until its run ends; see :meth:`Session.wait` for the contract.

    While rounds run it lists them every ``COLD * poll`` seconds (one request); once the
    expected rounds ended it lists the session's validations every ``FINAL`` seconds until
    each committed model has its clients' validations (the committed models follow from
    the rounds' start models, so no model listing is needed), then reads the session once
    to see it final. Every request goes through a :class:`RequestBudget`.
    """

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
        check_wait_args(
            timeout=timeout,
            poll=poll,
            start_timeout=start_timeout,
            stall_timeout=stall_timeout,
            validation_timeout=validation_timeout,
        )
        self.session = session
        self.conn = session._conn(session._connection)
        self.clock, self.sleep = clock, sleep
        cfg = session.session_config or SessionConfig()
        self.validate = cfg.validate_
        self.expected = session._run_rounds
        self.before = session._rounds_before
        self.ours = session._started_at is not None
        self.stale = session._status_before if self.ours else "Created"
        now = clock()
        self.started_at = session._started_at or now
        self.started = not self.ours and (session.status or "Created") != self.stale
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
        self.all_rounds: builtins.list[Round] = []
        self.models: builtins.list[Model] | None = None
        self.validations: builtins.list[Validation] = []
        self.read_final = False  # the status was read final after the run's rounds ended
        self.last_validated = False  # the last round's validations are in (it finished)
        self.reported: set[str] = set()
        self.first_seen: dict[str, float] = {}
        self.signature: tuple[Any, ...] = ()
        self.changed_at = now
        self.clients_checked_at = now
        self.checked_at = now
        self.history = RoundHistory()
        self.reporter = _reporter(progress, session, self.expected or cfg.rounds)

    # -- requests, each within the budget ------------------------------------------------------

    def _spend(self, last: bool = False) -> None:
        """Wait for the budget to allow a request (``last``: the wait's final one, at once)."""
        delay = 0.0 if last else self.budget.wait_time()
        if delay > 0:
            self._sleep(delay)
        self.budget.take()

    def _sleep(self, seconds: float) -> None:
        if self.deadline is not None:
            seconds = min(seconds, max(self.deadline - self.clock(), 0.0))
        if seconds > 0:
            self.sleep(seconds)

    def _read_session(self, last: bool = False) -> None:
        self._spend(last)
        self.checked_at = self.clock()
        self.session.refresh()

    def _list_rounds(self) -> None:
        self._spend()
        self.all_rounds = self.session._round_list()

    def _list_models(self) -> None:
        self._spend()
        self.models = builtins.list(self.session.models(page_size=1000))

    def _list_validations(self) -> None:
        from .results import Validation

        self._spend()
        found = Validation.list(connection=self.conn, session_id=self.session.pk, page_size=1000)
        self.validations = builtins.list(found)

    # -- state -----------------------------------------------------------------------------

    @property
    def rounds(self) -> builtins.list[Round]:
        """This run's rounds (the session's, less those from before the start)."""
        return [r for r in self.all_rounds if str(r.round_id) not in self.before]

    @property
    def status(self) -> str:
        return (self.session.status or "").lower()

    def _ended(self) -> builtins.list[Round]:
        return [r for r in self.rounds if r.is_done]

    def _all_rounds_ended(self) -> bool:
        if self.expected is None:
            return self.status in ("finished", "terminated")
        return len(self._ended()) >= self.expected

    def _ambiguous(self) -> bool:
        """Whether several validated models could be the last round's (lineage needed)."""
        starts = {r.start_model_id for r in self.all_rounds}
        named = set(self._committed().values())
        loose = {v.model_id for v in self.validations} - starts - named - {None}
        return len(loose) > 1

    def _committed(self) -> dict[str, str]:
        """Round id -> the id of the model it committed, from what is known so far."""
        from .history import committed_ids

        return committed_ids(self.all_rounds, self.validations, self.models)

    def _missing_validations(self) -> builtins.list[Round]:
        """This run's finished rounds whose model lacks its trainers' validations."""
        if not self.validate:
            return []
        committed = self._committed()
        counts: dict[str | None, int] = {}
        for v in self.validations:
            counts[v.model_id] = counts.get(v.model_id, 0) + 1
        return [
            rnd for rnd in self.rounds
            if (rnd.status or "").lower() == "finished"
            and counts.get(committed.get(str(rnd.round_id)), 0) < max(rnd.expected_updates, 1)
        ]

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> RoundHistory:
        """Follow the run to its end and return its rounds (raises on stalls and timeouts)."""
        try:
            self._follow_rounds()
            self._await_validations()
            while not self.read_final:
                self._read_session(last=True)
                self.read_final = self.status in ("finished", "terminated")
                if not self.read_final:
                    self._check_time()
                    self._sleep(HOT)
            if self.reporter is not None or self._failed():
                if not all(r.is_done for r in self.rounds):
                    self._list_rounds()  # the last round's final status, for the view
                if self.models is None or self._missing_validations():
                    self._list_models()
                self.history = self._history()
                self._report(self.history, final=True)
            return self.history
        finally:
            if self.reporter is not None:
                self.reporter.close()

    def _failed(self) -> bool:
        return any((r.status or "").lower() == "failed" for r in self.rounds)

    def _follow_rounds(self) -> None:
        """Poll until the run's rounds have all ended (or the session reads final)."""
        due = self.clock() + HOT  # the controller starts the session a moment after answering
        while True:
            now = self.clock()
            if now >= due:
                self._probe()
                if self.started and self._all_rounds_ended():
                    return
                if self.started and self._last_round_running():
                    self._watch_last_round()
                    return
                due = self.clock() + (HOT if not self.started else COLD * self.poll)
            self._check_time()
            if self.reporter is not None:
                self.reporter.tick(None)
            self._sleep(min(HOT, max(due - self.clock(), 0.0)) or HOT)

    def _trainers(self) -> int:
        """How many clients trained each round so far (0 before any round ended)."""
        return max((r.expected_updates for r in self.all_rounds if r.committed), default=0)

    def _last_round_running(self) -> bool:
        """The last expected round is under way, and validations will show when it ends."""
        return (
            self.validate
            and self.expected is not None
            and len(self.rounds) >= self.expected
            and not self.rounds[-1].is_done
            and self._trainers() > 0
        )

    def _last_round_validated(self) -> bool:
        """The last round's model shows up validated by as many clients as trained before.

        Its model is the one validated model that no round started from; its validations
        appear only after it was committed, so the round succeeded.
        """
        starts = {r.start_model_id for r in self.all_rounds}
        named = set(self._committed().values())
        counts: dict[str, int] = {}
        for v in self.validations:
            if v.model_id and v.model_id not in starts and v.model_id not in named:
                counts[v.model_id] = counts.get(v.model_id, 0) + 1
        return len(counts) == 1 and next(iter(counts.values())) >= self._trainers()

    def _predicted_end(self) -> float | None:
        """When the last round should end, from how often rounds appeared (None: unknown)."""
        seen = [self.first_seen[str(r.round_id)] for r in self.rounds
                if str(r.round_id) in self.first_seen]
        if len(seen) < 2:
            return None
        period = (seen[-1] - seen[0]) / (len(seen) - 1)
        return seen[-1] + period - HOT

    def _watch_last_round(self) -> None:
        """While the last round runs, look at the validations: its result shows there first.

        The first look comes when the round should end (rounds so far came at a steady
        pace); the rounds are listed now and then too, for a round that fails.
        """
        wake = self._predicted_end()
        listed = max(self.clock(), wake or 0.0)
        while wake is not None and self.clock() < wake:
            self._check_time()
            if self.reporter is not None:
                self.reporter.tick(None)
            self._sleep(min(HOT, max(wake - self.clock(), 0.0)) or HOT)
        pause = FINAL
        while True:
            self._list_validations()
            if self._last_round_validated() and not self._missing_validations():
                self.last_validated = True
                return
            if self.clock() - listed >= 2 * COLD * self.poll:
                listed = self.clock()
                self._list_rounds()
                if self._all_rounds_ended():
                    return
            self._check_time()
            if self.reporter is not None:
                self.reporter.tick(None)
            self._sleep(pause)
            pause = min(pause * 1.5, self.poll)  # late: the prediction was early; back off

    def _probe(self) -> None:
        """One look at the run: its rounds, or the session's status when that is what is due."""
        now = self.clock()
        stale = not self.started and now - self.started_at > 1.0
        if self.expected is None or now - self.checked_at > RECHECK or stale:
            self._read_session()
            # Any state but the one before the start (or "Started" itself) means it started.
            if self.status == "started" or (self.session.status or "Created") != self.stale:
                self.started = True
            if self.status == "terminated" and self.started:
                self.expected = len(self._ended())  # no more rounds will come
            if self.expected is None and not self.started:
                return
            if not self.started and (self.session.status or "Created") == "Created":
                return  # no round exists before the session turns "Started"
        before = {(r.round_id, r.status) for r in self.rounds}
        self._list_rounds()
        now = self.clock()
        for rnd in self.rounds:
            self.first_seen.setdefault(str(rnd.round_id), now)
        if self.rounds:
            self.started = True
        if self.expected is not None and self.status == "terminated":
            self.expected = min(self.expected, len(self._ended()))
        newly_ended = [r for r in self._ended() if (r.round_id, r.status) not in before]
        # Progress display only, and only with requests to spare: the finish needs them.
        if self.reporter is not None:
            spare = self.budget.available() >= RESERVE
            wanted = newly_ended or self._reporting_metrics()
            if spare and wanted and self.validate and any(r.committed for r in self._ended()):
                self._list_validations()
            self._report(self._history())

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
            self._read_session()  # name the state it is stuck in
            if self.status != "started" and (self.session.status or "Created") == self.stale:
                raise SessionStalledError(
                    f"session {name} still reads {self.session.status!r} "
                    f"{now - self.started_at:.0f} s after it was started: the controller "
                    "did not run it (fedn 0.33.0 leaves a session 'Created' when its session "
                    "thread dies, e.g. on an aggregator it does not ship, and then refuses "
                    "every start with 'A session is already running!' until it restarts)",
                    cause="not_started",
                    session=self.session,
                )
            self.started = True
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

    # -- validations after the rounds ------------------------------------------------------

    def _await_validations(self) -> None:
        """Poll the validations until every finished round's model has its clients' ones."""
        if self.last_validated or not self.validate or not any(
            (r.status or "").lower() == "finished" for r in self.rounds
        ):
            return
        ended_at = self.clock()
        give_up = ended_at + self.validation_timeout
        while True:
            self._list_validations()
            missing = self._missing_validations()
            if missing and self.models is None and self._ambiguous():
                self._list_models()  # the rounds alone cannot tell the committed models apart
                missing = self._missing_validations()
            if not missing:
                return
            if self.reporter is not None:
                self._report(self._history())
            now = self.clock()
            if now >= give_up or (self.deadline is not None and now >= self.deadline):
                log.warning(
                    "session %s: validations of round(s) %s still missing %.0f s after the "
                    "rounds ended; returning without them",
                    self.session.name or self.session.pk,
                    ", ".join(str(r.round_id) for r in missing),
                    now - ended_at,
                )
                return
            self._sleep(min(FINAL, give_up - now))

    # -- results -----------------------------------------------------------------------------

    def _history(self) -> RoundHistory:
        history = build_history(self.all_rounds, self.models or (), self.validations,
                                self._committed())
        return RoundHistory(r for r in history if str(r.round_id) not in self.before)

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
