"""Mixed operations against LocalHub with ~10% injected faults: typed errors, no duplicate writes.

Reads (gets, listings) must succeed within the retry budget or raise a typed error. Writes are
creates with client-chosen ids and updates that stamp a unique value: the server's committed
creates must equal the acknowledged ones plus some of those raised with
``may_have_been_applied``; an error that says a write was *not* applied must be true; and the
final state of every updated object must come from its latest acknowledged update or a later
possibly-applied one. Nothing but :class:`~hub_sdk.errors.HubError` may escape.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from hub_sdk import auger
from hub_sdk.errors import HubError
from hub_sdk.testing import Faults, LocalHub

from .conftest import auger_conn

FAULT_KINDS = ("503", "429", "reset_before", "reset_after", "slow", "truncated", "html_502")
READ_TIMEOUT = 0.3  # the "slow" fault sleeps longer than this
SLOW_DELAY = 0.45


@dataclass
class Tally:
    """What happened: operations, outcomes, errors and the write bookkeeping."""

    ops: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    read_failures: int = 0
    retries: int = 0
    acked: set[str] = field(default_factory=set)
    maybe: set[str] = field(default_factory=set)
    not_applied: set[str] = field(default_factory=set)
    # session id -> [(op number, message, outcome)] with outcome "acked", "maybe" or "no"
    updates: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)

    def report(self, hub: LocalHub, committed: int) -> str:
        """A few lines for the log."""
        stats = hub.stats
        return (
            f"ops {dict(self.ops)}; faults {stats['faults']}; retries {self.retries}; "
            f"errors {dict(self.errors)}; read failures {self.read_failures}; "
            f"creates acked {len(self.acked)} maybe {len(self.maybe)} "
            f"not-applied {len(self.not_applied)} committed {committed}; "
            f"server requests {sum(stats['requests'].values())}"
        )


class _RetryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "retrying in" in record.getMessage():
            self.retries += 1


@pytest.fixture
def retry_log() -> Iterator[_RetryCounter]:
    """Counts the connection's retries from its INFO log lines."""
    logger = logging.getLogger("hub_sdk")
    handler = _RetryCounter()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def run_mixed(n_ops: int, seed: int, retry_after: int, retry_log: _RetryCounter) -> None:
    """Run ``n_ops`` mixed operations with ~10% faults and check every invariant."""
    rng = random.Random(seed)
    plan = Faults(
        rate=0.10, kinds=FAULT_KINDS, seed=seed, retry_after=retry_after, delay=SLOW_DELAY
    )
    with LocalHub(seed="demo", size=300, fedn=False) as hub:
        conn = auger_conn(hub.url, hub.project_token, timeout=(2.0, READ_TIMEOUT))
        experiments = [e.id for e in auger.Experiment.list(connection=conn)]
        sessions = [s.id for s in auger.ExperimentSession.list(connection=conn)]
        assert experiments and sessions
        hub.reset_stats()
        hub.faults.set(plan)
        tally = Tally()
        prefix = f"rel{seed}x"
        for op in range(n_ops):
            kind = rng.choices(("get", "list", "create", "update"), weights=(35, 15, 25, 25))[0]
            tally.ops[kind] += 1
            try:
                _one(kind, op, rng, conn, experiments, sessions, prefix, tally)
            except HubError as exc:
                tally.errors[type(exc).__name__] += 1
        # A "slow" write is committed after the client gave up: let the server finish.
        hub.faults.clear()
        time.sleep(SLOW_DELAY + 0.2)
        tally.retries = retry_log.retries
        committed = {
            d["id"] for d in hub.store.iter("experiment") if str(d["id"]).startswith(prefix)
        }
        report = tally.report(hub, len(committed))
        print(f"\n[faults x{n_ops}] {report}")
        assert sum(hub.stats["faults"].values()) >= n_ops // 20, report
        # creates: nothing lost, nothing invented, nothing claimed "not applied" that was
        assert tally.acked <= committed, report
        assert committed <= tally.acked | tally.maybe, report
        assert not committed & tally.not_applied, report
        assert len(tally.acked) <= len(committed) <= len(tally.acked) + len(tally.maybe)
        writes = hub.store.stats().get("experiment", 0)
        assert writes == len(committed), f"{writes} experiment writes for {len(committed)} ids"
        # updates: the final state is the last acknowledged write or a later maybe-write
        for sid, history in tally.updates.items():
            final = hub.store.get("experiment_session", sid)
            assert final is not None
            _check_update_history(sid, history, final.get("message"), report)
        # reads: within the retry budget nearly always (4 faults in a row: ~1e-4 a request)
        assert tally.read_failures <= max(2, n_ops // 200), report


def _check_update_history(
    sid: str, history: list[tuple[int, str, str]], final: Any, report: str
) -> None:
    outcome = {msg: (n, how) for n, msg, how in history}
    if final not in outcome:
        # never touched successfully: then no acknowledged update may exist
        assert all(how != "acked" for _, _, how in history), (sid, final, report)
        return
    n_final, how = outcome[final]
    assert how in ("acked", "maybe"), f"{sid}: an update reported as not applied was applied"
    last_acked = max((n for n, _, h in history if h == "acked"), default=-1)
    assert n_final >= last_acked, f"{sid}: update {n_final} overwrote acknowledged {last_acked}"


def _one(
    kind: str,
    op: int,
    rng: random.Random,
    conn: Any,
    experiments: list[str],
    sessions: list[str],
    prefix: str,
    tally: Tally,
) -> None:
    if kind == "get":
        cls, ids = rng.choice(
            [(auger.Experiment, experiments), (auger.ExperimentSession, sessions)]
        )
        try:
            obj = cls.get(rng.choice(ids), connection=conn)
        except HubError:
            tally.read_failures += 1
            raise
        assert obj.id in ids
    elif kind == "list":
        try:
            items = auger.Trial.list(connection=conn, page_size=40, limit=120).to_list()
        except HubError:
            tally.read_failures += 1
            raise
        assert len(items) == 120 and len({t.id for t in items}) == 120
    elif kind == "create":
        key = f"{prefix}{op:05d}"
        try:
            made = auger.Experiment.create(connection=conn, id=key, name=f"reliability {op}")
        except HubError as exc:
            (tally.maybe if exc.may_have_been_applied else tally.not_applied).add(key)
            raise
        assert made.id == key
        tally.acked.add(key)
    else:
        sid = rng.choice(sessions)
        message = f"update-{op:05d}"
        history = tally.updates.setdefault(sid, [])
        try:
            updated = auger.ExperimentSession.update(sid, connection=conn, message=message)
        except HubError as exc:
            history.append((op, message, "maybe" if exc.may_have_been_applied else "no"))
            raise
        assert updated.message == message
        history.append((op, message, "acked"))


def test_faults_fast(retry_log: _RetryCounter) -> None:
    """~100 mixed operations with ~10% faults (Retry-After 0 to stay fast)."""
    run_mixed(100, seed=11, retry_after=0, retry_log=retry_log)


@pytest.mark.slow
def test_faults_1000_mixed_operations(retry_log: _RetryCounter) -> None:
    """1,000 mixed operations with ~10% faults of every kind, Retry-After 1 s."""
    run_mixed(1000, seed=7, retry_after=1, retry_log=retry_log)
