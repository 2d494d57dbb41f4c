"""Threads sharing one connection: zero errors, and the cache is never older than our writes.

Every thread owns one experiment and one session of it. It stamps a growing version into its
experiment's name through the shared connection, and reads it back through the cache
(``Experiment.get(cached=True)``), through the ``session.experiment`` parent relation, and
uncached; every read must show a version at least as new as the thread's last write. Threads
also read *other* threads' experiments, uncached (which races their writes into the cache)
and cached, where the version must be at least the one the owner had published as written
before the read began.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any

import pytest

from hub_sdk import auger
from hub_sdk.testing import LocalHub

from .conftest import auger_conn


def _version(name: str | None, owner: int) -> int:
    prefix = f"load-t{owner}-v"
    assert name is not None and name.startswith(prefix), name
    return int(name[len(prefix) :])


def run_load(threads: int, ops: int) -> None:
    """``threads`` x ``ops`` operations on one shared connection; check errors and staleness."""
    with LocalHub(seed="demo", size=300, fedn=False) as hub:
        conn = auger_conn(hub.url, hub.project_token, timeout=(5.0, 30.0))
        owned: list[tuple[str, str]] = []
        for t in range(threads):
            exp = auger.Experiment.create(connection=conn, name=f"load-t{t}-v0")
            session = auger.ExperimentSession.create(connection=conn, experiment_id=exp.id)
            owned.append((exp.id, session.id))
        published = [0] * threads  # versions whose update() has returned
        errors: list[BaseException] = []
        counts: Counter[str] = Counter()
        lock = threading.Lock()
        start = threading.Barrier(threads)

        def worker(t: int) -> None:
            rng = random.Random(t)
            exp_id, session_id = owned[t]
            written = 0
            local: Counter[str] = Counter()
            try:
                start.wait(timeout=30)
                for _ in range(ops):
                    kind = rng.choices(
                        ("write", "cached", "parent", "get", "list", "peer", "peer_get"),
                        weights=(30, 20, 20, 5, 5, 10, 10),
                    )[0]
                    local[kind] += 1
                    if kind == "write":
                        written += 1
                        exp = auger.Experiment.update(
                            exp_id, connection=conn, name=f"load-t{t}-v{written}"
                        )
                        assert _version(exp.name, t) == written
                        published[t] = written
                    elif kind == "cached":
                        exp = auger.Experiment.get(exp_id, connection=conn, cached=True)
                        assert _version(exp.name, t) >= written, "stale cached get"
                    elif kind == "parent":
                        session = auger.ExperimentSession.get(session_id, connection=conn)
                        parent = session.experiment
                        assert parent is not None and parent.id == exp_id
                        assert _version(parent.name, t) >= written, "stale parent"
                    elif kind == "get":
                        exp = auger.Experiment.get(exp_id, connection=conn)
                        assert _version(exp.name, t) >= written, "stale get"
                    elif kind in ("peer", "peer_get"):
                        other = rng.randrange(threads)
                        floor = published[other]
                        exp = auger.Experiment.get(
                            owned[other][0], connection=conn, cached=kind == "peer"
                        )
                        assert _version(exp.name, other) >= floor, "stale peer read"
                    else:
                        first = auger.ExperimentSession.list(
                            connection=conn, experiment_id=exp_id, limit=1
                        ).first()
                        assert first is not None and first.id == session_id
            except BaseException as exc:  # collected and re-raised by the test
                with lock:
                    errors.append(exc)
            with lock:
                counts.update(local)

        started = time.perf_counter()
        pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
        for th in pool:
            th.start()
        for th in pool:
            th.join(timeout=300)
        elapsed = time.perf_counter() - started
        assert not any(th.is_alive() for th in pool), "a worker thread hung"
        cache = conn.cache
        print(
            f"\n[load {threads}x{ops}] {dict(counts)} in {elapsed:.1f}s; "
            f"cache hits {cache.hits} misses {cache.misses}; errors {len(errors)}"
        )
        if errors:
            raise errors[0]
        assert sum(counts.values()) == threads * ops
        assert cache.hits > 0
        for t, (exp_id, _) in enumerate(owned):
            final: Any = hub.store.get("experiment", exp_id)
            assert final is not None and final["name"].startswith(f"load-t{t}-v")


def test_load_small() -> None:
    """4 threads x 60 operations on one connection."""
    run_load(4, 60)


@pytest.mark.slow
def test_load_8_threads_500_operations() -> None:
    """8 threads x 500 operations on one connection."""
    run_load(8, 500)
