"""Properties of the retry policy: bounded attempts and sleep, never a blind retry of a write."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from hub_sdk.core.retry import (
    Outcome,
    RetryPolicy,
    backoff_delay,
    decide,
    is_idempotent,
    may_have_been_applied,
    parse_retry_after,
)

methods = st.sampled_from(["GET", "HEAD", "PUT", "DELETE", "POST", "PATCH"])
failures = st.sampled_from([o for o in Outcome if o is not Outcome.OK])
# Any status, with the ones the rules name drawn often.
statuses = st.integers(100, 599) | st.sampled_from([301, 302, 303, 307, 308, 429, 500, 503])
policies = st.builds(
    RetryPolicy,
    max_retries=st.integers(0, 8),
    backoff_base=st.floats(0, 4),
    backoff_cap=st.floats(0, 30),
    retry_after_cap=st.floats(0, 120),
)


def simulate(method, outcomes, policy, retry_afters, jitters):
    """Run the decision loop over a scripted sequence of failures; return (attempts, slept)."""
    slept = 0.0
    for attempt, outcome in enumerate(outcomes):
        status, retry_after = outcome[1], retry_afters[attempt % len(retry_afters)]
        d = decide(
            method,
            attempt,
            outcome[0],
            policy,
            status=status,
            retry_after=retry_after,
            jitter=jitters[attempt % len(jitters)],
        )
        if not d.retry:
            return attempt + 1, slept
        slept += d.delay
    return len(outcomes), slept


@given(
    method=methods,
    policy=policies,
    outcomes=st.lists(st.tuples(failures, statuses), min_size=1, max_size=20),
    retry_afters=st.lists(st.none() | st.floats(0, 200), min_size=1, max_size=5),
    jitters=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=5),
)
def test_attempts_and_total_sleep_are_bounded(method, policy, outcomes, retry_afters, jitters):
    attempts, slept = simulate(method, outcomes, policy, retry_afters, jitters)
    assert attempts <= policy.max_retries + 1
    per_retry = max(policy.backoff_cap, policy.retry_after_cap)
    assert slept <= policy.max_retries * per_retry + 1e-9


@given(
    method=st.sampled_from(["POST", "PATCH"]),
    policy=policies,
    attempt=st.integers(0, 10),
    outcome=failures,
    status=statuses,
    retry_after=st.none() | st.floats(0, 100),
)
def test_writes_are_retried_only_when_they_never_reached_the_server(
    method, policy, attempt, outcome, status, retry_after
):
    d = decide(method, attempt, outcome, policy, status=status, retry_after=retry_after)
    if d.retry:  # a refused connection, or a 429: the server did not process it
        assert outcome is Outcome.CONNECT_FAILED or (outcome is Outcome.STATUS and status == 429)
    assert may_have_been_applied(method, outcome, status) == (
        outcome in (Outcome.TIMEOUT, Outcome.CONNECTION_LOST, Outcome.BAD_BODY)
        or (outcome is Outcome.STATUS and status >= 500)
        or (outcome is Outcome.STATUS and status in (301, 302, 303))
    )


@given(method=methods, policy=policies, status=statuses)
def test_only_retryable_statuses_are_retried(method, policy, status):
    d = decide(method, 0, Outcome.STATUS, policy, status=status)
    assert d.retry == (
        policy.max_retries > 0
        and status in policy.statuses
        and (is_idempotent(method) or status == 429)
    )


@given(method=methods, policy=policies, attempt=st.integers(0, 10))
def test_a_failed_tls_handshake_is_final_and_sent_nothing(method, policy, attempt):
    assert not decide(method, attempt, Outcome.TLS_FAILED, policy).retry
    assert not may_have_been_applied(method, Outcome.TLS_FAILED)


@given(attempt=st.integers(0, 100), policy=policies, jitter=st.floats(0, 1))
def test_backoff_is_exponential_capped_and_jittered(attempt, policy, jitter):
    delay = backoff_delay(attempt, policy, jitter)
    full = min(policy.backoff_cap, policy.backoff_base * 2 ** min(attempt, 32))
    assert full / 2 - 1e-9 <= delay <= full + 1e-9


def test_default_backoff_schedule():
    p = RetryPolicy()
    assert [backoff_delay(n, p, 1.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


@given(policy=policies, retry_after=st.floats(0, 500))
def test_retry_after_is_honoured_up_to_the_cap(policy, retry_after):
    d = decide("GET", 0, Outcome.STATUS, policy, status=503, retry_after=retry_after)
    if policy.max_retries == 0:
        assert not d.retry
    elif retry_after > policy.retry_after_cap:
        assert not d.retry and "exceeds the cap" in d.reason
    else:
        assert d.retry and d.delay >= retry_after


@given(seconds=st.integers(0, 10**6))
def test_parse_retry_after_seconds_and_dates(seconds):
    assert parse_retry_after(str(seconds)) == seconds
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    date = format_datetime(now + timedelta(seconds=seconds), usegmt=True)
    assert parse_retry_after(date, now=now) == seconds


@given(text=st.text(max_size=30))
def test_parse_retry_after_never_raises(text):
    value = parse_retry_after(text)
    assert value is None or value >= 0
